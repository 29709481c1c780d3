"""The admin dashboard's routes (web/admin.py) over HTTP, on a month of generated data:
who may open them, bad input, the CSV of each figure against plain SQL, labelling and the
export of the review file."""

import csv
import io

import pytest
import requests
import yaml

from tests.livechat.conftest import PASSWORD
from tests.web.admin_site import expected, running

API = "/console/audit/admin/api"


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory):
    with running(tmp_path_factory.mktemp("admin")) as site:
        yield site


def login(site, username="dana.admin"):
    http = requests.Session()
    resp = http.post(f"{site.base}/console/audit/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code in (200, 403), resp.text
    return http


def period(site):
    return {"since": site.since.isoformat(), "until": site.until.isoformat()}


def test_every_admin_route_needs_an_admin_login(admin_site):
    routes = ["/console/audit/admin/", "/console/audit/admin/static/admin.js", f"{API}/dashboard",
              f"{API}/csv/conversations", f"{API}/review", f"{API}/review/export", f"{API}/facts"]  # fmt: skip
    stranger = requests.Session()
    auditor = login(admin_site, "vera.audit")
    for route in routes:
        resp = stranger.get(admin_site.base + route, allow_redirects=False)
        assert resp.status_code in (302, 401), route
        resp = auditor.get(admin_site.base + route, allow_redirects=False)
        assert resp.status_code == 403 and "administratorii" in resp.text, route
        assert (
            resp.headers["X-Frame-Options"] == "DENY" and "nosniff" in resp.headers["X-Content-Type-Options"]
        )
    resp = auditor.post(f"{admin_site.base}{API}/review/label", json={"seq": 1, "intent": "greet"})
    assert resp.status_code == 403
    # The page itself, for an admin, with the site's security headers.
    page = login(admin_site).get(f"{admin_site.base}/console/audit/admin/")
    assert page.status_code == 200 and "Tablou de bord" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_bad_dates_and_unknown_figures_get_a_romanian_error(admin_site):
    http = login(admin_site)
    for params, fragment in (
        ({"since": "2026-02-30", "until": "2026-03-01"}, "AAAA-LL-ZZ"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "înaintea"),
        ({"since": "2020-01-01", "until": "2026-03-01"}, "cel mult"),
    ):
        resp = http.get(f"{admin_site.base}{API}/dashboard", params=params)
        assert resp.status_code == 400 and fragment in resp.json()["message"]
    resp = http.get(f"{admin_site.base}{API}/csv/nimic", params=period(admin_site))
    assert resp.status_code == 404 and resp.json()["error"] == "unknown_figure"


def _csv(resp):
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))


def test_each_csv_holds_the_figures_counted_with_sql(admin_site):
    want = expected(admin_site.db_url)
    http = login(admin_site)
    get = lambda key: _csv(http.get(f"{admin_site.base}{API}/csv/{key}", params=period(admin_site)))  # noqa: E731
    header, *days = get("conversations")
    assert header == ["Ziua", "Doar asistentul", "Cu funcționar", "Total"] and len(days) == 30
    assert {d: int(b) for d, b, _, _ in days if int(b)} == dict(want["bot"])
    assert {d: int(c) for d, _, c, _ in days if int(c)} == dict(want["clerk"])
    handoff = dict(get("handoff")[1:])
    assert int(handoff["Trecute în coadă"]) == want["queued"]
    assert int(handoff["În afara programului"]) == want["closed"]
    assert int(handoff["Niciun funcționar activ"]) == want["no_clerk"]
    length = dict(get("length")[1:])
    assert int(length["1"]) == want["sizes"][1] and int(length["2"]) == want["sizes"][2]
    assert {k: int(v) for k, v in get("redirects")[1:]} == dict(want["departments"])
    assert {code: int(n) for _, code, n in get("forms")[1:]} == dict(want["forms"])
    ratings = {row[1] or None: row for row in get("ratings")[1:]}
    assert {who: int(row[2]) for who, row in ratings.items()} == {
        w: len(s) for w, s in want["ratings"].items()
    }
    assert sorted(row[1] for row in get("low_ratings")[1:]) == want["low"]
    dashboard = http.get(f"{admin_site.base}{API}/dashboard", params=period(admin_site)).json()
    summaries = {f["key"]: f["summary"] for f in dashboard["figures"]}
    assert summaries["queue_wait"]["mediana_minute"] == want["median"]
    assert summaries["queue_wait"]["p90_minute"] == want["p90"]
    assert summaries["fallback"]["neintelese"] == want["fallback"]
    header, *filed = get("submissions")
    assert header == ["Formular", "Cod", "Nerepartizate", "În lucru", "Așteaptă un document", "Soluționate",
                      "Respinse", "Total"]  # fmt: skip
    statuses = ("new", "assigned", "waiting_citizen", "resolved", "rejected")
    got = {(row[1], s): int(row[2 + i]) for row in filed for i, s in enumerate(statuses) if int(row[2 + i])}
    assert got == dict(want["filings"]) and len(want["filings"]) > 5
    assert summaries["submissions"]["total"] == sum(want["filings"].values())


def test_a_label_is_checked_the_origin_too_and_the_export_is_training_data(admin_site):
    http = login(admin_site)
    review = http.get(f"{admin_site.base}{API}/review", params=period(admin_site)).json()
    assert review["groups"] and "ask_procedure" in review["intents"]
    message = next(m for g in review["groups"] for m in g["messages"] if "numesc" in m["text"])
    url = f"{admin_site.base}{API}/review/label"
    for body, code in (
        ({"seq": message["seq"], "intent": "ask_pizza"}, 400),
        ({"seq": message["seq"], "intent": "ask_procedure", "form_id": "pasaport"}, 400),
        ({"seq": "x", "intent": "ask_procedure"}, 400),
    ):
        resp = http.post(url, json=body)
        assert resp.status_code == code and resp.json()["message"]
    resp = http.post(url, data="seq=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 415
    resp = http.post(url, json={"seq": message["seq"], "intent": "ask_procedure"},
                     headers={"Origin": "https://alt-site.example"})  # fmt: skip
    assert resp.status_code == 403 and resp.json()["error"] == "cross_origin"
    export = http.get(f"{admin_site.base}{API}/review/export")
    assert yaml.safe_load(export.text)["nlu"] == [] and export.headers["X-Exported"] == "0"

    resp = http.post(
        url, json={"seq": message["seq"], "intent": "ask_procedure", "form_id": "certificat_fiscal"}
    )
    assert resp.status_code == 200, resp.text
    export = http.get(f"{admin_site.base}{API}/review/export")
    assert export.headers["X-Exported"] == "1"
    (block,) = yaml.safe_load(export.text)["nlu"]
    (example,) = block["examples"]
    assert block["intent"] == "ask_procedure" and example["metadata"] == {"form": "certificat_fiscal"}
    assert "<nume>" in example["text"] and "Andrei" not in export.text


def test_the_facts_report_puts_the_most_asked_forms_first(admin_site):
    want = expected(admin_site.db_url)["forms"]
    facts = login(admin_site).get(f"{admin_site.base}{API}/facts").json()
    assert facts["total"] >= len(facts["facts"]) > 0
    asked = [f["asked"] for f in facts["facts"]]
    assert asked == sorted(asked, reverse=True)
    top = facts["facts"][0]
    assert top["asked"] == max(want.values()) and top["status"] == "neconfirmat"


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted():
    from archive.stats import Table
    from web.admin import csv_bytes

    table = Table("t", "T", ("Text", "Număr"), [('=HYPERLINK("x")', -3), ("Ștefan", None)])
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    assert rows == [["Text", "Număr"], ['\'=HYPERLINK("x")', "-3"], ["Ștefan", ""]]
