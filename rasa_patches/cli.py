"""``python -m rasa_patches ARGS``: Rasa's command line (``rasa ARGS``), sped up for training.

``make model`` trains with ``python -m rasa_patches train ...`` instead of ``rasa train ...``:
the same command, options and model, with these costs of a cold ``rasa train`` removed
(measured 2026-12-03 and 2026-12-04):

- Rasa's check of the NLU files' entity annotations re-checked its JSON schema for each
  of them (:func:`rasa_patches.install_for_training`);
- skops (the format Rasa stores the intent classifier in) builds its table of trusted
  types when it is first imported, looking up each ufunc of scipy.special and numpy by scanning
  ``sys.modules``: imported after Rasa and TensorFlow (5,500 modules) that was 7 % of a cold
  ``rasa train`` (8.7 s of CPU alone on a loaded machine), imported first (60 modules)
  next to nothing, and the table is the same (checked 2026-12-03). Hence
  its import before anything imports Rasa;
- the logistic regressions' fits (the intents' and the forms') allocate and free arrays
  of the coefficients' size at each step: glibc gave them back to the kernel and faulted
  them in again (a third of the fits' time was the kernel's), and OpenBLAS's second
  thread waited for work in system calls. Freed memory is kept for reuse
  (:func:`_keep_freed_memory`) and OpenBLAS and OpenMP run one thread each, set before
  numpy is imported: a cold ``make model`` (the fits with newton-cg, config.yml) 38.2 s
  wall, 31.2 s user, 28.6 s system before, 27.0 s, 26.4 s and 0.6 s after (2026-12-04,
  the same model; with lbfgs as before, 54.0 s wall and 1.08 GB at most, against 27.0 s
  and 0.81 GB now).

The thread counts and the early skops import are done by ``python -m rasa_patches``
(:mod:`rasa_patches.__main__`) before it imports this module: importing this module
changes nothing else in the importing process.
"""

import ctypes
import ctypes.util
import sys
from typing import List, Optional

import rasa_patches

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_KEEP_BYTES = 256 << 20


def _keep_freed_memory() -> bool:
    """Serve allocations below 256 MiB from the heap and keep up to 1 GiB of freed heap
    for reuse, instead of mapping and unmapping each large array (glibc only; whether it
    was set). For a training, which ends soon: the server keeps glibc's defaults."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return all(
        mallopt(ctypes.c_int(option), ctypes.c_int(value)) == 1
        for option, value in (
            (_M_MMAP_THRESHOLD, _KEEP_BYTES),
            (_M_TOP_PAD, _KEEP_BYTES),
            (_M_TRIM_THRESHOLD, 4 * _KEEP_BYTES),
        )
    )


def main(argv: Optional[List[str]] = None) -> None:
    """Runs Rasa's command line with ``argv`` (default: this process's arguments)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["train"]:
        _keep_freed_memory()
    rasa_patches.install_for_training()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()
