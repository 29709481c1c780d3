"""A local test PKI for development and tests: never for real documents.

``python -m forms_catalog seal-dev`` (``make seal-dev``) writes under ``var/seal/``:

    root-ca.pem        the test root CA (trust anchor of ``SEAL_TRUST_ROOTS``)
    chain.pem          the intermediate CA that issued the seal (``SEAL_CHAIN``)
    seal.pem           the seal certificate (``SEAL_CERT``)
    seal-key.pem       its private key, encrypted PKCS#8 (``SEAL_KEY``)
    seal.env           the settings above plus a random ``SEAL_KEY_PASSPHRASE``, file mode
                       0600, for ``set -a; . var/seal/seal.env; set +a``

The CA keys are not written anywhere: a new ``seal-dev`` run makes a new PKI. Tests use
:func:`new_root` and :func:`issue` directly to build trusted and untrusted signers.
Everything is made with ``cryptography``; names say "TEST" so that no one mistakes a file
sealed with them for a real one.
"""

import datetime as _dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["DevPki", "Issued", "create_dev_pki", "issue", "new_root", "write_key", "write_cert"]

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

CITY_HALL = "Primăria Orașului Măgurele"


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key (in memory)."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class DevPki:
    """Paths written by :func:`create_dev_pki` (the passphrase is only in ``env_file``)."""

    root: Path
    chain: Path
    cert: Path
    key: Path
    env_file: Path


def _key(kind: str) -> PrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key kind {kind!r} (rsa or ec)")


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def new_root(
    common_name: str, organization: str = "e-funcționar TEST PKI", kind: str = "ec", days: int = 3650
) -> Issued:
    """A self-signed root CA."""
    key = _key(kind)
    name = _name(common_name, organization)
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    issuer: Issued, common_name: str, organization: str, *, purpose: str, kind: str = "ec", days: int = 825
) -> Issued:
    """A certificate signed by ``issuer``.

    Args:
        purpose: ``ca`` (an intermediate CA), ``signing`` (a seal or a person's signature:
            digitalSignature + nonRepudiation) or ``tsa`` (a time-stamping unit).
    """
    key = _key(kind)
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    if purpose == "ca":
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=0), critical=True
        ).add_extension(_ca_key_usage(), critical=True)
    elif purpose in ("signing", "tsa"):
        builder = builder.add_extension(
            x509.BasicConstraints(ca=False, path_length=None), critical=True
        ).add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=purpose == "signing",
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        if purpose == "tsa":
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
    else:
        raise ValueError(f"unknown purpose {purpose!r} (ca, signing or tsa)")
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def write_cert(path: Path, *issued: Issued) -> Path:
    """Write one or more certificates to ``path`` as a PEM bundle."""
    path.write_bytes(b"".join(i.cert_pem for i in issued))
    return path


def write_key(path: Path, key: PrivateKey, passphrase: Optional[str]) -> Path:
    """Write ``key`` as PKCS#8 PEM, encrypted when a passphrase is given (mode 0600)."""
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    return path


def create_dev_pki(directory: Path, passphrase: Optional[str] = None) -> DevPki:
    """Create a test root CA, an intermediate CA and the city hall's TEST seal in ``directory``.

    Returns the paths; ``env_file`` holds the ``SEAL_*`` settings (with the passphrase).
    """
    directory.mkdir(parents=True, exist_ok=True)
    passphrase = passphrase or secrets.token_urlsafe(24)
    root = new_root("e-funcționar TEST Root CA", kind="rsa")
    intermediate = issue(root, "e-funcționar TEST Seal CA", "e-funcționar TEST PKI", purpose="ca", kind="rsa")
    seal = issue(intermediate, f"{CITY_HALL} — sigiliu de TEST", CITY_HALL, purpose="signing", kind="rsa")
    paths = DevPki(
        root=write_cert(directory / "root-ca.pem", root),
        chain=write_cert(directory / "chain.pem", intermediate),
        cert=write_cert(directory / "seal.pem", seal),
        key=write_key(directory / "seal-key.pem", seal.key, passphrase),
        env_file=directory / "seal.env",
    )
    lines = [
        "# Development seal made by `python -m forms_catalog seal-dev`: TEST ONLY.",
        f"SEAL_KEY={paths.key.resolve()}",
        f"SEAL_CERT={paths.cert.resolve()}",
        f"SEAL_CHAIN={paths.chain.resolve()}",
        f"SEAL_TRUST_ROOTS={paths.root.resolve()}",
        f"SEAL_KEY_PASSPHRASE={passphrase}",
        "",
    ]
    handle = os.open(paths.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines))
    return paths
