"""archive_store: the durable, append-only, tamper-evident record of every turn.

Public API (see archive_store/README.md):

- ``Archive(url)``: ``append(TurnIn) -> StoredTurn`` (committed before it returns),
  ``conversation(id)``, ``verify()``, ``purge(days)``;
- ``archive_store.db.upgrade(url)``: create or migrate the schema;
- ``archive_store.tracker_store.ArchiveTrackerStore``: Rasa tracker store in the same
  database, which also archives user and bot turns;
- ``archive_store.users.Users``: clerk/auditor/admin accounts (argon2 hashes);
- ``archive_store.audit.AuditSession``: search, transcripts, CSV/JSON/PDF exports,
  every one recorded in the access log.

Importing this package opens nothing: engines are made on first use.
"""

from archive_store.archive import Archive, ChainBreak, PurgeReport, VerifyReport
from archive_store.errors import (
    ArchiveError,
    ArchiveIntegrityError,
    ArchiveNotInitialised,
    ArchiveUnavailable,
    AuthenticationFailed,
    InvalidQuery,
    InvalidTurn,
    PermissionDenied,
    UnknownConversation,
    UnknownUser,
    UserError,
)
from archive_store.turns import MESSAGE, SPEAKERS, SYSTEM_EVENTS, StoredTurn, TurnIn

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveIntegrityError",
    "ArchiveNotInitialised",
    "ArchiveUnavailable",
    "AuthenticationFailed",
    "ChainBreak",
    "InvalidQuery",
    "InvalidTurn",
    "PermissionDenied",
    "MESSAGE",
    "PurgeReport",
    "SPEAKERS",
    "SYSTEM_EVENTS",
    "StoredTurn",
    "TurnIn",
    "UnknownConversation",
    "UnknownUser",
    "UserError",
    "VerifyReport",
]
