"""The chat's guided filling on the website (livechat/filled_forms.py, issue 13 item 2).

A running site (tests/livechat/conftest.py) with a stand-in agent that sends what
``action_finish_filling`` sends; the seal is the test PKI of
tests/forms_catalog/seal_fixtures.py, the archive the real one, and the PDF is checked by
the real ``python -m forms_catalog verify-pdf``.
"""

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Any, Dict, List

import aiohttp
import pytest

from archive import Archive
from forms_catalog.filling import filled_form_payload
from tests.forms_catalog.conftest import pdf_cache_dir  # noqa: F401 - fixture (autouse)
from tests.forms_catalog.seal_fixtures import (  # noqa: F401 - fixtures
    VALUES,
    cli_env,
    dev_pki,
    run_cli,
    seal_env,
)
from tests.livechat.conftest import FakeAgent, open_citizen, running_site

ARCHIVED = {"housekeeping_seconds": 0.2, "turn_sink": "archive.sink.ArchiveTurnSink"}
LINK = re.compile(r"(/formulare/completate/[A-Za-z0-9_-]{43}\.pdf)")
SHA = re.compile(r"SHA-256\): ([0-9a-f]{64})$")


class FillingAgent(FakeAgent):
    """Confirms a filling as the action server does: a text, then the custom payload."""

    payload: Dict[str, Any] = filled_form_payload("petitie", VALUES)

    async def handle_message(self, message: Any) -> None:
        self.received.append(message.text)
        out = message.output_channel
        await out.send_text_message(message.sender_id, "Mulțumesc! Completez cererea și o sigilez.")
        await out.send_custom_json(message.sender_id, FillingAgent.payload)


@pytest.fixture
def chat_env(db_url, schedule_file, seal_env, tmp_path, monkeypatch) -> Path:  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name, value in seal_env.items():
        monkeypatch.setenv(name, value)
    kept = tmp_path / "filled"
    monkeypatch.setenv("FILLED_FORMS_DIR", str(kept))
    return kept


async def _confirm(site: Any, http: aiohttp.ClientSession) -> "tuple[str, Dict[str, Any]]":
    site.app.ctx.agent = FillingAgent()
    citizen, welcome = await open_citizen(http, site.ws_base)
    await citizen.send({"type": "message", "text": "Confirmați", "payload": "/affirm", "client_id": "c1"})
    await citizen.next("ack", client_id="c1")
    await citizen.next("message", sender="bot", text="Mulțumesc! Completez cererea și o sigilez.")
    message = await citizen.next("message", sender="bot", timeout=30)
    await citizen.ws.close()
    return welcome["conversation_id"], message


async def test_the_citizen_gets_the_link_the_pdf_is_sealed_and_the_archive_has_its_sha256(
    chat_env, cli_env, tmp_path, db_url
) -> None:
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        cid, message = await _confirm(site, http)
        assert message["text"].startswith("Cererea „Petiție” este completată și sigilată de primărie.")
        assert "(linkul este valabil 24 de ore)" in message["text"]
        link = LINK.search(message["text"]).group(1)
        assert message["buttons"] == [{"title": "Descărcați cererea completată (PDF)", "url": link}]
        sha = SHA.search(message["text"]).group(1)

        async with http.get(site.base + link) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/pdf"
            pdf = await resp.read()
        assert hashlib.sha256(pdf).hexdigest() == sha == resp.headers["X-Document-SHA256"]
        async with http.get(site.base + "/formulare/completate/" + "A" * 43 + ".pdf") as resp:
            assert resp.status == 404 and "linkul a expirat" in await resp.text()

    path = tmp_path / "descarcat.pdf"
    path.write_bytes(pdf)
    checked = run_cli(["verify-pdf", str(path)], cli_env)
    assert checked.returncode == 0, checked.stderr
    assert [p.name for p in chat_env.iterdir()] == [f"{link.rsplit('/', 1)[1]}"]

    with Archive(db_url) as archive:
        turns = archive.conversation(cid)
    filled = [t for t in turns if t.event == "form_filled"]
    assert len(filled) == 1 and filled[0].speaker == "system"
    assert filled[0].extra == {"form_id": "petitie", "sha256": sha}
    assert filled[0].form_ids == ("petitie",)
    # The system turn comes before the message that shows the link.
    assert turns.index(filled[0]) < [t.text for t in turns].index(message["text"])


async def test_without_a_seal_the_citizen_gets_the_form_page(chat_env, monkeypatch) -> None:
    for name in ("SEAL_KEY", "SEAL_CERT"):
        monkeypatch.delenv(name, raising=False)
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        _, message = await _confirm(site, http)
    assert message["text"].startswith("Completarea PDF-ului nu este disponibilă acum.")
    assert message["buttons"] == [{"title": "Deschideți pagina formularului", "url": "/formulare/petitie"}]
    assert not chat_env.exists()


async def test_a_value_refused_by_the_validators_fills_nothing(chat_env, monkeypatch) -> None:
    monkeypatch.setattr(
        FillingAgent, "payload", filled_form_payload("petitie", {**VALUES, "cnp": "1800101221145"})
    )
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        _, message = await _confirm(site, http)
    assert message["text"] == (
        "Cererea nu a putut fi completată: CNP: Cifra de control a CNP-ului (ultima cifră) nu este "
        "corectă; verificați CNP-ul. Vă rog să o completați pe pagina formularului."
    )
    assert not chat_env.exists() or not list(chat_env.iterdir())


class RefusesFormFilled:
    """A turn sink that archives nothing but refuses the ``form_filled`` turn."""

    recorded: List[Any] = []

    async def record(self, turn: Any) -> None:
        from livechat.archive import ArchiveError

        if turn.event == "form_filled":
            raise ArchiveError("disk full (test)")
        RefusesFormFilled.recorded.append(turn)


async def test_a_pdf_whose_sha256_cannot_be_archived_is_not_sent_and_not_kept(chat_env) -> None:
    RefusesFormFilled.recorded = []
    credentials = {"housekeeping_seconds": 0.2, "turn_sink": f"{__name__}.RefusesFormFilled"}
    async with running_site(credentials) as site, aiohttp.ClientSession() as http:
        site.app.ctx.agent = FillingAgent()
        citizen, _ = await open_citizen(http, site.ws_base)
        await citizen.send({"type": "message", "text": "Confirmați", "payload": "/affirm", "client_id": "c1"})
        error = await citizen.next("error", code="archive_failed", timeout=30)
        assert error["message"].startswith("Cererea completată nu a putut fi înregistrată în arhivă")
        with pytest.raises(AssertionError):  # nothing else comes
            await citizen.next("message", sender="bot", text=None, timeout=1)
        await citizen.ws.close()
    assert citizen.frames and not any(LINK.search(str(frame)) for frame in citizen.frames)
    assert not any(LINK.search(t.text or "") for t in RefusesFormFilled.recorded)
    assert list(chat_env.iterdir()) == []


async def test_housekeeping_deletes_the_pdfs_past_their_time_without_waiting_for_a_new_one(
    chat_env, monkeypatch
) -> None:
    """Before: an expired PDF stayed on disk until the next filling wrote another one."""
    import os
    import time

    monkeypatch.setenv("FILLED_FORMS_HOURS", "1")
    chat_env.mkdir()
    expired, valid = chat_env / ("e" * 43 + ".pdf"), chat_env / ("v" * 43 + ".pdf")
    expired.write_bytes(b"%PDF-1.7 expirat")
    valid.write_bytes(b"%PDF-1.7 valabil")
    two_hours_ago = time.time() - 7200
    os.utime(expired, (two_hours_ago, two_hours_ago))
    async with running_site(ARCHIVED):
        deadline = time.monotonic() + 10
        while expired.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    assert not expired.exists() and valid.exists()
