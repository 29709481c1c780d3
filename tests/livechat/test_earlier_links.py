"""Tying a conversation to a browser or a filing (livechat/earlier.py ``link``) while other
connections write: on SQLite, a unit of work that reads and then writes is refused at once
("database is locked", no busy wait) when another connection committed in between."""

import datetime as dt
from typing import Any, List

import sqlalchemy as sa

from livechat import earlier
from livechat.store import HandoffStore
from livechat.tables import conversation_links

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.timezone.utc)


def _links(store: HandoffStore) -> List[Any]:
    with store.session_scope() as connection:
        return list(
            connection.execute(sa.select(conversation_links.c.conversation_id, conversation_links.c.key))
        )


def test_a_link_is_written_when_another_connection_commits_just_before(store: HandoffStore) -> None:
    """CI, 2026-12-03: the hello's link read the table, the housekeeping (every 0.2 s in the
    test) committed, and the link's INSERT failed: the citizen's socket closed with 1013."""
    conversation, other = store.create_conversation(NOW), store.create_conversation(NOW)
    committed: List[bool] = []

    def commit_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO handoff_conversation_links") and not committed:
            committed.append(True)
            store.citizen_seen(other.id, NOW + dt.timedelta(seconds=1))  # another connection commits

    sa.event.listen(store.engine, "before_cursor_execute", commit_first)
    try:
        with store.session_scope() as connection:  # as livechat/citizens.py ties a browser
            earlier.link(connection, conversation.id, earlier.BROWSER, earlier.browser_key("a" * 64), NOW)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", commit_first)
    assert committed == [True]
    assert _links(store) == [(conversation.id, earlier.browser_key("a" * 64))]


def test_a_link_twice_is_one_row(any_store: HandoffStore) -> None:
    conversation = any_store.create_conversation(NOW)
    for _ in range(2):
        with any_store.session_scope() as connection:
            earlier.link(connection, conversation.id, earlier.FILING, "12/04.12.2026", NOW)
    assert _links(any_store) == [(conversation.id, "12/04.12.2026")]
