"""Rasa's logged exceptions carry no frame locals (rasa_patches, change 5): a DSN with the
database password in a local variable must not reach the log."""

import json
import sys

import structlog
from rasa.utils import log_utils

import rasa_patches

SECRET = "parola-bazei-de-date"


def _failing_connect() -> None:
    dsn = f"host=127.0.0.1 user=postgres password={SECRET}"  # noqa: F841 - the local at stake
    raise ConnectionError("database unavailable")


def _rendered(processors: list) -> str:
    try:
        _failing_connect()
    except ConnectionError:
        event = {"event": "rest.message.received.failure", "exc_info": sys.exc_info()}
    for processor in processors:
        if processor in (structlog.stdlib.filter_by_level,) or "Sentry" in type(processor).__name__:
            continue
        event = processor(None, "error", event)
    return event if isinstance(event, str) else json.dumps(event, default=str)


def test_rasas_json_logs_render_a_traceback_without_the_frames_locals(monkeypatch) -> None:
    monkeypatch.setattr(log_utils, "FORCE_JSON_LOGGING", True)
    rasa_patches.install()
    try:
        log_utils.configure_structlog()  # as `rasa run` does at start, after the patch
        text = _rendered(structlog.get_config()["processors"])
    finally:
        structlog.reset_defaults()
    assert "_failing_connect" in text and "database unavailable" in text  # the traceback stays
    assert SECRET not in text
    frames = [frame for error in json.loads(text)["exception"] for frame in error["frames"]]
    assert frames and all(frame["locals"] is None for frame in frames)


def test_without_the_patch_rasas_own_processors_would_log_the_password() -> None:
    # Rasa's processor, as configure_structlog lists it: the leak this patch closes.
    text = _rendered([structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()])
    assert SECRET in text
