"""State in the database: transitions, the takeover race, clerks, sessions, migrations."""

import datetime as dt
import threading
from typing import List

import pytest
import sqlalchemy as sa

from livechat.store import ClerkExistsError, HandoffStore
from storage import db
from storage import passwords as auth

T0 = dt.datetime(2025, 12, 2, 9, 0, tzinfo=dt.timezone.utc)


def test_conversation_lifecycle(store: HandoffStore):
    clerk = store.create_clerk("ana", "Ana Popescu", "parola-lunga-1")
    conversation = store.create_conversation(T0)
    assert conversation.state == "bot"
    assert not store.takeover(conversation.id, clerk.id, T0)  # not queued yet
    assert store.enqueue(conversation.id, T0, "Certificat de urbanism", "certificat_urbanism")
    assert not store.enqueue(conversation.id, T0)  # already queued
    assert [c.id for c in store.queue()] == [conversation.id]
    assert store.takeover(conversation.id, clerk.id, T0)
    assert store.conversation(conversation.id).state == "clerk"
    assert store.queue() == []
    assert store.release(conversation.id, clerk.id, T0)
    assert store.conversation(conversation.id).state == "bot"
    assert not store.close(conversation.id, clerk.id, T0)  # does not hold it any more


def test_clerk_actions_need_the_conversation(store: HandoffStore):
    ana = store.create_clerk("ana", "Ana Popescu", "parola-lunga-1")
    ion = store.create_clerk("ion", "Ion Ionescu", "parola-lunga-2")
    conversation = store.create_conversation(T0)
    store.enqueue(conversation.id, T0)
    store.takeover(conversation.id, ana.id, T0)
    assert store.add_clerk_message(conversation.id, ion, "Bună ziua", T0) is None
    assert not store.transfer(conversation.id, ion.id, ana.id, T0)
    assert not store.release(conversation.id, ion.id, T0)
    assert store.transcript(conversation.id) == []
    assert store.transfer(conversation.id, ana.id, ion.id, T0)
    assert store.add_clerk_message(conversation.id, ana, "Bună ziua", T0) is None
    message = store.add_clerk_message(conversation.id, ion, "Bună ziua", T0)
    assert message is not None and message.author == "Ion Ionescu"


def test_queue_is_first_come_first_served_and_requeue_keeps_place(store: HandoffStore):
    ana = store.create_clerk("ana", "Ana Popescu", "parola-lunga-1")
    first, second = store.create_conversation(T0), store.create_conversation(T0)
    store.enqueue(first.id, T0)
    store.enqueue(second.id, T0 + dt.timedelta(minutes=1))
    store.takeover(first.id, ana.id, T0 + dt.timedelta(minutes=2))
    assert store.requeue(first.id, ana.id, T0 + dt.timedelta(minutes=5))
    assert [c.id for c in store.queue()] == [first.id, second.id]


def _race(store: HandoffStore, conversation_id: str, clerk_ids: List[int]) -> List[bool]:
    barrier = threading.Barrier(len(clerk_ids))
    results: List[bool] = [False] * len(clerk_ids)

    def click(index: int, clerk_id: int) -> None:
        barrier.wait()
        results[index] = store.takeover(conversation_id, clerk_id, T0)

    threads = [threading.Thread(target=click, args=item) for item in enumerate(clerk_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _race_many_times(store: HandoffStore) -> None:
    clerk_ids = [store.create_clerk(f"clerk{i}", f"Funcționar {i}", "parola-lunga-1").id for i in range(4)]
    for _ in range(10):
        conversation = store.create_conversation(T0)
        store.enqueue(conversation.id, T0)
        results = _race(store, conversation.id, clerk_ids)
        assert results.count(True) == 1, results
        winner = clerk_ids[results.index(True)]
        assert store.conversation(conversation.id).clerk_id == winner


def test_two_clerks_at_once_exactly_one_wins_sqlite(store: HandoffStore):
    _race_many_times(store)


@pytest.mark.postgres
def test_two_clerks_at_once_exactly_one_wins_postgres(pg_url):
    # Two engines, as two Rasa instances behind a load balancer would have.
    db.upgrade(pg_url)
    engines = [db.make_engine(pg_url), db.make_engine(pg_url)]
    stores = [HandoffStore(engine) for engine in engines]
    ana = stores[0].create_clerk("ana", "Ana Popescu", "parola-lunga-1")
    ion = stores[1].create_clerk("ion", "Ion Ionescu", "parola-lunga-2")
    try:
        for _ in range(10):
            conversation = stores[0].create_conversation(T0)
            stores[0].enqueue(conversation.id, T0)
            barrier = threading.Barrier(2)
            results = [False, False]

            def click(index: int, clerk_id: int) -> None:
                barrier.wait()
                results[index] = stores[index].takeover(conversation.id, clerk_id, T0)

            threads = [
                threading.Thread(target=click, args=(0, ana.id)),
                threading.Thread(target=click, args=(1, ion.id)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert results.count(True) == 1, results
    finally:
        for engine in engines:
            engine.dispose()


def test_clerk_accounts_hash_passwords(store: HandoffStore):
    store.create_clerk("Ana", "Ana Popescu", "parola-lunga-1")
    with store.session_scope() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM accounts")).scalar_one()
    assert stored.startswith("$argon2id$") and "parola-lunga-1" not in stored
    assert store.authenticate("ana", "parola-lunga-1").display_name == "Ana Popescu"
    assert store.authenticate("ana", "parola-gresita") is None
    assert store.authenticate("nimeni", "parola-lunga-1") is None
    with pytest.raises(ClerkExistsError):
        store.create_clerk("ana", "Alta Ana", "parola-lunga-2")
    with pytest.raises(auth.PasswordPolicyError):
        store.create_clerk("ion", "Ion", "scurta")


def test_disabled_clerk_cannot_log_in(store: HandoffStore):
    store.create_clerk("ana", "Ana Popescu", "parola-lunga-1")
    store.set_disabled("ana", True)
    assert store.authenticate("ana", "parola-lunga-1") is None


def test_sessions_expire_and_new_password_ends_them(store: HandoffStore):
    clerk = store.create_clerk("ana", "Ana Popescu", "parola-lunga-1")
    token = store.create_session(clerk.id, T0, dt.timedelta(minutes=30))
    assert store.session_clerk(token, T0 + dt.timedelta(minutes=29)).id == clerk.id
    assert store.session_clerk(token, T0 + dt.timedelta(minutes=30)) is None
    assert store.session_clerk("not-a-token", T0) is None
    with store.session_scope() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM sessions")).scalar_one()
    assert stored != token  # only a digest is kept
    store.set_password("ana", "parola-noua-12")
    assert store.session_clerk(token, T0) is None


def test_presence_counts_only_clerks_seen_recently(store: HandoffStore):
    ana = store.create_clerk("ana", "Ana Popescu", "parola-lunga-1")
    grace = dt.timedelta(seconds=60)
    assert store.active_clerks(T0, grace) == []
    store.set_presence(ana.id, "activ", T0)
    assert [c.username for c in store.active_clerks(T0 + dt.timedelta(seconds=30), grace)] == ["ana"]
    assert store.active_clerks(T0 + dt.timedelta(seconds=61), grace) == []
    assert [c.username for c in store.vanished_clerks(T0 + dt.timedelta(seconds=61), grace)] == ["ana"]
    with pytest.raises(ValueError):
        store.set_presence(ana.id, "plecat", T0)


def test_transcript_keeps_order_and_limit(store: HandoffStore):
    conversation = store.create_conversation(T0)
    for i in range(5):
        store.add_message(
            conversation.id, "citizen", f"m{i}", T0, data={"payload": "/greet"} if i == 0 else None
        )
    assert [m.text for m in store.transcript(conversation.id)] == ["m0", "m1", "m2", "m3", "m4"]
    assert [m.text for m in store.transcript(conversation.id, limit=2)] == ["m3", "m4"]
    assert store.transcript(conversation.id)[0].data == {"payload": "/greet"}
    with pytest.raises(ValueError):
        store.add_message(conversation.id, "hacker", "x", T0)


def test_a_bot_message_is_stored_only_in_a_conversation_that_is_there(store: HandoffStore):
    conversation = store.create_conversation(T0)
    with store.session_scope(write=True) as connection:
        stored = store.message_in(connection, conversation.id, "bot", "Bună ziua!", T0, data={"buttons": []})
        gone = store.message_in(connection, "nu-exista", "bot", "Bună ziua!", T0)
    assert gone is None
    assert stored is not None and stored.conversation_id == conversation.id
    assert [(m.sender, m.text, m.data) for m in store.transcript(conversation.id)] == [
        ("bot", "Bună ziua!", {"buttons": []})
    ]
    with store.session_scope() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM handoff_messages")).scalar()
    assert rows == 1


def test_a_citizen_message_is_stored_once_under_its_message_id(any_store: HandoffStore):
    conversation = any_store.create_conversation(T0)
    with any_store.session_scope(write=True) as connection:
        first, created, _ = any_store.citizen_message_in(
            connection, conversation.id, "Bună ziua", T0, "m1", to_bot=True
        )
    assert created and first.bot_status == "pending"
    with any_store.session_scope() as connection:  # closed by a clerk since
        connection.execute(
            sa.text("UPDATE handoff_conversations SET state = 'closed' WHERE id = :id"),
            {"id": conversation.id},
        )
    with any_store.session_scope(write=True) as connection:  # the widget resends it after a reconnect
        again, created, current = any_store.citizen_message_in(
            connection, conversation.id, "Bună ziua", T0, "m1", to_bot=True, reopen=True
        )
    assert not created and again == first
    assert current is not None and current.state == "closed"  # a resend does not reopen it
    with any_store.session_scope(write=True) as connection:
        new, created, current = any_store.citizen_message_in(
            connection, conversation.id, "Mai am o întrebare", T0, "m2", to_bot=True, reopen=True
        )
    assert created and new.id > first.id
    assert current is not None and current.state == "bot"
    assert [(m.text, m.message_id) for m in any_store.transcript(conversation.id)] == [
        ("Bună ziua", "m1"),
        ("Mai am o întrebare", "m2"),
    ]
