"""Command line of the forms catalog (``make catalog`` runs ``nlu`` and ``pdfs``).

    python -m forms_catalog check   validate the catalog, its PDFs and the NLU file
    python -m forms_catalog nlu     write data/nlu/forms_catalog.yml
    python -m forms_catalog pdfs    generate every blank PDF (into var/pdfs/ by default)
"""

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from forms_catalog.errors import CatalogError


def _check(args: argparse.Namespace) -> int:
    from forms_catalog.check import run_checks

    problems = run_checks(args.root, None if args.skip_nlu else args.nlu, pdfs=not args.skip_pdfs)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"forms catalog: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    from forms_catalog.loader import load_catalog

    catalog = load_catalog(args.root)
    print(f"forms catalog OK: {len(catalog.forms)} forms, {len(catalog.departments)} departments")
    return 0


def _nlu(args: argparse.Namespace) -> int:
    from forms_catalog.loader import load_catalog
    from forms_catalog.nlu import nlu_is_current, write_nlu

    catalog = load_catalog(args.root)
    if args.check:
        if nlu_is_current(catalog, args.out):
            return 0
        print(f"{args.out} is out of date; run `python -m forms_catalog nlu`", file=sys.stderr)
        return 1
    print(f"wrote {write_nlu(catalog, args.out)}")
    return 0


def _pdfs(args: argparse.Namespace) -> int:
    from forms_catalog.loader import load_catalog
    from forms_catalog.pdf import build_all

    catalog = load_catalog(args.root)
    for path in build_all(args.out, catalog):
        print(path)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    from forms_catalog.nlu import NLU_PATH

    parser = argparse.ArgumentParser(prog="python -m forms_catalog", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=None,
                        help="catalog directory (default: the forms_catalog package)")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate the catalog (exit 1 on any problem)")
    check.add_argument("--nlu", type=Path, default=NLU_PATH, help="generated NLU file to compare")
    check.add_argument("--skip-nlu", action="store_true", help="do not compare the NLU file")
    check.add_argument("--skip-pdfs", action="store_true", help="do not build and inspect the PDFs")
    check.set_defaults(run=_check)

    nlu = commands.add_parser("nlu", help="write the form entity's synonyms and lookup table")
    nlu.add_argument("--out", type=Path, default=NLU_PATH, help=f"default: {NLU_PATH}")
    nlu.add_argument("--check", action="store_true", help="only tell whether --out is current")
    nlu.set_defaults(run=_nlu)

    pdfs = commands.add_parser("pdfs", help="generate every form's blank PDF")
    pdfs.add_argument("--out", type=Path, default=None,
                      help="write <id>.pdf files here instead of the var/pdfs cache")
    pdfs.set_defaults(run=_pdfs)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
