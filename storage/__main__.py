"""Command line of the storage layer: the schema.

    python -m storage upgrade     # create the database (SQLite: the file) or bring it up to date
    python -m storage current     # the schema revision of the database, and the code's

``DATABASE_URL`` selects the database (default: the SQLite file var/efunctionar.db).
"""

import argparse
import sys
from typing import List, Optional

from storage import db
from storage.errors import DatabaseUnavailable


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="create or upgrade the schema (safe to repeat)")
    commands.add_parser("current", help="print the database's and the code's schema revision")
    args = parser.parse_args(argv)
    try:
        url = db.resolve_url(db.database_url())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    shown = url.render_as_string(hide_password=True)
    try:
        if args.command == "upgrade":
            db.upgrade(url)
            print(f"schema at {db.head_revision()} in {shown}")
            return 0
        engine = db.make_engine(url)
        try:
            with db.db_errors("read the schema revision"):
                current = db.current_revision(engine)
        finally:
            engine.dispose()
        print(f"database {shown}: {current or 'no schema'}; code: {db.head_revision()}")
        return 0 if current == db.head_revision() else 1
    except DatabaseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
