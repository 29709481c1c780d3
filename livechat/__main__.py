"""Command line of the handoff: clerk accounts and the schema.

    python -m livechat create-clerk USERNAME --name "Ana Popescu"   # asks the password twice
    python -m livechat create-clerk USERNAME --name "…" --password-stdin < file
    python -m livechat set-password USERNAME [--password-stdin]
    python -m livechat disable-clerk USERNAME
    python -m livechat list-clerks
    python -m livechat migrate

``DATABASE_URL`` selects the database (default: var/efunctionar.db); every command first
brings the schema up to date.
"""

import argparse
import getpass
import re
import sys
from typing import List, Optional

from livechat.store import ClerkExistsError, HandoffStore, UnknownClerkError
from storage import db
from storage.passwords import PasswordPolicyError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Parola: ")
    if getpass.getpass("Repetați parola: ") != first:
        raise SystemExit("error: parolele nu coincid; nu s-a schimbat nimic")
    return first


def _store() -> HandoffStore:
    db.upgrade()
    return HandoffStore(db.make_engine())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m livechat", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-clerk", help="create a clerk account")
    create.add_argument("username", help="lowercase letters, digits, . _ -")
    create.add_argument("--name", required=True, help='display name, e.g. "Ana Popescu"')
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    password = commands.add_parser("set-password", help="change a clerk's password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    disable = commands.add_parser("disable-clerk", help="block a clerk account")
    disable.add_argument("username")
    commands.add_parser("list-clerks", help="list clerk accounts")
    commands.add_parser("migrate", help="bring the handoff tables up to date")
    args = parser.parse_args(argv)

    try:
        if args.command == "migrate":
            _store()
            print(f"schema up to date in {db.database_url()}")
        elif args.command == "create-clerk":
            username = args.username.strip().lower()
            if not USERNAME.match(username):
                raise SystemExit(
                    f"error: username '{args.username}': use lowercase letters, digits, '.', '_' "
                    "or '-' (at most 64)"
                )
            store = _store()
            if store.clerk_by_username(username):
                raise SystemExit(f"error: clerk '{username}' already exists; nothing changed")
            clerk = store.create_clerk(username, args.name, _password(args))
            print(f"clerk '{clerk.username}' ({clerk.display_name}) created")
        elif args.command == "set-password":
            store = _store()
            store.set_password(args.username, _password(args))
            print(f"password of '{args.username}' changed; their sessions were ended")
        elif args.command == "disable-clerk":
            _store().set_disabled(args.username, True)
            print(f"clerk '{args.username}' disabled")
        elif args.command == "list-clerks":
            for clerk in _store().list_clerks():
                state = "dezactivat" if clerk.disabled else clerk.presence
                print(f"{clerk.username}\t{clerk.display_name}\t{state}")
    except (PasswordPolicyError, ClerkExistsError, UnknownClerkError, ValueError) as error:
        print(f"error: {str(error).rstrip('.')}; nothing changed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
