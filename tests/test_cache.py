"""The content-hash result cache: keys, hits and misses, corrupt entries, not_validated, concurrent writers."""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path

import pytest

from peppol_validate import __version__
from peppol_validate.cache import ResultCache, code_digest, default_directory, fingerprint
from peppol_validate.model import (
    AuthorityCode,
    DocumentReport,
    Finding,
    LayerResult,
    LayerStatus,
    RuleSetRef,
    Severity,
    Verdict,
)

from .conftest import CORPUS

DOC = b"<Invoice>1</Invoice>"
AS_OF = date(2026, 11, 24)


def fp(**changes: object) -> str:
    args: dict[str, object] = {
        "tool_version": "0.1.0",
        "as_of": AS_OF,
        "rule_files": [("ubl-2.1/a.xsd", "0" * 64), ("peppol/b.sch", "1" * 64)],
        "options": {"max_bytes": 1 << 26, "svrl": False},
        "code": "code-1",
    }
    args.update(changes)
    return fingerprint(**args)  # type: ignore[arg-type]


def sample(verdict: Verdict = Verdict.INVALID, path: str | None = "/old/place/a.xml") -> DocumentReport:
    return DocumentReport(
        path=path,
        verdict=verdict,
        document_type="ubl-invoice",
        label="UBL 2.1 Invoice",
        rule_sets=[RuleSetRef(id="peppol-bis-billing-3-ubl", version="3.0.21", layer="schematron")],
        layers=[LayerResult(layer="schematron", name="peppol", status=LayerStatus.FAILED, findings=1)],
        findings=[
            Finding(
                rule_id="BR-CO-10",
                severity=Severity.FATAL,
                layer="schematron",
                message="Sum of Invoice line net amount = Σ line net amounts. ✓ ünïcode",
                location="/Invoice[1]/cac:LegalMonetaryTotal[1]",
                line=158,
                column=3,
                business_terms=["BT-106"],
                authority_codes=[AuthorityCode(authority="PEPPOL", code="BR-CO-10")],
            )
        ],
        notes=["a note"],
    )


@pytest.fixture
def cache(tmp_path: Path) -> ResultCache:
    return ResultCache(tmp_path / "results")


def test_miss_then_hit(cache: ResultCache) -> None:
    key = ResultCache.key(DOC, fingerprint=fp())
    assert cache.get(key) is None
    assert key not in cache
    assert cache.put(key, sample()) is True
    assert key in cache
    hit = cache.get(key, path="new/place/b.xml")
    assert hit is not None
    assert hit.cached is True
    assert hit.path == "new/place/b.xml"  # the current path, not where it was first seen
    expected = sample().model_dump()
    got = hit.model_dump()
    for volatile in ("cached", "path"):
        expected.pop(volatile)
        got.pop(volatile)
    assert got == expected
    assert cache.get(key).path is None  # type: ignore[union-attr]


def test_put_does_not_change_the_report(cache: ResultCache) -> None:
    report = sample()
    key = ResultCache.key(DOC, fingerprint=fp())
    cache.put(key, report)
    assert report.path == "/old/place/a.xml"
    assert report.cached is False


def test_key_is_content_based() -> None:
    f = fp()
    key = ResultCache.key(DOC, fingerprint=f)
    assert key == ResultCache.key(bytes(DOC), fingerprint=f)
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != ResultCache.key(DOC + b" ", fingerprint=f)
    assert key != ResultCache.key(DOC, fingerprint=fp(as_of=date(2026, 11, 25)))
    # no ambiguity between where the fingerprint ends and the document begins
    assert ResultCache.key(b"bc", fingerprint="a") != ResultCache.key(b"c", fingerprint="ab")


@pytest.mark.parametrize(
    "change",
    [
        {"as_of": date(2026, 8, 23)},
        {"options": {"max_bytes": 1 << 20, "svrl": False}},
        {"options": {"max_bytes": 1 << 26, "svrl": True}},
        {"rule_files": [("ubl-2.1/a.xsd", "0" * 64), ("peppol/b.sch", "2" * 64)]},
        {"rule_files": [("ubl-2.1/a.xsd", "0" * 64)]},
        {"tool_version": "0.2.0"},
        {"code": "code-2"},
    ],
)
def test_anything_that_decides_the_result_is_a_miss(cache: ResultCache, change: dict[str, object]) -> None:
    cache.put(ResultCache.key(DOC, fingerprint=fp()), sample())
    assert fp(**change) != fp()
    assert cache.get(ResultCache.key(DOC, fingerprint=fp(**change))) is None
    assert cache.get(ResultCache.key(DOC, fingerprint=fp())) is not None


def test_fingerprint_is_order_independent() -> None:
    files = [("ubl-2.1/a.xsd", "0" * 64), ("peppol/b.sch", "1" * 64)]
    assert fp(rule_files=files) == fp(rule_files=list(reversed(files)))
    assert fp(options={"a": 1, "b": 2}) == fp(options={"b": 2, "a": 1})
    assert fp(options={"when": date(2026, 1, 1)}) == fp(options={"when": "2026-01-01"})  # str() for non-JSON values


def test_default_fingerprint_covers_the_pack_manifest_and_the_code() -> None:
    from peppol_validate.packs import Manifest

    manifest_files = [(f.path, f.sha256) for f in Manifest.load_default().iter_files()]
    default = fingerprint(tool_version=__version__, as_of=AS_OF, options={})
    assert default == fingerprint(tool_version=__version__, as_of=AS_OF, options={}, rule_files=manifest_files)
    assert default == fingerprint(tool_version=__version__, as_of=AS_OF, options={}, code=code_digest())
    changed = [(p, "f" * 64 if i == 0 else s) for i, (p, s) in enumerate(manifest_files)]
    assert default != fingerprint(tool_version=__version__, as_of=AS_OF, options={}, rule_files=changed)
    assert len(code_digest()) == 64


def test_corrupt_entry_is_a_miss_and_deleted(cache: ResultCache) -> None:
    key = ResultCache.key(DOC, fingerprint=fp())
    cache.put(key, sample())
    entry = cache.entry_path(key)
    for garbage in (b"", b"{not json", b'{"verdict": "no-such-verdict"}', b"\xff\xfe\x00", b"[]"):
        entry.write_bytes(garbage)
        assert cache.get(key) is None, garbage
        assert not entry.exists()
        cache.put(key, sample())
    entry.write_bytes(entry.read_bytes()[:40])  # truncated
    assert cache.get(key) is None
    assert not entry.exists()


def test_unreadable_entry_is_a_miss(cache: ResultCache) -> None:
    key = ResultCache.key(DOC, fingerprint=fp())
    entry = cache.entry_path(key)
    entry.mkdir(parents=True)  # a folder where the file should be: reading fails with an OSError
    assert cache.get(key) is None


def test_not_validated_is_never_cached(cache: ResultCache) -> None:
    key = ResultCache.key(DOC, fingerprint=fp())
    assert cache.put(key, sample(Verdict.NOT_VALIDATED)) is False
    assert cache.get(key) is None
    assert cache.entries() == []
    # and a not_validated entry that somehow got there is not served
    cache.entry_path(key).parent.mkdir(parents=True)
    cache.entry_path(key).write_text(sample(Verdict.NOT_VALIDATED).model_dump_json(), encoding="utf-8")
    assert cache.get(key) is None
    assert not cache.entry_path(key).exists()


def test_valid_reports_are_cached_too(cache: ResultCache) -> None:
    key = ResultCache.key(DOC, fingerprint=fp())
    cache.put(key, sample(Verdict.VALID))
    assert cache.get(key).verdict is Verdict.VALID  # type: ignore[union-attr]


def test_keys_are_checked(cache: ResultCache) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63, ""):
        with pytest.raises(ValueError, match="not a cache key"):
            cache.get(bad)


def test_put_into_an_unwritable_place_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = ResultCache(blocker / "results")  # a file in the way: mkdir fails
    key = ResultCache.key(DOC, fingerprint=fp())
    assert cache.put(key, sample()) is False
    assert cache.get(key) is None


def test_concurrent_writers_of_the_same_key(cache: ResultCache) -> None:
    key = ResultCache.key(DOC, fingerprint=fp())
    reports = [sample(), sample(Verdict.VALID)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4, timeout=60)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(100):
                cache.put(key, reports[(n + i) % 2])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            barrier.wait()
            for _ in range(200):
                got = cache.get(key)
                assert got is None or got.verdict in (Verdict.INVALID, Verdict.VALID)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache.get(key) is not None  # readers never saw a torn file, so nothing was discarded at the end
    leftovers = [p for p in cache.entry_path(key).parent.iterdir() if p.suffix != ".json"]
    assert leftovers == []  # no temporary files left behind
    assert cache.entries() == [cache.entry_path(key)]


def test_clear_and_prune(cache: ResultCache) -> None:
    assert cache.clear() == 0
    keys = [ResultCache.key(bytes([i]), fingerprint=fp()) for i in range(5)]
    for i, key in enumerate(keys):
        cache.put(key, sample())
        os.utime(cache.entry_path(key), (1_000_000 + i, 1_000_000 + i))
    assert len(cache.entries()) == 5
    assert cache.prune(2) == 3
    assert [k in cache for k in keys] == [False, False, False, True, True]
    assert cache.clear() == 2
    assert cache.entries() == []
    assert cache.get(keys[4]) is None
    with pytest.raises(ValueError):
        cache.prune(-1)


def test_default_directory_follows_the_cache_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEPPOL_VALIDATE_CACHE", str(tmp_path / "pv"))
    assert default_directory() == tmp_path / "pv" / "results"


def test_real_reports_round_trip(validator, cache: ResultCache) -> None:  # type: ignore[no-untyped-def]
    """A real validation result comes back equal (apart from path and cached) from a different path."""
    for rel in ("ubl/invalid/invoice-totals-mismatch.xml", "ubl/valid/invoice-standard.xml", "cii/valid/invoice.xml"):
        path = CORPUS / rel
        data = path.read_bytes()
        report = validator.validate(data, path=str(path))
        key = ResultCache.key(data, fingerprint=fingerprint(tool_version=__version__, as_of=AS_OF, options={}))
        assert cache.put(key, report)
        hit = cache.get(key, path="elsewhere.xml")
        assert hit is not None and hit.cached and hit.path == "elsewhere.xml"
        assert hit.model_copy(update={"cached": False, "path": report.path}) == report.model_copy(update={"svrl": {}})


def test_not_validated_real_report_is_not_cached(validator, cache: ResultCache) -> None:  # type: ignore[no-untyped-def]
    data = (CORPUS / "unsupported" / "not-xml.xml").read_bytes()
    report = validator.validate(data)
    assert report.verdict is Verdict.NOT_VALIDATED
    key = ResultCache.key(data, fingerprint=fp())
    assert cache.put(key, report) is False
    assert cache.get(key) is None
