"""forms_catalog/seal.py and the `fill` / `verify-pdf` / `seal-dev` commands: every filled PDF
is sealed (PAdES) under the city hall's key, and any later change is detected."""

import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import traceback
from pathlib import Path
from typing import Dict, Tuple

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from forms_catalog import load_catalog
from forms_catalog.__main__ import main
from forms_catalog.pki import create_dev_pki
from forms_catalog.seal import SEAL_FIELD, SealConfigError, load_seal, verify_seal
from tests.forms_catalog.seal_fixtures import (  # noqa: F401 - fixtures
    FORM_ID,
    PASSPHRASE,
    VALUES,
    cli_env,
    dev_pki,
    run_cli,
    seal_env,
    seal_env_of,
    seal_settings,
    sealed,
    signature_png,
)

PDFTOPPM = shutil.which("pdftoppm")
PDFSIG = shutil.which("pdfsig")
needs_poppler = pytest.mark.skipif(
    PDFTOPPM is None or PDFSIG is None,
    reason="poppler-utils (pdftoppm, pdfsig) is not installed, so the sealed PDF was NOT "
    "checked with poppler; `apt-get install poppler-utils` (CI does).",
)


def widget_rects(pdf: bytes) -> Dict[str, Tuple[float, float, float, float]]:
    """Field name → /Rect of its widget on page 1 (read with pypdf, not with our code)."""
    rects = {}
    for ref in PdfReader(io.BytesIO(pdf)).pages[0].get("/Annots", []):
        widget = ref.get_object()
        if "/T" in widget:
            rects[str(widget["/T"])] = tuple(float(v) for v in widget["/Rect"])
    return rects


def count_pixels(image: Image.Image, rect, page_height: float, scale: float, test) -> int:
    """Pixels inside ``rect`` (PDF points, origin bottom left) for which ``test`` holds."""
    x1, y1, x2, y2 = rect
    box = (
        int(x1 * scale) + 2,
        int((page_height - y2) * scale) + 2,
        int(x2 * scale) - 2,
        int((page_height - y1) * scale) - 2,
    )
    return sum(1 for pixel in image.convert("RGB").crop(box).getdata() if test(pixel))


def is_ink(pixel) -> bool:
    r, g, b = pixel
    return b > 110 and r < 90 and g < 110


def is_dark(pixel) -> bool:
    return max(pixel) < 110


# --- the happy path ---------------------------------------------------------------------


def test_fill_prints_the_sha256_of_the_file_it_wrote(sealed) -> None:
    digest = hashlib.sha256(sealed["pdf"]).hexdigest()
    assert f"sha256 {digest}" in sealed["stdout"]
    assert "PAdES B-B" in sealed["stdout"]


def test_verify_pdf_accepts_the_sealed_file(sealed, cli_env) -> None:
    result = run_cli(["verify-pdf", str(sealed["path"])], cli_env)
    assert result.returncode == 0, result.stderr
    assert "Sigiliu valid (PAdES B-B)" in result.stdout
    assert "Primăria Orașului Măgurele — sigiliu de TEST" in result.stdout
    assert "acoperă tot fișierul" in result.stdout


def test_sealed_file_keeps_the_values_and_the_fields(sealed) -> None:
    reader = PdfReader(io.BytesIO(sealed["pdf"]))
    fields = reader.get_fields()
    assert fields["nume_prenume"]["/V"] == "Ana Popescu"
    assert fields["telefon"]["/V"] == "0721234567"  # normalised by the shared validator
    assert fields["cnp"]["/V"] == VALUES["cnp"]
    assert fields["raspuns_email"]["/V"] != "/Off"
    # The form's own signature field stays empty, for the citizen's qualified signature.
    assert fields["semnatura"]["/FT"] == "/Sig" and "/V" not in fields["semnatura"]
    assert fields[SEAL_FIELD]["/FT"] == "/Sig" and "/V" in fields[SEAL_FIELD]


def test_the_seal_is_a_certification_that_still_allows_filling_and_signing(sealed) -> None:
    """DocMDP P=2 (read with pypdf): the citizen may still add a qualified signature."""
    root = PdfReader(io.BytesIO(sealed["pdf"])).trailer["/Root"]
    docmdp = root["/Perms"]["/DocMDP"].get_object()
    assert docmdp["/SubFilter"] == "/ETSI.CAdES.detached"
    reference = docmdp["/Reference"][0].get_object()
    assert reference["/TransformMethod"] == "/DocMDP"
    assert reference["/TransformParams"]["/P"] == 2


def test_without_seal_chain_the_intermediate_is_missing_and_the_seal_untrusted(seal_env) -> None:
    """SEAL_CHAIN is what lets a verifier that trusts only the root build the path."""
    from forms_catalog.pdf import fill_pdf

    pdf = fill_pdf(FORM_ID, VALUES)
    without = {k: v for k, v in seal_env.items() if k != "SEAL_CHAIN"}
    check = verify_seal(load_seal(without).seal_pdf(pdf), environ=seal_env)
    assert not check.ok and "nu provine de la o autoritate de încredere" in check.message
    assert verify_seal(load_seal(seal_env).seal_pdf(pdf), environ=seal_env).ok


@needs_poppler
def test_poppler_confirms_the_seal_covers_the_whole_file(sealed) -> None:
    """An independent PAdES implementation (poppler + NSS) checks the same file."""
    out = subprocess.run([PDFSIG, str(sealed["path"])], capture_output=True, text=True, timeout=60).stdout
    seal_part = out.split(f"Signature Field Name: {SEAL_FIELD}")[1]
    assert "Signature is Valid" in seal_part
    assert "Total document signed" in seal_part
    assert "ETSI.CAdES.detached" in seal_part  # PAdES, not adbe.pkcs7.detached


@needs_poppler
def test_poppler_renders_the_values_and_the_signature_image(sealed, tmp_path: Path) -> None:
    subprocess.run(
        [PDFTOPPM, "-r", "72", "-f", "1", "-l", "1", "-png", str(sealed["path"]), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    rects = widget_rects(sealed["pdf"])
    height = float(PdfReader(io.BytesIO(sealed["pdf"])).pages[0].mediabox.height)
    assert count_pixels(image, rects["semnatura"], height, 1.0, is_ink) > 150
    assert count_pixels(image, rects["nume_prenume"], height, 1.0, is_dark) > 40
    # The ink is only in the signature box: the name field has none.
    assert count_pixels(image, rects["nume_prenume"], height, 1.0, is_ink) == 0


def test_pdfium_renders_the_values_and_the_signature_image(sealed) -> None:
    """Chrome's PDF engine, with the form layer drawn as in the browser."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(sealed["pdf"])
    try:
        document.init_forms()
        page = document[0]
        image = page.render(scale=2, may_draw_forms=True).to_pil()
        height = page.get_height()
    finally:
        document.close()
    rects = widget_rects(sealed["pdf"])
    assert count_pixels(image, rects["semnatura"], height, 2.0, is_ink) > 600
    assert count_pixels(image, rects["nume_prenume"], height, 2.0, is_dark) > 150


# --- any change is detected -------------------------------------------------------------


def _byte_range(pdf: bytes) -> Tuple[int, int, int, int]:
    found = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert len(found) == 1, "expected exactly one signature (the seal)"
    return tuple(int(v) for v in found[0])  # type: ignore[return-value]


def _changed_in_value(pdf: bytes) -> int:
    position = pdf.index(b"(Ana Popescu)") + len(b"(Ana Popesc")
    assert pdf[position : position + 1] == b"u"
    return position


def _in_the_middle(pdf: bytes) -> int:
    return _byte_range(pdf)[1] // 2


def _in_the_signature(pdf: bytes) -> int:
    start = _byte_range(pdf)[1]
    return start + 1 + 300  # a hex digit inside the CMS, not in the zero padding after it


def _last_byte(pdf: bytes) -> int:
    return len(pdf) - 1


CHANGED = "Documentul a fost modificat după sigilare"


@pytest.mark.parametrize(
    "where, says",
    [
        (_changed_in_value, CHANGED),
        (_in_the_middle, CHANGED),
        (_last_byte, CHANGED),
        # Inside /Contents the CMS breaks: its certificates, its signature or its structure.
        (_in_the_signature, ""),
    ],
    ids=["value", "middle", "last_byte", "signature"],
)
def test_a_one_byte_change_fails_verify_pdf(where, says, sealed, cli_env, tmp_path: Path) -> None:
    pdf = bytearray(sealed["pdf"])
    position = where(sealed["pdf"])
    original = pdf[position]
    pdf[position] = original + 1 if original not in (0x39, 0x46, 0x66) else original - 1
    assert bytes(pdf) != sealed["pdf"] and len(pdf) == len(sealed["pdf"])
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(pdf))
    result = run_cli(["verify-pdf", str(changed)], cli_env)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert "Sigiliu valid" not in result.stdout + result.stderr
    assert str(changed) in result.stderr  # says which file and why
    assert says in result.stderr


def test_an_appended_update_that_changes_a_field_fails_verify_pdf(sealed, cli_env, tmp_path: Path) -> None:
    writer = PdfWriter(io.BytesIO(sealed["pdf"]), incremental=True)
    for ref in writer.pages[0]["/Annots"]:
        widget = ref.get_object()
        if widget.get("/T") == "nume_prenume":
            widget[NameObject("/V")] = TextStringObject("Maria Ionescu")
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(sealed["pdf"]) and len(updated) > len(sealed["pdf"])
    assert PdfReader(io.BytesIO(updated)).get_fields()["nume_prenume"]["/V"] == "Maria Ionescu"
    path = tmp_path / "updated.pdf"
    path.write_bytes(updated)
    result = run_cli(["verify-pdf", str(path)], cli_env)
    assert result.returncode == 1
    assert "nu mai acoperă tot fișierul" in result.stderr


def test_a_seal_from_an_untrusted_key_fails(seal_env, tmp_path: Path) -> None:
    """Re-sealing a changed file with another key must not pass for the city hall's seal."""
    from forms_catalog.seal import fill_and_seal

    other = create_dev_pki(tmp_path / "other", passphrase="alta-parola")
    forged = fill_and_seal(FORM_ID, VALUES, seal=load_seal(seal_env_of(other)))
    assert verify_seal(forged, environ=seal_env_of(other)).ok  # its own root trusts it
    check = verify_seal(forged, environ=seal_env)
    assert not check.ok
    assert "nu este al primăriei" in check.message


def _pki_files(directory: Path, root, seal, name: str) -> Dict[str, str]:
    from forms_catalog.pki import write_cert, write_key

    directory.mkdir(parents=True, exist_ok=True)
    return {
        "SEAL_KEY": str(write_key(directory / f"{name}-key.pem", seal.key, None)),
        "SEAL_CERT": str(write_cert(directory / f"{name}.pem", seal)),
        "SEAL_TRUST_ROOTS": str(write_cert(directory / "root.pem", root)),
    }


def test_a_seal_must_name_the_city_hall_not_just_chain_to_a_trusted_root(tmp_path) -> None:
    """A qualified provider's root also certifies citizens and other institutions."""
    from forms_catalog.pki import CITY_HALL, issue, new_root
    from forms_catalog.seal import fill_and_seal

    root = new_root("TEST Prestator Calificat")
    city_hall = issue(root, f"{CITY_HALL} — sigiliu", CITY_HALL, purpose="signing")
    renewed = issue(root, f"{CITY_HALL} — sigiliu", CITY_HALL, purpose="signing")
    someone = issue(root, "Altă Instituție — sigiliu", "Altă Instituție", purpose="signing")
    official = _pki_files(tmp_path, root, city_hall, "city-hall")

    by_someone = fill_and_seal(
        FORM_ID, VALUES, seal=load_seal(_pki_files(tmp_path, root, someone, "someone"))
    )
    check = verify_seal(by_someone, environ=official)
    assert not check.ok
    assert check.message == (
        "Sigiliul nu este al primăriei: documentul este sigilat de "
        "„Altă Instituție — sigiliu”, nu de „Primăria Orașului Măgurele "
        "— sigiliu”."
    )
    # A renewed certificate of the city hall (same subject, new key) still verifies.
    by_renewed = fill_and_seal(
        FORM_ID, VALUES, seal=load_seal(_pki_files(tmp_path, root, renewed, "renewed"))
    )
    assert verify_seal(by_renewed, environ=official).ok


def test_an_unsealed_file_and_a_non_pdf_fail(
    seal_settings, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from forms_catalog.pdf import fill_pdf

    unsealed = tmp_path / "unsealed.pdf"
    unsealed.write_bytes(fill_pdf(FORM_ID, VALUES))
    assert main(["verify-pdf", str(unsealed)]) == 1
    assert "nu are sigiliul primăriei" in capsys.readouterr().err
    text = tmp_path / "note.pdf"
    text.write_text("nu este un PDF", encoding="utf-8")
    assert main(["verify-pdf", str(text)]) == 1
    assert "nu este un PDF" in capsys.readouterr().err
    assert main(["verify-pdf", str(tmp_path / "missing.pdf")]) == 1
    assert "nu poate fi citit" in capsys.readouterr().err


@pytest.mark.parametrize("setting", ["SEAL_TRUST_ROOTS", "SEAL_CERT"])
def test_verify_pdf_without_a_setting_names_it(
    setting, sealed, seal_settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv(setting)
    assert main(["verify-pdf", str(sealed["path"])]) == 2
    assert f"{setting} is not set" in capsys.readouterr().err


# --- bad input: exit 2, the field named, nothing written -------------------------------


BAD_INPUTS = {
    "bad_cnp": ({**VALUES, "cnp": "2850315221141"}, "petitie: cnp: CNP: "),
    "bad_email": ({**VALUES, "email": "ana@"}, "petitie: email: E-mail: "),
    "bad_phone": ({**VALUES, "telefon": "12"}, "petitie: telefon: Telefon: "),
    "bad_date": ({**VALUES, "data_cererii": "31.02.2025"}, "petitie: data_cererii: Data: "),
    "unknown_field": ({**VALUES, "culoare": "verde"}, "petitie: culoare: "),
    "missing_required": (
        {k: v for k, v in VALUES.items() if k != "subiect"},
        "petitie: subiect: Pe scurt, despre ce este petiția: câmpul este obligatoriu.",
    ),
    "checkbox_not_yes_no": (
        {**VALUES, "raspuns_email": "poate"},
        "petitie: raspuns_email: Doresc răspunsul pe e-mail: ",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_fill_rejects_a_bad_value_naming_the_field(
    case, seal_settings, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    values, expected = BAD_INPUTS[case]
    values_file = tmp_path / "values.json"
    values_file.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.pdf"
    assert main(["fill", FORM_ID, "--values", str(values_file), "--out", str(out)]) == 2
    assert expected in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["values.json"]  # no file, no temp


def test_fill_rejects_a_bad_signature_image(
    seal_settings, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    values_file = tmp_path / "values.json"
    values_file.write_text(json.dumps(VALUES), encoding="utf-8")
    for name, data in [
        ("fake.png", b"GIF89a not a png"),
        ("cut.png", signature_png()[:200]),
        ("empty.png", b""),
    ]:
        image = tmp_path / name
        image.write_bytes(data)
        out = tmp_path / "out.pdf"
        assert (
            main(
                ["fill", FORM_ID, "--values", str(values_file), "--out", str(out), "--signature", str(image)]
            )
            == 2
        )
        assert "petitie: semnatura: Semnătura: imaginea semnăturii" in capsys.readouterr().err
        assert not out.exists()


def test_fill_rejects_an_unknown_form_and_bad_json_as_a_real_process(cli_env, tmp_path: Path) -> None:
    values_file = tmp_path / "values.json"
    values_file.write_text(json.dumps(VALUES), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = run_cli(
        ["fill", "certificat_inexistent", "--values", str(values_file), "--out", str(out)], cli_env
    )
    assert result.returncode == 2
    assert "Formularul „certificat_inexistent” nu există în catalog" in result.stderr
    values_file.write_text('{"cnp": ', encoding="utf-8")
    result = run_cli(["fill", FORM_ID, "--values", str(values_file), "--out", str(out)], cli_env)
    assert result.returncode == 2
    assert "nu este JSON valid" in result.stderr
    values_file.write_text('["Ana"]', encoding="utf-8")
    result = run_cli(["fill", FORM_ID, "--values", str(values_file), "--out", str(out)], cli_env)
    assert result.returncode == 2 and "obiect JSON" in result.stderr
    assert not out.exists()


def test_fill_refuses_an_output_in_a_missing_directory_or_a_directory(
    seal_settings, tmp_path, capsys
) -> None:
    values_file = tmp_path / "values.json"
    values_file.write_text(json.dumps(VALUES), encoding="utf-8")
    assert (
        main(["fill", FORM_ID, "--values", str(values_file), "--out", str(tmp_path / "lipsa" / "out.pdf")])
        == 2
    )
    assert "nu există" in capsys.readouterr().err
    assert main(["fill", FORM_ID, "--values", str(values_file), "--out", str(tmp_path)]) == 2
    assert "este un director" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["values.json"]


def test_an_existing_output_is_left_alone_on_bad_input(seal_settings, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    out.write_bytes(b"previous")
    values_file = tmp_path / "values.json"
    values_file.write_text(json.dumps({**VALUES, "cnp": "123"}), encoding="utf-8")
    assert main(["fill", FORM_ID, "--values", str(values_file), "--out", str(out)]) == 2
    assert out.read_bytes() == b"previous"


# --- settings and the passphrase --------------------------------------------------------


@pytest.mark.parametrize("setting", ["SEAL_KEY", "SEAL_CERT"])
def test_a_missing_setting_is_an_error_naming_it(setting, seal_env) -> None:
    env = {k: v for k, v in seal_env.items() if k != setting}
    with pytest.raises(SealConfigError, match=f"^{setting} is not set"):
        load_seal(env)


def test_an_encrypted_key_without_passphrase_names_the_setting(seal_env) -> None:
    env = {k: v for k, v in seal_env.items() if k != "SEAL_KEY_PASSPHRASE"}
    with pytest.raises(SealConfigError, match="SEAL_KEY_PASSPHRASE is not set"):
        load_seal(env)


def test_a_certificate_of_another_key_is_refused(seal_env, tmp_path: Path) -> None:
    other = create_dev_pki(tmp_path / "other", passphrase="x-y-z-other")
    with pytest.raises(SealConfigError, match="SEAL_KEY and SEAL_CERT do not match"):
        load_seal({**seal_env, "SEAL_CERT": str(other.cert)})


def _everything_said(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)) + repr(error)


def test_the_passphrase_never_appears_in_errors_or_logs(seal_env, caplog: pytest.LogCaptureFixture) -> None:
    wrong = "Wq4-gresita-NU-APARE-77"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SealConfigError) as raised:
        load_seal({**seal_env, "SEAL_KEY_PASSPHRASE": wrong})
    said = _everything_said(raised.value)
    assert "SEAL_KEY_PASSPHRASE" in said  # the setting is named …
    assert wrong not in said and PASSPHRASE not in said  # … its value never
    assert raised.value.__cause__ is None and raised.value.__suppress_context__

    seal = load_seal(seal_env)  # the right one: sealing logs nothing secret either
    from forms_catalog.seal import fill_and_seal

    fill_and_seal(FORM_ID, VALUES, seal=seal)
    assert PASSPHRASE not in repr(seal) and PASSPHRASE not in str(vars(seal))
    assert caplog.records  # something was logged at DEBUG, so the check below can fail
    assert PASSPHRASE not in caplog.text and wrong not in caplog.text


def test_a_wrong_passphrase_in_a_real_process_is_not_printed(cli_env, sealed, tmp_path: Path) -> None:
    wrong = "Wq4-gresita-NU-APARE-88"
    out = tmp_path / "out.pdf"
    result = run_cli(
        ["fill", FORM_ID, "--values", str(sealed["values"]), "--out", str(out)],
        {**cli_env, "SEAL_KEY_PASSPHRASE": wrong, "PYTHONVERBOSE": "0"},
    )
    assert result.returncode == 2
    assert "SEAL_KEY_PASSPHRASE" in result.stderr
    assert wrong not in result.stderr + result.stdout
    assert PASSPHRASE not in result.stderr + result.stdout
    assert not out.exists()


# --- the development PKI ----------------------------------------------------------------


def test_seal_dev_makes_a_working_test_seal_and_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    directory = tmp_path / "seal"
    assert main(["seal-dev", "--out", str(directory)]) == 0
    env_file = directory / "seal.env"
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    assert oct((directory / "seal-key.pem").stat().st_mode & 0o777) == "0o600"
    assert b"ENCRYPTED PRIVATE KEY" in (directory / "seal-key.pem").read_bytes()
    env = dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if line and not line.startswith("#")
    )
    assert set(env) == {"SEAL_KEY", "SEAL_CERT", "SEAL_CHAIN", "SEAL_TRUST_ROOTS", "SEAL_KEY_PASSPHRASE"}
    first = env_file.read_bytes()
    assert main(["seal-dev", "--out", str(directory)]) == 0  # kept, not replaced
    assert env_file.read_bytes() == first
    assert "exists" in capsys.readouterr().out
    from forms_catalog.pdf import fill_pdf

    sealed_pdf = load_seal(env).seal_pdf(fill_pdf(FORM_ID, VALUES))
    assert verify_seal(sealed_pdf, environ=env).ok
    assert main(["seal-dev", "--out", str(directory), "--force"]) == 0
    assert env_file.read_bytes() != first


def test_sealing_twice_is_refused(seal_env, sealed) -> None:
    with pytest.raises(ValueError, match="are deja sigiliul"):
        load_seal(seal_env).seal_pdf(sealed["pdf"])


# --- PAdES B-T: with a time-stamping authority ------------------------------------------


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory):
    """A local TSA under its own test root; yields (server, path of that root)."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
    from pyhanko.sign.timestamps import DummyTimeStamper

    from forms_catalog.pki import issue, new_root, write_cert
    from tests.forms_catalog.tsa_server import serve

    root = new_root("e-funcționar TEST TSA Root")
    # pyHanko's DummyTimeStamper signs with RSA only.
    unit = issue(root, "e-funcționar TEST TSA", "e-funcționar TEST PKI", purpose="tsa", kind="rsa")
    root_file = write_cert(tmp_path_factory.mktemp("tsa") / "tsa-root.pem", root)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(unit.cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=translate_pyca_cryptography_key_to_asn1(unit.key),
    )
    for server in serve(stamper):
        yield server, root_file


def test_with_a_tsa_the_seal_is_pades_b_t(tsa, sealed, cli_env, tmp_path: Path) -> None:
    server, tsa_root = tsa
    env = {
        **cli_env,
        "SEAL_TSA_URL": server.url,
        "SEAL_TRUST_ROOTS": f"{cli_env['SEAL_TRUST_ROOTS']}{os.pathsep}{tsa_root}",
    }
    out = tmp_path / "bt.pdf"
    before = len(server.requests)
    result = run_cli(["fill", FORM_ID, "--values", str(sealed["values"]), "--out", str(out)], env)
    assert result.returncode == 0, result.stderr
    assert "PAdES B-T" in result.stdout
    # pyHanko asks once for a dummy token (to size the signature), then for the real one.
    assert set(server.requests[before:]) == {"application/timestamp-query"}
    verified = run_cli(["verify-pdf", str(out)], env)
    assert verified.returncode == 0, verified.stderr
    assert "Sigiliu valid (PAdES B-T)" in verified.stdout
    # A time-stamp from a TSA the city hall does not trust is not accepted.
    untrusted = run_cli(["verify-pdf", str(out)], cli_env)
    assert untrusted.returncode == 1
    assert "Marca temporală" in untrusted.stderr


def test_an_unreachable_tsa_fails_fill_and_writes_nothing(sealed, cli_env, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out.pdf"
    result = run_cli(
        ["fill", FORM_ID, "--values", str(sealed["values"]), "--out", str(out)],
        {**cli_env, "SEAL_TSA_URL": f"http://127.0.0.1:{port}/tsa"},
    )
    assert result.returncode == 2
    assert "SEAL_TSA_URL" in result.stderr and "did not answer" in result.stderr
    assert not out.exists()


# --- every form of the catalog ----------------------------------------------------------

SAMPLES = {
    "cnp": "1800101221144",
    "email": "ana@exemplu.ro",
    "phone": "0721234567",
    "postal_code": "077125",
    "cadastral_number": "51234",
    "iban": "RO49AAAA1B31007593840000",
    "vin": "WVWZZZ1JZXW000001",
    "integer": "3",
    "amount": "100",
}


def _required_values(form) -> Dict[str, object]:
    values: Dict[str, object] = {}
    for field in form.fields:
        if not field.required:
            continue
        if field.type == "checkbox":
            values[field.name] = True
        elif field.type == "date":
            values[field.name] = "05.03.2025"
        else:
            values[field.name] = SAMPLES.get(field.validator or "", "Țară")
    return values


@pytest.mark.parametrize("form_id", sorted(load_catalog().forms))
def test_every_form_fills_stamps_and_seals(form_id, seal_env, catalog) -> None:
    from forms_catalog.seal import fill_and_seal

    assert len(catalog.forms) == 19  # an empty parametrisation would test nothing
    form = catalog.get(form_id)
    pdf = fill_and_seal(
        form_id, _required_values(form), signature_png(), seal=load_seal(seal_env), catalog=catalog
    )
    check = verify_seal(pdf, environ=seal_env)
    assert check.ok, check.message
    reader = PdfReader(io.BytesIO(pdf))
    fields = reader.get_fields()
    assert SEAL_FIELD in fields and "/V" not in fields["semnatura"]
    # The image went onto the page that holds the signature box (one image XObject there).
    pages_with_images = [
        index
        for index, page in enumerate(reader.pages)
        if any(
            xobject.get_object().get("/Subtype") == "/Image"
            for xobject in page["/Resources"].get("/XObject", {}).values()
        )
    ]
    signature_page = next(
        index
        for index, page in enumerate(reader.pages)
        for ref in page.get("/Annots", [])
        if ref.get_object().get("/T") == "semnatura"
    )
    assert pages_with_images == [signature_page]
