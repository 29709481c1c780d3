"""forms_catalog/stamp.py and check_values: the signature image and every error at once."""

import io

import pytest
from PIL import Image

from forms_catalog import FieldValidationError
from forms_catalog.pdf import check_values
from forms_catalog.stamp import check_signature_image, typed_signature_png


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_check_values_reports_every_problem_at_once(catalog) -> None:
    cleaned, errors = check_values(
        "petitie",
        {
            "nume_prenume": "Ana 中文",
            "cnp": "1800101221145",
            "telefon": "0721 234 567",
            "email": "ana@",
            "necunoscut": "x",
            "declaratie_corectitudine": False,
        },
        catalog,
    )
    assert errors == {
        "necunoscut": "Formularul „Petiție” nu are câmpul „necunoscut”.",
        "nume_prenume": "Nume și prenume: caracterele „中”, „文” nu pot fi scrise în formular.",
        "cnp": "CNP: Cifra de control a CNP-ului (ultima cifră) nu este corectă; verificați CNP-ul.",
        "domiciliu": "Domiciliul (localitate, stradă, număr, bloc, scară, apartament): câmpul este obligatoriu.",
        "email": "E-mail: Adresa de e-mail nu este validă (exemplu: nume@exemplu.ro).",
        "subiect": "Pe scurt, despre ce este petiția: câmpul este obligatoriu.",
        "continut": "Conținutul petiției: câmpul este obligatoriu.",
        "declaratie_corectitudine": "Bifați căsuța „Declar pe propria răspundere, cunoscând prevederile art.…”: este obligatorie.",
        "data_cererii": "Data: câmpul este obligatoriu.",
    }
    assert cleaned == {"telefon": "0721234567"}


def test_a_typed_name_becomes_a_blue_transparent_png(catalog) -> None:
    png = typed_signature_png("  Ștefan   Țăranu-Îndrieș ", catalog.get("petitie"))
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    ink = [p for p in image.getdata() if p[3] > 200]
    assert len(ink) > 2000 and all(b > r + 40 for r, g, b, a in ink)
    assert image.getpixel((0, 0))[3] == 0  # transparent around the letters
    assert image.width > 4 * image.height  # one line


@pytest.mark.parametrize(
    "name, says",
    [
        ("", "scrieți-vă numele"),
        ("A" * 71, "cel mult 70 de caractere"),
        ("Ana 中", "„中”"),
    ],
)
def test_a_bad_typed_name_is_refused(name, says, catalog) -> None:
    with pytest.raises(FieldValidationError) as caught:
        typed_signature_png(name, catalog.get("petitie"))
    assert caught.value.field == "semnatura" and says in caught.value.message


@pytest.mark.parametrize(
    "image, says",
    [
        (Image.new("RGBA", (600, 200), (0, 0, 0, 0)), "este goală"),
        (Image.new("RGBA", (4100, 20), (0, 0, 0, 255)), "cel mult 4000 de pixeli"),
    ],
)
def test_a_blank_or_huge_drawing_is_refused_with_its_reason(image, says, catalog) -> None:
    with pytest.raises(FieldValidationError) as caught:
        check_signature_image(png_of(image), catalog.get("petitie"))
    assert says in caught.value.message


def test_a_drawing_with_empty_margins_fills_the_signature_box(catalog) -> None:
    """A phone's pad is mostly empty; the stamp cuts the margins, so the strokes are not a
    speck in the box. The ink's height is measured with PDFium and pypdf's /Rect."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw
    from pypdf import PdfReader

    from forms_catalog.pdf import fill_pdf
    from forms_catalog.stamp import stamp_signature_image

    image = Image.new("RGBA", (900, 500), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(40, 120), (120, 40), (200, 120)], fill=(20, 40, 140, 255), width=8)
    form = catalog.get("petitie")
    pdf = stamp_signature_image(fill_pdf("petitie", {}, catalog), png_of(image), form)
    rect = next(
        tuple(float(v) for v in ref.get_object()["/Rect"])
        for ref in PdfReader(io.BytesIO(pdf)).pages[0]["/Annots"]
        if str(ref.get_object().get("/T")) == "semnatura"
    )
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        rendered = page.render(scale=2).to_pil().convert("RGB")
        height = page.get_height()
    finally:
        document.close()
    x1, y1, x2, y2 = rect
    box = rendered.crop(
        (int(x1 * 2) + 3, int((height - y2) * 2) + 3, int(x2 * 2) - 3, int((height - y1) * 2) - 3)
    )
    rows = [
        y
        for y in range(box.height)
        if any(box.getpixel((x, y))[2] - box.getpixel((x, y))[0] > 50 for x in range(box.width))
    ]
    assert rows, "no ink in the signature box"
    assert (rows[-1] - rows[0]) > 0.6 * box.height
