"""Several conversations at once, and the console on a phone, in real browsers: tabs with
unread counts (and the count in the page's title), the keyboard shortcuts of the help
line (next waiting, take over, next conversation, send the card, release) at 1366×768;
at 390×844 one part at a time — the queue a tap away — and nothing wider than the screen.
Screenshots: /work/shots/console-many-*.png, /work/shots/console-phone-*.png."""

from typing import Any

import pytest

from forms_catalog import load_catalog
from tests.livechat.conftest import PASSWORD, add_clerk
from tests.web.test_browser import PHONE, browser  # noqa: F401  (fixture)
from tests.web.test_console_saved_replies import console_shot
from tests.web.test_console_view import DESKTOP, login_active, long_queued_conversation

pytestmark = pytest.mark.integration

TITLE = "Consola Relații cu Publicul — e-funcționar"
LAUNCHER = "Deschideți chatul cu Primăria Orașului Măgurele"


def citizen_writes(browser: Any, base: str, cid: str, text: str) -> Any:  # noqa: F811
    """The citizen of ``cid`` writes ``text`` from the widget (their browser kept the id)."""
    from playwright.sync_api import expect

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{base}/demo")
    page.evaluate(f"localStorage.setItem('efunctionar.conversation', '{cid}')")
    page.reload()
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
    box = page.get_by_label("Mesajul dumneavoastră")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".efw-msg--citizen").last).to_contain_text(text)
    return context


def narrow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_two_conversations_with_unread_counts_and_shortcuts_on_a_desktop(browser, stack, stack_store):  # noqa: F811
    from playwright.sync_api import expect

    add_clerk(stack_store, "many.desktop", "Funcționar Tabs")
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    citizen = None
    try:
        login_active(page, stack.base, "many.desktop")
        first, second = (long_queued_conversation(stack_store, 4) for _ in range(2))
        page.reload()
        expect(page.locator("#conn")).to_have_text("Conectat", timeout=20_000)
        # "Conectat" comes before the snapshot: wait until the queue shows our citizens.
        expect(page.locator(f'.queue-item[data-id="{second}"]')).to_be_visible()
        # No sound before a gesture on this page (the browser's autoplay rule).
        assert page.evaluate("document.body.dataset.sound") is None
        expect(page.locator("#shortcuts")).to_contain_text("Alt+N următorul cetățean în așteptare")
        expect(page.locator("#shortcuts")).to_contain_text("Alt+K trimiteți fișa")

        # Alt+N goes to the next waiting citizen, Alt+P takes them over.
        queue = page.locator(".queue-item")
        first_take = page.locator(f'.queue-item[data-id="{first}"] .take')
        while True:  # other tests' conversations may wait before ours
            page.keyboard.press("Alt+KeyN")
            focused = page.evaluate("document.activeElement.closest('.queue-item')?.dataset.id")
            if focused == first:
                break
            assert focused is not None and queue.count() > 1
        expect(first_take).to_be_focused()
        assert page.evaluate("document.body.dataset.sound") == "on"  # a key was pressed

        # Another clerk comes online: the queue is drawn anew and the focus stays on ours.
        page.evaluate("document.activeElement.dataset.drawn = 'before'")
        add_clerk(stack_store, "many.other", "Funcționar Doi")
        other = browser.new_context()
        try:
            login = {"username": "many.other", "password": PASSWORD}
            assert other.request.post(f"{stack.base}/console/login", data=login).ok
            assert other.request.post(f"{stack.base}/console/api/presence", data={"presence": "activ"}).ok
            page.wait_for_function(
                f"() => {{ const t = document.querySelector('.queue-item[data-id=\"{first}\"] .take');"
                " return t && !t.dataset.drawn && document.activeElement === t; }",
                timeout=10_000,
            )
        finally:
            other.close()
        page.keyboard.press("Alt+KeyP")
        one = page.locator(f'.panel[data-id="{first}"]')
        expect(one).to_be_visible()
        expect(one.get_by_label("Răspuns către cetățean")).to_be_focused()
        page.locator(f'.queue-item[data-id="{second}"] .take').focus()
        page.keyboard.press("Alt+KeyP")
        two = page.locator(f'.panel[data-id="{second}"]')
        expect(two).to_be_visible()
        expect(one).to_be_hidden()
        tabs = page.get_by_role("tab")
        expect(tabs).to_have_count(2)
        expect(page.get_by_role("tab", selected=True).locator(".tab-name")).to_have_text(
            "2. Apă și canalizare"
        )

        # The citizen of the first writes while the clerk reads the second.
        citizen = citizen_writes(browser, stack.base, first, "Mai am o întrebare despre branșament.")
        unread = page.get_by_role("tab", name="1. Apă și canalizare — 1 mesaj necitit")
        expect(unread).to_be_visible(timeout=20_000)
        expect(unread.locator(".tab-unread")).to_have_text("1")
        expect(page).to_have_title(f"(1 necitit) {TITLE}")
        console_shot(page, "many-desktop")

        # Alt+U: the conversation with unread messages; its count and the title clear.
        page.keyboard.press("Alt+KeyU")
        expect(one).to_be_visible()
        expect(one.locator(".msg--citizen").last).to_contain_text("Mai am o întrebare despre branșament.")
        expect(page.get_by_role("tab", selected=True).locator(".tab-name")).to_have_text(
            "1. Apă și canalizare"
        )
        expect(page).to_have_title(TITLE)

        # Alt+K sends the card of the chosen form; Alt+R hands the conversation back.
        one.get_by_label("Alegeți un formular").select_option("certificat_urbanism")
        page.keyboard.press("Alt+KeyK")
        documents = load_catalog().card_sections("certificat_urbanism")["documents"]
        expect(one.locator(".msg--clerk").last).to_contain_text(documents.splitlines()[0], timeout=20_000)
        assert any(m.data.get("form_id") == "certificat_urbanism" for m in stack_store.transcript(first))
        page.keyboard.press("Alt+KeyR")
        expect(page.locator("#toast")).to_have_text("Conversația a fost predată asistentului.")
        expect(tabs).to_have_count(1)
        expect(two).to_be_visible()
        assert stack_store.conversation(first).state == "bot"
    finally:
        if citizen is not None:
            citizen.close()
        context.close()


def test_the_console_on_a_phone_one_part_at_a_time(browser, stack, stack_store):  # noqa: F811
    from playwright.sync_api import expect

    add_clerk(stack_store, "many.phone", "Funcționar Telefon")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    citizen = None
    try:
        login_active(page, stack.base, "many.phone")
        first, second = (long_queued_conversation(stack_store, 4) for _ in range(2))
        page.reload()
        expect(page.locator("#conn")).to_have_text("Conectat", timeout=20_000)
        queue_tab = page.get_by_role("button", name="Coada")
        mine_tab = page.get_by_role("button", name="Conversațiile mele")
        expect(queue_tab).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_role("heading", name="Coada de așteptare")).to_be_visible()
        expect(page.get_by_role("heading", name="Conversațiile mele")).to_be_hidden()
        expect(page.locator("#shortcuts")).to_be_hidden()  # no keyboard on a phone
        narrow(page)
        console_shot(page, "phone-queue")

        page.locator(f'.queue-item[data-id="{first}"]').get_by_role(
            "button", name="Preluați conversația"
        ).click()
        one = page.locator(f'.panel[data-id="{first}"]')
        expect(one).to_be_visible()
        expect(page.get_by_role("heading", name="Coada de așteptare")).to_be_hidden()
        expect(mine_tab).to_have_attribute("aria-pressed", "true")
        narrow(page)

        # The queue is a tap away; taking the second shows it, the first waits in its tab.
        queue_tab.click()
        page.locator(f'.queue-item[data-id="{second}"]').get_by_role(
            "button", name="Preluați conversația"
        ).click()
        two = page.locator(f'.panel[data-id="{second}"]')
        expect(two).to_be_visible()
        expect(one).to_be_hidden()
        citizen = citizen_writes(browser, stack.base, first, "Revin cu actele mâine.")
        expect(mine_tab.locator(".count")).to_have_text("1", timeout=20_000)
        # The queue's count is the queue's length (other tests' citizens may wait), never "0".
        waiting = page.locator(".queue-item").count()
        if waiting:
            expect(queue_tab.locator(".count")).to_have_text(str(waiting))
        else:
            expect(queue_tab.locator(".count")).to_be_hidden()
        expect(page.get_by_role("tab", name="1. Apă și canalizare — 1 mesaj necitit")).to_be_visible()
        narrow(page)
        console_shot(page, "phone-conversation", full_page=False)

        # The tabs are scrolled away; "Conversațiile mele" with its count leads to the unread one.
        queue_tab.click()
        mine_tab.click()
        expect(one).to_be_visible()
        expect(page.get_by_role("tab", selected=True).locator(".tab-name")).to_have_text(
            "1. Apă și canalizare"
        )
        expect(one.locator(".msg--citizen").last).to_contain_text("Revin cu actele mâine.")
        expect(one.locator(".msg--citizen").last).to_be_in_viewport()
        expect(mine_tab.locator(".count")).to_be_hidden()
        narrow(page)
        console_shot(page, "phone-unread-read", full_page=False)
    finally:
        if citizen is not None:
            citizen.close()
        context.close()
