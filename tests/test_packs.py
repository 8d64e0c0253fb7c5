"""Tests of the packs subsystem: the pinned manifest, the verified store and the CLI commands."""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import io
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from peppol_validate.errors import PackError, PackIntegrityError, PackMissingError
from peppol_validate.packs import Manifest, Pack, PackFile, PackStore
from peppol_validate.packs import store as store_module
from peppol_validate.packs.commands import add_packs_subcommands, run_packs
from peppol_validate.packs.store import url_allowed

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIRROR = REPO_ROOT.parent / "shared" / "packs"
UBL_INVOICE = "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd"
UBL_CAC = "ubl-2.1/xsd/common/UBL-CommonAggregateComponents-2.1.xsd"
BOOKKEEPING = {"MANIFEST.md", "SHA256SUMS", "SOURCES.tsv"}


# --------------------------------------------------------------------------- helpers and fixtures


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The read-only packs mirror (PEPPOL_VALIDATE_PACKS, else ../shared/packs next to the repo)."""
    env = os.environ.get("PEPPOL_VALIDATE_PACKS")
    path = Path(env).resolve() if env else DEFAULT_MIRROR
    if not (path / "SHA256SUMS").is_file():
        if env:
            pytest.fail(f"PEPPOL_VALIDATE_PACKS={env} is not a packs mirror (no SHA256SUMS)")
        pytest.skip(f"no packs mirror at {path} (set PEPPOL_VALIDATE_PACKS)")
    return path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a connection fail the test."""

    def guard(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", guard)
    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", guard)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/redirect-away"):
            self.send_response(302)
            self.send_header("Location", "http://example.invalid/evil.xsd")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()


@contextlib.contextmanager
def _serve(directory: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A temporary folder served over HTTP on 127.0.0.1: (folder, base URL)."""
    root = tmp_path / "served"
    root.mkdir()
    with _serve(root) as base:
        yield root, base


def _manifest(*files: PackFile) -> Manifest:
    by_pack: dict[str, list[PackFile]] = {}
    for f in files:
        by_pack.setdefault(f.pack_id, []).append(f)
    return Manifest(
        packs=tuple(
            Pack(id=pid, title=f"test {pid}", version="0", license="test", files=tuple(fs))
            for pid, fs in by_pack.items()
        )
    )


def _entry(path: str, data: bytes, url: str | None) -> PackFile:
    return PackFile(path=path, sha256=_sha(data), size=len(data), url=url, note=None if url else "mirror-only (test)")


def _put(root: Path, rel: str, data: bytes) -> Path:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def _leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.endswith(".part")] if directory.exists() else []


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peppol-validate")
    add_packs_subcommands(parser.add_subparsers(dest="command"))
    return parser


def _run(store: PackStore, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_packs(_parser().parse_args(["packs", *argv]), store, out, err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- manifest


def test_default_manifest_loads_once_and_is_consistent() -> None:
    manifest = Manifest.load_default()
    assert Manifest.load_default() is manifest
    files = list(manifest.iter_files())
    assert len(files) > 1000
    assert {"peppol-bis-billing-3", "en16931-cen", "ubl-2.1", "fatturapa"} <= set(manifest.pack_ids)
    assert manifest.pack("en16931-cen").version == "1.3.16"
    assert manifest.pack("fatturapa").version == "1.2.3"
    raw = re.compile(r"^https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+$")
    for f in files:
        assert f.path.split("/", 1)[0] == f.pack_id
        assert f.path.rsplit("/", 1)[-1] not in BOOKKEEPING
        if f.url is None:
            assert f.note, f"{f.path}: a mirror-only file must say why"
        else:
            assert raw.match(f.url), f.url
    assert manifest.file(UBL_INVOICE).url is not None
    assert manifest.file("fatturapa/xsd/Schema_VFPA12_V1.2.3.xsd").url is None  # reconstructed


def test_manifest_urls_are_percent_encoded() -> None:
    manifest = Manifest.load_default()
    spaced = [f for f in manifest.iter_files() if " " in f.path and f.url is not None]
    assert spaced
    for f in spaced:
        assert f.url is not None and " " not in f.url and "%20" in f.url


def test_manifest_unknown_file_and_pack_raise_pack_missing() -> None:
    manifest = Manifest.load_default()
    with pytest.raises(PackMissingError, match="not a file of the pack manifest"):
        manifest.file("ubl-2.1/xsd/nope.xsd")
    with pytest.raises(PackMissingError, match="unknown pack 'nope'"):
        manifest.pack("nope")
    assert not manifest.has_file("nope/x")


@pytest.mark.parametrize("bad", ["../x/y", "a/../b", "/abs/x", "a//b", "a\\b", "C:/x", "single"])
def test_manifest_rejects_unsafe_paths(bad: str) -> None:
    with pytest.raises(PackError):
        PackFile(path=bad, sha256="0" * 64, size=0)


def test_manifest_roundtrips_through_json() -> None:
    manifest = _manifest(_entry("p/a.txt", b"a", "https://example.org/a"), _entry("p/b.txt", b"b", None))
    again = Manifest.from_dict(manifest.to_dict())
    assert again == manifest
    with pytest.raises(PackError, match="format"):
        Manifest.from_dict({"format": 99, "packs": []})


def test_every_manifest_file_is_in_the_mirror_with_its_pinned_hash(mirror: Path) -> None:
    """The pin check: the mirror holds every manifest file, byte for byte."""
    sums: dict[str, str] = {}
    for line in (mirror / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        sums[rel] = digest
    manifest = Manifest.load_default()
    bad = []
    for f in manifest.iter_files():
        path = mirror / f.path
        if not path.is_file():
            bad.append(f"missing {f.path}")
            continue
        data = path.read_bytes()
        if len(data) != f.size or _sha(data) != f.sha256 or sums.get(f.path) != f.sha256:
            bad.append(f"mismatch {f.path}")
    assert not bad, bad[:20]
    data_files = {rel for rel in sums if rel.rsplit("/", 1)[-1] not in BOOKKEEPING}
    assert data_files == {f.path for f in manifest.iter_files()}


def test_manifest_json_is_up_to_date_with_the_generator(mirror: Path) -> None:
    tool = REPO_ROOT / "tools" / "make_pack_manifest.py"
    target = REPO_ROOT / "src" / "peppol_validate" / "packs" / "manifest.json"
    result = subprocess.run(
        [sys.executable, str(tool), str(mirror), str(target), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- store: local resolution


def test_path_resolves_from_the_mirror(mirror: Path, tmp_path: Path, no_network: None) -> None:
    store = PackStore(mirror=mirror, cache_dir=tmp_path / "cache")
    found = store.path(UBL_INVOICE)
    assert found == mirror / UBL_INVOICE
    assert _sha(found.read_bytes()) == store.manifest.file(UBL_INVOICE).sha256
    assert not (tmp_path / "cache").exists()


def test_path_resolves_from_the_cache(mirror: Path, tmp_path: Path, no_network: None) -> None:
    cache = tmp_path / "cache"
    _put(cache, UBL_INVOICE, (mirror / UBL_INVOICE).read_bytes())
    store = PackStore(cache_dir=cache)
    assert store.path(UBL_INVOICE) == cache / UBL_INVOICE


def test_path_verifies_once_per_store_even_under_threads(
    mirror: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    calls: list[Path] = []
    real = store_module._sha256_file

    def counting(path: Path) -> str:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(store_module, "_sha256_file", counting)
    store = PackStore(mirror=mirror)
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(store.path(UBL_INVOICE))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert len(calls) == 1
    PackStore(mirror=mirror).path(UBL_INVOICE)  # a new store verifies again
    assert len(calls) == 2


def test_tampered_mirror_file_is_refused(mirror: Path, tmp_path: Path, no_network: None) -> None:
    fake = tmp_path / "mirror"
    data = (mirror / UBL_INVOICE).read_bytes()
    _put(fake, UBL_INVOICE, data.replace(b"Invoice", b"Invoicx", 1))
    store = PackStore(mirror=fake, cache_dir=tmp_path / "cache")
    with pytest.raises(PackIntegrityError) as info:
        store.path(UBL_INVOICE)
    message = str(info.value)
    assert UBL_INVOICE in message
    assert store.manifest.file(UBL_INVOICE).sha256 in message
    assert _sha((fake / UBL_INVOICE).read_bytes()) in message


def test_tampered_cache_file_is_refused_when_offline(mirror: Path, tmp_path: Path, no_network: None) -> None:
    cache = tmp_path / "cache"
    _put(cache, UBL_INVOICE, b"<not-the-schema/>")
    store = PackStore(cache_dir=cache, allow_download=False)
    with pytest.raises(PackIntegrityError, match="expected sha256"):
        store.path(UBL_INVOICE)


def test_missing_file_offline_raises_pack_missing_without_network(tmp_path: Path, no_network: None) -> None:
    store = PackStore(cache_dir=tmp_path / "cache", allow_download=False)
    with pytest.raises(PackMissingError) as info:
        store.path(UBL_INVOICE)
    assert "peppol-validate packs fetch" in str(info.value)
    assert "PEPPOL_VALIDATE_PACKS" in str(info.value)
    with pytest.raises(PackMissingError):
        store.ensure("ubl-2.1/xsd/")
    with pytest.raises(PackMissingError, match="no cache directory"):
        PackStore().path(UBL_INVOICE)


def test_missing_mirror_only_file_says_a_mirror_is_needed(tmp_path: Path, no_network: None) -> None:
    store = PackStore(cache_dir=tmp_path / "cache", allow_download=True)
    with pytest.raises(PackMissingError, match="mirror that has it"):
        store.path("fatturapa/xsd/Schema_VFPA12_V1.2.3.xsd")


# --------------------------------------------------------------------------- store: ensure(prefix)


def test_ensure_returns_the_mirror_folder_so_relative_imports_work(mirror: Path, no_network: None) -> None:
    store = PackStore(mirror=mirror)
    folder = store.ensure("ubl-2.1/xsd/")
    assert folder == mirror / "ubl-2.1" / "xsd"
    main = folder / "maindoc" / "UBL-Invoice-2.1.xsd"
    assert main.is_file()
    assert (main.parent / ".." / "common" / "UBL-CommonAggregateComponents-2.1.xsd").resolve().is_file()
    assert store.ensure("ubl-2.1/xsd") is folder  # memoized
    assert store.path_in("ubl-2.1/xsd/", UBL_INVOICE) == main


def test_ensure_with_partial_mirror_builds_a_complete_cache_folder(mirror: Path, tmp_path: Path) -> None:
    """A mirror lacking files: ensure() puts all files of the folder in the cache, and lxml can load them."""
    from lxml import etree

    real = Manifest.load_default()
    with _serve(mirror) as base:
        subset = _manifest(
            *(
                PackFile(path=f.path, sha256=f.sha256, size=f.size, url=f"{base}/{f.path}")
                for f in real.files_under("ubl-2.1/xsd/")
            )
        )
        partial = tmp_path / "partial-mirror"
        _put(partial, UBL_INVOICE, (mirror / UBL_INVOICE).read_bytes())
        cache = tmp_path / "cache"
        store = PackStore(mirror=partial, cache_dir=cache, allow_download=True, manifest=subset)
        folder = store.ensure("ubl-2.1/xsd/")
    assert folder == cache / "ubl-2.1" / "xsd"
    assert (folder / "maindoc" / "UBL-Invoice-2.1.xsd").is_file()
    assert (folder / "common" / "UBL-CommonAggregateComponents-2.1.xsd").is_file()
    assert len([p for p in folder.rglob("*") if p.is_file()]) == len(subset.files_under("ubl-2.1/xsd/"))
    assert not _leftovers(cache)
    schema = etree.XMLSchema(etree.parse(str(folder / "maindoc" / "UBL-Invoice-2.1.xsd")))
    example = mirror / "ubl-2.1" / "xml" / "UBL-Invoice-2.1-Example.xml"
    if example.is_file():
        assert schema.validate(etree.parse(str(example))), schema.error_log


def test_ensure_mixed_mirror_and_cache_small(served: tuple[Path, str], tmp_path: Path) -> None:
    root, base = served
    a, b = b"<a/>", b"<b/>"
    _put(root, "demo/xsd/common/b.xsd", b)
    manifest = _manifest(
        _entry("demo/xsd/main/a.xsd", a, None),
        _entry("demo/xsd/common/b.xsd", b, f"{base}/demo/xsd/common/b.xsd"),
    )
    partial = tmp_path / "mirror"
    _put(partial, "demo/xsd/main/a.xsd", a)
    cache = tmp_path / "cache"
    store = PackStore(mirror=partial, cache_dir=cache, allow_download=True, manifest=manifest)
    assert store.path("demo/xsd/main/a.xsd") == partial / "demo/xsd/main/a.xsd"
    folder = store.ensure("demo/xsd")
    assert folder == cache / "demo" / "xsd"
    assert (folder / "main" / "a.xsd").read_bytes() == a  # copied from the mirror, verified
    assert (folder / "common" / "b.xsd").read_bytes() == b  # downloaded, verified
    with pytest.raises(PackMissingError):
        store.ensure("demo/nothing-here")


# --------------------------------------------------------------------------- store: downloads


def test_fetch_downloads_verifies_and_writes_atomically(served: tuple[Path, str], tmp_path: Path) -> None:
    root, base = served
    one, two = b"first file\n", b"second file, with a space in its name\n"
    _put(root, "demo/one.txt", one)
    _put(root, "demo/dir with space/two.txt", two)
    manifest = _manifest(
        _entry("demo/one.txt", one, f"{base}/demo/one.txt"),
        _entry("demo/dir with space/two.txt", two, f"{base}/demo/dir%20with%20space/two.txt"),
        _entry("demo/mirror-only.txt", b"x", None),
    )
    cache = tmp_path / "cache"
    messages: list[str] = []
    store = PackStore(cache_dir=cache, allow_download=True, manifest=manifest)
    summary = store.fetch(progress=messages.append)
    assert summary.downloaded == ("demo/dir with space/two.txt", "demo/one.txt")
    assert summary.unavailable == ("demo/mirror-only.txt",)
    assert not summary.failed and not summary.ok
    assert (cache / "demo/one.txt").read_bytes() == one
    assert (cache / "demo/dir with space/two.txt").read_bytes() == two
    assert len(messages) == 2 and all(m.startswith("downloaded") for m in messages)
    assert not _leftovers(cache)
    again = PackStore(cache_dir=cache, allow_download=True, manifest=manifest).fetch(["demo"])
    assert again.present == ("demo/dir with space/two.txt", "demo/one.txt") and not again.downloaded


def test_path_downloads_on_demand_only_when_allowed(served: tuple[Path, str], tmp_path: Path) -> None:
    root, base = served
    data = b"on demand"
    _put(root, "demo/x.txt", data)
    manifest = _manifest(_entry("demo/x.txt", data, f"{base}/demo/x.txt"))
    cache = tmp_path / "cache"
    with pytest.raises(PackMissingError, match="downloading is not enabled"):
        PackStore(cache_dir=cache, manifest=manifest).path("demo/x.txt")
    assert PackStore(cache_dir=cache, allow_download=True, manifest=manifest).path("demo/x.txt") == (
        cache / "demo/x.txt"
    )
    assert (cache / "demo/x.txt").read_bytes() == data


@pytest.mark.parametrize("served_bytes", [b"tampered!", b"tampered and longer than the pinned file"])
def test_wrong_download_is_refused_and_not_left_in_the_cache(
    served: tuple[Path, str], tmp_path: Path, served_bytes: bytes
) -> None:
    root, base = served
    good = b"the real bytes"
    _put(root, "demo/x.txt", served_bytes)
    manifest = _manifest(_entry("demo/x.txt", good, f"{base}/demo/x.txt"))
    cache = tmp_path / "cache"
    store = PackStore(cache_dir=cache, allow_download=True, manifest=manifest)
    with pytest.raises(PackIntegrityError) as info:
        store.path("demo/x.txt")
    assert "demo/x.txt" in str(info.value) and _sha(good) in str(info.value)
    if len(served_bytes) <= len(good):
        assert _sha(served_bytes) in str(info.value)
    assert not (cache / "demo/x.txt").exists()
    assert not _leftovers(cache)
    summary = store.fetch()
    assert [path for path, _ in summary.failed] == ["demo/x.txt"]
    assert not (cache / "demo/x.txt").exists() and not _leftovers(cache)


def test_tampered_cache_file_is_replaced_when_downloading(served: tuple[Path, str], tmp_path: Path) -> None:
    root, base = served
    good = b"good bytes"
    _put(root, "demo/x.txt", good)
    manifest = _manifest(_entry("demo/x.txt", good, f"{base}/demo/x.txt"))
    cache = tmp_path / "cache"
    _put(cache, "demo/x.txt", b"bad bytes")
    store = PackStore(cache_dir=cache, allow_download=True, manifest=manifest)
    assert store.path("demo/x.txt").read_bytes() == good


def test_http_errors_and_refused_urls(served: tuple[Path, str], tmp_path: Path) -> None:
    _, base = served
    manifest = _manifest(
        _entry("demo/absent.txt", b"x", f"{base}/demo/absent.txt"),
        _entry("demo/plain-http.txt", b"x", "http://example.invalid/x.txt"),
        _entry("demo/redirect.txt", b"x", f"{base}/redirect-away"),
    )
    store = PackStore(cache_dir=tmp_path / "cache", allow_download=True, manifest=manifest)
    with pytest.raises(PackError, match="HTTP 404") as info:
        store.path("demo/absent.txt")
    assert info.value.code == "pack-download"
    with pytest.raises(PackError, match="only https") as info:
        store.path("demo/plain-http.txt")
    assert info.value.code == "pack-url-refused"
    with pytest.raises(PackError, match="refused URL"):
        store.path("demo/redirect.txt")
    assert not _leftovers(tmp_path / "cache")


def test_fetch_stops_trying_after_a_connection_failure(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed again below: connection refused
    manifest = _manifest(*(_entry(f"demo/f{i}.txt", b"x", f"{dead}/f{i}.txt") for i in range(10)))
    messages: list[str] = []
    store = PackStore(cache_dir=tmp_path / "cache", allow_download=True, manifest=manifest, timeout=5)
    summary = store.fetch(progress=messages.append, workers=1)
    assert len(summary.failed) == 10 and not summary.downloaded
    assert len(messages) == 2
    assert messages[0].startswith("failed") and messages[1].startswith("skipped     9 more downloads")
    assert not _leftovers(tmp_path / "cache")


def test_unwritable_cache_is_a_pack_error(served: tuple[Path, str], tmp_path: Path) -> None:
    root, base = served
    _put(root, "demo/x.txt", b"x")
    manifest = _manifest(_entry("demo/x.txt", b"x", f"{base}/demo/x.txt"))
    not_a_dir = tmp_path / "cache"
    not_a_dir.write_bytes(b"")
    store = PackStore(cache_dir=not_a_dir, allow_download=True, manifest=manifest)
    with pytest.raises(PackError) as info:
        store.path("demo/x.txt")
    assert info.value.code == "pack-cache"


def test_url_policy() -> None:
    assert url_allowed("https://raw.githubusercontent.com/o/r/" + "0" * 40 + "/x.xsd")
    assert url_allowed("http://127.0.0.1:8000/x") and url_allowed("http://localhost/x")
    assert not url_allowed("http://example.org/x")
    assert not url_allowed("file:///etc/passwd")
    assert not url_allowed("ftp://example.org/x")
    assert not url_allowed("https:///no-host")


# --------------------------------------------------------------------------- store: verify and describe


def test_verify_mirror_is_clean(mirror: Path, no_network: None) -> None:
    assert PackStore(mirror=mirror).verify() == []


def test_verify_reports_missing_and_mismatching(tmp_path: Path, no_network: None) -> None:
    manifest = _manifest(
        _entry("demo/ok.txt", b"ok", None),
        _entry("demo/bad.txt", b"good", "https://example.org/bad.txt"),
        _entry("demo/gone.txt", b"gone", "https://example.org/gone.txt"),
    )
    cache = tmp_path / "cache"
    _put(cache, "demo/ok.txt", b"ok")
    _put(cache, "demo/bad.txt", b"evil")
    problems = {p.path: p for p in PackStore(cache_dir=cache, manifest=manifest).verify()}
    assert set(problems) == {"demo/bad.txt", "demo/gone.txt"}
    bad = problems["demo/bad.txt"]
    assert bad.kind == "mismatch" and bad.where == "cache" and bad.actual == _sha(b"evil")
    assert bad.expected == _sha(b"good") and "expected sha256" in str(bad)
    assert problems["demo/gone.txt"].kind == "missing" and problems["demo/gone.txt"].downloadable


def test_describe_counts_mirror_and_cache(tmp_path: Path) -> None:
    manifest = _manifest(
        _entry("demo/m.txt", b"m", None), _entry("demo/c.txt", b"c", None), _entry("demo/x.txt", b"x", None)
    )
    _put(tmp_path / "mirror", "demo/m.txt", b"m")
    _put(tmp_path / "cache", "demo/c.txt", b"c")
    store = PackStore(mirror=tmp_path / "mirror", cache_dir=tmp_path / "cache", manifest=manifest)
    (status,) = store.describe().packs
    assert (status.in_mirror, status.in_cache, status.missing, status.total) == (1, 1, 1, 3)
    assert status.where == "mirror+cache, 1 missing (1 mirror-only)"


# --------------------------------------------------------------------------- commands


def test_packs_list_on_the_mirror(mirror: Path, no_network: None) -> None:
    store = PackStore(mirror=mirror)
    code, out, _ = _run(store, "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(store.manifest.packs)
    by_id = {line.split()[0]: line for line in lines}
    total = len(store.manifest.pack("ubl-2.1").files)
    assert f"{total}/{total}" in by_id["ubl-2.1"] and by_id["ubl-2.1"].endswith("mirror")
    assert "3.0.19 + 3.0.21" in by_id["peppol-bis-billing-3"]
    assert _run(store)[0] == 0  # bare `packs` lists


def test_packs_verify_on_the_mirror(mirror: Path, no_network: None) -> None:
    store = PackStore(mirror=mirror)
    code, out, _ = _run(store, "verify")
    assert code == 0
    assert "0 missing, 0 not matching" in out
    code, out, _ = _run(store, "verify", "ubl-2.1", "en16931-cen")
    assert code == 0 and out.startswith("verified ")


def test_packs_verify_reports_problems_and_unknown_packs(tmp_path: Path, no_network: None) -> None:
    store = PackStore(cache_dir=tmp_path / "empty")
    code, out, _ = _run(store, "verify", "sarif-2.1.0")
    assert code == 1 and out.count("missing ") == 2
    code, _, err = _run(store, "verify", "no-such-pack")
    assert code == 2 and "unknown pack 'no-such-pack'" in err


def test_packs_fetch_commands(served: tuple[Path, str], tmp_path: Path, mirror: Path) -> None:
    root, base = served
    _put(root, "demo/x.txt", b"x")
    manifest = _manifest(_entry("demo/x.txt", b"x", f"{base}/demo/x.txt"))
    store = PackStore(cache_dir=tmp_path / "cache", allow_download=True, manifest=manifest)
    code, out, _ = _run(store, "fetch")
    assert code == 0 and "downloaded  demo/x.txt" in out and "fetched 1 files" in out
    code, out, _ = _run(PackStore(mirror=mirror), "fetch", "ubl-2.1")
    assert code == 0 and "0 failed" in out
    code, out, err = _run(PackStore(cache_dir=tmp_path / "c2"), "fetch", "fatturapa")
    assert code == 1 and "mirror-only" in out and "downloading is disabled" in err
