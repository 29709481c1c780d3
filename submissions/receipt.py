"""The receipt of a filing: a one-page PDF, sealed with the city hall's seal.

It names the registration number, the date and time of registration (Europe/Bucharest),
the form, every document with its SHA-256, the legal deadline and its basis, and the
access code the citizen needs to ask for the status. Built with reportlab (DejaVu Sans:
ș and ț with comma below), sealed by :meth:`forms_catalog.seal.Seal.seal_pdf`, so any
change to the file is detectable with ``python -m forms_catalog verify-pdf``.
"""

import datetime as dt
import functools
import io
from dataclasses import dataclass
from typing import Any, Sequence, Tuple
from xml.sax.saxutils import escape

from forms_catalog.pdf.font import BOLD_TTF, REGULAR_TTF
from submissions.terms import TIMEZONE

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


@dataclass(frozen=True)
class ReceiptData:
    registration_no: str
    filed_at: dt.datetime
    form_title: str
    department: str
    citizen_name: str
    documents: Sequence[Tuple[str, str]]  # (name, sha256)
    due_on: dt.date
    term_basis: str
    access_code: str


@functools.lru_cache(maxsize=1)
def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(REGULAR_TTF)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(BOLD_TTF)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _p(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def receipt_pdf(data: ReceiptData) -> bytes:
    """The receipt, unsealed."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5)
    title = ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"Dovadă de înregistrare {data.registration_no}", author="Primăria Orașului Măgurele",
    )  # fmt: skip
    local = data.filed_at.astimezone(TIMEZONE)
    facts = [
        ("Număr de înregistrare", data.registration_no),
        ("Data și ora", f"{local:%d.%m.%Y, %H:%M} (ora României)"),
        ("Cererea", data.form_title),
        ("Departamentul", data.department),
        ("Solicitant", data.citizen_name),
        ("Termen legal de răspuns", f"{data.due_on:%d.%m.%Y}"),
        ("Temeiul termenului", data.term_basis),
        ("Cod de acces", data.access_code),
    ]
    facts_table = Table(
        [[Paragraph(_p(k), body), Paragraph(f"<b>{_p(v)}</b>", body)] for k, v in facts],
        colWidths=[52 * mm, 122 * mm],
    )
    facts_table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)])
    )
    rows = [[Paragraph("<b>Document</b>", body), Paragraph("<b>Amprenta SHA-256</b>", body)]]
    rows += [[Paragraph(_p(name), body), Paragraph(_p(sha), small)] for name, sha in data.documents]
    documents = Table(rows, colWidths=[70 * mm, 104 * mm], repeatRows=1)
    documents.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story: list = [
        Paragraph("Primăria Orașului Măgurele", body),
        Paragraph("Str. Călugăreni nr. 2-4, Măgurele, județul Ilfov", small),
        Spacer(1, 6 * mm),
        Paragraph("Dovadă de înregistrare a cererii depuse online", title),
        Spacer(1, 4 * mm),
        facts_table,
        Spacer(1, 5 * mm),
        Paragraph("Documentele primite", ParagraphStyle("h", parent=body, fontName=FONT_BOLD)),
        Spacer(1, 2 * mm),
        documents,
        Spacer(1, 6 * mm),
        Paragraph(
            _p(
                "Păstrați această dovadă. Cu numărul de înregistrare și codul de acces aflați "
                "stadiul cererii în chatul de pe site-ul primăriei. Codul nu se mai poate afla "
                "altfel: nu îl dați altor persoane. Documentul este sigilat electronic de "
                "primărie; orice modificare a fișierului se poate depista."
            ),
            body,
        ),
    ]
    doc.build(story)
    return out.getvalue()


def sealed_receipt(data: ReceiptData, seal: Any) -> bytes:
    """The receipt sealed with ``seal`` (a :class:`forms_catalog.seal.Seal`; blocking)."""
    return bytes(seal.seal_pdf(receipt_pdf(data)))
