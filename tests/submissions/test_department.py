"""The department's queue and steps: who sees what, overdue, every step archived and mailed."""

import hashlib

import pytest
import sqlalchemy as sa

from storage import db
from submissions.errors import SubmissionError
from tests.submissions.conftest import jpeg, pdf_bytes

CITIZEN = dict(name="Ana Popescu", email="ana.popescu@exemplu.ro")


def _account(accounts, engine, clock, username, role="clerk", department=None):
    with db.write_transaction(engine) as conn:
        return accounts.create(
            conn, username, "parola-lunga-de-test", role, username, clock(), department=department
        )


@pytest.fixture
def people(accounts, engine, clock):
    return {
        "urbanism": _account(accounts, engine, clock, "ion.urbanism", department="urbanism"),
        "taxe": _account(accounts, engine, clock, "maria.taxe", department="taxe"),
        "rp": _account(accounts, engine, clock, "ana.rp"),
        "auditor": _account(accounts, engine, clock, "dan.audit", role="auditor"),
        "admin": _account(accounts, engine, clock, "sef.admin", role="admin"),
    }


@pytest.fixture
def filed(subs):
    draft, _ = subs.add_document(None, "plan.jpg", jpeg(), requirement=2, form_id="certificat_urbanism")
    return subs.file(draft, "certificat_urbanism", conversation_id="conv-1", **CITIZEN)


def _mails(engine):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT to_address, subject, body FROM outbox ORDER BY id")).all()


def test_only_the_departments_clerks_auditors_and_admins_see_a_filing(desk, people, filed):
    assert [f.registration_no for f in desk.queue(people["urbanism"])] == ["1/02.03.2026"]
    assert desk.queue(people["taxe"]) == [] and desk.queue(people["rp"]) == []
    assert len(desk.queue(people["auditor"])) == 1 and len(desk.queue(people["admin"])) == 1
    with pytest.raises(SubmissionError) as refused:
        desk.filing(people["taxe"], filed.filing_id)
    assert refused.value.status == 403 and "altui departament" in refused.value.message
    seen = desk.filing(people["urbanism"], filed.filing_id)
    assert [d.name for d in seen.documents] == ["plan.jpg"]
    name, kind, data = desk.document(people["urbanism"], filed.filing_id, seen.documents[0].id)
    assert kind == "image/jpeg" and data[:3] == b"\xff\xd8\xff"


def test_an_auditor_reads_but_cannot_work_a_filing(desk, people, filed):
    with pytest.raises(SubmissionError) as refused:
        desk.assign(people["auditor"], filed.filing_id)
    assert refused.value.status == 403


def test_a_filing_past_its_due_date_is_overdue(desk, people, filed, clock):
    (filing,) = desk.queue(people["urbanism"])
    assert not filing.overdue(clock())
    clock.advance(days=31)  # due 1 April; 2 April is past it
    assert filing.overdue(clock()) and filing.as_json(clock())["overdue"] is True


def test_assign_ask_resolve_each_archived_and_mailed_to_the_citizen(desk, people, filed, archive, engine):
    clerk = people["urbanism"]
    desk.assign(clerk, filed.filing_id)
    notice = desk.ask_citizen(clerk, filed.filing_id, "extrasul de carte funciară, de cel mult 30 de zile")
    assert notice.conversation_id == "conv-1"
    assert "în așteptarea unui document de la dumneavoastră" in notice.text
    assert "extrasul de carte funciară" in notice.text
    answer = pdf_bytes("Certificatul de urbanism nr. 7")
    notice = desk.resolve(clerk, filed.filing_id, "Certificatul a fost emis; îl găsiți atașat.", answer)
    assert notice.answer_link and notice.answer_link.startswith("/depunere/raspuns/")

    events = [t.event for t in archive.conversation("cerere-2026-1")]
    assert events == [
        "filing_registered", "filing_assigned", "filing_waiting_citizen", "filing_resolved",
    ]  # fmt: skip
    turns = archive.conversation("cerere-2026-1")
    assert turns[2].extra["days_left"] == 30 and turns[2].clerk_id == "ion.urbanism"

    assert turns[3].extra["answer_sha256"] == hashlib.sha256(answer).hexdigest()
    assert archive.verify().ok

    citizen_mails = [m for m in _mails(engine) if m.to_address == "ana.popescu@exemplu.ro"]
    assert [m.subject for m in citizen_mails][1:] == [
        "Cererea dumneavoastră 1/02.03.2026: în lucru la departament",
        "Cererea dumneavoastră 1/02.03.2026: în așteptarea unui document de la dumneavoastră",
        "Cererea dumneavoastră 1/02.03.2026: soluționată",
    ]
    assert "Certificatul a fost emis" in citizen_mails[-1].body
    assert notice.answer_link in citizen_mails[-1].body


def test_a_closed_filing_cannot_be_rejected_afterwards(desk, people, filed, subs):
    clerk = people["urbanism"]
    desk.reject(clerk, filed.filing_id, "Cererea nu privește un imobil din Măgurele.")
    with pytest.raises(SubmissionError) as refused:
        desk.resolve(clerk, filed.filing_id, "Răspuns întârziat.")
    assert refused.value.status == 409
    assert refused.value.message == "Cererea 1/02.03.2026 este „respinsă”; acest pas nu mai este posibil."
    status = subs.status("1/02.03.2026", filed.access_code)
    assert status.status == "rejected" and status.resolution == "Cererea nu privește un imobil din Măgurele."


@pytest.mark.parametrize("step", ["reject", "resolve", "ask_citizen"])
def test_a_step_without_its_text_is_refused_and_changes_nothing(desk, people, filed, archive, step):
    with pytest.raises(SubmissionError) as refused:
        getattr(desk, step)(people["urbanism"], filed.filing_id, "  ")
    assert refused.value.message.startswith("Scrieți")
    assert [t.event for t in archive.conversation("cerere-2026-1")] == ["filing_registered"]


def test_an_answer_that_is_not_a_pdf_is_refused(desk, people, filed):
    with pytest.raises(SubmissionError) as refused:
        desk.resolve(people["urbanism"], filed.filing_id, "Vedeți atașamentul.", jpeg())
    assert refused.value.code == "not_a_pdf"


def test_unknown_filing_ids_are_a_clear_404(desk, people):
    for bad in ("999", "abc", -1, 2**40):
        with pytest.raises(SubmissionError) as refused:
            desk.filing(people["admin"], bad)
        assert refused.value.status == 404


def test_the_purge_removes_closed_filings_with_their_documents_and_keeps_open_ones(
    subs, desk, people, archive, engine, clock
):
    old_draft, _ = subs.add_document(None, "vechi.jpg", jpeg())
    closed = subs.file(old_draft, "petitie", **CITIZEN)
    still_open = subs.file(None, "petitie", message="Încă aștept un răspuns.", **CITIZEN)
    subs.add_document(None, "neterminat.jpg", jpeg())  # a draft never filed
    desk.resolve(people["admin"], closed.filing_id, "Am rezolvat problema semnalată.")
    clock.advance(days=400)
    report = archive.purge(365, by="test")
    assert report.record is not None
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM submissions"))]
        left = conn.execute(sa.text("SELECT submission_id, role FROM submission_files ORDER BY id")).all()
        mails = conn.execute(
            sa.text("SELECT COUNT(*) FROM outbox WHERE submission_id = :i"), {"i": closed.filing_id}
        ).scalar()
    assert ids == [still_open.filing_id]
    assert left == [(still_open.filing_id, "receipt")]
    assert mails == 0
    purged = archive.conversation("_archive")[-1]
    assert (
        purged.extra["filings_deleted"] == 1 and purged.extra["filing_files_deleted"] == 3
    )  # photo, receipt, draft
    assert archive.verify().ok


def test_the_citizen_sends_the_missing_document_and_the_clock_runs_again(
    desk, people, filed, subs, archive, engine
):
    clerk = people["urbanism"]
    desk.assign(clerk, filed.filing_id)
    notice = desk.ask_citizen(clerk, filed.filing_id, "extrasul de carte funciară actualizat")
    assert notice.reply_link == "/depunere/completare?nr=1/02.03.2026"
    assert "http://127.0.0.1:5005/depunere/completare?nr=1/02.03.2026" in _mails(engine)[-1].body

    draft, _ = subs.add_document(None, "extras-nou.pdf", pdf_bytes("Extras CF"))
    with pytest.raises(SubmissionError) as wrong:
        subs.reply("1/02.03.2026", "AAAA-BBBB-CCCC", draft)
    assert wrong.value.code == "not_found"
    status = subs.reply("1/02.03.2026", filed.access_code, draft)
    assert status.status == "assigned"
    assert [d.role for d in desk.filing(clerk, filed.filing_id).documents] == ["document", "reply"]
    turn = archive.conversation("cerere-2026-1")[-1]
    assert turn.event == "filing_citizen_replied" and turn.extra["documents"][0]["name"] == "extras-nou.pdf"
    last = _mails(engine)[-1]
    assert last.to_address == "urbanism@primariamagurele.ro" and "extras-nou.pdf" in last.body

    again, _ = subs.add_document(None, "inca-unul.pdf", pdf_bytes())
    with pytest.raises(SubmissionError) as refused:
        subs.reply("1/02.03.2026", filed.access_code, again)
    assert refused.value.code == "not_waiting" and refused.value.status == 409
    assert len(subs.draft_documents(again)) == 1  # nothing moved
