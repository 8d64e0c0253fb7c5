"""A content-addressed cache of validation results (used by the CLI; the library only when asked).

The key is a SHA-256 over the document bytes and a *fingerprint* of everything else that can change the
result: the tool version and code, the as-of date, the pinned hashes of the official pack files and the
run options (:func:`fingerprint`). The file's path is not part of the key: a moved or copied document is a
hit, and :meth:`ResultCache.get` reports it under its current path.

Cache the technical report (before a :class:`~peppol_validate.policy.Policy` is applied) and apply the policy
after :meth:`~ResultCache.get`; reports that are ``not_validated`` are never stored. Entries are written
atomically (temporary file + ``os.replace``), so concurrent writers of the same key cannot corrupt it; an
unreadable or corrupt entry is a miss and is deleted.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import ValidationError

from .model import DocumentReport, Verdict

__all__ = ["CACHE_FORMAT", "ResultCache", "code_digest", "default_directory", "fingerprint"]

#: Bumped when the layout or meaning of cache entries changes; part of every fingerprint.
CACHE_FORMAT = 1
_SUFFIX = ".json"
_CODE_SUFFIXES = (".py", ".json", ".toml", ".csv", ".sch", ".xsl", ".xslt", ".xsd", ".txt")


def default_directory() -> Path:
    """The per-user result cache: ``<pack cache dir>/results`` ($PEPPOL_VALIDATE_CACHE or the XDG cache)."""
    from .config import default_cache_dir

    return default_cache_dir() / "results"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over the installed package's own files (code and data), so an edited checkout misses the cache."""
    h = hashlib.sha256()
    root = resources.files("peppol_validate")
    for rel, data in sorted(_package_files(root, "")):
        h.update(rel.encode("utf-8") + b"\0" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def _package_files(folder: Traversable, prefix: str) -> Iterator[tuple[str, bytes]]:
    for entry in folder.iterdir():
        name = entry.name
        if name == "__pycache__" or name.startswith("."):
            continue
        rel = f"{prefix}{name}"
        if entry.is_dir():
            yield from _package_files(entry, rel + "/")
        elif name.endswith(_CODE_SUFFIXES):
            with contextlib.suppress(OSError):
                yield rel, entry.read_bytes()


def fingerprint(
    *,
    tool_version: str,
    as_of: date,
    rule_files: Iterable[tuple[str, str]] | None = None,
    options: Mapping[str, object],
    code: str | None = None,
) -> str:
    """A digest of everything besides the document that decides a result.

    ``rule_files`` are (pack path, sha256) pairs; None (the default) takes every file of the shipped pack
    manifest, so any pack change invalidates the cache. ``options`` (limits, svrl, extra layers, ...) are
    JSON-encoded with sorted keys (other values by ``str``). ``code`` defaults to :func:`code_digest`.
    """
    if rule_files is None:
        from .packs import Manifest

        rule_files = ((f.path, f.sha256) for f in Manifest.load_default().iter_files())
    payload = {
        "cache_format": CACHE_FORMAT,
        "tool_version": tool_version,
        "code": code if code is not None else code_digest(),
        "as_of": as_of.isoformat(),
        "rule_files": sorted({(str(p), str(s)) for p, s in rule_files}),
        "options": dict(options),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class ResultCache:
    """Document reports on disk under ``directory``, one JSON file per key (``ab/abcdef....json``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"ResultCache({str(self.directory)!r})"

    @staticmethod
    def key(data: bytes, *, fingerprint: str) -> str:
        """The cache key of a document: SHA-256 over its bytes and the run's fingerprint."""
        fp = fingerprint.encode("utf-8")
        h = hashlib.sha256(b"peppol-validate/result\0")
        h.update(len(fp).to_bytes(8, "big"))
        h.update(fp)
        h.update(data)
        return h.hexdigest()

    def entry_path(self, key: str) -> Path:
        """The file of one entry; raises ValueError for something that is not a key."""
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.directory / key[:2] / (key + _SUFFIX)

    def get(self, key: str, *, path: str | None = None) -> DocumentReport | None:
        """The stored report for ``key`` with ``cached=True`` and ``path`` set to ``path``; None on a miss."""
        target = self.entry_path(key)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            self._discard(target)
            return None
        try:
            report = DocumentReport.model_validate_json(data)
        except (ValidationError, ValueError):
            self._discard(target)
            return None
        if report.verdict is Verdict.NOT_VALIDATED:
            self._discard(target)
            return None
        report.cached = True
        report.path = path
        return report

    def put(self, key: str, report: DocumentReport) -> bool:
        """Store ``report`` atomically (never a not_validated one); True if it was written.

        Failing to write (read-only folder, full disk) is not an error: the cache is only an optimisation.
        """
        target = self.entry_path(key)
        if report.verdict is Verdict.NOT_VALIDATED:
            return False
        stored = report.model_copy(update={"path": None, "cached": False})
        payload = stored.model_dump_json().encode("utf-8")
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, target)
            tmp = None
            return True
        except OSError:
            return False
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def __contains__(self, key: str) -> bool:
        return self.entry_path(key).is_file()

    def entries(self) -> list[Path]:
        """Every entry file currently in the cache."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"??/*{_SUFFIX}"))

    def clear(self) -> int:
        """Delete every entry (and the cache folder's contents); return how many entries there were."""
        count = len(self.entries())
        if self.directory.is_dir():
            for child in self.directory.iterdir():
                if child.is_dir() and len(child.name) == 2:
                    shutil.rmtree(child, ignore_errors=True)
        return count

    def prune(self, max_entries: int) -> int:
        """Keep the ``max_entries`` most recently written entries, delete the rest; return how many went."""
        if max_entries < 0:
            raise ValueError("max_entries must not be negative")
        files: list[tuple[float, Path]] = []
        for p in self.entries():
            with contextlib.suppress(OSError):
                files.append((p.stat().st_mtime, p))
        files.sort(key=lambda item: item[0], reverse=True)
        removed = 0
        for _, p in files[max_entries:]:
            with contextlib.suppress(OSError):
                p.unlink()
                removed += 1
        return removed

    @staticmethod
    def _discard(target: Path) -> None:
        with contextlib.suppress(OSError):
            target.unlink()
