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
5. ``rasa.utils.log_utils.configure_structlog`` renders every exception logged through
   structlog with the local variables of each frame (``dict_tracebacks`` when the output
   is not a terminal — systemd, Docker —, rich tracebacks on one): the database
   password in ``psycopg2.connect``'s ``dsn`` reached the server log when PostgreSQL
   refused a running server. The renderers in structlog's processor list (the list every
   logger already made holds) are replaced by the same ones without locals.
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


#: The Rasa versions these changes were written for and tested on.
WRITTEN_FOR = "3.6."


def install() -> bool:
    """Installs every change once per process; returns whether they are in place."""
    global _installed, _rasa_resolve_by_type
    import rasa
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.shared.core.events import Event

    with _lock:
        if _installed:
            return True
        if not rasa.__version__.startswith(WRITTEN_FOR):
            logger.warning(
                "rasa_patches: written for Rasa %sx, this is Rasa %s; nothing patched",
                WRITTEN_FOR, rasa.__version__,
            )  # fmt: skip
            return False
        missing = [
            name
            for owner, name in (
                (RemoteAction, "_validate_action_result"),
                (Event, "resolve_by_type"),
                (rasa.core.run, "load_agent_on_start"),
                (Agent, "_create_tracker_store"),
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
        _logged_exceptions_without_locals()
        _installed = True
        return True


def _logged_exceptions_without_locals() -> None:
    """Replace, in place, the exception renderers of Rasa's structlog set-up by ones that
    print the frames but not their local variables."""
    import structlog
    from structlog.dev import ConsoleRenderer, plain_traceback
    from structlog.processors import ExceptionRenderer
    from structlog.tracebacks import ExceptionDictTransformer

    processors = structlog.get_config()["processors"]
    if not isinstance(processors, list):
        logger.warning("rasa_patches: structlog's processors are not a list; exception locals may be logged")
        return
    for n, processor in enumerate(processors):
        if processor is structlog.processors.dict_tracebacks:
            processors[n] = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
        elif isinstance(processor, ConsoleRenderer):
            processor._exception_formatter = plain_traceback


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
