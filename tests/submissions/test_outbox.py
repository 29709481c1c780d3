"""The outbox against a real local SMTP server (aiosmtpd): SMTP down then up, back-off,
no e-mail lost or sent twice, and the SMTP password never in a log or an error."""

import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from submissions.mail import SmtpSettings
from submissions.outbox import Outbox, backoff, smtp_sender
from tests.ports import free_port
from tests.submissions.conftest import jpeg
from tests.submissions.smtp_server import Inbox, refuse_everyone, start_smtp

PASSWORD = "Parola-SMTP-secreta-7Qx"


def _file_one(subs):
    draft, _ = subs.add_document(None, "groapa.jpg", jpeg())
    return subs.file(draft, "petitie", name="Ana Popescu", email="ana.popescu@exemplu.ro")


def test_smtp_down_then_up_sends_every_email_once(subs, engine, clock):
    _file_one(subs)
    port = free_port()  # nothing listens there yet
    sender = smtp_sender(SmtpSettings("127.0.0.1", port, starttls=False, timeout=3))
    box = Outbox(engine, clock=clock)

    assert box.deliver_due(sender) == (0, 2)
    rows = box.pending()
    assert [r["attempts"] for r in rows] == [1, 1]
    assert all(r["next_attempt_at"] == clock() + dt.timedelta(seconds=30) for r in rows)
    assert "Connection refused" in rows[0]["last_error"]
    assert box.deliver_due(sender) == (0, 0)  # not due again yet

    inbox = Inbox()
    controller = start_smtp(port, inbox)
    try:
        clock.advance(seconds=31)
        assert box.deliver_due(sender) == (2, 0)
        assert box.deliver_due(sender) == (0, 0)
    finally:
        controller.stop()
    assert box.pending() == []
    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert subjects == [
        "Cerere nouă 1/02.03.2026: Petiție",
        "Cererea dumneavoastră a fost înregistrată cu nr. 1/02.03.2026",
    ]
    to_citizen = next(m for m in inbox.messages if m["To"] == "ana.popescu@exemplu.ro")
    assert "Termenul legal de răspuns: 01.04.2026" in to_citizen.get_content()
    assert "Primăria Orașului Măgurele" in to_citizen.get_content()


def test_the_wait_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_an_email_claimed_by_another_process_is_not_sent_twice(subs, engine, clock):
    _file_one(subs)
    sent = []
    box = Outbox(engine, clock=clock)
    with engine.begin() as conn:  # another process claimed the first e-mail a moment ago
        conn.execute(sa.text("UPDATE outbox SET next_attempt_at = :t WHERE id = (SELECT MIN(id) FROM outbox)"),
                     {"t": (clock() + dt.timedelta(minutes=2)).replace(tzinfo=None)})  # fmt: skip
    assert box.deliver_due(lambda to, subject, body: sent.append(to)) == (1, 0)
    assert sent == ["ana.popescu@exemplu.ro"]


def test_the_smtp_password_is_never_in_a_log_or_an_error(subs, engine, clock, caplog):
    _file_one(subs)
    port = free_port()
    controller = start_smtp(port, Inbox(), authenticator=refuse_everyone)
    settings = SmtpSettings(
        "127.0.0.1", port, user="efunctionar", password=PASSWORD, starttls=False, timeout=5
    )
    caplog.set_level(logging.DEBUG)
    try:
        assert Outbox(engine, clock=clock).deliver_due(smtp_sender(settings)) == (0, 2)
    finally:
        controller.stop()
    errors = [r["last_error"] for r in Outbox(engine, clock=clock).pending()]
    assert all("refused the login of 'efunctionar'" in e for e in errors)
    assert PASSWORD not in caplog.text and all(PASSWORD not in e for e in errors)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)


def test_settings_come_from_the_environment_with_clear_errors():
    assert SmtpSettings.from_env({}) is None
    settings = SmtpSettings.from_env(
        {"SMTP_HOST": "mail.primarie.ro", "SMTP_USER": "u", "SMTP_PASSWORD": "p" * 12}
    )
    assert (settings.port, settings.starttls, settings.sender) == (
        587,
        True,
        "e-functionar@primariamagurele.ro",
    )
    assert SmtpSettings.from_env({"SMTP_HOST": "h", "SMTP_STARTTLS": "false"}).port == 25
    with pytest.raises(ValueError, match="SMTP_STARTTLS"):
        SmtpSettings.from_env({"SMTP_HOST": "h", "SMTP_STARTTLS": "poate"})
    with pytest.raises(ValueError, match="SMTP_PORT"):
        SmtpSettings.from_env({"SMTP_HOST": "h", "SMTP_PORT": "douăzeci"})
