"""Real rasa_sdk trackers and dispatchers for action tests."""

from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def user_event(
    text: str,
    intent: str,
    entities: Iterable[Dict[str, Any]] = (),
    ranking: Optional[Dict[str, float]] = None,
    input_channel: Optional[str] = "website",
) -> Dict[str, Any]:
    """A user event as the Rasa server sends it to the action server.

    ``ranking`` gives the other intents' confidences (intent_ranking) if they matter;
    ``input_channel`` is the channel the message came through (``rest``, ``website``).
    """
    ranked = [{"name": intent, "confidence": 0.9}]
    ranked += [{"name": name, "confidence": c} for name, c in (ranking or {}).items()]
    return {
        "event": "user",
        "text": text,
        "input_channel": input_channel,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": ranked,
            "entities": list(entities),
        },
    }


def form_entity(value: str, text: str = "") -> Dict[str, Any]:
    return {"entity": "form", "value": value, "start": 0, "end": len(text or value)}


def tracker_after(*turns: Dict[str, Any], slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """A tracker whose history is ``turns`` (user events), the last being the latest message."""
    events: List[Dict[str, Any]] = []
    for turn in turns:
        events.append({"event": "action", "name": "action_listen"})
        events.append(turn)
    latest = dict(turns[-1]["parse_data"]) if turns else {}
    return Tracker(
        sender_id="test-citizen",
        slots=slots or {},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run_action(action: Any, tracker: Tracker, domain: Optional[Dict[str, Any]] = None):
    """Runs ``action``; returns (messages the dispatcher collected, events returned)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain or {})
    return dispatcher.messages, events
