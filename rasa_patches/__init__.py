"""Every process-wide change to Rasa, installed once at start-up by :func:`install`.

``install()`` is the one start-up hook: the project's channels call it from
``from_credentials`` (the website channel, and the REST channel that REST-only
deployments use), and the archive tracker store when it is created; whichever comes
first installs, and installing again changes nothing. The changes are written for Rasa
3.6 and refuse to install on another version (:data:`WRITTEN_FOR`), with a warning,
leaving Rasa as it is.

1. Rasa 3.6.21 checks every reply of the action server with ``jsonschema.validate`` in
   ``RemoteAction._validate_action_result``. That function re-validates the schema
   itself and rebuilds a validator on every call: about 65–90 ms per custom action on
   this machine, against under 1 ms for a validator built once (bench/README.md). The
   replacement validates against the same schema with a validator built once, and
   raises the same ``ValidationError`` with the same message.
2. ``Event.resolve_by_type`` walks the whole tree of ``Event`` subclasses (with an
   ``inspect.isabstract`` check on each) for every event it deserialises: every time a
   tracker is loaded, from any tracker store, and for every event an action returns.
   For a conversation of 50 events that is about 4 ms of the 5 ms a load takes. The
   replacement remembers the class found for each type name; a name it has not seen
   (or an unknown one) goes to Rasa's own lookup, so errors and defaults are unchanged.
3. ``rasa.core.run.load_agent_on_start`` (the ``before_server_start`` listener that
   loads the model) is wrapped so that, once the agent is loaded, the objects alive are
   frozen out of the garbage collector (:func:`freeze_startup_objects_now`) — in every
   deployment, with or without the website channel.
4. ``Agent._create_tracker_store`` wraps every store in ``FailSafeTrackerStore``, which
   turns a failed ``save`` into a log line and an in-memory copy, and a failed
   ``retrieve`` into "no such conversation": for the archive, silent data loss. A store
   whose class says ``refuses_failsafe = True`` (``archive.tracker_store``) is handed to
   the ``Agent`` as is; every other store keeps Rasa's behaviour.
5. Rasa's structlog configuration (``rasa.utils.log_utils.configure_structlog``) renders a
   logged exception with the local variables of every frame (``dict_tracebacks``, and
   rich's tracebacks in a terminal). A failed REST message logged that way put a
   psycopg2 DSN — with the database password — into the server's log. The tracebacks
   stay, without their locals (:func:`tracebacks_without_locals`), in the configuration
   in force and in any made later.

Training has a hook of its own, :func:`install_for_training`, which ``make model`` runs
through ``python -m rasa_patches train ...`` (:mod:`rasa_patches.cli`):

6. ``rasa.shared.utils.validation.validate_training_data`` (Rasa's check of every entity
   annotation written ``[text]{"entity": ..., "value": ...}`` as it reads the NLU files)
   calls ``jsonschema.validate``, which checks the schema itself against its meta-schema
   and builds a validator on every call: 820 annotations, each read five times in one
   ``rasa train`` (validation, domain, fingerprint run, ...), took 13 % of a cold
   ``rasa train`` in its profile (2026-12-03). The replacement checks each schema once,
   keeps its validator, and raises what ``jsonschema.validate`` raises (its
   ``best_match`` error) with Rasa's message, as a ``SchemaValidationError``.
"""

import gc
import logging
import threading
from typing import Any, Callable, Dict, Optional, Text

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


_event_classes: Dict[Text, Any] = {}
_rasa_resolve_by_type: Optional[Callable[..., Any]] = None


def _cached_resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
    """``Event.resolve_by_type``, remembering the class found for each type name."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    # Rasa's lookup with no default: a class it finds is remembered; the fallback (the
    # default, None for "topic", or the ValueError) is decided by Rasa, not cached.
    try:
        found = _rasa_resolve_by_type(type_name)  # type: ignore[misc]
    except ValueError:
        found = None
    if found is not None:
        _event_classes[type_name] = found
        return found
    return _rasa_resolve_by_type(type_name, default)  # type: ignore[misc]


_training_validators: Dict[Text, Any] = {}


def _cached_validate_training_data(json_data: Dict[Text, Any], schema: Dict[Text, Any]) -> None:
    """Rasa's ``validate_training_data``, with one checked validator per schema."""
    import json

    from jsonschema import exceptions, validators
    from rasa.shared.constants import DOCS_URL_TRAINING_DATA
    from rasa.shared.exceptions import SchemaValidationError

    key = json.dumps(schema, sort_keys=True, default=repr)
    validator = _training_validators.get(key)
    if validator is None:
        validator_class = validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = _training_validators.setdefault(key, validator_class(schema))
    error = exceptions.best_match(validator.iter_errors(json_data))
    if error is None:
        return
    error.message += (
        f". Failed to validate data, make sure your data "
        f"is valid. For more information about the format visit "
        f"{DOCS_URL_TRAINING_DATA}."
    )
    raise SchemaValidationError.create_from(error) from error


_training_installed = False
_rasa_validate_training_data: Optional[Callable[..., Any]] = None


def install_for_training() -> bool:
    """Installs the training-time change (6.) once per process; returns whether it is in place."""
    global _training_installed, _rasa_validate_training_data
    import rasa.shared.utils.validation as validation

    with _lock:
        if _training_installed:
            return True
        if not _written_for_this_rasa():
            return False
        if not hasattr(validation, "validate_training_data"):
            logger.warning("rasa_patches: this Rasa lacks validate_training_data; nothing patched")
            return False
        _rasa_validate_training_data = validation.validate_training_data
        validation.validate_training_data = _cached_validate_training_data
        _training_installed = True
        return True


#: The Rasa versions these changes were written for and tested on.
WRITTEN_FOR = "3.6."


def _written_for_this_rasa() -> bool:
    """Whether the running Rasa is one these changes were written for (else said in the log)."""
    import rasa

    if rasa.__version__.startswith(WRITTEN_FOR):
        return True
    logger.warning(
        "rasa_patches: written for Rasa %sx, this is Rasa %s; nothing patched", WRITTEN_FOR, rasa.__version__
    )
    return False


def install() -> bool:
    """Installs every change once per process; returns whether they are in place."""
    global _installed, _rasa_resolve_by_type
    import rasa
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.shared.core.events import Event
    from rasa.utils import log_utils

    with _lock:
        if _installed:
            return True
        if not _written_for_this_rasa():
            return False
        missing = [
            name
            for owner, name in (
                (RemoteAction, "_validate_action_result"),
                (Event, "resolve_by_type"),
                (rasa.core.run, "load_agent_on_start"),
                (Agent, "_create_tracker_store"),
                (log_utils, "configure_structlog"),
            )
            if not hasattr(owner, name)
        ]
        if missing:
            logger.warning("rasa_patches: this Rasa lacks %s; nothing patched", ", ".join(missing))
            return False
        RemoteAction._validate_action_result = _cached_validate_action_result
        _rasa_resolve_by_type = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(_cached_resolve_by_type)
        rasa.core.run.load_agent_on_start = _freezing_after(rasa.core.run.load_agent_on_start)
        Agent._create_tracker_store = staticmethod(
            _unwrapped_when_refused(Agent.__dict__["_create_tracker_store"].__func__)
        )
        log_utils.configure_structlog = _then_without_locals(log_utils.configure_structlog)
        tracebacks_without_locals()
        _installed = True
        return True


def tracebacks_without_locals() -> None:
    """Make structlog's processors in force render exceptions without frame locals.

    The processor list is changed in place: loggers Rasa has already bound (structlog
    caches them on first use) hold that same list.
    """
    import structlog
    from structlog.processors import ExceptionRenderer
    from structlog.tracebacks import ExceptionDictTransformer

    processors = structlog.get_config()["processors"]
    for index, processor in enumerate(processors):
        if processor is structlog.processors.dict_tracebacks:
            processors[index] = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
        elif isinstance(processor, structlog.dev.ConsoleRenderer):
            processor._exception_formatter = structlog.dev.plain_traceback


def _then_without_locals(configure: Callable[..., Any]) -> Callable[..., Any]:
    def configure_structlog(*args: Any, **kwargs: Any) -> Any:
        result = configure(*args, **kwargs)
        tracebacks_without_locals()
        return result

    return configure_structlog


def _unwrapped_when_refused(create: Callable[..., Any]) -> Callable[..., Any]:
    """Rasa's ``Agent._create_tracker_store``, except for stores that refuse the fail-safe
    wrapper (``refuses_failsafe = True``): those are used as they are."""

    def _create_tracker_store(store: Any, domain: Any) -> Any:
        if store is not None and getattr(type(store), "refuses_failsafe", False):
            store.domain = domain
            return store
        return create(store, domain)

    return _create_tracker_store


def _freezing_after(load_agent: Callable[..., Any]) -> Callable[..., Any]:
    """``load_agent`` (Rasa's start-up listener), then the start-up objects frozen."""

    async def load_agent_then_freeze(*args: Any, **kwargs: Any) -> Any:
        loaded = await load_agent(*args, **kwargs)
        freeze_startup_objects_now()
        return loaded

    return load_agent_then_freeze


def freeze_startup_objects_now() -> None:
    """Keeps what the server loaded at start out of Python's garbage collections.

    The model, TensorFlow and the libraries are millions of objects that live as long
    as the server. Every full collection scanned them all: a pause of about 280 ms of
    the event loop, every few seconds under load, for every conversation at once
    (bench/README.md). ``gc.freeze`` moves the objects alive now out of the
    collector's generations, so later collections scan only what conversations
    allocate. Called once the agent is loaded (see :func:`install`).
    """
    gc.collect()  # leave no garbage of the start-up in the frozen set
    gc.freeze()
    logger.debug("rasa_patches: %d start-up objects frozen for the garbage collector", gc.get_freeze_count())
