"""``python -m rasa_patches ARGS``: Rasa's command line, sped up for training (:mod:`rasa_patches.cli`).

What must come before numpy and Rasa are imported is done here, where the process starts,
rather than when :mod:`rasa_patches.cli` is imported: OpenBLAS and OpenMP on one thread
each, and skops' table of trusted types built while few modules are loaded (both explained
in :mod:`rasa_patches.cli`).
"""

import os

for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")  # before numpy is imported

import skops.io  # noqa: E402, F401  (before anything imports Rasa)

from rasa_patches.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
