"""The citizen rates a conversation that ended (issue 17): one question, 1–5, skippable.

When the widget asks (``web/static/widget.js``; the rule is also in livechat/README.md):

- the clerk closed the conversation (state ``closed``), or
- the bot answered last and the citizen has written nothing for :data:`IDLE_SECONDS`
  (state ``bot``).

What the channel accepts (a ``rating`` frame ``{"score": 1..5, "comment": "…"}``): one
rating per conversation, only when it is not waiting for or talking to a clerk and only
once someone (the bot or a clerk) has answered. The rating is attributed to the last clerk
who wrote in the conversation, else to the bot. It is recorded in ``handoff_ratings``
(whose primary key refuses a second one) and archived as a system turn ``rating``
(``extra``: score, rated, clerk; the comment in the text) — if the archive refuses it,
the row is removed again and the citizen is told.
"""

import logging
from typing import Any, Dict, Optional

import sqlalchemy as sa

from livechat import door
from livechat.archive import ArchiveError, Turn
from livechat.core import ServiceCore
from livechat.errors import HandoffError
from livechat.tables import BOT, CLERK, QUEUED, SYSTEM, UTCDateTime, metadata

logger = logging.getLogger(__name__)

#: Seconds after the bot's last answer without a citizen message before the widget asks.
IDLE_SECONDS = 120
#: The archive's event of a rating, and the flag of a low one (≤ LOW_SCORE).
RATING_EVENT = "rating"
LOW_SCORE = 2
LOW_FLAG = "rating_low"

ratings = sa.Table(
    "handoff_ratings",
    metadata,
    sa.Column("conversation_id", sa.String(64), sa.ForeignKey("handoff_conversations.id"), primary_key=True),
    sa.Column("score", sa.SmallInteger, nullable=False),
    sa.Column("rated", sa.String(8), nullable=False),
    sa.Column("clerk_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

THANKS = "Vă mulțumim pentru evaluare! Ne ajută să îmbunătățim serviciul."


def rating_text(score: int, comment: Optional[str]) -> str:
    """The archived text of a rating (what the audit view shows)."""
    text = f"Evaluarea cetățeanului: {score} din 5."
    return f"{text} Comentariu: {comment}" if comment else text


class Ratings(ServiceCore):
    """The citizen's rating of a finished conversation."""

    def rating_info(self, conversation_id: str) -> Dict[str, Any]:
        """What the welcome frame tells the widget: whether this conversation is rated
        already, and after how many idle seconds to ask."""
        with self.store.session_scope() as connection:
            done = connection.execute(
                sa.select(ratings.c.score).where(ratings.c.conversation_id == conversation_id)
            ).first()
        return {"done": done is not None, "idle_seconds": IDLE_SECONDS}

    async def rate(self, conversation_id: str, score: Any, comment: Any = None) -> Dict[str, Any]:
        """Record and archive the citizen's rating; HandoffError (nothing changed) if refused."""
        try:
            score, comment = door.check_rating(score, comment)
        except door.Refused as refused:
            raise HandoffError(refused.code, refused.message, status=refused.status) from None
        conversation = self._conversation(conversation_id)
        if conversation.state in (QUEUED, CLERK):
            raise HandoffError(
                "not_finished",
                "Conversația nu s-a încheiat încă; o puteți evalua după ce vă răspunde funcționarul.",
                status=409,
            )
        transcript = self.store.transcript(conversation.id)
        if not any(m.sender in (BOT, CLERK) for m in transcript):
            raise HandoffError(
                "nothing_to_rate", "Nu aveți încă un răspuns de evaluat în această conversație.", status=409
            )
        clerk_ids = [m.clerk_id for m in transcript if m.sender == CLERK and m.clerk_id is not None]
        clerk = self.store.clerk(clerk_ids[-1]) if clerk_ids else None
        rated = CLERK if clerk is not None else BOT
        if not self._claim(conversation.id, score, rated, clerk.id if clerk else None):
            raise HandoffError(
                "already_rated", "Ați evaluat deja această conversație. Vă mulțumim!", status=409
            )
        turn = Turn(
            conversation.id, SYSTEM, rating_text(score, comment), event=RATING_EVENT,
            clerk_id=clerk.username if clerk else None,
            extra={"score": score, "rated": rated, "comment": comment is not None},
            flags=(LOW_FLAG,) if score <= LOW_SCORE else (),
        )  # fmt: skip
        try:
            await self.sink.record(turn)
        except ArchiveError as error:
            logger.error("handoff: archiving the rating of %s failed: %s", conversation.id, error)
            with self.store.session_scope() as connection:
                connection.execute(sa.delete(ratings).where(ratings.c.conversation_id == conversation.id))
            raise HandoffError(
                "archive_failed",
                "Evaluarea nu a putut fi salvată în arhivă, de aceea nu a fost înregistrată. "
                "Încercați din nou peste câteva momente.",
                status=503,
            ) from None
        logger.info("handoff: conversation %s rated %d (%s)", conversation.id, score, rated)
        return {"type": "rated", "score": score, "rated": rated, "message": THANKS}

    def _claim(self, conversation_id: str, score: int, rated: str, clerk_id: Optional[int]) -> bool:
        """Insert the rating row; False if the conversation has one already."""
        try:
            with self.store.session_scope() as connection:
                connection.execute(
                    ratings.insert().values(
                        conversation_id=conversation_id,
                        score=score,
                        rated=rated,
                        clerk_id=clerk_id,
                        created_at=self.clock(),
                    )  # fmt: skip
                )
        except sa.exc.IntegrityError:
            return False
        return True
