"""A phone (390×844, Debian's chromium) files a request online from the chat, with two
attachments, and gets its number and receipt; a clerk of the department answers it in
the console's department queue; the citizen sees the answer in the chat and by e-mail.
The real Rasa server with the trained model, the real action server, the test seal and a
real SMTP server (aiosmtpd). Screenshots: /work/shots/sub-*.png (var/artifacts/web/ when
/work/shots does not exist)."""

import datetime as dt
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from livechat.store import HandoffStore
from storage import db
from tests.forms_catalog.seal_fixtures import dev_pki, seal_env  # noqa: F401 - fixtures
from tests.livechat.conftest import PASSWORD
from tests.submissions.assistant import filing_assistant
from tests.submissions.conftest import jpeg, pdf_bytes
from tests.web.test_browser import ARTIFACTS, PHONE, browser  # noqa: F401 - fixture

pytestmark = pytest.mark.integration
SHOTS = Path("/work/shots") if Path("/work/shots").is_dir() else ARTIFACTS


@pytest.fixture(scope="module")
def running(tmp_path_factory, seal_env):  # noqa: F811
    yield from filing_assistant(tmp_path_factory.mktemp("filing-browser"), seal_env)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"sub-{name}.png"), full_page=True)


def _mail(inbox, part: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [m for m in inbox.messages if part in str(m["Subject"])]
        if found:
            return found[-1]
        time.sleep(0.5)
    raise AssertionError(f"no e-mail with {part!r}")


def test_a_phone_files_with_two_attachments_and_reads_the_departments_answer(browser, running):  # noqa: F811
    from playwright.sync_api import expect

    assistant, inbox = running
    base = assistant.rasa_url
    engine = db.make_engine(assistant.database_url)
    HandoffStore(engine).create_clerk("ion.urbanism", "Ion Urbanescu", PASSWORD, department="urbanism")
    phone = browser.new_context(**PHONE)
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ro-RO")
    try:
        chat = phone.new_page()
        chat.goto(f"{base}/demo")
        chat.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
        expect(chat.locator(".efw-conn")).to_have_text("Conectat", timeout=30_000)
        chat.get_by_label("Mesajul dumneavoastră").fill("unde depun cererea pentru certificatul de urbanism?")
        chat.keyboard.press("Enter")
        online = chat.get_by_role("link", name="Depuneți online").first
        expect(online).to_be_visible(timeout=60_000)
        with phone.expect_page() as opened:
            online.click()
        form = opened.value
        expect(form.get_by_role("heading", name="Depuneți online: Certificat de urbanism")).to_be_visible()
        expect(form.locator("#checklist li").first).to_contain_text("Neatașat încă")
        form.set_input_files(
            "#file-0", files=[{"name": "cerere-F1.jpg", "mimeType": "image/jpeg", "buffer": jpeg(900, 1200)}]
        )
        expect(form.locator("#checklist li").nth(0)).to_contain_text("✓ Atașat: cerere-F1.jpg")
        form.set_input_files(
            "#file-1", files=[{"name": "extras CF.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
        )
        expect(form.locator("#checklist li").nth(1)).to_contain_text("✓ Atașat: extras CF.pdf")

        # Bad input on the phone: a program renamed .jpg is refused in Romanian.
        form.set_input_files("#extra-file", files=[{"name": "poza.jpg", "mimeType": "image/jpeg",
                                                    "buffer": b"MZ\x90\x00" + b"\x00" * 2000}])  # fmt: skip
        expect(form.locator("#error")).to_contain_text("am verificat conținutul, nu numele fișierului")
        form.get_by_label("Nume și prenume").fill("Ana Popescu")
        form.get_by_label("E-mail (aici primiți răspunsul)").fill("ana.popescu@exemplu.ro")
        form.get_by_label("Telefon").fill("0721 234 567")
        shot(form, "phone-filing")
        form.get_by_role("button", name="Trimiteți cererea").click()
        expect(form.locator("#done")).to_be_visible(timeout=30_000)
        number = form.locator("#done-number").inner_text()
        assert number.startswith("1/")
        assert len(form.locator("#done-code").inner_text()) == 14
        shot(form, "phone-filed")
        with form.expect_download() as receipt:
            form.get_by_role("link", name="Descărcați dovada de înregistrare (PDF)").evaluate(
                "a => { a.setAttribute('download', ''); a.click(); }"
            )
        assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
        expect(chat.locator(".efw-msg--bot").last).to_contain_text(
            f"înregistrată cu nr. {number}", timeout=20_000
        )

        # A second, older filing, past its term, to show the overdue mark.
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE submissions SET due_on = :d"), {"d": dt.date(2026, 1, 5)})

        console = desk.new_page()
        console.goto(f"{base}/console/cereri/")
        console.get_by_label("Utilizator").fill("ion.urbanism")
        console.get_by_label("Parolă").fill(PASSWORD)
        console.get_by_role("button", name="Intrați în consolă").click()
        console.goto(f"{base}/console/cereri/")
        item = console.locator("#filings li").first
        expect(item).to_contain_text(f"Nr. {number}")
        expect(item).to_contain_text("Termen depășit")
        item.locator("button").click()
        expect(console.locator("#d-docs")).to_contain_text("cerere-F1.jpg")
        expect(console.locator("#d-docs")).to_contain_text("extras CF.pdf")
        shot(console, "department-queue")
        console.get_by_label("Textul pentru cetățean (documentul cerut, răspunsul sau motivul)").fill(
            "Certificatul de urbanism a fost emis; îl ridicați de la registratură."
        )
        console.get_by_role("button", name="Soluționați").click()
        expect(console.locator("#toast")).to_contain_text("Cetățeanul a fost anunțat")

        answer = chat.locator(".efw-msg--bot").last
        expect(answer).to_contain_text(
            f"Cererea dumneavoastră nr. {number} este acum: soluționată.", timeout=20_000
        )
        expect(answer).to_contain_text("îl ridicați de la registratură")
        shot(chat, "phone-answer")
        mail = _mail(inbox, "soluționată")
        assert mail["To"] == "ana.popescu@exemplu.ro"
        assert "îl ridicați de la registratură" in mail.get_content()
    finally:
        phone.close()
        desk.close()
        engine.dispose()
