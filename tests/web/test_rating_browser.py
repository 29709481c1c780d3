"""The widget's satisfaction question in a real browser (Playwright, Debian's chromium), on
a phone: after the bot's last answer (a page that asks after 2 idle seconds) and after a
clerk closed the conversation; the rating reaches the database, "Nu acum" skips it."""

import pytest
import sqlalchemy as sa

from storage import db
from tests.web.admin_site import running
from tests.web.test_admin_browser import shot
from tests.web.test_browser import PHONE, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running(tmp_path_factory.mktemp("rating-browser")) as site:
        yield site


def rating_rows(url):
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(sa.text("SELECT conversation_id, score, rated FROM handoff_ratings"))
            ]
    finally:
        engine.dispose()


def open_chat(page, site, idle=None):
    if idle is not None:
        # Sets the attribute on the page's own tag, as a city hall page would write it (an
        # intercepted page is another origin to chromium, whose local-network checks then
        # block the socket).
        page.add_init_script(
            "new MutationObserver(() => { const s = document.querySelector('script[src$=\"widget.js\"]');"
            f" if (s) s.dataset.ratingIdleSeconds = '{idle}'; }}).observe(document, {{childList: true, subtree: true}});"
        )
    page.goto(f"{site.base}/demo")
    page.get_by_role("button", name="Deschideți chatul cu Primăria Orașului Măgurele").click()
    from playwright.sync_api import expect

    expect(page.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)


def test_the_widget_asks_after_the_bots_last_answer_and_records_the_rating(browser, site):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        open_chat(page, site, idle=2)
        box = page.get_by_label("Mesajul dumneavoastră")
        box.fill("Bună ziua")
        box.press("Enter")
        expect(page.locator(".efw-msg--bot").last).to_contain_text("Ecou: Bună ziua", timeout=20_000)
        question = page.get_by_role("form", name="Evaluați conversația")
        expect(question).to_be_visible(timeout=10_000)
        expect(question).to_contain_text("Cât de mulțumit sunteți")
        send = question.get_by_role("button", name="Trimiteți evaluarea")
        expect(send).to_be_disabled()
        question.get_by_role("radio", name="4 din 5 – foarte mulțumit").click()
        question.get_by_label("Comentariu (opțional)").fill("Mi-a fost util, mulțumesc.")
        shot(page, "admin-widget-rating-390")
        send.click()
        expect(page.locator(".efw-log")).to_contain_text("Vă mulțumim pentru evaluare", timeout=10_000)
        expect(question).to_be_hidden()
        cid = page.evaluate("localStorage.getItem('efunctionar.conversation')")
        assert (cid, 4, "bot") in rating_rows(site.db_url)
        # A reload does not ask again: the welcome says the conversation is rated.
        page.reload()  # the panel stays open across a reload (sessionStorage)
        expect(page.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        page.wait_for_timeout(3000)
        expect(question).to_be_hidden()
    finally:
        context.close()


def test_the_widget_asks_when_the_clerk_closes_and_nu_acum_skips(browser, site):  # noqa: F811
    from playwright.sync_api import expect

    service = site.service
    ana = service.store.clerk_by_username("ana.popescu")
    ana = site.run(service.set_presence(ana, "activ"))
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        open_chat(page, site)
        box = page.get_by_label("Mesajul dumneavoastră")
        box.fill("Bună ziua")
        box.press("Enter")
        expect(page.locator(".efw-msg--bot").last).to_contain_text("Ecou", timeout=20_000)
        cid = page.evaluate("localStorage.getItem('efunctionar.conversation')")
        site.run(service.enqueue(cid, "petitie", None))
        site.run(service.takeover(ana, cid))
        site.run(service.clerk_message(ana, cid, "Bună ziua, vă ajut eu."))
        question = page.get_by_role("form", name="Evaluați conversația")
        expect(question).to_be_hidden()
        site.run(service.close(ana, cid))
        expect(question).to_be_visible(timeout=10_000)
        shot(page, "admin-widget-rating-after-close-390")
        question.get_by_role("button", name="Nu acum").click()
        expect(question).to_be_hidden()
        assert all(row[0] != cid for row in rating_rows(site.db_url))
        page.reload()  # the panel stays open across a reload (sessionStorage)
        expect(page.locator(".efw-conn")).to_have_text("Conectat", timeout=20_000)
        expect(page.locator(".efw-who")).to_have_text("Conversație încheiată")
        expect(question).to_be_hidden()
    finally:
        context.close()
