"""Which card facts the city hall should confirm first (issue 17): the facts report.

A fact is **unconfirmed** when it is marked ``unverified: true`` (taken from another city
hall, outdated or inferred: the bot adds "⚠ Neconfirmat … verificați la ghișeu"), and
**stale** when someone confirmed it (``confirmed_by``, ``confirmed_on``) more than
:data:`STALE_DAYS` ago. Facts marked verified because their source is the city hall's
own site, and confirmations younger than a year, are not listed.

The report is ordered by how often citizens asked about the form — the number of citizen
messages of the archive that named it (``archive.stats.form_mentions``, which the admin
page passes in; on the command line ``python -m archive form-asks`` prints it for
``python -m forms_catalog facts-report --asked -``) — then by form and card order, so
that the city hall confirms the most-asked first. The catalog never reads the database
itself (it stands alone: pyproject.toml's import contracts).
"""

import dataclasses
import datetime as dt
from typing import Any, Dict, List, Mapping, Optional

from forms_catalog.model import Catalog

STALE_DAYS = 365
UNCONFIRMED = "neconfirmat"
STALE = "confirmare mai veche de un an"
ASPECTS = {
    "purpose": "Scop", "who_may_apply": "Cine depune", "documents": "Acte necesare", "fee": "Taxe",
    "filing_deadline": "Termen de depunere", "processing_time": "Termen de soluționare",
    "submit": "Unde se depune", "pickup": "Ridicare", "legal_basis": "Temei legal", "notes": "De reținut",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class FactToConfirm:
    form_id: str
    form_title: str
    aspect: str
    text: str
    source: str
    status: str
    confirmed_by: Optional[str]
    confirmed_on: Optional[dt.date]
    asked: int

    def as_json(self) -> Dict[str, Any]:
        data = dataclasses.asdict(self)
        data["confirmed_on"] = self.confirmed_on.isoformat() if self.confirmed_on else None
        data["aspect_label"] = ASPECTS.get(self.aspect, self.aspect)
        return data


def facts_report(catalog: Catalog, asked: Mapping[str, int], today: dt.date) -> List[FactToConfirm]:
    """Unconfirmed and stale facts, the most-asked forms first."""
    stale_before = today - dt.timedelta(days=STALE_DAYS)
    found = []
    for form in catalog.forms.values():
        for aspect, fact in form.facts():
            if fact.unverified:
                status = UNCONFIRMED
            elif fact.confirmed_on is not None and fact.confirmed_on < stale_before:
                status = STALE
            else:
                continue
            found.append(
                FactToConfirm(form.id, form.title, aspect, fact.text, fact.source, status,
                              fact.confirmed_by, fact.confirmed_on, int(asked.get(form.id, 0)))
            )  # fmt: skip
    order = {form_id: index for index, form_id in enumerate(catalog.forms)}
    # sorted() is stable: within a form, the facts keep their card order.
    return sorted(found, key=lambda f: (-f.asked, order[f.form_id]))


def report_text(facts: List[FactToConfirm]) -> str:
    """The report as lines a maintainer reads in a terminal."""
    if not facts:
        return "Toate faptele din catalog sunt confirmate.\n"
    lines = [f"{len(facts)} fapte de confirmat (cele mai căutate formulare întâi):"]
    current = None
    for fact in facts:
        if fact.form_id != current:
            current = fact.form_id
            lines.append(f"\n{fact.form_title} ({fact.form_id}) — întrebat de {fact.asked} ori")
        extra = f"; confirmat de {fact.confirmed_by} la {fact.confirmed_on}" if fact.confirmed_on else ""
        lines.append(
            f"  [{fact.status}] {ASPECTS.get(fact.aspect, fact.aspect)}: {fact.text} (sursa: {fact.source}{extra})"
        )
    return "\n".join(lines) + "\n"
