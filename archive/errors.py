"""Errors of the archive.

The two database errors are also the storage layer's (:mod:`storage.errors`), so a
caller may catch either.

``ArchiveUnavailable`` is the one a channel must catch: the turn was not stored, so it
must not be acknowledged to its sender nor delivered to the other side.
Errors an auditor can cause from the console (unknown conversation, malformed search)
carry Romanian messages because the console shows them as they are.
"""

import contextlib
from typing import Iterator

from storage import db
from storage.errors import DatabaseUnavailable, SchemaNotReady


class ArchiveError(Exception):
    """Base class of every error raised by ``archive``."""


class ArchiveUnavailable(ArchiveError, DatabaseUnavailable):
    """The database could not be reached or refused the write; nothing was stored."""


class ArchiveNotInitialised(ArchiveUnavailable, SchemaNotReady):
    """The database exists but its schema is missing or older than this code."""


#: What :func:`storage.db.db_errors` raises for the archive.
ARCHIVE_ERRORS: db.ErrorKinds = (ArchiveUnavailable, ArchiveNotInitialised)


@contextlib.contextmanager
def db_errors(action: str) -> Iterator[None]:
    """:func:`storage.db.db_errors` raising the archive's errors."""
    with db.db_errors(action, ARCHIVE_ERRORS):
        yield


class ArchiveIntegrityError(ArchiveError):
    """The hash chain is broken; the operation was refused to keep the evidence."""


class InvalidTurn(ArchiveError, ValueError):
    """A turn handed to ``Archive.append`` is malformed; nothing was stored."""


class UnknownConversation(ArchiveError, LookupError):
    """No turn of this conversation id is in the archive."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        super().__init__(f"Conversația „{conversation_id}” nu există în arhivă.")


class InvalidQuery(ArchiveError, ValueError):
    """An audit search or export was asked with malformed parameters."""


class PermissionDenied(ArchiveError):
    """The user's role does not allow this audit operation."""


class UserError(ArchiveError, ValueError):
    """A user account cannot be created or changed as asked."""


class UnknownUser(UserError, LookupError):
    """No account has this username."""


class AuthenticationFailed(ArchiveError):
    """Wrong username or password, or the account is disabled (deliberately vague)."""
