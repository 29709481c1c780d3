"""The department's saved replies in real browsers (1366×768 and 390×844): an admin
creates, edits and deletes them on their page (bad input refused in Romanian, what was
typed kept, nothing changed); a clerk inserts one from the picker or "/", edits it and
sends it. Screenshots: /work/shots/console-saved-*.png."""

from typing import Any

import pytest
import sqlalchemy as sa

from storage.saved_replies import saved_replies
from storage.types import utcnow
from tests.livechat.conftest import PASSWORD, add_clerk
from tests.web.test_browser import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.web.test_console_view import SHOTS, VIEWS, take_queued

pytestmark = pytest.mark.integration

TITLE = "Acte în copie"
TEXT = "Vă rugăm să aduceți actele și în copie; originalele vi se restituie pe loc."


def console_shot(page: Any, name: str, full_page: bool = True) -> None:
    """A screenshot named console-<name>.png under /work/shots and var/artifacts/web
    (``full_page=False``: what the screen shows)."""
    for folder in (SHOTS, ARTIFACTS):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"console-{name}.png"), full_page=full_page)


def add_admin(store: Any, username: str, name: str) -> None:
    with store.engine.begin() as conn:
        store.accounts.create(conn, username, PASSWORD, "admin", name, utcnow())


def stored(store: Any) -> list:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(saved_replies.c.title, saved_replies.c.text))]


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_an_admin_manages_saved_replies_and_a_clerk_sends_one(browser, stack, stack_store, view):  # noqa: F811
    from playwright.sync_api import expect

    width = VIEWS[view]["viewport"]["width"]
    title = f"{TITLE} ({view})"
    add_admin(stack_store, f"admin.{view}", f"Administrator {view}")
    add_clerk(stack_store, f"saved.{view}", f"Funcționar {view}")
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    try:
        page.goto(f"{stack.base}/console/audit/login")
        page.get_by_label("Utilizator").fill(f"admin.{view}")
        page.get_by_label("Parolă").fill(PASSWORD)
        page.get_by_role("button", name="Intrați în arhivă").click()
        page.wait_for_url("**/console/audit/")
        page.goto(f"{stack.base}/console/audit/admin/")
        page.get_by_role("link", name="Răspunsuri salvate").click()
        expect(page.get_by_role("heading", name="Răspuns nou")).to_be_visible()
        before = stored(stack_store)

        # A title of spaces passes the browser's "required" but not the server: the error
        # in Romanian, the text typed still there, nothing stored.
        new = page.locator("form.reply-form").first
        new.get_by_label("Titlu").fill("   ")
        new.get_by_label("Text").fill(TEXT)
        new.get_by_role("button", name="Adăugați răspunsul").click()
        expect(page.get_by_role("alert")).to_have_text("Completați titlul răspunsului.")
        expect(page.locator("form.reply-form").first.get_by_label("Text")).to_have_value(TEXT)
        assert stored(stack_store) == before

        # Too long a text, sent past the page's maxlength, with the page's own CSRF token.
        token = page.locator('form.reply-form input[name="csrf_token"]').first.get_attribute("value")
        too_long = context.request.post(
            f"{stack.base}/console/audit/admin/raspunsuri/",
            form={"csrf_token": token, "title": title, "text": "x" * 2001},
        )
        assert (
            too_long.status == 400 and "Textul are 2001 de caractere; limita este de 2000" in too_long.text()
        )
        forged = context.request.post(
            f"{stack.base}/console/audit/admin/raspunsuri/", form={"title": title, "text": TEXT}
        )
        assert forged.status == 403 and "Formularul a expirat" in forged.text()
        assert stored(stack_store) == before

        new = page.locator("form.reply-form").first
        new.get_by_label("Titlu").fill(title)
        new.get_by_label("Text").fill("Aduceți copii.")
        new.get_by_role("button", name="Adăugați răspunsul").click()
        expect(page.get_by_role("status")).to_have_text("Răspunsul a fost salvat.")
        item = page.locator(".saved", has=page.get_by_role("heading", name=title))
        item.get_by_label("Text").fill(TEXT)
        item.get_by_role("button", name=f"Salvați „{title}”").click()
        expect(page.get_by_role("status")).to_have_text("Modificările au fost salvate.")
        assert (title, TEXT) in stored(stack_store)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        console_shot(page, f"saved-admin-{view}")

        # The clerk: "/" in the empty reply opens the picker, the saved reply goes in.
        cid = take_queued(page, stack.base, stack_store, f"saved.{view}", messages=4)
        panel = page.locator(f'.panel[data-id="{cid}"]')
        reply = panel.get_by_label("Răspuns către cetățean")
        picker = panel.get_by_label("Inserați un răspuns salvat sau din fișa formularului")
        expect(picker.locator('optgroup[label="Răspunsuri salvate"] option', has_text=title)).to_have_count(1)
        reply.focus()
        reply.type("/")
        expect(picker).to_be_focused()
        picker.select_option(label=title)
        expect(reply).to_have_value(TEXT)
        reply.press("End")
        reply.type(" Mulțumim.")
        console_shot(page, f"saved-picker-{view}")
        reply.press("Enter")
        expect(panel.locator(".msg--clerk").last).to_contain_text(TEXT + " Mulțumim.", timeout=20_000)
        assert [m.text for m in stack_store.transcript(cid) if m.sender == "clerk"][-1] == TEXT + " Mulțumim."

        # The admin deletes it: gone from the page and from the table.
        page.goto(f"{stack.base}/console/audit/admin/raspunsuri/")
        page.get_by_role("button", name=f"Ștergeți „{title}”").click()
        expect(page.get_by_role("status")).to_have_text("Răspunsul a fost șters.")
        expect(page.get_by_role("heading", name=title)).to_have_count(0)
        assert all(row[0] != title for row in stored(stack_store))
    finally:
        context.close()
        with stack_store.engine.begin() as conn:  # other tests expect no saved reply
            conn.execute(saved_replies.delete().where(saved_replies.c.title == title))
