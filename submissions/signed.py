"""The check of a citizen's own signed PDF, as the department is shown it.

:func:`forms_catalog.signatures.check_citizen_signature` gives the verdict (valid,
invalid, unknown signer, unsigned) and one Romanian sentence; without trust roots
configured (``CITIZEN_SIGNATURE_TRUST_ROOTS``) no signer can be known, and the clerk is
told so instead of the filing being refused.
"""

import logging
from typing import Optional, Tuple

from forms_catalog.signatures import Verdict, check_citizen_signature
from forms_catalog.trust import SealConfigError

logger = logging.getLogger(__name__)

NO_TRUST_ROOTS = (
    "Lista furnizorilor de semnături calificate (CITIZEN_SIGNATURE_TRUST_ROOTS) nu este "
    "configurată, deci niciun semnatar nu poate fi recunoscut: verificați documentul manual."
)


def check_signed_form(pdf: bytes) -> Tuple[Optional[str], Optional[str]]:
    """(verdict, Romanian sentences for the clerk) of an uploaded signed PDF (blocking)."""
    note = ""
    try:
        check = check_citizen_signature(pdf)
    except SealConfigError as error:
        # Still read the file: an unsigned or broken document is told as such; an intact
        # signature can only be of an unknown signer.
        logger.warning("submissions: citizen signatures checked without trust roots: %s", error)
        check = check_citizen_signature(pdf, trust_roots=[])
        note = "" if check.verdict is Verdict.UNSIGNED else " " + NO_TRUST_ROOTS
    return check.verdict.value, (check.message + note)[:500]
