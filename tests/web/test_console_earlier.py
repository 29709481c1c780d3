"""The citizen's earlier conversations in real browsers: a citizen writes from the widget
(phone), comes back later in the same browser and asks for a person; the clerk (1366×768
and 390×844) opens the earlier conversation from the panel, read-only.
Screenshots: /work/shots/console-earlier-*.png."""

import pytest

from tests.livechat.conftest import add_clerk
from tests.web.test_browser import PHONE, browser  # noqa: F401  (fixture)
from tests.web.test_console_saved_replies import console_shot
from tests.web.test_console_view import VIEWS, login_active

pytestmark = pytest.mark.integration

LAUNCHER = "Deschideți chatul cu Primăria Orașului Măgurele"


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_the_clerk_opens_the_citizens_earlier_conversation(browser, stack, stack_store, view):  # noqa: F811
    from playwright.sync_api import expect

    first_text = f"Ce acte trebuie pentru certificatul de urbanism? ({view})"
    add_clerk(stack_store, f"earlier.{view}", f"Funcționar {view}")
    citizen_context = browser.new_context(**PHONE)
    clerk_context = browser.new_context(**VIEWS[view])
    citizen, clerk = citizen_context.new_page(), clerk_context.new_page()
    try:
        login_active(clerk, stack.base, f"earlier.{view}")
        citizen.goto(f"{stack.base}/demo")
        citizen.get_by_role("button", name=LAUNCHER).click()
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        first_id = citizen.evaluate("localStorage.getItem('efunctionar.conversation')")
        box = citizen.get_by_label("Mesajul dumneavoastră")
        box.fill(first_text)
        box.press("Enter")
        # The bot's answer to this question: with the CPU busy, waiting for any bot message
        # but the greeting let the test reload the page before the message was stored.
        expect(citizen.locator(".efw-msg--bot").last).to_contain_text(
            "Certificat de urbanism", timeout=60_000
        )

        # Later, in the same browser: the widget forgot the conversation, not the browser.
        citizen.evaluate("localStorage.removeItem('efunctionar.conversation')")
        citizen.reload()
        if not citizen.get_by_label("Mesajul dumneavoastră").is_visible():
            citizen.get_by_role("button", name=LAUNCHER).click()
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        citizen.get_by_role("button", name="Vorbiți cu un funcționar").click()
        cid = citizen.evaluate("localStorage.getItem('efunctionar.conversation')")
        assert cid and cid != first_id
        clerk.locator(f'.queue-item[data-id="{cid}"]').get_by_role(
            "button", name="Preluați conversația"
        ).click(timeout=60_000)
        panel = clerk.locator(f'.panel[data-id="{cid}"]')
        earlier = panel.locator("details.earlier")
        expect(earlier.locator("summary")).to_have_text("Conversațiile anterioare ale cetățeanului (1)")
        earlier.locator("summary").click()
        entry = earlier.get_by_role("button", name=first_text)
        expect(entry).to_contain_text("același browser")
        entry.click()
        shown = earlier.get_by_label("Conversația anterioară, doar citire")
        expect(shown.locator(".msg--citizen .msg-text").first).to_have_text(first_text)
        expect(shown.locator(".msg--bot").first).to_be_visible()
        expect(shown.get_by_role("button", name="Trimiteți")).to_have_count(0)  # read-only
        console_shot(clerk, f"earlier-{view}")
        assert clerk.evaluate("document.documentElement.scrollWidth") <= VIEWS[view]["viewport"]["width"]
    finally:
        citizen_context.close()
        clerk_context.close()
