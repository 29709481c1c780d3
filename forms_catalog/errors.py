"""Errors raised by the forms catalog.

Messages meant for citizens (``FieldValidationError``, ``InvalidValue``) are Romanian;
messages meant for maintainers (``CatalogError``) are English and name the file and the
field at fault.
"""

from typing import Iterable, List


class CatalogError(Exception):
    """The catalog files are invalid; ``problems`` lists every "file: field: message"."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: List[str] = list(problems)
        super().__init__("invalid forms catalog:\n" + "\n".join(f"  {p}" for p in self.problems))


class UnknownFormError(LookupError):
    """A form id that the catalog does not contain."""

    def __init__(self, form_id: str, known: Iterable[str] = ()) -> None:
        self.form_id = form_id
        known = sorted(known)
        hint = f" Formulare cunoscute: {', '.join(known)}." if known else ""
        super().__init__(f"Formularul „{form_id}” nu există în catalog.{hint}")

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class InvalidValue(ValueError):
    """A value rejected by a validator; the message is Romanian and names no field."""


class FieldValidationError(ValueError):
    """A value for a PDF/form field was rejected.

    Attributes:
        field: the field name (as in the catalog, e.g. ``cnp``).
        message: a Romanian sentence for the citizen that names the field by its label.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)
