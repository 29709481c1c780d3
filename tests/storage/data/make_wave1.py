"""Fill a wave-1 database (made by the wave-1 code) with a few rows of every kind."""

import datetime as dt

from archive_store import Archive, TurnIn
from handoff.db import make_engine
from handoff.store import HandoffStore

now = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone.utc)
store = HandoffStore(make_engine())
c = store.create_conversation(now)
store.add_message(c.id, "citizen", "Bună ziua, ce acte trebuie pentru certificatul de urbanism?", now)
store.add_message(
    c.id, "bot", "Pentru certificatul de urbanism aveți nevoie de…", now, author="Asistentul virtual"
)
print("conversation", c.id)
with Archive() as archive:
    archive.append(
        TurnIn(
            conversation_id=c.id,
            speaker="citizen",
            text="Bună ziua, ce acte trebuie pentru certificatul de urbanism?",
        )
    )
    archive.append(
        TurnIn(conversation_id=c.id, speaker="bot", text="Pentru certificatul de urbanism aveți nevoie de…")
    )
    print("head", archive.head())
