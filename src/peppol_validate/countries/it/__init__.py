"""Italy: FatturaPA through SDI — the checks SDI makes that can be made from the file alone, in SDI's codes.

Layers for a FatturaPA document:
- ``sdi-it`` (Python): identifiers (Partita IVA, Codice Fiscale checksums, CodiceDestinatario rules: 003xx),
  content controls that need data tables keyed by specification version (e.g. the TipoDocumento lists of
  00471/00472/00475), and the opt-in duplicate ledger (00404);
- ``sdi-it-rules`` (the project's own Schematron, ``schematron/it/*.sch``, compiled by the project's compiler):
  content controls 004xx that XPath expresses well.
XSD failures of FatturaPA documents are mapped to SDI 00200 (and 00201 past 50 errors) by the catalogue.
"""

from __future__ import annotations

import importlib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ...detect import DocumentKind
from ...layers import SchematronLayer
from ...model import Finding, Verdict
from ...plan import RuleSetSpec
from ..base import Check, PythonChecksLayer, make_finding

if TYPE_CHECKING:
    from ...detect import Detection
    from ...layers import Layer
    from ...loading import LoadedDocument
    from ...model import DocumentReport
    from ...plan import Plan
    from ...validator import Options

#: SDI stops after this many format errors and answers 00201.
MAX_FORMAT_ERRORS = 50

#: Version of the project's Italian rules (bump when a check changes).
VERSION = "2026.11"
#: Python modules of this package that contribute ``checks(options) -> list[Check]``, in order.
CHECK_MODULES = ("identifiers", "content", "ledger")


def _rules_dir() -> Path:
    return Path(str(resources.files("peppol_validate").joinpath("rules").joinpath("it")))


def python_checks(options: Options) -> list[Check]:
    """Every Python check of the Italian layer (modules not written yet are skipped)."""
    checks: list[Check] = []
    for name in CHECK_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        checks.extend(module.checks(options))
    return checks


def layers(detection: Detection, as_of: date, plan: Plan, options: Options) -> list[Layer]:
    """The Italian layers for a FatturaPA document (none for other documents)."""
    if detection.kind is not DocumentKind.FATTURAPA:
        return []
    out: list[Layer] = [PythonChecksLayer("sdi-it", VERSION, python_checks(options))]
    folder = _rules_dir()
    for sch in sorted(folder.glob("*.sch")) if folder.is_dir() else []:
        spec = RuleSetSpec(
            id=f"sdi-it-{sch.stem}",
            family="sdi-it",
            version=VERSION,
            title=f"SDI controls ({sch.name}), project rules",
            file=f"rules/it/{sch.name}",
            valid_from=date(2025, 4, 1),
            source="project",
        )
        out.append(SchematronLayer(spec, None, local_path=sch))
    return out


def after_layers(detection: Detection, findings: list[Finding], doc: LoadedDocument) -> list[Finding]:
    """SDI 00201: more than 50 format (XSD) errors in a FatturaPA document."""
    if detection.kind is not DocumentKind.FATTURAPA:
        return []
    errors = sum(1 for f in findings if f.layer == "xsd")
    if errors <= MAX_FORMAT_ERRORS:
        return []
    message = f"The file has {errors} format errors; SDI stops after {MAX_FORMAT_ERRORS} and rejects it with 00201."
    return [
        make_finding("IT-SDI-00201", doc, doc.root, message, layer="xsd", rule_set="sdi-it", rule_set_version=VERSION)
    ]


def after_verdict(report: DocumentReport, doc: LoadedDocument, options: Options) -> None:
    """Forget, in the duplicate ledger, a document that was not valid: SDI only keeps invoices it accepted."""
    if options.ledger_path is None or report.document_type != DocumentKind.FATTURAPA.value:
        return
    if report.verdict is Verdict.VALID:
        return
    import contextlib
    import sqlite3

    from .ledger import content_hash, ledger_at

    # A ledger that cannot be opened already made the document not_validated through its layer.
    with contextlib.suppress(sqlite3.Error, OSError):
        ledger_at(options.ledger_path).discard(content_hash(doc.data))
