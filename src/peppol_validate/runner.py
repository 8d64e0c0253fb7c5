"""A command-line run over many files: result cache, worker processes, policy — the CLI's engine room.

The order is fixed: cached reports are taken as they are; the rest are validated (in worker processes when
``jobs > 1``) and cached; then the policy turns every technical verdict into an accept/reject decision.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from . import __version__
from .batch import ValidatorSpec, run_batch
from .cache import ResultCache, fingerprint
from .model import DocumentReport, Report
from .policy import Policy


@dataclass(frozen=True)
class RunOptions:
    """How a run goes: workers, cache, policy and the threshold that rejects."""

    jobs: int = 1
    cache: ResultCache | None = None
    policy: Policy = field(default_factory=Policy.empty)
    fail_on: str = "error"
    quiet: bool = True


def _fingerprint(spec: ValidatorSpec) -> str:
    options = asdict(spec)
    options.pop("as_of", None)
    options["optional_rule_sets"] = sorted(spec.optional_rule_sets)
    if spec.ledger_path:
        options["ledger"] = True  # the ledger makes results depend on history: see _cacheable
    assert spec.as_of is not None
    return fingerprint(tool_version=__version__, as_of=spec.as_of, options=options)


def _cacheable(spec: ValidatorSpec) -> bool:
    # SVRL is not stored, and with a duplicate ledger the same bytes may be a duplicate the second time.
    return not spec.svrl and not spec.ledger_path


def run_files(
    paths: Sequence[str],
    spec: ValidatorSpec,
    options: RunOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Validate files with cache, workers and policy; the report keeps the order of ``paths``."""
    started = time.perf_counter()
    spec = spec.resolved()
    reports: list[DocumentReport | None] = [None] * len(paths)
    keys: dict[int, str] = {}
    cache = options.cache if _cacheable(spec) else None
    if cache is not None:
        fp = _fingerprint(spec)
        for index, path in enumerate(paths):
            try:
                if os.path.getsize(path) > spec.limits.max_bytes:
                    continue  # let the loader report it
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            keys[index] = ResultCache.key(data, fingerprint=fp)
            reports[index] = cache.get(keys[index], path=path)
    todo = [i for i, r in enumerate(reports) if r is None]
    done_before = len(paths) - len(todo)
    if progress is not None and done_before:
        progress(done_before, len(paths))

    def step(done: int, total: int) -> None:
        if progress is not None:
            progress(done_before + done, len(paths))

    fresh = run_batch([paths[i] for i in todo], spec, jobs=options.jobs, progress=step, quiet=options.quiet)
    for index, report in zip(todo, fresh, strict=True):
        reports[index] = report
        if cache is not None and index in keys:
            cache.put(keys[index], report)
    decided = [options.policy.apply(r, fail_on=options.fail_on) for r in reports if r is not None]
    return Report(
        version=__version__,
        as_of=spec.as_of.isoformat() if spec.as_of else None,
        documents=decided,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
