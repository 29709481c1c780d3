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
    "Semnătura nu a putut fi verificată: lista furnizorilor de semnături calificate "
    "(CITIZEN_SIGNATURE_TRUST_ROOTS) nu este configurată. Verificați documentul manual."
)


def check_signed_form(pdf: bytes) -> Tuple[Optional[str], Optional[str]]:
    """(verdict, Romanian sentence for the clerk) of an uploaded signed PDF (blocking)."""
    try:
        check = check_citizen_signature(pdf)
    except SealConfigError as error:
        logger.warning("submissions: citizen signature not checked: %s", error)
        return Verdict.UNKNOWN_SIGNER.value, NO_TRUST_ROOTS
    return check.verdict.value, check.message[:500]
