"""A real browser on the console's form section (issue 13): the citizen fills a petition in
the widget, asks for a person, and the clerk who takes over sees the answers so far and
completes the CNP for the citizen — an invalid one refused next to its field."""

import re

import pytest

from tests.livechat.conftest import PASSWORD, add_clerk
from tests.web.test_browser import PHONE, browser, shot  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


def test_the_clerk_completes_the_citizens_form_from_the_console(browser, stack, stack_store):  # noqa: F811
    from playwright.sync_api import expect

    add_clerk(stack_store, "dana.filling", "Dana Marin")
    citizen_context = browser.new_context(**PHONE)
    clerk_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ro-RO")
    citizen = citizen_context.new_page()
    clerk = clerk_context.new_page()
    try:
        clerk.goto(f"{stack.base}/console/")
        clerk.get_by_label("Utilizator").fill("dana.filling")
        clerk.get_by_label("Parolă").fill(PASSWORD)
        clerk.get_by_role("button", name="Intrați în consolă").click()
        expect(clerk.locator("#conn")).to_have_text("Conectat", timeout=20_000)
        clerk.get_by_role("switch").click()
        expect(clerk.get_by_role("switch")).to_have_text("Activ")

        citizen.goto(f"{stack.base}/demo")
        citizen.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
        box = citizen.get_by_label("Mesajul dumneavoastră")
        expect(citizen.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        box.fill("vreau sa completez o petitie")
        box.press("Enter")
        expect(citizen.locator(".efw-log")).to_contain_text("1/13. Nume și prenume", timeout=60_000)
        box.fill("Ioana Țăranu")
        box.press("Enter")
        expect(citizen.locator(".efw-log")).to_contain_text("2/13. CNP", timeout=60_000)
        citizen.locator(".efw-human").click()
        # Queued (the place depends on what other tests of this server left in the queue).
        expect(citizen.locator(".efw-queue-text")).to_contain_text(" la rând.", timeout=60_000)

        clerk.locator(".queue-item", has_text="Petiție").get_by_role(
            "button", name="Preluați conversația"
        ).last.click()
        section = clerk.locator(".panel .filling")
        expect(section.locator("summary")).to_contain_text("Petiție (1/13)", timeout=20_000)
        expect(section.get_by_label("Nume și prenume *")).to_have_value("Ioana Țăranu")
        cnp = section.get_by_label("CNP *")
        cnp.fill("1800101221145")
        section.get_by_role("button", name="Salvați „CNP”").click()
        expect(section.locator(".filling-error").filter(has_text="Cifra de control")).to_be_visible()
        shot(clerk, "20-console-filling-refused")
        cnp.fill("1800101221144")
        section.get_by_role("button", name="Salvați „CNP”").click()
        expect(section.locator("summary")).to_contain_text("Petiție (2/13)")
        expect(section.get_by_role("button", name=re.compile("PDF-ul completat"))).to_be_disabled()
        expect(citizen.locator(".efw-msg--clerk").last).to_contain_text(
            "câmpul „CNP”: 1800101221144", timeout=20_000
        )
        shot(clerk, "21-console-filling")
        shot(citizen, "22-citizen-told-of-the-field")
    finally:
        citizen_context.close()
        clerk_context.close()
