"""The citizen's own signed PDF as a filing's document: the verdict of
forms_catalog.signatures.check_citizen_signature is kept and shown to the clerk."""

import pytest

from forms_catalog.pki import write_cert
from submissions.errors import SubmissionError
from tests.forms_catalog.test_signatures import citizen_signed, pki, sealed_form, sign_as  # noqa: F401
from tests.submissions.conftest import jpeg, pdf_bytes


@pytest.fixture
def trusted_roots(pki, tmp_path, monkeypatch):  # noqa: F811
    path = write_cert(tmp_path / "roots.pem", pki["trusted_root"])
    monkeypatch.setenv("CITIZEN_SIGNATURE_TRUST_ROOTS", str(path))
    return path


def _verdict(subs, pdf):
    _, document = subs.add_document(None, "cerere-semnata.pdf", pdf, signed_form=True)
    return document.signature_verdict, document.signature_message


def test_a_valid_signature_of_a_trusted_provider_is_shown_as_valid(subs, citizen_signed, trusted_roots):  # noqa: F811
    verdict, message = _verdict(subs, citizen_signed)
    assert verdict == "valid" and message


def test_a_signature_of_an_unknown_provider_is_an_unknown_signer(subs, sealed_form, pki, trusted_roots):  # noqa: F811
    verdict, _ = _verdict(subs, sign_as(sealed_form, pki["stranger"], pki["untrusted_root"]))
    assert verdict == "unknown_signer"


def test_a_document_changed_after_signing_is_invalid(subs, citizen_signed, trusted_roots):  # noqa: F811
    changed = citizen_signed.replace(b"Ana Popescu", b"Ana Popescx", 1)
    assert changed != citizen_signed
    verdict, _ = _verdict(subs, changed)
    assert verdict == "invalid"


def test_without_trust_roots_an_unsigned_pdf_is_still_told_as_unsigned(subs, monkeypatch):
    monkeypatch.delenv("CITIZEN_SIGNATURE_TRUST_ROOTS", raising=False)
    verdict, message = _verdict(subs, pdf_bytes())
    assert verdict == "unsigned" and message == "Documentul nu este semnat electronic de solicitant."


def test_without_trust_roots_a_signature_is_an_unknown_signer_with_the_reason(
    subs, citizen_signed, monkeypatch
):  # noqa: F811
    monkeypatch.delenv("CITIZEN_SIGNATURE_TRUST_ROOTS", raising=False)
    verdict, message = _verdict(subs, citizen_signed)
    assert verdict == "unknown_signer" and "CITIZEN_SIGNATURE_TRUST_ROOTS" in message


def test_the_signed_form_must_be_a_pdf(subs):
    with pytest.raises(SubmissionError) as refused:
        subs.add_document(None, "cerere.jpg", jpeg(), signed_form=True)
    assert refused.value.code == "not_a_pdf"


def test_the_clerk_sees_the_verdict(subs, desk, citizen_signed, trusted_roots, accounts, engine, clock):  # noqa: F811
    from storage import db

    draft, _ = subs.add_document(None, "cerere-semnata.pdf", citizen_signed, signed_form=True)
    filed = subs.file(draft, "petitie", name="Ana Popescu", email="ana@exemplu.ro")
    with db.write_transaction(engine) as conn:
        clerk = accounts.create(
            conn, "ana.rp", "parola-lunga-de-test", "clerk", "Ana", clock(), department="registratura"
        )
    (document,) = desk.filing(clerk, filed.filing_id).documents
    assert document.role == "signed_form" and document.signature_verdict == "valid"
