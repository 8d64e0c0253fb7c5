"""GitHub Actions workflow commands: one annotation per finding, then a plain summary line.

``::error file=PATH,line=L,col=C,title=RULE-ID::message`` (fatal and error), ``::warning`` and ``::notice``
(info). Values are escaped as the Actions runner expects: ``%``, CR and LF in the message; also ``:`` and
``,`` in properties. Findings a policy suppressed are not annotated; the summary counts them.
"""

from __future__ import annotations

from ..model import Finding, Report, Severity
from ._common import (
    authority_text,
    clean_message,
    document_problems,
    policy_text,
    severity_counts,
    sorted_findings,
    summary_line,
)

_COMMAND = {Severity.FATAL: "error", Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (``%``, CR, LF, ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str, base: str | None) -> str:
    slashed = path.replace("\\", "/")
    if base:
        prefix = base.replace("\\", "/").rstrip("/") + "/"
        if slashed.startswith(prefix):
            slashed = slashed[len(prefix) :]
    while slashed.startswith("./"):
        slashed = slashed[2:]
    return slashed


def annotation(path: str | None, finding: Finding, *, base: str | None = None) -> str:
    """One workflow command line for a finding."""
    props: list[str] = []
    if path:
        props.append(f"file={escape_property(_relative(path, base))}")
        if finding.line is not None:
            props.append(f"line={finding.line}")
            if finding.column is not None:
                props.append(f"col={finding.column}")
    props.append(f"title={escape_property(finding.rule_id)}")
    message = clean_message(finding)
    if finding.fix:
        message += f"\nfix: {finding.fix}"
    authority = authority_text(finding)
    if authority:
        message += f"\nauthority: {authority}"
    policy = policy_text(finding)
    if policy:
        message += f"\n({policy})"
    return f"::{_COMMAND[finding.severity]} {','.join(props)}::{escape_data(message)}"


def render_github(report: Report, *, color: bool = False, base: str | None = None, **_: object) -> str:
    """Render a report as GitHub Actions annotations (one line per finding) and a summary line."""
    lines: list[str] = []
    problems: list[Finding] = []
    for doc in report.documents:
        findings = document_problems(doc)
        problems.extend(findings)
        lines.extend(annotation(doc.path, f, base=base) for f in sorted_findings(findings))
    counts = ", ".join(f"{n} {sev.value}" for sev, n in severity_counts(problems).items())
    summary = f"peppol-validate: {summary_line(report)}; findings: {counts}"
    suppressed = sum(len(d.suppressed) for d in report.documents)
    if suppressed:
        summary += f"; {suppressed} suppressed by policy"
    lines.append(escape_data(summary))
    return "\n".join(lines) + "\n"
