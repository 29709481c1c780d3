"""forms_catalog/signatures.py: a PDF the citizen signed (electronic ID card, cloud signature)
is validated against the configured trust roots: valid, invalid, unknown signer, unsigned.

The test PKI: a "qualified" root the city hall trusts, issuing the citizen's certificate,
and a root nobody configured, issuing a stranger's. The citizen signs the sealed form in its
own /Sig field with pyHanko, as a signing app would.
"""

import io
from pathlib import Path
from typing import Dict
from zoneinfo import ZoneInfo

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from forms_catalog.pki import Issued, issue, new_root, write_cert
from forms_catalog.seal import load_seal, verify_seal
from forms_catalog.signatures import SignatureCheck, Verdict, check_citizen_signature
from forms_catalog.trust import SealConfigError
from tests.forms_catalog.seal_fixtures import (  # noqa: F401 - fixtures
    FORM_ID,
    VALUES,
    dev_pki,
    seal_env,
)

CITIZEN = "Ana Popescu"
STRANGER = "Ion Necunoscut"


def asn1(issued: Issued) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(issued.cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="session")
def pki() -> Dict[str, Issued]:
    trusted_root = new_root("TEST Prestator Calificat Root CA")
    trusted_ca = issue(trusted_root, "TEST Prestator Calificat CA", "TEST Prestator", purpose="ca")
    untrusted_root = new_root("TEST Root Necunoscut")
    return {
        "trusted_root": trusted_root,
        "trusted_ca": trusted_ca,
        "citizen": issue(trusted_ca, CITIZEN, "Persoană fizică", purpose="signing"),
        "untrusted_root": untrusted_root,
        "stranger": issue(untrusted_root, STRANGER, "Persoană fizică", purpose="signing"),
    }


def sign_as(pdf: bytes, person: Issued, *chain: Issued, field: str = "semnatura", timestamper=None) -> bytes:
    """Sign ``pdf`` in the form's own /Sig field, as the citizen's signing app would
    (or in a new ``field``)."""
    registry = SimpleCertificateStore()
    registry.register_multiple([asn1(c) for c in chain])
    signer = signers.SimpleSigner(
        signing_cert=asn1(person),
        signing_key=translate_pyca_cryptography_key_to_asn1(person.key),
        cert_registry=registry,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(
        writer, meta, signer=signer, timestamper=timestamper, existing_fields_only=field == "semnatura"
    ).getvalue()


@pytest.fixture(scope="session")
def sealed_form(seal_env) -> bytes:
    from forms_catalog.seal import fill_and_seal

    return fill_and_seal(FORM_ID, VALUES, seal=load_seal(seal_env))


@pytest.fixture(scope="session")
def citizen_signed(sealed_form, pki) -> bytes:
    return sign_as(sealed_form, pki["citizen"], pki["trusted_ca"])


def trusted(pki):
    return [asn1(pki["trusted_root"])]


def assert_clear_romanian(check: SignatureCheck) -> None:
    assert check.message.endswith(".")
    assert not set("şţŞŢ") & set(check.message)  # comma-below ș ț only


def test_a_citizen_signature_from_a_trusted_provider_is_valid(citizen_signed, pki) -> None:
    check = check_citizen_signature(citizen_signed, trusted(pki))
    assert check.verdict is Verdict.VALID and check.valid
    assert check.signer == CITIZEN
    assert check.signed_at is not None and not check.timestamped
    assert f"semnat de „{CITIZEN}”" in check.message
    assert_clear_romanian(check)


def test_a_signature_under_an_unknown_root_is_an_unknown_signer(sealed_form, pki) -> None:
    signed = sign_as(sealed_form, pki["stranger"])
    check = check_citizen_signature(signed, trusted(pki))
    assert check.verdict is Verdict.UNKNOWN_SIGNER and not check.valid
    assert check.signer == STRANGER
    assert "nu poate fi confirmat" in check.message
    assert_clear_romanian(check)
    # The same file is valid for a city hall that trusts that root: the verdict is the
    # trust configuration's, not the signature's.
    assert check_citizen_signature(signed, [asn1(pki["untrusted_root"])]).valid


def test_a_one_byte_change_after_signing_is_invalid(citizen_signed, pki) -> None:
    position = citizen_signed.index(b"(Ana Popescu)") + 1
    tampered = bytearray(citizen_signed)
    tampered[position] = ord("E")  # "Ana" → "Ena", same length
    check = check_citizen_signature(bytes(tampered), trusted(pki))
    assert check.verdict is Verdict.INVALID
    assert "modificat după semnare" in check.message
    assert_clear_romanian(check)


def test_a_field_changed_in_an_appended_update_is_invalid(citizen_signed, pki) -> None:
    writer = PdfWriter(io.BytesIO(citizen_signed), incremental=True)
    for ref in writer.pages[0]["/Annots"]:
        widget = ref.get_object()
        if widget.get("/T") == "cnp":
            widget[NameObject("/V")] = TextStringObject("1800101221144")
    out = io.BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert changed.startswith(citizen_signed)
    assert PdfReader(io.BytesIO(changed)).get_fields()["cnp"]["/V"] == "1800101221144"
    check = check_citizen_signature(changed, trusted(pki))
    assert check.verdict is Verdict.INVALID
    assert "modificat după semnare" in check.message


def test_the_last_signature_is_the_one_judged(citizen_signed, pki) -> None:
    """Someone unknown signing after the citizen is what the clerk must hear about."""
    cosigned = sign_as(citizen_signed, pki["stranger"], field="semnatura_2")
    check = check_citizen_signature(cosigned, trusted(pki))
    assert check.verdict is Verdict.UNKNOWN_SIGNER and check.signer == STRANGER


def test_a_time_stamp_counts_only_from_a_trusted_tsa(sealed_form, pki) -> None:
    import datetime as dt

    from pyhanko.sign.timestamps import DummyTimeStamper

    tsa_root = new_root("TEST TSA Root", kind="rsa")
    unit = issue(tsa_root, "TEST TSA", "TEST Prestator", purpose="tsa", kind="rsa")
    # Within the test certificates' validity (they start an hour ago).
    moment = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    stamper = DummyTimeStamper(
        tsa_cert=asn1(unit), fixed_dt=moment, tsa_key=translate_pyca_cryptography_key_to_asn1(unit.key)
    )
    signed = sign_as(sealed_form, pki["citizen"], pki["trusted_ca"], timestamper=stamper)

    with_tsa = check_citizen_signature(signed, trusted(pki) + [asn1(tsa_root)])
    assert with_tsa.valid and with_tsa.timestamped and with_tsa.signed_at == moment
    in_romania = moment.astimezone(ZoneInfo("Europe/Bucharest"))  # the clerk's time
    assert (
        f"la {in_romania.day:02d}.{in_romania.month:02d}.{in_romania.year}, "
        f"{in_romania.hour:02d}:{in_romania.minute:02d} (ora României)"
    ) in with_tsa.message
    # A TSA nobody configured: still the citizen's valid signature, but the time is only
    # what the signer's computer claimed.
    without = check_citizen_signature(signed, trusted(pki))
    assert without.valid and not without.timestamped and without.signed_at != moment


def test_a_file_with_only_the_seal_is_unsigned(sealed_form, pki) -> None:
    check = check_citizen_signature(sealed_form, trusted(pki))
    assert check.verdict is Verdict.UNSIGNED
    assert "nu este semnat electronic de solicitant" in check.message


def test_a_non_pdf_is_invalid_with_a_reason(pki) -> None:
    check = check_citizen_signature(b"GIF89a...", trusted(pki))
    assert check.verdict is Verdict.INVALID and "nu este un PDF" in check.message
    check = check_citizen_signature(b"%PDF-1.7\n garbage", trusted(pki))
    assert check.verdict in (Verdict.INVALID, Verdict.UNSIGNED)


def test_the_seal_no_longer_covers_a_file_the_citizen_signed(citizen_signed, seal_env) -> None:
    """Documented behaviour: verify-pdf is about the file as the city hall sealed it."""
    check = verify_seal(citizen_signed, environ=seal_env)
    assert not check.ok and "nu mai acoperă tot fișierul" in check.message


def test_trust_roots_come_from_the_setting(citizen_signed, pki, tmp_path: Path) -> None:
    roots = tmp_path / "roots"
    roots.mkdir()
    write_cert(roots / "prestator.pem", pki["trusted_root"])
    env = {"CITIZEN_SIGNATURE_TRUST_ROOTS": str(roots)}
    assert check_citizen_signature(citizen_signed, environ=env).valid
    with pytest.raises(SealConfigError, match="CITIZEN_SIGNATURE_TRUST_ROOTS is not set"):
        check_citizen_signature(citizen_signed, environ={})
    (roots / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nnu\n-----END CERTIFICATE-----\n")
    with pytest.raises(SealConfigError, match="CITIZEN_SIGNATURE_TRUST_ROOTS: .*broken.pem"):
        check_citizen_signature(citizen_signed, environ=env)
