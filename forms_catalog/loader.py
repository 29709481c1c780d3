"""Read and validate the catalog files.

Layout of a catalog root (by default this package's directory)::

    departments.yml        departments and the topics each answers
    fieldsets.yml          field groups shared by several forms ({use: solicitant})
    forms/<id>.yml         one procedure and its PDF fields per file

Every file is checked against ``schema/catalog.schema.json`` and then across files
(departments exist, synonyms unique, field sets known, …). Problems are collected, not
raised one by one, so ``python -m forms_catalog check`` can list them all; each names the
file and the field.
"""

import datetime as dt
import functools
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import jsonschema
import yaml

from forms_catalog.errors import CatalogError
from forms_catalog.model import (
    CATEGORIES,
    REQUIRED_DEPARTMENT_IDS,
    REQUIRED_FORM_IDS,
    Catalog,
    Department,
    Fact,
    Field,
    Form,
    LayoutItem,
    Section,
)
from forms_catalog.text import CEDILLA_LETTERS, fold

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = PACKAGE_DIR / "schema" / "catalog.schema.json"

# A fact may be marked certain (unverified: false) only if its source is the city hall's
# own site or the official legislation portal.
VERIFIED_SOURCES = ("primariamagurele.ro", "legislatie.just.ro")

PathPart = Union[str, int]


# libyaml's loader when PyYAML was built with it (10× faster), the pure-Python one otherwise;
# both construct only plain data.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe loader that rejects duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> Dict[Any, Any]:
    mapping: Dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when possible (short error messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def format_field(parts: Sequence[PathPart]) -> str:
    """["documents", 2, "text"] → "documents[2].text"."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


class _Problems:
    def __init__(self) -> None:
        self.items: List[str] = []

    def add(self, path: Path, field: Union[str, Sequence[PathPart]], message: str) -> None:
        name = field if isinstance(field, str) else format_field(field)
        self.items.append(f"{display_path(path)}: {name}: {message}")


@functools.lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_errors(data: Any, definition: str) -> Iterator[Tuple[List[PathPart], str]]:
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{definition}"},
        resolver=jsonschema.RefResolver.from_schema(_validator().schema),
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        path: List[PathPart] = list(error.absolute_path)
        message = error.message
        if error.validator == "required":
            # "'fee' is a required property" → field "fee", message "is required"
            missing = message.split("'")[1] if message.count("'") >= 2 else ""
            path.append(missing)
            message = "is required"
        yield path, message


def _read_yaml(path: Path, problems: _Problems) -> Optional[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.add(path, "(file)", f"cannot read: {error}")
        return None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(error, "problem", None) or str(error)
        problems.add(path, where, f"invalid YAML: {problem}")
        return None


def _walk_strings(value: Any, path: List[PathPart]) -> Iterator[Tuple[List[PathPart], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_strings(item, path + [key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_strings(item, path + [index])


def _check_text(path: Path, data: Any, problems: _Problems, skip: Sequence[str] = ()) -> None:
    """Romanian text must use ș/ț with comma below (citizens' typing in synonyms aside)."""
    for parts, text in _walk_strings(data, []):
        if parts and parts[0] in skip:
            continue
        bad = sorted(set(text) & CEDILLA_LETTERS)
        if bad:
            problems.add(
                path,
                parts,
                f"uses the cedilla letter(s) {' '.join(bad)}; write ș/ț (comma below)",
            )


def _confirmed_on(data: Dict[str, Any]) -> dt.date:
    value = data["confirmed_on"]  # AAAA-LL-ZZ: YAML reads it as a date, or a quoted string
    if isinstance(value, dt.datetime):
        raise ValueError("a time, not a day")
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _fact(data: Dict[str, Any]) -> Fact:
    confirmed_on = _confirmed_on(data) if "confirmed_on" in data else None
    return Fact(data["text"], data["source"], data["unverified"], data.get("confirmed_by"), confirmed_on)


def _field(data: Dict[str, Any]) -> Field:
    return Field(
        name=data["name"],
        label=data["label"],
        type=data["type"],
        validator=data.get("validator"),
        required=data.get("required", False),
        width=data.get("width", "full"),
        lines=data.get("lines", 1),
        max_length=data.get("max_length"),
        hint=data.get("hint"),
    )


def _load_departments(path: Path, problems: _Problems) -> Dict[str, Department]:
    data = _read_yaml(path, problems)
    if data is None:
        return {}
    errors = list(_schema_errors(data, "departmentsFile"))
    for parts, message in errors:
        problems.add(path, parts, message)
    if errors:
        return {}
    _check_text(path, data, problems)
    departments: Dict[str, Department] = {}
    for index, item in enumerate(data["departments"]):
        if item["id"] in departments:
            problems.add(path, ["departments", index, "id"], f"duplicate id {item['id']!r}")
            continue
        departments[item["id"]] = Department(
            id=item["id"],
            name=item["name"],
            email=item["email"],
            phone=item["phone"],
            hours=item["hours"],
            topics=tuple(item["topics"]),
            in_scope=item["in_scope"],
            placeholders=tuple(sorted(item.get("placeholders", ()))),
            unverified=tuple(sorted(item.get("unverified", ()))),
            note=item.get("note"),
        )
    for required in REQUIRED_DEPARTMENT_IDS:
        if required not in departments:
            problems.add(path, "departments", f"missing the required department {required!r}")
    return departments


def _layout_items(
    items: List[Dict[str, Any]], prefix: List[PathPart]
) -> Iterator[Tuple[List[PathPart], Dict[str, Any]]]:
    for index, item in enumerate(items):
        yield prefix + [index], item


Placed = Tuple[List[PathPart], LayoutItem]  # a layout item and where it was defined


def _load_fieldsets(path: Path, problems: _Problems) -> Dict[str, List[Placed]]:
    data = _read_yaml(path, problems)
    if data is None:
        return {}
    errors = list(_schema_errors(data, "fieldsetsFile"))
    for parts, message in errors:
        problems.add(path, parts, message)
    if errors:
        return {}
    _check_text(path, data, problems)
    fieldsets: Dict[str, List[Placed]] = {}
    for name, items in data["fieldsets"].items():
        layout: List[Placed] = []
        for parts, item in _layout_items(items, ["fieldsets", name]):
            if "use" in item:
                problems.add(path, parts + ["use"], "a field set cannot include another one")
            elif "section" in item:
                layout.append((parts, Section(item["section"])))
            else:
                layout.append((parts, _field(item)))
        fieldsets[name] = layout
    return fieldsets


def _check_fields(path: Path, layout: List[Placed], problems: _Problems) -> None:
    """Field names unique; each kind of PDF field present; attributes fit the type."""
    seen: Dict[str, List[PathPart]] = {}
    counts = {kind: 0 for kind in ("text", "date", "checkbox", "signature")}
    for parts, item in layout:
        if not isinstance(item, Field):
            continue
        if item.name in seen:
            problems.add(
                path,
                parts + ["name"],
                f"duplicate field name {item.name!r} (also at {format_field(seen[item.name])})",
            )
        seen[item.name] = parts
        counts[item.type] += 1
        if item.type != "text":
            for attribute in ("validator", "lines"):
                if getattr(item, attribute) not in (None, 1):
                    problems.add(
                        path,
                        parts + [attribute],
                        f"only text fields take {attribute!r} (this one is {item.type})",
                    )
        if item.type in ("checkbox", "signature") and item.max_length is not None:
            problems.add(path, parts + ["max_length"], f"a {item.type} field has no length")
        if item.type in ("text", "date") and item.max_length is None:
            problems.add(path, parts + ["max_length"], "text and date fields need max_length")
    wanted = {
        "text": "at least one",
        "date": "at least one",
        "checkbox": "at least one",
        "signature": "exactly one",
    }
    for kind, rule in wanted.items():
        count = counts[kind]
        if count == 0 or (kind == "signature" and count != 1):
            problems.add(path, "fields", f"needs {rule} {kind} field, has {count}")


def _load_form(
    path: Path, departments: Dict[str, Department], fieldsets: Dict[str, List[Placed]], problems: _Problems
) -> Optional[Form]:
    data = _read_yaml(path, problems)
    if data is None:
        return None
    errors = list(_schema_errors(data, "form"))
    for parts, message in errors:
        problems.add(path, parts, message)
    if errors:
        return None
    before = len(problems.items)
    _check_text(path, data, problems, skip=("synonyms", "situations"))
    if data["id"] != path.stem:
        problems.add(path, "id", f"{data['id']!r} must equal the file name {path.stem!r}")
    if departments and data["department"] not in departments:
        problems.add(
            path,
            "department",
            f"unknown department {data['department']!r} (known: {', '.join(sorted(departments))})",
        )
    for parts, text in _walk_strings(data, []):
        if parts and parts[-1] == "source":
            fact_parts = parts[:-1]
            fact = data
            for part in fact_parts:
                fact = fact[part]
            confirmed = "confirmed_on" in fact
            if confirmed and fact["unverified"]:
                problems.add(
                    path,
                    fact_parts + ["unverified"],
                    "a fact with confirmed_by/confirmed_on is confirmed: set unverified: false",
                )
            elif not fact["unverified"] and not confirmed and not any(s in text for s in VERIFIED_SOURCES):
                problems.add(
                    path,
                    fact_parts + ["unverified"],
                    "a fact marked unverified: false must cite "
                    f"{' or '.join(VERIFIED_SOURCES)} in its source, or say who confirmed it "
                    "(confirmed_by, confirmed_on)",
                )
            if confirmed:
                try:
                    on = _confirmed_on(fact)
                except (TypeError, ValueError):
                    problems.add(
                        path, fact_parts + ["confirmed_on"], "confirmed_on must be a date AAAA-LL-ZZ"
                    )
                else:
                    if on > dt.date.today():
                        problems.add(path, fact_parts + ["confirmed_on"], "confirmed_on is in the future")
    layout: List[Placed] = []
    for parts, item in _layout_items(data["fields"], ["fields"]):
        if "use" in item:
            if item["use"] not in fieldsets:
                problems.add(
                    path,
                    parts + ["use"],
                    f"unknown field set {item['use']!r} (known: {', '.join(sorted(fieldsets))})",
                )
            layout.extend(fieldsets.get(item["use"], []))
        elif "section" in item:
            layout.append((parts, Section(item["section"])))
        else:
            layout.append((parts, _field(item)))
    _check_fields(path, layout, problems)
    if len(problems.items) > before:
        return None
    return Form(
        id=data["id"],
        title=data["title"],
        form_title=data["form_title"],
        category=data["category"],
        purpose=_fact(data["purpose"]),
        who_may_apply=_fact(data["who_may_apply"]),
        documents=tuple(_fact(d) for d in data["documents"]),
        fee=_fact(data["fee"]),
        processing_time=_fact(data["processing_time"]),
        submit=_fact(data["submit"]),
        pickup=_fact(data["pickup"]),
        legal_basis=_fact(data["legal_basis"]),
        department=data["department"],
        synonyms=tuple(data["synonyms"]),
        situations=tuple(data.get("situations", ())),
        layout=tuple(item for _, item in layout),
        filing_deadline=_fact(data["filing_deadline"]) if "filing_deadline" in data else None,
        notes=tuple(_fact(n) for n in data.get("notes", ())),
        intro=data.get("intro"),
        path=str(path),
    )


def _check_synonyms(forms: List[Form], problems: _Problems) -> None:
    """Every surface form (synonym, title, id) must lead to one form only."""
    owner: Dict[str, Tuple[str, str]] = {}
    for form in forms:
        names = [("id", form.id.replace("_", " ")), ("title", form.title)]
        names += [(f"synonyms[{i}]", s) for i, s in enumerate(form.synonyms)]
        for field, name in names:
            key = fold(name)
            previous = owner.get(key)
            if previous is not None and previous[0] != form.id:
                problems.add(
                    Path(form.path or form.id),
                    field,
                    f"{name!r} also names form {previous[0]!r} "
                    f"({previous[1]}); synonyms must be unique across forms "
                    "(case and diacritics ignored)",
                )
            owner.setdefault(key, (form.id, field))
        lowered = [s.lower() for s in form.synonyms]
        for index, synonym in enumerate(lowered):
            if synonym in lowered[:index]:
                problems.add(
                    Path(form.path or form.id),
                    f"synonyms[{index}]",
                    f"{form.synonyms[index]!r} repeats an earlier synonym (the synonym mapper ignores case)",
                )


def read_catalog(root: Optional[Path] = None) -> Tuple[Optional[Catalog], List[str]]:
    """Read the catalog under ``root``; return it (``None`` if unusable) and the problems."""
    root = Path(root) if root is not None else PACKAGE_DIR
    problems = _Problems()
    departments = _load_departments(root / "departments.yml", problems)
    fieldsets = _load_fieldsets(root / "fieldsets.yml", problems)
    form_dir = root / "forms"
    paths = sorted(form_dir.glob("*.yml")) if form_dir.is_dir() else []
    if not paths:
        problems.add(form_dir, "(directory)", "no form files (*.yml) found")
    forms = [f for f in (_load_form(p, departments, fieldsets, problems) for p in paths) if f]
    _check_synonyms(forms, problems)
    ids = {f.id for f in forms} | {p.stem for p in paths}
    for required in REQUIRED_FORM_IDS:
        if required not in ids:
            problems.add(form_dir, f"{required}.yml", "missing: this form id is part of the NLU contract")
    for category in CATEGORIES:
        if forms and not any(f.category == category for f in forms):
            problems.add(form_dir, "category", f"no form in category {category!r}")
    if problems.items:
        return None, problems.items
    catalog = Catalog(
        forms=MappingProxyType({f.id: f for f in sorted(forms, key=lambda f: f.id)}),
        departments=MappingProxyType(dict(departments)),
    )
    return catalog, []


@functools.lru_cache(maxsize=8)
def _load(root: Path) -> Catalog:
    catalog, problems = read_catalog(root)
    if catalog is None:
        raise CatalogError(problems)
    return catalog


def load_catalog(root: Optional[Path] = None) -> Catalog:
    """Load and validate the catalog (cached per root directory).

    Args:
        root: the catalog directory; by default the one inside this package.

    Raises:
        CatalogError: listing every problem as "file: field: message".
    """
    return _load(Path(root).resolve() if root is not None else PACKAGE_DIR)


load_catalog.cache_clear = _load.cache_clear  # type: ignore[attr-defined]
