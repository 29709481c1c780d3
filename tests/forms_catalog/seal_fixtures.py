"""Session fixtures for the seal and signature tests: a test PKI made once per session.

Import the fixtures into a test module (``from tests.forms_catalog.seal_fixtures import
…  # noqa: F401``). Nothing here seals or validates: that is the code under test.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from PIL import Image, ImageDraw

from forms_catalog.pdf import REPO_DIR
from forms_catalog.pki import DevPki, create_dev_pki

# A passphrase no message could contain by accident.
PASSPHRASE = "Zq7-parola-SIGILIU-nu-apare-9xK"

VALUES: Dict[str, object] = {
    "nume_prenume": "Ana Popescu",
    "cnp": "2850315221140",
    "domiciliu": "Str. Atomiștilor nr. 409, Măgurele",
    "telefon": "0721 234 567",
    "email": "ana.popescu@exemplu.ro",
    "subiect": "Iluminatul de pe strada Fizicienilor",
    "continut": "Vă rog să verificați iluminatul public de pe strada Fizicienilor.",
    "raspuns_email": True,
    "declaratie_corectitudine": True,
    "data_cererii": "05.03.2025",
}
FORM_ID = "petitie"
INK = (20, 40, 160)  # the signature drawing's colour (dark blue)


def seal_env_of(pki: DevPki) -> Dict[str, str]:
    """The SEAL_* settings of a PKI made by ``create_dev_pki`` (read from its env file)."""
    env = {}
    for line in pki.env_file.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    return env


def signature_png(width: int = 480, height: int = 160) -> bytes:
    """A transparent PNG with a thick zig-zag line, like a signature drawn on a phone."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [
        (10, height - 20),
        (width * 0.25, 20),
        (width * 0.5, height - 30),
        (width * 0.75, 25),
        (width - 10, height - 40),
    ]
    draw.line(points, fill=INK + (255,), width=max(6, height // 16), joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def run_cli(args: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``python -m forms_catalog ARGS`` as a real process in the repository."""
    return subprocess.run(
        [sys.executable, "-m", "forms_catalog", *args],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return create_dev_pki(tmp_path_factory.mktemp("seal-pki"), passphrase=PASSPHRASE)


@pytest.fixture(scope="session")
def seal_env(dev_pki: DevPki) -> Dict[str, str]:
    """The SEAL_* settings of the session's test seal."""
    return seal_env_of(dev_pki)


@pytest.fixture(scope="session")
def cli_env(seal_env: Dict[str, str], pdf_cache_dir: Path) -> Dict[str, str]:
    """Environment for a command run as a subprocess: this one plus the test seal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAL_")}
    env.update(seal_env)
    env["FORMS_CATALOG_PDF_DIR"] = str(pdf_cache_dir)
    return env


@pytest.fixture
def seal_settings(monkeypatch: pytest.MonkeyPatch, seal_env: Dict[str, str]) -> Dict[str, str]:
    """The test seal's settings in this process's environment (for in-process calls)."""
    for name in [k for k in os.environ if k.startswith("SEAL_")]:
        monkeypatch.delenv(name)
    for name, value in seal_env.items():
        monkeypatch.setenv(name, value)
    return seal_env


@pytest.fixture(scope="session")
def sealed(tmp_path_factory: pytest.TempPathFactory, cli_env: Dict[str, str]) -> Dict[str, object]:
    """One form filled and sealed by the real ``fill`` command: paths, bytes and its output."""
    directory = tmp_path_factory.mktemp("sealed")
    values = directory / "values.json"
    values.write_text(json.dumps(VALUES, ensure_ascii=False), encoding="utf-8")
    png = directory / "semnatura.png"
    png.write_bytes(signature_png())
    out = directory / "petitie.pdf"
    result = run_cli(
        ["fill", FORM_ID, "--values", str(values), "--out", str(out), "--signature", str(png)], cli_env
    )
    assert result.returncode == 0, result.stderr
    return {"path": out, "pdf": out.read_bytes(), "stdout": result.stdout, "values": values, "png": png}
