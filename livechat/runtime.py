"""The live chat's runtime on the Rasa server: the service and its housekeeping.

Built by the website channel in a ``before_server_start`` listener (nothing at import).
"""

import asyncio
import logging

from forms_catalog import load_catalog
from livechat.archive import TransactionalSink, load_sink
from livechat.hub import Hub, RedisHub
from livechat.schedule import current_schedule
from livechat.service import HandoffService
from livechat.settings import ChannelSettings
from livechat.shared_limits import SharedAddressPauses, SharedFloodGuard
from livechat.store import HandoffStore
from storage import db

logger = logging.getLogger(__name__)


def build_service(settings: ChannelSettings) -> HandoffService:
    """The service with its database (migrated to the latest schema) and archive sink."""
    current_schedule()  # a broken schedule file stops the server start with its message
    # Read now, not on the event loop when the first citizen asks for a person (some 0.5 s
    # of YAML during which no other conversation moves); a broken catalog stops the start.
    load_catalog()
    db.upgrade()
    engine = db.make_engine()
    sink = load_sink(settings.turn_sink)
    if isinstance(sink, TransactionalSink):
        sink.use_engine(engine)  # one pool for the live chat and its archive
    hub = RedisHub(settings.redis_url, settings.redis_channel) if settings.redis_url else Hub()
    service = HandoffService(HandoffStore(engine), settings, sink, hub)
    if settings.redis_url:
        # Several instances: the citizens' limits hold for the whole deployment.
        prefix = f"{settings.redis_channel}:limit"
        service.floods = SharedFloodGuard(
            settings.redis_url, f"{prefix}:conversation", settings.citizen_messages_per_minute
        )
        service.address_floods = SharedFloodGuard(
            settings.redis_url, f"{prefix}:address", settings.address_messages_per_minute
        )
        service.new_conversations = SharedFloodGuard(
            settings.redis_url, f"{prefix}:new", settings.address_conversations_per_hour, window=3600.0
        )
        # An insult pause follows the citizen's address to the other instances too.
        service.address_pauses = SharedAddressPauses(settings.redis_url, f"{settings.redis_channel}:pause")
    return service


async def housekeeping_loop(service: HandoffService) -> None:
    """Run :meth:`HandoffService.housekeeping` every ``housekeeping_seconds``, forever."""
    while True:
        await asyncio.sleep(service.settings.housekeeping_seconds)
        try:
            await service.housekeeping()
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed round is retried next round, and must be visible
            logger.exception("handoff: housekeeping round failed")
