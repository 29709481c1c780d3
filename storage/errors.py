"""Errors of the storage layer, which every package that keeps state builds on.

A package raises its own subclasses (``archive.errors.ArchiveUnavailable`` is also a
:class:`DatabaseUnavailable`), so a caller can catch the storage error whatever package
met it: the live chat tells the citizen the message was not recorded.
"""


class StorageError(Exception):
    """Base class of the storage layer's errors."""


class DatabaseUnavailable(StorageError):
    """The database could not be reached, vanished, or refused the write; nothing was
    stored."""


class SchemaNotReady(DatabaseUnavailable):
    """The database exists but its schema is missing or older than this code."""
