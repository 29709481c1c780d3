"""The live chat's behaviour: citizens, the bot, clerks and the queue, on top of the store.

One :class:`HandoffService` lives on ``app.ctx.handoff`` of the Rasa server (created in a
``before_server_start`` listener of the website channel). The channel's websocket and the
console's routes call it; it changes state in the database through
:class:`~livechat.store.HandoffStore`, archives every turn through the
:class:`~livechat.archive.TurnSink` before acknowledging or delivering it, and pushes
frames to the sockets of this process through :class:`~livechat.hub.Hub`.

It is composed of one part per concern, each a module a newcomer can read in one
sitting: :mod:`livechat.core` (shared state and helpers), :mod:`livechat.views`,
:mod:`livechat.bot`, :mod:`livechat.citizens`, :mod:`livechat.clerks`,
:mod:`livechat.clerk_filling` (the form a clerk completes for the citizen),
:mod:`livechat.housekeeping`, :mod:`livechat.ratings` (the citizen's rating of a
finished conversation); the Romanian texts are :mod:`livechat.copy`, the refusals
:mod:`livechat.errors`.
"""

from livechat.citizens import CitizenSide
from livechat.clerk_filling import ClerkFilling
from livechat.housekeeping import Housekeeping
from livechat.ratings import Ratings


class HandoffService(Housekeeping, CitizenSide, ClerkFilling, Ratings):
    """The live chat of one Rasa server."""
