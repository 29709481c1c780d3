"""Sending one e-mail over SMTP, with the settings of the environment.

==================  =====================================================================
``SMTP_HOST``       the server; unset: e-mails wait in the outbox, nothing is sent
``SMTP_PORT``       default 587 with STARTTLS, else 25
``SMTP_USER``       login name, if the server wants one
``SMTP_PASSWORD``   its password (never logged, never in an error message)
``SMTP_STARTTLS``   ``true`` (default) or ``false``: upgrade the connection with STARTTLS
``SMTP_FROM``       the sender address (default ``e-functionar@primariamagurele.ro``)
``SMTP_TIMEOUT``    seconds for each connection (default 20)
``SITE_URL``        the site's public address, for the links in e-mails (default
                    ``http://127.0.0.1:5005``, what ``make run`` serves)
==================  =====================================================================
"""

import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Mapping, Optional

DEFAULT_FROM = "e-functionar@primariamagurele.ro"
DEFAULT_SITE_URL = "http://127.0.0.1:5005"
_TRUE, _FALSE = ("1", "true", "yes", "da"), ("0", "false", "no", "nu")


def public_url(path: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """``path`` on the site as a citizen reaches it from an e-mail (``SITE_URL``)."""
    env = os.environ if environ is None else environ
    return (env.get("SITE_URL", "").strip() or DEFAULT_SITE_URL).rstrip("/") + path


class MailError(Exception):
    """The e-mail was not sent; the message never holds the password."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    starttls: bool = True
    sender: str = DEFAULT_FROM
    timeout: float = 20.0

    def __repr__(self) -> str:  # the password never appears
        secret = ", password=***" if self.password else ""
        return f"SmtpSettings({self.host}:{self.port}, user={self.user!r}{secret}, starttls={self.starttls})"

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["SmtpSettings"]:
        """The settings, or None when ``SMTP_HOST`` is unset; ValueError naming a bad one."""
        env = os.environ if environ is None else environ
        host = env.get("SMTP_HOST", "").strip()
        if not host:
            return None
        flag = env.get("SMTP_STARTTLS", "true").strip().lower()
        if flag not in _TRUE + _FALSE:
            raise ValueError(f"SMTP_STARTTLS must be true or false, not {flag!r}")
        starttls = flag in _TRUE
        try:
            port = int(env.get("SMTP_PORT", "587" if starttls else "25"))
            timeout = float(env.get("SMTP_TIMEOUT", "20"))
        except ValueError:
            raise ValueError("SMTP_PORT and SMTP_TIMEOUT must be numbers") from None
        if not 0 < port < 65536:
            raise ValueError(f"SMTP_PORT must be 1-65535, not {port}")
        return cls(
            host=host,
            port=port,
            user=env.get("SMTP_USER", "").strip() or None,
            password=env.get("SMTP_PASSWORD") or None,
            starttls=starttls,
            sender=env.get("SMTP_FROM", "").strip() or DEFAULT_FROM,
            timeout=timeout,
        )


def build_message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    return message


def _scrub(text: str, settings: SmtpSettings) -> str:
    if settings.password:
        text = text.replace(settings.password, "***")
    return text[:300]


def send(settings: SmtpSettings, to: str, subject: str, body: str) -> None:
    """Send one e-mail (blocking). Raises :class:`MailError` (no password in it)."""
    message = build_message(settings, to, subject, body)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"SMTP {settings.host}:{settings.port} refused the login of {settings.user!r} ({error.smtp_code})"
        ) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
        detail = _scrub(f"{type(error).__name__}: {error}", settings)
        raise MailError(f"SMTP {settings.host}:{settings.port}: {detail}") from None
