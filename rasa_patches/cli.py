"""``python -m rasa_patches ARGS``: Rasa's command line (``rasa ARGS``), sped up for training.

``make model`` trains with ``python -m rasa_patches train ...`` instead of ``rasa train ...``:
the same command, options and model, with two costs of a cold ``rasa train`` removed
(measured 2026-12-03):

- Rasa's check of the NLU files' entity annotations re-checked its JSON schema for each
  of them (:func:`rasa_patches.install_for_training`);
- skops (the format Rasa stores the intent classifier in) builds its table of trusted
  types when it is first imported, looking up each ufunc of scipy.special and numpy by scanning
  ``sys.modules``: imported after Rasa and TensorFlow (5,500 modules) that was 7 % of a cold
  ``rasa train`` (8.7 s of CPU alone on a loaded machine), imported first (60 modules)
  next to nothing, and the table is the same (checked 2026-12-03). Hence
  the import below, before anything imports Rasa.
"""

import sys
from typing import List, Optional

import skops.io  # noqa: F401  (before anything imports Rasa: see the docstring)

import rasa_patches


def main(argv: Optional[List[str]] = None) -> None:
    """Runs Rasa's command line with ``argv`` (default: this process's arguments)."""
    rasa_patches.install_for_training()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()
