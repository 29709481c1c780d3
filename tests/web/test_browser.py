"""A real browser on the demo page and the console: chat with the bot, then a takeover.

Playwright drives Debian's chromium (``/usr/bin/chromium``, or ``$CHROMIUM``); no browser
is downloaded. Screenshots of both pages are saved under ``var/artifacts/web/``.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from livechat.store import HandoffStore
from livechat.tables import CLERK, conversations
from tests.livechat.conftest import PASSWORD, add_clerk

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts" / "web"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ro-RO"}  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed (requirements.txt)"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: install Debian's package (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def nobody_waiting(stack_store: HandoffStore) -> None:
    """The stack is the whole session's: the conversations that other files queued, or took
    over and left (requeued once their clerk is gone), may still wait ahead of this test's
    citizen (CI, 2026-12-04: "Sunteți al 5-lea la rând" and five "Preluați conversația"
    buttons). They leave the queue, or are closed, first."""
    now = dt.datetime.now(dt.timezone.utc)
    for queued in stack_store.queue():
        stack_store.leave_queue(queued.id, now)
    with stack_store.session_scope() as connection:
        held = connection.execute(
            sa.select(conversations.c.id, conversations.c.clerk_id).where(conversations.c.state == CLERK)
        ).all()
    for cid, clerk_id in held:
        stack_store.close(cid, clerk_id, now)
    assert stack_store.queue() == []


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_demo_page_chat_and_takeover(browser, stack, stack_store, nobody_waiting):
    from playwright.sync_api import expect

    add_clerk(stack_store, "elena", "Elena Dumitrescu")
    citizen_context = browser.new_context(**PHONE)
    clerk_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ro-RO")
    citizen = citizen_context.new_page()
    clerk = clerk_context.new_page()
    try:
        citizen.goto(f"{stack.base}/demo")
        expect(citizen.get_by_role("heading", name="Servicii pentru cetățeni")).to_be_visible()
        launcher = citizen.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele")
        expect(launcher).to_be_visible()
        shot(citizen, "01-citizen-demo-page")

        # Keyboard only: focus the launcher, open it, type, Enter sends.
        launcher.focus()
        citizen.keyboard.press("Enter")
        box = citizen.get_by_label("Mesajul dumneavoastră")
        expect(box).to_be_focused()
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        expect(citizen.locator(".efw-notice")).to_contain_text("înregistrată")
        box.type("ce acte trebuie pentru certificatul de urbanism?")
        citizen.keyboard.press("Enter")
        pdf_link = citizen.get_by_role("link", name="Descărcați formularul (PDF)").first
        expect(pdf_link).to_be_visible(timeout=60_000)
        assert pdf_link.get_attribute("href") == f"{stack.base}/formulare/certificat_urbanism.pdf"
        shot(citizen, "02-citizen-bot-answer")
        # On a phone the open chat takes the whole screen.
        panel_box = citizen.locator(".efw-panel").bounding_box()
        assert panel_box["width"] == PHONE["viewport"]["width"]
        assert panel_box["height"] >= PHONE["viewport"]["height"] - 1

        clerk.goto(f"{stack.base}/console/")
        expect(clerk).to_have_url(f"{stack.base}/console/login")
        clerk.get_by_label("Utilizator").fill("elena")
        clerk.get_by_label("Parolă").fill("parola-gresita")
        clerk.get_by_role("button", name="Intrați în consolă").click()
        expect(clerk.get_by_role("alert")).to_have_text("Utilizator sau parolă greșită.")
        shot(clerk, "00-console-login-error")
        clerk.get_by_label("Utilizator").fill("elena")
        clerk.get_by_label("Parolă").fill(PASSWORD)
        clerk.get_by_role("button", name="Intrați în consolă").click()
        expect(clerk.locator("#conn")).to_have_text("Conectat", timeout=20_000)
        presence = clerk.get_by_role("switch")
        presence.click()
        expect(presence).to_have_text("Activ")

        citizen.get_by_role("button", name="Vorbiți cu un funcționar").click()
        expect(citizen.locator(".efw-queue-text")).to_contain_text("Sunteți primul la rând", timeout=60_000)
        shot(citizen, "03-citizen-queued")

        take = clerk.get_by_role("button", name="Preluați conversația")
        expect(take).to_be_visible(timeout=20_000)
        expect(clerk.locator(".queue-item")).to_contain_text("Certificat de urbanism")
        expect(clerk.locator("#waiting")).to_have_text("În așteptare: 1")
        shot(clerk, "04-console-queue")
        take.click()
        panel = clerk.locator(".panel")
        expect(panel).to_be_visible()
        expect(citizen.locator(".efw-who")).to_have_text(
            "Vorbiți cu Elena Dumitrescu (Relații cu Publicul)", timeout=20_000
        )

        # Citizen text is shown as text in the console, never run as HTML.
        hostile = '<script>window.__xss = 1</script><b>salut</b> <img src=x onerror="window.__xss=2">'
        box.fill(hostile)
        citizen.keyboard.press("Enter")
        expect(panel.locator(".msg--citizen .msg-text").last).to_have_text(hostile, timeout=20_000)
        assert clerk.evaluate("window.__xss") is None
        assert panel.locator(".msg-text b, .msg-text img, .msg-text script").count() == 0

        reply = panel.get_by_label("Răspuns către cetățean")
        reply.fill("Bună ziua! Vă ajut eu cu certificatul de urbanism.")
        reply.press("Enter")
        clerk_bubble = citizen.locator(".efw-msg--clerk").last
        expect(clerk_bubble).to_contain_text("Vă ajut eu", timeout=20_000)
        expect(clerk_bubble.locator(".efw-author")).to_have_text("Elena Dumitrescu · Relații cu Publicul")
        assert citizen.evaluate("window.__xss") is None
        panel.get_by_label("Alegeți un formular").select_option("certificat_urbanism")
        panel.get_by_role("button", name="Trimiteți PDF-ul").click()
        expect(citizen.locator(".efw-msg--clerk").last.get_by_role("link")).to_be_visible(timeout=20_000)
        shot(citizen, "05-citizen-with-clerk")
        shot(clerk, "06-console-conversation")

        # A reload keeps the conversation: the server sends the history back.
        citizen.reload()
        expect(citizen.locator(".efw-msg--clerk").first).to_contain_text("Vă ajut eu", timeout=20_000)
        expect(citizen.locator(".efw-who")).to_contain_text("Elena Dumitrescu")
        shot(citizen, "07-citizen-after-reload")

        panel.get_by_role("button", name="Predați asistentului").click()
        expect(citizen.locator(".efw-who")).to_have_text("Asistentul virtual al primăriei", timeout=20_000)
        expect(clerk.locator(".panel")).to_have_count(0)

        # Escape closes the chat and gives the focus back to the launcher.
        citizen.get_by_label("Mesajul dumneavoastră").focus()
        citizen.keyboard.press("Escape")
        expect(citizen.locator(".efw-panel")).to_be_hidden()
        expect(launcher).to_be_focused()

        # A stored conversation id the server does not know starts a new conversation.
        citizen.evaluate("localStorage.setItem('efunctionar.conversation', 'f'.repeat(32))")
        citizen.reload()
        citizen.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
        expect(citizen.locator(".efw-log")).to_contain_text(
            "Conversația anterioară nu mai există; am început una nouă.", timeout=20_000
        )
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat")
        stored = citizen.evaluate("localStorage.getItem('efunctionar.conversation')")
        assert stored != "f" * 32 and stack_store.conversation(stored).state == "bot"
    finally:
        citizen_context.close()
        clerk_context.close()


def test_console_redirect_hint_flagged_close_and_widget_pause(browser, stack, stack_store, nobody_waiting):
    """Issue 6 on screen: the clerk's one-click redirect, closing with a flag, and what the
    citizen's widget shows for a pause and for a flood."""
    from playwright.sync_api import expect

    from tests.livechat.stack import FLOOD_LIMIT

    add_clerk(stack_store, "dana", "Dana Popa")
    citizen_context = browser.new_context(**PHONE)
    clerk_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ro-RO")
    citizen = citizen_context.new_page()
    clerk = clerk_context.new_page()
    try:
        clerk.goto(f"{stack.base}/console/login")
        clerk.get_by_label("Utilizator").fill("dana")
        clerk.get_by_label("Parolă").fill(PASSWORD)
        clerk.get_by_role("button", name="Intrați în consolă").click()
        expect(clerk.locator("#conn")).to_have_text("Conectat", timeout=20_000)
        clerk.get_by_role("switch").click()
        expect(clerk.get_by_role("switch")).to_have_text("Activ")

        citizen.goto(f"{stack.base}/demo")
        citizen.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        citizen.get_by_role("button", name="Vorbiți cu un funcționar").click()
        take = clerk.get_by_role("button", name="Preluați conversația")
        expect(take).to_be_visible(timeout=60_000)
        take.click()
        panel = clerk.locator(".panel")
        expect(citizen.locator(".efw-who")).to_have_text(
            "Vorbiți cu Dana Popa (Relații cu Publicul)", timeout=20_000
        )

        # An infrastructure complaint: the clerk sees the redirect ready to send.
        box = citizen.get_by_label("Mesajul dumneavoastră")
        box.fill("de 10 ani asteptam canalizare pe strada noastra in Alunisu")
        box.press("Enter")
        hint = panel.locator(".msg--hint")
        expect(hint).to_contain_text("Mesaj pregătit pentru cetățean", timeout=60_000)
        expect(hint).to_contain_text("apacanal@primariamagurele.ro")
        shot(clerk, "08-console-redirect-hint")
        hint.get_by_role("button", name="Trimiteți cetățeanului redirecționarea").click()
        expect(hint.locator(".hint-send")).to_have_text("Trimis")
        clerk_bubble = citizen.locator(".efw-msg--clerk").last
        expect(clerk_bubble).to_contain_text("Pe acest chat răspundem", timeout=20_000)
        expect(clerk_bubble.get_by_role("link")).to_have_attribute("href", re_mailto("apacanal"))
        expect(citizen.locator(".efw-log")).not_to_contain_text("Mesaj pregătit")

        # Close with a flag: "alt motiv" needs a note; the console says what was recorded.
        panel.get_by_role("button", name="Închideți…").click()
        panel.get_by_label("Semnalați conversația").select_option("altul")
        panel.get_by_role("button", name="Închideți conversația").click()
        expect(clerk.locator("#toast")).to_have_text("Scrieți pe scurt motivul semnalării.")
        panel.get_by_label("Nota semnalării").fill("a trimis date personale ale altcuiva")
        shot(clerk, "09-console-close-with-flag")
        panel.get_by_role("button", name="Închideți conversația").click()
        expect(clerk.locator("#toast")).to_have_text(
            "Conversația a fost închisă și semnalată pentru verificare: alt motiv — "
            "a trimis date personale ale altcuiva.",
            timeout=20_000,
        )
        expect(clerk.locator(".panel")).to_have_count(0)
        expect(citizen.locator(".efw-log")).to_contain_text(
            "semnalat-o pentru verificare, cu un motiv notat pentru colegii", timeout=20_000
        )

        # Three insults: the widget shows the pause and says until when.
        for insult in ("esti prost", "bot tampit", "idiotilor"):
            count = citizen.locator(".efw-msg--bot").count()
            box.fill(insult)
            box.press("Enter")
            expect(citizen.locator(".efw-msg--bot")).to_have_count(count + 1, timeout=60_000)
        expect(citizen.locator(".efw-who")).to_contain_text("Suspendată până la ora", timeout=60_000)
        box.fill("alo?")
        box.press("Enter")
        expect(citizen.locator(".efw-log")).to_contain_text(
            "Mesajul dumneavoastră a fost salvat, dar nu primește răspuns", timeout=20_000
        )
        shot(citizen, "10-citizen-paused")

        # A flood: the messages over the limit wait in the widget, to be resent by itself.
        for i in range(FLOOD_LIMIT + 1):
            box.fill(f"mesaj {i}")
            box.press("Enter")
        waiting = citizen.locator(".efw-status", has_text="Se retrimite automat")
        expect(waiting.first).to_contain_text("Vă rugăm să așteptați", timeout=20_000)
        shot(citizen, "11-citizen-flood")
    finally:
        citizen_context.close()
        clerk_context.close()


def test_auditor_finds_the_bots_refusal_by_its_flag_and_reads_the_department(browser, stack):
    """Issue 6 on screen: a works question the bot refuses, then the archive view lists it
    under "Redirecționare" and names the department it was sent to."""
    from argon2 import PasswordHasher
    from playwright.sync_api import expect

    from archive.archive import Archive
    from archive.users import Users

    archive = Archive(stack.db_url)
    try:
        Users(archive, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)).create(
            "vera.audit", PASSWORD, "auditor", display_name="Vera Stanciu"
        )
    finally:
        archive.close()
    citizen_context = browser.new_context(**PHONE)
    auditor_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ro-RO")
    citizen = citizen_context.new_page()
    auditor = auditor_context.new_page()
    label = (
        "Redirecționat către Compartimentul Drumuri și Infrastructură Rutieră (drumuri@primariamagurele.ro)"
    )
    try:
        citizen.goto(f"{stack.base}/demo")
        citizen.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        box = citizen.get_by_label("Mesajul dumneavoastră")
        box.fill("strada mea e plina de gropi, cand o asfaltati?")
        box.press("Enter")
        reply = citizen.locator(".efw-msg--bot").last
        expect(reply).to_contain_text("drumuri@primariamagurele.ro", timeout=60_000)
        expect(citizen.locator(".efw-log")).not_to_contain_text("Redirecționat")

        auditor.goto(f"{stack.base}/console/audit/login")
        auditor.get_by_label("Utilizator").fill("vera.audit")
        auditor.get_by_label("Parolă").fill(PASSWORD)
        auditor.get_by_role("button", name="Intrați în arhivă").click()
        auditor.get_by_label("Redirecționare (în afara competenței)").check()
        auditor.get_by_label("Vorbitor").select_option("bot")
        auditor.get_by_role("button", name="Căutați").click()
        row = auditor.locator("#results tbody tr", has_text=label).last
        expect(row).to_contain_text("în afara competenței", timeout=20_000)
        row.get_by_role("link").click()
        line = auditor.locator("#lines li.bot", has_text="drumuri@primariamagurele.ro").last
        expect(line.locator(".meta")).to_contain_text(label, timeout=20_000)
        shot(auditor, "12-audit-bot-redirect")
    finally:
        citizen_context.close()
        auditor_context.close()


def re_mailto(department: str):
    import re

    return re.compile(rf"^mailto:{department}@primariamagurele\.ro\?subject=")
