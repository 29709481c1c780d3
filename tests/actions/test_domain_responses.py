"""The domain's own responses, as Rasa renders them."""

from pathlib import Path
from typing import Any, List

import pytest
from rasa.core.nlg import interpolator
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain"))

BUTTONED = [
    (name, variant)
    for name, variants in DOMAIN.responses.items()
    for variant in variants
    if variant.get("buttons")
]


class _Recorder:
    """Stands in for the interpolator's structlog logger and keeps what it was told."""

    def __init__(self) -> None:
        self.calls: List[Any] = []

    def exception(self, event: str, **fields: Any) -> None:
        self.calls.append((event, fields))


def test_the_domain_has_responses_with_buttons() -> None:
    assert BUTTONED, "no response with buttons: the tests below would check nothing"


@pytest.mark.parametrize("name,variant", BUTTONED, ids=[name for name, _ in BUTTONED])
def test_button_payloads_render_without_interpolation_errors(
    name: str, variant: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A payload such as /intent{"entity": "value"} reads as a slot placeholder to Rasa's
    # interpolator, which then logs an ERROR with a traceback on every use (and costs
    # time). Braces in payloads must be doubled in the domain.
    recorder = _Recorder()
    monkeypatch.setattr(interpolator, "structlogger", recorder)
    slots = {slot.name: None for slot in DOMAIN.slots}
    rendered = interpolator.interpolate(variant, slots)
    assert recorder.calls == []
    for button in rendered["buttons"]:
        payload = button["payload"]
        if payload.startswith(("http://", "https://", "mailto:")):
            continue
        # What Rasa makes of the payload when the citizen presses the button.
        message = YAMLStoryReader.unpack_regex_message(Message({TEXT: payload}), DOMAIN)
        assert message.get(INTENT, {}).get(INTENT_NAME_KEY) in DOMAIN.intents, payload
        if "{" in payload:
            assert message.get(ENTITIES), f"{payload}: entities not understood"
