"""The migration 0004 creates exactly the tables submissions/tables.py describes."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import db
from submissions import tables

OURS = {"submissions", "submission_files", "submission_counters", "outbox"}


def test_the_migration_matches_the_tables(db_url):
    metadata = sa.MetaData()
    for table in (tables.counters, tables.filings, tables.files, tables.outbox):
        table.to_metadata(metadata)
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, parent: type_ != "table" or name in OURS,
                },
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
