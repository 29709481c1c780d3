"""The held-out sets the NLU gate scores: big enough, gated, and never trained on."""

from pathlib import Path
from typing import List

import pytest

from tests.nlu.quality_gate import (
    GATES,
    HELDOUT,
    HELDOUT_SETS,
    INFRASTRUCTURE,
    REAL_EVAL,
    REAL_THRESHOLDS,
    SCOPE_BLIND,
    SCOPE_HELDOUT,
    Case,
    Example,
    Thresholds,
    category_precision,
    load_cases,
    main,
    message_key,
    near_copies,
    score,
    training_examples,
)

PRESENT_SETS = [p for p in HELDOUT_SETS if p.exists()]


@pytest.fixture(scope="module")
def examples() -> List[Example]:
    return training_examples()


def test_message_keys_ignore_case_diacritics_spaces_and_end_punctuation() -> None:
    assert message_key("Bună  ziua!") == message_key("buna ziua")
    assert message_key("Cât costă certificatul?") == message_key("cat costa certificatul")
    assert message_key("cât costă") != message_key("cât durează")


def test_a_held_out_message_equal_to_a_training_example_is_reported_with_both() -> None:
    training = [
        Example("Cât costă certificatul de urbanism?", "ask_procedure_fee", "data/nlu/procedures.yml"),
        Example("unde e primăria", "ask_location", "data/nlu/contact.yml"),
    ]
    cases = [Case("cat costa certificatul de urbanism", "ask_procedure_fee", "certificat_urbanism")]
    [copy] = near_copies(cases, training)
    assert copy.jaccard == 1.0
    assert copy.example.path == "data/nlu/procedures.yml"
    described = copy.describe()
    assert "cat costa certificatul de urbanism" in described
    assert "Cât costă certificatul de urbanism?" in described
    assert "data/nlu/procedures.yml" in described


def test_a_near_copy_with_only_the_street_changed_is_reported() -> None:
    # 10 shared words of 12 distinct ones: Jaccard 0.83.
    training = [
        Example(
            "buna ziua cand se asfalteaza strada Livezilor din Alunisu va rog",
            INFRASTRUCTURE,
            "data/nlu/scope.yml",
        )
    ]
    cases = [Case("Bună ziua, când se asfaltează strada Teilor din Alunișu, vă rog?", INFRASTRUCTURE, None)]
    [copy] = near_copies(cases, training)
    assert copy.jaccard == pytest.approx(10 / 12)


def test_a_message_that_only_shares_a_pattern_is_not_a_copy() -> None:
    # 4 shared words of 6: Jaccard 0.67, a different message about another street.
    training = [Example("cand se asfalteaza strada Livezilor", INFRASTRUCTURE, "data/nlu/scope.yml")]
    cases = [Case("cand se asfalteaza strada Teilor", INFRASTRUCTURE, None)]
    assert near_copies(cases, training) == []


@pytest.mark.parametrize("path", PRESENT_SETS, ids=[p.name for p in PRESENT_SETS])
def test_no_held_out_message_repeats_the_training_data(path: Path, examples: List[Example]) -> None:
    copies = near_copies(load_cases(path), examples)
    assert not copies, "\n".join(c.describe() for c in copies)


def test_the_gate_fails_the_build_on_a_copied_message(tmp_path: Path, examples: List[Example]) -> None:
    """A copy is not dropped from the score: the command exits 1 before loading a model."""
    copied = examples[0]
    heldout = tmp_path / "copied.yml"
    heldout.write_text(
        f'version: "3.1"\nnlu:\n- intent: {copied.intent}\n  examples: |\n    - {copied.text}\n',
        encoding="utf-8",
    )
    model = tmp_path / "missing-model.tar.gz"
    model.write_bytes(b"")  # exists, but the copy is found before any model is needed
    assert main(["--model", str(model), "--copies-only", str(heldout)]) == 1


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=[p.name for p in HELDOUT_SETS])
def test_every_held_out_set_is_gated(path: Path) -> None:
    assert path.name in GATES


def test_the_main_set_thresholds_are_the_issues() -> None:
    main_gate = GATES[HELDOUT.name]
    assert main_gate.routing_accuracy >= 0.95
    assert main_gate.form_accuracy >= 0.92
    assert main_gate.infrastructure_recall >= 0.95
    assert main_gate.procedure_intent_accuracy > 0
    assert main_gate.category_precision > 0


def test_the_real_set_minimums_are_the_issues() -> None:
    assert (REAL_THRESHOLDS.routing_accuracy, REAL_THRESHOLDS.infrastructure_recall,
            REAL_THRESHOLDS.infrastructure_precision) == (0.80, 0.90, 0.85)  # fmt: skip


@pytest.mark.xfail(
    strict=True,
    reason="issue 15 is open: the real set is scored, not gated, until the NLU meets "
    "0.80 / 0.90 / 0.85 on it (measured 0.757 / 0.811 / 0.768 on the 140-message set on "
    "2026-12-04); gate it, then drop this mark",
)
def test_the_real_set_is_gated_at_the_issues_minimums() -> None:
    real = GATES[REAL_EVAL.name]
    assert (real.routing_accuracy, real.infrastructure_recall, real.infrastructure_precision) == (
        0.80,
        0.90,
        0.85,
    )


def _case(intent: str, predicted: str, form: str = None, predicted_form: str = None) -> Case:
    return Case("…", intent, form, predicted_intent=predicted, predicted_form=predicted_form)


def test_precision_of_each_routing_category_is_counted_from_what_was_routed_there() -> None:
    cases = [
        _case("ask_procedure_fee", "ask_procedure_fee"),
        _case("ask_procedure", "ask_procedure_documents"),  # wrong intent, right category
        _case("ask_schedule", "ask_procedure"),  # a schedule question routed as procedure
        _case("request_human", "request_human"),
        _case(INFRASTRUCTURE, "request_human"),
    ]
    assert category_precision(cases) == {"procedure": 2 / 3, "human": 1 / 2}


def test_score_gates_procedure_intents_and_category_precision() -> None:
    cases = [
        _case("ask_procedure_fee", "ask_procedure_deadline"),
        _case("ask_procedure_fee", "ask_procedure_fee"),
        _case("greet", "greet"),
        _case("goodbye", "ask_procedure"),
    ]
    result = score(
        "t",
        cases,
        Thresholds(
            routing_accuracy=0.0, form_accuracy=0.0, procedure_intent_accuracy=0.6, category_precision=0.7
        ),
    )
    assert result.figures["procedure_intent_accuracy"] == 0.5
    assert result.figures["precision_procedure"] == pytest.approx(2 / 3)
    assert result.figures["precision_other"] == 1.0
    assert sorted(f.split()[0] for f in result.failures) == [
        "precision_procedure",
        "procedure_intent_accuracy",
    ]


def test_the_main_set_keeps_200_messages_covering_the_routed_intents() -> None:
    cases = load_cases(HELDOUT)
    assert len(cases) >= 200
    intents = {c.intent for c in cases}
    for intent in (INFRASTRUCTURE, "ask_procedure", "request_human", "ask_schedule", "insult"):
        assert intent in intents


@pytest.mark.parametrize("path", [SCOPE_HELDOUT, SCOPE_BLIND], ids=["scope", "blind"])
def test_scope_sets_keep_80_messages_on_each_side(path: Path) -> None:
    cases = load_cases(path)
    infrastructure = [c for c in cases if c.intent == INFRASTRUCTURE]
    assert len(infrastructure) >= 80
    assert len(cases) - len(infrastructure) >= 80
    assert GATES[path.name].infrastructure_recall >= 0.95
    assert GATES[path.name].infrastructure_precision >= 0.95


@pytest.mark.skipif(not REAL_EVAL.exists(), reason="the real corpus' eval part is not in tests/nlu/ yet")
def test_the_gated_real_set_is_the_eval_split_with_both_sides() -> None:
    cases = load_cases(REAL_EVAL)
    infrastructure = [c for c in cases if c.intent == INFRASTRUCTURE]
    assert len(cases) >= 50
    assert infrastructure and len(cases) > len(infrastructure)
    header = REAL_EVAL.read_text(encoding="utf-8").splitlines()[0]
    assert "eval split" in header, "the gated half must be the eval split, never the train split"


def test_misses_of_the_blind_and_real_sets_are_never_printed(capsys: pytest.CaptureFixture) -> None:
    from tests.nlu.quality_gate import print_score

    case = Case("un mesaj oarecare", INFRASTRUCTURE, None, predicted_intent="greet")
    for path in (SCOPE_BLIND, REAL_EVAL, HELDOUT):
        print_score(score(path.name, [case], GATES[path.name]), report=True)
    out = capsys.readouterr().out
    assert out.count("un mesaj oarecare") == 1  # only the main set's miss
    assert out.count("not shown") == 2
