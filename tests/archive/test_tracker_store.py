"""archive/tracker_store.py: Rasa's conversation state in the archive database."""

import os

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.utils.endpoints import EndpointConfig

import rasa_patches
from archive import Archive, ArchiveUnavailable, InvalidTurn, TurnIn
from archive.tracker_store import ArchiveTrackerStore
from archive.writer import shared_writer

STORE_TYPE = "archive.tracker_store.ArchiveTrackerStore"

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_procedure, insult, request_human]
entities: [form]
slots:
  form:
    type: text
    influence_conversation: false
    mappings:
    - type: from_entity
      entity: form
  fill_state:
    type: any
    influence_conversation: false
    mappings:
    - type: custom
responses:
  utter_greet:
  - text: "Bună ziua! Cu ce vă pot ajuta?"
"""
)


@pytest.fixture
def store(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    store = TrackerStore.create(EndpointConfig(type=STORE_TYPE), domain=DOMAIN)
    yield store
    store.archive.close()


def user(text, intent, message_id, confidence=0.93, entities=()):
    return UserUttered(
        text,
        intent={"name": intent, "confidence": confidence},
        entities=list(entities),
        input_channel="rest",
        message_id=message_id,
    )


def bot(text, **data):
    return BotUttered(text, data=data, metadata={"utter_action": "utter_test"})


async def converse(store, sender, *events):
    tracker = await store.get_or_create_tracker(sender)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


def test_rasa_loads_the_store_from_endpoints_config(store, db_url):
    assert type(store) is ArchiveTrackerStore
    assert str(store.archive.url) == db_url


def test_the_url_key_of_endpoints_yml_is_refused_naming_database_url(db_url, monkeypatch):
    """Wave 1 let endpoints.yml's url win over DATABASE_URL: set there only, the tracker
    store and the website channel wrote to two databases."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    with pytest.raises(ValueError, match="DATABASE_URL"):
        TrackerStore.create(EndpointConfig(url=db_url, type=STORE_TYPE), domain=DOMAIN)


def test_agent_uses_the_store_without_the_failsafe_wrapper(store):
    patched = Agent.__dict__["_create_tracker_store"]
    rasa_patches.install()  # idempotent: a second install does not wrap it again
    assert Agent.__dict__["_create_tracker_store"] is patched
    agent = Agent(domain=DOMAIN, tracker_store=store)
    assert agent.tracker_store is store
    # Every other store keeps Rasa's behaviour.
    other = Agent(domain=DOMAIN, tracker_store=InMemoryTrackerStore(DOMAIN))
    assert isinstance(other.tracker_store, FailSafeTrackerStore)


async def test_conversation_survives_a_restart(store, db_url):
    await converse(
        store,
        "cetatean-1",
        user("bună ziua", "greet", "m1"),
        ActionExecuted("utter_greet"),
        bot("Bună ziua! Cu ce vă pot ajuta?"),
        ActionExecuted("action_listen"),
        user(
            "acte pentru certificatul de urbanism",
            "ask_procedure",
            "m2",
            entities=[{"entity": "form", "value": "certificat_urbanism", "start": 0, "end": 1}],
        ),
        SlotSet("form", "certificat_urbanism"),
    )
    before = (await store.retrieve("cetatean-1")).events
    restarted = ArchiveTrackerStore(domain=DOMAIN, archive=Archive(db_url))
    try:
        tracker = await restarted.retrieve("cetatean-1")
        assert list(tracker.events) == list(before)
        assert tracker.get_slot("form") == "certificat_urbanism"
        assert tracker.latest_message.text == "acte pentru certificatul de urbanism"
        assert "cetatean-1" in await restarted.keys()
    finally:
        restarted.archive.close()


async def test_user_and_bot_turns_are_archived_with_nlu_results(store):
    await converse(
        store,
        "c",
        user(
            "certificatul de urbanism?",
            "ask_procedure",
            "m1",
            confidence=0.8765,
            entities=[{"entity": "form", "value": "certificat_urbanism"}],
        ),
        ActionExecuted("action_procedure"),
        bot(
            "Pentru certificatul de urbanism aveți nevoie de:",
            buttons=[
                {"title": "Descărcați formularul (PDF)", "payload": "/formulare/certificat_urbanism.pdf"},
                {"title": "Autorizație", "payload": '/ask_procedure{"form": "autorizatie_construire"}'},
            ],
        ),
        ActionExecuted("action_listen"),
    )
    citizen, answer = store.archive.conversation("c")
    assert (citizen.speaker, citizen.text, citizen.intent) == (
        "citizen",
        "certificatul de urbanism?",
        "ask_procedure",
    )
    assert citizen.confidence == pytest.approx(0.8765)
    assert citizen.form_ids == ("certificat_urbanism",)
    assert citizen.channel == "rest" and citizen.source_key == "rasa:m1"
    assert answer.speaker == "bot" and answer.text.startswith("Pentru certificatul")
    assert answer.form_ids == ("certificat_urbanism", "autorizatie_construire")
    assert answer.extra["utter_action"] == "utter_test"
    assert answer.extra["buttons"][0]["title"] == "Descărcați formularul (PDF)"
    assert store.archive.verify().ok


async def test_saving_twice_archives_nothing_twice(store):
    tracker = await converse(store, "c", user("salut", "greet", "m1"), bot("Bună!"))
    await store.save(tracker)
    assert len(store.archive.conversation("c")) == 2


async def test_insult_is_flagged(store):
    await converse(store, "c", user("ești prost", "insult", "m1"))
    (turn,) = store.archive.conversation("c")
    assert turn.flags == ("insult",)


async def test_turns_the_channel_archived_itself_are_not_duplicated(store):
    # The website channel archives the citizen's message (source_key = Rasa message_id)
    # before handing it to Rasa, and the bot's answers before delivering them.
    store.archive.append(TurnIn("c", "citizen", "vreau un om", channel="website", source_key="m1"))
    await converse(store, "c", user("vreau un om", "request_human", "m1"), bot("Vă caut un coleg."))
    citizen, classified = store.archive.conversation("c")
    assert citizen.intent is None and citizen.source_key == "m1"
    assert (classified.speaker, classified.event, classified.intent) == (
        "system",
        "classified",
        "request_human",
    )
    assert classified.extra == {"message_seq": citizen.seq}
    assert classified.flags == ("handoff",)


async def test_only_the_latest_session_is_retrieved(store):
    await converse(store, "c", user("unu", "greet", "m1"))
    await converse(
        store, "c", ActionExecuted("action_session_start"), SessionStarted(), user("doi", "greet", "m2")
    )
    latest = await store.retrieve("c")
    full = await store.retrieve_full_tracker("c")
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["doi"]
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["unu", "doi"]


async def _stored_events(store, sender):
    return list((await store.retrieve_full_tracker(sender)).events)


async def test_one_tracker_saved_again_after_a_new_session_stores_each_event_once(store):
    # Rasa may save the tracker object it loaded more than once; after a new session
    # started in it, the stored session is shorter than the tracker's events.
    tracker = await converse(store, "c", user("unu", "greet", "m1"), bot("Bună!"))
    for event in (ActionExecuted("action_session_start"), SessionStarted(), user("doi", "greet", "m2")):
        tracker.update(event)
    await store.save(tracker)
    tracker.update(bot("Cu ce vă pot ajuta?"))
    await store.save(tracker)
    assert await _stored_events(store, "c") == list(tracker.events)
    assert [t.text for t in store.archive.conversation("c")] == ["unu", "Bună!", "doi", "Cu ce vă pot ajuta?"]


async def test_a_full_tracker_saved_back_stores_only_its_new_events(store):
    await converse(store, "c", user("unu", "greet", "m1"))
    await converse(
        store, "c", ActionExecuted("action_session_start"), SessionStarted(), user("doi", "greet", "m2")
    )
    full = await store.retrieve_full_tracker("c")
    full.update(bot("Bună!"))
    await store.save(full)
    assert await _stored_events(store, "c") == list(full.events)


async def test_a_tracker_built_elsewhere_is_counted_in_the_database(store):
    # e.g. Rasa's HTTP API replacing a conversation's events: no note from this store.
    from rasa.shared.core.trackers import DialogueStateTracker

    loaded = await converse(store, "c", user("unu", "greet", "m1"), bot("Bună!"))
    rebuilt = DialogueStateTracker.from_events("c", list(loaded.events), DOMAIN.slots)
    rebuilt.update(user("doi", "greet", "m2"))
    await store.save(rebuilt)
    assert await _stored_events(store, "c") == list(rebuilt.events)


async def test_a_failed_save_is_stored_by_the_next_one(store, monkeypatch):
    tracker = await converse(store, "c", user("unu", "greet", "m1"))
    tracker.update(bot("Bună!"))
    real = store.turns_to_archive

    def failing(*args, **kwargs):
        raise ArchiveUnavailable("disk full")

    monkeypatch.setattr(store, "turns_to_archive", failing)
    with pytest.raises(ArchiveUnavailable):
        await store.save(tracker)
    monkeypatch.setattr(store, "turns_to_archive", real)
    await store.save(tracker)
    assert await _stored_events(store, "c") == list(tracker.events)
    assert [t.text for t in store.archive.conversation("c")] == ["unu", "Bună!"]


async def _queued_together(store, writes):
    """Await ``writes`` (coroutines of the archive's writers) once all are queued: the
    writing thread is kept waiting meanwhile, so that they make one transaction even on a
    loaded machine (CI, 2026-12-02: five saves gathered made two). Its lock is re-entrant:
    the loop's submissions get in while the test holds it."""
    import asyncio

    group = shared_writer(store.archive.engine).group
    with group._lock:
        tasks = [asyncio.ensure_future(write) for write in writes]
        for _ in range(1000):
            if len(group.pending) == len(tasks):
                break
            await asyncio.sleep(0.001)
        assert len(group.pending) == len(tasks)
    return await asyncio.gather(*tasks)


async def test_conversations_saved_together_share_one_transaction(store):

    trackers = []
    for n in range(5):
        tracker = await store.get_or_create_tracker(f"c{n}")
        tracker.update(user(f"mesajul {n}", "greet", f"m{n}"))
        tracker.update(bot(f"Bună ziua, {n}!"))
        trackers.append(tracker)
    transactions = []
    real = store.write_in

    def counting(conn, batch):
        transactions.append(len(batch))
        return real(conn, batch)

    store.write_in = counting
    await _queued_together(store, [store.save(t) for t in trackers])
    assert transactions == [5]
    for n, tracker in enumerate(trackers):
        assert await _stored_events(store, f"c{n}") == list(tracker.events)
        assert [t.text for t in store.archive.conversation(f"c{n}")] == [f"mesajul {n}", f"Bună ziua, {n}!"]
    assert store.archive.verify().ok


async def test_a_tracker_load_is_one_statement_without_a_transaction(store):
    import sqlalchemy as sa

    await converse(store, "c", user("unu", "greet", "m1"))
    statements = []

    def count(*args):
        statements.append(args[2])

    sa.event.listen(store.archive.engine, "before_cursor_execute", count)
    try:
        tracker = await store.retrieve("c")
    finally:
        sa.event.remove(store.archive.engine, "before_cursor_execute", count)
    assert tracker is not None and tracker.latest_message.text == "unu"
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")
    with store.archive.engine.connect() as conn:  # the pooled connection is left clean
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1


async def test_saves_that_arrive_during_a_flush_make_up_the_next_one(store):
    """The flush runs in a worker thread on both databases: the loop goes on meanwhile,
    and what it queues is committed together next."""
    import asyncio
    import threading

    trackers = []
    for n in range(4):
        tracker = await store.get_or_create_tracker(f"c{n}")
        tracker.update(user(f"mesajul {n}", "greet", f"m{n}"))
        trackers.append(tracker)
    release = threading.Event()
    transactions, threads = [], []
    real = store.write_in

    def held_first(conn, batch):
        threads.append(threading.get_ident())
        transactions.append(len(batch))
        if len(transactions) == 1:
            assert release.wait(10)
        return real(conn, batch)

    store.write_in = held_first
    first = asyncio.ensure_future(store.save(trackers[0]))
    for _ in range(1000):
        if transactions:
            break
        await asyncio.sleep(0.001)
    rest = [asyncio.ensure_future(store.save(t)) for t in trackers[1:]]
    await asyncio.sleep(0.01)
    assert not first.done()  # still held in the worker, while the loop ran on
    release.set()
    await asyncio.gather(first, *rest)
    assert transactions == [1, 3]
    assert threading.get_ident() not in threads
    for n, tracker in enumerate(trackers):
        assert await _stored_events(store, f"c{n}") == list(tracker.events)
    assert store.archive.verify().ok


async def test_a_shared_transaction_costs_as_many_statements_as_one_save(store):
    """Lookups and conversation updates go once per transaction, not once per save:
    that is what makes a group commit cheaper than the saves one by one."""

    import sqlalchemy as sa

    async def statements_to_save(senders):
        trackers = []
        for n, sender in enumerate(senders):
            tracker = await store.get_or_create_tracker(sender)
            tracker.update(user(f"mesajul {n}", "greet", f"{sender}-m{n}"))
            tracker.update(bot(f"Bună ziua, {n}!"))
            trackers.append(tracker)
        counted = []

        def count(*args):
            counted.append(args[2])

        sa.event.listen(store.archive.engine, "before_cursor_execute", count)
        try:
            await _queued_together(store, [store.save(t) for t in trackers])
        finally:
            sa.event.remove(store.archive.engine, "before_cursor_execute", count)
        return len(counted)

    # Each save once with a conversation that is new, then again with one it knows.
    one = await statements_to_save(["alone"])
    five = await statements_to_save([f"c{n}" for n in range(5)])
    assert five == one
    one_known = await statements_to_save(["alone"])
    five_known = await statements_to_save([f"c{n}" for n in range(5)])
    assert five_known == one_known
    assert store.archive.verify().ok


async def test_one_bad_save_in_a_shared_transaction_fails_alone(store):
    import asyncio

    good = await store.get_or_create_tracker("bun")
    good.update(user("salut", "greet", "m1"))
    bad = await store.get_or_create_tracker("rau")
    bad.update(bot("x" * 20_001))  # the archive refuses this turn
    results = await asyncio.gather(store.save(good), store.save(bad), return_exceptions=True)
    assert results[0] is None and isinstance(results[1], InvalidTurn)
    assert await _stored_events(store, "bun") == list(good.events)
    assert not any(isinstance(e, BotUttered) for e in await _stored_events(store, "rau"))
    assert store.archive.verify().ok


async def test_a_cancelled_save_does_not_stop_the_others(store):
    import asyncio

    first = await store.get_or_create_tracker("a")
    first.update(user("unu", "greet", "m1"))
    second = await store.get_or_create_tracker("b")
    second.update(user("doi", "greet", "m2"))
    cancelled = asyncio.ensure_future(store.save(first))
    kept = asyncio.ensure_future(store.save(second))
    await asyncio.sleep(0)
    cancelled.cancel()
    await kept
    assert await _stored_events(store, "b") == list(second.events)


async def test_state_and_archive_are_saved_together_or_not_at_all(store):
    await converse(store, "c", user("salut", "greet", "m1"))
    tracker = await store.retrieve("c")
    tracker.update(bot("x" * 20_001))  # the archive refuses this turn
    with pytest.raises(InvalidTurn):
        await store.save(tracker)
    again = await store.retrieve("c")
    assert not any(isinstance(e, BotUttered) for e in again.events)
    assert len(store.archive.conversation("c")) == 1


async def test_sqlite_database_going_away_mid_conversation(tmp_path, sqlite_template):
    path = tmp_path / "live.db"
    path.write_bytes(open(sqlite_template, "rb").read())
    store = ArchiveTrackerStore(domain=DOMAIN, archive=Archive(f"sqlite:///{path}"))
    agent = Agent(domain=DOMAIN, tracker_store=store)
    tracker = await converse(agent.tracker_store, "c", user("bună", "greet", "m1"), bot("Bună ziua!"))

    os.rename(path, tmp_path / "moved.db")
    tracker.update(user("mai e cineva?", "greet", "m2"))
    # What the processor does at the end of a message: the error reaches the channel ...
    with pytest.raises(ArchiveUnavailable, match="does not exist"):
        await agent.tracker_store.save(tracker)
    # ... and at the start of the next one it does not get a fresh, empty conversation.
    with pytest.raises(ArchiveUnavailable):
        await agent.tracker_store.get_or_create_tracker("c")
    assert not path.exists()

    os.rename(tmp_path / "moved.db", path)
    restarted = ArchiveTrackerStore(domain=DOMAIN, archive=Archive(f"sqlite:///{path}"))
    back = await restarted.retrieve("c")
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == ["bună"]
    assert [t.text for t in restarted.archive.conversation("c")] == ["bună", "Bună ziua!"]
    assert restarted.archive.verify().ok
    store.archive.close()
    restarted.archive.close()


@pytest.mark.postgres
async def test_postgresql_database_dropped_mid_conversation(pg_databases):
    url = pg_databases.create("archive_tracker_gone")
    store = ArchiveTrackerStore(domain=DOMAIN, archive=Archive(url))
    agent = Agent(domain=DOMAIN, tracker_store=store)
    tracker = await converse(agent.tracker_store, "c", user("bună", "greet", "m1"))
    pg_databases.drop(url)
    tracker.update(user("alo?", "greet", "m2"))
    with pytest.raises(ArchiveUnavailable):
        await agent.tracker_store.save(tracker)
    with pytest.raises(ArchiveUnavailable):
        await agent.tracker_store.retrieve("c")
    store.archive.close()


async def test_rasas_stock_wrapper_would_have_hidden_the_failure(tmp_path, sqlite_template):
    """Why the store refuses Rasa's fail-safe wrapper: with it the save 'succeeds'."""
    path = tmp_path / "live.db"
    path.write_bytes(open(sqlite_template, "rb").read())
    store = ArchiveTrackerStore(domain=DOMAIN, archive=Archive(f"sqlite:///{path}"))
    wrapped = FailSafeTrackerStore(store)
    tracker = await converse(wrapped, "c", user("bună", "greet", "m1"))
    os.remove(path)
    tracker.update(user("pierdut", "greet", "m2"))
    await wrapped.save(tracker)  # no error: the turn went to an in-memory store
    assert await wrapped.retrieve("c") is None  # and the conversation "does not exist"
    store.archive.close()


def test_unreachable_database_fails_at_start(tmp_path):
    with pytest.raises(ArchiveUnavailable):
        ArchiveTrackerStore(domain=DOMAIN, archive=Archive("postgresql://nobody@127.0.0.1:1/none"))
    with pytest.raises(ArchiveUnavailable):
        ArchiveTrackerStore(domain=DOMAIN, archive=Archive(f"sqlite:///{tmp_path}/x.db"), migrate=False)


# -- a bot's refusal of an out-of-scope question (issue 6) -------------------------------


def redirect_utterance(question: str, **message):
    """The BotUttered Rasa makes of action_redirect_infrastructure's message
    (rasa.core.actions.action.create_bot_utterance: extra keys become metadata)."""
    from rasa.core.actions.action import create_bot_utterance

    from actions.scope import archive_note
    from forms_catalog.redirects import email_button, redirect_department

    department = redirect_department(question)
    return create_bot_utterance({
        "text": f"Vă rugăm să scrieți la {department.name}, la adresa {department.email}.",
        "buttons": [email_button(department)],
        "archive": archive_note(department, mixed=False),
        **message,
    })  # fmt: skip


async def test_bot_redirect_is_archived_flagged_with_its_department_and_found_by_auditors(store):
    from argon2 import PasswordHasher

    from archive.audit import AuditSession
    from archive.users import Users

    question = "strada mea e plina de gropi, cand o asfaltati?"
    await converse(
        store,
        "c",
        user(question, "out_of_scope_infrastructure", "m1"),
        ActionExecuted("action_redirect_infrastructure"),
        redirect_utterance(question),
        ActionExecuted("action_listen"),
    )
    _, answer = store.archive.conversation("c")
    assert answer.speaker == "bot" and answer.flags == ("out_of_scope",)
    assert answer.extra["redirect"] == {
        "topic": "drumuri", "department": "Compartimentul Drumuri și Infrastructură Rutieră",
        "email": "drumuri@primariamagurele.ro", "mixed": False,
    }  # fmt: skip
    assert answer.extra["buttons"][0]["url"].startswith("mailto:drumuri@primariamagurele.ro")
    assert "archive" not in answer.extra

    users = Users(store.archive, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    auditor = AuditSession(store.archive, users.create("ion.auditor", "corect-cal-baterie", "auditor"))
    found = auditor.search(flags="out_of_scope", speaker="bot")
    assert [t.seq for t in found.turns] == [answer.seq]
    line = auditor.transcript("c").lines[1]
    assert line.redirect_label == (
        "Redirecționat către Compartimentul Drumuri și Infrastructură Rutieră (drumuri@primariamagurele.ro)"
    )
    assert auditor.transcript("c").lines[0].redirect_label is None


async def test_malformed_archive_metadata_is_dropped_with_a_warning(store, caplog):
    question = "cand asfaltati strada?"
    metadata = {
        "flags": ["out_of_scope", "DROP TABLE"],
        "buttons": [{"title": "fals", "payload": "/nimic"}],  # the real buttons win
        "redirect": {"topic": ["drumuri"]},  # only short strings and true/false
        "note": "x" * 201,
        "checked": True,
    }
    await converse(
        store,
        "c",
        user(question, "out_of_scope_infrastructure", "m1"),
        redirect_utterance(question, archive=metadata),
        redirect_utterance(question, text="Al doilea.", archive="out_of_scope"),
    )
    _, first, second = store.archive.conversation("c")
    assert first.flags == ("out_of_scope",)
    assert first.extra["buttons"][0]["url"].startswith("mailto:")
    assert "redirect" not in first.extra and "note" not in first.extra
    assert first.extra["checked"] is True
    assert second.flags == () and set(second.extra) == {"buttons"}
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    for fragment in ("'DROP TABLE'", "'buttons'", "'redirect'", "'note'", "not an object"):
        assert fragment in warned


def test_a_database_named_in_endpoints_yml_is_refused_with_the_setting_to_use():
    """One setting names the database (issue 12): a tracker store url in endpoints.yml once
    let the tracker store and the channel write to two databases."""
    with pytest.raises(ValueError, match="DATABASE_URL"):
        ArchiveTrackerStore(domain=DOMAIN, url="sqlite:///elsewhere.db")


async def test_the_answers_of_a_form_filled_before_the_cutoff_go_with_the_purge(store, db_url):
    """The chat's guided filling keeps the answers (a CNP) in the fill_state slot: the
    retention purge must reach them like the rest of the conversation."""
    import time

    from tests.archive.conftest import raw_sql

    long_ago = time.time() - 40 * 86400
    answers = {"form_id": "petitie", "answers": {"cnp": "1800101221144"}, "confirmed": False}
    message = user("vreau sa completez o petitie", "greet", "f1")
    message.timestamp = long_ago
    await converse(store, "filler", message, SlotSet("fill_state", answers, timestamp=long_ago))
    assert (await store.retrieve("filler")).get_slot("fill_state") == answers
    store.archive.purge(30, by="test")
    tracker = await store.retrieve("filler")
    assert tracker is None or tracker.get_slot("fill_state") is None
    (rows,) = raw_sql(db_url, "SELECT data FROM tracker_events")
    assert not any("1800101221144" in str(row) for row in rows)


async def _a_sink_and_four_questions(store):
    """The channel's sink on the store's database (its engine opened by a first turn), and
    four conversations r0-r3 with a question each, not yet saved."""
    from archive.sink import ArchiveTurnSink
    from archive.turns import TurnIn

    sink = ArchiveTurnSink(Archive(store.archive.url))
    trackers = []
    for n in range(4):
        tracker = await store.get_or_create_tracker(f"r{n}")
        tracker.update(user(f"întrebarea {n}", "greet", f"q{n}"))
        trackers.append(tracker)
    await sink.record(TurnIn("warm", "citizen", "bună ziua"))  # both writers' engines are open
    return sink, trackers


async def test_the_channels_turns_and_rasas_saves_that_arrive_together_share_one_transaction(store):
    """The website channel's sink and the tracker store extend one chain: written apart,
    each message cost a transaction of each, queuing for the chain head's lock."""

    import sqlalchemy as sa

    from archive.turns import TurnIn

    sink, trackers = await _a_sink_and_four_questions(store)
    commits = []
    for engine in {store.archive.engine, sink.archive.engine}:
        sa.event.listen(engine, "commit", lambda conn: commits.append(1))
    turns = [TurnIn(f"w{n}", "citizen", f"mesajul {n}", source_key=f"k{n}") for n in range(4)]
    await _queued_together(store, [*(store.save(t) for t in trackers), *(sink.record(t) for t in turns)])
    assert len(commits) == 1
    for n in range(4):
        assert [t.text for t in store.archive.conversation(f"r{n}")] == [f"întrebarea {n}"]
        assert [t.text for t in store.archive.conversation(f"w{n}")] == [f"mesajul {n}"]
        assert await _stored_events(store, f"r{n}") == list(trackers[n].events)
    assert store.archive.verify().ok
    sink.archive.close()


async def test_interleaved_turns_and_saves_are_written_once_per_writer(store):
    """The channel's turns and Rasa's saves arrive interleaved: each writer writes all of
    its jobs of the transaction at once (one pass over the chain head each), not once per
    run of consecutive jobs — eight passes for these eight jobs, when they were written
    that way, and the flush's time under load."""

    from archive.turns import TurnIn

    sink, trackers = await _a_sink_and_four_questions(store)
    calls = []
    for writer, name in ((store, "ArchiveTrackerStore"), (sink, "ArchiveTurnSink")):
        real = writer.write_in

        def counting(conn, jobs, real=real, name=name):
            calls.append((name, len(jobs)))
            return real(conn, jobs)

        writer.write_in = counting
    turns = [TurnIn(f"w{n}", "citizen", f"mesajul {n}", source_key=f"k{n}") for n in range(4)]
    interleaved = [job for pair in zip(map(store.save, trackers), map(sink.record, turns)) for job in pair]
    stored = await _queued_together(store, interleaved)
    assert sorted(calls) == [("ArchiveTrackerStore", 4), ("ArchiveTurnSink", 4)]
    # Each turn's result is its own, whatever the order the writers wrote in.
    assert [s.text for s in stored[1::2]] == [f"mesajul {n}" for n in range(4)]
    assert [s.conversation_id for s in stored[1::2]] == [f"w{n}" for n in range(4)]
    for n in range(4):
        assert [t.text for t in store.archive.conversation(f"r{n}")] == [f"întrebarea {n}"]
        assert [t.text for t in store.archive.conversation(f"w{n}")] == [f"mesajul {n}"]
    assert store.archive.verify().ok
    sink.archive.close()
