"""Layers: the steps a document goes through (xsd, schematron rule sets, country checks).

Every layer has the same shape: it receives the loaded document and a shared :class:`RunContext`, and
returns its own :class:`LayerOutcome` (result + findings). A layer that cannot run reports ``error``,
which makes the document ``not_validated`` (fail closed).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .detect import Detection
from .errors import PeppolValidateError
from .loading import LoadedDocument
from .model import Finding, LayerResult, LayerStatus, Severity
from .plan import RuleSetSpec, SchemaSpec, catalogue
from .schematron.compiler import CompiledSchematron, compile_schematron
from .schematron.runtime import SchematronExecutable, SchematronRuntimeError, to_xdm
from .xsd import compiled_schema, findings_from_issues


class PackSource(Protocol):
    """Where layers get official files from (a PackStore or anything with the same two methods)."""

    def path(self, rel: str) -> Path: ...

    def ensure(self, prefix: str) -> Path: ...


@dataclass
class RunContext:
    """Per-document state shared by all layers: the document parsed once for Saxon, the date, options."""

    document: LoadedDocument
    detection: Detection
    as_of: date
    svrl: bool = False
    _xdm: Any = None
    svrl_output: dict[str, str] = field(default_factory=dict)

    def xdm(self) -> Any:
        """The document as a Saxon node, parsed once and shared by every Schematron rule set."""
        if self._xdm is None:
            self._xdm = to_xdm(self.document.root, size_hint=len(self.document.data))
        return self._xdm


@dataclass
class LayerOutcome:
    """What one layer produced."""

    result: LayerResult
    findings: list[Finding]


class Layer(Protocol):
    """A validation step."""

    layer: str
    name: str
    version: str

    def run(self, ctx: RunContext) -> LayerOutcome: ...


_FIX_PACKS = "Make the official packs available (peppol-validate packs verify / packs fetch, or --packs DIR)."
_FIX_RUNTIME = (
    "The official rules stopped on this document (often a repeated or malformed element they expect once); "
    "fix the element the message names, then validate again."
)


def _error(layer: str, name: str, version: str, started: float, message: str, fix: str = _FIX_PACKS) -> LayerOutcome:
    result = LayerResult(
        layer=layer,
        name=name,
        version=version,
        status=LayerStatus.ERROR,
        duration_ms=(time.perf_counter() - started) * 1000,
        error=message,
    )
    finding = Finding(
        rule_id="NOT-VALIDATED",
        severity=Severity.FATAL,
        layer=layer,
        message=f"The {layer} layer {name} {version} could not run: {message}",
        rule_set=name,
        rule_set_version=version,
        fix=fix,
    )
    return LayerOutcome(result, [finding])


def _done(layer: str, name: str, version: str, started: float, findings: list[Finding]) -> LayerOutcome:
    failed = any(f.severity.rejects for f in findings)
    result = LayerResult(
        layer=layer,
        name=name,
        version=version,
        status=LayerStatus.FAILED if failed else LayerStatus.PASSED,
        duration_ms=(time.perf_counter() - started) * 1000,
        findings=len(findings),
    )
    return LayerOutcome(result, findings)


class XsdLayer:
    """Validates against an official XSD from the packs."""

    layer = "xsd"

    def __init__(self, spec: SchemaSpec, packs: PackSource) -> None:
        self.spec = spec
        self.name = spec.id
        self.version = spec.version
        self._packs = packs

    def run(self, ctx: RunContext) -> LayerOutcome:
        """Validate the document against the schema."""
        started = time.perf_counter()
        try:
            root = self._packs.ensure(self.spec.root)
            xsd_path = root / self.spec.file[len(self.spec.root) :]
            aliases = {
                url: self._packs.path(rel) for url, rel in catalogue().aliases.items() if rel.startswith(self.spec.root)
            }
            schema = compiled_schema(xsd_path, aliases)
            issues = schema.iter_issues(ctx.document.tree)
        except PeppolValidateError as exc:
            return _error(self.layer, self.name, self.version, started, exc.message)
        findings = findings_from_issues(issues, schema_id=self.name, version=self.version)
        return _done(self.layer, self.name, self.version, started, findings)


_executables: dict[tuple[str, str | None, str], SchematronExecutable] = {}
_executables_lock = threading.Lock()


def executable_for(path: Path, phase: str | None, output: str = "compact") -> SchematronExecutable:
    """The process-wide compiled executable of a Schematron file (compiled on first use)."""
    key = (str(path), phase, output)
    with _executables_lock:
        exe = _executables.get(key)
        if exe is None:
            compiled: CompiledSchematron = compile_schematron(
                path, phase=phase, output="svrl" if output == "svrl" else "compact"
            )
            exe = SchematronExecutable(compiled)
            _executables[key] = exe
        return exe


class SchematronLayer:
    """Runs one Schematron rule set, compiled by the project's own compiler, on Saxon."""

    layer = "schematron"

    def __init__(self, spec: RuleSetSpec, packs: PackSource | None, *, local_path: Path | None = None) -> None:
        self.spec = spec
        self.name = spec.id
        self.version = spec.version
        self._packs = packs
        self._local_path = local_path

    def _path(self) -> Path:
        if self._local_path is not None:
            return self._local_path
        assert self._packs is not None
        folder = self.spec.file.rsplit("/", 1)[0] + "/"
        base = self._packs.ensure(folder)
        return base / self.spec.file[len(folder) :]

    def executable(self, output: str = "compact") -> SchematronExecutable:
        """The compiled rule set (compiled once per process)."""
        return executable_for(self._path(), self.spec.phase, output)

    def run(self, ctx: RunContext) -> LayerOutcome:
        """Run the rule set and turn fired assertions into findings."""
        started = time.perf_counter()
        try:
            exe = self.executable()
            xdm = ctx.xdm()
            fired = exe.run(xdm)
            if ctx.svrl:
                ctx.svrl_output[f"{self.name}@{self.version}"] = self.executable("svrl").run_text(xdm)
        except PeppolValidateError as exc:
            return _error(self.layer, self.name, self.version, started, exc.message)
        except SchematronRuntimeError as exc:
            return _error(self.layer, self.name, self.version, started, str(exc), _FIX_RUNTIME)
        findings = [
            Finding(
                rule_id=f.assertion.id,
                severity=Severity.from_flag(f.assertion.flag or f.assertion.role),
                layer=self.layer,
                message=f.message + (f" ({f.diagnostics})" if f.diagnostics else ""),
                location=f.location or None,
                rule_set=self.name,
                rule_set_version=self.version,
                flag=f.assertion.flag,
                business_terms=list(f.assertion.business_terms),
            )
            for f in fired
        ]
        return _done(self.layer, self.name, self.version, started, findings)
