"""The report model: findings, per-layer results, per-document reports (pydantic, JSON-serialisable)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    """How serious a finding is; fatal and error make a document invalid."""

    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rejects(self) -> bool:
        """True when a finding of this severity makes the document invalid."""
        return self in (Severity.FATAL, Severity.ERROR)

    @property
    def rank(self) -> int:
        """Order for sorting and thresholds: fatal=3, error=2, warning=1, info=0."""
        return {"fatal": 3, "error": 2, "warning": 1, "info": 0}[self.value]

    @classmethod
    def from_flag(cls, flag: str | None) -> Severity:
        """Map a Schematron @flag or @role (fatal, error, warning, information, ...) to a severity."""
        value = (flag or "").strip().lower()
        if value in ("fatal", "error", "warning"):
            return cls(value)
        if value in ("info", "information", "informational", "notice"):
            return cls.INFO
        if value in ("warn",):
            return cls.WARNING
        return cls.ERROR


class Verdict(StrEnum):
    """The technical verdict of one document."""

    VALID = "valid"
    INVALID = "invalid"
    NOT_VALIDATED = "not_validated"


class LayerStatus(StrEnum):
    """What happened when one layer ran."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class AuthorityCode(BaseModel):
    """A code under which an authority (SDI, PPF, PEPPOL, API, ...) would reject the finding."""

    model_config = ConfigDict(frozen=True)

    authority: str
    code: str


class Finding(BaseModel):
    """One failed check: which rule, how serious, where in the file, and how to fix it."""

    rule_id: str
    severity: Severity
    layer: str
    message: str
    location: str | None = None
    line: int | None = None
    column: int | None = None
    rule_set: str | None = None
    rule_set_version: str | None = None
    flag: str | None = None
    business_terms: list[str] = Field(default_factory=list)
    authority_codes: list[AuthorityCode] = Field(default_factory=list)
    fix: str | None = None
    policy: str | None = None
    policy_reason: str | None = None


class RuleSetRef(BaseModel):
    """A rule set (or schema) applied to a document, by id and version."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    layer: str


class LayerResult(BaseModel):
    """The outcome of one layer (xsd, one schematron rule set, one country check) on one document."""

    layer: str
    name: str
    version: str | None = None
    status: LayerStatus
    duration_ms: float = 0.0
    findings: int = 0
    error: str | None = None


class DocumentReport(BaseModel):
    """Everything known about one validated document."""

    path: str | None = None
    verdict: Verdict
    document_type: str | None = None
    label: str | None = None
    profile: str | None = None
    customization_id: str | None = None
    rule_sets: list[RuleSetRef] = Field(default_factory=list)
    layers: list[LayerResult] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    decision: str | None = None
    suppressed: list[Finding] = Field(default_factory=list)
    cached: bool = False
    svrl: dict[str, str] = Field(default_factory=dict, exclude=True)

    @property
    def valid(self) -> bool:
        """True only when the verdict is valid."""
        return self.verdict is Verdict.VALID

    def counts(self) -> dict[str, int]:
        """Number of findings per severity."""
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out


class Report(BaseModel):
    """The result of a validation run over one or more documents."""

    tool: str = "peppol-validate"
    version: str = ""
    as_of: str | None = None
    duration_ms: float = 0.0
    documents: list[DocumentReport] = Field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict over all documents (not_validated > invalid > valid)."""
        verdicts = {d.verdict for d in self.documents}
        if Verdict.NOT_VALIDATED in verdicts or not verdicts:
            return Verdict.NOT_VALIDATED
        if Verdict.INVALID in verdicts:
            return Verdict.INVALID
        return Verdict.VALID

    @property
    def valid(self) -> bool:
        """True when every document is valid."""
        return self.verdict is Verdict.VALID

    @property
    def findings(self) -> list[Finding]:
        """All findings of all documents, in document order."""
        return [f for d in self.documents for f in d.findings]


def verdict_for(findings: list[Finding], layers: list[LayerResult]) -> Verdict:
    """Derive a document's verdict: a layer that errored means not_validated, a rejecting finding invalid."""
    if not layers or any(layer.status is LayerStatus.ERROR for layer in layers):
        return Verdict.NOT_VALIDATED
    if any(f.severity.rejects for f in findings):
        return Verdict.INVALID
    return Verdict.VALID
