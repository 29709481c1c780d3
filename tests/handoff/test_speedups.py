import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from handoff import speedups

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
