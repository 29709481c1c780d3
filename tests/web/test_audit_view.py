"""The archive view in a real browser, desktop (1366×768) and phone (390×844): it fits
the phone's width (it was 944 px wide at 390), and auditors read the access log on a page
of their own (the API had no page)."""

from typing import Any, Dict

import pytest
from argon2 import PasswordHasher

from archive.archive import Archive
from archive.turns import TurnIn
from archive.users import Users
from tests.livechat.conftest import PASSWORD
from tests.web.test_browser import PHONE, browser  # noqa: F401  (fixture)
from tests.web.test_console_view import DESKTOP, shot

pytestmark = pytest.mark.integration

VIEWS: Dict[str, Dict[str, Any]] = {"desktop": DESKTOP, "phone": PHONE}
CID = "a7" * 16


@pytest.fixture(scope="module")
def auditors(stack):
    archive = Archive(stack.db_url)
    try:
        users = Users(archive, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        for view in VIEWS:
            users.create(f"audit.{view}", PASSWORD, "auditor", display_name=f"Auditor {view}")
        archive.append(
            TurnIn(CID, "citizen", "Bună ziua, am o întrebare lungă " + "x" * 120, channel="website")
        )
        archive.append(TurnIn(CID, "bot", "Vă rog să îmi spuneți ce formular vă interesează."))
    finally:
        archive.close()


def fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "w => Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right + window.scrollX > w + 0.5)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)",
        width,
    )
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px screen: {wide}"


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_the_archive_view_fits_and_shows_the_access_log(browser, stack, auditors, view):  # noqa: F811
    from playwright.sync_api import expect

    width = VIEWS[view]["viewport"]["width"]
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    try:
        page.goto(f"{stack.base}/console/audit/login")
        page.get_by_label("Utilizator").fill(f"audit.{view}")
        page.get_by_label("Parolă").fill(PASSWORD)
        page.get_by_role("button", name="Intrați în arhivă").click()
        expect(page.locator("#me")).to_contain_text(f"Auditor {view}", timeout=20_000)
        fits(page, width)
        page.get_by_label("Text").fill("întrebare lungă")
        page.get_by_role("button", name="Căutați").click()
        row = page.locator("#results tbody tr", has_text="întrebare lungă").first
        expect(row).to_be_visible(timeout=20_000)
        fits(page, width)
        shot(page, f"audit-{view}-search")
        row.get_by_role("link").click()
        expect(page.locator("#lines li").last).to_contain_text("ce formular vă interesează")
        fits(page, width)

        page.get_by_role("link", name="Jurnalul accesărilor").click()
        log = page.locator("#access-log tbody")
        expect(log.locator("tr").first).to_contain_text("Citirea unei conversații", timeout=20_000)
        search = log.locator("tr", has_text="Căutare").first
        expect(search).to_contain_text(f"audit.{view}")
        expect(search).to_contain_text("text: întrebare lungă")
        expect(log.locator("tr", has_text="Citirea unei conversații").first).to_contain_text(CID)
        # Reading the log is an access too: it is the newest entry after a refresh.
        page.get_by_role("button", name="Reîmprospătați").click()
        expect(log.locator("tr").first).to_contain_text("Citirea jurnalului")
        fits(page, width)
        shot(page, f"audit-{view}-access-log")
    finally:
        context.close()
