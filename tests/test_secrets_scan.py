"""The secret scanner of tests/secrets.py finds a secret in every form it is written in,
and refuses to pass when it was given nothing to scan."""

import base64
import json
from urllib.parse import quote

import pytest

from tests.secrets import SecretScan, assert_no_internals

SECRET = "p@ss w/rd:ș;1"


@pytest.mark.parametrize(
    "line",
    [
        f"connecting to postgresql://u:{SECRET}@db/x",
        f"postgresql://u:{quote(SECRET, safe='')}@db/x",
        json.dumps({"password": SECRET}),
        repr({"password": SECRET}),
        "AUTH PLAIN " + base64.b64encode(SECRET.encode()).decode(),
    ],
)
def test_a_secret_is_found_however_it_was_written(line):
    scan = SecretScan({"db": SECRET})
    scan.add("log", f"INFO start\n{line}\nINFO end")
    with pytest.raises(AssertionError, match="db in log"):
        scan.assert_clean()


def test_clean_output_passes_and_empty_output_does_not():
    scan = SecretScan({"db": SECRET})
    with pytest.raises(AssertionError, match="nothing was captured"):
        scan.assert_clean()
    scan.add("log", "postgresql://u:***@db/x")
    scan.assert_clean()
    with pytest.raises(ValueError):
        SecretScan({"short": "abc"})


def test_internals_on_an_error_page_are_caught():
    with pytest.raises(AssertionError, match="Traceback"):
        assert_no_internals('Traceback (most recent call last):\n  File "x.py"')
    assert_no_internals("<p>Pagina căutată nu există.</p>")
