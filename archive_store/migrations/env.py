"""alembic environment of archive_store.

Run programmatically by ``archive_store.db.upgrade(url)`` (which passes an open
connection inside a locked transaction), or by hand for writing new revisions:

    DATABASE_URL=sqlite:///var/efunctionar.db \
        .venv/bin/alembic -c archive_store/alembic.ini revision --autogenerate -m "..."

The version table is ``alembic_version_archive`` so that other packages (handoff/) can
keep their own migrations in the same database.
"""

from alembic import context

from archive_store.db import VERSION_TABLE, database_url, is_sqlite, make_engine
from archive_store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        # Only our tables: the handoff package's tables live in the same database.
        include_name=lambda name, type_, parent: type_ != "table"
        or name in target_metadata.tables,
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
    raise SystemExit("archive_store migrations run online only (no --sql mode).")
run_migrations_online()
