"""Source-grouped cross-validation of the NLU over the real corpus' TRAINING messages.

The real corpus (tests/nlu/provenance/real_corpus.yml) is split by source site; its eval
part is the quality gate's, and is never read here. This script measures changes on the
training part only, the same way the gate measures the eval part: the training sites are
dealt into ``--folds`` groups (whole sites, balanced by message count); for each group the
NLU is trained on data/nlu/ with that group's real messages left out (and every other
training site's kept), then scores the left-out messages with the gate's figures
(routing accuracy, infrastructure recall and precision, form accuracy). The figures
printed are over all folds' predictions pooled, with each fold's routing accuracy.

Only the NLU is trained (``rasa train nlu`` in this process), once per fold.

Usage: ``.venv/bin/python bench/nlu_crossval.py [--folds 5] [--config config.yml]``;
writes bench/out/nlu_crossval.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Sequence

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.nlu.provenance.real_corpus_split import load, nlu_yaml, training_messages  # noqa: E402
from tests.nlu.quality_gate import REPORTED_ONLY, Case, routing_category, score  # noqa: E402

OUT = REPO / "bench" / "out" / "nlu_crossval.json"
# Every prediction of the last run (training messages only), to see what it got wrong.
CASES_OUT = REPO / "bench" / "out" / "nlu_crossval_cases.json"
# The generated real-corpus files of data/nlu/; each fold writes its own instead.
REAL_FILES = "real_corpus_train*.yml"


def folds_by_site(messages: Sequence[Dict[str, Any]], k: int) -> List[List[Dict[str, Any]]]:
    """Whole source sites dealt into ``k`` folds, the biggest site first into the smallest fold."""
    by_site: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for m in messages:
        by_site[m["source"]].append(m)
    folds: List[List[Dict[str, Any]]] = [[] for _ in range(k)]
    for site in sorted(by_site, key=lambda s: (-len(by_site[s]), s)):
        min(folds, key=len).extend(by_site[site])
    return folds


def expected_form(m: Dict[str, Any]) -> Any:
    """The form the gate expects: annotated only where the text names it (``form_span``)."""
    return m.get("form") if m.get("form_span") else None


async def predict(model: str, cases: Sequence[Case]) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    for case in cases:
        parsed = await agent.parse_message(case.text)
        case.predicted_intent = parsed["intent"]["name"]
        case.confidence = parsed["intent"].get("confidence") or 0.0
        forms = [e["value"] for e in parsed.get("entities", []) if e["entity"] == "form"]
        case.predicted_form = forms[0] if forms else None


def run_fold(config: Path, held: Sequence[Dict[str, Any]], kept: Sequence[Dict[str, Any]]) -> List[Case]:
    from rasa.model_training import train_nlu

    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as tmp:
        data = Path(tmp) / "nlu"
        data.mkdir()
        for path in (REPO / "data" / "nlu").glob("*.yml"):
            if not path.match(REAL_FILES):
                shutil.copy(path, data / path.name)
        (data / "real_corpus_cv.yml").write_text(nlu_yaml(kept, ["cross-validation fold"]), encoding="utf-8")
        model = train_nlu(
            str(config),
            str(data),
            str(Path(tmp) / "models"),
            fixed_model_name="cv",
            domain=str(REPO / "domain"),
        )
        if model is None:
            raise SystemExit("error: NLU training failed")
        cases = [Case(" ".join(m["text"].split()), m["intent"], expected_form(m)) for m in held]
        asyncio.run(predict(model, cases))
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--config", type=Path, default=REPO / "config.yml")
    parser.add_argument("--label", default="", help="a name for this run in the JSON output")
    parser.add_argument(
        "--batches",
        type=int,
        nargs="*",
        default=[],
        help="also score only the messages of these corpus batches",
    )
    parser.add_argument(
        "--leave-out",
        type=int,
        nargs="*",
        default=[],
        help="corpus batches neither trained on nor scored (a run as if they were not collected)",
    )
    args = parser.parse_args(argv)

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    messages = [m for m in training_messages(load()) if m.get("batch", 1) not in args.leave_out]
    folds = folds_by_site(messages, args.folds)
    started = time.monotonic()
    pooled: List[Case] = []
    batch_of: List[int] = []
    per_fold = []
    for i, held in enumerate(folds):
        kept = [m for j, fold in enumerate(folds) if j != i for m in fold]
        cases = run_fold(args.config, held, kept)
        pooled += cases
        batch_of += [m.get("batch", 1) for m in held]
        routed = sum(routing_category(c.intent) == routing_category(c.predicted_intent) for c in cases)
        sites = sorted({m["source"] for m in held})
        per_fold.append(
            {"messages": len(cases), "sites": len(sites), "routing_accuracy": routed / len(cases)}
        )
        print(
            f"fold {i + 1}/{len(folds)}: {len(cases)} messages, {len(sites)} sites, routing {routed / len(cases):.3f}"
        )
    result = score("crossval", pooled, REPORTED_ONLY)
    print(f"\n== source-grouped cross-validation: {len(pooled)} real training messages, {len(folds)} folds")
    for figure, value in result.figures.items():
        print(f"  {figure:26s} {value:.3f}")
    # The same figures on the messages of given batches only, so that runs made before and
    # after a batch was added can be compared on the same messages.
    subset = {}
    if args.batches:
        chosen = [c for c, b in zip(pooled, batch_of) if b in args.batches]
        subset = score("subset", chosen, REPORTED_ONLY).figures
        print(f"  -- batches {args.batches} only: {len(chosen)} messages")
        for figure in (
            "routing_accuracy",
            "infrastructure_recall",
            "infrastructure_precision",
            "form_accuracy",
        ):
            print(f"  {figure:26s} {subset[figure]:.3f}")
    elapsed = time.monotonic() - started
    print(f"  ({elapsed:.0f} s)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(OUT.read_text()) if OUT.exists() else []
    runs.append(
        {
            "label": args.label,
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "config": str(args.config),
            "messages": len(pooled),
            "folds": per_fold,
            "figures": result.figures,
            "batches": args.batches,
            "figures_of_batches": subset,
            "seconds": round(elapsed),
        }
    )
    OUT.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    CASES_OUT.write_text(
        json.dumps([dataclasses.asdict(c) for c in pooled], indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
