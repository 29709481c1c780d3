"""The review of unanswered questions (archive/review.py) on generated data, on SQLite and
PostgreSQL: candidates counted with SQL, grouping, labels, masking, and the export (that
`rasa data validate` accepts it: tests/archive/test_admin_commands.py)."""

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from archive import review
from archive.errors import InvalidQuery
from archive.stats import Period
from storage import db
from tests.archive.dashboard_fixtures import DAYS, LAST_DAY, dashboard_url, rows  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
PERIOD = Period(LAST_DAY - dt.timedelta(days=DAYS - 1), LAST_DAY)
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
INTENTS = {"ask_procedure", "ask_contact", "out_of_scope", "request_human"}
FORMS = {"certificat_fiscal", "petitie"}


def _with_conn(url, work):
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            return work(conn)
    finally:
        engine.dispose()


def test_candidates_are_the_fallbacks_low_confidences_and_messages_before_a_request(dashboard_url):
    weak = {
        seq
        for (seq,) in rows(
            dashboard_url,
            "SELECT seq FROM archive_turns WHERE speaker = 'citizen' AND (intent IN ('nlu_fallback', 'out_of_scope')"
            " OR (confidence < 0.5 AND intent <> 'request_human'))",
        )
    }
    before_request = set()
    last = {}
    for seq, cid, intent in rows(
        dashboard_url,
        "SELECT seq, conversation_id, intent FROM archive_turns WHERE speaker = 'citizen' ORDER BY seq",
    ):
        if intent == "request_human" and cid in last and last[cid][1] != "request_human":
            before_request.add(last[cid][0])
        last[cid] = (seq, intent)
    found = _with_conn(dashboard_url, lambda c: review.candidates(c, PERIOD))
    assert {c.seq for c in found} == weak | before_request
    assert {c.seq for c in found if c.reason == "handoff_after"} == before_request - weak
    assert before_request - weak and weak


def test_alike_messages_are_grouped_and_every_candidate_is_in_one_group(dashboard_url):
    found = _with_conn(dashboard_url, lambda c: review.candidates(c, PERIOD))
    groups = review.group(found)
    assert sum(g.count for g in groups) == len(found)
    assert [g.count for g in groups] == sorted((g.count for g in groups), reverse=True)
    # The two spellings of the same question (with and without diacritics) share a group.
    texts = {
        "adeverinta de venit pentru bursa o dati voi?",
        "adeverință de venit pentru bursă de unde o iau",
    }
    homes = {i for i, g in enumerate(groups) for m in g.messages if m.text in texts}
    assert len(homes) == 1
    assert (
        review.jaccard(review.words("Cât costă certificatul?"), review.words("cat costa certificatul")) == 1.0
    )


def test_a_label_is_checked_against_the_domain_and_the_catalog_and_a_bad_one_changes_nothing(dashboard_url):
    (seq,) = rows(dashboard_url, "SELECT min(seq) FROM archive_turns WHERE speaker = 'citizen'")[0]
    (bot_seq,) = rows(dashboard_url, "SELECT min(seq) FROM archive_turns WHERE speaker = 'bot'")[0]
    bad = [
        (seq, "ask_pizza", None, "intenție"),
        (seq, "ask_procedure", "pasaport", "catalog"),
        (bot_seq, "ask_procedure", None, "nu este al unui cetățean"),
        (10**9, "ask_procedure", None, "nu există"),
        ("1", "ask_procedure", None, "nu este valid"),
    ]
    for target, intent, form, message in bad:
        with pytest.raises(InvalidQuery) as refused:
            _with_conn(
                dashboard_url, lambda c: review.label(c, target, intent, form, "admin", INTENTS, FORMS, NOW)
            )
        assert message in str(refused.value)
    assert rows(dashboard_url, "SELECT count(*) FROM review_labels")[0][0] == 0
    _with_conn(
        dashboard_url,
        lambda c: review.label(c, seq, "ask_procedure", "petitie", "admin", INTENTS, FORMS, NOW),
    )
    _with_conn(dashboard_url, lambda c: review.label(c, seq, "ask_contact", "", "admin", INTENTS, FORMS, NOW))
    assert [tuple(r) for r in rows(dashboard_url, "SELECT seq, intent, form_id FROM review_labels")] == [
        (seq, "ask_contact", None)
    ]
    _with_conn(dashboard_url, lambda c: c.execute(sa.text("DELETE FROM review_labels")))


@pytest.mark.parametrize(
    "text, masked",
    [
        ("mă numesc Andrei Ionescu și vreau o adeverință", "mă numesc <nume> și vreau o adeverință"),
        ("Numele meu este maria stan, am scris", "Numele meu este <nume>, am scris"),
        ("ma cheama Ion Pop", "ma cheama <nume>"),
        ("CNP 1960101400011, datorii?", "CNP <CNP>, datorii?"),
        ("sunați-mă la 0722 123 456 vă rog", "sunați-mă la <telefon> vă rog"),
        ("tel +40 21 457 00 12", "tel <telefon>"),
        ("scrieți la ion.pop@example.com azi", "scrieți la <e-mail> azi"),
        ("taxa e 15 lei pentru 2 acte", "taxa e 15 lei pentru 2 acte"),
    ],
)
def test_personal_data_is_masked(text, masked):
    assert review.mask(text) == masked


def test_the_export_is_masked_and_skips_held_out_messages(dashboard_url):
    picks = rows(
        dashboard_url,
        "SELECT seq, text FROM archive_turns WHERE speaker = 'citizen' AND intent = 'nlu_fallback' ORDER BY seq",
    )
    by_text = {}
    for seq, text in picks:
        by_text.setdefault(text, seq)
    chosen = [s for t, s in by_text.items() if "CNP" in t or "numesc" in t or "sunați" in t or "parca" in t]
    assert len(chosen) == 4
    for seq in chosen:
        _with_conn(
            dashboard_url,
            lambda c: review.label(
                c, seq, "ask_procedure", "certificat_fiscal", "admin", INTENTS, FORMS, NOW
            ),
        )
    heldout = ["vreau să știu dacă pot parca pe strada mea noaptea?"]
    export = _with_conn(dashboard_url, lambda c: review.export_yaml(c, heldout))
    assert (export.exported, export.near_heldout) == (3, 1)
    data = yaml.safe_load(export.text)
    (block,) = data["nlu"]
    texts = [e["text"] for e in block["examples"]]
    assert block["intent"] == "ask_procedure" and all(
        e["metadata"] == {"form": "certificat_fiscal"} for e in block["examples"]
    )
    assert "1960101400011" not in export.text and "0722" not in export.text and "Andrei" not in export.text
    assert any("<CNP>" in t for t in texts) and any("<nume>" in t for t in texts)
    assert not any("parca" in t for t in texts)
    _with_conn(dashboard_url, lambda c: c.execute(sa.text("DELETE FROM review_labels")))
    # `rasa data validate` on such a file: tests/archive/test_admin_commands.py, where
    # `python -m archive review export` writes it into a copy of data/.
