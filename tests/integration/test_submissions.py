"""Filing online end to end (issue 14): the real Rasa server with the trained model and the
real action server, the website channel, the test seal and a real SMTP server (aiosmtpd).

A citizen in the chat files a request with two documents and gets a number and a sealed
receipt; a clerk of the department answers it from the console; the citizen sees the
answer in the chat and by e-mail, and asks its status in the chat in their own words (the
NLU, ``action_filing_status``, the channel)."""

import asyncio
import io
import time

import aiohttp
import pytest
from pypdf import PdfReader

from forms_catalog.seal import verify_seal
from livechat.store import HandoffStore
from storage import db
from tests.forms_catalog.seal_fixtures import dev_pki, seal_env  # noqa: F401 - fixtures
from tests.livechat.conftest import PASSWORD, login, open_citizen
from tests.submissions.assistant import filing_assistant
from tests.submissions.conftest import jpeg, pdf_bytes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(tmp_path_factory, seal_env):  # noqa: F811
    yield from filing_assistant(tmp_path_factory.mktemp("filing"), seal_env)


async def _wait_for_mail(inbox, subject_part: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in inbox.messages:
            if subject_part in str(message["Subject"]):
                return message
        await asyncio.sleep(0.5)
    raise AssertionError(
        f"no e-mail with {subject_part!r}; got {[str(m['Subject']) for m in inbox.messages]}"
    )


async def _upload(http, base, name, data, draft=None, requirement=None):
    form = aiohttp.FormData()
    form.add_field("form_id", "certificat_urbanism")
    if draft:
        form.add_field("draft", draft)
    if requirement is not None:
        form.add_field("requirement", str(requirement))
    form.add_field("file", data, filename=name)
    resp = await http.post(f"{base}/depunere/documente", data=form)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_file_answer_and_follow_a_request_through_the_real_assistant(running, seal_env):  # noqa: F811
    assistant, inbox = running
    engine = db.make_engine(assistant.database_url)
    try:
        HandoffStore(engine).create_clerk("ion.urbanism", "Ion Urbanism", PASSWORD, department="urbanism")
    finally:
        engine.dispose()
    base, ws_base = assistant.rasa_url, assistant.rasa_url.replace("http", "ws", 1)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            citizen, welcome = await open_citizen(http, ws_base)
            conversation_id = welcome["conversation_id"]
            first = await _upload(http, base, "buletin.jpg", jpeg(), requirement=0)
            await _upload(http, base, "extras-cf.pdf", pdf_bytes(), first["draft"], requirement=1)
            resp = await http.post(
                f"{base}/depunere/trimite",
                json={"draft": first["draft"], "form_id": "certificat_urbanism", "name": "Ana Popescu",
                      "email": "ana.popescu@exemplu.ro", "conversation_id": conversation_id},
            )  # fmt: skip
            filed = await resp.json()
            assert resp.status == 200, filed
            number, code = filed["registration_no"], filed["access_code"]
            told = await citizen.next("message", sender="bot", timeout=30)
            assert f"înregistrată cu nr. {number}" in told["text"]
            receipt = await (await http.get(base + told["buttons"][0]["url"])).read()
            assert (await asyncio.to_thread(verify_seal, receipt, seal_env)).ok
            text = PdfReader(io.BytesIO(receipt)).pages[0].extract_text()
            assert number in text and code in text and "buletin.jpg" in text and "extras-cf.pdf" in text

            clerk = await login(base, "ion.urbanism")
            (item,) = (await (await clerk.get(f"{base}/console/api/cereri")).json())["filings"]
            assert item["registration_no"] == number and len(item["documents"]) == 0  # the list is light
            resp = await clerk.post(
                f"{base}/console/api/cereri/{item['id']}/solutionare",
                json={"text": "Certificatul de urbanism a fost emis și vă așteaptă la registratură."},
            )
            assert resp.status == 200, await resp.text()
            await clerk.close()
            answer = await citizen.next("message", sender="bot", timeout=30)
            assert f"Cererea dumneavoastră nr. {number} este acum: soluționată." in answer["text"]

            await citizen.send(
                {"type": "message", "text": f"care e stadiul cererii {number} cod {code}", "client_id": "s1"}
            )
            await citizen.next("ack", client_id="s1")
            status = await citizen.next("message", sender="bot", timeout=60)
            assert status["text"].startswith(
                f"Cererea nr. {number} („Certificat de urbanism”) este soluționată."
            )
            assert "Certificatul de urbanism a fost emis" in status["text"]

            await citizen.send(
                {
                    "type": "message",
                    "text": f"care e stadiul cererii {number} cod ZZZZ-ZZZZ-ZZZZ",
                    "client_id": "s2",
                }
            )
            await citizen.next("ack", client_id="s2")
            refused = await citizen.next("message", sender="bot", timeout=60)
            assert refused["text"].startswith("Nu am găsit o cerere cu acest număr și acest cod de acces.")
            await citizen.ws.close()

    await scenario()
    mail = await _wait_for_mail(inbox, "soluționată")
    assert mail["To"] == "ana.popescu@exemplu.ro"
    assert "Certificatul de urbanism a fost emis" in mail.get_content()
    assert (await _wait_for_mail(inbox, "Cerere nouă"))["To"] == "urbanism@primariamagurele.ro"
