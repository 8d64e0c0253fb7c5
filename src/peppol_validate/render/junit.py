"""JUnit XML for CI test reports: one testcase per document (name = path, classname = document type).

An invalid document is a ``<failure>``, a document that could not be validated an ``<error>``; nothing is ever
skipped. The failure/error text lists one finding per line in the text format
(``path:line:col: severity [RULE-ID] message``); warnings of valid documents go to ``<system-out>``.
"""

from __future__ import annotations

import re

from lxml import etree

from ..model import DocumentReport, Finding, Report, Verdict
from ._common import (
    document_problems,
    finding_line,
    layer_duration_seconds,
    policy_text,
    severity_counts,
    sorted_findings,
    verdict_counts,
)

SUITE_NAME = "peppol-validate"
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_IDS_IN_MESSAGE = 10


def _x(text: str) -> str:
    """Text made safe for XML 1.0 (characters XML cannot hold become U+FFFD)."""
    return _NOT_XML_CHARS.sub("\ufffd", text)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _property(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, "property", name=_x(name), value=_x(value))


def _lines(path: str | None, findings: list[Finding]) -> str:
    out = []
    for f in sorted_findings(findings):
        line = finding_line(path, f)
        policy = policy_text(f)
        if policy:
            line += f" ({policy})"
        out.append(line)
    return "\n".join(out)


def _summary(doc: DocumentReport, problems: list[Finding]) -> str:
    counts = ", ".join(f"{n} {sev.value}" for sev, n in severity_counts(problems).items() if n)
    ids = list(dict.fromkeys(f.rule_id for f in sorted_findings(problems) if f.severity.rejects))
    shown = ", ".join(ids[:_MAX_IDS_IN_MESSAGE]) + (", …" if len(ids) > _MAX_IDS_IN_MESSAGE else "")
    word = "not validated" if doc.verdict is Verdict.NOT_VALIDATED else doc.verdict.value
    text = word + (f": {counts}" if counts else "")
    return text + (f" ({shown})" if shown else "")


def _testcase(suite: etree._Element, doc: DocumentReport) -> None:
    case = etree.SubElement(
        suite,
        "testcase",
        name=_x(doc.path or "<document>"),
        classname=_x(doc.document_type or "unknown"),
        time=_seconds(layer_duration_seconds(doc)),
    )
    props = etree.SubElement(case, "properties")
    _property(props, "verdict", doc.verdict.value)
    if doc.label:
        _property(props, "label", doc.label)
    for ref in doc.rule_sets:
        _property(props, "rule_set", f"{ref.id} {ref.version} ({ref.layer})")
    if doc.decision:
        _property(props, "decision", doc.decision)
    problems = document_problems(doc)
    if doc.verdict is Verdict.INVALID:
        failure = etree.SubElement(case, "failure", message=_x(_summary(doc, problems)), type="invalid")
        failure.text = _x(_lines(doc.path, problems))
    elif doc.verdict is Verdict.NOT_VALIDATED:
        error = etree.SubElement(case, "error", message=_x(_summary(doc, problems)), type="not_validated")
        error.text = _x(_lines(doc.path, problems))
    elif problems:
        out = etree.SubElement(case, "system-out")
        out.text = _x(_lines(doc.path, problems))
    if doc.suppressed:
        err = etree.SubElement(case, "system-err")
        err.text = _x("suppressed by policy:\n" + _lines(doc.path, doc.suppressed))


def junit_tree(report: Report) -> etree._Element:
    """The report as a JUnit XML ``<testsuites>`` element."""
    counts = verdict_counts(report)
    totals = {
        "tests": str(len(report.documents)),
        "failures": str(counts[Verdict.INVALID]),
        "errors": str(counts[Verdict.NOT_VALIDATED]),
        "skipped": "0",
        "time": _seconds(report.duration_ms / 1000),
    }
    root = etree.Element("testsuites", name=SUITE_NAME, **totals)
    suite = etree.SubElement(root, "testsuite", name=SUITE_NAME, **totals)
    props = etree.SubElement(suite, "properties")
    _property(props, "tool", f"{report.tool} {report.version}".strip())
    if report.as_of:
        _property(props, "as_of", report.as_of)
    for doc in report.documents:
        _testcase(suite, doc)
    return root


def render_junit(report: Report, *, color: bool = False, **_: object) -> str:
    """Render a report as JUnit XML (testsuites/testsuite/testcase, one testcase per document)."""
    body: str = etree.tostring(junit_tree(report), pretty_print=True, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body
