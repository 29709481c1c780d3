"""The refusals of the submissions package: one Romanian message each, for the citizen or
the clerk, with the HTTP status a route answers with."""

from typing import Any, Dict, Optional


class SubmissionError(Exception):
    """Bad input or a step that is not allowed now; nothing was changed.

    Attributes:
        code: a stable snake_case name (tests and the widget use it).
        message: one Romanian sentence for the person who sent the input.
        status: the HTTP status of a route that refuses with it.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def as_json(self, **more: Any) -> Dict[str, Any]:
        body: Dict[str, Any] = {"error": self.code, "message": self.message}
        body.update(more)
        return body


class UnknownFiling(SubmissionError):
    """No filing with that number and access code (the same for both causes)."""

    def __init__(self, message: Optional[str] = None) -> None:
        from submissions.copy import NOT_FOUND

        super().__init__("not_found", message or NOT_FOUND, status=404)
