"""Benchmarks: peppol-validate beside a baseline measured in the same run. Figures are printed, never asserted.

Run:  PEPPOL_VALIDATE_PACKS=../shared/packs .venv/bin/python benchmarks/bench.py [--quick] [--large] [--per-rule]
      [--only SECTION...] [--size-timeout S] [--out DIR]

Sections (medians and p90 over rounds):
- warm: per-document time for XSD + CEN + Peppol on every complete UBL document in the packs and on the
  corpus' 10 KB invoice, for peppol-validate and for the baseline;
- cold: one 10 KB invoice end to end in a fresh interpreter (``python -m peppol_validate --no-cache FILE``);
- lines: generated valid invoices of 100 / 1,000 / 10,000 (100,000 with --large) lines, in a fresh process per
  tool and size: median time, t(N)/t(100) (target: t(10,000) <= 120 x t(100)), time per stage and peak RSS
  (ru_maxrss after the first validation of the document; target <= 500 MB at 10,000 lines);
- invalid lines (not with --quick): the same for 100 and 1,000 lines with one failed assert (BR-CL-23) per line,
  i.e. the cost of reporting many findings;
- batch: throughput over every complete UBL document in the packs with 1..cpu_count worker processes, each
  compiling once, and the peak RSS of each worker;
- memory: current RSS during 10,000 validations of the 10 KB invoice in one process (growth after warm-up);
- per-rule (only with --per-rule): each Schematron rule of the rule sets applied to the generated invoices,
  timed alone on 1,000 and 10,000 lines, to name rules whose cost grows faster than the number of lines.

The baseline is what other Python tools do: saxonche running the official compiled XSLTs from the packs
(CEN + Peppol 3.0.21), the SVRL parsed with lxml, plus the same lxml XSD check.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
PACKS = Path(os.environ.get("PEPPOL_VALIDATE_PACKS") or REPO.parent / "shared" / "packs").resolve()
TEN_KB = REPO / "corpus/ubl/valid/invoice-10kb.xml"
RELEASE = "peppol-bis-billing-3/release-3.0.21-2026-05/xslt/"
AS_OF = date(2026, 11, 24)  # CEN 1.3.16 (Peppol copy) + Peppol BIS 3.0.21, like the baseline's XSLTs
SVRL_FAILED = "{http://purl.oclc.org/dsdl/svrl}failed-assert"


def ubl_documents() -> list[Path]:
    """Every complete UBL document in the packs (Peppol and CEN examples, snippets, XRechnung UBL)."""
    docs = [
        *PACKS.glob("peppol-bis-billing-3/rules/examples/*.xml"),
        *PACKS.glob("peppol-bis-billing-3/rules/snippets/*.xml"),
        *PACKS.glob("peppol-bis-billing-3/release-3.0.21-2026-05/examples/*.xml"),
        *PACKS.glob("en16931-cen/ubl/examples/*.[xX][mM][lL]"),
        *PACKS.glob("xrechnung-testsuite/src/test/**/*ubl*.xml"),
    ]
    return sorted(docs)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def peak_rss_mb() -> float:
    """This process' peak resident set size so far (ru_maxrss, KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process' current resident set size, in MiB (from /proc/self/statm)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------------------------------------------------
# The two tools


class Tool(Protocol):
    """Something that validates a document file (compiled once, called many times)."""

    def validate(self, path: Path) -> int: ...

    def stages(self, path: Path) -> tuple[float, dict[str, float], int]: ...


class Baseline:
    """The common way: lxml XSD check, then saxonche running the official compiled XSLTs, SVRL parsed by lxml."""

    def __init__(self) -> None:
        from peppol_validate.schematron.runtime import processor

        proc = processor()
        xslt = proc.new_xslt30_processor()
        self.proc = proc
        self.sheets = [
            xslt.compile_stylesheet(stylesheet_file=str(PACKS / RELEASE / name))
            for name in ("CEN-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL.xslt")
        ]
        self.schemas = {
            "Invoice": etree.XMLSchema(etree.parse(str(PACKS / "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd"))),
            "CreditNote": etree.XMLSchema(etree.parse(str(PACKS / "ubl-2.1/xsd/maindoc/UBL-CreditNote-2.1.xsd"))),
        }

    def validate(self, path: Path) -> int:
        """Validate one document; return the number of failed asserts."""
        return self.stages(path)[2]

    def stages(self, path: Path) -> tuple[float, dict[str, float], int]:
        """Validate one document; return total ms, ms per stage and the number of failed asserts."""
        times: dict[str, float] = {}
        started = time.perf_counter()
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        self.schemas[etree.QName(tree.getroot()).localname].validate(tree)
        mark = time.perf_counter()
        times["parse+xsd"] = (mark - started) * 1000
        fired = 0
        for name, sheet in zip(("cen", "peppol"), self.sheets, strict=True):
            doc = self.proc.parse_xml(xml_file_name=str(path))
            svrl = etree.fromstring(sheet.transform_to_string(xdm_node=doc).encode())
            fired += len(svrl.findall(SVRL_FAILED))
            now = time.perf_counter()
            times[name] = (now - mark) * 1000
            mark = now
        return (mark - started) * 1000, times, fired


_SHORT = {"cen-en16931-ubl": "cen", "peppol-bis-billing-3-ubl": "peppol"}


class Ours:
    """peppol-validate: one Validator per process (each schema and rule set compiled once).

    By default the same work as the baseline (XSD + CEN + Peppol), without the country layers; the warm section
    also reports the full validator.
    """

    def __init__(self, *, large: bool = False, countries: bool = False) -> None:
        from peppol_validate.config import pack_store
        from peppol_validate.loading import Limits
        from peppol_validate.validator import Validator

        # Generated invoices of 100,000 lines exceed the default loader limits (64 MB, 2 M elements).
        limits = Limits(max_bytes=1 << 30, max_elements=50_000_000) if large else None
        self.validator = Validator(
            packs=pack_store(PACKS), as_of=AS_OF, limits=limits, extra_layers=None if countries else []
        )

    def validate(self, path: Path) -> int:
        """Validate one document; return the number of findings."""
        return len(self.validator.validate(path).findings)

    def stages(self, path: Path) -> tuple[float, dict[str, float], int]:
        """Validate one document; return total ms, ms per layer (+ load and the rest) and the number of findings."""
        started = time.perf_counter()
        report = self.validator.validate(path)
        total = (time.perf_counter() - started) * 1000
        times = {("xsd" if lr.layer == "xsd" else _SHORT.get(lr.name, lr.name)): lr.duration_ms for lr in report.layers}
        times = {"load+rest": total - sum(times.values()), **times}
        return total, times, len(report.findings)


def make_tool(name: str, *, large: bool = False) -> Tool:
    """The tool called `name` ("ours" or "baseline"), compiled."""
    return Ours(large=large) if name == "ours" else Baseline()


# ---------------------------------------------------------------------------------------------------------
# Warm and cold (unchanged figures)


def time_per_document(fn: Callable[[Path], object], docs: list[Path], rounds: int) -> list[float]:
    """Milliseconds per document, over every document and round (after one warm-up pass)."""
    for doc in docs:
        fn(doc)
    samples: list[float] = []
    for _ in range(rounds):
        for doc in docs:
            started = time.perf_counter()
            fn(doc)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _bytecode_env(**extra: str) -> dict[str, str]:
    """The environment of a cold run: Python's bytecode cache on (in a private folder), as after a pip install.

    pip compiles a wheel's modules when it installs them; an editable checkout run with PYTHONDONTWRITEBYTECODE
    would compile every module of the project again in every run (about 40 ms here), which no installed user sees.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "peppol-validate-bench-pycache")
    env.update(extra)
    return env


def cold_runs(rounds: int) -> list[float]:
    """Wall time of a fresh `python -m peppol_validate --no-cache` on the 10 KB invoice, interpreter start included.

    --no-cache: the CLI's result cache would otherwise answer every run after the first without validating.
    One unmeasured run first fills the bytecode cache (see _bytecode_env).
    """
    env = _bytecode_env(PEPPOL_VALIDATE_PACKS=str(PACKS))
    times = []
    for round_no in range(rounds + 1):
        started = time.perf_counter()
        command = [sys.executable, "-m", "peppol_validate", "--no-cache", str(TEN_KB)]
        subprocess.run(command, env=env, capture_output=True, check=False)
        if round_no:
            times.append(time.perf_counter() - started)
    return times


def cold_baseline(rounds: int) -> list[float]:
    """The baseline's cold start: a fresh interpreter compiling the official XSLTs and validating once."""
    here = str(REPO / "benchmarks")
    code = f"import sys; sys.path.insert(0, {here!r}); import bench; bench.Baseline().validate(bench.TEN_KB)"
    env = _bytecode_env()
    times = []
    for round_no in range(rounds + 1):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)
        if round_no:
            times.append(time.perf_counter() - started)
    return times


def line(label: str, ours: list[float], base: list[float], unit: str) -> str:
    """One printed row: medians and p90 of both, and the ratio baseline/ours."""
    mo, mb = statistics.median(ours), statistics.median(base)
    return (
        f"{label:<34} ours median {mo:8.2f}{unit} p90 {percentile(ours, 0.9):8.2f}{unit} | "
        f"baseline median {mb:8.2f}{unit} p90 {percentile(base, 0.9):8.2f}{unit} | speed-up x{mb / mo:5.2f}"
    )


# ---------------------------------------------------------------------------------------------------------
# Fresh child processes (one per measured figure, so peak RSS is isolated)


def in_fresh_process(params: dict[str, Any], timeout: float) -> dict[str, Any] | str:
    """Run child_main(params) in a fresh interpreter; its JSON answer, or a string saying why there is none."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(params)]
    env = dict(os.environ, PEPPOL_VALIDATE_PACKS=str(PACKS))
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s"
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"failed (exit {proc.returncode}): {tail[:200]}"
    answer: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return answer


def child_main(params: dict[str, Any]) -> dict[str, Any]:
    """What a fresh child process measures (see child_lines and child_memory)."""
    if params["kind"] == "lines":
        return child_lines(params["tool"], Path(params["doc"]), params["budget"], params["max_rounds"])
    if params["kind"] == "memory":
        return child_memory(params["tool"], params["count"])
    if params["kind"] == "warm":
        return child_warm(params["rounds"])
    raise ValueError(f"unknown child kind {params['kind']!r}")


def child_warm(rounds: int) -> dict[str, Any]:
    """The warm figures: both tools in this process, per document, after a warm-up pass."""
    validator = Ours().validator  # XSD + CEN + Peppol: the baseline's work
    full = Ours(countries=True).validator  # plus the country layers (IT/FR/BE/API)
    baseline = Baseline()
    docs = ubl_documents()
    ours_all = time_per_document(validator.validate, docs, rounds)
    base_all = time_per_document(baseline.validate, docs, rounds)
    ours_10k = time_per_document(validator.validate, [TEN_KB], rounds * 40)
    base_10k = time_per_document(baseline.validate, [TEN_KB], rounds * 40)
    full_10k = time_per_document(full.validate, [TEN_KB], rounds * 40)
    rows = [
        line("warm, all pack UBL documents", ours_all, base_all, "ms"),
        line(f"warm, 10 KB invoice ({TEN_KB.stat().st_size} B)", ours_10k, base_10k, "ms"),
        line("warm, 10 KB, with country layers", full_10k, base_10k, "ms"),
        f"{'throughput, all pack UBL documents':<34} ours {1000 / statistics.mean(ours_all):7.1f} docs/s | "
        f"baseline {1000 / statistics.mean(base_all):7.1f} docs/s",
    ]
    return {"rows": rows}


def child_lines(tool_name: str, doc: Path, budget: float, max_rounds: int) -> dict[str, Any]:
    """Compile, warm up on the 10 KB invoice, then validate `doc` for about `budget` seconds (at least once)."""
    tool = make_tool(tool_name, large=True)
    for _ in range(3):
        tool.validate(TEN_KB)
    rss_ready = peak_rss_mb()
    started = time.perf_counter()
    runs = [tool.stages(doc)]
    rss_first = peak_rss_mb()  # the figure for one validation; later rounds may overlap with uncollected garbage
    if runs[0][0] < budget * 1000 / 4:
        runs = []  # the first run was a warm-up; cheap enough to repeat
        started = time.perf_counter()
    while len(runs) < max_rounds and (not runs or time.perf_counter() - started < budget):
        runs.append(tool.stages(doc))
    return {
        "samples": [r[0] for r in runs],
        "stages": {k: statistics.median(r[1][k] for r in runs) for k in runs[0][1]},
        "findings": runs[0][2],
        "finding_ids": _finding_ids(tool, doc) if runs[0][2] else [],
        "rss_ready": rss_ready,
        "rss_first": rss_first,
        "rss_peak": peak_rss_mb(),
    }


def _finding_ids(tool: Tool, doc: Path) -> list[str]:
    """A few rule ids of what fired (ours only), to tell at a glance why a generated invoice is not clean."""
    if not isinstance(tool, Ours):
        return []
    return [f"{f.rule_id} ({f.layer})" for f in tool.validator.validate(doc).findings[:5]]


def child_memory(tool_name: str, count: int) -> dict[str, Any]:
    """Current RSS while validating the 10 KB invoice `count` times in this process (after 100 warm-up runs)."""
    tool = make_tool(tool_name)
    for _ in range(100):
        tool.validate(TEN_KB)
    checkpoints = {count * i // 10 for i in range(1, 11)}
    rss = {0: current_rss_mb()}
    started = time.perf_counter()
    for i in range(1, count + 1):
        tool.validate(TEN_KB)
        if i in checkpoints:
            rss[i] = current_rss_mb()
    return {"rss": rss, "seconds": time.perf_counter() - started, "peak": peak_rss_mb()}


# ---------------------------------------------------------------------------------------------------------
# Time against lines


@dataclass
class SizeResult:
    """One tool on one generated invoice."""

    lines: int
    samples: list[float]
    stages: dict[str, float]
    findings: int
    rss_ready: float
    rss_first: float
    rss_peak: float

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def lines_section(
    sizes: list[int], out_dir: Path, budget: float, max_rounds: int, timeout: float, *, bad_unit: bool = False
) -> None:
    """Time and peak RSS of both tools against the number of invoice lines, a fresh process per tool and size."""
    from generate import generate

    what = "invalid invoices, one BR-CL-23 failure per line" if bad_unit else "valid invoices"
    print(
        f"\n== time against lines (generated {what}; median of the rounds shown, a fresh process per tool and "
        f"size, about {budget:.0f} s each; peak RSS = ru_maxrss)"
    )
    results: dict[str, dict[int, SizeResult]] = {"ours": {}, "baseline": {}}
    for n in sizes:
        path = generate(n, out_dir, bad_unit=bad_unit)
        print(f"{n:>7,} lines ({path.stat().st_size / 1e6:.2f} MB):")
        for tool in ("ours", "baseline"):
            params = {"kind": "lines", "tool": tool, "doc": str(path), "budget": budget, "max_rounds": max_rounds}
            answer = in_fresh_process(params, timeout)
            if isinstance(answer, str):
                print(f"  {tool:<8} {answer}")
                continue
            res = SizeResult(
                n,
                answer["samples"],
                answer["stages"],
                answer["findings"],
                answer["rss_ready"],
                answer["rss_first"],
                answer["rss_peak"],
            )
            results[tool][n] = res
            ids = f" ({', '.join(answer['finding_ids'])})" if answer.get("finding_ids") and not bad_unit else ""
            first = results[tool].get(sizes[0])
            ratio = f"x{res.median / first.median:7.1f}" if first else "   n/a "
            stages = ", ".join(f"{k} {v:.1f}" for k, v in res.stages.items())
            print(
                f"  {tool:<8} median {res.median:10.1f} ms  p90 {percentile(res.samples, 0.9):10.1f} ms  "
                f"({len(res.samples):>2} rounds)  t/t({sizes[0]:,}) {ratio}  "
                f"{res.median * 1000 / n:7.1f} us/line  peak RSS {res.rss_first:5.0f} MB after one validation "
                f"(+{res.rss_first - res.rss_ready:.0f} over compiled), {res.rss_peak:.0f} MB after all rounds  "
                f"findings {res.findings}{ids}"
            )
            print(f"  {'':<8} stages ms: {stages}")
        ours, base = results["ours"].get(n), results["baseline"].get(n)
        if ours and base:
            print(f"  {'':<8} speed-up baseline/ours x{base.median / ours.median:.2f}")
    print(
        "linearity, t(N)/t(100) (linear ~ N/100; target at 10,000 lines <= 120x) and peak RSS after one validation "
        "(target <= 500 MB):"
    )
    for tool, by_size in results.items():
        if sizes[0] not in by_size:
            continue
        t100 = by_size[sizes[0]].median
        cells = [f"{n:,}: x{r.median / t100:.1f} ({r.rss_first:.0f} MB)" for n, r in by_size.items() if n != sizes[0]]
        if tool == "ours" and all("load+rest" in r.stages for r in by_size.values()):
            base_rest = sum(by_size[sizes[0]].stages.values()) - by_size[sizes[0]].stages["load+rest"]
            cells.append(
                "without load+rest: "
                + ", ".join(
                    f"{n:,}: x{(sum(r.stages.values()) - r.stages['load+rest']) / base_rest:.1f}"
                    for n, r in by_size.items()
                    if n != sizes[0]
                )
            )
        verdict = ""
        if 10_000 in by_size:
            r10 = by_size[10_000]
            verdict = (
                f"  -> 10,000 lines: time {'within' if r10.median / t100 <= 120 else 'ABOVE'} target, "
                f"RSS {'within' if r10.rss_first <= 500 else 'ABOVE'} target"
            )
        print(f"  {tool:<8} " + "; ".join(cells) + verdict)


# ---------------------------------------------------------------------------------------------------------
# Batch throughput with worker processes


def _batch_worker(tool_name: str, ready: Any, start: Any, tasks: Any, results: Any) -> None:
    """A worker: compile once, warm up, say ready (or why not), wait for the start, validate paths until None."""
    try:
        tool = make_tool(tool_name)
        for doc in [TEN_KB, *ubl_documents()]:  # every schema and rule set the batch needs gets compiled here
            tool.validate(doc)
    except Exception as exc:
        ready.put(f"{type(exc).__name__}: {exc}"[:200])
        return
    rss_ready = peak_rss_mb()
    ready.put("")
    start.wait()
    done = errors = 0
    first_error = ""
    while (item := tasks.get()) is not None:
        try:
            tool.validate(Path(item))
        except Exception as exc:
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"[:200]
        done += 1
    results.put({"done": done, "errors": errors, "error": first_error, "rss_ready": rss_ready, "rss": peak_rss_mb()})


def batch_run(tool_name: str, workers: int, docs: list[Path], repeats: int) -> tuple[float, list[dict[str, Any]]] | str:
    """Docs per second with `workers` processes over docs x repeats (timed after every worker compiled).

    Returns the rate and each worker's report, or why the workers could not start.
    """
    ctx = mp.get_context("spawn")  # never fork a process that may hold a Saxon (GraalVM) isolate
    ready, tasks, results = ctx.Queue(), ctx.Queue(), ctx.Queue()
    start = ctx.Event()
    procs = [ctx.Process(target=_batch_worker, args=(tool_name, ready, start, tasks, results)) for _ in range(workers)]
    for p in procs:
        p.start()
    failures = [msg for msg in (ready.get(timeout=600) for _ in procs) if msg]
    if not failures:
        for _ in range(repeats):
            for doc in docs:
                tasks.put(str(doc))
    for _ in procs:
        tasks.put(None)
    time.sleep(0.2)  # let the queue's feeder thread fill the pipe before the clock starts
    started = time.perf_counter()
    start.set()
    reports = [results.get(timeout=3600) for _ in range(len(procs) - len(failures))]
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    if failures:
        return f"could not start: {failures[0]}"
    return sum(r["done"] - r["errors"] for r in reports) / elapsed, reports


def batch_section(docs: list[Path], repeats: int) -> None:
    """Throughput of both tools with 1..cpu_count workers, each compiling once; peak RSS of each worker."""
    cpus = os.cpu_count() or 1
    print(
        f"\n== batch throughput: {len(docs)} pack UBL documents x {repeats} = {len(docs) * repeats} validations, "
        f"1..{cpus} worker processes, each compiling once (timed after every worker is ready)"
    )
    single: dict[str, float] = {}
    for workers in range(1, cpus + 1):
        rates: dict[str, float] = {}
        cells = []
        for tool in ("ours", "baseline"):
            outcome = batch_run(tool, workers, docs, repeats)
            if isinstance(outcome, str):
                cells.append(f"{tool} {outcome}")
                continue
            rate, reports = outcome
            rates[tool] = rate
            single.setdefault(tool, rate)
            rss = [r["rss"] for r in reports]
            ready = statistics.mean(r["rss_ready"] for r in reports)
            errors = sum(r["errors"] for r in reports)
            first = next((r["error"] for r in reports if r["error"]), "")
            cells.append(
                f"{tool} {rate:6.1f} docs/s (x{rate / single[tool]:.2f} vs 1 worker), peak RSS per worker "
                f"{statistics.mean(rss):.0f} MB (max {max(rss):.0f}; {ready:.0f} when warm)"
                + (f", {errors} errors (not counted), e.g. {first}" if errors else "")
            )
        ratio = f" | ours/baseline x{rates['ours'] / rates['baseline']:.2f}" if len(rates) == 2 else ""
        print(f"  {workers} worker{'s' if workers > 1 else ' '}: " + " | ".join(cells) + ratio)


# ---------------------------------------------------------------------------------------------------------
# Memory over many validations


def memory_section(count: int, timeout: float) -> None:
    """Current RSS while validating the 10 KB invoice `count` times in one fresh process per tool."""
    print(
        f"\n== RSS over {count:,} validations of the 10 KB invoice in one process (current RSS after 100 warm-up runs)"
    )
    for tool in ("ours", "baseline"):
        answer = in_fresh_process({"kind": "memory", "tool": tool, "count": count}, timeout)
        if isinstance(answer, str):
            print(f"  {tool:<8} {answer}")
            continue
        rss = {int(k): v for k, v in answer["rss"].items()}
        growth = rss[count] - rss[0]
        first = [v for k, v in rss.items() if 0 < k <= count // 2]
        second = [v for k, v in rss.items() if k > count // 2]
        trail = " ".join(f"{v:.0f}" for _, v in sorted(rss.items()))
        print(
            f"  {tool:<8} {count / answer['seconds']:.0f} docs/s; MB after warm-up, then every {count // 10:,}: {trail}"
        )
        print(
            f"  {'':<8} growth after warm-up {growth:+.1f} MB ({growth * 1024 / count:+.2f} KB per validation); "
            f"range in the 1st half {min(first):.0f}-{max(first):.0f} MB, in the 2nd half {min(second):.0f}-"
            f"{max(second):.0f} MB; peak {answer['peak']:.0f} MB"
        )


# ---------------------------------------------------------------------------------------------------------
# Per-rule cost (opt-in): which patterns and rules grow faster than the number of lines


@dataclass
class Cost:
    """The time of one pattern (alone, complete) or one rule (alone in its pattern, beyond the visit of its nodes)."""

    rule_set: str
    pattern: str
    context: str
    ids: list[str]
    small: float
    big: float
    where: tuple[int, int] = (0, 0)  # pattern and rule numbers, to measure again

    @property
    def label(self) -> str:
        if not self.ids:
            return f"pattern {self.pattern}"
        return self.ids[0] if len(self.ids) == 1 else f"{self.ids[0]} .. {self.ids[-1]} ({len(self.ids)} asserts)"

    @property
    def ratio(self) -> float:
        return self.big / self.small if self.small >= 0.5 else float("nan")


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence SaxonC's own warnings on fd 2 while compiling many variants."""
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _best_ms(exe: Any, xdm: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        exe.run_text(xdm)
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


class RuleTimer:
    """Compiles variants of one Schematron file (one pattern, optionally one rule's asserts) and times them."""

    def __init__(self, path: Path, phase: str | None, xdm_small: Any, xdm_big: Any, repeat: tuple[int, int]) -> None:
        from peppol_validate.schematron.compiler import compile_schematron

        self.path, self.phase = path, phase
        self.xdm_small, self.xdm_big = xdm_small, xdm_big
        self.repeat = repeat
        self.pattern_count = len(compile_schematron(path, phase=phase).patterns)

    def variant(self, pattern_no: int | None, keep: int | None) -> tuple[Any, str, list[tuple[str, list[str]]]]:
        """Compile the whole file (pattern_no None), one pattern, or one pattern with only rule `keep`'s asserts.

        Every rule keeps its template (first-matching-rule semantics unchanged); only the asserts, reports, lets and
        extends of the other rules are removed. Returns the executable, the pattern's name and its rules.
        """
        from peppol_validate.schematron.compiler import _S, _Compiler
        from peppol_validate.schematron.runtime import SchematronExecutable

        compiler = _Compiler(self.path, self.phase, "compact")
        original = compiler._active
        rules_seen: list[tuple[str, list[str]]] = []
        names: list[str] = []

        def select(patterns: list[etree._Element]) -> tuple[str, list[etree._Element], list[etree._Element]]:
            chosen_phase, active, lets = original(patterns)
            if pattern_no is None:
                return chosen_phase, active, lets
            pattern = active[pattern_no]
            names.append(pattern.get("id") or pattern.get("name") or f"#{pattern_no + 1}")
            rules = [r for r in pattern.findall(_S + "rule") if r.get("abstract") != "true" and r.get("context")]
            for i, rule in enumerate(rules):
                rules_seen.append((rule.get("context", ""), [a.get("id") or "?" for a in rule.iter(_S + "assert")]))
                if keep is not None and i != keep:
                    for child in list(rule):
                        if child.tag in (_S + "assert", _S + "report", _S + "let", _S + "extends"):
                            rule.remove(child)
            return chosen_phase, [pattern], lets

        compiler._active = select
        with _quiet_stderr():
            exe = SchematronExecutable(compiler.compile())
        exe.run_text(self.xdm_small)  # warm-up (lazy initialisation of keys, code lists, functions)
        return exe, (names[0] if names else "all"), rules_seen

    def time(self, exe: Any, factor: int = 1) -> tuple[float, float]:
        """Best-of times (ms) on the small and the big document."""
        return _best_ms(exe, self.xdm_small, self.repeat[0] * factor), _best_ms(
            exe, self.xdm_big, self.repeat[1] * factor
        )


def per_rule_section(out_dir: Path, small_n: int = 1_000, big_n: int = 10_000) -> None:
    """Every pattern alone, then every rule alone, on two sizes; name those growing faster than the lines."""
    from generate import generate

    from peppol_validate.detect import detect
    from peppol_validate.loading import load
    from peppol_validate.plan import plan_for
    from peppol_validate.schematron.runtime import processor

    small_doc, big_doc = generate(small_n, out_dir), generate(big_n, out_dir)
    xdm_small = processor().parse_xml(xml_file_name=str(small_doc))
    xdm_big = processor().parse_xml(xml_file_name=str(big_doc))
    plan = plan_for(detect(load(small_doc).root), AS_OF)
    linear = big_n / small_n
    print(
        f"\n== per-pattern and per-rule time on {small_n:,} and {big_n:,} lines (best of 5 / 3 runs after a warm-up; "
        f"linear ~ x{linear:.0f};\n   rule cost = the pattern with only that rule's asserts minus the pattern with no "
        "asserts, i.e. the visit of its nodes)"
    )
    for spec in plan.rule_sets:
        started = time.perf_counter()
        timer = RuleTimer(PACKS / spec.file, spec.phase, xdm_small, xdm_big, (5, 3))
        whole = timer.time(timer.variant(None, None)[0])
        print(
            f"{spec.id} {spec.version} ({Path(spec.file).name}): whole rule set {whole[0]:.1f} ms -> {whole[1]:.1f} ms "
            f"(x{whole[1] / whole[0]:.1f})"
        )
        rules: list[Cost] = []
        for p in range(timer.pattern_count):
            exe, pattern, seen = timer.variant(p, None)
            complete = timer.time(exe)
            walk = timer.time(timer.variant(p, -1)[0])
            print(
                f"  pattern {pattern:<12} {len(seen):>3} rules: {complete[0]:8.1f} ms -> {complete[1]:8.1f} ms "
                f"(x{complete[1] / complete[0]:5.1f}); with no asserts {walk[0]:.1f} -> {walk[1]:.1f} ms"
            )
            for k, (context, ids) in enumerate(seen):
                if ids:
                    t = timer.time(timer.variant(p, k)[0])
                    rules.append(Cost(spec.id, pattern, context, ids, t[0] - walk[0], t[1] - walk[1], (p, k)))

        # Confirm suspects (cost growing faster than the lines, and large enough to matter) with more runs.
        def grows(c: Cost, floor: float = max(20.0, whole[1] * 0.02)) -> bool:
            """Costs more than twice the linear expectation, by more than the floor (noise, and what matters)."""
            return c.big - linear * max(c.small, 0.0) > floor and not c.ratio <= 2 * linear

        suspects = [c for c in rules if grows(c)]
        flagged: list[Cost] = []
        for c in suspects:
            p, k = c.where
            walk = timer.time(timer.variant(p, -1)[0], 3)
            t = timer.time(timer.variant(p, k)[0], 3)
            again = Cost(c.rule_set, c.pattern, c.context, c.ids, t[0] - walk[0], t[1] - walk[1], c.where)
            if grows(again):
                flagged.append(again)
        rules.sort(key=lambda c: c.big, reverse=True)
        print(
            f"  costliest rules at {big_n:,} lines (of {len(rules)}; sum {sum(c.big for c in rules):.0f} ms; "
            f"measured in {time.perf_counter() - started:.0f} s):"
        )
        for c in rules[:8]:
            print(f"    {c.label:<44} {c.small:7.1f} -> {c.big:7.1f} ms  context {c.context.strip()[:80]}")
        if flagged:
            print(f"  growing faster than the lines (> x{2 * linear:.0f}, confirmed with 3x more runs):")
            for c in flagged:
                print(f"    {c.label:<44} {c.small:7.1f} -> {c.big:7.1f} ms (x{c.ratio:.0f})  context {c.context[:80]}")
        else:
            print(
                f"  no rule grows faster than x{2 * linear:.0f} by more than {max(20.0, whole[1] * 0.02):.0f} ms "
                f"({len(suspects)} suspects of a first pass did not confirm)"
            )


# ---------------------------------------------------------------------------------------------------------


def main() -> int:
    """Run the benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold-rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="about a minute: fewer rounds, sizes 100 and 1,000")
    parser.add_argument("--large", action="store_true", help="also 100,000 lines (slow)")
    parser.add_argument("--per-rule", action="store_true", help="also time every Schematron rule alone (minutes)")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["warm", "cold", "lines", "invalid-lines", "batch", "memory", "per-rule"],
        help="run only these sections",
    )
    parser.add_argument("--size-timeout", type=float, default=900, help="seconds allowed per tool and size")
    parser.add_argument("--out", type=Path, default=None, help="where generated invoices go (default: a temp dir)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_main(json.loads(args.child))))
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))

    rounds = 1 if args.quick else args.rounds
    cold = 2 if args.quick else args.cold_rounds
    sections = set(args.only or ["warm", "cold", "lines", "batch", "memory"])
    if not args.quick and not args.only:
        sections.add("invalid-lines")
    if args.per_rule:
        sections.add("per-rule")
    sizes = [100, 1_000] if args.quick else [100, 1_000, 10_000]
    if args.large:
        sizes.append(100_000)
    began = time.perf_counter()
    docs = ubl_documents()
    print(
        f"packs: {PACKS}; {len(docs)} complete UBL documents; rounds: {rounds}; python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs; {date.today()}; load average {_load()} (other work on the machine skews figures)"
    )
    with tempfile.TemporaryDirectory(prefix="peppol-bench-") as tmp:
        out_dir = args.out or Path(tmp)
        if "warm" in sections:
            # In a child, so that this process stays small: a child's ru_maxrss starts from its parent's (fork).
            answer = in_fresh_process({"kind": "warm", "rounds": rounds}, args.size_timeout)
            print("\n".join(answer["rows"]) if isinstance(answer, dict) else f"warm: {answer}")
        if "cold" in sections:
            print(line("cold, 10 KB invoice, one process", cold_runs(cold), cold_baseline(cold), "s"))
        if "lines" in sections:
            budget, max_rounds = (2.0, 5) if args.quick else (8.0, 15)
            lines_section(sizes, out_dir, budget, max_rounds, args.size_timeout)
        if "invalid-lines" in sections:
            lines_section([100, 1_000], out_dir, 4.0, 10, args.size_timeout, bad_unit=True)
        if "batch" in sections:
            batch_section(docs, 2 if args.quick else 6)
        if "memory" in sections:
            memory_section(1_000 if args.quick else 10_000, args.size_timeout)
        if "per-rule" in sections:
            per_rule_section(out_dir)
    print(f"\n(total {time.perf_counter() - began:.0f} s; load average now {_load()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
