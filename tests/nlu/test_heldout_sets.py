"""The held-out sets the NLU gate scores: big enough, and never trained on."""

from pathlib import Path

import pytest

from tests.nlu.quality_gate import (
    GATES,
    HELDOUT,
    INFRASTRUCTURE,
    SCOPE_BLIND,
    SCOPE_HELDOUT,
    Case,
    load_cases,
    message_key,
    novel_cases,
    training_keys,
)

SETS = [HELDOUT, SCOPE_HELDOUT, SCOPE_BLIND]


@pytest.fixture(scope="module")
def known() -> set:
    return training_keys()


def test_message_keys_ignore_case_diacritics_spaces_and_end_punctuation() -> None:
    assert message_key("Bună  ziua!") == message_key("buna ziua")
    assert message_key("Cât costă certificatul?") == message_key("cat costa certificatul")
    assert message_key("cât costă") != message_key("cât durează")


def test_messages_also_in_the_training_data_are_not_scored() -> None:
    cases = [Case("Bună ziua!", "greet", None), Case("unde depun cererea de audiență", "ask_procedure_submit", None)]
    novel, seen = novel_cases(cases, {message_key("buna ziua")})
    assert [c.text for c in novel] == ["unde depun cererea de audiență"]
    assert [c.text for c in seen] == ["Bună ziua!"]


@pytest.mark.parametrize("path", SETS, ids=[p.name for p in SETS])
def test_every_held_out_set_is_gated(path: Path) -> None:
    assert path.name in GATES


def test_the_main_set_keeps_200_scored_messages_covering_the_routed_intents(known: set) -> None:
    novel, _ = novel_cases(load_cases(HELDOUT), known)
    assert len(novel) >= 200
    intents = {c.intent for c in novel}
    for intent in (INFRASTRUCTURE, "ask_procedure", "request_human", "ask_schedule", "insult"):
        assert intent in intents


@pytest.mark.parametrize("path", [SCOPE_HELDOUT, SCOPE_BLIND], ids=["scope", "blind"])
def test_scope_sets_keep_80_scored_messages_on_each_side(path: Path, known: set) -> None:
    novel, _ = novel_cases(load_cases(path), known)
    infrastructure = [c for c in novel if c.intent == INFRASTRUCTURE]
    assert len(infrastructure) >= 80
    assert len(novel) - len(infrastructure) >= 80
    assert GATES[path.name].infrastructure_recall >= 0.95
    assert GATES[path.name].infrastructure_precision >= 0.95
