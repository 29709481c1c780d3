"""The printed part of a form's PDF, drawn with reportlab.

Heading, title, introduction, section headings, field labels and boxes are static page
content in DejaVu Sans (embedded, with ș ț ă â î). The interactive fields are added on top
by :mod:`forms_catalog.pdf.build`, at the rectangles :func:`render_static` returns.
"""

import functools
import io
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from forms_catalog.model import Department, Field, Form, LayoutItem, Section
from forms_catalog.pdf import font

REGULAR, BOLD = "EFunctionar-DejaVuSans", "EFunctionar-DejaVuSans-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 50.0
MARGIN_TOP = 46.0
MARGIN_BOTTOM = 58.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
GUTTER = 14.0

LABEL_SIZE = 8.0
LABEL_LEADING = 9.6
TEXT_BOX_HEIGHT = 17.0
MULTILINE_LINE_HEIGHT = 12.0
CHECKBOX_SIZE = 11.0
SIGNATURE_HEIGHT = 50.0
ROW_GAP = 6.0
SECTION_HEIGHT = 28.0
KEEP_TOGETHER_MAX = 200.0  # sections up to this height are never split across pages

HEADING_LINES = ("ROMÂNIA", "JUDEȚUL ILFOV", "PRIMĂRIA ORAȘULUI MĂGURELE")
ADDRESS = "Str. Călugăreni nr. 2-4, Oraș Măgurele, jud. Ilfov"
GDPR_NOTE = (
    "Datele cu caracter personal sunt prelucrate de Primăria Orașului Măgurele conform "
    "Regulamentului (UE) 2016/679, numai pentru soluționarea acestei cereri."
)

BOX_FILL = (0.94, 0.96, 1.0)
BOX_STROKE = (0.55, 0.6, 0.7)
LABEL_COLOUR = (0.2, 0.2, 0.2)


@dataclass(frozen=True)
class Placement:
    """Where a field's widget goes: page index and rectangle (x, y, width, height)."""

    field: Field
    page: int
    x: float
    y: float
    width: float
    height: float


@functools.lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the bundled DejaVu fonts with reportlab (once per process)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(font.REGULAR_TTF)))
    pdfmetrics.registerFont(TTFont(BOLD, str(font.BOLD_TTF)))


def _label_text(field: Field) -> str:
    label = field.label
    if field.type == "date":
        label += " (zz.ll.aaaa)"
    if field.hint:
        label += f" — {field.hint}"
    if field.required and field.type != "signature":
        label += " *"
    return label


class _Writer:
    """Flows rows of fields down the pages, breaking pages when needed."""

    def __init__(self, canvas: Canvas, form: Form) -> None:
        self.canvas = canvas
        self.form = form
        self.page = 0
        self.y = PAGE_HEIGHT - MARGIN_TOP
        self.placements: List[Placement] = []

    # --- page furniture -------------------------------------------------------------

    def footer(self) -> None:
        c = self.canvas
        c.setFont(REGULAR, 6.5)
        c.setFillColorRGB(0.35, 0.35, 0.35)
        lines = simpleSplit(GDPR_NOTE, REGULAR, 6.5, CONTENT_WIDTH - 60)
        for index, line in enumerate(lines):
            c.drawString(MARGIN_X, 34 - index * 8, line)
        c.drawRightString(PAGE_WIDTH - MARGIN_X, 34, f"Pagina {self.page + 1}")
        c.drawRightString(PAGE_WIDTH - MARGIN_X, 26, self.form.id)
        c.setFillColorRGB(0, 0, 0)

    def new_page(self) -> None:
        self.footer()
        self.canvas.showPage()
        self.page += 1
        self.y = PAGE_HEIGHT - MARGIN_TOP
        c = self.canvas
        c.setFont(REGULAR, 7.5)
        c.setFillColorRGB(0.35, 0.35, 0.35)
        c.drawString(MARGIN_X, self.y - 8, f"{self.form.form_title} (continuare)")
        c.setFillColorRGB(0, 0, 0)
        self.y -= 22

    def ensure(self, height: float) -> None:
        if self.y - height < MARGIN_BOTTOM:
            self.new_page()

    def heading(self, department: Optional[Department]) -> None:
        c = self.canvas
        top = self.y
        c.setFont(BOLD, 10)
        for index, line in enumerate(HEADING_LINES):
            c.drawString(MARGIN_X, top - 10 - index * 13, line)
        c.setFont(REGULAR, 7.5)
        c.drawString(MARGIN_X, top - 10 - 3 * 13 + 1, ADDRESS)
        right = PAGE_WIDTH - MARGIN_X
        c.setFont(REGULAR, 8)
        c.drawRightString(right, top - 10, "Nr. înregistrare ____________________")
        c.drawRightString(right, top - 24, "Data ____________________")
        c.setFont(REGULAR, 6.5)
        c.setFillColorRGB(0.35, 0.35, 0.35)
        c.drawRightString(right, top - 35, "(se completează de registratură)")
        c.setFillColorRGB(0, 0, 0)
        self.y = top - 56
        c.setStrokeColorRGB(0.3, 0.3, 0.3)
        c.setLineWidth(0.6)
        c.line(MARGIN_X, self.y, PAGE_WIDTH - MARGIN_X, self.y)
        self.y -= 24
        c.setFont(BOLD, 12.5)
        for line in simpleSplit(self.form.form_title.upper(), BOLD, 12.5, CONTENT_WIDTH - 40):
            c.drawCentredString(PAGE_WIDTH / 2, self.y, line)
            self.y -= 16
        self.y -= 2
        if department is not None:
            c.setFont(REGULAR, 8.5)
            c.drawCentredString(
                PAGE_WIDTH / 2,
                self.y,
                f"Către Primăria Orașului Măgurele — {department.name}",
            )
            self.y -= 16
        if self.form.intro:
            c.setFont(REGULAR, 9.5)
            for line in simpleSplit(self.form.intro, REGULAR, 9.5, CONTENT_WIDTH):
                c.drawString(MARGIN_X, self.y, line)
                self.y -= 12.5
        self.y -= 4

    def section(self, section: Section, keep_together: float = 0.0) -> None:
        """Draw a section heading; ``keep_together`` is the height of the rows that
        should stay on the same page as the heading."""
        self.ensure(SECTION_HEIGHT + max(keep_together, 24))
        c = self.canvas
        self.y -= 8
        c.setFont(BOLD, 9.5)
        c.drawString(MARGIN_X, self.y - 9, section.title)
        c.setStrokeColorRGB(*BOX_STROKE)
        c.setLineWidth(0.4)
        c.line(MARGIN_X, self.y - 13, PAGE_WIDTH - MARGIN_X, self.y - 13)
        self.y -= SECTION_HEIGHT - 8

    # --- fields ---------------------------------------------------------------------

    def _cell_height(self, field: Field, width: float) -> float:
        if field.type == "checkbox":
            lines = simpleSplit(_label_text(field), REGULAR, LABEL_SIZE + 0.5, width - CHECKBOX_SIZE - 6)
            return max(CHECKBOX_SIZE, len(lines) * (LABEL_LEADING + 0.5))
        lines = simpleSplit(_label_text(field), REGULAR, LABEL_SIZE, width)
        return len(lines) * LABEL_LEADING + 2 + self._box_height(field)

    @staticmethod
    def _box_height(field: Field) -> float:
        if field.type == "signature":
            return SIGNATURE_HEIGHT
        if field.lines > 1:
            return field.lines * MULTILINE_LINE_HEIGHT + 6
        return TEXT_BOX_HEIGHT

    def _cell(self, field: Field, x: float, width: float) -> None:
        c = self.canvas
        c.setFillColorRGB(*LABEL_COLOUR)
        if field.type == "checkbox":
            size = LABEL_SIZE + 0.5
            lines = simpleSplit(_label_text(field), REGULAR, size, width - CHECKBOX_SIZE - 6)
            box_y = self.y - CHECKBOX_SIZE
            self._box(x, box_y, CHECKBOX_SIZE, CHECKBOX_SIZE)
            c.setFont(REGULAR, size)
            c.setFillColorRGB(*LABEL_COLOUR)
            for index, line in enumerate(lines):
                line_y = self.y - 8.5 - index * (LABEL_LEADING + 0.5)
                c.drawString(x + CHECKBOX_SIZE + 6, line_y, line)
            self.placements.append(Placement(field, self.page, x, box_y, CHECKBOX_SIZE, CHECKBOX_SIZE))
            return
        lines = simpleSplit(_label_text(field), REGULAR, LABEL_SIZE, width)
        c.setFont(REGULAR, LABEL_SIZE)
        y = self.y
        for line in lines:
            y -= LABEL_LEADING
            c.drawString(x, y + 2, line)
        height = self._box_height(field)
        box_y = y - 2 - height
        self._box(x, box_y, width, height, dashed=field.type == "signature")
        self.placements.append(Placement(field, self.page, x, box_y, width, height))

    def _box(self, x: float, y: float, width: float, height: float, dashed: bool = False) -> None:
        c = self.canvas
        c.setFillColorRGB(*BOX_FILL)
        c.setStrokeColorRGB(*BOX_STROKE)
        c.setLineWidth(0.6)
        if dashed:
            c.setDash(3, 2)
        c.rect(x, y, width, height, stroke=1, fill=1)
        c.setDash()
        c.setFillColorRGB(0, 0, 0)

    @staticmethod
    def _column_width(fields: Sequence[Field]) -> float:
        half = (CONTENT_WIDTH - GUTTER) / 2
        if len(fields) > 1 or (fields[0].width == "half" and fields[0].type != "checkbox"):
            return half
        return CONTENT_WIDTH

    def row_height(self, fields: Sequence[Field]) -> float:
        width = self._column_width(fields)
        return max(self._cell_height(f, width) for f in fields) + ROW_GAP

    def row(self, fields: Sequence[Field]) -> None:
        width = self._column_width(fields)
        height = self.row_height(fields)
        self.ensure(height - ROW_GAP)
        for index, field in enumerate(fields):
            self._cell(field, MARGIN_X + index * (width + GUTTER), width)
        self.y -= height

    def required_note(self) -> None:
        if any(f.required for f in self.form.fields if f.type != "signature"):
            self.ensure(12)
            c = self.canvas
            c.setFont(REGULAR, 7)
            c.setFillColorRGB(0.35, 0.35, 0.35)
            c.drawString(MARGIN_X, self.y - 4, "* câmp obligatoriu")
            c.setFillColorRGB(0, 0, 0)


def _rows(layout: Sequence[LayoutItem]) -> List[Tuple[str, object]]:
    """Group the layout into sections and rows; two consecutive half-width fields share a row."""
    rows: List[Tuple[str, object]] = []
    pending: Optional[Field] = None
    for item in layout:
        if isinstance(item, Section):
            if pending:
                rows.append(("row", [pending]))
                pending = None
            rows.append(("section", item))
            continue
        if item.width == "half":
            if pending:
                rows.append(("row", [pending, item]))
                pending = None
            else:
                pending = item
            continue
        if pending:
            rows.append(("row", [pending]))
            pending = None
        rows.append(("row", [item]))
    if pending:
        rows.append(("row", [pending]))
    return rows


def render_static(form: Form, department: Optional[Department] = None) -> Tuple[bytes, List[Placement]]:
    """Draw the form's pages; return the PDF bytes and where each field's widget goes."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=REGULAR, lang="ro-RO"
    )
    canvas.setTitle(form.form_title)
    canvas.setSubject(form.title)
    canvas.setAuthor("Primăria Orașului Măgurele")
    canvas.setCreator("e-funcționar (forms_catalog)")
    writer = _Writer(canvas, form)
    writer.heading(department)
    rows = _rows(form.layout)
    for index, (kind, item) in enumerate(rows):
        if kind == "section":
            # Short sections (the signature block above all) stay on one page.
            following = []
            for next_kind, next_item in rows[index + 1 :]:
                if next_kind == "section":
                    break
                following.append(writer.row_height(next_item))  # type: ignore[arg-type]
            total = sum(following)
            keep = total if total <= KEEP_TOGETHER_MAX else (following[0] if following else 0)
            writer.section(item, keep)  # type: ignore[arg-type]
        else:
            writer.row(item)  # type: ignore[arg-type]
    writer.required_note()
    writer.footer()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), writer.placements
