"""Command line of the forms catalog (``make catalog`` runs ``nlu`` and ``pdfs``).

python -m forms_catalog check   validate the catalog, its PDFs and the NLU file
python -m forms_catalog nlu     write data/nlu/forms_catalog.yml
python -m forms_catalog pdfs    generate every blank PDF (into var/pdfs/ by default)
python -m forms_catalog fill FORM_ID --values VALUES.json --out OUT.pdf [--signature PNG]
                                fill a form, stamp the signature image, seal it
                                (exit 2 on a bad value, naming the field; nothing written)
python -m forms_catalog verify-pdf FILE
                                exit 0 if the city hall's seal is intact and covers the
                                whole file, 1 otherwise (2: seal settings missing)
python -m forms_catalog seal-dev [--out var/seal]
                                create a TEST CA and seal certificate (make seal-dev)
"""

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

from forms_catalog.errors import CatalogError, FieldValidationError, UnknownFormError
from forms_catalog.trust import SealConfigError

# Exit status of `fill` for bad input (like argparse's usage errors) and of both commands
# for missing or wrong seal settings.
EXIT_BAD_INPUT = 2
DEV_PKI_DIR = Path(__file__).resolve().parent.parent / "var" / "seal"


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


class _BadInput(Exception):
    """A bad argument of ``fill``; the message is Romanian and names the file or field."""


def _read_values(path: Path) -> Dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _BadInput(f"{path}: fișierul cu valori nu poate fi citit ({type(error).__name__}).") from None
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise _BadInput(
            f"{path}: nu este JSON valid (linia {error.lineno}, coloana {error.colno})."
        ) from None
    if not isinstance(values, dict):
        raise _BadInput(f'{path}: trebuie să fie un obiect JSON {{"câmp": valoare, …}}.')
    return values


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so no partial file is left."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fill(args: argparse.Namespace) -> int:
    from forms_catalog.loader import load_catalog
    from forms_catalog.seal import document_sha256, fill_and_seal, load_seal

    _quiet_pyhanko()
    try:
        if not args.out.parent.is_dir():
            raise _BadInput(f"{args.out}: directorul {args.out.parent} nu există.")
        if args.out.is_dir():
            raise _BadInput(f"{args.out}: este un director; dați numele fișierului PDF.")
        values = _read_values(args.values)
        png = None
        if args.signature is not None:
            try:
                png = args.signature.read_bytes()
            except OSError as error:
                raise _BadInput(
                    f"{args.signature}: imaginea semnăturii nu poate fi citită ({type(error).__name__})."
                ) from None
        catalog = load_catalog(args.root)
        form = catalog.get(args.form_id)
        seal = load_seal()
        pdf = fill_and_seal(form.id, values, png, seal=seal, catalog=catalog)
    except (_BadInput, UnknownFormError) as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except FieldValidationError as error:
        print(f"{args.form_id}: {error.field}: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _write_atomically(args.out, pdf)
    print(f"wrote {args.out} (sealed, PAdES {seal.level}); sha256 {document_sha256(pdf)}")
    return 0


def _quiet_pyhanko() -> None:
    """pyHanko logs a warning with a traceback for each certificate path it cannot build;
    the commands say why a file fails in one sentence, so those stay out of the output."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _verify_pdf(args: argparse.Namespace) -> int:
    from forms_catalog.seal import verify_seal

    _quiet_pyhanko()
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"{args.file}: fișierul nu poate fi citit ({type(error).__name__}).", file=sys.stderr)
        return 1
    check = verify_seal(data)
    print(f"{args.file}: {check.message}", file=sys.stdout if check.ok else sys.stderr)
    return 0 if check.ok else 1


def _seal_dev(args: argparse.Namespace) -> int:
    from forms_catalog.pki import create_dev_pki

    env_file = args.out / "seal.env"
    if env_file.exists() and not args.force:
        print(f"{env_file} exists; keeping the development seal (--force makes a new one)")
        return 0
    paths = create_dev_pki(args.out)
    print(
        f"wrote a TEST seal (not valid for real documents) to {args.out}/; use it with:\n"
        f"  set -a; . {paths.env_file}; set +a"
    )
    return 0


def _facts_report(args: argparse.Namespace) -> int:
    import datetime as dt

    from forms_catalog import load_catalog
    from forms_catalog.facts import facts_report, report_text

    asked: Dict[str, int] = {}
    if args.asked is not None:
        raw = sys.stdin.read() if str(args.asked) == "-" else args.asked.read_text(encoding="utf-8")
        try:
            data = json.loads(raw)
        except ValueError as error:
            print(f"--asked: not JSON: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not isinstance(data, dict) or not all(isinstance(v, int) for v in data.values()):
            print("--asked: expected a JSON object form id -> count", file=sys.stderr)
            return EXIT_BAD_INPUT
        asked = {str(k): int(v) for k, v in data.items()}
    else:
        print(
            "(no --asked counts: forms in catalog order; see `python -m archive form-asks`)", file=sys.stderr
        )
    sys.stdout.write(report_text(facts_report(load_catalog(args.root), asked, dt.date.today())))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    from forms_catalog.nlu import NLU_PATH

    parser = argparse.ArgumentParser(
        prog="python -m forms_catalog",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--root", type=Path, default=None, help="catalog directory (default: the forms_catalog package)"
    )
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
    pdfs.add_argument(
        "--out", type=Path, default=None, help="write <id>.pdf files here instead of the var/pdfs cache"
    )
    pdfs.set_defaults(run=_pdfs)

    fill = commands.add_parser("fill", help="fill a form from a JSON file and seal the PDF")
    fill.add_argument("form_id", metavar="FORM_ID", help="a catalog form id, e.g. petitie")
    fill.add_argument(
        "--values",
        type=Path,
        required=True,
        metavar="VALUES.json",
        help="JSON object: field name (as in the form's YAML) → value",
    )
    fill.add_argument("--out", type=Path, required=True, metavar="OUT.pdf")
    fill.add_argument(
        "--signature",
        type=Path,
        default=None,
        metavar="PNG",
        help="image of the handwritten signature, stamped in the signature box",
    )
    fill.set_defaults(run=_fill)

    verify = commands.add_parser("verify-pdf", help="check the city hall's seal of a PDF")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.set_defaults(run=_verify_pdf)

    dev = commands.add_parser("seal-dev", help="create a TEST CA and seal under var/seal/")
    dev.add_argument("--out", type=Path, default=DEV_PKI_DIR, help=f"default: {DEV_PKI_DIR}")
    dev.add_argument("--force", action="store_true", help="replace an existing test seal")
    dev.set_defaults(run=_seal_dev)

    facts = commands.add_parser(
        "facts-report", help="unconfirmed and stale card facts, the most-asked forms first"
    )
    facts.add_argument(
        "--asked",
        type=Path,
        default=None,
        metavar="COUNTS.json",
        help="JSON form id -> times asked ('-' for stdin: python -m archive form-asks | …)",
    )
    facts.set_defaults(run=_facts_report)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 1
    except SealConfigError as error:
        print(f"seal configuration: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
