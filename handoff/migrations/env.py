"""Alembic environment of handoff/: its own version table, beside archive_store's.

Run through :func:`handoff.db.migrate` (or ``python -m handoff migrate``), which passes
the connection in ``config.attributes["connection"]``.
"""

from alembic import context

from handoff.db import VERSION_TABLE, make_engine, metadata

connection = context.config.attributes.get("connection")


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:  # plain `alembic` command line: DATABASE_URL or the default SQLite file
    with make_engine().begin() as own_connection:
        run(own_connection)
