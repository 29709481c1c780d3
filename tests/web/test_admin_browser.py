"""The admin dashboard in a real browser (Playwright, Debian's chromium) at 1366×768 and
390×844: log in as admin, open the dashboard on a month of generated data, check every
chart's numbers against counts made with plain SQL, label a message and export the review
file; type the period day first. Screenshots go to /work/shots/admin-*.png (``ADMIN_SHOTS``
and ``ADMIN_SHOTS_PREFIX`` to change) and
var/artifacts/web/."""

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from tests.livechat.conftest import PASSWORD
from tests.web.admin_site import expected, running
from tests.web.test_browser import ARTIFACTS, PHONE, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration

SHOTS = Path(os.environ.get("ADMIN_SHOTS", "/work/shots"))
PREFIX = os.environ.get("ADMIN_SHOTS_PREFIX", "admin")


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory):
    with running(tmp_path_factory.mktemp("admin-browser")) as site:
        yield site


def shot(page, name: str) -> None:
    for folder in (SHOTS, ARTIFACTS):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{PREFIX}-{name}.png"), full_page=name.endswith("-full"))


def log_in(page, site) -> None:
    page.goto(f"{site.base}/console/audit/login")
    page.get_by_label("Utilizator").fill("dana.admin")
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Intrați în arhivă").click()
    page.wait_for_url("**/console/audit/")
    page.goto(f"{site.base}/console/audit/admin/?since={site.since}&until={site.until}")


def bars(page, key: str, series: str = None) -> dict:
    selector = f"#figura-{key} svg rect" + (f'[data-series="{series}"]' if series else "")
    return page.eval_on_selector_all(selector, "els => els.map(e => [e.dataset.label, e.dataset.value])")


def ro(day) -> str:
    """A day as the city hall writes it (zz.ll.aaaa), made here with strftime, not by the page."""
    return day.strftime("%d.%m.%Y")


def test_the_dashboard_shows_what_the_archive_holds_and_exports_the_review(browser, admin_site):  # noqa: F811
    from playwright.sync_api import expect

    want = expected(admin_site.db_url)
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="ro-RO", accept_downloads=True
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, admin_site)
        expect(page.locator("#figura-conversations svg")).to_be_visible(timeout=20_000)
        # The period in the city hall's order, whatever the browser's own date format.
        expect(page.get_by_role("textbox", name="De la")).to_have_value(ro(admin_site.since))
        expect(page.get_by_role("textbox", name="Până la")).to_have_value(ro(admin_site.until))
        shot(page, "dashboard-1366")

        def values(key, series=None):
            return {label: value for label, value in bars(page, key, series)}

        bot = {d: int(v) for d, v in values("conversations", "Doar asistentul").items() if int(v)}
        clerk = {d: int(v) for d, v in values("conversations", "Cu funcționar").items() if int(v)}
        assert bot == dict(want["bot"]) and clerk == dict(want["clerk"])
        assert len(bars(page, "conversations", "Doar asistentul")) == 30
        handoff = {k: int(v) for k, v in values("handoff").items()}
        assert handoff["Trecute în coadă"] == want["queued"]
        assert (
            handoff["În afara programului"] == want["closed"]
            and handoff["Niciun funcționar activ"] == want["no_clerk"]
        )
        summary = page.locator("#figura-queue_wait .facts-line")
        expect(summary).to_contain_text(f"mediană {str(want['median']).replace('.', ',')} min")
        expect(summary).to_contain_text(f"p90 {str(want['p90']).replace('.', ',')} min")
        expect(summary).to_contain_text(f"Preluate: {want['taken']};")
        length = {k: int(v) for k, v in values("length").items()}
        assert length["1"] == want["sizes"][1] and length["2"] == want["sizes"][2]
        expect(page.locator("#figura-fallback .facts-line")).to_contain_text(
            f"{want['classified']} mesaje clasificate, {want['fallback']} neînțelese"
        )
        assert {k: int(v) for k, v in values("redirects").items()} == dict(want["departments"])
        forms_table = page.eval_on_selector_all(
            "table[data-figure=forms] tbody tr",
            "rows => rows.map(r => [r.cells[1].dataset.value, r.cells[2].dataset.value])",
        )
        assert {code: int(n) for code, n in forms_table} == dict(want["forms"])
        assert {k: int(v) for k, v in values("forms").items()} == {
            t: n for t, n in ((r[0], int(r[1])) for r in page.eval_on_selector_all(
                "table[data-figure=forms] tbody tr", "rows => rows.map(r => [r.cells[0].dataset.value, r.cells[2].dataset.value])"))
        }  # fmt: skip
        filed = {}
        for form_title, series, value in page.eval_on_selector_all(
            "#figura-submissions svg rect",
            "els => els.map(e => [e.dataset.label, e.dataset.series, e.dataset.value])",
        ):
            filed[(form_title, series)] = int(value)
        codes = dict(page.eval_on_selector_all(
            "table[data-figure=submissions] tbody tr", "rows => rows.map(r => [r.cells[0].dataset.value, r.cells[1].dataset.value])"
        ))  # fmt: skip
        names = {"new": "Nerepartizate", "assigned": "În lucru", "waiting_citizen": "Așteaptă un document",
                 "resolved": "Soluționate", "rejected": "Respinse"}  # fmt: skip
        assert {(codes[t], st): n for (t, st), n in filed.items() if n} == {
            (form, names[status]): n for (form, status), n in want["filings"].items()
        }
        expect(page.locator("#figura-submissions .facts-line")).to_contain_text(
            f"{sum(want['filings'].values())} cereri depuse"
        )
        page.locator("#figura-submissions").scroll_into_view_if_needed()
        page.locator("#figura-submissions").screenshot(path=str(SHOTS / f"{PREFIX}-submissions-1366.png"))
        # Days in the tables are written zz.ll.aaaa too (the CSV keeps AAAA-LL-ZZ).
        first_day = page.locator("table[data-figure=conversations] tbody tr").first.locator("td").first
        assert first_day.text_content() == ro(admin_site.since)
        counts = page.eval_on_selector_all(
            "table[data-figure=ratings] tbody tr",
            "rows => rows.map(r => [r.cells[1].dataset.value, r.cells[2].dataset.value])",
        )
        assert {who or None: int(n) for who, n in counts} == {w: len(s) for w, s in want["ratings"].items()}
        low = page.locator("table[data-figure=low_ratings] tbody tr")
        expect(low).to_have_count(len(want["low"]))
        first_link = low.first.get_by_role("link")
        assert first_link.get_attribute("href").startswith("/console/audit/#conversatie=gen-")

        with page.expect_download() as download_info:
            page.locator("#figura-handoff").get_by_role("button", name="Exportați CSV").click()
        csv_text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
        assert f"Trecute în coadă,{want['queued']}" in csv_text

        page.get_by_role("button", name="Afișați întrebările").click()
        expect(page.locator("#review-status")).to_contain_text("grupuri", timeout=20_000)
        message = page.locator(".message", has_text="numesc").first
        message.get_by_label("Intenția").select_option("ask_procedure")
        message.get_by_label("Formularul (opțional)").select_option("certificat_fiscal")
        message.get_by_role("button", name="Etichetați").click()
        expect(page.locator("#review-status")).to_have_text("Mesajul a fost etichetat.")
        expect(message.locator(".labelled")).to_have_text("Etichetat: ask_procedure · certificat_fiscal")
        page.locator("#revizuire").scroll_into_view_if_needed()
        shot(page, "review-1366")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Exportați fișierul de antrenare (reviewed.yml)").click()
        download = download_info.value
        assert download.suggested_filename == "reviewed.yml"
        data = yaml.safe_load(Path(download.path()).read_text(encoding="utf-8"))
        (block,) = data["nlu"]
        assert block["intent"] == "ask_procedure" and "<nume>" in block["examples"][0]["text"]
        expect(page.locator("#review-status")).to_contain_text("1 mesaje exportate")

        page.get_by_role("button", name="Afișați faptele").click()
        expect(page.locator("#facts tbody tr").first).to_be_visible(timeout=20_000)
        top = max(want["forms"].values())
        assert page.locator("#facts tbody tr").first.locator("td").nth(1).inner_text() == str(top)
        page.locator("#fapte").scroll_into_view_if_needed()
        shot(page, "facts-1366")

        first_link.click()
        page.wait_for_url("**/console/audit/#conversatie=*")
        expect(page.locator("#lines li").last).to_contain_text("Evaluarea cetățeanului", timeout=20_000)
        shot(page, "low-rated-transcript-1366")
        assert errors == []
    finally:
        context.close()


def test_the_dashboard_on_a_phone(browser, admin_site):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        log_in(page, admin_site)
        chart = page.locator("#figura-conversations svg")
        expect(chart).to_be_visible(timeout=20_000)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], f"the page is {width}px wide on a 390px phone"
        assert chart.bounding_box()["width"] <= PHONE["viewport"]["width"]
        shot(page, "dashboard-390")
        page.get_by_role("button", name="Afișați întrebările").click()
        expect(page.locator("#review-status")).to_contain_text("grupuri", timeout=20_000)
        page.locator("#revizuire").scroll_into_view_if_needed()
        shot(page, "review-390")
    finally:
        context.close()


def test_the_period_is_typed_day_first_and_a_wrong_date_is_refused(browser, admin_site):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ro-RO")
    page = context.new_page()
    try:
        log_in(page, admin_site)
        box = page.locator("#cifre")
        expect(box).to_have_attribute("data-loaded", f"{admin_site.since}/{admin_site.until}", timeout=20_000)
        # 31.02 does not exist, and 11/01/2026 is the order the city hall does not read.
        page.get_by_role("textbox", name="De la").fill("31.02.2026")
        page.get_by_role("textbox", name="Până la").fill("11/01/2026")
        page.get_by_role("button", name="Afișați", exact=True).click()
        expect(page.locator("#error")).to_have_text(
            "„De la” și „Până la” trebuie să fie date în forma zz.ll.aaaa, de exemplu 01.11.2026."
        )
        expect(page.get_by_role("textbox", name="De la")).to_have_attribute("aria-invalid", "true")
        assert (
            box.get_attribute("data-loaded") == f"{admin_site.since}/{admin_site.until}"
        )  # nothing reloaded
        asked = []
        page.on("request", lambda r: asked.append(r.url) if "/admin/api/" in r.url else None)
        page.locator("#figura-handoff").get_by_role("button", name="Exportați CSV").click()
        page.get_by_role("button", name="Afișați întrebările").click()
        page.wait_for_timeout(500)  # a request would have left by now
        assert asked == []  # neither the CSV nor the review is asked for with a wrong date
        shot(page, "date-refused-1366")
        # A week typed day first: the page asks the server for exactly that week.
        week = [admin_site.until - dt.timedelta(days=6), admin_site.until]
        page.get_by_role("textbox", name="De la").fill(ro(week[0]))
        page.get_by_role("textbox", name="Până la").fill(
            f"{week[1].day}.{week[1].month}.{week[1].year}"
        )  # 1.12.2026 too
        with page.expect_response(lambda r: "/api/dashboard" in r.url) as answer:
            page.get_by_role("button", name="Afișați", exact=True).click()
        assert f"since={week[0]}&until={week[1]}" in answer.value.url and answer.value.status == 200
        expect(box).to_have_attribute("data-loaded", f"{week[0]}/{week[1]}")
        expect(page.locator("#error")).to_be_hidden()
        assert len(bars(page, "conversations", "Doar asistentul")) == 7
        shot(page, "period-week-1366")
    finally:
        context.close()
