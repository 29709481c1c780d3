"""Typing indicators in real browsers: the citizen's widget (phone, 390×844) and the
clerk's console (desktop, 1366×768) each show the other typing. Screenshots:
/work/shots/edges-typing-*.png."""

import pytest

from tests.livechat.conftest import add_clerk
from tests.web.test_browser import PHONE, browser  # noqa: F401  (fixture)
from tests.web.test_console_view import DESKTOP, login_active, shot

pytestmark = pytest.mark.integration


def test_each_side_sees_the_other_typing(browser, stack, stack_store):  # noqa: F811
    from playwright.sync_api import expect

    add_clerk(stack_store, "typing.clerk", "Irina Stan")
    citizen_context = browser.new_context(**PHONE)
    clerk_context = browser.new_context(**DESKTOP)
    citizen, clerk = citizen_context.new_page(), clerk_context.new_page()
    try:
        login_active(clerk, stack.base, "typing.clerk")
        citizen.goto(f"{stack.base}/demo")
        citizen.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        citizen.get_by_role("button", name="Vorbiți cu un funcționar").click()
        # The shared stack's queue may hold other tests' conversations: take this one.
        cid = citizen.evaluate("localStorage.getItem('efunctionar.conversation')")
        clerk.locator(f'.queue-item[data-id="{cid}"]').get_by_role(
            "button", name="Preluați conversația"
        ).click(timeout=60_000)
        expect(citizen.locator(".efw-who")).to_contain_text("Irina Stan", timeout=20_000)
        panel = clerk.locator(f'.panel[data-id="{cid}"]')

        box = citizen.get_by_label("Mesajul dumneavoastră")
        box.type("Bună ziua, am o întrebare")
        expect(panel.locator(".typing")).to_have_text("Cetățeanul scrie…", timeout=10_000)
        shot(clerk, "typing-console")

        reply = panel.get_by_label("Răspuns către cetățean")
        reply.type("Vă ascult")
        expect(citizen.locator(".efw-typing")).to_have_text("Irina Stan scrie…", timeout=10_000)
        shot(citizen, "typing-widget")
        reply.press("Enter")
        expect(citizen.locator(".efw-msg--clerk").last).to_contain_text("Vă ascult", timeout=20_000)
        expect(citizen.locator(".efw-typing")).to_be_hidden()
    finally:
        citizen_context.close()
        clerk_context.close()
