"""One fix to Rasa 3.6's hot path, installed when the website channel is created.

Rasa 3.6.21 checks every reply of the action server with ``jsonschema.validate`` in
``RemoteAction._validate_action_result``. That function re-validates the schema itself
and rebuilds a validator on every call: about 65–90 ms per custom action on this
machine, against under 1 ms for a validator built once (bench/README.md). The
replacement validates against the same schema with a validator built once, and raises
the same ``ValidationError`` with the same message, so behaviour is unchanged.
"""

import logging
import threading
from typing import Any, Dict, Optional, Text

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_validator: Optional[Any] = None
_installed = False


def _cached_validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError, validators

    from rasa.shared.constants import DOCS_BASE_URL

    global _validator
    if _validator is None:
        with _lock:
            if _validator is None:
                spec = self.action_response_format_spec()
                validator_class = validators.validator_for(spec)
                validator_class.check_schema(spec)
                _validator = validator_class(spec)
    try:
        _validator.validate(result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> bool:
    """Replaces the validation once per process; returns whether it is in place."""
    global _installed
    from rasa.core.actions.action import RemoteAction

    with _lock:
        if _installed:
            return True
        if not hasattr(RemoteAction, "_validate_action_result"):
            logger.warning("handoff.speedups: this Rasa has no _validate_action_result; not patched")
            return False
        RemoteAction._validate_action_result = _cached_validate_action_result
        _installed = True
        return True
