"""archive/audit.py: search, transcripts and exports, every one recorded."""

import csv
import io
import json
import shutil
from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher
from pypdf import PdfReader

from archive import Archive, InvalidQuery, PermissionDenied, TurnIn, UnknownConversation
from archive.audit import CSV_COLUMNS, AuditSession
from archive.users import Users
from storage import db

from .conftest import FakeClock

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "corect-cal-baterie"


def make_accounts(archive):
    users = Users(archive, hasher=CHEAP)
    return {
        "auditor": users.create("ion.auditor", PASSWORD, "auditor", display_name="Ion Ionescu"),
        "admin": users.create("maria.admin", PASSWORD, "admin", display_name="Maria Popescu"),
        "clerk": users.create("ana.pop", PASSWORD, "clerk", display_name="Ana Pop"),
    }


def make_history(archive, clock):
    """Two conversations on 2 March 2026 and one on 5 March (times UTC; EET = UTC+2)."""
    clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    archive.append(
        TurnIn(
            "c1",
            "citizen",
            "Bună ziua, ce acte trebuie pentru ȘEDINȚA de urbanism?",
            intent="ask_procedure",
            confidence=0.91,
            form_ids=["certificat_urbanism"],
            channel="website",
        )
    )
    clock.advance(seconds=2)
    archive.append(
        TurnIn("c1", "bot", "Aveți nevoie de cerere și plan de situație.", form_ids=["certificat_urbanism"])
    )
    clock.advance(minutes=1)
    archive.append(TurnIn("c1", "citizen", "Vreau să vorbesc cu un funcționar", intent="request_human"))
    archive.append(TurnIn("c1", "system", event="taken_over", clerk_id="ana.pop"))
    clock.advance(seconds=30)
    archive.append(TurnIn("c1", "clerk", "Bună ziua, sunt Ana. Vă ajut cu plăcere.", clerk_id="ana.pop"))
    archive.append(TurnIn("c1", "system", event="closed", clerk_id="ana.pop"))
    clock.now = datetime(2026, 3, 2, 21, 30, tzinfo=timezone.utc)  # 23:30 in Bucharest
    archive.append(
        TurnIn(
            "c2", "citizen", '=HYPERLINK("http://rău.example") ești prost', intent="insult", confidence=0.88
        )
    )
    archive.append(TurnIn("c2", "system", "Vă rugăm să păstrați un ton civilizat.", event="insult_warning"))
    clock.now = datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc)
    archive.append(
        TurnIn(
            "c3",
            "citizen",
            "Când asfaltați strada Fabricii? 100% _urgent_",
            intent="out_of_scope_infrastructure",
            confidence=0.97,
        )
    )
    archive.append(TurnIn("c3", "system", "Scrieți la investitii@magurele.ro", event="out_of_scope_redirect"))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared(request, tmp_path_factory):
    """One archive with the history for the tests that only read it (built once)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("audit") / "audit.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_databases").create("archive_audit")
        db.upgrade(url)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    archive = Archive(url, clock=clock)
    accounts = make_accounts(archive)
    make_history(archive, clock)
    yield archive, accounts
    archive.close()


@pytest.fixture
def auditor(shared):
    archive, accounts = shared
    return AuditSession(archive, accounts["auditor"])


@pytest.fixture
def own(archive, clock):
    """A history of this test's own, for tests that change the archive or accounts."""
    accounts = make_accounts(archive)
    make_history(archive, clock)
    return archive, accounts


def texts(result):
    return [t.text for t in result.turns]


def test_only_auditors_and_admins(own):
    archive, accounts = own
    AuditSession(archive, accounts["admin"])
    with pytest.raises(PermissionDenied):
        AuditSession(archive, accounts["clerk"])
    users = Users(archive, hasher=CHEAP)
    users.set_active("ion.auditor", False)
    with pytest.raises(PermissionDenied):
        AuditSession(archive, users.get("ion.auditor"))


def test_search_by_local_date_range(auditor):
    # 2 March 23:30 in Bucharest is still 2 March, though it is 21:30 UTC.
    day = auditor.search(since="2026-03-02", until="2026-03-02")
    assert day.total == 8 and {t.conversation_id for t in day.turns} == {"c1", "c2"}
    assert auditor.search(since="2026-03-03").total == 2
    assert auditor.search(since="2026-03-02T23:00", until="2026-03-03").total == 2
    assert auditor.search(until="2026-03-01").total == 0


def test_search_by_clerk_intent_speaker_and_flags(auditor):
    assert len(auditor.search(clerk="ana.pop").turns) == 3
    assert texts(auditor.search(intent="request_human")) == ["Vreau să vorbesc cu un funcționar"]
    assert auditor.search(speaker="clerk").total == 1
    assert {t.conversation_id for t in auditor.search(flags="insult").turns} == {"c2"}
    assert {t.conversation_id for t in auditor.search(flags=["out_of_scope"]).turns} == {"c3"}
    assert {t.conversation_id for t in auditor.search(flags="handoff").turns} == {"c1"}
    assert auditor.search(flags="insult,handoff").total == 0


def test_text_search_ignores_case_and_diacritics(auditor):
    assert len(auditor.search(text="sedinta").turns) == 1
    assert len(auditor.search(text="ședința").turns) == 1
    assert len(auditor.search(text="FUNCȚIONAR").turns) == 1
    assert len(auditor.search(text="funcționar", speaker="citizen").turns) == 1


@pytest.mark.parametrize(
    "needle, expected",
    [("100%", 1), ("_urgent_", 1), ("%", 1), ("_", 1), ("' OR '1'='1", 0), ("\\", 0), ("%'; --", 0)],
)
def test_sql_metacharacters_are_searched_literally(auditor, needle, expected):
    assert auditor.search(text=needle).total == expected


def test_pagination(auditor):
    page = auditor.search(limit=3, offset=3)
    assert page.total == 10 and [t.seq for t in page.turns] == [4, 5, 6]


@pytest.mark.parametrize(
    "criteria, message",
    [
        ({"since": "2026-02-30"}, "nu este validă"),
        ({"since": "ieri"}, "AAAA-LL-ZZ"),
        ({"until": "2026-13-01"}, "nu este validă"),
        ({"since": "2026-03-05", "until": "2026-03-01"}, "înaintea"),
        ({"limit": "mult"}, "număr întreg"),
        ({"limit": 0}, "între 1 și 1000"),
        ({"limit": 5000}, "între 1 și 1000"),
        ({"offset": -1}, "între 0"),
        ({"flags": "insult;drop"}, "Marcaj necunoscut"),
        ({"speaker": "robot"}, "Vorbitor necunoscut"),
        ({"clerk": "ana'--"}, "Funcționar necunoscut"),
        ({"text": "x" * 201}, "200"),
        ({"text": 5}, "nevalidă"),
    ],
)
def test_malformed_searches_get_clear_errors(auditor, criteria, message):
    with pytest.raises(InvalidQuery, match=message):
        auditor.search(**criteria)


def test_transcript_has_local_times_and_clerk_names(auditor):
    transcript = auditor.transcript("c1")
    assert transcript.started == "02.03.2026 10:00:00"  # EET
    assert transcript.clerks == ["Ana Pop"]
    labels = [line.speaker_label for line in transcript.lines]
    assert labels == ["Cetățean", "Asistent virtual", "Cetățean", "Sistem", "Funcționar Ana Pop", "Sistem"]
    assert transcript.lines[3].event_label == "Conversația a fost preluată de un funcționar (Ana Pop)"


@pytest.mark.parametrize("bad", ["nu-exista", "_archive", "' OR 1=1 --", "", None])
def test_unknown_conversations(auditor, bad):
    with pytest.raises(UnknownConversation):
        auditor.transcript(bad)
    with pytest.raises(UnknownConversation):
        auditor.export_conversation(bad, "pdf")


def test_csv_export_of_a_conversation(auditor):
    data = auditor.export_conversation("c2", "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets show ș and ț
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    first = dict(zip(rows[0], rows[1]))
    assert first["text"].startswith("'=HYPERLINK")  # never run as a formula
    assert first["local_time"] == "02.03.2026 23:30:00" and first["flags"] == "insult"
    assert dict(zip(rows[0], rows[2]))["text"] == "Vă rugăm să păstrați un ton civilizat."


def test_json_export_of_a_conversation(auditor, shared):
    archive, _ = shared
    document = json.loads(auditor.export_conversation("c1", "json"))
    assert document["conversation_id"] == "c1" and document["exported_by"] == "ion.auditor"
    assert document["chain_head"] == {"seq": 10, "hash": archive.head()[1]}
    assert [t["turn_no"] for t in document["turns"]] == [1, 2, 3, 4, 5, 6]
    assert document["turns"][0]["local_time"] == "2026-03-02T10:00:00+02:00"
    assert document["turns"][0]["text"].startswith("Bună ziua")


def test_search_exports(auditor):
    rows = list(csv.reader(io.StringIO(auditor.export_search("csv", flags="insult").decode("utf-8-sig"))))
    assert [(r[1], r[5]) for r in rows[1:]] == [("c2", "citizen"), ("c2", "system")]
    document = json.loads(auditor.export_search("json", since="2026-03-05"))
    assert document["search"]["since"] == "2026-03-04T22:00:00+00:00"
    assert [t["conversation_id"] for t in document["turns"]] == ["c3", "c3"]


def test_exports_of_nothing(auditor):
    empty_csv = auditor.export_search("csv", text="nimic de găsit")
    assert empty_csv.decode("utf-8-sig").splitlines() == [",".join(CSV_COLUMNS)]
    assert json.loads(auditor.export_search("json", text="nimic de găsit"))["turns"] == []
    with pytest.raises(InvalidQuery, match="Format necunoscut"):
        auditor.export_search("pdf", text="x")
    with pytest.raises(InvalidQuery, match="Format necunoscut"):
        auditor.export_conversation("c1", "xlsx")


def test_pdf_transcript_with_romanian_diacritics(own):
    archive, accounts = own
    auditor = AuditSession(archive, accounts["auditor"])
    archive.append(TurnIn("c1", "citizen", "<b>Știți</b> că țara & șoseaua? ĂÂÎȘȚ ăâîșț"))
    pdf = auditor.export_conversation("c1", "pdf")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Transcrierea conversației c1" in text
    assert "ĂÂÎȘȚ ăâîșț" in text
    assert "<b>Știți</b> că țara & șoseaua?" in text  # citizen markup shown, not applied
    assert "Funcționar Ana Pop" in text and "02.03.2026 10:00:00" in text
    fonts = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in f for f in fonts)


def test_every_view_and_export_is_recorded(own):
    archive, accounts = own
    admin = AuditSession(archive, accounts["admin"])
    admin.search(text="urbanism")
    admin.transcript("c1")
    admin.export_conversation("c1", "csv")
    admin.export_search("json", flags="insult")
    with pytest.raises(UnknownConversation):
        admin.transcript("nu-exista")
    log = admin.access_log()
    assert [(e.username, e.action) for e in log][::-1][:4] == [
        ("maria.admin", "search"),
        ("maria.admin", "transcript"),
        ("maria.admin", "export_csv"),
        ("maria.admin", "export_json"),
    ]
    assert json.loads(log[-1].target)["text"] == "urbanism" and log[-1].result_count == 1
    assert json.loads(log[-3].target) == {"conversation_id": "c1"}
    assert admin.access_log()[0].action == "access_log"  # reading the log is recorded too


def test_purged_conversation_exports(own, clock):
    archive, accounts = own
    auditor = AuditSession(archive, accounts["auditor"])
    clock.advance(days=400)
    archive.purge(30, by="admin")
    assert auditor.transcript("c1").lines == []
    text = PdfReader(io.BytesIO(auditor.export_conversation("c1", "pdf"))).pages[0].extract_text()
    assert "perioadei de păstrare" in text


def test_exports_put_the_intent_on_the_citizens_row_and_name_clerks(own):
    """Wave 2: the website channel archives the message before Rasa reads it, so its NLU
    result is a 'classified' turn of its own; the exports showed it as a row apart."""
    archive, accounts = own
    auditor = AuditSession(archive, accounts["auditor"])
    message = archive.append(
        TurnIn("c9", "citizen", "cât costă certificatul fiscal?", channel="website", source_key="m-9")
    )
    archive.append(
        TurnIn(
            "c9", "system", event="classified", intent="ask_procedure_fee", confidence=0.87,
            form_ids=["certificat_fiscal"], channel="website", source_key="m-9:classified",
            extra={"message_seq": message.seq},
        )
    )  # fmt: skip
    archive.append(TurnIn("c9", "clerk", "Bună ziua, vă ajut eu.", clerk_id="ana.pop"))

    rows = list(csv.DictReader(io.StringIO(auditor.export_conversation("c9", "csv").decode("utf-8-sig"))))
    assert [(r["speaker"], r["event"]) for r in rows] == [("citizen", "message"), ("clerk", "message")]
    assert rows[0]["intent"] == "ask_procedure_fee" and rows[0]["confidence"] == "0.8700"
    assert rows[0]["form_ids"] == "certificat_fiscal"
    assert rows[1]["clerk_name"] == "Ana Pop"
    searched = list(
        csv.DictReader(io.StringIO(auditor.export_search("csv", text="certificatul").decode("utf-8-sig")))
    )
    assert [(r["conversation_id"], r["intent"]) for r in searched] == [("c9", "ask_procedure_fee")]

    reader = PdfReader(io.BytesIO(auditor.export_conversation("c9", "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Cetățean · intenție: ask_procedure_fee (87%)" in text
    assert "Intenție recunoscută" not in text
    assert "Funcționar Ana Pop" in text and "ana.pop" not in text
    # The JSON export keeps every turn, for the chain.
    assert len(json.loads(auditor.export_conversation("c9", "json"))["turns"]) == 3
