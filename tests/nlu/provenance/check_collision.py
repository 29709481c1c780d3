"""Says, for each candidate message (one per line on stdin), whether it repeats a training
example of the project (equal after folding, or token Jaccard >= 0.8) — and nothing more:
it never prints the training text, so a blind author can use it without seeing data/.

Usage: .venv/bin/python tests/nlu/provenance/check_collision.py < candidates.txt
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.nlu.quality_gate import Case, near_copies, training_examples  # noqa: E402

examples = training_examples()
for line in sys.stdin:
    text = line.strip()
    if not text:
        continue
    hit = near_copies([Case(text=text, intent="x", form=None)], examples)
    print(("COLLIDES" if hit else "OK") + "\t" + text)
