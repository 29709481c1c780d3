"""Rasa's REST channel with the door of every channel: input checked before Rasa sees it.

Named in credentials.yml instead of ``rest:``; same URL (``/webhooks/rest/webhook``) and
the same body (``{"sender": "...", "message": "..."}``). Rasa's own channel answers HTTP
200 with the bot's replies to a body that is not an object (500), a sender the archive
refuses, a text of 20,000 characters or a lone surrogate — and then the tracker store
cannot record the turn, after the citizen got the answer. Here such a request gets a
400 naming what is wrong, and nothing reaches Rasa.
"""

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

import rasa_patches
from livechat import door


class Rejected(SanicException):
    """A 400 (or 413) whose message says, in Romanian, what is wrong with the request."""

    quiet = True

    def __init__(self, refused: door.Refused) -> None:
        super().__init__(refused.message, status_code=refused.status)
        self.code = refused.code


def _body(request: Request) -> Dict[str, Any]:
    if not (request.content_type or "").startswith("application/json"):
        raise Rejected(
            door.Refused("malformed", "Cererea trebuie să fie JSON (Content-Type: application/json).")
        )
    try:
        body = request.json
    except Exception:  # Sanic raises its own 400 type for invalid JSON
        body = None
    if not isinstance(body, dict):
        raise Rejected(
            door.Refused(
                "malformed", 'Corpul cererii trebuie să fie un obiect JSON: {"sender": …, "message": …}.'
            )
        )
    return body


class RestChannel(RestInput):
    """``POST /webhooks/rest/webhook`` with the sender and the text checked first."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestChannel":
        rasa_patches.install()  # the project's changes to Rasa, in REST-only deployments too
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.exception(Rejected)
        async def rejected(request: Request, error: Rejected) -> HTTPResponse:
            # Always JSON, whatever the request's Content-Type: a client reads the reason.
            return response.json(
                {"error": error.code, "message": str(error)}, status=error.status_code,
                ensure_ascii=False,
            )  # fmt: skip

        return bp

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        try:
            return door.check_conversation_id(_body(req).get("sender"))
        except door.Refused as refused:
            raise Rejected(refused) from None

    def _extract_message(self, req: Request) -> Optional[Text]:
        try:
            return door.check_text(_body(req).get("message"))
        except door.Refused as refused:
            raise Rejected(refused) from None

    def _extract_input_channel(self, req: Request) -> Text:
        # The channel is this one: a caller may not pose as the website (whose
        # requests for a person the live chat would then act on).
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise Rejected(door.Refused("malformed", "„metadata” trebuie să fie un obiect JSON."))
        return metadata
