"""The city hall's electronic seal on every PDF the system fills (PAdES, with pyHanko).

A sealed PDF carries one more, invisible signature field, ``sigiliu_primarie``: a PAdES
certification signature (baseline B-B; B-T when ``SEAL_TSA_URL`` names a time-stamping
authority) over the whole file, made with the city hall's key. Any later change to the
file is detectable: :func:`verify_seal` (``python -m forms_catalog verify-pdf FILE``)
accepts a file only if the seal is intact, made by a certificate that chains to
``SEAL_TRUST_ROOTS`` and names the subject of ``SEAL_CERT``, and covers every byte. The
certification allows form filling and signing (DocMDP level 2), so the citizen can still
add a qualified signature in the form's own ``/Sig`` field — after which the seal no
longer covers the whole file, which is what ``verify-pdf`` reports.

Settings (environment variables; ``make seal-dev`` writes test values to var/seal/seal.env):

==========================  ============================================================
``SEAL_KEY``                private key of the seal, PEM or DER (PKCS#8, PKCS#1 or SEC1)
``SEAL_CERT``               its certificate, PEM or DER (verification: the subject a
                            seal must name)
``SEAL_KEY_PASSPHRASE``     passphrase of an encrypted ``SEAL_KEY`` (never logged)
``SEAL_CHAIN``              optional: intermediate CA certificates to embed
``SEAL_TSA_URL``            optional: RFC 3161 time-stamping URL → PAdES B-T
``SEAL_TRUST_ROOTS``        for verification: root certificates the seal (and the TSA)
                            must chain to, files or directories separated by ``:``
==========================  ============================================================
"""

import datetime as _dt
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from forms_catalog.trust import (
    SealConfigError,
    common_name,
    load_certificates,
    local_time,
    read_signatures,
    trust_roots_from_env,
    validation_context,
)

__all__ = [
    "SEAL_FIELD",
    "Seal",
    "SealCheck",
    "SealConfigError",
    "document_sha256",
    "fill_and_seal",
    "load_seal",
    "verify_seal",
]

logger = logging.getLogger(__name__)

SEAL_FIELD = "sigiliu_primarie"
ENV_KEY = "SEAL_KEY"
ENV_CERT = "SEAL_CERT"
ENV_PASSPHRASE = "SEAL_KEY_PASSPHRASE"
ENV_CHAIN = "SEAL_CHAIN"
ENV_TSA = "SEAL_TSA_URL"
ENV_TRUST_ROOTS = "SEAL_TRUST_ROOTS"

SEAL_REASON = "Sigiliul electronic al Primăriei Orașului Măgurele"
SEAL_LOCATION = "Măgurele, județul Ilfov"


def document_sha256(pdf: bytes) -> str:
    """The SHA-256 of a (sealed) PDF, lower-case hex: what the archive records."""
    return hashlib.sha256(pdf).hexdigest()


def _required_file(environ: Mapping[str, str], setting: str, what: str) -> Path:
    value = environ.get(setting, "").strip()
    if not value:
        raise SealConfigError(
            f"{setting} is not set: give the path of {what} (for development: "
            f"`make seal-dev`, then `set -a; . var/seal/seal.env; set +a`)"
        )
    path = Path(value)
    if not path.is_file():
        raise SealConfigError(f"{setting}: {path} does not exist or is not a file")
    return path


def _signer(cert: Any, key: Any, registry: Any) -> Any:
    """A pyHanko ``SimpleSigner`` that keeps the parsed key.

    pyHanko's ``SimpleSigner`` parses the DER key again for every signature, twice per seal
    (a dry run sizes the signature first); with cryptography's key checks that is about
    0.1 s each for RSA-3072, two thirds of a seal's time. RSA PKCS#1 v1.5 and ECDSA, the
    mechanisms of seal certificates, sign with the kept key; anything else goes to pyHanko.
    """
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeptKeySigner(signers.SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            digest = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), digest)
            if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner(
        signing_cert=cert, cert_registry=registry, signing_key=translate_pyca_cryptography_key_to_asn1(key)
    )


class Seal:
    """The city hall's seal: key, certificate and optional time-stamping authority.

    Build it with :func:`load_seal`; :meth:`seal_pdf` signs a PDF.
    """

    def __init__(self, signer: Any, timestamper: Any = None, tsa_url: Optional[str] = None):
        self._signer = signer
        self._timestamper = timestamper
        self.tsa_url = tsa_url

    def __repr__(self) -> str:  # never show key material
        return f"<Seal {self.subject!r} {'B-T' if self._timestamper else 'B-B'}>"

    @property
    def subject(self) -> str:
        return common_name(self._signer.signing_cert)

    @property
    def level(self) -> str:
        """``B-B``, or ``B-T`` when a time-stamping authority is configured."""
        return "B-T" if self._timestamper is not None else "B-B"

    def seal_pdf(self, pdf: bytes) -> bytes:
        """``pdf`` with the city hall's seal appended as an incremental update.

        Blocking (pyHanko runs its own event loop with ``asyncio.run``; about 0.1 s of CPU
        for RSA-3072): from async code, e.g. a Sanic handler, call it in an executor.

        Raises:
            ValueError: ``pdf`` is not a PDF that can be sealed (Romanian message), or it
                already has a ``sigiliu_primarie`` field.
            SealConfigError: the time-stamping authority did not answer.
        """
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.misc import PdfError
        from pyhanko.sign import signers
        from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
        from pyhanko.sign.general import SigningError
        from pyhanko.sign.timestamps import TimestampRequestError

        meta = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            # A certification signature: viewers show "certified by", and DocMDP level 2
            # still lets the citizen fill fields and add their own qualified signature.
            certify=True,
            docmdp_permissions=MDPPerm.FILL_FORMS,
            reason=SEAL_REASON,
            location=SEAL_LOCATION,
        )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            if any(sig.field_name == SEAL_FIELD for sig in writer.prev.embedded_signatures):
                raise ValueError("documentul are deja sigiliul primăriei.")
            out = signers.sign_pdf(
                writer,
                meta,
                signer=self._signer,
                timestamper=self._timestamper,
                new_field_spec=SigFieldSpec(sig_field_name=SEAL_FIELD, on_page=0),
            )
        except TimestampRequestError as error:
            raise SealConfigError(
                f"{ENV_TSA}: the time-stamping authority {self.tsa_url} did not answer ({error})"
            ) from None
        except (PdfError, SigningError) as error:
            raise ValueError(f"documentul nu poate fi sigilat ({error}).") from None
        return out.getvalue()


def load_seal(environ: Optional[Mapping[str, str]] = None) -> Seal:
    """The seal configured by the ``SEAL_*`` environment variables (see the module doc).

    Raises:
        SealConfigError: a setting is missing or wrong; the message names it and never
            contains the passphrase.
    """
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    environ = os.environ if environ is None else environ
    key_path = _required_file(environ, ENV_KEY, "the seal's private key (PEM or DER)")
    cert_path = _required_file(environ, ENV_CERT, "the seal's certificate (PEM or DER)")
    passphrase = environ.get(ENV_PASSPHRASE) or None

    cert = _load_certificate(cert_path)

    data = key_path.read_bytes()
    load = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    # The messages below name the settings and never the passphrase; `from None` drops
    # cryptography's exception, so no traceback can carry it either.
    try:
        key = load(data, password=passphrase.encode("utf-8") if passphrase else None)
    except TypeError:
        if passphrase:
            raise SealConfigError(
                f"{ENV_KEY}: {key_path} is not encrypted, but {ENV_PASSPHRASE} is set; unset it"
            ) from None
        raise SealConfigError(f"{ENV_KEY}: {key_path} is encrypted and {ENV_PASSPHRASE} is not set") from None
    except ValueError:
        if passphrase:
            raise SealConfigError(
                f"{ENV_KEY}: {key_path} cannot be decrypted with "
                f"{ENV_PASSPHRASE} (wrong passphrase?) or is not a "
                f"private key"
            ) from None
        raise SealConfigError(f"{ENV_KEY}: {key_path} is not a PEM/DER private key") from None

    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != cert.public_key.dump():
        raise SealConfigError(
            f"{ENV_KEY} and {ENV_CERT} do not match: {cert_path} is not "
            f"the certificate of the key in {key_path}"
        )
    now = _dt.datetime.now(_dt.timezone.utc)
    if not cert.not_valid_before <= now <= cert.not_valid_after:
        raise SealConfigError(
            f"{ENV_CERT}: {cert_path} is valid only from "
            f"{cert.not_valid_before:%Y-%m-%d} to {cert.not_valid_after:%Y-%m-%d}"
        )

    registry = SimpleCertificateStore()
    chain = environ.get(ENV_CHAIN, "").strip()
    if chain:
        registry.register_multiple(load_certificates(ENV_CHAIN, chain))
    signer = _signer(cert, key, registry)

    tsa_url = environ.get(ENV_TSA, "").strip() or None
    timestamper = None
    if tsa_url:
        if not tsa_url.startswith(("http://", "https://")):
            raise SealConfigError(f"{ENV_TSA} must be an http(s) URL, not {tsa_url!r}")
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

        timestamper = RequestsHTTPTimeStamper(tsa_url, timeout=10)
    seal = Seal(signer, timestamper, tsa_url)
    logger.debug("loaded seal %s (PAdES %s)", seal.subject, seal.level)
    return seal


# --- verification -----------------------------------------------------------------------


def _name_cn(name: Any) -> str:
    return str(name.native.get("common_name") or name.human_friendly)


@dataclass(frozen=True)
class SealCheck:
    """The outcome of :func:`verify_seal`.

    Attributes:
        ok: the seal is intact, trusted and covers the whole file.
        message: one Romanian sentence saying why (for the command line and the clerk).
        signer: the seal certificate's subject, when a seal was found.
        signed_at: the time-stamp's time (B-T) or the time the seal claims (B-B).
        level: ``B-B`` or ``B-T``, when a seal was found.
    """

    ok: bool
    message: str
    signer: Optional[str] = None
    signed_at: Optional[_dt.datetime] = None
    level: Optional[str] = None


def _load_certificate(path: Path) -> Any:
    from pyhanko.keys import load_certs_from_pemder_data

    try:
        certs = list(load_certs_from_pemder_data(path.read_bytes()))
        if len(certs) != 1:
            raise ValueError(f"{len(certs)} certificates")
        certs[0].native  # noqa: B018 - parse now, so that a broken file fails here
    except (OSError, ValueError, TypeError) as error:
        raise SealConfigError(
            f"{ENV_CERT}: {path} must hold exactly one PEM/DER certificate ({type(error).__name__})"
        ) from None
    return certs[0]


def verify_seal(
    pdf: bytes,
    environ: Optional[Mapping[str, str]] = None,
    *,
    trust_roots: Optional[Tuple[Any, ...]] = None,
    seal_subject: Any = None,
) -> SealCheck:
    """Check the city hall's seal of ``pdf`` (blocking, like :meth:`Seal.seal_pdf`).

    The seal must chain to a trusted root *and* name the city hall: its certificate's
    subject must be that of ``SEAL_CERT``. A trusted root of a qualified provider also
    certifies citizens and other institutions; the subject tells the city hall's seal
    apart, and survives the renewal of the certificate (the provider vouches for it).

    Args:
        environ: where the settings are read (default ``os.environ``).
        trust_roots: asn1crypto certificates to trust instead of ``SEAL_TRUST_ROOTS``.
        seal_subject: asn1crypto ``Name`` expected instead of ``SEAL_CERT``'s subject.

    Raises:
        SealConfigError: ``SEAL_TRUST_ROOTS`` or ``SEAL_CERT`` needed and unset or wrong.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    environ = os.environ if environ is None else environ
    if trust_roots is None:
        trust_roots = trust_roots_from_env(
            ENV_TRUST_ROOTS, environ, " of the city hall's seal (and of its TSA)"
        )
    if seal_subject is None:
        seal_subject = _load_certificate(
            _required_file(
                environ, ENV_CERT, "the seal's certificate (PEM or DER), whose subject a seal must name"
            )
        ).subject
    try:
        signatures = read_signatures(pdf)
    except ValueError as error:
        return SealCheck(False, f"Nu are sigiliu valid: {error}")
    seals = [s for s in signatures if s.field_name == SEAL_FIELD]
    if not seals:
        return SealCheck(False, "Documentul nu are sigiliul primăriei.")
    if len(seals) > 1:
        return SealCheck(False, "Documentul are mai multe câmpuri de sigiliu; nu este valid.")
    seal = seals[0]
    try:
        status = validate_pdf_signature(seal, validation_context(trust_roots))
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        # A damaged signature (e.g. a changed byte inside /Contents) cannot be parsed.
        logger.info("seal could not be validated: %s", type(error).__name__)
        return SealCheck(False, "Sigiliul este deteriorat și nu poate fi verificat.")

    signer = common_name(status.signing_cert)
    ts = status.timestamp_validity
    level = "B-T" if ts is not None else "B-B"
    signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
    found: Dict[str, Any] = dict(signer=signer, signed_at=signed_at, level=level)
    if not status.intact:
        return SealCheck(
            False, "Documentul a fost modificat după sigilare: conținutul sigilat nu mai corespunde.", **found
        )
    if not status.valid:
        return SealCheck(False, "Semnătura sigiliului nu este validă.", **found)
    if not status.trusted:
        problem = getattr(status.trust_problem_indic, "name", "NO_CERTIFICATE_CHAIN_FOUND")
        return SealCheck(
            False,
            f"Sigiliul nu este al primăriei: certificatul „{signer}” nu "
            f"provine de la o autoritate de încredere ({problem}).",
            **found,
        )
    if status.signing_cert.subject != seal_subject:
        return SealCheck(
            False,
            f"Sigiliul nu este al primăriei: documentul este sigilat de "
            f"„{signer}”, nu de „{_name_cn(seal_subject)}”.",
            **found,
        )
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        return SealCheck(
            False,
            "Marca temporală a sigiliului nu este validă sau nu provine de la o autoritate de încredere.",
            **found,
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SealCheck(
            False,
            "Documentul a fost modificat după sigilare: sigiliul nu mai "
            "acoperă tot fișierul (a fost adăugată o actualizare).",
            **found,
        )
    when = f", la {local_time(signed_at)}" if signed_at else ""
    return SealCheck(
        True, f"Sigiliu valid (PAdES {level}): aplicat de „{signer}”{when}; acoperă tot fișierul.", **found
    )


# --- filling ----------------------------------------------------------------------------


def fill_and_seal(
    form_id: str,
    values: Mapping[str, Any],
    signature_png: Optional[bytes] = None,
    seal: Optional[Seal] = None,
    catalog: Any = None,
) -> bytes:
    """Fill a catalog form, stamp the optional signature image, and seal it.

    Every check runs before anything is signed: unknown form, unknown field or bad value
    (:class:`~forms_catalog.errors.FieldValidationError`), a missing required field (the
    same error, naming it), a bad signature image (``FieldValidationError`` on the
    signature field).

    Raises:
        UnknownFormError, FieldValidationError: bad input (Romanian messages).
        SealConfigError: the seal is not configured (checked before filling).
    """
    from forms_catalog.errors import FieldValidationError
    from forms_catalog.loader import load_catalog
    from forms_catalog.pdf import fill_pdf
    from forms_catalog.stamp import stamp_signature_image

    catalog = catalog or load_catalog()
    form = catalog.get(form_id)
    seal = seal or load_seal()
    cleaned = form.clean_values(values)  # unknown names first, then values in form order
    for field in form.missing_required(cleaned):
        raise FieldValidationError(field.name, f"{field.label}: câmpul este obligatoriu.")
    pdf = fill_pdf(form.id, values, catalog)
    if signature_png is not None:
        pdf = stamp_signature_image(pdf, signature_png, form)
    sealed = seal.seal_pdf(pdf)
    # No value is logged: they are a citizen's personal data.
    logger.info(
        "filled and sealed form %s (PAdES %s, %d bytes, sha256 %s)",
        form.id,
        seal.level,
        len(sealed),
        document_sha256(sealed),
    )
    return sealed
