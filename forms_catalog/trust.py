"""Trust roots and signature reading shared by the seal and the citizen-signature check.

A trust-root setting (``SEAL_TRUST_ROOTS``, ``CITIZEN_SIGNATURE_TRUST_ROOTS``) is a list of
PEM/DER certificate files or directories of them, separated by ``os.pathsep`` (``:``).
Certificate validation never fetches anything from the network (no OCSP, CRL or AIA
requests): revocation is checked only from what the file embeds ("soft-fail").
"""

import datetime as _dt
import io
import os
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from asn1crypto import x509

__all__ = [
    "LOCAL_TZ",
    "SealConfigError",
    "common_name",
    "local_time",
    "load_certificates",
    "read_signatures",
    "trust_roots_from_env",
    "validation_context",
]

CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")
LOCAL_TZ = ZoneInfo("Europe/Bucharest")  # every time a clerk reads is Romania's


def local_time(moment: _dt.datetime) -> str:
    """``moment`` as a clerk reads it: "05.03.2026, 11:30 (ora României)"."""
    return f"{moment.astimezone(LOCAL_TZ):%d.%m.%Y, %H:%M} (ora României)"


class SealConfigError(Exception):
    """A seal or trust setting is missing or wrong; the message names the setting.

    Meant for maintainers (English, like :class:`~forms_catalog.errors.CatalogError`); it
    never contains a passphrase.
    """


def _files(setting: str, value: str) -> List[Path]:
    files: List[Path] = []
    for part in value.split(os.pathsep):
        if not part.strip():
            continue
        path = Path(part.strip())
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in CERT_SUFFIXES)
            if not found:
                raise SealConfigError(
                    f"{setting}: the directory {path} holds no certificate file ({', '.join(CERT_SUFFIXES)})"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise SealConfigError(f"{setting}: {path} does not exist")
    if not files:
        raise SealConfigError(f"{setting} is empty")
    return files


def load_certificates(setting: str, value: str) -> Tuple[x509.Certificate, ...]:
    """Every certificate of the files/directories in ``value`` (the setting named ``setting``)."""
    from pyhanko.keys import load_certs_from_pemder_data

    certs: List[x509.Certificate] = []
    for path in _files(setting, value):
        try:
            loaded = list(load_certs_from_pemder_data(path.read_bytes()))
            for cert in loaded:
                cert.native  # noqa: B018 - parse now, so that a bad file fails here, by name
        except (OSError, ValueError, TypeError) as error:
            raise SealConfigError(
                f"{setting}: {path} is not a PEM/DER certificate file ({type(error).__name__})"
            ) from None
        if not loaded:
            raise SealConfigError(f"{setting}: {path} holds no certificate")
        certs.extend(loaded)
    return tuple(certs)


def trust_roots_from_env(
    setting: str, environ: Optional[Mapping[str, str]] = None, purpose: str = ""
) -> Tuple[x509.Certificate, ...]:
    """The certificates of the trust-root setting ``setting``; an error naming it if unset."""
    environ = os.environ if environ is None else environ
    value = environ.get(setting, "").strip()
    if not value:
        raise SealConfigError(
            f"{setting} is not set: give the trusted root certificates{purpose} as PEM files "
            f"or directories separated by '{os.pathsep}' (see forms_catalog/README.md)"
        )
    return load_certificates(setting, value)


def common_name(cert: x509.Certificate) -> str:
    """The certificate subject's common name (or its whole subject if it has none)."""
    return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)


def validation_context(
    roots: Sequence[x509.Certificate], other_certs: Sequence[x509.Certificate] = ()
) -> Any:
    """A pyhanko-certvalidator context trusting only ``roots``, with no network access."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(other_certs),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def read_signatures(pdf: bytes) -> List[Any]:
    """The embedded signatures of ``pdf`` (pyhanko ``EmbeddedPdfSignature`` objects).

    Raises:
        ValueError: the bytes are not a readable PDF (the message is Romanian).
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not pdf.startswith(b"%PDF-"):
        raise ValueError("fișierul nu este un PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        return list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        raise ValueError(
            f"fișierul PDF este deteriorat și nu poate fi citit ({type(error).__name__})."
        ) from None
