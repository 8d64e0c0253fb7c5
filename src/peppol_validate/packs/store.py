"""Local, SHA-256-verified pack files: from the mirror, else the per-user cache, else an opt-in download.

Layout: the mirror and the cache both use the manifest's layout, ``<root>/<pack id>/<path in pack>``, so a
file's relative references (a Schematron ``include``, an XSD ``import``) resolve inside the same root. A
mirror may lack files, though, and a root mixing mirror and cache files would break relative references: open
files that refer to siblings from the directory returned by :meth:`PackStore.ensure` (or via
:meth:`PackStore.path_in`), which is always one root holding every file under the folder.

The store reads no environment variables and prints nothing; the CLI/config layer decides the mirror, the
cache directory and whether downloading is allowed. Network access happens only in :meth:`PackStore.path`,
:meth:`PackStore.ensure`, :meth:`PackStore.path_in` and :meth:`PackStore.fetch`, and only when
``allow_download`` is true. Only ``https://`` URLs (and ``http://`` on 127.0.0.1/localhost, for tests) are
followed, redirects included. Downloads go to a temporary file in the target folder, are checked against the
pinned size and SHA-256, and only then renamed into place, so a bad download never becomes visible.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Literal
from urllib.parse import urlsplit

from peppol_validate.errors import PackError, PackIntegrityError, PackMissingError
from peppol_validate.packs.manifest import Manifest, Pack, PackFile, check_rel_path, normalise_prefix

__all__ = [
    "FetchSummary",
    "PackStatus",
    "PackStore",
    "StoreDescription",
    "VerifyProblem",
    "url_allowed",
]

_CHUNK = 1 << 16
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_USER_AGENT = "peppol-validate (pack fetch)"
_HOW_TO_GET = "run `peppol-validate packs fetch` or set PEPPOL_VALIDATE_PACKS / --packs to a mirror"
_CONNECT_FAILED = "pack-connect"
_SKIPPED = "pack-skipped"
_HOW_TO_GET_MIRROR_ONLY = "set PEPPOL_VALIDATE_PACKS / --packs to a mirror that has it"


def url_allowed(url: str) -> bool:
    """Whether the store may fetch ``url``: any https:// host, or http:// on the local machine only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme == "https":
        return bool(host)
    return parts.scheme == "http" and host in _LOCAL_HOSTS


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    """A pack file that is missing locally, or whose local copy does not match its pinned hash."""

    path: str
    kind: Literal["missing", "mismatch"]
    expected: str
    actual: str | None = None
    location: Path | None = None
    where: Literal["mirror", "cache"] | None = None
    downloadable: bool = False

    def __str__(self) -> str:
        if self.kind == "missing":
            how = "can be fetched" if self.downloadable else "mirror-only, no download URL"
            return f"missing   {self.path} ({how})"
        return (
            f"mismatch  {self.path} in {self.where} ({self.location}): "
            f"expected sha256 {self.expected}, actual {self.actual}"
        )


@dataclass(frozen=True, slots=True)
class FetchSummary:
    """What :meth:`PackStore.fetch` did: files already present, downloaded, without URL, or failed."""

    present: tuple[str, ...] = ()
    downloaded: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """True when every requested file is now available locally."""
        return not self.unavailable and not self.failed

    @property
    def total(self) -> int:
        """Number of files considered."""
        return len(self.present) + len(self.downloaded) + len(self.unavailable) + len(self.failed)


@dataclass(frozen=True, slots=True)
class PackStatus:
    """Availability of one pack's files (by presence and size; hashes are checked by verify)."""

    pack: Pack
    in_mirror: int
    in_cache: int
    missing: int
    missing_mirror_only: int

    @property
    def total(self) -> int:
        """Number of files in the pack."""
        return len(self.pack.files)

    @property
    def available(self) -> int:
        """Number of files present in the mirror or the cache."""
        return self.in_mirror + self.in_cache

    @property
    def where(self) -> str:
        """Where the files are: ``mirror``, ``cache``, ``mirror+cache`` or ``missing`` (plus counts)."""
        places = [name for name, n in (("mirror", self.in_mirror), ("cache", self.in_cache)) if n]
        text = "+".join(places) or "missing"
        if places and self.missing:
            text += f", {self.missing} missing"
        if self.missing_mirror_only:
            text += f" ({self.missing_mirror_only} mirror-only)"
        return text


@dataclass(frozen=True, slots=True)
class StoreDescription:
    """The store's configuration and the status of every pack."""

    mirror: Path | None
    cache_dir: Path | None
    allow_download: bool
    packs: tuple[PackStatus, ...]


class _SafeRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL that :func:`url_allowed` accepts."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not url_allowed(newurl):
            raise urllib.error.HTTPError(newurl, code, f"redirect to a refused URL {newurl}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class PackStore:
    """Resolves manifest paths to local, SHA-256-verified files (mirror, then cache, then opt-in download)."""

    def __init__(
        self,
        *,
        mirror: Path | None = None,
        cache_dir: Path | None = None,
        allow_download: bool = False,
        manifest: Manifest | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.mirror: Path | None = Path(os.path.abspath(mirror)) if mirror is not None else None
        self.cache_dir: Path | None = Path(os.path.abspath(cache_dir)) if cache_dir is not None else None
        self.allow_download = allow_download
        self.manifest: Manifest = manifest if manifest is not None else Manifest.load_default()
        self.timeout = timeout
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._resolved: dict[str, Path] = {}
        self._cached: set[str] = set()
        self._ensured: dict[str, Path] = {}
        self._opener: urllib.request.OpenerDirector | None = None

    def __repr__(self) -> str:
        return (
            f"PackStore(mirror={self.mirror!r}, cache_dir={self.cache_dir!r}, allow_download={self.allow_download!r})"
        )

    # ------------------------------------------------------------------ public API

    def path(self, rel: str) -> Path:
        """Return a local, verified copy of manifest file ``rel`` (mirror, else cache, else download)."""
        pf = self.manifest.file(rel)
        with self._lock:
            hit = self._resolved.get(rel)
        if hit is not None:
            return hit
        with self._key_lock("f:" + rel):
            with self._lock:
                hit = self._resolved.get(rel)
            if hit is not None:
                return hit
            found = self._resolve(pf)
            with self._lock:
                self._resolved[rel] = found
            return found

    def ensure(self, prefix: str) -> Path:
        """Resolve and verify every manifest file under folder ``prefix``; return that folder in one root."""
        folder = normalise_prefix(prefix)
        with self._lock:
            hit = self._ensured.get(folder)
        if hit is not None:
            return hit
        files = self.manifest.files_under(folder)
        if not files:
            raise PackMissingError(f"the pack manifest has no files under {folder!r}")
        with self._key_lock("d:" + folder):
            with self._lock:
                hit = self._ensured.get(folder)
            if hit is not None:
                return hit
            mirror = self.mirror
            if mirror is not None and all((mirror / f.path).is_file() for f in files):
                for f in files:
                    self.path(f.path)
                result = mirror / folder.rstrip("/")
            else:
                for f in files:
                    self._cache_with_lock(f, allow_mirror_copy=True)
                assert self.cache_dir is not None  # _cache_with_lock raised otherwise
                result = self.cache_dir / folder.rstrip("/")
            with self._lock:
                self._ensured[folder] = result
            return result

    def path_in(self, prefix: str, rel: str) -> Path:
        """Return file ``rel`` inside :meth:`ensure` ``(prefix)``, so its relative references work."""
        folder = normalise_prefix(prefix)
        self.manifest.file(rel)
        if not rel.startswith(folder):
            raise PackError(f"{rel!r} is not under the folder {folder!r}")
        return self.ensure(folder) / rel[len(folder) :]

    def verify(self, pack_ids: list[str] | None = None) -> list[VerifyProblem]:
        """Hash every local copy (mirror and cache) of the packs' files; report missing and mismatching."""
        problems: list[VerifyProblem] = []
        for pf in self.manifest.iter_files(pack_ids):
            found = False
            for where, root in self._roots():
                candidate = root / pf.path
                if not candidate.is_file():
                    continue
                found = True
                actual = _sha256_file(candidate)
                if actual != pf.sha256:
                    problems.append(
                        VerifyProblem(
                            path=pf.path,
                            kind="mismatch",
                            expected=pf.sha256,
                            actual=actual,
                            location=candidate,
                            where=where,
                            downloadable=pf.url is not None,
                        )
                    )
            if not found:
                problems.append(
                    VerifyProblem(path=pf.path, kind="missing", expected=pf.sha256, downloadable=pf.url is not None)
                )
        return problems

    def fetch(
        self,
        pack_ids: list[str] | None = None,
        progress: Callable[[str], None] | None = None,
        *,
        workers: int = 8,
    ) -> FetchSummary:
        """Download into the cache every file of the packs that is not verified locally (mirror counts).

        After a connection failure (host unreachable, DNS, timeout) the remaining downloads are not
        attempted; they are reported as failed, and ``progress`` hears about them once.
        """
        files = list(self.manifest.iter_files(pack_ids))
        present: list[str] = []
        downloaded: list[str] = []
        unavailable: list[str] = []
        failed: list[tuple[str, str]] = []
        skipped = 0
        connection_failed = threading.Event()

        def report(message: str) -> None:
            if progress is not None:
                progress(message)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(self._fetch_one, pf, connection_failed): pf for pf in files}
            for future in as_completed(futures):
                pf = futures[future]
                try:
                    outcome = future.result()
                except PackError as exc:
                    failed.append((pf.path, exc.message))
                    if exc.code == _SKIPPED:
                        skipped += 1
                    else:
                        report(f"failed      {pf.path}: {exc.message}")
                    continue
                if outcome == "present":
                    present.append(pf.path)
                elif outcome == "downloaded":
                    downloaded.append(pf.path)
                    report(f"downloaded  {pf.path} ({pf.size} bytes)")
                else:
                    unavailable.append(pf.path)
        if skipped:
            report(f"skipped     {skipped} more downloads after a connection failure")
        return FetchSummary(
            present=tuple(sorted(present)),
            downloaded=tuple(sorted(downloaded)),
            unavailable=tuple(sorted(unavailable)),
            failed=tuple(sorted(failed)),
        )

    def describe(self, pack_ids: Iterable[str] | None = None) -> StoreDescription:
        """Return the configuration and, per pack, how many files are in the mirror, the cache, or missing."""
        statuses: list[PackStatus] = []
        for pack in self.manifest.select(pack_ids):
            in_mirror = in_cache = missing = missing_mirror_only = 0
            for pf in pack.files:
                if self._present_with_size(self.mirror, pf):
                    in_mirror += 1
                elif self._present_with_size(self.cache_dir, pf):
                    in_cache += 1
                else:
                    missing += 1
                    if pf.url is None:
                        missing_mirror_only += 1
            statuses.append(PackStatus(pack, in_mirror, in_cache, missing, missing_mirror_only))
        return StoreDescription(
            mirror=self.mirror,
            cache_dir=self.cache_dir,
            allow_download=self.allow_download,
            packs=tuple(statuses),
        )

    # ------------------------------------------------------------------ internals

    def _roots(self) -> list[tuple[Literal["mirror", "cache"], Path]]:
        roots: list[tuple[Literal["mirror", "cache"], Path]] = []
        if self.mirror is not None:
            roots.append(("mirror", self.mirror))
        if self.cache_dir is not None:
            roots.append(("cache", self.cache_dir))
        return roots

    @staticmethod
    def _present_with_size(root: Path | None, pf: PackFile) -> bool:
        if root is None:
            return False
        try:
            return (root / pf.path).stat().st_size == pf.size
        except OSError:
            return False

    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            lock = self._key_locks.get(key)
            if lock is None:
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def _resolve(self, pf: PackFile) -> Path:
        if self.mirror is not None:
            candidate = self.mirror / pf.path
            if candidate.is_file():
                self._check(pf, candidate, "mirror")
                return candidate
        return self._cache_with_lock(pf, allow_mirror_copy=False)[0]

    def _check(self, pf: PackFile, candidate: Path, where: str) -> None:
        actual = _sha256_file(candidate)
        if actual != pf.sha256:
            raise PackIntegrityError(
                f"refusing {where} file {candidate} (pack file {pf.path}): its bytes do not match the "
                f"manifest: expected sha256 {pf.sha256}, actual {actual}"
                + (f"; {_HOW_TO_GET}" if where == "cache" else "")
            )

    def _missing(self, pf: PackFile, reason: str) -> PackMissingError:
        how = _HOW_TO_GET if pf.url is not None else _HOW_TO_GET_MIRROR_ONLY
        mirror = str(self.mirror) if self.mirror is not None else "no mirror configured"
        cache = str(self.cache_dir) if self.cache_dir is not None else "no cache configured"
        return PackMissingError(
            f"pack file {pf.path} is not available (mirror: {mirror}; cache: {cache}): {reason}. To get it, {how}."
        )

    def _cache_with_lock(
        self, pf: PackFile, *, allow_mirror_copy: bool
    ) -> tuple[Path, Literal["present", "downloaded", "copied"]]:
        with self._key_lock("c:" + pf.path):
            return self._cache(pf, allow_mirror_copy=allow_mirror_copy)

    def _cache(
        self, pf: PackFile, *, allow_mirror_copy: bool
    ) -> tuple[Path, Literal["present", "downloaded", "copied"]]:
        """Make sure a verified copy of ``pf`` is in the cache (caller holds the file's cache lock)."""
        if self.cache_dir is None:
            raise self._missing(pf, "it is not in the mirror and no cache directory is configured")
        target = self.cache_dir / check_rel_path(pf.path)
        with self._lock:
            if pf.path in self._cached:
                return target, "present"
        stale: str | None = None
        if target.is_file():
            actual = _sha256_file(target)
            if actual == pf.sha256:
                with self._lock:
                    self._cached.add(pf.path)
                return target, "present"
            stale = actual
        source = self.mirror / pf.path if allow_mirror_copy and self.mirror is not None else None
        if source is not None and source.is_file():
            with source.open("rb") as fh:
                self._install(pf, target, fh.read, f"mirror file {source}")
            action: Literal["downloaded", "copied"] = "copied"
        elif self.allow_download and pf.url is not None:
            self._download(pf, target)
            action = "downloaded"
        elif stale is not None:
            raise PackIntegrityError(
                f"refusing cache file {target} (pack file {pf.path}): its bytes do not match the manifest: "
                f"expected sha256 {pf.sha256}, actual {stale}; {_HOW_TO_GET}"
            )
        elif pf.url is None:
            raise self._missing(pf, f"it has no download URL ({pf.note or 'mirror-only'})")
        else:
            raise self._missing(pf, "downloading is not enabled")
        with self._lock:
            self._cached.add(pf.path)
        return target, action

    def _fetch_one(
        self, pf: PackFile, connection_failed: threading.Event
    ) -> Literal["present", "downloaded", "unavailable"]:
        if self.mirror is not None:
            candidate = self.mirror / pf.path
            if candidate.is_file():
                self._check(pf, candidate, "mirror")
                self._drop_stale_cache_copy(pf)
                return "present"
        if pf.url is None and not (self.cache_dir is not None and (self.cache_dir / pf.path).is_file()):
            return "unavailable"
        if self.cache_dir is None:
            raise PackError("no cache directory is configured to download into", code="pack-download")
        if connection_failed.is_set():
            target = self.cache_dir / pf.path
            if not (target.is_file() and _sha256_file(target) == pf.sha256):
                raise PackError("not attempted after an earlier connection failure", code=_SKIPPED)
        try:
            _, action = self._cache_with_lock(pf, allow_mirror_copy=False)
        except PackError as exc:
            if exc.code == _CONNECT_FAILED:
                connection_failed.set()
            raise
        return "present" if action == "present" else "downloaded"

    def _drop_stale_cache_copy(self, pf: PackFile) -> None:
        """Remove a cache copy that does not match its pin (the mirror holds a good copy)."""
        if self.cache_dir is None:
            return
        with self._key_lock("c:" + pf.path):
            target = self.cache_dir / pf.path
            if target.is_file() and _sha256_file(target) != pf.sha256:
                with contextlib.suppress(OSError):
                    target.unlink()
                with self._lock:
                    self._cached.discard(pf.path)

    def _opener_for_downloads(self) -> urllib.request.OpenerDirector:
        with self._lock:
            if self._opener is None:
                self._opener = urllib.request.build_opener(_SafeRedirectHandler)
            return self._opener

    def _download(self, pf: PackFile, target: Path) -> None:
        url = pf.url
        if url is None:
            raise self._missing(pf, "it has no download URL")
        if not url_allowed(url):
            raise PackError(
                f"refusing to download {pf.path} from {url}: only https:// URLs are allowed",
                code="pack-url-refused",
            )
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        failure = f"could not download {pf.path} from {url}"
        try:
            response = self._opener_for_downloads().open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise PackError(f"{failure}: HTTP {exc.code} {exc.reason}", code="pack-download") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise PackError(f"{failure}: {reason}", code=_CONNECT_FAILED) from exc

        def read(n: int) -> bytes:
            try:
                data: bytes = response.read(n)
            except (http.client.HTTPException, OSError, ValueError) as exc:
                raise PackError(f"{failure}: {exc}", code="pack-download") from exc
            return data

        with response:
            self._install(pf, target, read, url)

    def _install(self, pf: PackFile, target: Path, read: Callable[[int], bytes], origin: str) -> None:
        """Stream into a temp file next to ``target``, verify size and SHA-256, then rename into place."""
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := read(_CHUNK):
                    size += len(chunk)
                    if size > pf.size:
                        raise PackIntegrityError(
                            f"refusing {pf.path} from {origin}: its bytes do not match the manifest: "
                            f"expected sha256 {pf.sha256} ({pf.size} bytes), actual: over {pf.size} bytes"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            actual = digest.hexdigest()
            if actual != pf.sha256:
                raise PackIntegrityError(
                    f"refusing {pf.path} from {origin}: its bytes do not match the manifest: "
                    f"expected sha256 {pf.sha256}, actual {actual} ({size} bytes, expected {pf.size})"
                )
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            raise PackError(f"could not store {pf.path} in {target.parent}: {exc}", code="pack-cache") from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
