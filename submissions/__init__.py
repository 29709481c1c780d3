"""Online submissions: a citizen files a request with its documents and follows it; the
department works it from the console.

- :mod:`submissions.filings` — documents of a draft, registration (number, receipt,
  archive turn, e-mails), downloads, the citizen's status lookup;
- :mod:`submissions.department` — the department queue and its steps;
- :mod:`submissions.outbox` — e-mails over SMTP, retried until sent;
- :mod:`submissions.attachments`, :mod:`submissions.numbers`, :mod:`submissions.terms`,
  :mod:`submissions.receipt`, :mod:`submissions.codes` — one concern each.

Importing the package opens nothing (see README.md).
"""

from submissions.errors import SubmissionError, UnknownFiling

__all__ = ["SubmissionError", "UnknownFiling"]
