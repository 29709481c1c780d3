"""The saved replies of the Relații cu Publicul department (issue 19): a title, unique
case-insensitively through ``title_key``, and a text a clerk inserts into a reply
(storage/saved_replies.py).

Revision ID: 0007_saved_replies
Revises: 0006_ratings_and_reviews (another migration may be written in parallel; the lead
re-chains at merge)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_saved_replies"
down_revision = "0006_ratings_and_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("title_key", sa.String(80), nullable=False, unique=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("saved_replies")
