"""Concurrency and resource use: one Validator shared by threads, Validators per thread, worker processes, leaks.

Every concurrent result is compared with the sequential result of the same document: the same verdict and the
same set of (rule_id, severity, layer, location, line, column). Nothing here asserts a duration.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from peppol_validate import make_validator
from peppol_validate.model import DocumentReport, Verdict
from peppol_validate.packs import PackStore
from peppol_validate.validator import Validator

from .conftest import CORPUS, PACKS, REPO

AS_OF = date(2026, 11, 24)  # the session validator's date (3.0.21 in force)
ALL_DOCUMENTS = sorted(CORPUS.rglob("*.xml"))
# One of each kind of outcome: valid UBL invoice and credit note, Schematron-invalid UBL, XSD-invalid UBL,
# warnings only, CII valid and invalid, FatturaPA valid and XSD-invalid, not XML, not an invoice.
MIX = [
    CORPUS / name
    for name in (
        "ubl/valid/invoice-standard.xml",
        "ubl/valid/creditnote.xml",
        "ubl/invalid/invoice-totals-mismatch.xml",
        "ubl/invalid/invoice-invalid-currency.xml",
        "ubl/invalid/invoice-xsd-element-order.xml",
        "ubl/invalid/invoice-warning-only.xml",
        "cii/valid/invoice.xml",
        "cii/invalid/invoice-calculation-error.xml",
        "fatturapa/valid/fpa12-pa-invoice.xml",
        "fatturapa/invalid/fpr12-bad-date.xml",
        "unsupported/not-xml.xml",
        "unsupported/ubl-order.xml",
    )
]
THREADS = 4
ROUNDS = 50

Key = tuple[str, frozenset[tuple[str, str, str, str | None, int | None, int | None]]]


def key(report: DocumentReport) -> Key:
    """What must not depend on concurrency: the verdict and the set of findings with their positions."""
    return (
        report.verdict.value,
        frozenset((f.rule_id, f.severity.value, f.layer, f.location, f.line, f.column) for f in report.findings),
    )


@pytest.fixture(scope="module")
def sequential(validator: Validator) -> dict[Path, Key]:
    """Every corpus document validated once, sequentially, by the session validator."""
    results = {path: key(validator.validate(path)) for path in ALL_DOCUMENTS}
    # The expectations are not trivial: all three verdicts occur, and invalid documents have findings.
    assert {verdict for verdict, _ in results.values()} == {v.value for v in Verdict}
    return results


def _in_threads(worker: Callable[[int], list[tuple[Path, Key]]]) -> list[tuple[Path, Key]]:
    """Run ``worker(i)`` in THREADS threads at once; re-raise the first exception any of them raised.

    Plain threads, all started before any waits: a thread pool may start fewer threads than tasks, which would
    leave the workers' start barrier short of parties.
    """
    results: list[list[tuple[Path, Key]]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = worker(i)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a worker thread did not finish"
    if errors:
        raise errors[0]
    return [item for items in results for item in items]


def _rotated(i: int) -> list[Path]:
    """The mix in a different order for each thread, so that different documents overlap."""
    shift = (i * len(MIX)) // THREADS
    return MIX[shift:] + MIX[:shift]


def test_one_validator_shared_by_threads(validator: Validator, sequential: dict[Path, Key]) -> None:
    start = threading.Barrier(THREADS)

    def worker(i: int) -> list[tuple[Path, Key]]:
        start.wait(timeout=60)
        out = []
        for n in range(ROUNDS):
            for path in _rotated(i):
                # Half of the calls pass bytes, half a path: both go through the same loader.
                source = path.read_bytes() if (n + i) % 2 else path
                out.append((path, key(validator.validate(source, path=str(path)))))
        return out

    results = _in_threads(worker)
    assert len(results) == THREADS * ROUNDS * len(MIX)
    mismatches = [(path.relative_to(CORPUS), got) for path, got in results if got != sequential[path]]
    assert not mismatches, mismatches[:3]


def test_separate_validators_in_separate_threads(sequential: dict[Path, Key], store: PackStore) -> None:
    start = threading.Barrier(THREADS)

    def worker(i: int) -> list[tuple[Path, Key]]:
        own = Validator(packs=store, as_of=AS_OF)
        start.wait(timeout=60)
        return [(path, key(own.validate(path))) for _ in range(ROUNDS // 5) for path in _rotated(i)]

    results = _in_threads(worker)
    mismatches = [(path.relative_to(CORPUS), got) for path, got in results if got != sequential[path]]
    assert not mismatches, mismatches[:3]


COLD_START = """
import sys, threading
from datetime import date
from pathlib import Path
from peppol_validate import make_validator

paths = [Path(p) for p in sys.argv[1:]]
validator = make_validator(packs={packs!r}, as_of=date(2026, 11, 24))
start = threading.Barrier({threads})

runs = [[] for _ in range({threads})]

def work(i):
    start.wait(timeout=60)
    runs[i] = [(str(p), validator.validate(p).verdict.value) for p in paths[i:] + paths[:i]]

threads = [threading.Thread(target=work, args=(i,)) for i in range({threads})]
for t in threads:
    t.start()
for t in threads:
    t.join(timeout=600)
for run in runs:
    for name, verdict in sorted(run):
        print(name, verdict)
"""


def test_threads_racing_to_compile_in_a_fresh_process(sequential: dict[Path, Key]) -> None:
    """Nothing compiled yet: the threads' first calls race to compile the same schemas and rule sets."""
    script = textwrap.dedent(COLD_START.format(packs=str(PACKS), threads=THREADS))
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, MIX)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) == THREADS * len(MIX)
    for line in lines:
        name, verdict = line.rsplit(" ", 1)
        assert verdict == sequential[Path(name)][0], line


def _rss_bytes() -> int:
    """The resident set size now (Linux), else the peak so far (other POSIX systems)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def test_no_memory_growth_over_many_validations(validator: Validator) -> None:
    """A leak check: after a warm-up, 2,000 more validations of a small invoice keep the RSS within 50 MB."""
    data = (CORPUS / "ubl/valid/invoice-reverse-charge.xml").read_bytes()
    for _ in range(200):
        assert validator.validate(data).verdict is Verdict.VALID
    gc.collect()
    before = _rss_bytes()
    for _ in range(2000):
        report = validator.validate(data)
    assert report.verdict is Verdict.VALID
    del report
    gc.collect()
    growth = _rss_bytes() - before
    assert growth < 50 * 1024 * 1024, f"RSS grew by {growth / 2**20:.1f} MB over 2,000 validations"


# Worker processes: each builds its own Validator once (pool initializer) and compiles in its own process.
_worker_validator: Validator | None = None


def _init_worker(packs: str, as_of: date) -> None:
    global _worker_validator
    _worker_validator = make_validator(packs=packs, as_of=as_of)


def _validate_in_worker(path: str) -> tuple[str, Key, int]:
    assert _worker_validator is not None
    return path, key(_worker_validator.validate(Path(path))), os.getpid()


@pytest.mark.parametrize(
    "method", [m for m in ("spawn", "fork", "forkserver") if m in multiprocessing.get_all_start_methods()]
)
def test_worker_processes_agree_with_in_process(method: str, sequential: dict[Path, Key]) -> None:
    context = multiprocessing.get_context(method)
    with context.Pool(2, initializer=_init_worker, initargs=(str(PACKS), AS_OF)) as pool:
        pending = pool.map_async(_validate_in_worker, [str(p) for p in ALL_DOCUMENTS], chunksize=1)
        results = pending.get(timeout=600)
    assert [Path(path) for path, _, _ in results] == ALL_DOCUMENTS
    assert all(pid != os.getpid() for _, _, pid in results)
    mismatches = [(path, got) for path, got, _ in results if got != sequential[Path(path)]]
    assert not mismatches, mismatches[:3]
