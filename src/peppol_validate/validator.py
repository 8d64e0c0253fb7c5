"""The validator: load → detect → plan → layers → findings with line/column → report.

A :class:`Validator` compiles each schema and rule set once per process and validates many documents.
Thread safety: compiled schemas and rule sets are process-wide and each is guarded by a lock, so one
Validator may be shared by several threads (tests/test_concurrency.py), but runs of the same schema or
rule set are serialised, and SaxonC holds the GIL while it compiles and runs. For parallel throughput use
several processes, each of which compiles once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeAlias

from lxml import etree

from . import __version__
from .countries import after_layers, after_verdict
from .countries.base import catalogue
from .detect import Detection, DocumentKind, Profile, detect
from .errors import LoadError
from .layers import Layer, LayerOutcome, PackSource, RunContext, SchematronLayer, XsdLayer
from .loading import Limits, LoadedDocument, load
from .locations import document_prefixes, element_path, pretty_path, resolve_node
from .model import DocumentReport, Finding, LayerResult, Report, RuleSetRef, Severity, verdict_for
from .plan import Plan, plan_for

#: What can be validated: a file path, the document bytes, or an lxml tree or element.
Source: TypeAlias = str | os.PathLike[str] | bytes | etree._ElementTree | etree._Element

#: A hook that adds layers after the official ones (country layers register here).
ExtraLayers = Callable[[Detection, date, Plan, "Options"], list[Layer]]

_CIUS_NOTES = {
    Profile.XRECHNUNG: "XRechnung's own CIUS rules are not in the packs; only EN 16931 rules are applied.",
    Profile.PEPPOL_PINT: "Peppol PINT rules are not in the packs; only EN 16931 rules are applied.",
    Profile.OTHER_CIUS: "This CIUS has no rule set in the packs; only EN 16931 rules are applied.",
    Profile.FRENCH_CTC: "French CTC documents get the EN 16931 rules here; the French layer adds BR-FR rules.",
}


@dataclass(frozen=True)
class Options:
    """Per-run options of a validator."""

    limits: Limits
    as_of: date | None = None
    svrl: bool = False
    #: Optional rule sets switched on by name (e.g. "ublbe" for the legacy UBL.BE rules).
    optional_rule_sets: frozenset[str] = frozenset()
    #: The opt-in duplicate-invoice ledger (SQLite file) for SDI 00404; None: no ledger.
    ledger_path: Path | None = None
    #: Where layers added by countries find official files (the validator's own packs).
    packs: PackSource | None = None


class Validator:
    """Validates documents; compiles each schema and rule set once per process (compile once, call many)."""

    def __init__(
        self,
        *,
        packs: PackSource,
        as_of: date | None = None,
        limits: Limits | None = None,
        svrl: bool = False,
        extra_layers: Iterable[ExtraLayers] | None = None,
        optional_rule_sets: Iterable[str] = (),
        ledger_path: Path | None = None,
    ) -> None:
        self.packs = packs
        self.options = Options(
            as_of=as_of,
            limits=limits or Limits(),
            svrl=svrl,
            optional_rule_sets=frozenset(optional_rule_sets),
            ledger_path=ledger_path,
            packs=packs,
        )
        if extra_layers is None:
            from .countries import country_layers

            extra_layers = [country_layers]
        self._extra = list(extra_layers)

    @property
    def as_of(self) -> date:
        """The date rule sets are chosen for (today unless fixed)."""
        return self.options.as_of or date.today()

    def layers_for(self, detection: Detection) -> tuple[Plan, list[Layer]]:
        """The plan and the ordered layers for a detected document."""
        plan = plan_for(detection, self.as_of)
        layers: list[Layer] = []
        if plan.schema is not None:
            layers.append(XsdLayer(plan.schema, self.packs))
        layers.extend(SchematronLayer(spec, self.packs) for spec in plan.rule_sets)
        for hook in self._extra:
            layers.extend(hook(detection, self.as_of, plan, self.options))
        return plan, layers

    def validate(self, source: Source, *, path: str | None = None) -> DocumentReport:
        """Validate one document (path, bytes or lxml tree) and return its report."""
        display = path or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else None)
        try:
            doc = load(source, limits=self.options.limits, path=display)
        except LoadError as exc:
            return _load_failure(display, exc)
        return self.validate_loaded(doc)

    def validate_loaded(self, doc: LoadedDocument) -> DocumentReport:
        """Validate a document already loaded by the hardened loader."""
        detection = detect(doc.root)
        report = DocumentReport(
            path=doc.path,
            verdict=verdict_for([], []),
            document_type=detection.kind.value,
            label=detection.label,
            profile=detection.profile.value,
            customization_id=detection.customization_id,
        )
        if detection.kind is DocumentKind.UNKNOWN:
            report.findings.append(
                Finding(
                    rule_id="UNSUPPORTED-DOCUMENT",
                    severity=Severity.FATAL,
                    layer="detect",
                    message=f"Unsupported document: root element {detection.root_tag} is not a UBL 2.1 Invoice or "
                    "CreditNote, a CII CrossIndustryInvoice or a FatturaPA FatturaElettronica.",
                    location="/" + etree.QName(doc.root).localname if isinstance(doc.root.tag, str) else None,
                    line=doc.root.sourceline,
                    fix="Check that the file is an e-invoice in one of the supported syntaxes.",
                )
            )
            return report
        plan, layers = self.layers_for(detection)
        ctx = RunContext(document=doc, detection=detection, as_of=self.as_of, svrl=self.options.svrl)
        outcomes: list[LayerOutcome] = [layer.run(ctx) for layer in layers]
        results: list[LayerResult] = [o.result for o in outcomes]
        findings = [f for o in outcomes for f in o.findings]
        _place(findings, doc)
        findings.extend(after_layers(detection, findings, doc))
        catalogue().enrich(findings, detection.kind.value)
        report.layers = results
        report.findings = findings
        report.notes = plan.notes + ([_CIUS_NOTES[detection.profile]] if detection.profile in _CIUS_NOTES else [])
        report.rule_sets = [RuleSetRef(id=layer.name, version=layer.version, layer=layer.layer) for layer in layers]
        report.svrl = dict(ctx.svrl_output)
        report.verdict = verdict_for(findings, results)
        after_verdict(report, doc, self.options)
        return report

    def iter_findings(self, source: Source) -> Iterator[Finding]:
        """Findings of one document, lazily (like xmlschema's iter_errors)."""
        yield from self.validate(source).findings

    def is_valid(self, source: Source) -> bool:
        """True when the document's verdict is valid."""
        return self.validate(source).valid

    def validate_many(self, sources: Iterable[Source]) -> Report:
        """Validate several documents and gather their reports."""
        started = time.perf_counter()
        docs = [self.validate(s) for s in sources]
        return Report(
            version=__version__,
            as_of=self.as_of.isoformat(),
            documents=docs,
            duration_ms=(time.perf_counter() - started) * 1000,
        )


def _load_failure(path: str | None, exc: LoadError) -> DocumentReport:
    finding = Finding(
        rule_id=f"LOAD-{exc.code}",
        severity=Severity.FATAL,
        layer="load",
        message=exc.message,
        line=exc.line,
        column=exc.column,
        fix="Make sure the file is a well-formed XML e-invoice without DTD or entities, within the size limits.",
    )
    return DocumentReport(path=path, verdict=verdict_for([], []), document_type="unknown", findings=[finding])


def _place(findings: list[Finding], doc: LoadedDocument) -> None:
    """Resolve every finding's location to a line and column in the source, once, at the end."""
    root = doc.root
    prefixes: dict[str, str | None] | None = None
    for f in findings:
        if not f.location:
            continue
        node = resolve_node(root, f.location)
        if f.layer == "xsd" and node is not None:
            f.location = element_path(node)
        elif "Q{" in f.location:
            if prefixes is None:
                prefixes = document_prefixes(root)
            f.location = pretty_path(f.location, root, prefixes)
        if node is None:
            continue
        if f.line is None or f.line == node.sourceline:
            f.line = node.sourceline
            f.column = doc.column_of(node)
