"""Filing online on the running site: uploads (limits, content checks), the checklist, the
confirmation with number and receipt, the department's console API, the citizen told in
the chat; the chat's status question through the channel (an agent that sends what
``action_filing_status`` sends). SQLite; the PostgreSQL paths are tests/submissions/."""

import io
from typing import Any, Dict

import aiohttp
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from livechat.protocol import filing_status_payload
from storage import db
from tests.forms_catalog.conftest import pdf_cache_dir  # noqa: F401 - fixture (autouse)
from tests.forms_catalog.seal_fixtures import dev_pki, seal_env  # noqa: F401 - fixtures
from tests.livechat.conftest import PASSWORD, FakeAgent, login, open_citizen, running_site
from tests.submissions.conftest import jpeg, pdf_bytes

ARCHIVED = {"housekeeping_seconds": 0.2, "turn_sink": "archive.sink.ArchiveTurnSink"}
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"This program cannot be run in DOS mode.\r\n" * 30


class StatusAgent(FakeAgent):
    """Answers a status question as action_filing_status does: the custom payload."""

    async def handle_message(self, message: Any) -> None:
        self.received.append(message.text)
        await message.output_channel.send_custom_json(message.sender_id, filing_status_payload(message.text))


@pytest.fixture
def env(db_url, schedule_file, seal_env, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name, value in seal_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    return db_url


def _rows(url: str, sql: str) -> Any:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).all()
    finally:
        engine.dispose()


async def _upload(http, base, name, data, draft=None, requirement=None, form_id="certificat_urbanism"):
    form = aiohttp.FormData()
    form.add_field("form_id", form_id)
    if draft:
        form.add_field("draft", draft)
    if requirement is not None:
        form.add_field("requirement", str(requirement))
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    resp = await http.post(f"{base}/depunere/documente", data=form)
    assert resp.content_type == "application/json", (resp.status, await resp.text())
    return resp.status, await resp.json()


async def test_bad_files_get_clear_romanian_refusals_and_nothing_is_stored(env):
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        status, body = await _upload(http, site.base, "buletin.jpg", EXE)
        assert status == 415 and body["error"] == "bad_type"
        assert "am verificat conținutul, nu numele fișierului" in body["message"]
        status, body = await _upload(http, site.base, "scan.pdf", b"%PDF-1.7\n" + b"0" * (30 << 20))
        assert status == 413 and body["message"].startswith("Fișierul depășește 10 MB")
        assert _rows(env, "SELECT COUNT(*) FROM submission_files") == [(0,)]

        status, body = await _upload(http, site.base, "p0.jpg", jpeg())
        draft = body["draft"]
        statuses = [(await _upload(http, site.base, f"p{i}.jpg", jpeg(), draft))[0] for i in range(1, 50)]
        assert statuses.count(200) == 9 and statuses.count(413) == 40
        assert _rows(env, "SELECT COUNT(*) FROM submission_files") == [(10,)]

        resp = await http.post(f"{site.base}/depunere/trimite", json={"draft": draft, "form_id": "nu_exista"})
        assert resp.status == 404 and "nu există în catalogul" in (await resp.json())["message"]
        resp = await http.post(f"{site.base}/depunere/trimite", data="nu e json")
        assert resp.status == 415


async def test_a_filing_from_the_chat_gets_number_receipt_and_the_departments_answer(env):
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        site.service.store.create_clerk("ion.urbanism", "Ion Urbanism", PASSWORD, department="urbanism")
        site.service.store.create_clerk("maria.taxe", "Maria Taxe", PASSWORD, department="taxe")
        citizen, welcome = await open_citizen(http, site.ws_base)
        conversation_id = welcome["conversation_id"]

        page = await http.get(f"{site.base}/depunere/certificat_urbanism?c={conversation_id}")
        assert page.status == 200 and "Depuneți online: Certificat de urbanism" in await page.text()
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]

        _, first = await _upload(http, site.base, "buletin.jpg", jpeg(), requirement=0)
        _, second = await _upload(http, site.base, "extras.pdf", pdf_bytes(), first["draft"], requirement=1)
        assert second["checklist"][0]["attached"] == ["buletin.jpg"]
        assert second["checklist"][1]["attached"] == ["extras.pdf"]
        resp = await http.post(
            f"{site.base}/depunere/trimite",
            json={"draft": first["draft"], "form_id": "certificat_urbanism", "name": "Ana Popescu",
                  "email": "ana.popescu@exemplu.ro", "conversation_id": conversation_id},
        )  # fmt: skip
        filed: Dict[str, Any] = await resp.json()
        assert resp.status == 200, filed
        number = filed["registration_no"]
        assert number.startswith("1/") and len(filed["access_code"]) == 14

        told = await citizen.next("message", sender="bot")
        assert f"înregistrată cu nr. {number}" in told["text"]
        assert filed["access_code"] not in told["text"]  # the code is not kept in the transcript
        receipt = await http.get(site.base + told["buttons"][0]["url"])
        assert receipt.status == 200 and receipt.content_type == "application/pdf"
        text = PdfReader(io.BytesIO(await receipt.read())).pages[0].extract_text()
        assert number in text and filed["access_code"] in text

        other = await login(site.base, "maria.taxe")
        assert (await (await other.get(f"{site.base}/console/api/cereri")).json())["filings"] == []
        clerk = await login(site.base, "ion.urbanism")
        queue = await (await clerk.get(f"{site.base}/console/api/cereri")).json()
        (item,) = queue["filings"]
        assert item["registration_no"] == number and item["overdue"] is False
        assert queue["department"] == "Compartimentul Urbanism și Amenajarea Teritoriului"
        detail = await (await clerk.get(f"{site.base}/console/api/cereri/{item['id']}")).json()
        assert [d["name"] for d in detail["documents"]] == ["buletin.jpg", "extras.pdf"]
        forbidden = await other.get(f"{site.base}/console/api/cereri/{item['id']}")
        assert forbidden.status == 403

        form = aiohttp.FormData()
        form.add_field("text", "Certificatul de urbanism a fost emis.")
        form.add_field("file", pdf_bytes("Certificat de urbanism nr. 12"), filename="cu.pdf")
        resp = await clerk.post(f"{site.base}/console/api/cereri/{item['id']}/solutionare", data=form)
        assert resp.status == 200, await resp.text()
        answer = await citizen.next("message", sender="bot")
        assert f"Cererea dumneavoastră nr. {number} este acum: soluționată." in answer["text"]
        assert "Certificatul de urbanism a fost emis." in answer["text"]
        pdf = await http.get(site.base + answer["buttons"][0]["url"])
        assert pdf.status == 200 and b"%PDF" in (await pdf.read())[:8]

        again = await clerk.post(
            f"{site.base}/console/api/cereri/{item['id']}/respingere",
            json={"text": "Prea târziu pentru asta."},
        )
        assert again.status == 409 and "nu mai este posibil" in (await again.json())["message"]
        for session in (other, clerk):
            await session.close()
        mails = _rows(env, "SELECT to_address FROM outbox ORDER BY id")
        assert [m[0] for m in mails] == [
            "urbanism@primariamagurele.ro", "ana.popescu@exemplu.ro", "ana.popescu@exemplu.ro",
        ]  # fmt: skip


async def test_the_status_question_in_the_chat_needs_number_and_code(env):
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        site.app.ctx.agent = StatusAgent()
        resp = await http.post(
            f"{site.base}/depunere/trimite",
            json={
                "mode": "mesaj",
                "name": "Ion Ionescu",
                "phone": "0721234567",
                "message": "Când se ridică gunoiul?",
            },
        )
        filed = await resp.json()
        assert resp.status == 200, filed
        assert filed["answer_by"]  # the next working day
        citizen, _ = await open_citizen(http, site.ws_base)

        async def ask(text: str, cid: str) -> str:
            await citizen.send({"type": "message", "text": text, "client_id": cid})
            await citizen.next("ack", client_id=cid)
            return (await citizen.next("message", sender="bot"))["text"]

        number, code = filed["registration_no"], filed["access_code"]
        answer = await ask(f"care e stadiul cererii {number} cod {code}", "m1")
        assert answer.startswith(f"Cererea nr. {number} („Petiție”) este înregistrată")
        wrong = await ask(f"care e stadiul cererii {number} cod ZZZZ-ZZZZ-ZZZZ", "m2")
        unknown = await ask(f"stadiul cererii 99/{number.split('/')[1]} cod {code}", "m3")
        assert wrong == unknown and wrong.startswith("Nu am găsit o cerere cu acest număr și acest cod")
        assert "Petiție" not in wrong
        missing = await ask("care e stadiul cererii mele?", "m4")
        assert missing.startswith("Ca să vă spun stadiul cererii, scrieți într-un singur mesaj")


async def test_a_works_complaint_goes_to_the_works_department_as_a_petition(env):
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        page = await http.get(f"{site.base}/depunere/petitie?d=drumuri&c=abc")
        assert "Trimiteți sesizarea: Compartimentul Drumuri și Infrastructură Rutieră" in await page.text()
        _, photo = await _upload(http, site.base, "groapa.jpg", jpeg(), form_id="petitie")
        resp = await http.post(
            f"{site.base}/depunere/trimite",
            json={"draft": photo["draft"], "form_id": "petitie", "department": "drumuri", "name": "Ion Pop",
                  "email": "ion@exemplu.ro", "message": "Groapă mare pe strada Fizicienilor, la nr. 12."},
        )  # fmt: skip
        filed = await resp.json()
        assert resp.status == 200, filed
        assert _rows(env, "SELECT department, form_id FROM submissions") == [("drumuri", "petitie")]
        assert _rows(env, "SELECT to_address FROM outbox ORDER BY id")[0] == ("drumuri@primariamagurele.ro",)


async def test_the_department_asks_for_a_document_and_the_citizen_sends_it_from_the_chat(env):
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        site.service.store.create_clerk("ana.rp", "Ana Registratură", PASSWORD, department="registratura")
        citizen, welcome = await open_citizen(http, site.ws_base)
        resp = await http.post(
            f"{site.base}/depunere/trimite",
            json={"form_id": "petitie", "name": "Ion Pop", "email": "ion@exemplu.ro",
                  "message": "Cer copia procesului-verbal.", "conversation_id": welcome["conversation_id"]},
        )  # fmt: skip
        filed = await resp.json()
        await citizen.next("message", sender="bot")
        clerk = await login(site.base, "ana.rp")
        (item,) = (await (await clerk.get(f"{site.base}/console/api/cereri")).json())["filings"]
        resp = await clerk.post(
            f"{site.base}/console/api/cereri/{item['id']}/solicitare",
            json={"text": "o copie a actului de identitate"},
        )
        assert resp.status == 200
        asked = await citizen.next("message", sender="bot")
        assert "Vă rugăm să ne trimiteți: o copie a actului de identitate" in asked["text"]
        (button,) = asked["buttons"]
        assert button["title"] == "Trimiteți documentul cerut"
        page = await http.get(site.base + button["url"])
        assert page.status == 200 and "Trimiteți documentul cerut" in await page.text()

        _, doc = await _upload(http, site.base, "buletin.jpg", jpeg(), form_id="petitie")
        resp = await http.post(
            f"{site.base}/depunere/completeaza",
            json={
                "draft": doc["draft"],
                "registration_no": filed["registration_no"],
                "access_code": "ZZZZ-ZZZZ-ZZZZ",
            },
        )
        assert resp.status == 404 and (await resp.json())["message"].startswith("Nu am găsit o cerere")
        resp = await http.post(
            f"{site.base}/depunere/completeaza",
            json={
                "draft": doc["draft"],
                "registration_no": filed["registration_no"],
                "access_code": filed["access_code"],
            },
        )
        assert (
            resp.status == 200 and (await resp.json())["status"] == "înregistrată, în așteptarea repartizării"
        )
        detail = await (await clerk.get(f"{site.base}/console/api/cereri/{item['id']}")).json()
        assert [d["role"] for d in detail["documents"]] == ["reply"]
        await clerk.close()
