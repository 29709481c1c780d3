"""One schema for the whole project: the wave-1 tables of the archive and the live chat.

Wave 1 kept two alembic trees in one database, with the version tables
``alembic_version_archive`` (head ``0001_archive_initial``) and
``alembic_version_handoff`` (head ``0002``). This revision adopts such a database as it
is — tables and rows untouched — and creates what is missing on a new one; the two old
version tables are dropped, and ``alembic_version`` is the only one from here on.

Revision ID: 0001_one_tree
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.wave1 import archive_0001, handoff_0001, handoff_0002

revision = "0001_one_tree"
down_revision = None
branch_labels = None
depends_on = None

# Old version table -> the revisions of its tree, in order, with what each creates.
_OLD_TREES = {
    "alembic_version_archive": [("0001_archive_initial", archive_0001.upgrade)],
    "alembic_version_handoff": [("0001", handoff_0001.upgrade), ("0002", handoff_0002.upgrade)],
}


def _old_version(connection: sa.engine.Connection, table: str) -> "str | None":
    if not sa.inspect(connection).has_table(table):
        return None
    versions = [row[0] for row in connection.execute(sa.text(f"SELECT version_num FROM {table}"))]
    if len(versions) != 1:
        raise RuntimeError(f"{table} holds {versions!r}; expected exactly one revision")
    return versions[0]


def upgrade() -> None:
    connection = op.get_bind()
    for table, tree in _OLD_TREES.items():
        done = _old_version(connection, table)
        names = [name for name, _ in tree]
        if done is not None and done not in names:
            raise RuntimeError(
                f"{table} is at revision {done!r}, which this code does not know "
                f"(known: {names}); upgrade with the release that wrote it first"
            )
        start = names.index(done) + 1 if done is not None else 0
        for _name, step in tree[start:]:
            step()
        if done is not None:
            op.drop_table(table)


def downgrade() -> None:
    handoff_0002.downgrade()
    handoff_0001.downgrade()
    archive_0001.downgrade()
