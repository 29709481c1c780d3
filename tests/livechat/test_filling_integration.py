"""Guided filling end to end on the website: the trained model, the real action server
and the website channel with the test seal. The citizen fills a petition in the chat
(an invalid CNP corrected), confirms, gets the link, and the PDF downloads sealed."""

import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator

import aiohttp
import pytest

from archive import Archive
from livechat.store import HandoffStore
from storage import db
from tests.forms_catalog.conftest import pdf_cache_dir  # noqa: F401 - fixture (autouse)
from tests.forms_catalog.seal_fixtures import (  # noqa: F401 - fixtures
    cli_env,
    dev_pki,
    run_cli,
    seal_env,
)
from tests.livechat import stack as stack_module
from tests.livechat.conftest import Citizen, add_clerk, login, open_citizen
from tests.livechat.stack import Stack, model_missing_reason

pytestmark = pytest.mark.integration

LINK = re.compile(r"(/formulare/completate/[A-Za-z0-9_-]{43}\.pdf)")


class SealedStack(Stack):
    """The real servers, sealing with the test PKI and keeping PDFs in the test's folder."""

    seal: Dict[str, str] = {}

    @property
    def env(self) -> Dict[str, str]:
        env = {k: v for k, v in super().env.items() if not k.startswith("SEAL_")}
        return {**env, **self.seal, "FILLED_FORMS_DIR": str(self.folder / "filled")}


@pytest.fixture(scope="module")
def sealed_stack(tmp_path_factory: pytest.TempPathFactory, seal_env: Dict[str, str]) -> Iterator[Any]:  # noqa: F811
    reason = model_missing_reason()
    if reason:
        pytest.skip(reason)
    running = SealedStack(tmp_path_factory.mktemp("sealed-stack"))
    running.seal = seal_env
    limit = stack_module.FLOOD_LIMIT
    stack_module.FLOOD_LIMIT = 60  # a filling is more than 12 messages a minute
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    finally:
        stack_module.FLOOD_LIMIT = limit
    yield running
    running.stop()


async def say(citizen: Citizen, text: str, expect: str, payload: str = "") -> Dict[str, Any]:
    """Send ``text``; return the bot's message that starts with ``expect``."""
    frame = {"type": "message", "text": text, "client_id": f"{len(citizen.frames)}-{text[:20]}"}
    if payload:
        frame["payload"] = payload
    await citizen.send(frame)
    while True:
        message = await citizen.next("message", sender="bot", timeout=60)
        if message["text"].startswith(expect):
            return message


async def test_a_petition_filled_in_the_chat_downloads_sealed(sealed_stack, cli_env, tmp_path: Path) -> None:  # noqa: F811
    stack = sealed_stack
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, stack.ws_base)
        await say(citizen, "vreau sa completez o petitie", "1/13. Nume și prenume")
        await say(citizen, "Ion Popescu", "2/13. CNP")
        await say(citizen, "1800101221145", "CNP: Cifra de control a CNP-ului (ultima cifră) nu este corectă")
        await say(citizen, "1800101221144", "3/13. Act de identitate")
        await say(citizen, "Treceți peste", "4/13. Domiciliul", payload="treceți peste")
        await say(citizen, "Str. Atomiștilor nr. 1, Măgurele", "5/13. Cod poștal")
        for expect in ("6/13. Telefon", "7/13. E-mail", "8/13. Pe scurt"):
            await say(citizen, "sari", expect)
        await say(citizen, "Zgomot noaptea", "9/13. Conținutul petiției")
        await say(citizen, "Vecinul face zgomot după ora 22.", "10/13.")
        await say(citizen, "Nu", "11/13.", payload="nu")
        await say(citizen, "Da", "12/13. Declar pe propria răspundere", payload="da")
        await say(citizen, "Da", "13/13. Data", payload="da")
        summary = await say(citizen, "01.12.2026", "Verificați datele cererii „Petiție”")
        assert "• CNP: 1800101221144" in summary["text"]
        done = await say(
            citizen, "Confirmați", "Cererea „Petiție” este completată și sigilată", payload="/affirm"
        )
        await citizen.ws.close()
        link = LINK.search(done["text"]).group(1)
        async with http.get(stack.base + link) as resp:
            assert resp.status == 200
            pdf = await resp.read()
    sha = hashlib.sha256(pdf).hexdigest()
    assert done["text"].endswith(f"Amprenta documentului (SHA-256): {sha}")
    path = tmp_path / "petitie.pdf"
    path.write_bytes(pdf)
    checked = run_cli(["verify-pdf", str(path)], cli_env)
    assert checked.returncode == 0, checked.stderr
    with Archive(stack.db_url) as archive:
        filled = [t for t in archive.conversation(welcome["conversation_id"]) if t.event == "form_filled"]
    assert [t.extra for t in filled] == [{"form_id": "petitie", "sha256": sha}]


async def clerk_says(citizen: Citizen, expect: str) -> Dict[str, Any]:
    """The clerk's next message to the citizen that starts with ``expect``."""
    while True:
        message = await citizen.next("message", sender="clerk", timeout=30)
        if message["text"].startswith(expect):
            return message


async def test_the_clerk_sees_the_form_completes_it_for_the_citizen_and_sends_the_pdf(
    sealed_stack,
    cli_env,
    tmp_path: Path,  # noqa: F811
) -> None:
    stack = sealed_stack
    store = HandoffStore(db.make_engine(stack.db_url))
    add_clerk(store, "ana.filling", "Ana Popescu")
    clerk = await login(stack.base, "ana.filling")
    async with clerk, aiohttp.ClientSession() as http:
        await clerk.post(f"{stack.base}/console/api/presence", json={"presence": "activ"})
        citizen, welcome = await open_citizen(http, stack.ws_base)
        cid = welcome["conversation_id"]
        api = f"{stack.base}/console/api/conversations/{cid}"
        await say(citizen, "vreau sa completez o petitie", "1/13. Nume și prenume")
        await say(citizen, "Ion Popescu", "2/13. CNP")
        await citizen.send(
            {
                "type": "message",
                "text": "Vorbiți cu un funcționar",
                "payload": "/request_human",
                "client_id": "h",
            }
        )
        await citizen.next("state", state="queued", timeout=60)

        # Queued: the clerk already sees how far the citizen got.
        async with clerk.get(f"{api}/filling") as resp:
            assert resp.status == 200
            seen = (await resp.json())["filling"]
        assert seen["form_id"] == "petitie" and seen["next"] == "cnp"
        assert [(f["name"], f["value"]) for f in seen["fields"] if f["answered"]] == [
            ("nume_prenume", "Ion Popescu")
        ]
        async with clerk.post(f"{api}/filling", json={"field": "cnp", "value": "1800101221144"}) as resp:
            assert resp.status == 409  # not theirs yet: nothing changes
        assert (await clerk.post(f"{api}/takeover")).status == 200

        # A CNP with a wrong check digit is refused with the validator's message, and kept out.
        async with clerk.post(f"{api}/filling", json={"field": "cnp", "value": "1800101221145"}) as resp:
            assert resp.status == 400
            assert "Cifra de control a CNP-ului" in (await resp.json())["message"]
        async with clerk.post(f"{api}/filling", json={"field": "cnp", "value": "1800101221144"}) as resp:
            assert resp.status == 200
            assert (await resp.json())["filling"]["next"] == "act_identitate"
        told = await clerk_says(citizen, "Am completat în cererea „Petiție” câmpul „CNP”")
        assert told["text"].endswith(": 1800101221144.")

        # Released to the bot, the citizen resumes from the clerk's answer.
        assert (await clerk.post(f"{api}/release")).status == 200
        resumed = await say(citizen, "continua completarea", "3/13. Act de identitate")
        assert resumed["text"].startswith("3/13.")
        await citizen.send(
            {
                "type": "message",
                "text": "Vorbiți cu un funcționar",
                "payload": "/request_human",
                "client_id": "h2",
            }
        )
        await citizen.next("state", state="queued", timeout=60)
        assert (await clerk.post(f"{api}/takeover")).status == 200

        async with clerk.post(f"{api}/filling/pdf") as resp:
            assert resp.status == 409
            assert "„Domiciliul" in (await resp.json())["message"]
        for name, value in (
            ("domiciliu", "Str. Atomiștilor nr. 1, Măgurele"),
            ("subiect", "Zgomot noaptea"),
            ("continut", "Vecinul face zgomot după ora 22."),
            ("declaratie_corectitudine", "da"),
            ("data_cererii", "01.12.2026"),
        ):
            async with clerk.post(f"{api}/filling", json={"field": name, "value": value}) as resp:
                assert resp.status == 200, await resp.text()
        async with clerk.post(f"{api}/filling/pdf") as resp:
            assert resp.status == 200, await resp.text()
        done = await clerk_says(citizen, "Cererea „Petiție” este completată și sigilată")
        async with clerk.get(f"{api}/filling") as resp:
            assert (await resp.json())["filling"] is None  # sent: the answers are not kept
        link = LINK.search(done["text"]).group(1)
        async with http.get(stack.base + link) as resp:
            pdf = await resp.read()
        await citizen.ws.close()
    store.engine.dispose()
    path = tmp_path / "petitie-clerk.pdf"
    path.write_bytes(pdf)
    assert run_cli(["verify-pdf", str(path)], cli_env).returncode == 0
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "1800101221144" in text and "Atomiștilor" in text
    with Archive(stack.db_url) as archive:
        turns = archive.conversation(cid)
    filled = [t.extra for t in turns if t.event == "form_filled"]
    assert filled == [{"form_id": "petitie", "sha256": hashlib.sha256(pdf).hexdigest(), "by": "ana.filling"}]
    assert any(t.speaker == "clerk" and "câmpul „CNP”: 1800101221144" in t.text for t in turns)
