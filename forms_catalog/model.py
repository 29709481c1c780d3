"""The catalog's data model: facts, PDF fields, forms, departments and the catalog itself.

Everything here is immutable and built by :mod:`forms_catalog.loader`; nothing reads files.
"""

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from types import MappingProxyType
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from forms_catalog.errors import FieldValidationError, InvalidValue, UnknownFormError
from forms_catalog.text import fix_cedillas, fold
from forms_catalog.validators import VALIDATORS, validate_date

# Stable category ids (used in buttons, payloads and the NLU) → Romanian labels.
CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "taxe": "Taxe și impozite",
        "urbanism": "Urbanism",
        "stare_civila": "Stare civilă",
        "asistenta_sociala": "Asistență socială",
        "registrul_agricol": "Registrul agricol",
        "registratura": "Registratură",
    }
)

# Form ids the NLU contract (shared/DESIGN.md, issue 3) relies on; `check` fails without them.
REQUIRED_FORM_IDS: Tuple[str, ...] = (
    "certificat_urbanism",
    "autorizatie_construire",
    "certificat_nomenclatura",
    "inscriere_auto",
    "scoatere_auto",
    "certificat_fiscal",
    "declaratie_cladire",
    "declaratie_teren",
    "inregistrare_nastere",
    "casatorie",
    "inregistrare_deces",
    "duplicat_stare_civila",
    "alocatie_copii",
    "ajutor_incalzire",
    "venit_minim_incluziune",
    "adeverinta_registru_agricol",
    "informatii_publice",
    "petitie",
    "audienta",
)

# Departments the infrastructure redirect and the registratură fallback rely on.
REQUIRED_DEPARTMENT_IDS: Tuple[str, ...] = (
    "registratura",
    "investitii",
    "drumuri",
    "apa_canal",
    "iluminat_public",
)

FIELD_TYPES: Tuple[str, ...] = ("text", "date", "checkbox", "signature")

# A topic right after one of these (folded) words names the place of a problem, not the
# problem: "gropi pe strada", "canalizarea din Pruni" (see Catalog.department_scores).
PLACE_PREPOSITIONS = frozenset({"pe", "din", "in", "prin", "langa", "spre"})

UNVERIFIED_NOTE = "verificați la ghișeu"

_CONTROL_CHARS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_TRUE = {"da", "true", "1", "x", "yes", "on", "bifat"}
_FALSE = {"nu", "false", "0", "", "no", "off", "nebifat"}


class Fact(str):
    """A piece of catalog text that knows where it comes from and whether it is certain.

    A ``Fact`` *is* its Romanian text (a ``str``), so it can be shown or joined directly;
    ``source`` names the page it was taken from and ``unverified`` is true when the fact
    is not confirmed for Măgurele (taken from another city hall, outdated or inferred).
    Anything that shows an unverified fact to a citizen must add "verificați la ghișeu";
    :meth:`Form.card_sections` does.
    """

    source: str
    unverified: bool
    #: who at the city hall confirmed the fact, and on which day (issue 17); a confirmed
    #: fact is never unverified (forms_catalog check refuses both)
    confirmed_by: Optional[str]
    confirmed_on: Optional[dt.date]

    def __new__(
        cls,
        text: str,
        source: str,
        unverified: bool,
        confirmed_by: Optional[str] = None,
        confirmed_on: Optional[dt.date] = None,
    ) -> "Fact":
        fact = super().__new__(cls, text)
        fact.source = source
        fact.unverified = unverified
        fact.confirmed_by = confirmed_by
        fact.confirmed_on = confirmed_on
        return fact

    def __getnewargs__(  # type: ignore[override]  # pickling, copying
        self,
    ) -> Tuple[str, str, bool, Optional[str], Optional[dt.date]]:
        return (str(self), self.source, self.unverified, self.confirmed_by, self.confirmed_on)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_by is not None and self.confirmed_on is not None

    @property
    def text(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        flag = ", unverified" if self.unverified else ""
        return f"Fact({str(self)!r}, source={self.source!r}{flag})"


@dataclass(frozen=True)
class Field:
    """One field of a form's PDF (and of the bot's form-filling dialogue).

    ``type`` is ``text``, ``date`` (text written zz.ll.aaaa), ``checkbox`` or ``signature``
    (an empty /Sig field that the citizen signs in a PDF app; it cannot be filled).
    ``validator`` names an entry of :data:`forms_catalog.validators.VALIDATORS`.
    """

    name: str
    label: str
    type: str = "text"
    validator: Optional[str] = None
    required: bool = False
    width: str = "full"
    lines: int = 1
    max_length: Optional[int] = None
    hint: Optional[str] = None

    @property
    def multiline(self) -> bool:
        return self.lines > 1

    def _error(self, message: str) -> FieldValidationError:
        return FieldValidationError(self.name, f"{self.label}: {message}")

    def clean(self, value: Any) -> Union[str, bool]:
        """Validate one value and return it normalised (``bool`` for a checkbox).

        Raises:
            FieldValidationError: with this field's name and a Romanian message that
                starts with the field's label.
        """
        if self.type == "signature":
            raise self._error("semnătura nu se completează automat; semnați documentul în aplicația PDF.")
        if self.type == "checkbox":
            if value is None:  # not answered: unchecked, as an empty text field is empty
                return False
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
            raise self._error("răspundeți cu „da” sau „nu”.")
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self._error("valoarea trebuie să fie un text.")
        text = fix_cedillas(str(value)).replace("\r\n", "\n").strip()
        if _CONTROL_CHARS.search(text):
            raise self._error("textul conține caractere de control nepermise.")
        if "\n" in text and not self.multiline:
            raise self._error("scrieți valoarea pe un singur rând.")
        if text:
            validator = validate_date if self.type == "date" else VALIDATORS.get(self.validator or "")
            if validator is not None:
                try:
                    text = validator(text)
                except InvalidValue as error:
                    raise self._error(str(error)) from None
        if self.max_length is not None and len(text) > self.max_length:
            raise self._error(f"textul poate avea cel mult {self.max_length} caractere (are {len(text)}).")
        return text


@dataclass(frozen=True)
class Section:
    """A heading between groups of fields in the PDF."""

    title: str


LayoutItem = Union[Section, Field]


@dataclass(frozen=True)
class Form:
    """One procedure of the city hall and its fillable PDF.

    The procedure texts are :class:`Fact` objects (strings with ``source`` and
    ``unverified``); ``documents`` and ``notes`` are tuples of them. ``department`` is a
    department id. ``layout`` is the PDF order of sections and fields; ``fields`` the
    fields alone.
    """

    id: str
    title: str
    form_title: str
    category: str
    purpose: Fact
    who_may_apply: Fact
    documents: Tuple[Fact, ...]
    fee: Fact
    processing_time: Fact
    submit: Fact
    pickup: Fact
    legal_basis: Fact
    department: str
    synonyms: Tuple[str, ...]
    layout: Tuple[LayoutItem, ...]
    filing_deadline: Optional[Fact] = None
    notes: Tuple[Fact, ...] = ()
    intro: Optional[str] = None
    # What citizens say when they need this form without naming it ("ne căsătorim în
    # iunie"); they train the NLU's form classifier (forms_catalog/nlu.py).
    situations: Tuple[str, ...] = ()
    path: Optional[str] = dataclass_field(default=None, compare=False, repr=False)

    @property
    def fields(self) -> Tuple[Field, ...]:
        return tuple(item for item in self.layout if isinstance(item, Field))

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]

    def field(self, name: str) -> Field:
        """The field called ``name``; :class:`FieldValidationError` if there is none."""
        for item in self.fields:
            if item.name == name:
                return item
        raise FieldValidationError(name, f"Formularul „{self.title}” nu are câmpul „{name}”.")

    def facts(self) -> List[Tuple[str, Fact]]:
        """Every fact with the attribute it belongs to, in card order."""
        named: List[Tuple[str, Optional[Fact]]] = [
            ("purpose", self.purpose),
            ("who_may_apply", self.who_may_apply),
            *(("documents", d) for d in self.documents),
            ("fee", self.fee),
            ("filing_deadline", self.filing_deadline),
            ("processing_time", self.processing_time),
            ("submit", self.submit),
            ("pickup", self.pickup),
            ("legal_basis", self.legal_basis),
            *(("notes", n) for n in self.notes),
        ]
        return [(name, fact) for name, fact in named if fact is not None]

    @property
    def sources(self) -> Tuple[str, ...]:
        """The distinct sources of this form's facts, in card order."""
        return tuple(dict.fromkeys(fact.source for _, fact in self.facts()))

    @property
    def unverified_facts(self) -> Tuple[Tuple[str, Fact], ...]:
        return tuple((name, fact) for name, fact in self.facts() if fact.unverified)

    def clean_values(self, values: Mapping[str, Any]) -> Dict[str, Union[str, bool]]:
        """Validate a mapping of field name → value; return the normalised values.

        Unknown names and bad values raise :class:`FieldValidationError` (the first one,
        in the order of the form's fields, unknown names first).
        """
        known = {f.name for f in self.fields}
        for name in values:
            if name not in known:
                self.field(name)  # raises with a clear message
        return {f.name: f.clean(values[f.name]) for f in self.fields if f.name in values}

    def missing_required(self, values: Mapping[str, Any]) -> List[Field]:
        """Required fields that ``values`` leaves empty (useful to drive a dialogue)."""
        return [f for f in self.fields if f.required and (values.get(f.name) in (None, "", False))]

    def card_sections(self, department: Optional["Department"] = None) -> Dict[str, str]:
        """Short Romanian chat messages, one per aspect of the procedure.

        Keys: ``summary``, ``documents``, ``fee``, ``deadline``, ``submit``, ``pickup``,
        ``legal_basis``. Unverified facts are flagged with "verificați la ghișeu".
        Pass the form's department to name it in the summary.
        """
        from forms_catalog.cards import render_card

        return render_card(self, department)


@dataclass(frozen=True)
class Department:
    """A department of the city hall and the topics it answers.

    ``placeholders`` names the attributes (``email``, ``hours``, …) whose value is a
    stand-in until the city hall confirms the real one (``hours`` then reads "nepublicat
    încă …" and can be shown as is); ``unverified`` names those taken
    from a secondary source. ``in_scope`` is false for departments whose questions the
    bot does not answer (investments, roads, water, lighting): it redirects to the e-mail.
    """

    id: str
    name: str
    email: str
    phone: Optional[str]
    hours: str
    topics: Tuple[str, ...]
    in_scope: bool
    # Sorted tuples rather than sets: the repr must not depend on the hash seed, because
    # the PDF cache's fingerprint hashes it (forms_catalog.pdf._fingerprint).
    placeholders: Tuple[str, ...] = ()
    unverified: Tuple[str, ...] = ()
    note: Optional[str] = None

    def is_placeholder(self, attribute: str) -> bool:
        return attribute in self.placeholders


@dataclass(frozen=True)
class Catalog:
    """All forms and departments, read by :func:`forms_catalog.load_catalog`."""

    forms: Mapping[str, Form]
    departments: Mapping[str, Department]

    def get(self, form_id: str) -> Form:
        """The form with this id; :class:`UnknownFormError` otherwise."""
        try:
            return self.forms[form_id]
        except KeyError:
            raise UnknownFormError(form_id, self.forms) from None

    def department_of(self, form: Union[Form, str]) -> Department:
        form = self.get(form) if isinstance(form, str) else form
        return self.departments[form.department]

    def by_category(self) -> Dict[str, List[Form]]:
        """Category id → its forms sorted by title, in the order of :data:`CATEGORIES`."""
        grouped: Dict[str, List[Form]] = {category: [] for category in CATEGORIES}
        for form in self.forms.values():
            grouped[form.category].append(form)
        return {category: sorted(forms, key=lambda f: fold(f.title)) for category, forms in grouped.items()}

    def card_sections(self, form_id: str) -> Dict[str, str]:
        """:meth:`Form.card_sections` with the form's department filled in."""
        form = self.get(form_id)
        return form.card_sections(self.departments.get(form.department))

    def find(self, text: str) -> Optional[Form]:
        """The form whose id, title or synonym matches ``text`` (case and diacritics
        ignored), or ``None``. Lets the bot resolve an entity value the synonym mapper
        left unmapped."""
        wanted = fold(text)
        if not wanted:
            return None
        for form in self.forms.values():
            names = (form.id.replace("_", " "), form.title, *form.synonyms)
            if any(fold(name) == wanted for name in names):
                return form
        return None

    def department_scores(self, text: str, in_scope: Optional[bool] = None) -> Dict[str, float]:
        """How strongly ``text`` is about each department's topics (only those > 0).

        Every topic of every department is looked for over the whole message, inflected
        or mistyped as citizens write ("canalizarea", "asfaltati"), by the NLU's
        :class:`~nlu_ro.phrase_matcher.PhraseMatcher`. A topic counts its words; one that
        only says *where* ("pe strada morii", "de pe stâlp", "din Pruni") counts half,
        because a street is where most problems happen, not what they are about:
        "s-a înfundat canalizarea pe strada Morii" is about the sewer.
        ``in_scope`` limits the search as in :meth:`department_for_topic`.
        """
        from nlu_ro.phrase_matcher import PhraseMatcher, words_of

        topics: Dict[str, str] = {}
        for department in self.departments.values():
            if in_scope is None or department.in_scope == in_scope:
                for topic in department.topics:
                    topics.setdefault(topic, department.id)
        words = words_of(text)
        scores: Dict[str, float] = {}
        for match in PhraseMatcher(topics).find(text):
            before = [w.text for w in words if w.end <= match.start][-1:]
            weight = len(words_of(match.phrase)) * match.score
            if before and before[0] in PLACE_PREPOSITIONS:
                weight /= 2
            scores[match.value] = scores.get(match.value, 0.0) + weight
        return scores

    def department_for_topic(self, text: str, in_scope: Optional[bool] = None) -> Optional[Department]:
        """The department whose topics ``text`` is most about, or ``None``.

        Scores come from :meth:`department_scores` over the whole message, so
        "nu merge apa la mine pe strada" goes to water, not to roads; a tie goes to the
        department listed first in departments.yml. ``in_scope`` limits the search to
        departments the bot answers for (True) or to those it redirects to by e-mail
        (False).
        """
        scores = self.department_scores(text, in_scope)
        if not scores:
            return None
        order = list(self.departments)
        best = max(scores, key=lambda d: (scores[d], -order.index(d)))
        return self.departments[best]
