"""The real-citizen corpus' eval file is exactly the eval sites of its provenance, minus the retired ones.

Failures report counts and source ids only: the eval messages must never be printed.
"""

from collections import Counter
from pathlib import Path

import yaml

from tests.nlu.quality_gate import REAL_EVAL, load_cases, message_key

PROVENANCE = Path(__file__).parent / "provenance" / "real_corpus.yml"


def _provenance() -> dict:
    return yaml.safe_load(PROVENANCE.read_text(encoding="utf-8"))


def test_every_site_is_in_one_split_and_every_message_has_a_known_source() -> None:
    doc = _provenance()
    sites = Counter(s["site"] for s in doc["sources"])
    assert [site for site, n in sites.items() if n > 1] == []
    ids = {s["id"] for s in doc["sources"]}
    assert {m["source"] for m in doc["messages"]} <= ids
    assert {s["split"] for s in doc["sources"]} == {"train", "eval"}


def test_the_sites_seen_by_a_teammate_are_retired_with_a_reason() -> None:
    retired = {s["site"]: s.get("retired") for s in _provenance()["sources"] if s.get("retired")}
    assert set(retired) >= {"desteptarea.ro", "observatorulph.ro"}
    assert all(isinstance(reason, str) and reason.strip() for reason in retired.values())


def test_the_eval_file_holds_the_eval_messages_of_sources_not_retired_and_nothing_else() -> None:
    doc = _provenance()
    wanted = {s["id"] for s in doc["sources"] if s["split"] == "eval" and not s.get("retired")}
    retired = {s["id"] for s in doc["sources"] if s.get("retired")}
    expected = Counter(message_key(m["text"]) for m in doc["messages"] if m["source"] in wanted)
    excluded = {message_key(m["text"]) for m in doc["messages"] if m["source"] in retired}
    got = Counter(message_key(c.text) for c in load_cases(REAL_EVAL))
    assert sum(got.values()) == sum(expected.values()), (sum(got.values()), sum(expected.values()))
    assert got == expected, "eval file and provenance differ in %d messages" % len(set(got) ^ set(expected))
    assert not (set(got) & excluded), "%d messages of retired sources are in the eval file" % len(
        set(got) & excluded
    )


def test_the_eval_header_counts_what_the_file_holds() -> None:
    first = REAL_EVAL.read_text(encoding="utf-8").splitlines()[0]
    doc = _provenance()
    wanted = {s["id"] for s in doc["sources"] if s["split"] == "eval" and not s.get("retired")}
    messages = [m for m in doc["messages"] if m["source"] in wanted]
    sites = {m["source"] for m in messages}
    assert "eval split: %d messages from %d source sites" % (len(messages), len(sites)) in first
