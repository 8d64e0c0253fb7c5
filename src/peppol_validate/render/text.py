"""Plain-text report for people: one block per document, one line per finding as file:line:col."""

from __future__ import annotations

from ..model import DocumentReport, Report, Verdict

_MARK = {Verdict.VALID: "VALID", Verdict.INVALID: "INVALID", Verdict.NOT_VALIDATED: "NOT VALIDATED"}


def _document(doc: DocumentReport) -> list[str]:
    name = doc.path or "<document>"
    head = f"{name}: {_MARK[doc.verdict]}"
    if doc.label:
        head += f"  [{doc.label}]"
    lines = [head]
    if doc.rule_sets:
        lines.append("  checked with: " + ", ".join(f"{r.id} {r.version}" for r in doc.rule_sets))
    for note in doc.notes:
        lines.append(f"  note: {note}")
    for f in sorted(doc.findings, key=lambda f: (-f.severity.rank, f.line or 0, f.rule_id)):
        where = name
        if f.line is not None:
            where += f":{f.line}"
            if f.column is not None:
                where += f":{f.column}"
        lines.append(f"  {where}: {f.severity.value} [{f.rule_id}] {f.message}")
        if f.authority_codes:
            lines.append("      authority: " + ", ".join(f"{a.authority} {a.code}" for a in f.authority_codes))
        if f.location:
            lines.append(f"      at {f.location}")
        if f.fix:
            lines.append(f"      fix: {f.fix}")
    return lines


def render_text(report: Report, **_: object) -> str:
    """Render a report as plain text with a summary line."""
    lines: list[str] = []
    for doc in report.documents:
        lines.extend(_document(doc))
    counts = {v: sum(1 for d in report.documents if d.verdict is v) for v in Verdict}
    lines.append(
        f"{len(report.documents)} document(s): {counts[Verdict.VALID]} valid, {counts[Verdict.INVALID]} invalid, "
        f"{counts[Verdict.NOT_VALIDATED]} not validated"
    )
    return "\n".join(lines) + "\n"
