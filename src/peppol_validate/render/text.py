"""Plain-text report for people: one block per file, findings as path:line:col with the source line and a caret.

Colours (ANSI) only when ``color=True``; the CLI asks for them only on a terminal. Text that comes from the
validated documents (messages quoting values, source lines) has its control characters replaced, so a hostile
file cannot drive the terminal.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..model import DocumentReport, Finding, Report, Severity, Verdict
from ._common import (
    VERDICT_WORD,
    authority_text,
    clean_message,
    document_problems,
    format_duration,
    policy_text,
    position,
    severity_counts,
    sorted_findings,
    summary_line,
    verdict_counts,
)

_RESET = "\x1b[0m"
_STYLE = {
    "fatal": "\x1b[1;31m",
    "error": "\x1b[31m",
    "warning": "\x1b[33m",
    "info": "\x1b[34m",
    "valid": "\x1b[1;32m",
    "invalid": "\x1b[1;31m",
    "not_validated": "\x1b[1;31m",
    "path": "\x1b[1m",
    "dim": "\x1b[2m",
    "fix": "\x1b[36m",
}

#: Longest source line shown whole; longer lines are cut to a window around the column.
_MAX_SOURCE = 120
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_WIDE = ((b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"))
_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']")


class _Painter:
    """Wraps text in ANSI styles, or leaves it alone when colours are off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return f"{_STYLE[style]}{text}{_RESET}"


def _safe(text: str) -> str:
    """Replace control characters (except tab) so document content cannot drive the terminal."""
    return _CONTROL.sub("\ufffd", text)


def _decode(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    for start, codec in _WIDE:
        if data.startswith(start):
            return data.decode(codec, errors="replace")
    codec = "utf-8"
    match = _DECLARED.match(data[:1024].lstrip())
    if match:
        try:
            codec = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            codec = "utf-8"
    try:
        return data.decode(codec, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def source_lines(path: str | None) -> list[str] | None:
    """The lines of a validated file as the loader counts them (split at LF), or None if it cannot be read."""
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
    except (OSError, ValueError):
        return None
    if data.lstrip()[:5] == b"%PDF-":
        return None  # a Factur-X PDF: the lines are those of the embedded XML, not of the file on disk
    return [line.rstrip("\r") for line in _decode(data).split("\n")]


def _snippet(line: str, column: int | None) -> tuple[str, int | None]:
    """The part of a source line to show and the caret's 0-based offset in it (long lines are windowed)."""
    offset = column - 1 if column is not None and 1 <= column <= len(line) + 1 else None
    if len(line) <= _MAX_SOURCE:
        return line, offset
    start = max(0, (offset or 0) - _MAX_SOURCE // 3)
    end = min(len(line), start + _MAX_SOURCE)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(line) else ""
    shown = prefix + line[start:end] + suffix
    return shown, None if offset is None else offset - start + len(prefix)


def _source_block(lines: list[str] | None, finding: Finding, paint: _Painter, indent: str) -> list[str]:
    if lines is None or finding.line is None or not 1 <= finding.line <= len(lines):
        return []
    text, offset = _snippet(lines[finding.line - 1], finding.column)
    text = _safe(text)
    number = str(finding.line)
    gutter = " " * len(number)
    out = [f"{indent}{paint(number, 'dim')} {paint('|', 'dim')} {text}"]
    if offset is not None:
        pad = "".join(ch if ch == "\t" else " " for ch in text[:offset])
        out.append(f"{indent}{gutter} {paint('|', 'dim')} {pad}{paint('^', finding.severity.value)}")
    return out


def _finding(
    path: str | None, finding: Finding, lines: list[str] | None, paint: _Painter, *, suppressed: bool = False
) -> list[str]:
    sev = finding.severity.value
    head = (
        f"  {_safe(position(path, finding))}: {paint(sev, sev)} "
        f"[{_safe(finding.rule_id)}] {_safe(clean_message(finding))}"
    )
    policy = policy_text(finding, default="suppressed" if suppressed else "changed")
    if suppressed and policy is None:
        policy = "suppressed by policy"
    out = [head]
    indent = "      "
    out.extend(_source_block(lines, finding, paint, indent))
    if finding.location:
        out.append(f"{indent}{paint('at', 'dim')} {_safe(finding.location)}")
    if finding.fix:
        out.append(f"{indent}{paint('fix:', 'fix')} {_safe(finding.fix)}")
    authority = authority_text(finding)
    if authority:
        out.append(f"{indent}authority: {_safe(authority)}")
    if policy:
        out.append(f"{indent}{paint('(' + _safe(policy) + ')', 'dim')}")
    return out


def _header(doc: DocumentReport, problems: list[Finding], paint: _Painter) -> str:
    name = _safe(doc.path or "<document>")
    head = f"{paint(name, 'path')}: {paint(VERDICT_WORD[doc.verdict], doc.verdict.value)}"
    if doc.label:
        head += f"  [{_safe(doc.label)}]"
    counts = [f"{n} {sev.value}" for sev, n in severity_counts(problems).items() if n]
    if counts:
        head += "  (" + ", ".join(counts) + ")"
    if doc.cached:
        head += "  (cached)"
    return head


def _document(doc: DocumentReport, paint: _Painter) -> list[str]:
    problems = document_problems(doc)
    lines = [_header(doc, problems, paint)]
    if doc.rule_sets:
        lines.append("  checked with: " + ", ".join(f"{r.id} {r.version}" for r in doc.rule_sets))
    if doc.decision:
        lines.append(f"  decision: {_safe(doc.decision)}")
    for note in doc.notes:
        lines.append(f"  note: {_safe(note)}")
    needs_source = any(f.line is not None for f in [*problems, *doc.suppressed])
    source = source_lines(doc.path) if needs_source else None
    for f in sorted_findings(problems):
        lines.extend(_finding(doc.path, f, source, paint))
    if doc.suppressed:
        lines.append(f"  suppressed by policy ({len(doc.suppressed)}):")
        for f in sorted_findings(doc.suppressed):
            lines.extend("  " + line for line in _finding(doc.path, f, source, paint, suppressed=True))
    return lines


def _summary(report: Report, paint: _Painter) -> list[str]:
    verdicts = verdict_counts(report)
    severities = severity_counts(f for d in report.documents for f in document_problems(d))
    columns: list[tuple[str, str, str | None]] = [
        ("documents", str(len(report.documents)), None),
        ("valid", str(verdicts[Verdict.VALID]), "valid" if verdicts[Verdict.VALID] else None),
        ("invalid", str(verdicts[Verdict.INVALID]), "invalid" if verdicts[Verdict.INVALID] else None),
        (
            "not validated",
            str(verdicts[Verdict.NOT_VALIDATED]),
            "not_validated" if verdicts[Verdict.NOT_VALIDATED] else None,
        ),
    ]
    for sev in Severity:
        count = severities[sev]
        columns.append((sev.value, str(count), sev.value if count else None))
    suppressed = sum(len(d.suppressed) for d in report.documents)
    if suppressed:
        columns.append(("suppressed", str(suppressed), None))
    columns.append(("time", format_duration(report.duration_ms), None))
    widths = [max(len(title), len(value)) for title, value, _ in columns]
    header = "  ".join(title.ljust(w) for (title, _, _), w in zip(columns, widths, strict=True))
    values = "  ".join(
        (paint(value, style) if style else value) + " " * (w - len(value))
        for (_, value, style), w in zip(columns, widths, strict=True)
    )
    return ["summary:", "  " + header.rstrip(), "  " + values.rstrip(), summary_line(report)]


def render_text(report: Report, *, color: bool = False, **_: object) -> str:
    """Render a report for people: per-file blocks with source lines and carets, then a summary table."""
    paint = _Painter(color)
    lines: list[str] = []
    for doc in report.documents:
        lines.extend(_document(doc, paint))
        lines.append("")
    lines.extend(_summary(report, paint))
    return "\n".join(lines) + "\n"
