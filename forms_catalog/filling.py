"""Filling a catalog form in the chat, one question at a time (issue 13, item 2).

Nothing here knows Rasa: ``actions/filling.py`` keeps a :class:`FillState` in a slot and
hands each answer of the citizen to :func:`answer`, which says what happened (stored,
refused with the validator's Romanian message, skipped, corrected, stopped, confirmed);
the questions and the summary are rendered here too, so that they read the same on every
channel. The values are checked with the catalog's own validators (:meth:`Field.clean`),
the same as the PDF and the form page use.

The signature is never asked: the citizen signs the PDF afterwards (in a PDF app, or on
the form page). Answers are the citizen's personal data: nothing here logs them.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from forms_catalog.errors import FieldValidationError
from forms_catalog.model import Field, Form
from forms_catalog.text import fold
from forms_catalog.validators import VALIDATOR_HINTS

__all__ = [
    "FILLED_FORM",
    "FillState",
    "Outcome",
    "answer",
    "fillable_fields",
    "is_command",
    "filled_form_payload",
    "next_field",
    "missing_fields",
    "question",
    "set_value",
    "summary_text",
]

#: Key of the custom payload the chat's filling ends with:
#: ``{"filled_form": {"form_id": …, "values": {field: value}}}``; the website channel
#: fills and seals the PDF (livechat/filled_forms.py).
FILLED_FORM = "filled_form"

Value = Union[str, bool]

# What the citizen types (folded: no diacritics, lower case) to skip, stop, correct, or
# confirm. A whole message must be one of the commands, so that an answer which merely
# contains the word ("renunț la teren" in a petition) is still an answer.
SKIP_COMMANDS = frozenset(
    {"treceti peste", "trec peste", "treci peste", "sari", "sari peste", "sar peste", "mai departe", "skip"}
)
STOP_COMMANDS = frozenset(
    {
        "renunt",
        "renuntati",
        "renuntam",
        "vreau sa renunt",
        "renunt la completare",
        "mai tarziu",
        "continui mai tarziu",
        "continuam mai tarziu",
        "completez mai tarziu",
        "stop",
        "opreste",
        "opriti",
        "anuleaza",
        "anulati",
    }
)
YES = frozenset(
    {"da", "confirm", "confirmati", "confirmat", "corect", "e corect", "este corect", "ok", "bine"}
)
NO = frozenset({"nu", "nu e corect", "nu este corect", "gresit"})
# "am greșit CNP-ul", "vreau să corectez adresa", "schimb telefonul"
_CORRECTION = re.compile(
    r"^(?:am gresit|gresit|vreau sa (?:corectez|modific|schimb)|corectez|modific|schimb)\b"
)
MAX_CORRECTION_WORDS = 6
# Words of a label that say nothing about which field it is.
_STOP_WORDS = frozenset(
    {"si", "sau", "de", "din", "la", "cu", "pe", "in", "al", "ale", "a", "ul", "le", "lui", "pentru", "care"}
)

DECLARATION_REQUIRED = (
    "Fără această declarație cererea nu poate fi depusă. Răspundeți „da” pentru a continua "
    "sau scrieți „renunț” pentru a opri completarea."
)
STOPPED = (
    "Am oprit completarea. Răspunsurile dumneavoastră rămân păstrate în această conversație: "
    "când doriți să continuați, scrieți „continuă completarea”."
)
WHICH_FIELD = (
    "Ce doriți să corectați? Scrieți, de exemplu, „am greșit CNP-ul” sau „vreau să corectez "
    "adresa”; pentru a trimite cererea așa cum este, apăsați „Confirmați”."
)
WHICH_FORM = (
    "Ce cerere doriți să completați? Scrieți numele ei, de exemplu „petiție” sau "
    "„certificat de urbanism”, sau scrieți „renunț”."
)
UNKNOWN_FORM = "Nu am găsit această cerere în catalogul primăriei. " + WHICH_FORM
SUMMARY_QUESTION = (
    "Sunt corecte datele? Dacă da, apăsați „Confirmați”; dacă nu, scrieți ce doriți să corectați."
)


@dataclass
class FillState:
    """Where the filling of one form has got to; kept in a slot as :meth:`as_slot`.

    ``answers`` maps a field's name to its cleaned value; a skipped optional field is
    there with ``None``. The next question is the first fillable field not answered; when
    every one is, the summary is shown, and ``confirmed`` ends the filling.
    """

    form_id: Optional[str] = None
    answers: Dict[str, Optional[Value]] = field(default_factory=dict)
    confirmed: bool = False

    @classmethod
    def from_slot(cls, value: Any) -> "FillState":
        """The state kept in the slot; an empty or malformed slot is a fresh state."""
        if not isinstance(value, dict):
            return cls()
        form_id = value.get("form_id")
        answers = value.get("answers")
        return cls(
            form_id=form_id if isinstance(form_id, str) else None,
            answers=(
                {
                    k: v
                    for k, v in answers.items()
                    if isinstance(k, str) and isinstance(v, (str, bool, type(None)))
                }
                if isinstance(answers, dict)
                else {}
            ),
            confirmed=value.get("confirmed") is True,
        )

    def as_slot(self) -> Dict[str, Any]:
        return {"form_id": self.form_id, "answers": dict(self.answers), "confirmed": self.confirmed}

    def values(self) -> Dict[str, Value]:
        """The answers to put in the PDF: skipped fields left out."""
        return {name: value for name, value in self.answers.items() if value not in (None, "")}


@dataclass
class Outcome:
    """What an answer did: the messages to send (Romanian) and whether the filling stops
    (``stopped``: kept for later) or is complete (``state.confirmed``)."""

    state: FillState
    messages: List[str] = field(default_factory=list)
    stopped: bool = False


def fillable_fields(form: Form) -> Tuple[Field, ...]:
    """The fields asked in the chat, in the PDF's order: every one but the signature."""
    return tuple(f for f in form.fields if f.type != "signature")


def next_field(form: Form, state: FillState) -> Optional[Field]:
    """The field to ask now, or ``None`` when every one is answered (the summary)."""
    return next((f for f in fillable_fields(form) if f.name not in state.answers), None)


def _help(item: Field) -> str:
    if item.type == "checkbox":
        help_text = "Răspundeți cu „da” sau „nu”."
    elif item.type == "date":
        help_text = VALIDATOR_HINTS["date"]
    elif item.validator:
        help_text = VALIDATOR_HINTS[item.validator]
    else:
        help_text = ""
    return " ".join(part for part in (item.hint, help_text) if part)


def question(form: Form, item: Field) -> str:
    """The question for ``item``: its number, label, whether it may be skipped, its help."""
    fields = fillable_fields(form)
    position = fields.index(item) + 1
    need = (
        "obligatoriu"
        if item.required
        else "opțional; dacă nu doriți să îl completați, scrieți „treceți peste”"
    )
    lines = [f"{position}/{len(fields)}. {item.label} ({need})"]
    help_text = _help(item)
    if help_text:
        lines.append(help_text)
    return "\n".join(lines)


def _shown(item: Field, value: Optional[Value]) -> str:
    if item.type == "checkbox":
        return "da" if value is True else "nu"
    return str(value) if value not in (None, "") else "necompletat"


def summary_text(form: Form, state: FillState) -> str:
    """Every answer, for the citizen to check before the PDF is made."""
    lines = [f"Verificați datele cererii „{form.title}”:"]
    for item in fillable_fields(form):
        lines.append(f"• {item.label}: {_shown(item, state.answers.get(item.name))}")
    return "\n".join(lines)


def _words(text: str) -> List[str]:
    return [w for w in fold(text).split() if w not in _STOP_WORDS]


def correction_field(form: Form, text: str) -> Optional[Field]:
    """The field a correction names ("am greșit CNP-ul" → ``cnp``), or ``None``.

    A field is named by a word of its label or of its name, inflected as citizens write it
    ("CNP-ul", "telefonul", "adresa" for the address): the field with most such words wins,
    the first in the form on a tie.
    """
    said = _words(_CORRECTION.sub("", fold(text)))
    best: Optional[Field] = None
    best_score = 0
    for item in fillable_fields(form):
        keys = {w for w in _words(item.label) + _words(item.name.replace("_", " ")) if len(w) >= 3}
        if item.name in ("domiciliu", "adresa") or "domiciliu" in item.name:
            keys.add("adres")
        score = sum(1 for word in said if any(word.startswith(key[:5]) for key in keys))
        if score > best_score:
            best, best_score = item, score
    return best


def is_command(text: str) -> bool:
    """Whether ``text`` is one of the filling's own commands: skip, stop, yes, no, or a
    short correction ("am greșit CNP-ul")."""
    folded = fold(text)
    if folded in SKIP_COMMANDS or folded in STOP_COMMANDS or folded in YES or folded in NO:
        return True
    return bool(_CORRECTION.match(folded)) and len(folded.split()) <= MAX_CORRECTION_WORDS


def _clean(item: Field, text: str) -> Value:
    """The value of ``text`` for ``item``, by the catalog's validators (FieldValidationError)."""
    if item.type == "checkbox":
        folded = fold(text)
        if folded in YES:
            return True
        if folded in NO:
            return False
    return item.clean(text)


def start(form: Form, saved: FillState) -> Outcome:
    """Start filling ``form``, or resume it with the answers kept from before."""
    if saved.form_id == form.id and saved.answers:
        state = FillState(form.id, dict(saved.answers))
        kept = sum(1 for f in fillable_fields(form) if f.name in state.answers)
        return Outcome(
            state,
            [f"Continuăm completarea cererii „{form.title}” de unde am rămas ({kept} răspunsuri păstrate)."],
        )
    return Outcome(
        FillState(form.id),
        [
            f"Completăm împreună cererea „{form.title}”: vă întreb pe rând datele ei, apoi vă arăt "
            "un rezumat și, după ce îl confirmați, primiți PDF-ul completat. Puteți scrie oricând "
            "„treceți peste” (la câmpurile opționale), „am greșit …” (de exemplu „am greșit CNP-ul”) "
            "sau „renunț” (răspunsurile rămân păstrate)."
        ],
    )


def answer(
    form: Form,
    state: FillState,
    text: str,
    affirmed: bool = False,
    denied: bool = False,
) -> Outcome:
    """What the citizen's message ``text`` does to the filling of ``form``.

    ``affirmed``/``denied``: the NLU read the message as a yes or a no (the summary's
    buttons send ``/affirm`` and ``/deny``). Bad input changes nothing: the state returned
    is the one given, with the reason in ``messages``.
    """
    folded = fold(text)
    if folded in STOP_COMMANDS:
        return Outcome(state, [STOPPED], stopped=True)
    # A short message only: "Schimb de locuință cu vecinul…" is the content of a petition.
    if _CORRECTION.match(folded) and len(folded.split()) <= MAX_CORRECTION_WORDS:
        target = correction_field(form, text)
        if target is None:
            return Outcome(state, [WHICH_FIELD])
        answers = {k: v for k, v in state.answers.items() if k != target.name}
        return Outcome(FillState(form.id, answers), [f"Bine, corectăm „{target.label}”."])

    item = next_field(form, state)
    if item is None:  # the summary
        if affirmed or folded in YES:
            return Outcome(FillState(form.id, dict(state.answers), confirmed=True))
        return Outcome(state, [WHICH_FIELD])

    if folded in SKIP_COMMANDS:
        if item.required:
            return Outcome(state, [f"„{item.label}” este obligatoriu, nu îl putem sări."])
        return Outcome(FillState(form.id, {**state.answers, item.name: None}))
    if item.type == "checkbox" and (affirmed or denied) and text.startswith("/"):
        value: Value = affirmed
    else:
        try:
            value = _clean(item, text)
        except FieldValidationError as error:
            return Outcome(state, [error.message])
    if item.required and value in ("", False):
        if item.type == "checkbox":
            return Outcome(state, [DECLARATION_REQUIRED])
        return Outcome(state, [f"„{item.label}” este obligatoriu; scrieți o valoare."])
    return Outcome(FillState(form.id, {**state.answers, item.name: value}))


def set_value(form: Form, state: FillState, name: str, text: Any) -> FillState:
    """The state with field ``name`` set to ``text`` as a clerk types it for the citizen.

    The value goes through the same validators as the citizen's answers; an empty value
    clears an optional field (skipped) and is refused for a required one. The summary must
    be confirmed again afterwards.

    Raises:
        FieldValidationError: an unknown field, or a value refused (Romanian, field named).
    """
    item = next((f for f in fillable_fields(form) if f.name == name), None)
    if item is None:
        raise FieldValidationError(str(name), f"Cererea „{form.title}” nu are câmpul „{name}”.")
    if isinstance(text, bool) and item.type == "checkbox":
        value: Optional[Value] = text
    elif not isinstance(text, str):
        raise FieldValidationError(item.name, f"{item.label}: scrieți valoarea ca text.")
    elif not text.strip():
        if item.required:
            raise FieldValidationError(item.name, f"{item.label}: este obligatoriu; scrieți o valoare.")
        value = None
    else:
        value = _clean(item, text)
    if item.required and value is False:
        raise FieldValidationError(
            item.name, f"{item.label}: fără această declarație a cetățeanului cererea nu poate fi depusă."
        )
    return FillState(form.id, {**state.answers, item.name: value})


def missing_fields(form: Form, state: FillState) -> List[Field]:
    """The required fields not answered yet."""
    return [f for f in fillable_fields(form) if f.required and state.answers.get(f.name) in (None, "")]


def filled_form_payload(form_id: str, values: Mapping[str, Value]) -> Dict[str, Any]:
    """The custom payload that asks the website channel for the filled, sealed PDF."""
    return {FILLED_FORM: {"form_id": form_id, "values": dict(values)}}
