"""Filing a request: documents of a draft, registration, sealed receipt, archive, status."""

import datetime as dt
import hashlib
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from forms_catalog.seal import verify_seal
from submissions.errors import SubmissionError, UnknownFiling
from submissions.filings import Submissions
from tests.submissions.conftest import jpeg, pdf_bytes

CITIZEN = dict(name="Ana Popescu", email="ana.popescu@exemplu.ro", phone="0721 234 567")


def _two_documents(subs):
    draft, first = subs.add_document(
        None, "buletin.jpg", jpeg(), requirement=0, form_id="certificat_urbanism"
    )
    _, second = subs.add_document(
        draft, "extras CF.pdf", pdf_bytes(), requirement=1, form_id="certificat_urbanism"
    )
    return draft, [first, second]


def _count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()


def test_a_filing_gets_the_number_of_the_day_a_receipt_and_its_hashes_in_the_archive(
    subs, archive, seal_env, engine
):
    draft, documents = _two_documents(subs)
    filed = subs.file(draft, "certificat_urbanism", **CITIZEN)

    assert filed.registration_no == "1/02.03.2026"
    assert filed.due_on == dt.date(2026, 4, 1)  # 30 days, a Wednesday
    assert [d.sha256 for d in filed.documents] == [d.sha256 for d in documents]

    name, receipt = subs.download(filed.receipt_token, "receipt")
    assert hashlib.sha256(receipt).hexdigest() == filed.receipt_sha256
    check = verify_seal(receipt, seal_env)
    assert check.ok, check.message
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt)).pages)
    for expected in (
        "1/02.03.2026",
        "02.03.2026, 10:30",
        "Certificat de urbanism",
        "01.04.2026",
        filed.access_code,
    ):
        assert expected in text
    for document in documents:
        assert document.sha256[:32] in text.replace("\n", "")

    (turn,) = archive.conversation("cerere-2026-1")
    assert turn.event == "filing_registered" and turn.speaker == "system"
    assert turn.extra["registration_no"] == "1/02.03.2026"
    assert [d["sha256"] for d in turn.extra["documents"]] == [d.sha256 for d in documents]
    assert turn.extra["receipt_sha256"] == filed.receipt_sha256
    assert archive.verify().ok

    with engine.connect() as conn:
        mails = conn.execute(sa.text("SELECT to_address, subject FROM outbox ORDER BY id")).all()
        stored_hash = conn.execute(sa.text("SELECT access_hash FROM submissions")).scalar()
    assert [m.to_address for m in mails] == ["urbanism@primariamagurele.ro", "ana.popescu@exemplu.ro"]
    assert "1/02.03.2026" in mails[0].subject
    assert filed.access_code not in stored_hash and filed.access_code.replace("-", "") not in stored_hash


def test_the_status_needs_the_number_and_the_access_code(subs):
    draft, _ = _two_documents(subs)
    filed = subs.file(draft, "certificat_urbanism", **CITIZEN)

    status = subs.status(" 1 / 2.03.2026 ", filed.access_code.lower())
    assert status.status == "new" and status.status_name.startswith("înregistrată")
    assert status.due_on == dt.date(2026, 4, 1)

    refusals = []
    for number, code in [
        ("1/02.03.2026", "AAAA-BBBB-CCCC"),  # wrong code
        ("2/02.03.2026", filed.access_code),  # unknown number
        ("1/03.03.2026", filed.access_code),  # another day
        ("nu știu", filed.access_code),
        ("1/02.03.2026", ""),
    ]:
        with pytest.raises(UnknownFiling) as refused:
            subs.status(number, code)
        refusals.append(refused.value.message)
    assert len(set(refusals)) == 1
    assert refusals[0].startswith("Nu am găsit o cerere cu acest număr și acest cod de acces.")
    assert "Certificat" not in refusals[0]


def test_the_checklist_shows_which_required_documents_are_attached(subs):
    draft, _ = _two_documents(subs)
    checklist = subs.checklist("certificat_urbanism", draft)
    assert checklist[0] == ("Cererea-tip F.1 completată", ["buletin.jpg"])
    assert checklist[1][1] == ["extras CF.pdf"]
    assert all(names == [] for _, names in checklist[2:])
    assert len(checklist) == 5


def test_fifty_files_stop_at_the_limit_and_nothing_more_is_stored(subs, engine):
    draft, _ = subs.add_document(None, "p0.jpg", jpeg())
    refused = []
    for index in range(1, 50):
        try:
            subs.add_document(draft, f"p{index}.jpg", jpeg())
        except SubmissionError as error:
            refused.append(error)
    assert len(refused) == 40
    assert {e.code for e in refused} == {"too_many_files"} and refused[0].status == 413
    assert refused[0].message.startswith("O cerere poate avea cel mult 10 documente.")
    assert _count(engine, "submission_files") == 10


def test_bad_files_store_nothing(subs, engine):
    for name, data in [
        ("buletin.jpg", b"MZ\x90\x00" + b"\x00" * 400),
        ("mare.pdf", b"%PDF-" + b"0" * (30 << 20)),
    ]:
        with pytest.raises(SubmissionError):
            subs.add_document(None, name, data)
    with pytest.raises(SubmissionError) as unknown:
        subs.add_document("nu-exista-acest-draft", "a.jpg", jpeg())
    assert unknown.value.code == "unknown_draft"
    assert _count(engine, "submission_files") == 0


@pytest.mark.parametrize(
    "contact, code",
    [
        (dict(name="A", email="a@exemplu.ro"), "name_needed"),
        (dict(name="Ana Pop"), "contact_needed"),
        (dict(name="Ana Pop", email="ana@"), "bad_email"),
        (dict(name="Ana Pop", phone="123"), "bad_phone"),
    ],
)
def test_a_bad_contact_is_refused_and_nothing_is_filed(subs, engine, contact, code):
    draft, _ = _two_documents(subs)
    with pytest.raises(SubmissionError) as refused:
        subs.file(draft, "certificat_urbanism", **contact)
    assert refused.value.code == code
    assert _count(engine, "submissions") == 0 and _count(engine, "submission_counters") == 0
    assert len(subs.draft_documents(draft)) == 2  # the draft is kept for another try


def test_without_a_seal_nothing_is_filed(engine, clock):
    subs = Submissions(engine, seal=None, clock=clock)
    draft, _ = subs.add_document(None, "a.jpg", jpeg())
    with pytest.raises(SubmissionError) as refused:
        subs.file(draft, "petitie", **CITIZEN)
    assert refused.value.code == "no_seal" and "registratură" in refused.value.message
    assert _count(engine, "submissions") == 0


def test_a_message_alone_is_a_petition_with_thirty_days(subs):
    filed = subs.file(
        None, "petitie", name="Ion Ionescu", phone="0721234567", message="Vă rog să mă sunați despre taxe."
    )
    assert filed.documents == [] and filed.due_on == dt.date(2026, 4, 1)


def test_the_receipt_link_expires_and_its_bytes_are_forgotten(subs, clock, engine):
    draft, _ = _two_documents(subs)
    filed = subs.file(draft, "certificat_urbanism", **CITIZEN)
    clock.advance(hours=25)
    assert subs.download(filed.receipt_token, "receipt") is None
    assert subs.forget_expired() == 1
    with engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT data FROM submission_files WHERE role = 'receipt'")).scalar() is None
        )
    assert subs.download("x" * 32, "receipt") is None
