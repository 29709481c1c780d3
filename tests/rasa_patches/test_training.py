"""``make model``'s training hook (``python -m rasa_patches train``): Rasa's training, faster.

Rasa's ``validate_training_data`` (every ``[text]{"entity": ...}`` annotation of the NLU
files goes through it, five times per ``rasa train``) re-checked its JSON schema against
the meta-schema on each call; the patched one checks each schema once and still refuses
what Rasa refuses, with Rasa's error and message.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest
import rasa.shared.utils.validation as validation
from jsonschema import validators
from rasa.shared.exceptions import SchemaValidationError
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.schemas.data_schema import entity_dict_schema

import rasa_patches
import rasa_patches.cli

ROOT = Path(__file__).resolve().parents[2]

NLU = """
version: "3.1"
nlu:
  - intent: ask_procedure
    examples: |
      - cum obțin [certificatul de urbanism]{{"entity": "form", "value": {value}}}
"""


@pytest.fixture
def patched() -> None:
    assert rasa_patches.install_for_training()


def test_install_is_idempotent_and_keeps_the_patch() -> None:
    assert rasa_patches.install_for_training() and rasa_patches.install_for_training()
    assert validation.validate_training_data is rasa_patches._cached_validate_training_data
    assert rasa_patches._rasa_validate_training_data is not rasa_patches._cached_validate_training_data


def test_the_schema_is_checked_once_for_many_annotations(
    patched: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = entity_dict_schema()
    validator_class = validators.validator_for(schema)
    checked: List[Any] = []
    original = validator_class.check_schema.__func__

    def counting(cls: Any, schema: Any, *args: Any, **kwargs: Any) -> None:
        checked.append(schema)
        original(cls, schema, *args, **kwargs)

    monkeypatch.setattr(validator_class, "check_schema", classmethod(counting))
    monkeypatch.setattr(rasa_patches, "_training_validators", {})
    for value in ("certificat_urbanism", "casatorie", "deces"):
        # Rasa builds a new (equal) schema dict for each annotation.
        validation.validate_training_data({"entity": "form", "value": value}, entity_dict_schema())
    assert len(checked) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"value": "certificat_urbanism"},  # no entity
        {"entity": 3},
        {"entity": "form", "value": ["a", "b"]},
        {"entity": "form", "role": {"x": 1}},
    ],
)
def test_what_rasa_refuses_is_refused_with_rasas_error(patched: None, data: dict) -> None:
    with pytest.raises(SchemaValidationError) as rasas:
        rasa_patches._rasa_validate_training_data(data, entity_dict_schema())  # type: ignore[misc]
    with pytest.raises(SchemaValidationError) as ours:
        validation.validate_training_data(data, entity_dict_schema())
    assert ours.value.message == rasas.value.message
    assert "Failed to validate data" in ours.value.message
    assert list(ours.value.path) == list(rasas.value.path)


def test_the_nlu_reader_goes_through_the_patch(patched: None) -> None:
    data = RasaYAMLReader().reads(NLU.format(value='"certificat_urbanism"'))
    assert data.training_examples[0].get("entities")[0]["value"] == "certificat_urbanism"
    with pytest.raises(SchemaValidationError, match="Failed to validate data"):
        RasaYAMLReader().reads(NLU.format(value="[1, 2]"))


def test_main_installs_the_patch_then_runs_rasas_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa.__main__

    seen: List[List[str]] = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(list(sys.argv)))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    rasa_patches.cli.main(["train", "--config", "config.yml", "--out", "models"])
    assert seen == [["rasa", "train", "--config", "config.yml", "--out", "models"]]
    assert validation.validate_training_data is rasa_patches._cached_validate_training_data


def test_skops_builds_its_trusted_types_before_rasa_is_imported() -> None:
    # skops' table of trusted types scans sys.modules once per scipy ufunc when it is
    # first imported: before Rasa and TensorFlow are loaded, a few dozen modules each.
    script = "import sys, rasa_patches.__main__; print('skops.io._trusted_types' in sys.modules, 'rasa' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    assert result.stdout.split() == ["True", "False"]


def test_importing_the_command_line_module_leaves_the_process_as_it_was() -> None:
    # The one-thread BLAS is for a training run: a process that only imports the module
    # (a test, a tool) and its children keep their own settings.
    script = "import os, sys, rasa_patches.cli; print(os.environ.get('OPENBLAS_NUM_THREADS'), 'skops' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert result.stdout.split() == ["None", "False"]


def test_python_m_rasa_patches_is_rasas_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa_patches", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Rasa Version" in result.stdout and "3.6." in result.stdout


MALLINFO_SCRIPT = """
import ctypes, ctypes.util, sys
import rasa_patches.__main__  # what `python -m rasa_patches` runs first
import rasa_patches.cli
import numpy
from threadpoolctl import threadpool_info

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "keep":
    print(rasa_patches.cli._keep_freed_memory())
mapped = libc.mallinfo2().hblkhd
array = numpy.ones(10_000_000 // 8)  # 10 MB: mapped on its own under glibc's defaults
print(libc.mallinfo2().hblkhd - mapped >= 10_000_000)
print(sorted({pool["num_threads"] for pool in threadpool_info()}))
"""


@pytest.mark.parametrize("keep", [True, False])
def test_training_keeps_freed_memory_and_runs_blas_on_one_thread(keep: bool) -> None:
    # The fits of the logistic regressions allocate and free arrays of the coefficients'
    # size at each step; glibc's defaults map and unmap each of them (rasa_patches/cli.py).
    result = subprocess.run(
        [sys.executable, "-c", MALLINFO_SCRIPT, "keep" if keep else "defaults"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    lines = result.stdout.split("\n")
    if keep:
        assert lines[:3] == ["True", "False", "[1]"], result.stdout
    else:  # the check itself: without the call, the array is mapped on its own
        assert lines[:2] == ["True", "[1]"], result.stdout
