"""The check of a PDF a citizen signed themselves (electronic ID card, cloud signature).

:func:`check_citizen_signature` validates the citizen's signature — the last signature in
the file that is not the city hall's seal — with pyHanko against the configured trust
roots and answers with a :class:`SignatureCheck`: ``valid``, ``invalid`` (the file changed
after signing, the signature is broken, or the certificate was revoked or not valid at the
time), ``unknown_signer`` (an intact signature whose certificate does not chain to a
trusted root) or ``unsigned``. Its ``message`` is one Romanian sentence for the clerk.

Trust roots: ``CITIZEN_SIGNATURE_TRUST_ROOTS`` — PEM/DER files or directories separated by
``:``, e.g. the root certificates of the qualified trust service providers that issue
Romanian electronic ID cards and qualified signatures (taken from the EU trusted list).
Nothing is fetched from the network; revocation is checked only from what the file embeds.
"""

import datetime as _dt
import enum
import logging
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

from forms_catalog.seal import SEAL_FIELD
from forms_catalog.trust import (
    common_name,
    local_time,
    read_signatures,
    trust_roots_from_env,
    validation_context,
)

__all__ = ["ENV_TRUST_ROOTS", "SignatureCheck", "Verdict", "check_citizen_signature"]

logger = logging.getLogger(__name__)

ENV_TRUST_ROOTS = "CITIZEN_SIGNATURE_TRUST_ROOTS"


class Verdict(str, enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN_SIGNER = "unknown_signer"
    UNSIGNED = "unsigned"


@dataclass(frozen=True)
class SignatureCheck:
    """What the clerk is told about an uploaded signed PDF.

    Attributes:
        verdict: see :class:`Verdict`.
        message: one Romanian sentence for the clerk.
        signer: the common name of the signer's certificate, when there is a signature.
        signed_at: the time-stamp's time if there is one, else the time the signer claims.
        timestamped: whether ``signed_at`` comes from a valid time-stamp.
    """

    verdict: Verdict
    message: str
    signer: Optional[str] = None
    signed_at: Optional[_dt.datetime] = None
    timestamped: bool = False

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID


# Trust problems that mean the certificate is known but must not be accepted; any other
# trust problem means no path to a configured root, i.e. an unknown signer.
_REJECTED = {
    "REVOKED": "certificatul semnatarului a fost revocat",
    "REVOKED_NO_POE": "certificatul semnatarului a fost revocat",
    "REVOKED_CA_NO_POE": "certificatul emitentului a fost revocat",
    "EXPIRED": "certificatul semnatarului era expirat la data semnării",
    "NOT_YET_VALID": "certificatul semnatarului nu era încă valabil la data semnării",
    "OUT_OF_BOUNDS_NO_POE": "certificatul semnatarului nu era valabil la data semnării",
    "OUT_OF_BOUNDS_NOT_REVOKED": "certificatul semnatarului nu era valabil la data semnării",
    "SIG_CONSTRAINTS_FAILURE": "certificatul semnatarului nu permite semnarea documentelor",
    "CRYPTO_CONSTRAINTS_FAILURE": "semnătura folosește un algoritm nesigur",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "semnătura folosește un algoritm nesigur",
}


def check_citizen_signature(
    pdf: bytes, trust_roots: Optional[Sequence[Any]] = None, environ: Optional[Mapping[str, str]] = None
) -> SignatureCheck:
    """Validate the citizen's signature of an uploaded PDF.

    Blocking (pyHanko runs its own event loop): from async code, call it in an executor.

    Args:
        pdf: the uploaded file.
        trust_roots: asn1crypto certificates to trust; by default those of
            ``CITIZEN_SIGNATURE_TRUST_ROOTS``.

    Raises:
        SealConfigError: ``trust_roots`` not given and the setting unset or wrong.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature

    if trust_roots is None:
        trust_roots = trust_roots_from_env(ENV_TRUST_ROOTS, environ, " of qualified signature providers")
    try:
        signatures = [s for s in read_signatures(pdf) if s.field_name != SEAL_FIELD]
    except ValueError as error:
        return SignatureCheck(Verdict.INVALID, f"Documentul nu poate fi verificat: {error}")
    if not signatures:
        return SignatureCheck(Verdict.UNSIGNED, "Documentul nu este semnat electronic de solicitant.")
    # The citizen signs last; earlier signatures (a co-signer, an older revision) are part
    # of what the citizen signed.
    signature = max(signatures, key=lambda s: s.signed_revision)
    try:
        status = validate_pdf_signature(signature, validation_context(trust_roots))
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        logger.info(
            "citizen signature in field %s could not be validated: %s",
            signature.field_name,
            type(error).__name__,
        )
        return SignatureCheck(
            Verdict.INVALID,
            "Semnătura este deteriorată și nu poate fi verificată; documentul nu poate fi acceptat.",
        )

    signer = common_name(status.signing_cert)
    ts = status.timestamp_validity
    ts_ok = ts is not None and ts.intact and ts.valid and ts.trusted
    signed_at = ts.timestamp if ts is not None and ts_ok else status.signer_reported_dt
    found: Dict[str, Any] = dict(signer=signer, signed_at=signed_at, timestamped=ts_ok)
    who = f"(semnatar: „{signer}”)"

    if not status.intact:
        return SignatureCheck(
            Verdict.INVALID,
            f"Semnătura nu mai corespunde documentului {who}: fișierul a fost modificat după semnare.",
            **found,
        )
    if not status.valid:
        return SignatureCheck(
            Verdict.INVALID, f"Semnătura nu este validă {who}: verificarea criptografică a eșuat.", **found
        )
    level = status.modification_level
    if level is None or level > ModificationLevel.LTA_UPDATES or status.docmdp_ok is False:
        return SignatureCheck(
            Verdict.INVALID,
            f"Documentul a fost modificat după semnare {who}; cereți solicitantului să îl semneze din nou.",
            **found,
        )
    # A broken time-stamp is a broken signature; an intact one from a TSA nobody
    # configured only means the time is the signer's claim (``timestamped`` False).
    if ts is not None and not (ts.intact and ts.valid):
        return SignatureCheck(Verdict.INVALID, f"Marca temporală a semnăturii nu este validă {who}.", **found)
    if not status.trusted:
        problem = status.trust_problem_indic
        reason = _REJECTED.get(getattr(problem, "name", ""))
        if reason:
            return SignatureCheck(Verdict.INVALID, f"Semnătura nu este acceptată {who}: {reason}.", **found)
        return SignatureCheck(
            Verdict.UNKNOWN_SIGNER,
            f"Semnătura este intactă, dar semnatarul „{signer}” nu poate "
            f"fi confirmat: certificatul său nu provine de la un prestator "
            f"de încredere configurat.",
            **found,
        )
    when = f" la {local_time(signed_at)}" if signed_at else ""
    return SignatureCheck(
        Verdict.VALID,
        f"Semnătură validă: documentul a fost semnat de „{signer}”{when} și nu a fost modificat de atunci.",
        **found,
    )
