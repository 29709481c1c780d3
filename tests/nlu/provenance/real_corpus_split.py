#!/usr/bin/env python3
"""Generate Rasa NLU files (real_corpus_train.yml / real_corpus_eval.yml) from real_corpus.yml.
Split is BY SOURCE SITE, as recorded in real_corpus.yml (sources[].split). A message's catalog form is
annotated as a `form` entity on the exact words `form_span` when the text names the form."""

import collections
import datetime

import yaml

BASE = "/work/blind/"
doc = yaml.safe_load(open(BASE + "real_corpus.yml", encoding="utf-8"))
split_of = {s["id"]: s["split"] for s in doc["sources"]}
now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")


def rasa_text(m):
    t = " ".join(m["text"].split())
    for ch in "[]{}":
        assert ch not in t, ("markup char in text", t)
    sp = m.get("form_span")
    if sp:
        i = t.index(sp)
        t = t[:i] + '[%s]{"entity": "form", "value": "%s"}' % (sp, m["form"]) + t[i + len(sp) :]
    return t


for split, batch in (("train", 1), ("eval", 1), ("train_2", 2)):
    base = split.split("_")[0]
    ms = [m for m in doc["messages"] if split_of[m["source"]] == base and m.get("batch", 1) == batch]
    by = collections.OrderedDict()
    for m in ms:
        by.setdefault(m["intent"], []).append(rasa_text(m))
    nsrc = len({m["source"] for m in ms})
    lines = [
        "# Real-citizen corpus (real_corpus.yml), %s split: %d messages from %d source sites; generated %s by split.py."
        % (split, len(ms), nsrc, now),
        "# Messages written by real people to/about Romanian city halls (news quotes, reader letters, comments, petitions, forum, FAQ questions).",
    ]
    if split == "eval":
        lines.append("# EVAL part: NEVER tune on this set; never copy these messages into data/.")
    else:
        lines.append("# TRAIN part: split by source site, disjoint from the eval sites.")
    lines += ['version: "3.1"', "nlu:"]
    for intent, exs in by.items():
        lines += ["- intent: " + intent, "  examples: |"] + ["    - " + e for e in exs]
    open(BASE + "real_corpus_%s.yml" % split, "w", encoding="utf-8").write("\n".join(lines) + "\n")
    print(split, len(ms), dict(collections.Counter(m["intent"] for m in ms)))
