"""The admin dashboard's daily pre-aggregate (issue 17, archive/daily.py).

- ``archive_stats_days``: per Europe/Bucharest day, the counts the dashboard's figures
  add up (``metric``, ``key`` -> ``value``); its primary key starts with the metric, so
  that a figure reads its own days in one range.
- ``archive_stats_state``: one row, how far the chain has been counted (``through_seq``)
  and the newest purge seen (``purge_id``). Created at 0: the first load of the dashboard
  after this migration counts the whole archive once (about 10 s for a year on this
  machine), every later load only the turns written since.

Revision ID: 0009_dashboard_daily_counts
Revises: 0008_conversation_links
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_dashboard_daily_counts"
down_revision = "0008_conversation_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_stats_days",
        sa.Column("metric", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    state = op.create_table(
        "archive_stats_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("through_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("purge_id", sa.Integer, nullable=False),
        sa.Column("refreshed_at", sa.DateTime, nullable=True),
    )
    op.bulk_insert(state, [{"id": 1, "through_seq": 0, "purge_id": 0, "refreshed_at": None}])


def downgrade() -> None:
    op.drop_table("archive_stats_state")
    op.drop_table("archive_stats_days")
