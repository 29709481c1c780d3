"""The auditors' archive view (/console/audit/) against a real Sanic server, on SQLite
and PostgreSQL.

Auditor accounts live in the one ``accounts`` table; turns are written straight
into the archive with a fixed clock so dates and Bucharest times are known.
"""

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import aiohttp
import pytest
from argon2 import PasswordHasher

from archive.archive import Archive
from archive.turns import TurnIn
from archive.users import Users
from storage import db as archive_db
from tests.livechat.conftest import PASSWORD, add_clerk, login
from tests.web.pages import form_token

AUDIT = "/console/audit"
CID = "c0ffee" + "0" * 26
CID2 = "beef" + "1" * 28


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: Any, tmp_path: Any) -> str:
    """Every test of this module on SQLite and on PostgreSQL (a schema of its own)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'livechat.tables'}"
    return request.getfixturevalue("pg_url")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    archive_db.upgrade(db_url)
    # 10 March 2026, 12:00 UTC = 14:00 in Bucharest (EET, UTC+2).
    clock = Clock(datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc))
    archive = Archive(db_url, clock=clock)
    cheap = Users(archive, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    cheap.create("maria.audit", PASSWORD, "auditor", display_name="Maria Ionescu")
    cheap.create("admin.sef", PASSWORD, "admin", display_name="Șef Ținută")
    cheap.create("ion.clerk", PASSWORD, "clerk", display_name="Ion Funcționar")

    def add(cid: str, speaker: str, text: str = "", **kw: Any) -> None:
        archive.append(TurnIn(conversation_id=cid, speaker=speaker, text=text, channel="website", **kw))
        clock.now += timedelta(minutes=1)

    add(
        CID,
        "citizen",
        "Bună ziua, vreau certificat de urbanism <b>acum</b>",
        intent="ask_procedure",
        confidence=0.9,
    )
    add(CID, "citizen", "Sunteți niște proști", intent="insult", confidence=0.95)
    add(CID, "system", "Vă rugăm să păstrați un limbaj civilizat.", event="insult_warning")
    add(CID, "system", "", event="taken_over", clerk_id="ana")
    add(CID, "clerk", "Bună ziua, sunt Ana. Cu ce vă pot ajuta?", clerk_id="ana")
    # 1 July 2026, 09:00 UTC = 12:00 in Bucharest (EEST, UTC+3).
    clock.now = datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)
    add(
        CID2,
        "citizen",
        "Este o groapă pe strada Atomiștilor",
        intent="out_of_scope_infrastructure",
        confidence=0.8,
    )
    add(CID2, "system", "Pentru drumuri: Direcția Tehnică.", event="out_of_scope_redirect")
    add(CID2, "citizen", "100% '; DROP TABLE archive_turns; --", intent="greet", confidence=0.5)
    yield archive
    archive.close()


async def audit_login(base: str, username: str = "maria.audit") -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    resp = await http.post(f"{base}{AUDIT}/login", json={"username": username, "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return http


def access_actions(archive: Archive) -> list:
    import sqlalchemy as sa

    with archive.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT username, action FROM archive_access_log ORDER BY id"))
        return [(r.username, r.action) for r in rows]


API_ROUTES = [
    "/api/me", "/api/search", "/api/export/csv", f"/api/conversations/{CID}",
    f"/api/conversations/{CID}/export/pdf", "/api/access-log",
]  # fmt: skip


async def test_every_audit_route_requires_an_auditor(site, archive):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = await http.get(f"{site.base}{AUDIT}/", allow_redirects=False)
        assert page.status == 302 and page.headers["Location"] == f"{AUDIT}/login"
        assert (await http.get(f"{site.base}{AUDIT}/static/audit.js")).status == 401
        for path in API_ROUTES:
            resp = await http.get(f"{site.base}{AUDIT}{path}")
            assert resp.status == 401, path
            assert (await resp.json())["error"] == "login_required"
        login_page = await http.get(f"{site.base}{AUDIT}/login")
        assert login_page.status == 200 and "Arhiva conversațiilor" in await login_page.text()
        assert login_page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # A clerk logged in to the console (handoff account) gets nothing here.
    add_clerk(site.service.store, "ana", "Ana Popescu")
    clerk = await login(site.base, "ana")
    async with clerk:
        page = await clerk.get(f"{site.base}{AUDIT}/", allow_redirects=False)
        assert page.status == 302 and page.headers["Location"] == f"{AUDIT}/login"
        for path in API_ROUTES:
            assert (await clerk.get(f"{site.base}{AUDIT}{path}")).status == 401, path
        # …nor can a clerk log in here with the console password: one account table, and
        # the clerk's role does not open the archive.
        refused = await clerk.post(
            f"{site.base}{AUDIT}/login", json={"username": "ana", "password": PASSWORD}
        )
        assert refused.status == 403 and "Set-Cookie" not in refused.headers
    # An archive account with the clerk role is refused with 403.
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            f"{site.base}{AUDIT}/login", json={"username": "ion.clerk", "password": PASSWORD}
        )
        assert resp.status == 403
        assert (await resp.json())["message"] == "Doar auditorii și administratorii au acces la arhivă."
        assert "Set-Cookie" not in resp.headers
    assert access_actions(archive) == []


async def test_login_form_cookie_logout_and_wrong_password(site, archive):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        token = await form_token(http, f"{site.base}{AUDIT}/login")
        bad = await http.post(
            f"{site.base}{AUDIT}/login",
            data={"username": "maria.audit", "password": "gresit-gresit", "csrf_token": token},
        )
        assert bad.status == 401 and "Utilizator sau parolă greșită." in await bad.text()
        malformed = await http.post(
            f"{site.base}{AUDIT}/login", data=b"{", headers={"Content-Type": "application/json"}
        )
        assert malformed.status == 400
        good = await http.post(
            f"{site.base}{AUDIT}/login",
            data={"username": "Maria.Audit", "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )  # fmt: skip
        assert good.status == 303 and good.headers["Location"] == f"{AUDIT}/"
        cookie = good.headers["Set-Cookie"]
        assert "efc_audit=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Path=/console/audit" in cookie
        page = await http.get(f"{site.base}{AUDIT}/")
        text = await page.text()
        assert (
            page.status == 200
            and "Arhiva conversațiilor" in text
            and '<script src="/console/audit/static/audit.js"' in text
        )
        assert (await http.get(f"{site.base}{AUDIT}/static/audit.js")).status == 200
        assert (await http.get(f"{site.base}{AUDIT}/static/nu-exista.js")).status == 404
        me = await (await http.get(f"{site.base}{AUDIT}/api/me")).json()
        assert me["user"] == {"username": "maria.audit", "display_name": "Maria Ionescu", "role": "auditor"}
        # The auditor's cookie opens nothing in the clerks' console.
        assert (await http.get(f"{site.base}/console/api/me")).status == 401
        logout_token = await form_token(http, f"{site.base}{AUDIT}/")
        out = await http.post(
            f"{site.base}{AUDIT}/logout", data={"csrf_token": logout_token}, allow_redirects=False
        )
        assert out.status == 303
        assert (await http.get(f"{site.base}{AUDIT}/api/me")).status == 401


async def test_disabled_auditor_loses_access_at_once(site, archive):
    http = await audit_login(site.base)
    async with http:
        assert (await http.get(f"{site.base}{AUDIT}/api/me")).status == 200
        # A role taken away ends the account's sessions at once (they live in the database).
        Users(archive).set_role("maria.audit", "clerk")
        assert (await http.get(f"{site.base}{AUDIT}/api/search")).status == 401
    Users(archive).set_role("maria.audit", "auditor")
    http = await audit_login(site.base)
    async with http:
        assert (await http.get(f"{site.base}{AUDIT}/api/me")).status == 200
        Users(archive).set_active("maria.audit", False)
        assert (await http.get(f"{site.base}{AUDIT}/api/search")).status == 401


async def test_search_by_date_clerk_text_intent_flags(site, archive):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    http = await audit_login(site.base)
    async with http:

        async def search(**params: str) -> Any:
            resp = await http.get(f"{site.base}{AUDIT}/api/search", params=params)
            assert resp.status == 200, await resp.text()
            return await resp.json()

        everything = await search()
        assert everything["total"] == 8
        first = everything["turns"][0]
        assert first["local_time_text"] == "10.03.2026 14:00:00"
        assert first["speaker_label"] == "Cetățean"
        july = await search(since="2026-07-01", until="2026-07-01")
        assert july["total"] == 3 and july["turns"][0]["local_time_text"] == "01.07.2026 12:00:00"
        march = await search(until="2026-03-31")
        assert march["total"] == 5
        by_clerk = await search(clerk="ana")
        assert by_clerk["total"] == 2
        assert {t["clerk_name"] for t in by_clerk["turns"]} == {"Ana Popescu"}
        # Text ignores case and diacritics.
        assert (await search(text="ATOMISTILOR"))["turns"][0]["conversation_id"] == CID2
        assert (await search(intent="insult"))["total"] == 1
        insults = await search(flags="insult")
        assert {t["conversation_id"] for t in insults["turns"]} == {CID} and insults["total"] == 2
        assert (await search(flags="out_of_scope"))["total"] == 2
        assert (await search(flags="handoff"))["total"] == 1
        assert (await search(flags="limbaj_jignitor"))["total"] == 0
        paged = await search(limit="3", offset="3")
        assert paged["total"] == 8 and len(paged["turns"]) == 3 and paged["offset"] == 3
        # SQL metacharacters are plain text.
        sql = await search(text="'; DROP TABLE archive_turns; --")
        assert sql["total"] == 1
        assert (await search(text="%"))["total"] == 1
        assert (await search(text="' OR 1=1 --"))["total"] == 0
        assert "hash" not in first
    assert access_actions(archive).count(("maria.audit", "search")) == 14


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"since": "2026-13-45"}, "nu este validă"),
        ({"until": "ieri"}, "nu este validă"),
        ({"since": "2026-03-10", "until": "2026-03-01"}, "înaintea datei de sfârșit"),
        ({"clerk": "'; DROP TABLE x; --"}, "Funcționar necunoscut"),
        ({"flags": "insult,' OR 1=1"}, "Marcaj necunoscut"),
        ({"speaker": "hacker"}, "Vorbitor necunoscut"),
        ({"limit": "zece"}, "număr întreg"),
        ({"limit": "100000"}, "între 1 și 1000"),
        ({"text": "x" * 201}, "cel mult 200"),
    ],
)
async def test_bad_search_input_gets_a_romanian_400(site, archive, params, fragment):
    http = await audit_login(site.base)
    async with http:
        resp = await http.get(f"{site.base}{AUDIT}/api/search", params=params)
        assert resp.status == 400
        body = await resp.json()
        assert body["error"] == "invalid_query" and fragment in body["message"]
        export = await http.get(f"{site.base}{AUDIT}/api/export/csv", params=params)
        assert export.status in (200, 400)  # limit/offset are not export parameters
        if "limit" not in params:
            assert export.status == 400


async def test_transcript_with_bucharest_times_and_clerk_names(site, archive):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    http = await audit_login(site.base)
    async with http:
        resp = await http.get(f"{site.base}{AUDIT}/api/conversations/{CID}")
        assert resp.status == 200
        data = await resp.json()
        assert data["started"] == "10.03.2026 14:00:00" and data["ended"] == "10.03.2026 14:04:00"
        assert data["clerks"] == ["Ana Popescu"]
        lines = data["lines"]
        assert [line["speaker"] for line in lines] == ["citizen", "citizen", "system", "system", "clerk"]
        assert lines[4]["speaker_label"] == "Funcționar Ana Popescu"
        assert lines[3]["event_label"].endswith("(Ana Popescu)")
        assert lines[2]["event_label"] == "Avertisment pentru limbaj jignitor"
        # Citizen text comes back as it was written; the page renders it with textContent.
        assert lines[0]["text"] == "Bună ziua, vreau certificat de urbanism <b>acum</b>"
        assert "insult" in lines[1]["flags"]
    assert ("maria.audit", "transcript") in access_actions(archive)


@pytest.mark.parametrize("cid", ["nu-exista", "_archive", "' OR '1'='1", "%25", "a" * 300])
async def test_unknown_conversation_is_a_romanian_404(site, archive, cid):
    http = await audit_login(site.base)
    async with http:
        for path in ("", "/export/csv", "/export/pdf"):
            resp = await http.get(f"{site.base}{AUDIT}/api/conversations/{cid}{path}")
            assert resp.status == 404, (cid, path, await resp.text())
            body = await resp.json()
            assert body["error"] == "unknown_conversation"
            assert "nu există în arhivă" in body["message"]


async def test_exports_of_one_conversation(site, archive):
    http = await audit_login(site.base, "admin.sef")
    async with http:
        base = f"{site.base}{AUDIT}/api/conversations/{CID}"
        csv_resp = await http.get(f"{base}/export/csv")
        assert csv_resp.status == 200
        assert csv_resp.headers["Content-Type"].startswith("text/csv")
        assert f'filename="conversatie-{CID}.csv"' in csv_resp.headers["Content-Disposition"]
        raw = await csv_resp.read()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == 5 and rows[0]["local_time"] == "10.03.2026 14:00:00"
        json_resp = await http.get(f"{base}/export/json")
        document = json.loads(await json_resp.read())
        assert document["conversation_id"] == CID and len(document["turns"]) == 5
        assert document["exported_by"] == "admin.sef"
        pdf = await http.get(f"{base}/export/pdf")
        assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
        assert (await pdf.read()).startswith(b"%PDF")
        wrong = await http.get(f"{base}/export/xlsx")
        assert wrong.status == 400 and "CSV, JSON sau PDF" in (await wrong.json())["message"]
    actions = access_actions(archive)
    for action in ("export_csv", "export_json", "export_pdf"):
        assert ("admin.sef", action) in actions


async def test_exports_of_a_search(site, archive):
    http = await audit_login(site.base)
    async with http:
        resp = await http.get(f"{site.base}{AUDIT}/api/export/csv", params={"flags": "insult"})
        assert resp.status == 200
        rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
        assert len(rows) == 2 and {r["conversation_id"] for r in rows} == {CID}
        resp = await http.get(f"{site.base}{AUDIT}/api/export/json", params={"since": "2026-07-01"})
        document = json.loads(await resp.read())
        assert len(document["turns"]) == 3 and document["search"]["since"].startswith("2026-06-30T21:00")
        # A search that finds nothing exports an empty file, not an error.
        empty = await http.get(f"{site.base}{AUDIT}/api/export/csv", params={"text": "inexistent"})
        assert empty.status == 200
        assert (await empty.read()).decode("utf-8-sig").count("\r\n") == 1
        empty_json = await http.get(f"{site.base}{AUDIT}/api/export/json", params={"text": "inexistent"})
        assert json.loads(await empty_json.read())["turns"] == []
        pdf = await http.get(f"{site.base}{AUDIT}/api/export/pdf")
        assert pdf.status == 400 and "CSV sau JSON" in (await pdf.json())["message"]
        log = await (await http.get(f"{site.base}{AUDIT}/api/access-log")).json()
        actions = [e["action"] for e in log["entries"]]
        assert actions.count("export_csv") == 2 and actions.count("export_json") == 2


async def test_archive_not_initialised_is_a_clear_503(site, db_url):
    # The archive's tables are missing (a schema behind the code): 503, not 500.
    engine = archive_db.make_engine(db_url)
    with engine.begin() as conn:
        cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
        conn.exec_driver_sql(f"DROP TABLE accounts{cascade}")
    engine.dispose()
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            f"{site.base}{AUDIT}/login", json={"username": "maria.audit", "password": PASSWORD}
        )
        assert resp.status == 503
        assert "Arhiva nu poate fi citită acum" in (await resp.json())["message"]


@pytest.fixture
async def archived_site(db_url, schedule_file, monkeypatch):
    """The website channel archiving every turn (ArchiveTurnSink) into db_url."""
    from tests.livechat.conftest import running_site

    monkeypatch.setenv("DATABASE_URL", db_url)
    archive_db.upgrade(db_url)
    archive = Archive(db_url)
    Users(archive, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)).create(
        "maria.audit", PASSWORD, "auditor", display_name="Maria Ionescu"
    )
    credentials = {"housekeeping_seconds": 0.2, "turn_sink": "archive.sink.ArchiveTurnSink"}
    async with running_site(credentials) as site:
        yield site
    archive.close()


async def test_a_live_conversation_is_found_and_read_by_the_auditor(archived_site):
    from tests.web.test_console import queued_citizen

    site = archived_site
    add_clerk(site.service.store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        citizen, cid = await queued_citizen(http, site)
        assert (await ana.post(f"{site.base}/console/api/conversations/{cid}/takeover")).status == 200
        await citizen.next("message", sender="system")
        sent = await ana.post(
            f"{site.base}/console/api/conversations/{cid}/message", json={"text": "Bună ziua, vă ajut eu."}
        )
        assert sent.status == 200
        closed = await ana.post(
            f"{site.base}/console/api/conversations/{cid}/close", json={"flag": "limbaj_jignitor"}
        )
        assert closed.status == 200, await closed.text()
        # The clerk's console session opens nothing in the archive.
        assert (await ana.get(f"{site.base}{AUDIT}/api/conversations/{cid}")).status == 401
    auditor = await audit_login(site.base)
    async with auditor:
        found = await (await auditor.get(
            f"{site.base}{AUDIT}/api/search", params={"flags": "limbaj_jignitor"}
        )).json()  # fmt: skip
        assert found["total"] >= 1 and {t["conversation_id"] for t in found["turns"]} == {cid}
        handed = await (await auditor.get(
            f"{site.base}{AUDIT}/api/search", params={"flags": "handoff", "clerk": "ana"}
        )).json()  # fmt: skip
        assert handed["total"] >= 1
        transcript = await (await auditor.get(f"{site.base}{AUDIT}/api/conversations/{cid}")).json()
        assert transcript["clerks"] == ["Ana Popescu"]
        clerk_lines = [line for line in transcript["lines"] if line["speaker"] == "clerk"]
        assert clerk_lines[0]["speaker_label"] == "Funcționar Ana Popescu"
        assert clerk_lines[0]["text"] == "Bună ziua, vă ajut eu."
        assert transcript["lines"][0]["text"] == "Vreau certificat de urbanism"
        pdf = await auditor.get(f"{site.base}{AUDIT}/api/conversations/{cid}/export/pdf")
        assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")


async def test_bot_redirect_is_found_by_its_flag_and_shows_its_department(archived_site):
    from tests.livechat.conftest import open_citizen
    from tests.livechat.test_channel import bot_redirects

    site = archived_site
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        await bot_redirects(site.service, cid)
        await citizen.next("message", sender="bot")
        await citizen.ws.close()
    label = (
        "Redirecționat către Compartimentul Drumuri și Infrastructură Rutieră (drumuri@primariamagurele.ro)"
    )
    auditor = await audit_login(site.base)
    async with auditor:
        found = await (await auditor.get(
            f"{site.base}{AUDIT}/api/search", params={"flags": "out_of_scope", "speaker": "bot"}
        )).json()  # fmt: skip
        (turn,) = found["turns"]
        assert turn["conversation_id"] == cid and turn["redirect_label"] == label
        assert turn["extra"]["redirect"]["topic"] == "drumuri"
        transcript = await (await auditor.get(f"{site.base}{AUDIT}/api/conversations/{cid}")).json()
        (line,) = [line for line in transcript["lines"] if line["speaker"] == "bot"]
        assert line["flags"] == ["out_of_scope"] and line["redirect_label"] == label
        page = await (await auditor.get(f"{site.base}{AUDIT}/static/audit.js")).text()
        assert "line.redirect_label" in page


async def test_an_audit_session_survives_a_restart(db_url, schedule_file, monkeypatch, archive):
    from web.audit import COOKIE

    """Audit sessions live in the database (wave 1 kept them in process memory)."""
    from tests.livechat.conftest import running_site

    monkeypatch.setenv("DATABASE_URL", db_url)
    async with running_site({"housekeeping_seconds": 0.2}) as first:
        http = await audit_login(first.base)
        (cookie,) = [c.value for c in http.cookie_jar if c.key == COOKIE]
        await http.close()
    async with running_site({"housekeeping_seconds": 0.2}) as second:
        async with aiohttp.ClientSession(cookies={COOKIE: cookie}) as again:
            assert (await again.get(f"{second.base}{AUDIT}/api/me")).status == 200
