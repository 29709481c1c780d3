"""alembic environment of the project's one migration tree.

Run programmatically by :func:`storage.db.upgrade` (which passes an open connection
inside a locked transaction), or by hand for writing a new revision::

    .venv/bin/alembic -c storage/alembic.ini revision -m "..."

The version table is ``alembic_version``; wave 1's two trees were adopted by revision
``0001_one_tree``.
"""

from alembic import context

from storage.db import VERSION_TABLE, database_url, is_sqlite, make_engine

config = context.config


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=is_sqlite(connection),
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or database_url(), create=True)
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("the migrations run online only (no --sql mode).")
run_migrations_online()
