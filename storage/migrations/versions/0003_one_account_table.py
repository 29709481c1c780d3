"""One account table for every role, and one table of login sessions.

Wave 1 had two: ``handoff_clerks`` (the live chat's clerks, with presence) and
``archive_users`` (clerks, auditors and admins of the archive view), each with its own
password policy, and the auditors' sessions in process memory. From here on:

- ``accounts`` (``handoff_clerks`` renamed, its ids kept so that conversations and
  messages still point at their clerk) gains ``role`` (clerk, auditor, admin),
  ``department`` (a clerk's department, for the department queues) and ``updated_at``;
  the rows of ``archive_users`` are copied in. A username that is in both tables keeps
  its clerk account; the archive account (an auditor or admin) is copied as
  ``<username>-<role>``, never merged into more rights than either had — the migration
  logs every such rename. ``archive_users`` is dropped.
- ``sessions`` (``handoff_sessions`` renamed; ``clerk_id`` becomes ``account_id``) holds
  the login sessions of every role.

Revision ID: 0003_one_account_table
Revises: 0002_message_delivery
Create Date: 2026-12-01
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0003_one_account_table"
down_revision = "0002_message_delivery"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    # Plain ALTER TABLE, never SQLite's batch copy: dropping the old copy of a table that
    # conversations and messages point at would cascade or fail on their foreign keys.
    op.rename_table("handoff_clerks", "accounts")
    op.add_column("accounts", sa.Column("role", sa.String(16), nullable=False, server_default="clerk"))
    op.add_column("accounts", sa.Column("department", sa.String(64), nullable=True))
    op.add_column("accounts", sa.Column("updated_at", sa.DateTime, nullable=True))
    if postgresql:  # SQLite neither enforces VARCHAR lengths nor adds a CHECK in place
        op.alter_column("accounts", "display_name", type_=sa.String(200), existing_type=sa.String(120))
        op.create_check_constraint("ck_accounts_role", "accounts", "role IN ('clerk', 'auditor', 'admin')")

    accounts = sa.table(
        "accounts", sa.column("id"), sa.column("username"), sa.column("display_name"),
        sa.column("password_hash"), sa.column("presence"), sa.column("disabled"),
        sa.column("created_at"), sa.column("updated_at"), sa.column("role"),
    )  # fmt: skip
    if sa.inspect(connection).has_table("archive_users"):
        taken = {row.username for row in connection.execute(sa.select(accounts.c.username))}
        users = connection.execute(
            sa.text(
                "SELECT username, display_name, role, password_hash, active, created_at, "
                "updated_at FROM archive_users ORDER BY id"
            )
        ).all()
        for user in users:
            username = user.username
            if username in taken:
                if user.role == "clerk":
                    continue  # the same clerk, already an account
                username = f"{user.username}-{user.role}"[:64]
                logger.warning(
                    "accounts: %r is both a clerk and an archive %s; the %s account is now %r",
                    user.username, user.role, user.role, username,
                )  # fmt: skip
                if username in taken:
                    raise RuntimeError(
                        f"cannot copy archive account {user.username!r}: {username!r} exists too"
                    )
            connection.execute(
                accounts.insert().values(
                    username=username,
                    display_name=user.display_name[:200],
                    password_hash=user.password_hash,
                    presence="indisponibil",
                    disabled=not user.active,
                    created_at=user.created_at,
                    updated_at=user.updated_at,
                    role=user.role,
                )  # fmt: skip
            )
            taken.add(username)
        op.drop_table("archive_users")

    op.drop_index("ix_handoff_sessions_clerk_id", "handoff_sessions")
    op.rename_table("handoff_sessions", "sessions")
    op.execute("ALTER TABLE sessions RENAME COLUMN clerk_id TO account_id")
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])


def downgrade() -> None:
    raise NotImplementedError(
        "0003 merged two account tables into one; restore the backup taken before the upgrade"
    )
