"""Helpers shared by the renderers: clean messages, ordering, per-document problems, summary counts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import DocumentReport, Finding, LayerStatus, Report, Severity, Verdict

#: Verdict → the word shown to people.
VERDICT_WORD = {Verdict.VALID: "VALID", Verdict.INVALID: "INVALID", Verdict.NOT_VALIDATED: "NOT VALIDATED"}

#: A policy action (as stored in Finding.policy) → the past participle shown to people.
_POLICY_WORDS = {
    "ignore": "ignored",
    "suppress": "suppressed",
    "downgrade": "downgraded",
    "upgrade": "upgraded",
    "warn": "downgraded to a warning",
    "warning": "downgraded to a warning",
    "info": "downgraded to info",
    "error": "raised to an error",
    "fatal": "raised to fatal",
    "accept": "accepted",
    "allow": "allowed",
    "reject": "rejected",
}


def clean_message(finding: Finding) -> str:
    """The finding's message without the leading "[RULE-ID]-" that official messages repeat."""
    text = finding.message.strip()
    match = re.match(r"\[\s*([^\]]*?)\s*\]\s*-?\s*", text)
    if match and match.group(1).casefold() == finding.rule_id.casefold() and match.end() < len(text):
        return text[match.end() :]
    return text


def sort_key(finding: Finding) -> tuple[int, bool, int, int, str]:
    """Order findings by severity (worst first), then line and column (unknown last), then rule id."""
    return (-finding.severity.rank, finding.line is None, finding.line or 0, finding.column or 0, finding.rule_id)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings sorted with :func:`sort_key`."""
    return sorted(findings, key=sort_key)


def policy_text(finding: Finding, default: str = "changed") -> str | None:
    """A phrase like "ignored by policy: reason" for a finding a policy acted on, else None."""
    if not finding.policy and not finding.policy_reason:
        return None
    action = (finding.policy or "").strip()
    word = _POLICY_WORDS.get(action.lower(), action or default)
    phrase = f"{word} by policy"
    if finding.policy_reason:
        phrase += f": {finding.policy_reason}"
    return phrase


def document_problems(doc: DocumentReport) -> list[Finding]:
    """The document's findings, plus a NOT-VALIDATED finding when it was not validated and nothing says why."""
    findings = list(doc.findings)
    if doc.verdict is Verdict.NOT_VALIDATED and not any(f.severity.rejects for f in findings):
        errors = [f"{layer.name}: {layer.error}" for layer in doc.layers if layer.status is LayerStatus.ERROR]
        reason = "; ".join(errors) if errors else "no layer could run on it"
        findings.append(
            Finding(
                rule_id="NOT-VALIDATED",
                severity=Severity.FATAL,
                layer="report",
                message=f"The document could not be validated: {reason}.",
            )
        )
    return findings


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Number of findings per severity (every severity present, worst first)."""
    counts = dict.fromkeys(sorted(Severity, key=lambda s: -s.rank), 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


def verdict_counts(report: Report) -> dict[Verdict, int]:
    """Number of documents per verdict."""
    return {v: sum(1 for d in report.documents if d.verdict is v) for v in Verdict}


def summary_line(report: Report) -> str:
    """One line: "N document(s): a valid, b invalid, c not validated"."""
    counts = verdict_counts(report)
    return (
        f"{len(report.documents)} document(s): {counts[Verdict.VALID]} valid, {counts[Verdict.INVALID]} invalid, "
        f"{counts[Verdict.NOT_VALIDATED]} not validated"
    )


def position(path: str | None, finding: Finding) -> str:
    """``path:line:col`` (as much of it as is known) for a finding."""
    where = path or "<document>"
    if finding.line is not None:
        where += f":{finding.line}"
        if finding.column is not None:
            where += f":{finding.column}"
    return where


def finding_line(path: str | None, finding: Finding) -> str:
    """The one-line form of a finding: ``path:line:col: severity [RULE-ID] message``."""
    return f"{position(path, finding)}: {finding.severity.value} [{finding.rule_id}] {clean_message(finding)}"


def authority_text(finding: Finding) -> str | None:
    """ "SDI 00200, PEPPOL ..." for the finding's authority codes, or None."""
    if not finding.authority_codes:
        return None
    return ", ".join(f"{a.authority} {a.code}" for a in finding.authority_codes)


def layer_duration_seconds(doc: DocumentReport) -> float:
    """Time spent in the document's layers, in seconds."""
    return sum(layer.duration_ms for layer in doc.layers) / 1000


def format_duration(ms: float) -> str:
    """A duration for people: "840 ms" or "2.31 s"."""
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.2f} s"
