"""The citizen's files: checked by content, limited, images stripped of their metadata."""

import io

import pytest
from PIL import Image

from submissions.attachments import clean_file, safe_name
from submissions.errors import SubmissionError
from tests.submissions.conftest import jpeg, pdf_bytes, png

# The first bytes of a Windows program (MZ header and the DOS stub's message).
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"This program cannot be run in DOS mode.\r\n" * 20
)


def _gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "TelefonulMeu"  # Make
    gps = {1: "N", 2: (44.0, 21.0, 3.5), 3: "E", 4: (26.0, 5.0, 12.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif.tobytes()


def test_a_renamed_exe_is_refused_by_its_content_in_romanian():
    with pytest.raises(SubmissionError) as refused:
        clean_file("buletin.jpg", EXE)
    assert refused.value.code == "bad_type"
    assert refused.value.status == 415
    assert "am verificat conținutul, nu numele fișierului" in refused.value.message


def test_a_30_mb_file_is_refused_with_413():
    with pytest.raises(SubmissionError) as refused:
        clean_file("scan.pdf", b"%PDF-1.7\n" + b"0" * (30 * 1024 * 1024))
    assert refused.value.status == 413
    assert refused.value.message.startswith("Fișierul depășește 10 MB")


def test_heic_is_refused_with_how_to_send_it_instead():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    with pytest.raises(SubmissionError) as refused:
        clean_file("IMG_0001.HEIC", heic)
    assert refused.value.code == "heic_unsupported"
    assert "„Cel mai compatibil”" in refused.value.message


def test_the_gps_position_and_the_camera_are_gone_from_a_photo():
    original = jpeg(exif=_gps_exif())
    assert 0x8825 in Image.open(io.BytesIO(original)).getexif()  # the test photo has GPS
    kept = clean_file("groapa.jpeg", original)
    exif = Image.open(io.BytesIO(kept.data)).getexif()
    assert 0x8825 not in exif and 0x010F not in exif
    assert b"TelefonulMeu" not in kept.data
    assert kept.content_type == "image/jpeg" and kept.name == "groapa.jpg"


def test_a_photo_taken_sideways_is_kept_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    kept = clean_file("poza.jpg", jpeg(64, 48, exif=exif.tobytes()))
    assert Image.open(io.BytesIO(kept.data)).size == (48, 64)


def test_a_png_with_a_jpg_name_is_a_png():
    kept = clean_file("captura.jpg", png())
    assert kept.content_type == "image/png" and kept.name == "captura.png"


def test_a_pdf_is_kept_byte_for_byte():
    original = pdf_bytes()
    kept = clean_file("act.pdf", original)
    assert kept.data == original and kept.content_type == "application/pdf"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"%PDF-1.4\nnot really a pdf", "bad_pdf"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "bad_image"),
        (b"", "empty_file"),
    ],
)
def test_broken_files_get_a_clear_refusal(data, code):
    with pytest.raises(SubmissionError) as refused:
        clean_file("x.pdf", data)
    assert refused.value.code == code
    assert refused.value.message


def test_names_lose_paths_and_odd_characters():
    assert safe_name("C:\\Users\\ana\\<script>act.pdf", "application/pdf") == "script_act.pdf"
    assert safe_name("../../etc/passwd", "image/png") == "passwd.png"
    assert safe_name("Cerere semnată.PDF", "application/pdf") == "Cerere semnată.pdf"
    assert len(safe_name("a" * 500 + ".jpg", "image/jpeg")) == 104
