"""The ``packs`` CLI command: ``packs list``, ``packs fetch [PACK...]``, ``packs verify [PACK...]``.

The CLI layer builds the :class:`PackStore` (mirror, cache directory, whether downloading is allowed) and
calls :func:`run_packs`; this module does the printing for these commands.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from peppol_validate.errors import PackError
from peppol_validate.packs.store import PackStore

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PROBLEMS", "add_packs_subcommands", "run_packs"]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_ERROR = 2

_MAX_LISTED = 20


def add_packs_subcommands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``packs`` command with its ``list``, ``fetch`` and ``verify`` subcommands."""
    packs = subparsers.add_parser(
        "packs",
        help="list, fetch or verify the official validation artefacts",
        description=(
            "Manage the official artefact packs (XSD, Schematron, code lists). Files come from a mirror "
            "(--packs / PEPPOL_VALIDATE_PACKS), else the per-user cache; `packs fetch` downloads missing "
            "files into the cache and checks each against its pinned SHA-256."
        ),
    )
    sub = packs.add_subparsers(dest="packs_command", metavar="{list,fetch,verify}")
    sub.add_parser("list", help="one line per pack: id, version, files available/total, where (default)")
    fetch = sub.add_parser("fetch", help="download the packs' missing files into the cache (verified)")
    verify = sub.add_parser("verify", help="check every local pack file against its pinned SHA-256")
    for parser in (fetch, verify):
        parser.add_argument("pack_ids", nargs="*", metavar="PACK", help="pack id (default: all packs)")


def run_packs(args: argparse.Namespace, store: PackStore, out: TextIO, err: TextIO | None = None) -> int:
    """Run a ``packs`` subcommand; return 0 (ok), 1 (problems found) or 2 (usage or other error)."""
    errors = err if err is not None else sys.stderr
    command = getattr(args, "packs_command", None) or "list"
    pack_ids: list[str] | None = list(getattr(args, "pack_ids", None) or []) or None
    try:
        store.manifest.select(pack_ids)  # unknown ids are a usage error
        if command == "list":
            return _list(store, out)
        if command == "verify":
            return _verify(store, pack_ids, out)
        if command == "fetch":
            return _fetch(store, pack_ids, out, errors)
    except PackError as exc:
        print(f"error: {exc.message}", file=errors)
        return EXIT_ERROR
    print(f"error: unknown packs command {command!r} (use list, fetch or verify)", file=errors)
    return EXIT_ERROR


def _list(store: PackStore, out: TextIO) -> int:
    desc = store.describe()
    width_id = max((len(s.pack.id) for s in desc.packs), default=0)
    width_version = max((len(s.pack.version) for s in desc.packs), default=0)
    for status in desc.packs:
        pack = status.pack
        count = f"{status.available}/{status.total}"
        print(f"{pack.id:<{width_id}}  {pack.version:<{width_version}}  {count:>9}  {status.where}", file=out)
    return EXIT_OK


def _verify(store: PackStore, pack_ids: list[str] | None, out: TextIO) -> int:
    problems = store.verify(pack_ids)
    for problem in problems:
        print(problem, file=out)
    checked = sum(1 for _ in store.manifest.iter_files(pack_ids))
    missing = sum(1 for p in problems if p.kind == "missing")
    mismatched = len(problems) - missing
    print(
        f"verified {checked} files: {checked - missing} present, {missing} missing, "
        f"{mismatched} not matching their pinned SHA-256",
        file=out,
    )
    return EXIT_PROBLEMS if problems else EXIT_OK


def _fetch(store: PackStore, pack_ids: list[str] | None, out: TextIO, err: TextIO) -> int:
    if not store.allow_download:
        print("note: downloading is disabled; only checking the files already present", file=err)

    def progress(message: str) -> None:
        if store.allow_download:
            print(message, file=out, flush=True)

    summary = store.fetch(pack_ids, progress=progress)
    print(
        f"fetched {len(summary.downloaded)} files, {len(summary.present)} already present, "
        f"{len(summary.unavailable)} mirror-only and missing, {len(summary.failed)} failed "
        f"(of {summary.total})",
        file=out,
    )
    if summary.unavailable:
        print("mirror-only files (no download URL; use a mirror via --packs / PEPPOL_VALIDATE_PACKS):", file=out)
        _print_capped([f"  {path}" for path in summary.unavailable], out)
    if summary.failed and not store.allow_download:
        print("not fetched (downloading is disabled):", file=out)
        _print_capped([f"  {path}" for path, _ in summary.failed], out)
    return EXIT_OK if summary.ok else EXIT_PROBLEMS


def _print_capped(lines: list[str], out: TextIO) -> None:
    for line in lines[:_MAX_LISTED]:
        print(line, file=out)
    if len(lines) > _MAX_LISTED:
        print(f"  ... and {len(lines) - _MAX_LISTED} more", file=out)
