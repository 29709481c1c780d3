#!/usr/bin/env python3
"""Generate Rasa NLU files of the real-citizen corpus from real_corpus.yml.

Split is BY SOURCE SITE, as recorded in real_corpus.yml (``sources[].split``). A message's
catalog form is annotated as a ``form`` entity on the exact words ``form_span`` when the
text names the form.

Outputs (each one batch of one split):
- batch 1 train → data/nlu/real_corpus_train.yml
- batch 1 eval  → tests/nlu/real_corpus_eval.yml
- batch 2 train → data/nlu/real_corpus_train_2.yml
- batch 4 train → data/nlu/real_corpus_train_3.yml, only when asked for (``train_3``): with it
  in data/, scope_heldout_blind.yml's infrastructure recall fell from 0.953 to 0.945, under its
  0.95 minimum (2026-12-01), so it is not part of the training data yet.

Usage: ``.venv/bin/python tests/nlu/provenance/real_corpus_split.py [train eval train_2 train_3]``
(default: the outputs in data/ and tests/nlu/, :data:`DEFAULT_OUTPUTS`). Importable: :func:`load`, :func:`rasa_text` and
:func:`training_messages` serve ``bench/nlu_crossval.py``, which never reads the eval split.
"""

from __future__ import annotations

import collections
import datetime
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
CORPUS = HERE / "real_corpus.yml"

# output name → (split, batch, file)
OUTPUTS = {
    "train": ("train", 1, REPO / "data" / "nlu" / "real_corpus_train.yml"),
    "eval": ("eval", 1, REPO / "tests" / "nlu" / "real_corpus_eval.yml"),
    "train_2": ("train", 2, REPO / "data" / "nlu" / "real_corpus_train_2.yml"),
    "train_3": ("train", 4, REPO / "data" / "nlu" / "real_corpus_train_3.yml"),
}


DEFAULT_OUTPUTS = ("train", "eval", "train_2")


def load(path: Path = CORPUS) -> Dict[str, Any]:
    """The corpus: ``sources`` and ``messages``."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def rasa_text(m: Dict[str, Any]) -> str:
    """The message as a Rasa training line, its form annotated on ``form_span``."""
    t = " ".join(m["text"].split())
    for ch in "[]{}":
        assert ch not in t, ("markup char in text", t)
    sp = m.get("form_span")
    if sp:
        i = t.index(sp)
        t = t[:i] + '[%s]{"entity": "form", "value": "%s"}' % (sp, m["form"]) + t[i + len(sp) :]
    return t


def messages_of(doc: Dict[str, Any], split: str, batch: int | None = None) -> List[Dict[str, Any]]:
    """The messages whose source site is in ``split`` (of one ``batch``, or of all)."""
    split_of = {s["id"]: s["split"] for s in doc["sources"]}
    return [
        m
        for m in doc["messages"]
        if split_of[m["source"]] == split and (batch is None or m.get("batch", 1) == batch)
    ]


def training_messages(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every message of the TRAIN split, all batches (never an eval message)."""
    return messages_of(doc, "train")


def nlu_yaml(messages: Sequence[Dict[str, Any]], header: Sequence[str]) -> str:
    """A Rasa NLU file of ``messages`` grouped by intent, after the ``header`` comments."""
    by: Dict[str, List[str]] = collections.OrderedDict()
    for m in messages:
        by.setdefault(m["intent"], []).append(rasa_text(m))
    lines = ["# " + h for h in header] + ['version: "3.1"', "nlu:"]
    for intent, exs in by.items():
        lines += ["- intent: " + intent, "  examples: |"] + ["    - " + e for e in exs]
    return "\n".join(lines) + "\n"


def write(name: str, doc: Dict[str, Any]) -> None:
    split, batch, path = OUTPUTS[name]
    ms = messages_of(doc, split, batch)
    nsrc = len({m["source"] for m in ms})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "Real-citizen corpus (tests/nlu/provenance/real_corpus.yml), %s split, batch %d: %d messages "
        "from %d source sites; generated %s by real_corpus_split.py." % (split, batch, len(ms), nsrc, now),
        "Messages written by real people to/about Romanian city halls (news quotes, reader letters, "
        "comments, petitions, forum, FAQ questions).",
    ]
    if split == "eval":
        header.append("EVAL part: NEVER tune on this set; never copy these messages into data/.")
    else:
        header.append("TRAIN part: split by source site, disjoint from the eval sites.")
    path.write_text(nlu_yaml(ms, header), encoding="utf-8")
    counts = dict(collections.Counter(m["intent"] for m in ms)) if split != "eval" else {}
    print(name, path.relative_to(REPO), len(ms), counts)


def main(argv: Sequence[str]) -> int:
    doc = load()
    for name in argv or DEFAULT_OUTPUTS:
        write(name, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
