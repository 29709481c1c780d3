"""Generated conversations for the admin dashboard: the benchmark's year of data and the
tests' small samples.

Rows are written straight into ``archive_turns`` and ``archive_conversations`` in the shape
the archive writes them (speaker, event, intent, confidence, form_ids JSON, ",flag,"
flags, canonical ``extra`` JSON, folded ``search_text``), many thousands per statement.
The hash columns hold a placeholder, not a chain: ``archive verify`` fails on such a
database, which is only ever a scratch database of a benchmark or a test.

Each conversation (seeded, so a seed gives the same data every time):

- starts at a random moment of the period, between 07:00 and 22:00 Bucharest time;
- has 1–12 citizen messages, each answered by the bot; a message is a procedure question
  (about a catalog form, ``form_ids``), an infrastructure question (the bot's answer
  carries a ``redirect`` to a department), a fallback (``nlu_fallback`` / ``out_of_scope``
  or a low confidence), small talk; some carry personal data (a CNP, a phone, an e-mail,
  "mă numesc …") for the review's masking;
- 15% ask for a person: queued then taken over after a wait (the clerk answers and
  closes), or leave the queue, or are told that nobody is available (outside hours, no
  clerk);
- 25% end with a rating 1–5, attributed to the clerk who answered, else to the bot;
- 8% end with a request filed online (a row of ``submissions``, issue 14) for one of the
  forms, in one of the five statuses (drawn from a random generator of its own, so that
  the conversations stay those of earlier versions of this file for the same seed).
"""

import argparse
import datetime as dt
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.turns import LOCAL_TZ, fold  # noqa: E402
from storage import db  # noqa: E402

FORMS = (
    "certificat_urbanism", "autorizatie_construire", "certificat_fiscal", "petitie",
    "declaratie_cladire", "casatorie", "ajutor_incalzire",
)  # fmt: skip
DEPARTMENTS = (
    ("drumuri", "Compartimentul Drumuri și Infrastructură Rutieră"),
    ("apa_canal", "Apă și canalizare"),
    ("iluminat_public", "Iluminat public"),
)
CLERKS = ("ana.popescu", "ion.marin", "elena.dobre")
PROCEDURE_TEXTS = (
    "ce acte trebuie pentru {form}?", "cat costa {form}", "unde depun {form}",
    "in cat timp se elibereaza {form}?", "am nevoie de {form}, ce fac?",
)  # fmt: skip
FALLBACK_TEXTS = (
    "vreau sa stiu daca pot parca pe strada mea noaptea",
    "cine castiga meciul de sambata",
    "mă numesc Andrei Ionescu și vreau o adeverință pentru bancă",
    "numele meu este Maria Stan, am trimis un mail și nu mi-a răspuns nimeni",
    "CNP 1960101400011, vreau să știu dacă am datorii",
    "sunați-mă la 0722 123 456 despre adeverința de venit",
    "scrieți-mi la ion.pop@example.com cu lista de acte pentru adeverinta de venit",
    "adeverinta de venit pentru bursa o dati voi?",
    "adeverință de venit pentru bursă de unde o iau",
    "pot face programare pentru adeverinta de venit",
)  # fmt: skip
WORKS_TEXTS = ("cand se asfalteaza strada mea?", "nu avem apa de ieri", "nu merge iluminatul pe strada")
SMALL_TALK = (("greet", "buna ziua"), ("thank", "multumesc"), ("goodbye", "la revedere"))
PLACEHOLDER_HASH = "f" * 64
FILING_SHARE = 0.08
FILING_STATUSES = (
    "new",
    "assigned",
    "assigned",
    "waiting_citizen",
    "resolved",
    "resolved",
    "resolved",
    "rejected",
)


@dataclass
class Generated:
    """What was generated: the rows' count and the conversations' ids."""

    conversations: List[str] = field(default_factory=list)
    turns: int = 0
    filings: int = 0


@dataclass
class _Conversation:
    id: str
    at: dt.datetime
    rows: List[Dict[str, Any]] = field(default_factory=list)

    def add(
        self, speaker: str, text: str = "", event: str = "message", minutes: float = 0.5, **values: Any
    ) -> None:
        self.at += dt.timedelta(minutes=minutes)
        extra = values.pop("extra", None)
        flags = sorted(set(values.pop("flags", ())))
        self.rows.append(
            {
                "conversation_id": self.id,
                "turn_no": len(self.rows) + 1,
                "at": self.at.replace(tzinfo=None),
                "speaker": speaker,
                "event": event,
                "clerk_id": values.get("clerk_id"),
                "text": text,
                "intent": values.get("intent"),
                "confidence": values.get("confidence"),
                "form_ids": json.dumps(list(values.get("form_ids", ()))),
                "channel": "website",
                "flags": "," + ",".join(flags) + "," if flags else "",
                "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                if extra
                else None,
                "search_text": fold(text),
            }
        )


def _start(rng: random.Random, first_day: dt.date, days: int) -> dt.datetime:
    day = first_day + dt.timedelta(days=rng.randrange(days))
    local = dt.datetime.combine(day, dt.time(7), LOCAL_TZ) + dt.timedelta(seconds=rng.randrange(15 * 3600))
    return local.astimezone(dt.timezone.utc)


def conversation(rng: random.Random, number: int, start: dt.datetime) -> List[Dict[str, Any]]:
    """The turns of one generated conversation."""
    conv = _Conversation(f"gen-{number:06d}", start - dt.timedelta(minutes=0.5))
    for _ in range(min(12, 1 + int(rng.expovariate(0.45)))):
        kind = rng.random()
        if kind < 0.55:
            form = rng.choice(FORMS)
            text = rng.choice(PROCEDURE_TEXTS).format(form=form.replace("_", " "))
            confidence = round(rng.uniform(0.3, 0.99), 3)
            conv.add("citizen", text, intent="ask_procedure", confidence=confidence, form_ids=[form])
            conv.add("bot", f"Pentru {form.replace('_', ' ')} aveți nevoie de…", form_ids=[form])
        elif kind < 0.65:
            topic, department = rng.choice(DEPARTMENTS)
            conv.add("citizen", rng.choice(WORKS_TEXTS), intent="out_of_scope_infrastructure",
                     confidence=0.9, flags=["out_of_scope"])  # fmt: skip
            conv.add("bot", "Întrebarea privește alt departament; scrieți-le.", flags=["out_of_scope"],
                     extra={"redirect": {"topic": topic, "department": department, "email": f"{topic}@example.ro"}})  # fmt: skip
        elif kind < 0.77:
            intent = rng.choice(("nlu_fallback", "nlu_fallback", "out_of_scope"))
            conv.add(
                "citizen",
                rng.choice(FALLBACK_TEXTS),
                intent=intent,
                confidence=round(rng.uniform(0.1, 0.5), 3),
            )
            conv.add("bot", "Nu am înțeles întrebarea. Reformulați, vă rog.")
        else:
            intent, text = rng.choice(SMALL_TALK)
            conv.add("citizen", text, intent=intent, confidence=0.95)
            conv.add("bot", "Cu plăcere!")
    clerk = None
    if rng.random() < 0.15:
        conv.add("citizen", "vreau sa vorbesc cu un functionar", intent="request_human", confidence=0.97,
                 flags=["handoff"])  # fmt: skip
        fate = rng.random()
        if fate < 0.6:
            conv.add("system", "V-am trecut în așteptare.", event="queued", flags=["handoff"])
            clerk = rng.choice(CLERKS)
            conv.add("system", "Preluată.", event="taken_over", clerk_id=clerk, flags=["handoff"],
                     minutes=rng.expovariate(1 / 6))  # fmt: skip
            conv.add("clerk", "Bună ziua, vă ajut eu.", clerk_id=clerk)
            conv.add("system", "Închisă.", event="closed", clerk_id=clerk, minutes=3)
        elif fate < 0.7:
            conv.add("system", "V-am trecut în așteptare.", event="queued", flags=["handoff"])
            conv.add("system", "Ați ieșit din coadă.", event="left_queue", minutes=rng.uniform(1, 10))
        else:
            reason = rng.choice(("closed", "closed", "no_clerk"))
            conv.add("system", "", event="handoff_unavailable", extra={"reason": reason})
            conv.add("bot", "Acum nu este program; ne puteți scrie la registratura@example.ro.")
    if rng.random() < 0.25:
        score = rng.choice((1, 2, 3, 4, 4, 5, 5, 5))
        comment = rng.random() < 0.3
        text = f"Evaluarea cetățeanului: {score} din 5." + (" Comentariu: Mulțumesc." if comment else "")
        conv.add("system", text, event="rating", clerk_id=clerk,
                 extra={"score": score, "rated": "clerk" if clerk else "bot", "comment": comment},
                 flags=["rating_low"] if score <= 2 else [])  # fmt: skip
    return conv.rows


def generate(
    url: str,
    count: int,
    last_day: dt.date,
    days: int = 365,
    seed: int = 17,
    batch: int = 5000,
    first_number: int = 0,
) -> Generated:
    """Write ``count`` conversations spread over the ``days`` ending on ``last_day``
    (ids ``gen-<first_number>`` onwards: a second call adds to the first's)."""
    rng = random.Random(seed)
    filing_rng = random.Random(seed + 1)
    first_day = last_day - dt.timedelta(days=days - 1)
    engine = db.make_engine(url)
    done = Generated()
    seq = _next_seq(engine)
    pending: List[Dict[str, Any]] = []
    convs: List[Dict[str, Any]] = []
    filed: List[Dict[str, Any]] = []
    numbers: Dict[int, int] = _last_numbers(engine)
    try:
        for number in range(first_number, first_number + count):
            rows = conversation(rng, number, _start(rng, first_day, days))
            for row in rows:
                row["seq"] = seq
                row["conv_prev_seq"] = seq - 1 if row["turn_no"] > 1 else None
                seq += 1
            convs.append(
                {"conversation_id": rows[0]["conversation_id"], "channel": "website",
                 "first_at": rows[0]["at"], "last_at": rows[-1]["at"], "first_seq": rows[0]["seq"],
                 "last_turn_no": len(rows), "last_seq": rows[-1]["seq"]}
            )  # fmt: skip
            pending.extend(rows)
            done.conversations.append(rows[0]["conversation_id"])
            if filing_rng.random() < FILING_SHARE:
                filed.append(_filing(filing_rng, rows[-1], numbers))
            if len(pending) >= batch:
                done.turns += _write(engine, pending, convs, filed)
                done.filings += len(filed)
                pending, convs, filed = [], [], []
        done.turns += _write(engine, pending, convs, filed)
        done.filings += len(filed)
    finally:
        engine.dispose()
    return done


def _filing(rng: random.Random, last_turn: Dict[str, Any], numbers: Dict[int, int]) -> Dict[str, Any]:
    """A request filed at the end of the conversation of ``last_turn``."""
    filed_at = last_turn["at"] + dt.timedelta(minutes=1)
    day = filed_at.replace(tzinfo=dt.timezone.utc).astimezone(LOCAL_TZ).date()
    numbers[day.year] = number = numbers.get(day.year, 0) + 1
    status = rng.choice(FILING_STATUSES)
    return {
        "year": day.year, "number": number, "registration_no": f"{number}/{day:%d.%m.%Y}",
        "form_id": rng.choice(FORMS), "department": "registratura",
        "conversation_id": last_turn["conversation_id"], "citizen_name": "Cetățean generat",
        "access_hash": PLACEHOLDER_HASH, "status": status, "filed_at": filed_at,
        "due_on": day + dt.timedelta(days=30), "term_days": 30, "term_basis": "OG 27/2002, art. 8",
        "updated_at": filed_at,
    }  # fmt: skip


def _last_numbers(engine: Any) -> Dict[int, int]:
    with engine.connect() as conn:
        return {
            int(y): int(n)
            for y, n in conn.exec_driver_sql("SELECT year, max(number) FROM submissions GROUP BY year")
        }


def _next_seq(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM archive_turns").scalar()) + 1


TURN_COLUMNS = (
    "seq", "conversation_id", "turn_no", "conv_prev_seq", "at", "speaker", "event", "clerk_id",
    "text", "intent", "confidence", "form_ids", "channel", "flags", "extra", "search_text",
)  # fmt: skip
FILING_COLUMNS = (
    "year", "number", "registration_no", "form_id", "department", "conversation_id", "citizen_name",
    "access_hash", "status", "filed_at", "due_on", "term_days", "term_basis", "updated_at",
)  # fmt: skip
CONVERSATION_COLUMNS = (
    "conversation_id",
    "channel",
    "first_at",
    "last_at",
    "first_seq",
    "last_turn_no",
    "last_seq",
)


def _write(
    engine: Any,
    turns: Sequence[Dict[str, Any]],
    convs: Sequence[Dict[str, Any]],
    filed: Sequence[Dict[str, Any]],
) -> int:
    if not turns:
        return 0
    turn_rows = [tuple(t[c] for c in TURN_COLUMNS) + ("0" * 64, PLACEHOLDER_HASH) for t in turns]
    conv_rows = [tuple(c[k] for k in CONVERSATION_COLUMNS) for c in convs]
    filing_rows = [tuple(f[k] for k in FILING_COLUMNS) for f in filed]
    filing_sql = f"INSERT INTO submissions ({', '.join(FILING_COLUMNS)}) VALUES"
    columns = ", ".join(TURN_COLUMNS) + ", prev_hash, hash"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(
                cursor, f"INSERT INTO archive_turns ({columns}) VALUES %s", turn_rows, page_size=2000
            )
            execute_values(
                cursor,
                f"INSERT INTO archive_conversations ({', '.join(CONVERSATION_COLUMNS)}) VALUES %s",
                conv_rows,
                page_size=2000,
            )
            if filing_rows:
                execute_values(cursor, f"{filing_sql} %s", filing_rows, page_size=2000)
        else:
            cursor.execute("BEGIN")  # the project's SQLite connections are in autocommit
            marks = ", ".join("?" * (len(TURN_COLUMNS) + 2))
            cursor.executemany(f"INSERT INTO archive_turns ({columns}) VALUES ({marks})", turn_rows)
            cursor.executemany(
                f"INSERT INTO archive_conversations ({', '.join(CONVERSATION_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(CONVERSATION_COLUMNS))})",
                conv_rows,
            )
            cursor.executemany(f"{filing_sql} ({', '.join('?' * len(FILING_COLUMNS))})", filing_rows)
        raw.commit()
    finally:
        raw.close()
    return len(turns)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL (its schema is upgraded first)")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--last-day", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    db.upgrade(args.url)
    done = generate(args.url, args.conversations, args.last_day, args.days, args.seed)
    print(f"{len(done.conversations)} conversations, {done.turns} turns, {done.filings} filings written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
