"""A conversation as a PDF transcript, with Romanian diacritics (DejaVu Sans).

The PDF base fonts have no ș and ț (comma below), so a TrueType font is embedded:
DejaVu Sans from ``$ARCHIVE_PDF_FONT_DIR``, the project's ``forms_catalog/fonts/``, or
the system's fonts-dejavu-core package, in that order.
"""

import functools
import io
import os
from pathlib import Path
from typing import Any, Optional, Tuple
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from archive.errors import ArchiveError
from storage.db import PROJECT_ROOT

FONT_DIR_ENV = "ARCHIVE_PDF_FONT_DIR"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


def _font_dirs() -> Tuple[Path, ...]:
    configured = os.environ.get(FONT_DIR_ENV)
    dirs = [Path(configured)] if configured else []
    dirs += [PROJECT_ROOT / "forms_catalog" / "fonts", Path("/usr/share/fonts/truetype/dejavu")]
    return tuple(dirs)


@functools.lru_cache(maxsize=None)
def register_fonts(dirs: Tuple[Path, ...]) -> None:
    for directory in dirs:
        regular, bold = directory / f"{FONT}.ttf", directory / f"{FONT_BOLD}.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
            return
    raise ArchiveError(
        f"DejaVuSans.ttf and DejaVuSans-Bold.ttf not found in {', '.join(map(str, dirs))}; "
        f"install fonts-dejavu-core or set {FONT_DIR_ENV}"
    )


def _text(value: str) -> str:
    """Citizen text as inert Paragraph markup: escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>")


def transcript_pdf(
    transcript: Any,  # archive.audit.Transcript (not imported: the audit module imports this one)
    *,
    exported_by: str,
    exported_at: str,
    head: Optional[Tuple[int, str]] = None,
) -> bytes:
    """The PDF of ``transcript``, exported by ``exported_by`` at ``exported_at`` (local)."""
    register_fonts(_font_dirs())
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5)
    title = ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=colors.grey)
    who = ParagraphStyle("who", parent=base, fontName=FONT_BOLD)
    system = ParagraphStyle("system", parent=base, textColor=colors.HexColor("#555555"))

    story = [
        Paragraph("Primăria Orașului Măgurele — e-funcționar", small),
        Paragraph(f"Transcrierea conversației {_text(transcript.conversation_id)}", title),
        Spacer(1, 3 * mm),
    ]
    meta = [
        ["Început", transcript.started or "—"],
        ["Sfârșit", transcript.ended or "—"],
        ["Ture", str(len(transcript.lines))],
        ["Funcționari", ", ".join(transcript.clerks) or "—"],
        ["Exportat de", f"{exported_by}, {exported_at} (ora României)"],
    ]
    if head is not None:
        meta.append(["Lanțul arhivei", f"ultimul tur {head[0]}, hash {head[1][:16]}…"])
    table = Table(
        [[Paragraph(k, who), Paragraph(_text(v), base)] for k, v in meta],
        colWidths=(32 * mm, None),
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 5 * mm)]

    if not transcript.lines:
        story.append(
            Paragraph("Turele acestei conversații au fost șterse la expirarea perioadei de păstrare.", system)
        )
    for line in transcript.lines:
        heading = f"{line.time} · {_text(line.speaker_label)}"
        if line.intent and line.speaker == "citizen":
            confidence = "" if line.confidence is None else f" ({line.confidence:.0%})"
            heading += f" · intenție: {_text(line.intent)}{confidence}"
        if line.flags:
            heading += f" · marcaje: {_text(', '.join(line.flags))}"
        if line.redirect_label:
            heading += f" · {_text(line.redirect_label)}"
        story.append(Paragraph(heading, small))
        if line.speaker == "system":
            body = _text(line.event_label or line.event)
            if line.text:
                body += f" — {_text(line.text)}"
            story.append(Paragraph(f"<i>{body}</i>", system))
        else:
            story.append(Paragraph(_text(line.text) or "<i>(fără text)</i>", base))
        if line.form_ids:
            story.append(Paragraph(f"Formulare: {_text(', '.join(line.form_ids))}", small))
        story.append(Spacer(1, 2.5 * mm))

    def footer(canvas: Any, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(
            18 * mm,
            10 * mm,
            f"Conversația {transcript.conversation_id} — pagina {doc.page}",
        )
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"Transcrierea conversației {transcript.conversation_id}",
        author="Primăria Orașului Măgurele",
        subject="Arhiva e-funcționar",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
