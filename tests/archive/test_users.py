"""archive/users.py: clerk, auditor and admin accounts with argon2 hashes."""

import io

import pytest
from argon2 import PasswordHasher

from archive import AuthenticationFailed
from archive.__main__ import main
from archive.errors import UnknownUser, UserError
from archive.users import Users

from .conftest import raw_sql

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "corect-cal-baterie"


@pytest.fixture
def users(archive):
    return Users(archive, hasher=CHEAP)


def test_create_and_authenticate(users):
    created = users.create(" Ana.Pop ", PASSWORD, "clerk", display_name="Ana Pop")
    assert (created.username, created.display_name, created.role) == ("ana.pop", "Ana Pop", "clerk")
    assert users.authenticate("ANA.POP", PASSWORD) == created
    assert not created.can_audit
    assert users.create("ion", PASSWORD, "auditor").can_audit


def test_passwords_are_stored_as_argon2id_hashes(users, db_url):
    users.create("ana", PASSWORD, "clerk")
    ((stored,),) = raw_sql(db_url, "SELECT password_hash FROM accounts")[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    "username, password",
    [("ana", "gresit-gresit"), ("nimeni", PASSWORD), ("' OR 1=1 --", PASSWORD), ("ana", "x" * 5000)],
)
def test_failed_logins_all_look_the_same(users, username, password):
    users.create("ana", PASSWORD, "clerk")
    with pytest.raises(AuthenticationFailed, match="^Nume de utilizator sau parolă greșită.$"):
        users.authenticate(username, password)


def test_disabled_account_cannot_log_in(users):
    users.create("ana", PASSWORD, "auditor")
    users.set_active("ana", False)
    with pytest.raises(AuthenticationFailed):
        users.authenticate("ana", PASSWORD)
    assert not users.get("ana").can_audit


@pytest.mark.parametrize(
    "username, password, role, message",
    [
        ("ana", "scurtă", "clerk", "cel puțin 10"),
        ("ana-maria", "ana-maria", "clerk", "cel puțin 10"),
        ("ana.maria.pop", "ANA.MARIA.POP", "clerk", "numele de utilizator"),
        ("ana", PASSWORD, "superuser", "Rol necunoscut"),
        ("a", PASSWORD, "clerk", "2–64"),
        ("ana pop", PASSWORD, "clerk", "2–64"),
        ("ana'; DROP TABLE accounts; --", PASSWORD, "clerk", "2–64"),
        ("ștefan", PASSWORD, "clerk", "fără diacritice"),
    ],
)
def test_bad_accounts_are_refused(users, username, password, role, message):
    with pytest.raises(UserError, match=message):
        users.create(username, password, role)
    assert users.list() == []


def test_duplicate_username(users):
    users.create("ana", PASSWORD, "clerk")
    with pytest.raises(UserError, match="există deja"):
        users.create("ANA", PASSWORD, "auditor")


def test_change_password_and_role(users):
    users.create("ana", PASSWORD, "clerk")
    users.set_password("ana", "alta-parola-lunga")
    with pytest.raises(AuthenticationFailed):
        users.authenticate("ana", PASSWORD)
    users.authenticate("ana", "alta-parola-lunga")
    users.set_role("ana", "admin")
    assert users.get("ana").role == "admin"
    with pytest.raises(UnknownUser):
        users.set_role("nimeni", "admin")


def test_hash_is_upgraded_when_parameters_change(users, archive, db_url):
    users.create("ana", PASSWORD, "clerk")
    stronger = Users(archive, hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    stronger.authenticate("ana", PASSWORD)
    ((stored,),) = raw_sql(db_url, "SELECT password_hash FROM accounts")[0]
    assert "t=2" in stored


def test_display_names(users):
    users.create("ana.pop", PASSWORD, "clerk", display_name="Ana Pop")
    assert users.display_names(["ana.pop", "necunoscut", None]) == {"ana.pop": "Ana Pop"}


def test_users_command_line(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(
            ["users", "add", "ion.ionescu", "--role", "auditor", "--name", "Ion Ionescu", "--password-stdin"]
        )
        == 0
    )
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "ion.ionescu" in out and "Ion Ionescu" in out and "auditor" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("scurta\n"))
    assert main(["users", "add", "x.y", "--role", "clerk", "--password-stdin"]) == 1
    assert "cel puțin 10" in capsys.readouterr().err
