import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import rasa_patches as speedups

VALID = {
    "events": [{"event": "slot", "name": "form", "value": "casatorie", "timestamp": None}],
    "responses": [{"text": "Acte necesare", "buttons": [{"title": "PDF", "payload": "/x"}]}],
}


@pytest.fixture
def action() -> RemoteAction:
    assert speedups.install()
    return RemoteAction("action_answer_procedure", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_valid_action_server_reply_passes(action: RemoteAction) -> None:
    assert action._validate_action_result(VALID) is True


@pytest.mark.parametrize(
    "reply",
    [{"events": "not a list"}, {"events": [{"event": "no_such_event"}]}, {"responses": [1, 2]}],
)
def test_invalid_reply_is_still_refused_with_rasas_message(action: RemoteAction, reply: dict) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(reply)


def test_install_is_idempotent_and_keeps_the_patch() -> None:
    assert speedups.install() and speedups.install()
    assert RemoteAction._validate_action_result is speedups._cached_validate_action_result


def test_the_validator_is_built_once_and_reused(action: RemoteAction) -> None:
    # What cost Rasa ~65 ms per custom action was rebuilding and re-checking the schema
    # on every reply; the speed itself is measured by bench/, not here.
    action._validate_action_result(VALID)
    built = speedups._validator
    action._validate_action_result(VALID)
    assert built is not None and speedups._validator is built


# --- event class lookup ------------------------------------------------------------


def _event_types() -> list:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    return sorted({cls.type_name for cls in all_subclasses(Event)})


@pytest.mark.parametrize("type_name", _event_types())
def test_every_event_type_resolves_to_rasas_class(type_name: str) -> None:
    from rasa.shared.core.events import Event

    assert speedups.install()
    expected = speedups._rasa_resolve_by_type(type_name)
    assert Event.resolve_by_type(type_name) is expected
    assert Event.resolve_by_type(type_name) is expected  # from the cache this time


def test_unknown_event_types_keep_rasas_behaviour() -> None:
    from rasa.shared.core.events import Event, UserUttered

    assert speedups.install()
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert "no_such_event" not in speedups._event_classes


def test_a_known_type_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.shared.core.events import Event

    assert speedups.install()
    calls = []
    original = speedups._rasa_resolve_by_type

    def counting(type_name: str, default: object = None) -> object:
        calls.append(type_name)
        return original(type_name, default)

    monkeypatch.setattr(speedups, "_rasa_resolve_by_type", counting)
    monkeypatch.setattr(speedups, "_event_classes", {})
    for _ in range(3):
        Event.resolve_by_type("slot")
    assert calls == ["slot"]


def test_a_tracker_still_round_trips_through_its_dict() -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    assert speedups.install()
    events = [
        ActionExecuted("action_listen"),
        UserUttered("certificat de urbanism", {"name": "ask_procedure", "confidence": 0.9}),
        SlotSet("form", "certificat_urbanism"),
        BotUttered("Acte necesare", {"buttons": [{"title": "PDF", "payload": "/x"}]}),
    ]
    tracker = DialogueStateTracker.from_events("c1", events)
    again = DialogueStateTracker.from_dict("c1", tracker.current_state(EventVerbosity.ALL)["events"])
    assert list(again.events) == list(tracker.events)


async def test_objects_alive_once_the_agent_loaded_are_kept_out_of_garbage_collections():
    """A full collection would otherwise scan the model and libraries: a pause of the
    event loop of about 280 ms every few seconds under load (bench/README.md). The
    freeze follows Rasa's own start-up listener, in every deployment (REST only too)."""
    import gc

    loaded_at_start = []

    async def load_agent(*args, **kwargs):
        loaded_at_start.extend({"model": n} for n in range(1000))
        return "agent"

    gc.unfreeze()
    try:
        assert await speedups._freezing_after(load_agent)() == "agent"
        assert gc.get_freeze_count() >= len(loaded_at_start)
    finally:
        gc.unfreeze()


def test_rasas_start_up_listener_is_wrapped_once():
    import rasa.core.run

    speedups.install()
    wrapped = rasa.core.run.load_agent_on_start
    assert wrapped.__name__ == "load_agent_then_freeze"
    speedups.install()
    assert rasa.core.run.load_agent_on_start is wrapped


def test_another_rasa_version_is_left_unpatched(monkeypatch, caplog):
    import rasa

    monkeypatch.setattr(speedups, "_installed", False)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert speedups.install() is False
    assert "written for Rasa 3.6." in caplog.text
