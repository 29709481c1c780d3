"""One real assistant for the hostile corpus and the fault tests: ``rasa run`` with the
trained model and the action server (tests/livechat/stack.py), on SQLite, with limits
high enough that hundreds of cases from 127.0.0.1 meet the door, not the flood limit
(the limits have tests of their own: tests/livechat/test_limits.py)."""

from typing import Any, Iterator

import pytest

HIGH_LIMITS = (
    "  citizen_messages_per_minute: 1000\n"
    "  address_messages_per_minute: 5000\n"
    "  address_conversations_per_hour: 5000\n"
)


@pytest.fixture(scope="session")
def hardened_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.livechat.stack import Stack, model_missing_reason

    reason = model_missing_reason()
    if reason:
        pytest.skip(reason)
    running = Stack(tmp_path_factory.mktemp("hardened"), channel_settings=HIGH_LIMITS)
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()
