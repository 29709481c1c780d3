"""Errors of the archive.

``ArchiveUnavailable`` is the one a channel must catch: the turn was not stored, so it
must not be acknowledged to its sender nor delivered to the other side.
Errors an auditor can cause from the console (unknown conversation, malformed search)
carry Romanian messages because the console shows them as they are.
"""


class ArchiveError(Exception):
    """Base class of every error raised by ``archive_store``."""


class ArchiveUnavailable(ArchiveError):
    """The database could not be reached or refused the write; nothing was stored."""


class ArchiveNotInitialised(ArchiveUnavailable):
    """The database exists but its schema is missing or older than this code."""


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
