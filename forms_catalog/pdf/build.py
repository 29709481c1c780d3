"""Assemble a form's fillable PDF: static pages from reportlab + AcroForm fields with pypdf.

Fields (one widget each, field and widget merged):

* text and date fields — ``/FT /Tx``, the field font from ``/AcroForm /DR`` (DejaVu Sans
  under the resource name ``/Wingdings``, see :mod:`forms_catalog.pdf.font`); ``/MaxLen``
  from the catalog; date fields carry Acrobat's standard date format and keystroke actions
  (``AFDate_FormatEx("dd.mm.yyyy")``) so desktop Acrobat offers a date picker, and every
  app shows the "zz.ll.aaaa" hint printed in the label;
* check boxes — ``/FT /Btn`` with ``/Yes`` and ``/Off`` appearances (a drawn check mark);
* the signature — ``/FT /Sig`` without a value, which Acrobat/Reader (desktop and mobile),
  Foxit, Okular, Xodo and others offer to sign.

``/NeedAppearances`` is false: every widget has its own appearance stream, and a
document that asks viewers to regenerate appearances cannot be signed cleanly.
"""

import io
from typing import Any, Optional

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from forms_catalog.model import Department, Field, Form
from forms_catalog.pdf import appearance, font
from forms_catalog.pdf.layout import Placement, render_static

# Field flags (PDF 32000-1, tables 221 and 228).
FF_REQUIRED = 1 << 1
FF_MULTILINE = 1 << 12
FF_DO_NOT_SPELL_CHECK = 1 << 22
ANNOT_PRINT = 4

CHECKBOX_ON = "/Yes"
TEXT_FIELD_TYPES = ("text", "date")
FIELD_TYPE_NAMES = {"text": "/Tx", "date": "/Tx", "checkbox": "/Btn", "signature": "/Sig"}


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """Make ``obj`` an indirect object of ``writer`` (pypdf has no public call for this)."""
    return writer._add_object(obj)  # noqa: SLF001 - pinned pypdf, stable since 3.x


def _name(value: str) -> NameObject:
    return NameObject(value)


def _stream(data: bytes, **entries: PdfObject) -> StreamObject:
    """A stream whose ``data`` is already deflated (done once per process, not per PDF)."""
    stream = StreamObject()
    stream[_name("/Filter")] = _name("/FlateDecode")
    for key, value in entries.items():
        stream[_name(f"/{key}")] = value
    stream.set_data(data)
    return stream


def font_dictionary(writer: PdfWriter) -> IndirectObject:
    """The field font: DejaVu Sans as Type0 / Identity-H, the whole TrueType file embedded
    (see :mod:`forms_catalog.pdf.font` for why, and for its resource name)."""
    metrics = font.field_font()
    data, length = font.compressed_font_file()
    name = _name(f"/{metrics.postscript_name}")
    descriptor = DictionaryObject(
        {
            _name("/Type"): _name("/FontDescriptor"),
            _name("/FontName"): name,
            _name("/Flags"): NumberObject(32),  # nonsymbolic (Latin text)
            _name("/FontBBox"): ArrayObject([FloatObject(round(v)) for v in metrics.bbox]),
            _name("/ItalicAngle"): FloatObject(metrics.italic_angle),
            _name("/Ascent"): FloatObject(round(metrics.ascent)),
            _name("/Descent"): FloatObject(round(metrics.descent)),
            _name("/CapHeight"): FloatObject(round(metrics.cap_height)),
            _name("/StemV"): NumberObject(int(metrics.stem_v)),
            _name("/FontFile2"): add_object(writer, _stream(data, Length1=NumberObject(length))),
        }
    )
    widths = ArrayObject(
        ArrayObject(NumberObject(w) for w in item) if isinstance(item, list) else NumberObject(item)
        for item in font.width_array()
    )
    descendant = DictionaryObject(
        {
            _name("/Type"): _name("/Font"),
            _name("/Subtype"): _name("/CIDFontType2"),
            _name("/BaseFont"): name,
            _name("/CIDSystemInfo"): DictionaryObject(
                {
                    _name("/Registry"): TextStringObject("Adobe"),
                    _name("/Ordering"): TextStringObject("Identity"),
                    _name("/Supplement"): NumberObject(0),
                }
            ),
            _name("/FontDescriptor"): add_object(writer, descriptor),
            _name("/CIDToGIDMap"): _name("/Identity"),
            _name("/DW"): NumberObject(metrics.widths[0]),
            _name("/W"): add_object(writer, widths),
        }
    )
    return add_object(
        writer,
        DictionaryObject(
            {
                _name("/Type"): _name("/Font"),
                _name("/Subtype"): _name("/Type0"),
                _name("/BaseFont"): name,
                _name("/Encoding"): _name("/Identity-H"),
                _name("/DescendantFonts"): ArrayObject([add_object(writer, descendant)]),
                _name("/ToUnicode"): add_object(writer, _stream(font.compressed_to_unicode())),
            }
        ),
    )


def font_resources(font_ref: IndirectObject) -> DictionaryObject:
    return DictionaryObject({_name("/Font"): DictionaryObject({_name(font.RESOURCE_NAME): font_ref})})


def default_appearance(field: Field) -> TextStringObject:
    size = appearance.MULTILINE_FONT_SIZE if field.multiline else appearance.TEXT_FONT_SIZE
    return TextStringObject(f"{font.RESOURCE_NAME} {size:g} Tf 0 g")


def _javascript(code: str) -> DictionaryObject:
    return DictionaryObject({_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject(code)})


def _widget(
    writer: PdfWriter, placement: Placement, page_ref: IndirectObject, resources: DictionaryObject
) -> DictionaryObject:
    field = placement.field
    w, h = placement.width, placement.height
    widget = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Widget"),
            _name("/FT"): _name(FIELD_TYPE_NAMES[field.type]),
            _name("/T"): TextStringObject(field.name),
            _name("/TU"): TextStringObject(field.label),
            _name("/Rect"): ArrayObject(
                [
                    FloatObject(round(v, 2))
                    for v in (placement.x, placement.y, placement.x + w, placement.y + h)
                ]
            ),
            _name("/F"): NumberObject(ANNOT_PRINT),
            _name("/P"): page_ref,
        }
    )
    flags = FF_REQUIRED if field.required else 0
    if field.type in TEXT_FIELD_TYPES:
        flags |= FF_DO_NOT_SPELL_CHECK | (FF_MULTILINE if field.multiline else 0)
        widget[_name("/DA")] = default_appearance(field)
        widget[_name("/Q")] = NumberObject(0)
        if field.max_length:
            widget[_name("/MaxLen")] = NumberObject(field.max_length)
        widget[_name("/MK")] = DictionaryObject()
        empty = appearance.text_content("", w, h, field.multiline)
        blank = appearance.form_xobject(empty, w, h, resources)
        widget[_name("/AP")] = DictionaryObject({_name("/N"): add_object(writer, blank)})
        if field.type == "date":
            widget[_name("/AA")] = DictionaryObject(
                {
                    _name("/F"): _javascript('AFDate_FormatEx("dd.mm.yyyy");'),
                    _name("/K"): _javascript('AFDate_KeystrokeEx("dd.mm.yyyy");'),
                }
            )
    elif field.type == "checkbox":
        on = appearance.form_xobject(appearance.check_content(w, h), w, h, DictionaryObject())
        off = appearance.form_xobject(b"", w, h, DictionaryObject())
        widget[_name("/V")] = _name("/Off")
        widget[_name("/AS")] = _name("/Off")
        widget[_name("/DA")] = TextStringObject("/ZaDb 0 Tf 0 g")
        widget[_name("/MK")] = DictionaryObject({_name("/CA"): TextStringObject("4")})
        widget[_name("/AP")] = DictionaryObject(
            {
                _name("/N"): DictionaryObject(
                    {
                        _name(CHECKBOX_ON): add_object(writer, on),
                        _name("/Off"): add_object(writer, off),
                    }
                )
            }
        )
    else:  # signature: empty until signed
        blank_appearance = appearance.form_xobject(b"", w, h, DictionaryObject())
        widget[_name("/AP")] = DictionaryObject({_name("/N"): add_object(writer, blank_appearance)})
    if flags:
        widget[_name("/Ff")] = NumberObject(flags)
    return widget


def build_pdf(form: Form, department: Optional[Department] = None) -> bytes:
    """The blank fillable PDF of ``form`` (deterministic for a given catalog and code)."""
    static, placements = render_static(form, department)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(static)))
    font_ref = font_dictionary(writer)
    zapf_ref = add_object(
        writer,
        DictionaryObject(
            {
                _name("/Type"): _name("/Font"),
                _name("/Subtype"): _name("/Type1"),
                _name("/BaseFont"): _name("/ZapfDingbats"),
            }
        ),
    )
    resources = font_resources(font_ref)
    fields = ArrayObject()
    for placement in placements:
        page: Any = writer.pages[placement.page]
        assert page.indirect_reference is not None  # pages of a writer are indirect objects
        widget = _widget(writer, placement, page.indirect_reference, resources)
        widget_ref = add_object(writer, widget)
        if "/Annots" not in page:
            page[_name("/Annots")] = ArrayObject()
        page["/Annots"].append(widget_ref)
        fields.append(widget_ref)
    writer._root_object[_name("/AcroForm")] = add_object(
        writer,
        DictionaryObject(
            {  # noqa: SLF001
                _name("/Fields"): fields,
                _name("/DR"): DictionaryObject(
                    {
                        _name("/Font"): DictionaryObject(
                            {
                                _name(font.RESOURCE_NAME): font_ref,
                                _name("/ZaDb"): zapf_ref,
                            }
                        )
                    }
                ),
                _name("/DA"): TextStringObject(f"{font.RESOURCE_NAME} 0 Tf 0 g"),
                _name("/NeedAppearances"): BooleanObject(False),
            }
        ),
    )
    writer._root_object[_name("/Lang")] = TextStringObject("ro-RO")  # noqa: SLF001
    writer._root_object[_name("/ViewerPreferences")] = DictionaryObject(
        {  # noqa: SLF001
            _name("/DisplayDocTitle"): BooleanObject(True),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
