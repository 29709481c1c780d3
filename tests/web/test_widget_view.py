"""The citizen's widget in a real browser, desktop (1366×768) and phone (390×844): it
opens with a formal greeting, and after a reload the newest message is in view."""

from typing import Any, Dict

import pytest

from livechat.copy import GREETING
from tests.web.test_browser import PHONE, browser  # noqa: F401  (fixture)
from tests.web.test_console_view import DESKTOP, shot

pytestmark = pytest.mark.integration

VIEWS: Dict[str, Dict[str, Any]] = {"desktop": DESKTOP, "phone": PHONE}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_the_widget_opens_with_a_formal_greeting(browser, stack, view):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    try:
        page.goto(f"{stack.base}/demo")
        page.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
        expect(page.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        first = page.locator(".efw-log .efw-msg").first
        expect(first).to_contain_text("Bună ziua! Sunt asistentul virtual al Primăriei Orașului Măgurele.")
        expect(first).to_contain_text("întrebarea dumneavoastră")
        assert GREETING.startswith("Bună ziua!") and " tu " not in GREETING
        shot(page, f"widget-{view}-greeting")

        box = page.get_by_label("Mesajul dumneavoastră")
        box.fill("ce program aveti?")
        box.press("Enter")
        expect(page.locator(".efw-msg--bot").nth(1)).to_contain_text("Programul", timeout=60_000)
        page.reload()  # the widget stays open across a reload (sessionStorage)
        expect(page.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        # The greeting stays on top, once; the newest message is on the screen.
        expect(page.locator(".efw-greeting")).to_have_count(1)
        expect(page.locator(".efw-log .efw-msg").last).to_be_in_viewport()
        expect(page.locator(".efw-log .efw-msg").last).to_contain_text("Programul")
    finally:
        context.close()
