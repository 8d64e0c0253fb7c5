"""The command line: ``peppol-validate [OPTIONS] PATH...`` and ``peppol-validate packs list|fetch|verify``."""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .argtypes import iso_date, positive_int
from .errors import PeppolValidateError
from .loading import Limits
from .model import Report, Verdict

#: Exit codes, documented in --help and the README.
EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_NOT_VALIDATED = 2
EXIT_USAGE = 2

EPILOG = """\
exit codes:
  0  every document is valid (accepted)
  1  at least one document is rejected: invalid, or with findings at the --fail-on level after the
     policy (all documents were validated)
  2  at least one document could not be validated (unreadable, unsupported, a layer could not run),
     or a usage error

  peppol-validate serve [--host H] [--port N]   HTTP service: POST /v1/validate, GET /health

packs:
  The official artefacts (XSD, Schematron) are never bundled. They come from --packs DIR or
  $PEPPOL_VALIDATE_PACKS (a local mirror), else the per-user cache. Validation never opens a network
  connection unless you run `peppol-validate packs fetch` or pass --download.

  peppol-validate packs list            what is available and where
  peppol-validate packs fetch [PACK..]  download missing files into the cache (SHA-256 verified)
  peppol-validate packs verify [PACK..] check every local file against its pinned SHA-256
"""

#: What a directory search picks up: XML documents and PDFs (Factur-X / ZUGFeRD carry their XML inside).
DOCUMENT_SUFFIXES = (".xml", ".XML", ".pdf", ".PDF")


def limits_from(args: argparse.Namespace) -> Limits:
    """The loader limits from the command line (defaults where not given)."""
    given = {
        name: getattr(args, name)
        for name in ("max_bytes", "max_depth", "max_text", "max_elements")
        if getattr(args, name, None) is not None
    }
    return Limits(**given)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the validate command (defaults None where a config file may decide)."""
    from .render import RENDERERS

    parser = argparse.ArgumentParser(
        prog="peppol-validate",
        description="Validate e-invoices (Peppol BIS 3 / EN 16931 UBL and CII, FatturaPA) before sending.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories (searched recursively) or globs")
    parser.add_argument(
        "--format", "-f", choices=sorted(RENDERERS), default=None, help="output format (default text, or the config's)"
    )
    parser.add_argument(
        "--as-of", type=iso_date, metavar="YYYY-MM-DD", help="choose rule releases in force on this date"
    )
    parser.add_argument(
        "--packs", metavar="DIR", help="local mirror of the official packs (overrides $PEPPOL_VALIDATE_PACKS)"
    )
    parser.add_argument("--download", action="store_true", help="allow downloading missing pack files (verified)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--config", metavar="FILE", help="a config file (default: .peppol-validate.toml or pyproject.toml)"
    )
    parser.add_argument(
        "--jobs", "-j", type=positive_int, metavar="N", help="worker processes (default: number of cores)"
    )
    parser.add_argument(
        "--fail-on", choices=["error", "warning"], default=None, help="reject documents with findings at this level"
    )
    parser.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reuse results for unchanged files, rule packs and options (default on)",
    )
    parser.add_argument(
        "--color",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="colour the text output (default: on a TTY)",
    )
    parser.add_argument(
        "--rule-set",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on an optional rule set (e.g. ublbe for the legacy UBL.BE rules); repeatable",
    )
    parser.add_argument("--ledger", metavar="FILE", help="duplicate-invoice ledger (SQLite) for SDI 00404; opt-in")
    limits = parser.add_argument_group("limits (a document over a limit is not validated, exit 2)")
    limits.add_argument(
        "--max-bytes", type=positive_int, metavar="N", help="largest input file in bytes (default 64 MiB)"
    )
    limits.add_argument("--max-depth", type=positive_int, metavar="N", help="deepest element nesting (default 256)")
    limits.add_argument("--max-text", type=positive_int, metavar="N", help="longest text node in bytes (default 8 MiB)")
    limits.add_argument("--max-elements", type=positive_int, metavar="N", help="most elements (default 2,000,000)")
    parser.add_argument("--version", action="version", version=f"peppol-validate {__version__}")
    return parser


def expand_paths(items: Sequence[str]) -> tuple[list[str], list[str]]:
    """Expand files, directories (recursively, *.xml and *.pdf) and globs; return (files, unmatched items)."""
    files: list[str] = []
    missing: list[str] = []
    for item in items:
        candidates: list[str]
        if any(ch in item for ch in "*?[") and not os.path.exists(item):
            candidates = sorted(glob.glob(item, recursive=True))
        else:
            candidates = [item]
        found = False
        for cand in candidates:
            p = Path(cand)
            if p.is_dir():
                for sub in sorted(_walk(p)):
                    files.append(str(sub))
                    found = True
            elif p.exists():
                files.append(str(p))
                found = True
        if not found:
            missing.append(item)
    return list(dict.fromkeys(files)), missing


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(DOCUMENT_SUFFIXES):
                yield Path(dirpath) / name


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[TextIO]:
    """Silence what native code (SaxonC) writes straight to file descriptor 2, keeping Python's stderr.

    Saxon prints its own trace of a run-time error (e.g. XPTY0004 in an official rule) to the process's
    stderr; the same error already reaches the report as a not_validated layer, so the trace is noise.
    Set PEPPOL_VALIDATE_DEBUG=1 to see it.
    """
    if os.environ.get("PEPPOL_VALIDATE_DEBUG"):
        yield sys.stderr
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield sys.stderr
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    original = sys.stderr
    python_stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=getattr(original, "encoding", None) or "utf-8")
    try:
        os.dup2(devnull, 2)
        sys.stderr = python_stderr
        yield python_stderr
    finally:
        python_stderr.flush()
        sys.stderr = original
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
        python_stderr.close()


def exit_code(report: Report) -> int:
    """0 all accepted, 1 some rejected (invalid, or findings at --fail-on), 2 some not validated."""
    if any(d.verdict is Verdict.NOT_VALIDATED for d in report.documents) or not report.documents:
        return EXIT_NOT_VALIDATED
    rejected = any(
        (d.decision == "reject") if d.decision is not None else d.verdict is Verdict.INVALID for d in report.documents
    )
    return EXIT_INVALID if rejected else EXIT_VALID


def _packs_main(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from .config import pack_store
    from .packs.commands import add_packs_subcommands, run_packs

    parser = argparse.ArgumentParser(prog="peppol-validate")
    parser.add_argument("--packs", metavar="DIR", help="local mirror of the official packs")
    sub = parser.add_subparsers(dest="command", required=True)
    add_packs_subcommands(sub)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0) and EXIT_USAGE
    store = pack_store(
        args.packs, allow_download=args.command == "packs" and getattr(args, "packs_command", "") == "fetch"
    )
    return run_packs(args, store, out)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Entry point of the peppol-validate command; returns the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["packs"] or (len(args_list) > 2 and args_list[0] == "--packs" and args_list[2] == "packs"):
        return _packs_main(args_list, out, err)
    if args_list[:1] == ["serve"]:
        from .service import serve_main

        return serve_main(args_list[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_VALID
    try:
        return _validate(args, out, err)
    except PeppolValidateError as exc:
        print(f"peppol-validate: {exc.message}", file=err)
        return EXIT_NOT_VALIDATED


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .batch import ProgressBar, ValidatorSpec, default_jobs
    from .cache import ResultCache, default_directory
    from .render import NEEDS_SVRL, RENDERERS
    from .runner import RunOptions, run_files
    from .settings import load_settings

    settings = load_settings(Path.cwd(), Path(args.config) if args.config else None).merged(
        as_of=args.as_of,
        packs=Path(args.packs) if args.packs else None,
        format=args.format,
        jobs=args.jobs,
        fail_on=args.fail_on,
        cache=args.cache,
        ledger=Path(args.ledger) if args.ledger else None,
        rule_sets=tuple(args.rule_set) or None,
    )
    fmt = settings.format or "text"
    files, missing = expand_paths(args.paths)
    for item in missing:
        print(f"peppol-validate: no such file, directory or match: {item}", file=err)
    if not files:
        print("peppol-validate: nothing to validate", file=err)
        return EXIT_USAGE
    spec = ValidatorSpec(
        packs=str(settings.packs) if settings.packs else None,
        allow_download=args.download,
        as_of=settings.as_of,
        limits=limits_from(args),
        svrl=fmt in NEEDS_SVRL,
        optional_rule_sets=frozenset(settings.rule_sets or ()),
        ledger_path=str(settings.ledger) if settings.ledger else None,
    )
    use_cache = settings.cache if settings.cache is not None else True
    options = RunOptions(
        jobs=min(settings.jobs or default_jobs(), len(files)),
        cache=ResultCache(default_directory()) if use_cache else None,
        policy=settings.policy,
        fail_on=settings.fail_on or "error",
        quiet=not os.environ.get("PEPPOL_VALIDATE_DEBUG"),
    )
    process_stderr = sys.stderr
    with (
        quiet_native_stderr() as visible,
        ProgressBar(len(files), stream=visible if err is process_stderr else err) as bar,
    ):
        report = run_files(files, spec, options, progress=bar.update)
    color = args.color if args.color is not None else (fmt == "text" and not args.output and out.isatty())
    text = RENDERERS[fmt](report, color=color)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        out.write(text)
    code = exit_code(report)
    if missing and code == EXIT_VALID:
        code = EXIT_USAGE
    return code


def run() -> None:
    """Console-script wrapper: exit with main()'s code."""
    sys.exit(main())
