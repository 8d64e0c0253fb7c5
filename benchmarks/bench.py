"""Benchmarks: cold and warm validation times, printed beside a baseline measured in the same run.

Run:  PEPPOL_VALIDATE_PACKS=../shared/packs .venv/bin/python benchmarks/bench.py [--rounds N] [--quick]

Figures (medians and p90 over rounds; nothing here is asserted):
- cold: one 10 KB invoice end to end in a fresh interpreter (``python -m peppol_validate FILE``);
- warm: per-document time for XSD + CEN + Peppol on every complete UBL document in the packs and on the
  corpus' 10 KB invoice, for peppol-validate and for the baseline;
- baseline: what other Python tools do — saxonche running the official compiled XSLTs from the packs
  (CEN + Peppol 3.0.21), the SVRL parsed with lxml, plus the same lxml XSD check.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
PACKS = Path(os.environ.get("PEPPOL_VALIDATE_PACKS") or REPO.parent / "shared" / "packs").resolve()
TEN_KB = REPO / "corpus/ubl/valid/invoice-10kb.xml"
RELEASE = "peppol-bis-billing-3/release-3.0.21-2026-05/xslt/"


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
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        self.schemas[etree.QName(tree.getroot()).localname].validate(tree)
        fired = 0
        for sheet in self.sheets:
            doc = self.proc.parse_xml(xml_file_name=str(path))
            svrl = etree.fromstring(sheet.transform_to_string(xdm_node=doc).encode())
            fired += len(svrl.findall("{http://purl.oclc.org/dsdl/svrl}failed-assert"))
        return fired


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


def cold_runs(rounds: int) -> list[float]:
    """Wall time of a fresh `python -m peppol_validate` on the 10 KB invoice, interpreter start included."""
    env = dict(os.environ, PEPPOL_VALIDATE_PACKS=str(PACKS))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        command = [sys.executable, "-m", "peppol_validate", str(TEN_KB)]
        subprocess.run(command, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return times


def cold_baseline(rounds: int) -> list[float]:
    """The baseline's cold start: a fresh interpreter compiling the official XSLTs and validating once."""
    here = str(REPO / "benchmarks")
    code = f"import sys; sys.path.insert(0, {here!r}); import bench; bench.Baseline().validate(bench.TEN_KB)"
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return times


def line(label: str, ours: list[float], base: list[float], unit: str) -> str:
    """One printed row: medians and p90 of both, and the ratio baseline/ours."""
    mo, mb = statistics.median(ours), statistics.median(base)
    return (
        f"{label:<34} ours median {mo:8.2f}{unit} p90 {percentile(ours, 0.9):8.2f}{unit} | "
        f"baseline median {mb:8.2f}{unit} p90 {percentile(base, 0.9):8.2f}{unit} | speed-up x{mb / mo:5.2f}"
    )


def main() -> int:
    """Run the benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold-rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    cold = 2 if args.quick else args.cold_rounds

    from peppol_validate import make_validator

    validator = make_validator(packs=PACKS, as_of=date(2026, 11, 24))
    baseline = Baseline()
    docs = ubl_documents()
    print(f"packs: {PACKS}; {len(docs)} complete UBL documents; rounds: {rounds}; python {sys.version.split()[0]}")

    ours_all = time_per_document(validator.validate, docs, rounds)
    base_all = time_per_document(baseline.validate, docs, rounds)
    print(line("warm, all pack UBL documents", ours_all, base_all, "ms"))
    ours_10k = time_per_document(validator.validate, [TEN_KB], rounds * 40)
    base_10k = time_per_document(baseline.validate, [TEN_KB], rounds * 40)
    print(line(f"warm, 10 KB invoice ({TEN_KB.stat().st_size} B)", ours_10k, base_10k, "ms"))
    print(
        f"{'throughput, all pack UBL documents':<34} ours {1000 / statistics.mean(ours_all):7.1f} docs/s | "
        f"baseline {1000 / statistics.mean(base_all):7.1f} docs/s"
    )
    print(line("cold, 10 KB invoice, one process", cold_runs(cold), cold_baseline(cold), "s"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
