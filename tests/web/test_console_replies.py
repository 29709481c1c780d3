"""Canned replies in the console, in a real browser (1366×768 and 390×844): "/" in an
empty reply (or the picker) inserts a section of the chosen form's card, which the clerk
edits and sends. Screenshots: /work/shots/edges-canned-*.png."""

import pytest

from forms_catalog import load_catalog
from tests.livechat.conftest import add_clerk
from tests.web.test_browser import browser  # noqa: F401  (fixture)
from tests.web.test_console_view import VIEWS, shot, take_queued

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_slash_inserts_a_card_section_the_clerk_edits_and_sends(browser, stack, stack_store, view):  # noqa: F811
    from playwright.sync_api import expect

    documents = load_catalog().card_sections("certificat_urbanism")["documents"]
    username = f"canned.{view}"
    add_clerk(stack_store, username, f"Funcționar {view}")
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    try:
        cid = take_queued(page, stack.base, stack_store, username, messages=4)
        panel = page.locator(f'.panel[data-id="{cid}"]')
        reply = panel.get_by_label("Răspuns către cetățean")
        expect(reply).to_be_focused()

        # "/" before a form is chosen: the clerk is told what to do, nothing is inserted.
        reply.type("/")
        expect(page.locator("#toast")).to_have_text("Alegeți întâi un formular, apoi secțiunea fișei.")
        reply.fill("")
        panel.get_by_label("Alegeți un formular").select_option("certificat_urbanism")
        picker = panel.get_by_label("Inserați un răspuns salvat sau din fișa formularului")
        card = picker.locator('optgroup[label="Fișa: Certificat de urbanism"] option')
        expect(card).to_have_count(5)  # the five sections
        reply.focus()
        reply.type("/")
        expect(picker).to_be_focused()
        picker.select_option(label="Acte necesare — Certificat de urbanism")
        expect(reply).to_have_value(documents)
        expect(reply).to_be_focused()
        reply.press("End")
        reply.type(" Le puteți aduce la registratură.")
        shot(page, f"canned-{view}")
        reply.press("Enter")
        sent = panel.locator(".msg--clerk").last
        expect(sent).to_contain_text("Acte necesare — Certificat de urbanism:", timeout=20_000)
        expect(sent).to_contain_text("Le puteți aduce la registratură.")
        expect(reply).to_have_value("")
        stored = [m for m in stack_store.transcript(cid) if m.sender == "clerk"]
        assert stored[-1].text == documents + " Le puteți aduce la registratură."

        # The card API: unknown forms get a Romanian 404.
        missing = context.request.get(f"{stack.base}/console/api/forms/nu_exista/card")
        assert missing.status == 404 and "nu există în catalog" in missing.json()["message"]
    finally:
        context.close()


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_an_internal_note_is_shown_as_one_and_kept_from_the_citizen(browser, stack, stack_store, view):  # noqa: F811
    from playwright.sync_api import expect

    username = f"notes.{view}"
    add_clerk(stack_store, username, f"Funcționar {view}")
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    try:
        cid = take_queued(page, stack.base, stack_store, username, messages=4)
        panel = page.locator(f'.panel[data-id="{cid}"]')
        panel.get_by_label("Notă internă").check()
        expect(panel.get_by_role("button", name="Salvați nota")).to_be_visible()
        reply = panel.get_by_label("Răspuns către cetățean")
        reply.fill("Revine mâine cu extrasul de carte funciară.")
        reply.press("Enter")
        note = panel.locator(".msg--note").last
        expect(note).to_contain_text("Revine mâine cu extrasul de carte funciară.", timeout=20_000)
        expect(note.locator(".msg-who")).to_have_text(
            f"Notă internă · Funcționar {view} (cetățeanul nu o vede)"
        )
        shot(page, f"note-{view}")
        (stored,) = [m for m in stack_store.transcript(cid) if m.data.get("note")]
        assert stored.clerk_only and stored.text == "Revine mâine cu extrasul de carte funciară."
    finally:
        context.close()
