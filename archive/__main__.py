"""Command line of the archive: ``python -m archive COMMAND``.

    upgrade                      create or migrate the schema
    verify                       check the whole hash chain and the witnessed head
                                 (exit 1 if broken, shortened or replaced)
    head                         print the chain head (and witness it) to record elsewhere
    purge --older-than DAYS      retention purge (default: $ARCHIVE_RETENTION_DAYS)
    users add|list|passwd|disable   clerk, auditor and admin accounts
    form-asks                    JSON: citizen messages naming each catalog form
    review export [--out FILE]   the review's labelled messages as Rasa NLU data
                                 (default data/nlu/reviewed.yml), merged with FILE

The database is ``$DATABASE_URL``, else var/efunctionar.db (storage/README.md).
"""

import argparse
import getpass
import json
import logging
import os
import sys
from pathlib import Path
from typing import List, Optional

from archive import witness
from archive.archive import Archive
from archive.errors import ArchiveError
from forms_catalog.filled import FilledStore
from storage import db

RETENTION_ENV = "ARCHIVE_RETENTION_DAYS"


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {value!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 day: {days}")
    return days


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m archive", description="e-funcționar archive maintenance")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("upgrade", help="create or migrate the archive schema")

    commands.add_parser("verify", help="check the hash chain of the whole archive")
    commands.add_parser("head", help="print the chain head and append it to the witness file")

    purge = commands.add_parser("purge", help="delete turns older than the retention period")
    purge.add_argument(
        "--older-than",
        type=_days,
        metavar="DAYS",
        help=f"retention period in days (default: ${RETENTION_ENV})",
    )
    purge.add_argument("--by", default=None, help="who runs the purge (default: $USER)")

    users = commands.add_parser("users", help="clerk, auditor and admin accounts")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="create an account (password asked)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("clerk", "auditor", "admin"))
    add.add_argument("--name", help="name shown in transcripts (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ensure = user_commands.add_parser(
        "ensure-admin", help="create an admin account (password asked) unless an active admin exists"
    )
    ensure.add_argument("username")
    ensure.add_argument("--name", help="name shown in transcripts (default: the username)")
    ensure.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user_commands.add_parser("list", help="list accounts")
    passwd = user_commands.add_parser("passwd", help="set a new password (asked)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    disable = user_commands.add_parser("disable", help="disable an account")
    disable.add_argument("username")
    commands.add_parser(
        "form-asks",
        help="JSON: how many citizen messages named each catalog form (for forms_catalog facts-report)",
    )
    review = commands.add_parser("review", help="the review of the questions the bot could not answer")
    review_commands = review.add_subparsers(dest="review_command", required=True)
    export = review_commands.add_parser(
        "export",
        help="write the labelled messages (personal data masked, none near a held-out message) as "
        "Rasa NLU data, merged with the file already there",
    )
    export.add_argument("--out", type=Path, default=Path("data/nlu/reviewed.yml"), metavar="FILE",
                        help="the training-data file (default: data/nlu/reviewed.yml)")  # fmt: skip
    return parser


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Parola: ")
    if getpass.getpass("Parola, încă o dată: ") != first:
        raise SystemExit("error: parolele nu coincid")
    return first


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        url = db.resolve_url(db.database_url())
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    shown = url.render_as_string(hide_password=True)
    try:
        if args.command == "upgrade":
            db.upgrade(url)
            print(f"Archive schema at {db.head_revision()} in {shown}")
            return 0
        with Archive(url) as archive:
            if args.command == "verify":
                return _verify(archive, url)
            if args.command == "head":
                seq, head_hash = archive.head()
                entry = witness.record(witness.witness_path(), witness.database_id(url), (seq, head_hash))
                print(f"seq {seq} hash {head_hash} at {entry.at}")
                print(f"(witnessed in {witness.witness_path()})", file=sys.stderr)
                return 0
            if args.command == "purge":
                days = args.older_than
                if days is None:
                    setting = os.environ.get(RETENTION_ENV, "").strip()
                    if not setting:
                        print(
                            f"error: give --older-than DAYS or set {RETENTION_ENV}",
                            file=sys.stderr,
                        )
                        return 2
                    try:
                        days = _days(setting)
                    except argparse.ArgumentTypeError as e:
                        print(f"error: {RETENTION_ENV}: {e}", file=sys.stderr)
                        return 2
                by = args.by or os.environ.get("USER") or "cli"
                report = archive.purge(days, by=by)
                print(report.describe())
                # The PDFs filled in the chat hold the same personal data as the turns.
                pdfs = FilledStore.from_env().purge(before=report.cutoff.timestamp())
                print(f"Deleted {pdfs} PDFs filled in the chat before the cutoff.")
                return 0
            if args.command == "users":
                return _users(archive, args)
            if args.command == "review":
                return _review_export(archive, args.out)
            if args.command == "form-asks":
                from archive.stats import form_mentions

                with archive.engine.connect() as conn:
                    print(json.dumps(dict(form_mentions(conn).most_common()), indent=1))
                return 0
    except ArchiveError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    raise AssertionError(f"unhandled command {args.command}")


def _review_export(archive: Archive, out: Path) -> int:
    """Write the review's export to ``out``, merged with what ``out`` holds; nothing is
    written when ``out`` is in the held-out sets or is not Rasa NLU data."""
    from archive import review

    target = out.resolve()
    if target.is_relative_to(review.HELDOUT_DIR.resolve()):
        print(f"error: {out} is in the held-out sets ({review.HELDOUT_DIR}); training data goes in data/nlu/",
              file=sys.stderr)  # fmt: skip
        return 2
    if target.suffix not in (".yml", ".yaml"):
        print(f"error: {out}: Rasa reads training data from .yml files", file=sys.stderr)
        return 2
    existing: List[review.Example] = []
    if target.exists():
        existing = review.parse_reviewed(target.read_text(encoding="utf-8"), str(out))
    elif not target.parent.is_dir():
        print(f"error: no folder {target.parent}", file=sys.stderr)
        return 2
    with archive.engine.connect() as conn:
        export = review.export_yaml(conn, review.heldout_texts(), existing)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(export.text, encoding="utf-8")
    os.replace(temporary, target)  # a reader never sees half a file
    print(f"Wrote {export.exported} examples to {out} ({export.kept} kept from the file, "
          f"{export.relabelled} relabelled, {export.near_heldout} left out as equal or near to a "
          f"held-out message)")  # fmt: skip
    return 0


def _verify(archive: Archive, url: "db.URL") -> int:
    """The chain, then the head witnessed last time; a good archive's head is witnessed."""
    report = archive.verify()
    print(report.describe())
    if not report.ok:
        return 1
    path, database = witness.witness_path(), witness.database_id(url)
    try:
        witnessed = witness.last_witnessed(path, database)
    except ValueError as error:
        print(f"BROKEN witness file: {error}")
        return 1
    if witnessed is not None:
        problems = witness.behind_witness(archive.engine, witnessed, (report.head_seq, report.head_hash))
        if problems:
            for problem in problems:
                print(f"BEHIND ITS WITNESS: {problem}")
            return 1
        print(f"Witnessed head (seq {witnessed.seq}, {witnessed.at}) still in the archive.")
    witness.record(path, database, (report.head_seq, report.head_hash))
    return 0


def _users(archive: Archive, args: argparse.Namespace) -> int:
    from archive.users import Users

    users = Users(archive)
    if args.users_command == "add":
        user = users.create(args.username, _password(args.password_stdin), args.role, display_name=args.name)
        print(f"Created {user.role} {user.username} ({user.display_name})")
    elif args.users_command == "ensure-admin":
        admins = [user for user in users.list(role="admin") if user.active]
        if admins:
            print(f"An active admin exists already ({admins[0].username}); nothing created")
            return 0
        user = users.create(args.username, _password(args.password_stdin), "admin", display_name=args.name)
        print(f"Created admin {user.username} ({user.display_name})")
    elif args.users_command == "list":
        for user in users.list():
            state = "" if user.active else "  (disabled)"
            print(f"{user.username:24} {user.role:8} {user.display_name}{state}")
    elif args.users_command == "passwd":
        users.set_password(args.username, _password(args.password_stdin))
        print(f"Password of {args.username} changed")
    elif args.users_command == "disable":
        users.set_active(args.username, False)
        print(f"Disabled {args.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
