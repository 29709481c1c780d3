"""The admin dashboard's figure of the filings (issues 14 and 17): requests filed online in
a range of Europe/Bucharest days, per form and by their status now.

A filing counts on the local day it was registered (``filed_at``); its status is the one
it has today (``submissions.status``), so a month's row tells how many of that month's
requests are still open. Filings deleted by the retention purge (closed and older than the
retention period) are no longer counted.
"""

import datetime as dt
from typing import Dict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive.stats import Period, Table
from submissions.tables import ASSIGNED, NEW, REJECTED, RESOLVED, STATUSES, WAITING, filings

#: The department's word for each status, as the dashboard's columns.
STATUS_COLUMNS = {
    NEW: "Nerepartizate",
    ASSIGNED: "În lucru",
    WAITING: "Așteaptă un document",
    RESOLVED: "Soluționate",
    REJECTED: "Respinse",
}


def filings_per_form(conn: Connection, period: Period, titles: Dict[str, str]) -> Table:
    """Filings of ``period`` per form and status, most filed first (``titles``: catalog
    id -> title)."""
    start, end = (moment.replace(tzinfo=dt.timezone.utc) for moment in period.bounds())
    query = (
        sa.select(filings.c.form_id, filings.c.status, sa.func.count())
        .where(filings.c.filed_at >= start, filings.c.filed_at < end)
        .group_by(filings.c.form_id, filings.c.status)
    )
    counts: Dict[str, Dict[str, int]] = {}
    for form_id, status, count in conn.execute(query):
        counts.setdefault(form_id, dict.fromkeys(STATUSES, 0))[status] = int(count)
    ordered = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    rows = [
        (titles.get(form_id, form_id), form_id, *(by[s] for s in STATUSES), sum(by.values()))
        for form_id, by in ordered
    ]
    totals = {s: sum(by[s] for by in counts.values()) for s in STATUSES}
    open_count = totals[NEW] + totals[ASSIGNED] + totals[WAITING]
    return Table(
        "submissions",
        "Cereri depuse, pe formular și pe stare",
        ("Formular", "Cod", *(STATUS_COLUMNS[s] for s in STATUSES), "Total"),
        rows,
        {"total": sum(totals.values()), "deschise": open_count, "formulare": len(counts), **totals},
    )
