"""Validating many files at once: in this process, or in worker processes that each compile the rules once.

:func:`run_batch` returns one :class:`~peppol_validate.model.DocumentReport` per path, in the order of the
paths, whatever the number of workers. With ``jobs > 1`` it uses a :class:`ProcessPoolExecutor` whose
initializer builds one :class:`~peppol_validate.validator.Validator` per worker process from a picklable
:class:`ValidatorSpec` and warms it up (compiles the common schemas and rule sets) before the first document.

Worker processes are started with ``forkserver`` (else ``spawn``), never ``fork``: SaxonC runs native threads,
and forking a process in which Saxon was already initialised can deadlock the child. Both methods start the
workers from a fresh interpreter, so it does not matter what the parent has already done.

A worker that dies (segfault, ``os._exit``, the OOM killer) breaks the pool. No document is lost: every
document is either validated or reported ``not_validated`` with a fatal ``WORKER-CRASH`` finding. Documents
that were in flight beside the one that killed the worker are validated again, one at a time, to find out
which one it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .loading import Limits
from .model import DocumentReport, Finding, Report, RuleSetRef, Severity, Verdict

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future, ProcessPoolExecutor

    from rich.progress import Progress, TaskID

    from .validator import Validator

__all__ = [
    "CRASH_RULE_ID",
    "WARM_UP_SAMPLES",
    "ProgressBar",
    "ValidatorSpec",
    "crash_report",
    "default_jobs",
    "run_batch",
    "run_batch_report",
    "warm_up",
]

#: The rule id of the finding given to a document whose worker process died while validating it.
CRASH_RULE_ID = "WORKER-CRASH"

_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_PEPPOL_BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

#: Tiny documents (written for this purpose, not official samples) whose validation compiles the schemas and
#: rule sets of the common scenarios: Peppol BIS UBL invoice and credit note, EN 16931 UBL, Peppol BIS CII,
#: EN 16931 CII and FatturaPA. They are invalid; only the compilation matters.
WARM_UP_SAMPLES: tuple[bytes, ...] = (
    (
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="' + _CBC + '">'
        "<cbc:CustomizationID>" + _PEPPOL_BILLING + "</cbc:CustomizationID></Invoice>"
    ).encode(),
    (
        '<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" xmlns:cbc="' + _CBC + '">'
        "<cbc:CustomizationID>" + _PEPPOL_BILLING + "</cbc:CustomizationID></CreditNote>"
    ).encode(),
    (
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="' + _CBC + '">'
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID></Invoice>"
    ).encode(),
    (
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
        'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>"
        + _PEPPOL_BILLING
        + "</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>"
        "</rsm:CrossIndustryInvoice>"
    ).encode(),
    (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
        b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
        b"<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
        b"</rsm:ExchangedDocumentContext></rsm:CrossIndustryInvoice>"
    ),
    b'<p:FatturaElettronica xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" versione="FPR12"/>',
)

# How many times a batch may start a new pool after a crash before giving up on the documents left.
_MAX_POOL_STARTS = 64


def default_jobs() -> int:
    """The default number of worker processes: the number of CPUs (at least 1)."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class ValidatorSpec:
    """Everything needed to build an equivalent Validator in another process (picklable)."""

    packs: str | None = None
    cache_dir: str | None = None
    allow_download: bool = False
    as_of: date | None = None
    limits: Limits = field(default_factory=Limits)
    svrl: bool = False
    optional_rule_sets: frozenset[str] = frozenset()
    ledger_path: str | None = None

    def build(self) -> Validator:
        """A new Validator over the packs store this spec describes."""
        from .config import pack_store
        from .packs import PackStore
        from .validator import Validator

        store = pack_store(self.packs, allow_download=self.allow_download)
        if self.cache_dir is not None:
            store = PackStore(
                mirror=store.mirror, cache_dir=Path(self.cache_dir).expanduser(), allow_download=self.allow_download
            )
        return Validator(
            packs=store,
            as_of=self.as_of,
            limits=self.limits,
            svrl=self.svrl,
            optional_rule_sets=self.optional_rule_sets,
            ledger_path=Path(self.ledger_path).expanduser() if self.ledger_path else None,
        )

    def resolved(self) -> ValidatorSpec:
        """This spec with the date fixed (today if unset) and the mirror taken from the environment if unset.

        Worker processes build their validators from the resolved spec, so they all agree even when a batch
        runs over midnight.
        """
        from .config import pack_store

        packs = self.packs
        if packs is None:
            mirror = pack_store(None).mirror
            packs = str(mirror) if mirror is not None else None
        return dataclasses.replace(self, packs=packs, as_of=self.as_of or date.today())


def warm_up(validator: Validator) -> list[RuleSetRef]:
    """Compile the schemas and rule sets of the common scenarios now; return those that compiled."""
    compiled: dict[tuple[str, str, str], RuleSetRef] = {}
    for sample in WARM_UP_SAMPLES:
        report = validator.validate(sample)
        for layer in report.layers:
            if layer.layer in ("xsd", "schematron") and layer.status.value != "error":
                ref = RuleSetRef(id=layer.name, version=layer.version or "", layer=layer.layer)
                compiled.setdefault((ref.layer, ref.id, ref.version), ref)
    return list(compiled.values())


def crash_report(path: str, detail: str | None = None) -> DocumentReport:
    """The not_validated report of a document whose worker process died while validating it."""
    message = "The worker process validating this document died before it finished"
    message += f" ({detail})." if detail else "."
    return DocumentReport(
        path=path,
        verdict=Verdict.NOT_VALIDATED,
        document_type="unknown",
        findings=[
            Finding(
                rule_id=CRASH_RULE_ID,
                severity=Severity.FATAL,
                layer="batch",
                message=message,
                fix="Validate this document on its own (jobs=1) to see what happens; report it if it crashes again.",
            )
        ],
    )


# --- worker process side ------------------------------------------------------------------------------------

_worker_validator: Validator | None = None
_worker_started: Any = None  # a shared byte array: 1 once a worker has started on the document at that index
_worker_hook: Callable[[str], None] | None = None


def _init_worker(spec: ValidatorSpec, started: Any, hook: Callable[[str], None] | None, quiet: bool) -> None:
    """Pool initializer: build this worker's one Validator and compile the common rule sets."""
    global _worker_validator, _worker_started, _worker_hook
    if quiet:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    _worker_started = started
    _worker_hook = hook
    _worker_validator = spec.build()
    warm_up(_worker_validator)


def _validate_chunk(chunk: list[tuple[int, str]]) -> list[tuple[int, DocumentReport]]:
    """Validate a chunk of (index, path) in a worker, marking each document as started first."""
    assert _worker_validator is not None, "worker not initialised"
    out: list[tuple[int, DocumentReport]] = []
    for index, path in chunk:
        _worker_started[index] = 1
        if _worker_hook is not None:
            _worker_hook(path)
        out.append((index, _worker_validator.validate(path)))
    return out


# --- parent side --------------------------------------------------------------------------------------------


def _context(start_method: str | None) -> multiprocessing.context.BaseContext:
    import multiprocessing  # here, not at module level: a one-file run in this process never needs it

    if start_method is None:
        start_method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(start_method)


def _chunks(items: list[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Batch:
    """The parent's bookkeeping of one run_batch call."""

    paths: list[str]
    spec: ValidatorSpec
    context: multiprocessing.context.BaseContext
    progress: Callable[[int, int], None] | None
    hook: Callable[[str], None] | None
    quiet: bool
    started: Any = None
    results: dict[int, DocumentReport] = field(default_factory=dict)
    pool_starts: int = 0

    def record(self, index: int, report: DocumentReport) -> None:
        if index in self.results:
            return
        self.results[index] = report
        if self.progress is not None:
            self.progress(len(self.results), len(self.paths))

    def pool(self, workers: int) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        self.pool_starts += 1
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self.context,
            initializer=_init_worker,
            initargs=(self.spec, self.started, self.hook, self.quiet),
        )

    def run(self, indices: list[int], workers: int, chunksize: int) -> tuple[list[int], list[int], bool]:
        """Run documents in one pool; return (started but unfinished, never started, pool broke)."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        for i in indices:
            self.started[i] = 0
        executor = self.pool(workers)
        broke = False
        try:
            futures: dict[Future[list[tuple[int, DocumentReport]]], list[int]] = {}
            for chunk in _chunks([(i, self.paths[i]) for i in indices], chunksize):
                futures[executor.submit(_validate_chunk, chunk)] = [i for i, _ in chunk]
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        chunk_results = future.result()
                    except BrokenProcessPool:
                        broke = True
                        continue
                    for index, report in chunk_results:
                        self.record(index, report)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        left = [i for i in indices if i not in self.results]
        return [i for i in left if self.started[i]], [i for i in left if not self.started[i]], broke

    def execute(self, jobs: int, chunksize: int) -> None:
        todo = list(range(len(self.paths)))
        suspects: list[int] = []
        while todo:
            in_flight, not_started, broke = self.run(todo, min(jobs, len(todo)), chunksize)
            if not broke:
                break
            if len(in_flight) == 1:
                # The only document a worker had started when the pool broke: that is the one.
                self.record(in_flight[0], crash_report(self.paths[in_flight[0]]))
            else:
                suspects.extend(in_flight)
            if (not in_flight and len(not_started) == len(todo)) or self.pool_starts >= _MAX_POOL_STARTS:
                for i in not_started:  # the workers die before they start on anything
                    self.record(i, crash_report(self.paths[i], "the worker could not start"))
                break
            todo = not_started
        for index in sorted(suspects):
            # Alone in a one-worker pool: if the worker dies now, this document killed it.
            in_flight, not_started, broke = self.run([index], 1, 1)
            if broke or index not in self.results:
                detail = None if in_flight else "the worker could not start"
                self.record(index, crash_report(self.paths[index], detail))


def run_batch(
    paths: Sequence[str],
    spec: ValidatorSpec,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    chunksize: int | None = None,
    quiet: bool = False,
    start_method: str | None = None,
    before_each: Callable[[str], None] | None = None,
) -> list[DocumentReport]:
    """Validate files with ``jobs`` worker processes (in this process when jobs <= 1); reports in input order.

    ``progress(done, total)`` is called in this process once per document as its report arrives. ``quiet``
    sends the workers' native stderr (SaxonC traces) to /dev/null. ``start_method`` overrides forkserver/spawn.
    ``before_each(path)`` is a picklable module-level function called in the worker before each document (a
    test seam, e.g. to simulate a crash).
    """
    items = [os.fspath(p) for p in paths]
    total = len(items)
    spec = spec.resolved()
    if jobs <= 1 or total <= 1:
        validator = spec.build()
        reports: list[DocumentReport] = []
        for path in items:
            if before_each is not None:
                before_each(path)
            reports.append(validator.validate(path))
            if progress is not None:
                progress(len(reports), total)
        return reports
    if chunksize is None:
        chunksize = max(1, min(32, total // (jobs * 8)))
    context = _context(start_method)
    batch = _Batch(items, spec, context, progress, before_each, quiet, started=context.RawArray("b", total))
    batch.execute(jobs, max(1, chunksize))
    return [batch.results[i] for i in range(total)]


def run_batch_report(
    paths: Sequence[str],
    spec: ValidatorSpec,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    quiet: bool = False,
) -> Report:
    """Like :func:`run_batch`, gathered into a Report (what Validator.validate_many returns)."""
    started = time.perf_counter()
    resolved = spec.resolved()
    documents = run_batch(paths, resolved, jobs=jobs, progress=progress, quiet=quiet)
    assert resolved.as_of is not None
    return Report(
        version=__version__,
        as_of=resolved.as_of.isoformat(),
        documents=documents,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


class ProgressBar:
    """A rich progress bar on stderr for run_batch's ``progress`` callback; silent unless useful.

    It shows nothing when the stream is not a terminal or when there are fewer than ``threshold`` files::

        with ProgressBar(len(files)) as bar:
            reports = run_batch(files, spec, jobs=4, progress=bar.update)
    """

    def __init__(
        self, total: int, *, stream: TextIO | None = None, threshold: int = 20, description: str = "Validating"
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.threshold = threshold
        self.description = description
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @property
    def active(self) -> bool:
        """True when the bar is actually drawn (a terminal, and enough files)."""
        if self.total < self.threshold:
            return False
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except (OSError, ValueError):
            return False

    def __enter__(self) -> ProgressBar:
        if self.active:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(file=self.stream)
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.description, total=self.total)
        return self

    def update(self, done: int, total: int) -> None:
        """The progress callback: ``done`` of ``total`` documents finished."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, total=total)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            with contextlib.suppress(Exception):
                self._progress.stop()
            self._progress = None
            self._task = None
