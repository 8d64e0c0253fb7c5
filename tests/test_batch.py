"""Batch validation: worker processes give the same reports, in input order, as one process; crashes are reported."""

from __future__ import annotations

import io
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from peppol_validate.batch import CRASH_RULE_ID, ProgressBar, ValidatorSpec, default_jobs, run_batch, run_batch_report
from peppol_validate.model import DocumentReport, Verdict

from .conftest import CORPUS, PACKS

AS_OF = date(2026, 11, 24)
ALL_DOCUMENTS = [str(p) for p in sorted(CORPUS.rglob("*.xml"))]
CRASH_MARKER = "crash-me"

Key = tuple[str | None, str, frozenset[tuple[str, str, str, str | None, int | None, int | None]]]


def key(report: DocumentReport) -> Key:
    """The path, verdict and set of findings (with positions) of a report."""
    return (
        report.path,
        report.verdict.value,
        frozenset((f.rule_id, f.severity.value, f.layer, f.location, f.line, f.column) for f in report.findings),
    )


def crash_on_marker(path: str) -> None:
    """A before_each hook for worker processes: die at once, like a segfault would, on a marked file."""
    if CRASH_MARKER in Path(path).name:
        os._exit(70)


@pytest.fixture(scope="module")
def spec() -> ValidatorSpec:
    """Validators over the mirror, rule sets as of 2026-11-24."""
    return ValidatorSpec(packs=str(PACKS), as_of=AS_OF)


@pytest.fixture(scope="module")
def in_process(spec: ValidatorSpec) -> list[DocumentReport]:
    """The whole corpus validated in this process (jobs=1)."""
    reports = run_batch(ALL_DOCUMENTS, spec, jobs=1)
    assert {r.verdict for r in reports} == set(Verdict)
    return reports


def test_in_process_reports_follow_input_order(in_process: list[DocumentReport]) -> None:
    assert [r.path for r in in_process] == ALL_DOCUMENTS


def test_workers_agree_with_in_process_in_input_order(spec: ValidatorSpec, in_process: list[DocumentReport]) -> None:
    calls: list[tuple[int, int]] = []
    paths = list(reversed(ALL_DOCUMENTS))  # an order that is not the sorted one
    reports = run_batch(paths, spec, jobs=2, progress=lambda done, total: calls.append((done, total)), quiet=True)
    assert [r.path for r in reports] == paths
    assert [key(r) for r in reports] == [key(r) for r in reversed(in_process)]
    total = len(paths)
    assert calls == [(n, total) for n in range(1, total + 1)]


def test_chunks_give_the_same_reports(spec: ValidatorSpec, in_process: list[DocumentReport]) -> None:
    reports = run_batch(ALL_DOCUMENTS, spec, jobs=2, chunksize=3, quiet=True)
    assert [key(r) for r in reports] == [key(r) for r in in_process]


def test_progress_in_process(spec: ValidatorSpec) -> None:
    calls: list[tuple[int, int]] = []
    run_batch(ALL_DOCUMENTS[:3], spec, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_batch_report(spec: ValidatorSpec, in_process: list[DocumentReport]) -> None:
    report = run_batch_report(ALL_DOCUMENTS, spec)
    assert report.as_of == AS_OF.isoformat()
    assert [key(r) for r in report.documents] == [key(r) for r in in_process]


def test_worker_crash_is_reported_and_the_rest_validated(
    spec: ValidatorSpec, in_process: list[DocumentReport], tmp_path: Path
) -> None:
    crashers = []
    for name in ("ubl/valid/invoice-standard.xml", "cii/valid/invoice.xml"):
        target = tmp_path / f"{CRASH_MARKER}-{Path(name).name}"
        shutil.copyfile(CORPUS / name, target)
        crashers.append(str(target))
    # The crashers sit among the others, so that other documents are in flight when a worker dies.
    paths = [*ALL_DOCUMENTS[:7], crashers[0], *ALL_DOCUMENTS[7:14], crashers[1], *ALL_DOCUMENTS[14:]]
    calls: list[tuple[int, int]] = []
    reports = run_batch(
        paths,
        spec,
        jobs=2,
        chunksize=2,
        before_each=crash_on_marker,
        quiet=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert [r.path for r in reports] == paths
    expected = {r.path: key(r) for r in in_process}
    for path, report in zip(paths, reports, strict=True):
        if path in crashers:
            assert report.verdict is Verdict.NOT_VALIDATED
            assert [(f.rule_id, f.severity.value, f.layer) for f in report.findings] == [
                (CRASH_RULE_ID, "fatal", "batch")
            ]
        else:
            assert key(report) == expected[path], path
    assert calls[-1] == (len(paths), len(paths))
    assert len(calls) == len(paths)


def test_default_jobs() -> None:
    assert default_jobs() == (os.cpu_count() or 1)
    assert default_jobs() >= 1


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with ProgressBar(500, stream=stream) as bar:
        assert not bar.active
        for done in range(1, 501):
            bar.update(done, 500)
    assert stream.getvalue() == ""


def test_progress_bar_silent_for_few_files() -> None:
    stream = _FakeTerminal()
    with ProgressBar(5, stream=stream, threshold=20) as bar:
        assert not bar.active
        for done in range(1, 6):
            bar.update(done, 5)
    assert stream.getvalue() == ""


def test_progress_bar_draws_on_a_terminal() -> None:
    stream = _FakeTerminal()
    with ProgressBar(50, stream=stream) as bar:
        assert bar.active
        for done in range(1, 51):
            bar.update(done, 50)
    assert stream.getvalue() != ""
