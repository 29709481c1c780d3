"""archive: the durable, append-only, tamper-evident record of every turn.

Public API (see archive/README.md):

- ``Archive(url)``: ``append(TurnIn) -> StoredTurn`` (committed before it returns),
  ``conversation(id)``, ``verify()``, ``purge(days)``;
- ``storage.db.upgrade(url)``: create or migrate the schema;
- ``archive.tracker_store.ArchiveTrackerStore``: Rasa tracker store in the same
  database, which also archives user and bot turns;
- ``archive.users.Users``: clerk/auditor/admin accounts (argon2 hashes);
- ``archive.audit.AuditSession``: search, transcripts, CSV/JSON/PDF exports,
  every one recorded in the access log.

Importing this package opens nothing: engines are made on first use.
"""

from archive.archive import Archive, ChainBreak, PurgeReport, VerifyReport
from archive.errors import (
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
from archive.turns import MESSAGE, SPEAKERS, SYSTEM_EVENTS, StoredTurn, TurnIn

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
