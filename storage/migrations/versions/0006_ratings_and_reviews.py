"""Satisfaction ratings, labels of the unanswered-question review, and the indexes the
admin dashboard's queries need (issue 17).

- ``handoff_ratings``: at most one rating per conversation (its primary key is the
  conversation's id, so a second rating, even sent twice at once, is refused by the
  database); the score 1–5, whom it rates (``bot`` or ``clerk``) and the clerk. The
  citizen's comment is not kept here: it lives only in the archive's ``rating`` turn,
  which the retention purge deletes with the rest of the conversation.
- ``review_labels``: the intent (and optional form) an admin gave a citizen message of
  the archive, named by the turn's ``seq``; the text is read from the archive at export,
  so a purged turn leaves nothing to export.
- indexes for the admin dashboard (bench/dashboard_speed.py measures them on a year):
  ``ix_archive_turns_event_at`` (turns by event in a date range),
  ``ix_archive_turns_speaker_at`` (covers the per-day counts of citizen messages),
  ``ix_archive_turns_redirect`` (partial: the messages carrying a redirect) and
  ``ix_archive_conversations_first_at`` (conversations by their start).

Revision ID: 0006_ratings_and_reviews
Revises: 0003_one_account_table (0004 and 0005 are being written in parallel; the lead
re-chains this one after them at merge)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ratings_and_reviews"
down_revision = "0004_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoff_ratings",
        sa.Column(
            "conversation_id", sa.String(64), sa.ForeignKey("handoff_conversations.id"), primary_key=True
        ),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("rated", sa.String(8), nullable=False),
        sa.Column("clerk_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_handoff_ratings_score"),
        sa.CheckConstraint("rated IN ('bot', 'clerk')", name="ck_handoff_ratings_rated"),
        sa.CheckConstraint("(rated = 'clerk') = (clerk_id IS NOT NULL)", name="ck_handoff_ratings_clerk"),
    )
    op.create_table(
        "review_labels",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=False),
        sa.Column("intent", sa.String(255), nullable=False),
        sa.Column("form_id", sa.String(64), nullable=True),
        sa.Column("labelled_by", sa.String(64), nullable=False),
        sa.Column("labelled_at", sa.DateTime, nullable=False),
    )  # fmt: skip
    op.create_index("ix_archive_turns_event_at", "archive_turns", ["event", "at"])
    # Covers every per-day count of citizen messages (no table lookups on a year of turns).
    op.create_index(
        "ix_archive_turns_speaker_at", "archive_turns",
        ["speaker", "at", "intent", "confidence", "conversation_id", "form_ids"],
    )  # fmt: skip
    # Only the messages that sent a citizen to another department (archive/stats.py
    # REDIRECT_TURN, the same text, so that the planner proves the index applies).
    redirect = sa.text("""speaker IN ('bot', 'clerk') AND extra LIKE '%"redirect"%'""")
    op.create_index(
        "ix_archive_turns_redirect", "archive_turns", ["speaker", "at"],
        sqlite_where=redirect, postgresql_where=redirect,
    )  # fmt: skip
    # Covering: conversations per day read no table row.
    op.create_index(
        "ix_archive_conversations_first_at", "archive_conversations", ["first_at", "conversation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_archive_conversations_first_at", "archive_conversations")
    op.drop_index("ix_archive_turns_redirect", "archive_turns")
    op.drop_index("ix_archive_turns_speaker_at", "archive_turns")
    op.drop_index("ix_archive_turns_event_at", "archive_turns")
    op.drop_table("review_labels")
    op.drop_table("handoff_ratings")
