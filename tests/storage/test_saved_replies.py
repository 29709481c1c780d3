"""The saved replies' table on SQLite and PostgreSQL: what is stored, what is refused
(with the Romanian reason) and that a refused change leaves every row as it was."""

import datetime as dt

import pytest
import sqlalchemy as sa

from storage import db, saved_replies
from storage.saved_replies import SavedReplyError, UnknownSavedReply
from tests.archive.conftest import backend, fresh_db_url, pg_databases, pg_server  # noqa: F401

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc)
HOURS = "Vă rugăm să aduceți și actul de identitate în original."


@pytest.fixture
def engine(fresh_db_url):  # noqa: F811
    db.upgrade(fresh_db_url)
    engine = db.make_engine(fresh_db_url)
    yield engine
    engine.dispose()


def rows(engine):
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(sa.text("SELECT id, title, text, updated_by FROM saved_replies"))
        ]


def test_create_edit_delete(engine):
    with db.write_transaction(engine) as conn:
        made = saved_replies.create(conn, "  Program   cu publicul ", HOURS + "\r\n", "admin.ana", NOW)
    assert (made.title, made.text) == ("Program cu publicul", HOURS)
    assert rows(engine) == [(made.id, "Program cu publicul", HOURS, "admin.ana")]

    later = NOW + dt.timedelta(hours=1)
    with db.write_transaction(engine) as conn:
        saved_replies.update(conn, made.id, "Programul", "Vă așteptăm la ghișeul 3.", "admin.ion", later)
    with engine.connect() as conn:
        (only,) = saved_replies.all_replies(conn)
    assert (only.title, only.text, only.updated_by, only.updated_at) == (
        "Programul", "Vă așteptăm la ghișeul 3.", "admin.ion", later
    )  # fmt: skip

    with db.write_transaction(engine) as conn:
        saved_replies.delete(conn, made.id)
    assert rows(engine) == []
    with pytest.raises(UnknownSavedReply, match="nu mai există"), db.write_transaction(engine) as conn:
        saved_replies.delete(conn, made.id)


@pytest.mark.parametrize(
    "title, text, message",
    [
        ("", HOURS, "Completați titlul răspunsului."),
        ("   ", HOURS, "Completați titlul răspunsului."),
        ("Program", " \n ", "Completați textul răspunsului."),
        ("Program", None, "Completați textul răspunsului."),
        ("T" * 81, HOURS, "Titlul are 81 de caractere; limita este de 80."),
        ("Program", "x" * 2001, "Textul are 2001 de caractere; limita este de 2000"),
        ("Program", "a\x00b", "caractere de control"),
        ("program CU publicul", HOURS, "Există deja un răspuns cu titlul „program CU publicul”."),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(engine, title, text, message):
    with db.write_transaction(engine) as conn:
        first = saved_replies.create(conn, "Program cu publicul", HOURS, "admin.ana", NOW)
    before = rows(engine)
    with pytest.raises(SavedReplyError) as refused, db.write_transaction(engine) as conn:
        saved_replies.create(conn, title, text, "admin.ana", NOW)
    assert message in str(refused.value)
    if "Există deja" not in message:  # an edit of the same reply to bad input: refused too
        with pytest.raises(SavedReplyError, match=message[:20]), db.write_transaction(engine) as conn:
            saved_replies.update(conn, first.id, title, text, "admin.ion", NOW)
    assert rows(engine) == before


def test_an_edit_may_keep_its_own_title_but_not_take_another(engine):
    with db.write_transaction(engine) as conn:
        one = saved_replies.create(conn, "Program", HOURS, "admin.ana", NOW)
        saved_replies.create(
            conn, "Adresa", "Adresa primăriei o găsiți pe pagina de contact.", "admin.ana", NOW
        )
    with db.write_transaction(engine) as conn:
        saved_replies.update(conn, one.id, "PROGRAM", HOURS, "admin.ana", NOW)
    with pytest.raises(SavedReplyError, match="„adresa”"), db.write_transaction(engine) as conn:
        saved_replies.update(conn, one.id, "adresa", HOURS, "admin.ana", NOW)
    with engine.connect() as conn:
        assert [r.title for r in saved_replies.all_replies(conn)] == ["Adresa", "PROGRAM"]


def test_the_migrations_match_the_tables(engine):
    """0007 and 0008 create exactly the Core tables of storage/ and livechat/."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from livechat.tables import conversation_links

    ours = {"saved_replies", "handoff_conversation_links"}
    metadata = sa.MetaData()
    saved_replies.saved_replies.to_metadata(metadata)
    conversation_links.to_metadata(metadata)
    # Only the target of the links' foreign key; the table itself is another migration's.
    sa.Table("handoff_conversations", metadata, sa.Column("id", sa.String(64), primary_key=True))
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parent: type_ != "table" or name in ours,
            },
        )
        diff = compare_metadata(context, metadata)
    assert [d for d in diff if not (d[0] == "add_table" and d[1].name == "handoff_conversations")] == []
