#!/usr/bin/env python3
"""Generate ``src/peppol_validate/packs/manifest.json`` from a packs mirror.

Usage::

    python tools/make_pack_manifest.py ../shared/packs src/peppol_validate/packs/manifest.json
    python tools/make_pack_manifest.py ../shared/packs src/peppol_validate/packs/manifest.json --check

Inputs (all read-only): ``<packs>/SHA256SUMS`` (the pins), ``<packs>/<pack>/SOURCES.tsv`` (provenance, one row
per file: pack_path, source_repo, commit, original_path, note) and ``<packs>/MANIFEST.md`` (pack titles).
Every file listed in SHA256SUMS is re-hashed and must match its pin.

Bookkeeping files are left out of the manifest on purpose: ``MANIFEST.md``, ``SHA256SUMS`` and every
``SOURCES.tsv``. They describe the mirror, are not needed at run time and have no upstream URL. Every other
file in SHA256SUMS becomes one manifest entry, and must have a SOURCES.tsv row.

A file gets a pinned URL ``https://raw.githubusercontent.com/{repo}/{commit}/{path}`` only when it is a plain
file of one repository at one pinned commit. Otherwise (several sources, no source, no commit, reconstructed
or derived content, a member of a zip archive) its ``url`` is null, which means "mirror-only", and its
``note`` says why.

Versions and licences are hand-copied from MANIFEST.md (its prose is not machine-readable) into PACK_INFO
below; titles are parsed from the ``## <id>/  (<title>)`` headings. A pack folder missing from PACK_INFO or
from the headings is an error, so a new pack cannot be added silently.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

FORMAT = 1
RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
BOOKKEEPING = frozenset({"MANIFEST.md", "SHA256SUMS", "SOURCES.tsv"})

# id -> (version, license), from MANIFEST.md.
PACK_INFO: dict[str, tuple[str, str]] = {
    "peppol-bis-billing-3": (
        "3.0.19 + 3.0.21",
        "OpenPeppol AISBL publication (no LICENSE file); CEN rules EUPL-1.2; phive-rules XSLTs Apache-2.0",
    ),
    "en16931-cen": ("1.3.16", "EUPL-1.2"),
    "ubl-2.1": ("2.1", "OASIS IPR Policy (Copyright (c) OASIS Open 2013)"),
    "fatturapa": (
        "1.2.3",
        "Agenzia delle Entrate publications; ph-fatturapa Apache-2.0; xmldsig schema W3C",
    ),
    "xrechnung-testsuite": ("2026-08-19", "Apache-2.0"),
    "belgium-ublbe": ("1.31", "Apache-2.0 (phive-rules archive of the official ubl.be files)"),
    "france-ctc": ("1.4.0.03", "Apache-2.0"),
    "peppol-codelists": ("9.7", "OpenPeppol publication (no licence for the lists; tools MPL-2.0)"),
    "sarif-2.1.0": ("2.1.0", "OASIS (see LICENSE.md)"),
}

_HEADING = re.compile(r"^## ([A-Za-z0-9._-]+)/\s+\((.+)\)\s*$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Source:
    """One SOURCES.tsv row."""

    repo: str
    commit: str
    original_path: str
    note: str


def read_sums(packs: Path) -> dict[str, str]:
    """Return {relative path: sha256} from SHA256SUMS."""
    sums: dict[str, str] = {}
    for lineno, line in enumerate((packs / "SHA256SUMS").read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, rel = line.partition("  ")
        if not sep or not _SHA256.match(digest):
            raise SystemExit(f"SHA256SUMS:{lineno}: unexpected line {line!r}")
        sums[rel.removeprefix("./")] = digest
    return sums


def read_sources(pack_dir: Path) -> dict[str, Source]:
    """Return {pack-relative path: Source} from a pack's SOURCES.tsv."""
    with (pack_dir / "SOURCES.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    header = ["pack_path", "source_repo", "commit", "original_path", "note"]
    if not rows or rows[0] != header:
        raise SystemExit(f"{pack_dir}/SOURCES.tsv: header must be {header}")
    out: dict[str, Source] = {}
    for i, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            raise SystemExit(f"{pack_dir}/SOURCES.tsv:{i}: expected {len(header)} columns, got {len(row)}")
        out[row[0]] = Source(repo=row[1], commit=row[2], original_path=row[3], note=row[4])
    return out


def read_titles(packs: Path) -> dict[str, str]:
    """Return {pack id: title} from the MANIFEST.md headings."""
    titles: dict[str, str] = {}
    for line in (packs / "MANIFEST.md").read_text("utf-8").splitlines():
        m = _HEADING.match(line)
        if m:
            titles[m.group(1)] = m.group(2).strip()
    return titles


def url_for(src: Source) -> tuple[str | None, str | None]:
    """Return (url, None) for a plain pinned repository file, else (None, reason it is mirror-only)."""
    origin = f"{src.repo}@{src.commit[:12]} {src.original_path}"
    if src.repo.startswith("(none"):
        return None, f"mirror-only: no upstream repository {src.repo}; {src.note}".rstrip("; ")
    if "+" in src.repo or "+" in src.commit:
        return None, f"mirror-only: combined from several sources ({src.repo}); {_short(src.note)}"
    if re.search(r"RECONSTRUCTED|DERIVED", src.note):
        return None, f"mirror-only: {_short(src.note)}"
    if not _REPO.match(src.repo) or not _COMMIT.match(src.commit):
        return None, f"mirror-only: no pinned commit for {src.repo!r} ({src.commit!r})"
    if "!" in src.original_path or ".zip/" in src.original_path.lower():
        return None, f"mirror-only: extracted from a zip archive, {origin}"
    if not src.original_path or src.original_path.startswith("/") or ".." in src.original_path.split("/"):
        return None, f"mirror-only: unusable original path {src.original_path!r}"
    return RAW_URL.format(repo=src.repo, commit=src.commit, path=quote(src.original_path, safe="/")), None


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build(packs: Path) -> dict[str, object]:
    """Build the manifest dictionary (raises SystemExit on any inconsistency)."""
    sums = read_sums(packs)
    titles = read_titles(packs)
    pack_ids = sorted(p.name for p in packs.iterdir() if p.is_dir() and not p.name.startswith("."))
    errors: list[str] = []
    for pid in pack_ids:
        if pid not in PACK_INFO:
            errors.append(f"pack {pid!r} has no entry in PACK_INFO (add version/licence from MANIFEST.md)")
        if pid not in titles:
            errors.append(f"pack {pid!r} has no '## {pid}/  (title)' heading in MANIFEST.md")
    for pid in PACK_INFO:
        if pid not in pack_ids:
            errors.append(f"PACK_INFO names {pid!r}, which is not a folder of {packs}")
    sources = {pid: read_sources(packs / pid) for pid in pack_ids}

    files_by_pack: dict[str, list[dict[str, object]]] = {pid: [] for pid in pack_ids}
    for rel in sorted(sums):
        if rel.rsplit("/", 1)[-1] in BOOKKEEPING:
            continue
        pid, sep, inner = rel.partition("/")
        if not sep or pid not in files_by_pack:
            errors.append(f"{rel}: not inside a pack folder")
            continue
        src = sources[pid].get(inner)
        if src is None:
            errors.append(f"{rel}: no row in {pid}/SOURCES.tsv")
            continue
        path = packs / rel
        if not path.is_file():
            errors.append(f"{rel}: listed in SHA256SUMS but missing")
            continue
        actual = _sha256(path)
        if actual != sums[rel]:
            errors.append(f"{rel}: sha256 {actual} does not match SHA256SUMS {sums[rel]}")
            continue
        url, note = url_for(src)
        entry: dict[str, object] = {"path": rel, "sha256": actual, "size": path.stat().st_size, "url": url}
        if note is not None:
            entry["note"] = note
        files_by_pack[pid].append(entry)
    for pid, rows in sources.items():
        for inner in rows:
            if f"{pid}/{inner}" not in sums:
                errors.append(f"{pid}/SOURCES.tsv lists {inner!r}, which SHA256SUMS does not pin")
    if errors:
        raise SystemExit("cannot build the manifest:\n  " + "\n  ".join(errors))
    return {
        "format": FORMAT,
        "generated_by": "tools/make_pack_manifest.py (do not edit by hand)",
        "packs": [
            {
                "id": pid,
                "title": titles[pid],
                "version": PACK_INFO[pid][0],
                "license": PACK_INFO[pid][1],
                "files": files_by_pack[pid],
            }
            for pid in pack_ids
        ],
    }


def render(manifest: dict[str, object]) -> str:
    """Serialise with one file object per line (diff-friendly, still valid JSON)."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    packs = manifest["packs"]
    assert isinstance(packs, list)
    lines = ["{", f'  "format": {dump(manifest["format"])},']
    lines.append(f'  "generated_by": {dump(manifest["generated_by"])},')
    lines.append('  "packs": [')
    for i, pack in enumerate(packs):
        lines.append("    {")
        for key in ("id", "title", "version", "license"):
            lines.append(f'      "{key}": {dump(pack[key])},')
        lines.append('      "files": [')
        files = pack["files"]
        for j, entry in enumerate(files):
            lines.append("        " + dump(entry) + ("," if j < len(files) - 1 else ""))
        lines.append("      ]")
        lines.append("    }" + ("," if i < len(packs) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("packs", type=Path, help="packs mirror folder (holds SHA256SUMS and MANIFEST.md)")
    parser.add_argument("output", type=Path, help="manifest.json to write")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if output is out of date")
    args = parser.parse_args(argv)
    text = render(build(args.packs))
    if args.check:
        current = args.output.read_text("utf-8") if args.output.is_file() else None
        if current != text:
            print(f"{args.output} is out of date; re-run without --check", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_text(text, "utf-8", newline="\n")
    tmp.replace(args.output)
    data = json.loads(text)
    n_files = sum(len(p["files"]) for p in data["packs"])
    n_null = sum(1 for p in data["packs"] for f in p["files"] if f["url"] is None)
    print(f"wrote {args.output}: {len(data['packs'])} packs, {n_files} files, {n_null} mirror-only (url null)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
