"""The form pages: every catalog form filled and signed in the browser, on any device.

=================================  ===================================================
``GET  /formulare/<form_id>``      the form as a page: one input per field of the
                                   form's YAML, then a signature pad (or the typed name)
``POST /formulare/<form_id>``      JSON or form-encoded values → the filled, signed and
                                   sealed PDF as a download; 400 with an error per field
``GET  /formulare/static/<file>``  the page's script and style, and the vendored
                                   ``signature_pad`` (web/static/vendor/)
``GET  /formulare/completate/      a PDF filled and sealed in the chat, while it is kept
<token>.pdf``                      (forms_catalog/filled.py, livechat/filled_forms.py)
=================================  ===================================================

The page is generated from the same catalog fields as the PDF, and the POST checks every
value with the same validators (:func:`forms_catalog.pdf.check_values`): the browser only
hints (input types, keyboards). Nothing the citizen sends is stored: the answer is the PDF,
made by :func:`forms_catalog.seal.fill_and_seal` in an executor (pyHanko blocks), with its
SHA-256 in ``X-Document-SHA256``.

The seal is loaded once, before the server starts, from the ``SEAL_*`` settings
(forms_catalog/README.md). With none of them set the pages still work and the POST answers
503 "Completarea online nu este disponibilă acum…"; a seal that is set but wrong stops the
server with a message naming the setting.

A form-encoded POST (the page without JavaScript: the typed name is the signature) gets
the page again, with the errors next to the fields; any other POST (the page's script
sends JSON) gets JSON errors ``{"error": code, "message": "…", "errors": {field: "…"}}``.
"""

import asyncio
import base64
import binascii
import datetime as dt
import html
import json
import logging
import os
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from forms_catalog import FieldValidationError, Form, Section, load_catalog
from forms_catalog.filled import DOWNLOAD_PREFIX, FilledStore
from forms_catalog.links import FORMS_PREFIX
from forms_catalog.model import Field
from forms_catalog.stamp import MAX_TYPED_NAME
from forms_catalog.validators import VALIDATOR_HINTS
from web.security import SECURITY_HEADERS

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
FORM_FILES = {
    "form.js": ("form.js", "application/javascript; charset=utf-8"),
    "form.css": ("form.css", "text/css; charset=utf-8"),
    "signature_pad.umd.min.js": ("vendor/signature_pad.umd.min.js", "application/javascript; charset=utf-8"),
}

# A drawn signature is at most 2 MB of PNG (forms_catalog.stamp), a third more in base64;
# the values themselves are a few kilobytes.
MAX_BODY_BYTES = 3 * 1024 * 1024
# Filling and sealing take about a second of CPU each: at most this many at a time, the
# others wait their turn instead of slowing the chat down; beyond MAX_WAITING waiting
# requests (each holding its body in memory) a new one is turned away with 503.
FILL_SLOTS = 2
MAX_WAITING = 20

SIGNATURE_PNG = "semnatura_png"
SIGNATURE_TEXT = "semnatura_text"
SIGNATURE_MODE = "semnatura_mod"
PAGE_KEYS = (SIGNATURE_PNG, SIGNATURE_TEXT, SIGNATURE_MODE)

UNAVAILABLE = (
    "Completarea online nu este disponibilă acum. Descărcați formularul PDF și completați-l "
    "în aplicația PDF, sau depuneți cererea la registratura primăriei."
)
TOO_LARGE = (
    "Cererea este prea mare (cel mult 3 MB). Ștergeți semnătura și desenați-o din nou, "
    "sau scrieți-vă numele în locul ei."
)
BUSY = (
    "Sunt multe cereri în acest moment. Încercați din nou peste un minut; datele completate rămân în pagină."
)
CHECK_FIELDS = "Verificați câmpurile marcate: unele lipsesc sau nu sunt completate corect."
SIGNATURE_MISSING = "desenați semnătura în chenar sau scrieți-vă numele în locul ei."

_FORM_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
BUCHAREST = ZoneInfo("Europe/Bucharest")

# Browser autofill of the applicant block shared by the forms (fieldsets.yml: solicitant).
_AUTOCOMPLETE = {"nume_prenume": "name", "domiciliu": "street-address"}
_INPUTS: Dict[Optional[str], Dict[str, str]] = {
    None: {"type": "text"},
    "cnp": {"type": "text", "inputmode": "numeric", "autocomplete": "off"},
    "phone": {"type": "tel", "inputmode": "tel", "autocomplete": "tel"},
    "email": {
        "type": "email",
        "inputmode": "email",
        "autocomplete": "email",
        "autocapitalize": "off",
        "spellcheck": "false",
    },
    "postal_code": {"type": "text", "inputmode": "numeric", "autocomplete": "postal-code"},
    "integer": {"type": "text", "inputmode": "numeric"},
    "amount": {"type": "text", "inputmode": "decimal"},
    "iban": {"type": "text", "autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"},
    "vin": {"type": "text", "autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"},
    "cadastral_number": {"type": "text", "autocapitalize": "characters", "spellcheck": "false"},
}


class BadRequest(Exception):
    """A request that cannot be read as a form's values; the message is Romanian."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# --- the page ----------------------------------------------------------------------------


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _attrs(attributes: Mapping[str, Union[str, bool, None]]) -> str:
    parts = []
    for name, value in attributes.items():
        if value is True:
            parts.append(f" {name}")
        elif value not in (None, False):
            parts.append(f' {name}="{_e(value)}"')
    return "".join(parts)


def _count(n: int, one: str, many: str) -> str:
    """Romanian counting: 1 caracter, 19 caractere, 20 de caractere, 101 caractere."""
    if n == 1:
        return f"1 {one}"
    rest = n % 100
    return f"{n} de {many}" if rest >= 20 or (rest == 0 and n) else f"{n} {many}"


def field_help(item: Field) -> str:
    """The hint shown under a field's label: the YAML ``hint``, what its validator accepts,
    and the length limit of free text on several lines."""
    parts = [item.hint] if item.hint else []
    if item.type == "date":
        parts.append("Alegeți data din calendar.")
    elif item.validator:
        parts.append(VALIDATOR_HINTS[item.validator])
    elif item.multiline and item.max_length:
        parts.append(f"Cel mult {_count(item.max_length, 'caracter', 'caractere')}.")
    return " ".join(parts)


def _iso(value: str) -> str:
    """A zz.ll.aaaa date as the yyyy-mm-dd a date input shows (anything else unchanged)."""
    match = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", value)
    return f"{match.group(3)}-{match.group(2)}-{match.group(1)}" if match else value


def _control(item: Field, value: Any, error: Optional[str], focus: bool = False) -> str:
    """The label, hint, input and error place of one field (``focus``: the first error)."""
    name = item.name
    help_text = field_help(item)
    described = " ".join(([f"{name}-help"] if help_text else []) + [f"{name}-error"])
    mark = '<span class="req" aria-hidden="true"> *</span>' if item.required else ""
    error_html = f'<p class="error" id="{name}-error"{"" if error else " hidden"}>{_e(error or "")}</p>'
    common: Dict[str, Union[str, bool, None]] = {
        "id": name,
        "name": name,
        "required": item.required,
        "aria-describedby": described,
        "aria-invalid": "true" if error else None,
        "autofocus": focus,
    }
    if item.type == "checkbox":
        checked = value is True or (
            isinstance(value, str) and value.strip().lower() in {"da", "true", "1", "on", "x", "yes", "bifat"}
        )
        return (
            f'<div class="field field--check" id="{name}-field">'
            f"<input{_attrs({**common, 'type': 'checkbox', 'value': 'da', 'checked': checked})}>"
            f'<label for="{name}">{_e(item.label)}{mark}</label>{error_html}</div>'
        )
    help_html = f'<p class="help" id="{name}-help">{_e(help_text)}</p>' if help_text else ""
    label = f'<label for="{name}">{_e(item.label)}{mark}</label>'
    text = "" if value is None or isinstance(value, bool) else str(value)
    if item.multiline:
        control = (
            f"<textarea{_attrs({**common, 'rows': str(max(item.lines, 3)), 'maxlength': str(item.max_length) if item.max_length else None})}>"
            f"{_e(text)}</textarea>"
        )
    else:
        if item.type == "date":
            kind = {"type": "date"}  # the phone's date picker; it sends yyyy-mm-dd
            text = _iso(text)
        else:
            kind = dict(_INPUTS.get(item.validator, _INPUTS[None]))
        if name in _AUTOCOMPLETE:
            kind["autocomplete"] = _AUTOCOMPLETE[name]
        # Free text is cut where the PDF's box ends; validated values may carry spaces
        # ("0721 234 567") that the validator removes, so they are not cut in the browser.
        limit = (
            str(item.max_length) if item.max_length and not item.validator and item.type != "date" else None
        )
        control = f"<input{_attrs({**common, **kind, 'maxlength': limit, 'value': text})}>"
    return (
        f'<div class="field{" field--half" if item.width == "half" else ""}" id="{name}-field">'
        f"{label}{help_html}{control}{error_html}</div>"
    )


def _signature(item: Field, values: Mapping[str, Any], error: Optional[str], focus: bool = False) -> str:
    """The signature pad, with the typed name as the alternative (and the only way
    without JavaScript or with a screen reader)."""
    name = item.name
    typed = values.get(SIGNATURE_TEXT)
    typed = typed if isinstance(typed, str) else ""
    mode = "nume" if values.get(SIGNATURE_MODE) == "nume" else "desen"
    invalid = "true" if error else None
    return f"""<fieldset class="field field--signature" id="{name}-field" aria-describedby="{name}-help {name}-error">
<legend>{_e(item.label)}<span class="req" aria-hidden="true"> *</span></legend>
<p class="help" id="{name}-help">Semnați cu degetul, cu creionul sau cu mouse-ul în chenar, sau alegeți „Scriu numele” și scrieți-vă numele.</p>
<div class="sig-modes" role="radiogroup" aria-label="Cum semnați">
<label class="sig-mode"><input type="radio" name="{SIGNATURE_MODE}" value="desen" id="{name}-desen"{" checked" if mode == "desen" else ""}> Desenez semnătura</label>
<label class="sig-mode"><input type="radio" name="{SIGNATURE_MODE}" value="nume" id="{name}-nume"{" checked" if mode == "nume" else ""}> Scriu numele</label>
</div>
<div class="sig-draw" id="{name}-draw">
<canvas class="sig-pad" id="{name}-pad" role="img" aria-label="Chenarul semnăturii: desenați aici cu degetul, cu creionul sau cu mouse-ul"></canvas>
<button type="button" class="button button--secondary" id="{name}-clear">Ștergeți semnătura</button>
<input type="hidden" name="{SIGNATURE_PNG}" id="{SIGNATURE_PNG}" value="">
</div>
<div class="sig-type" id="{name}-type">
<label for="{SIGNATURE_TEXT}">Numele dumneavoastră, ca semnătură</label>
<input{_attrs({"type": "text", "id": SIGNATURE_TEXT, "name": SIGNATURE_TEXT, "autocomplete": "name", "maxlength": str(MAX_TYPED_NAME), "value": typed, "aria-describedby": f"{name}-error", "aria-invalid": invalid, "autofocus": focus})}>
</div>
<p class="error" id="{name}-error"{"" if error else " hidden"}>{_e(error or "")}</p>
</fieldset>"""


def _summary(errors: Mapping[str, str], message: Optional[str], signature: str) -> str:
    def target(name: str) -> str:
        return f"{name}-field" if name == signature else name

    items = "".join(f'<li><a href="#{_e(target(name))}">{_e(text)}</a></li>' for name, text in errors.items())
    hidden = "" if (errors or message) else " hidden"
    return (
        f'<div class="summary" id="form-summary" role="alert" tabindex="-1"{hidden}>'
        f'<p class="summary-title">{_e(message or "")}</p><ul>{items}</ul></div>'
    )


def render_page(
    form: Form,
    sealing: bool,
    values: Optional[Mapping[str, Any]] = None,
    errors: Optional[Mapping[str, str]] = None,
    message: Optional[str] = None,
) -> str:
    """The form's page: its fields in the PDF's order and sections, then the signature."""
    values = dict(values or {})
    errors = dict(errors or {})
    if "data_cererii" not in values:  # the date of the request: today, as on paper
        values["data_cererii"] = dt.datetime.now(BUCHAREST).strftime("%d.%m.%Y")
    # Without the script, the page with errors opens on the first field to correct.
    first_error = next((f.name for f in form.fields if f.name in errors), None)
    parts: List[str] = []
    open_group = False
    for item in form.layout:
        if isinstance(item, Section):
            if open_group:
                parts.append("</fieldset>")
            parts.append(f'<fieldset class="group"><legend>{_e(item.title)}</legend>')
            open_group = True
        elif item.type == "signature":
            parts.append(_signature(item, values, errors.get(item.name), item.name == first_error))
        else:
            parts.append(
                _control(item, values.get(item.name), errors.get(item.name), item.name == first_error)
            )
    if open_group:
        parts.append("</fieldset>")
    intro = f'<p class="intro">{_e(form.intro)}</p>' if form.intro else ""
    signature = next(f.name for f in form.fields if f.type == "signature")
    pdf_link = f"{FORMS_PREFIX}/{form.id}.pdf"
    notice = "" if sealing else f'<p class="notice" role="status">{_e(UNAVAILABLE)}</p>'
    return f"""<!doctype html>
<html lang="ro">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(form.title)} — completare online — Primăria Orașului Măgurele</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{FORMS_PREFIX}/static/form.css">
<script src="{FORMS_PREFIX}/static/signature_pad.umd.min.js" defer></script>
<script src="{FORMS_PREFIX}/static/form.js" defer></script>
</head>
<body>
<header class="site"><p>Primăria Orașului Măgurele</p></header>
<main>
<h1>{_e(form.form_title)}</h1>
{intro}
<p class="lead">Completați cererea aici, semnați-o și descărcați-o ca PDF sigilat de primărie.
Datele nu sunt păstrate pe server: le primiți doar în PDF-ul descărcat.
Câmpurile marcate cu <span class="req">*</span> sunt obligatorii.</p>
{notice}
{_summary(errors, message, signature)}
<form class="form" id="form-page" method="post" action="{FORMS_PREFIX}/{form.id}" novalidate accept-charset="utf-8" data-form-id="{form.id}">
{"".join(parts)}
<button type="submit" class="button button--primary" id="form-submit">Semnați și descărcați cererea (PDF)</button>
</form>
<div class="result" id="form-result" role="status" tabindex="-1" hidden>
<p><strong>Cererea a fost completată și sigilată de primărie.</strong> Descărcarea a pornit;
dacă nu a pornit, <a id="form-result-link" href="#" download="{form.id}.pdf">descărcați PDF-ul</a>.</p>
<p>Amprenta documentului (SHA-256): <code id="form-result-sha"></code></p>
</div>
<p class="alt">Preferați să completați PDF-ul în aplicația dumneavoastră?
<a href="{pdf_link}">Descărcați formularul necompletat (PDF)</a>.</p>
</main>
</body>
</html>
"""


def not_found_page(form_id: str) -> str:
    shown = _e(form_id[:80])
    return f"""<!doctype html>
<html lang="ro">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Formular inexistent — Primăria Orașului Măgurele</title>
<link rel="stylesheet" href="{FORMS_PREFIX}/static/form.css">
</head>
<body>
<header class="site"><p>Primăria Orașului Măgurele</p></header>
<main>
<h1>Formular inexistent</h1>
<p>Formularul „{shown}” nu există în catalogul Primăriei Orașului Măgurele.
Verificați adresa sau cereți formularul în chat.</p>
</main>
</body>
</html>
"""


# --- reading a submission ---------------------------------------------------------------


@dataclass
class Submission:
    """What a POST carries: the fields' values and the signature (image or typed name)."""

    values: Dict[str, Any] = dataclass_field(default_factory=dict)
    signature_png: Optional[bytes] = None
    signature_text: Optional[str] = None
    page_values: Dict[str, Any] = dataclass_field(default_factory=dict)  # to show the page again
    errors: Dict[str, str] = dataclass_field(default_factory=dict)


def _from_plain_form(request: Request) -> bool:
    """Whether the POST comes from the page without its script (then the answer is a page)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/x-www-form-urlencoded"


def parse_body(form: Form, content_type: str, body: bytes) -> Submission:
    """Read a JSON object or a form-encoded body into a :class:`Submission`.

    Raises:
        BadRequest: the body is not UTF-8, not a JSON object, repeats a key, or has a
            content type other than JSON or form-encoded.
    """
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("malformed", "Cererea nu este scrisă în UTF-8.") from None
    data: Dict[str, Any]
    if kind == "application/json":
        try:
            parsed = json.loads(text or "{}")
        except ValueError:
            raise BadRequest("malformed", "Cererea nu conține JSON valid.") from None
        if not isinstance(parsed, dict):
            raise BadRequest("malformed", 'Cererea trebuie să fie un obiect JSON {"câmp": valoare}.')
        data = parsed
    elif kind == "application/x-www-form-urlencoded":
        pairs = parse_qs(text, keep_blank_values=True)
        repeated = [name for name, items in pairs.items() if len(items) > 1]
        if repeated:
            raise BadRequest("malformed", f"Câmpul „{repeated[0][:60]}” apare de mai multe ori.")
        data = {name: items[0] for name, items in pairs.items()}
    else:
        raise BadRequest(
            "unsupported",
            "Trimiteți datele ca JSON sau ca formular (application/x-www-form-urlencoded).",
            415,
        )

    submission = Submission(page_values=dict(data))
    signature = next(f for f in form.fields if f.type == "signature")
    dates = {f.name for f in form.fields if f.type == "date"}
    for name, value in data.items():
        if name in PAGE_KEYS:
            continue
        iso = _ISO_DATE.match(value.strip()) if name in dates and isinstance(value, str) else None
        # A date input sends yyyy-mm-dd; the catalog's dates are zz.ll.aaaa.
        submission.values[name] = f"{iso[3]}.{iso[2]}.{iso[1]}" if iso else value

    drawn, typed = data.get(SIGNATURE_PNG), data.get(SIGNATURE_TEXT)
    if drawn not in (None, ""):
        if not isinstance(drawn, str):
            submission.errors[signature.name] = f"{signature.label}: imaginea semnăturii nu poate fi citită."
        else:
            payload = drawn.split(",", 1)[1] if drawn.startswith("data:") else drawn
            if drawn.startswith("data:") and not drawn.startswith("data:image/png;base64,"):
                submission.errors[signature.name] = (
                    f"{signature.label}: imaginea semnăturii trebuie să fie un fișier PNG."
                )
            else:
                try:
                    submission.signature_png = base64.b64decode(payload, validate=True)
                except (binascii.Error, ValueError):
                    submission.errors[signature.name] = (
                        f"{signature.label}: imaginea semnăturii nu poate fi citită."
                    )
    elif isinstance(typed, str) and typed.strip():
        submission.signature_text = typed
    elif typed not in (None, "") and not isinstance(typed, str):
        submission.errors[signature.name] = f"{signature.label}: numele trebuie să fie un text."
    else:
        submission.errors[signature.name] = f"{signature.label}: {SIGNATURE_MISSING}"
    return submission


@dataclass
class Outcome:
    pdf: Optional[bytes] = None
    errors: Dict[str, str] = dataclass_field(default_factory=dict)


def make_pdf(form: Form, submission: Submission, seal: Any) -> Outcome:
    """Check everything, then fill, stamp and seal (blocking: run it in an executor)."""
    from forms_catalog.pdf import check_values
    from forms_catalog.seal import fill_and_seal
    from forms_catalog.stamp import check_signature_image, typed_signature_png

    catalog = load_catalog()
    _, errors = check_values(form.id, submission.values, catalog)
    errors.update(submission.errors)
    png = submission.signature_png
    try:
        if png is not None:
            check_signature_image(png, form)
        elif submission.signature_text is not None:
            png = typed_signature_png(submission.signature_text, form)
    except FieldValidationError as error:
        errors[error.field] = error.message
    if errors:
        order = [f.name for f in form.fields]
        return Outcome(
            errors=dict(sorted(errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else -1))
        )
    try:
        return Outcome(pdf=fill_and_seal(form.id, submission.values, png, seal=seal, catalog=catalog))
    except FieldValidationError as error:  # a value too long for its box even at 6 pt
        return Outcome(errors={error.field: error.message})


# --- routes -------------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return response.json(data, status=status, headers=SECURITY_HEADERS, ensure_ascii=False)


def _refuse(
    request: Request,
    form: Optional[Form],
    code: str,
    message: str,
    status: int,
    errors: Optional[Dict[str, str]] = None,
    page_values: Optional[Dict[str, Any]] = None,
) -> HTTPResponse:
    """A refusal as JSON for the page's script, as the page again for a plain form POST."""
    if form is None or not _from_plain_form(request):
        body: Dict[str, Any] = {"error": code, "message": message}
        if errors is not None:
            body["errors"] = errors
        return _json(body, status)
    page = render_page(form, request.app.ctx.form_seal is not None, page_values or {}, errors, message)
    return response.html(page, status=status, headers=SECURITY_HEADERS)


def _known_form(form_id: str) -> Optional[Form]:
    return load_catalog().forms.get(form_id) if _FORM_ID.match(form_id) else None


async def form_page(request: Request, form_id: str) -> HTTPResponse:
    """``GET /formulare/<form_id>``: the page, or a Romanian 404."""
    form = _known_form(form_id)
    if form is None:
        return response.html(not_found_page(form_id), status=404, headers=SECURITY_HEADERS)
    return response.html(render_page(form, request.app.ctx.form_seal is not None), headers=SECURITY_HEADERS)


async def _read_body(request: Request) -> Optional[bytes]:
    """The request's body, or ``None`` as soon as it is longer than MAX_BODY_BYTES."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    if request.stream is None:  # the route is not streamed (it is, in add_routes)
        return request.body if len(request.body) <= MAX_BODY_BYTES else None
    body = bytearray()
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return bytes(body)
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None


async def submit_form(request: Request, form_id: str) -> HTTPResponse:
    """``POST /formulare/<form_id>``: the sealed PDF, or why not (nothing is stored)."""
    form = _known_form(form_id)
    if form is None:
        return _json(
            {
                "error": "unknown_form",
                "message": f"Formularul „{form_id[:80]}” nu există în catalogul Primăriei Orașului Măgurele.",
            },
            404,
        )
    body = await _read_body(request)
    if body is None:
        return _refuse(request, form, "too_large", TOO_LARGE, 413)
    seal = request.app.ctx.form_seal
    if seal is None:
        return _refuse(request, form, "unavailable", UNAVAILABLE, 503)
    try:
        submission = parse_body(form, request.headers.get("content-type", ""), body)
    except BadRequest as error:
        return _refuse(request, form, error.code, error.message, error.status)

    ctx = request.app.ctx
    if ctx.form_fill_waiting >= MAX_WAITING:
        logger.warning("form page %s: %d requests waiting; one refused", form.id, ctx.form_fill_waiting)
        return _refuse(request, form, "busy", BUSY, 503)
    loop = asyncio.get_running_loop()
    ctx.form_fill_waiting += 1
    try:
        async with ctx.form_fill_slots:
            outcome = await loop.run_in_executor(None, make_pdf, form, submission, seal)
    finally:
        ctx.form_fill_waiting -= 1
    if outcome.errors:
        logger.info("form page %s: refused, %d field(s) with errors", form.id, len(outcome.errors))
        return _refuse(request, form, "invalid", CHECK_FIELDS, 400, outcome.errors, submission.page_values)
    assert outcome.pdf is not None
    from forms_catalog.seal import document_sha256

    sha256 = document_sha256(outcome.pdf)
    logger.info("form page %s: sealed PDF sent, sha256 %s", form.id, sha256)  # no values
    return response.raw(
        outcome.pdf,
        content_type="application/pdf",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{form.id}.pdf"',
            "X-Document-SHA256": sha256,
        },
    )


FILLED_GONE = (
    "Documentul nu mai este disponibil: linkul a expirat sau nu este corect. Completați "
    "cererea din nou în chat sau pe pagina formularului."
)


async def filled_pdf(request: Request, name: str) -> HTTPResponse:
    """``GET /formulare/completate/<token>.pdf``: a PDF filled and sealed in the chat
    (livechat/filled_forms.py), while it is kept; a Romanian 404 otherwise."""
    from forms_catalog.seal import document_sha256

    token = name[: -len(".pdf")] if name.endswith(".pdf") else ""
    store = request.app.ctx.filled_store
    pdf = await asyncio.get_running_loop().run_in_executor(None, store.read, token)
    if pdf is None:
        return response.text(FILLED_GONE, status=404, headers=SECURITY_HEADERS)
    return response.raw(
        pdf,
        content_type="application/pdf",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": 'attachment; filename="cerere-completata.pdf"',
            "X-Document-SHA256": document_sha256(pdf),
        },
    )


async def static_file(request: Request, name: str) -> HTTPResponse:
    if name not in FORM_FILES:
        return response.text("Fișier inexistent.", status=404, headers=SECURITY_HEADERS)
    path, content_type = FORM_FILES[name]
    return response.raw(
        (STATIC_DIR / path).read_bytes(),
        content_type=content_type,
        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"},
    )


def seal_configured(environ: Mapping[str, str]) -> bool:
    from forms_catalog.seal import ENV_CERT, ENV_KEY

    return bool(environ.get(ENV_KEY, "").strip() or environ.get(ENV_CERT, "").strip())


def load_form_seal(environ: Optional[Mapping[str, str]] = None) -> Any:
    """The city hall's seal from the ``SEAL_*`` settings, or ``None`` when none is set.

    Raises:
        SealConfigError: a seal is configured but a setting is wrong (the message names it).
    """
    from forms_catalog.seal import load_seal

    environ = os.environ if environ is None else environ
    if not seal_configured(environ):
        logger.warning(
            "form pages: no seal configured (SEAL_KEY, SEAL_CERT); online filling "
            "answers 503 until it is (forms_catalog/README.md, `make seal-dev`)"
        )
        return None
    seal = load_seal(environ)
    logger.info("form pages: sealing with %r", seal)
    return seal


def add_routes(bp: Blueprint, settings: Any = None) -> None:
    """The form pages' POST and static routes, and the seal loaded before the server starts.

    ``GET /formulare/<form_id>`` shares its path with the blank PDF's route, so
    web/site.py sends the ids without ``.pdf`` to :func:`form_page`.
    """

    @bp.listener("before_server_start")
    async def load(app: Any, loop: asyncio.AbstractEventLoop) -> None:
        app.ctx.form_seal = await loop.run_in_executor(None, load_form_seal)
        app.ctx.form_fill_slots = asyncio.Semaphore(FILL_SLOTS)
        app.ctx.form_fill_waiting = 0
        app.ctx.filled_store = FilledStore.from_env()  # the PDFs filled in the chat

    bp.add_route(
        submit_form, f"{FORMS_PREFIX}/<form_id>", methods=["POST"], stream=True, name="form_page_submit"
    )
    bp.add_route(static_file, f"{FORMS_PREFIX}/static/<name>", methods=["GET"], name="form_page_static")
    bp.add_route(filled_pdf, f"{DOWNLOAD_PREFIX}/<name>", methods=["GET"], name="form_page_filled")
