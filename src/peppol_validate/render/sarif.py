"""SARIF 2.1.0 for code-scanning UIs (GitHub code scanning, VS Code SARIF viewer, ...).

One run; one ``reportingDescriptor`` per distinct rule id; one result per finding, located by file, line and
column (columns count Unicode code points, as the loader does) and by the XPath as a logical location. A
document that could not be validated gets a result too (its LOAD-*, UNSUPPORTED-DOCUMENT or NOT-VALIDATED
finding). Findings a policy suppressed are kept as results with an external suppression.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from ..model import DocumentReport, Finding, Report, Severity
from ._common import authority_text, clean_message, document_problems, policy_text, sorted_findings

TOOL_NAME = "peppol-validate"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: Where people learn about the tool (the driver's informationUri).
INFORMATION_URI = "https://pypi.org/project/peppol-validate/"

_LEVEL = {Severity.FATAL: "error", Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_level(severity: Severity) -> str:
    """The SARIF level of a severity: fatal/error → error, warning → warning, info → note."""
    return _LEVEL[severity]


def artifact_uri(path: str, base: str | None = None) -> str:
    """A SARIF artifact URI for a path: relative with forward slashes, or a file: URI when absolute."""
    slashed = path.replace("\\", "/")
    if base:
        prefix = base.replace("\\", "/").rstrip("/") + "/"
        if slashed.startswith(prefix):
            slashed = slashed[len(prefix) :]
    windows = PureWindowsPath(slashed)
    if windows.drive and windows.is_absolute():
        return windows.as_uri()
    if slashed.startswith("/"):
        return PurePosixPath(slashed).as_uri()
    while slashed.startswith("./"):
        slashed = slashed[2:]
    return quote(slashed, safe="/-._~!$&'()*+,;=@")


def _descriptor(finding: Finding) -> dict[str, Any]:
    message = clean_message(finding)
    full = message if message.endswith((".", "!", "?")) else message + "."
    if finding.rule_set:
        version = f" {finding.rule_set_version}" if finding.rule_set_version else ""
        full += f" Rule set: {finding.rule_set}{version}."
    if finding.business_terms:
        full += " Business terms: " + ", ".join(finding.business_terms) + "."
    properties: dict[str, Any] = {"layer": finding.layer, "tags": [finding.layer]}
    if finding.rule_set:
        properties["ruleSet"] = finding.rule_set
        properties["tags"].append(finding.rule_set)
    if finding.rule_set_version:
        properties["ruleSetVersion"] = finding.rule_set_version
    if finding.business_terms:
        properties["businessTerms"] = list(finding.business_terms)
    if finding.authority_codes:
        properties["authorityCodes"] = [{"authority": a.authority, "code": a.code} for a in finding.authority_codes]
    return {
        "id": finding.rule_id,
        "shortDescription": {"text": message},
        "fullDescription": {"text": full},
        "help": {"text": finding.fix or message},
        "defaultConfiguration": {"level": sarif_level(finding.severity)},
        "properties": properties,
    }


def _result(doc: DocumentReport, finding: Finding, index: int, base: str | None, *, suppressed: bool) -> dict[str, Any]:
    text = clean_message(finding)
    authority = authority_text(finding)
    if authority:
        text += f" (authority codes: {authority})"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": sarif_level(finding.severity),
        "message": {"text": text},
    }
    location: dict[str, Any] = {}
    if doc.path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(doc.path, base)}}
        if finding.line is not None and finding.line >= 1:
            region: dict[str, Any] = {"startLine": finding.line}
            if finding.column is not None and finding.column >= 1:
                region["startColumn"] = finding.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if finding.location:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.location, "kind": "element"}]
    if location:
        result["locations"] = [location]
    properties: dict[str, Any] = {
        "severity": finding.severity.value,
        "layer": finding.layer,
        "verdict": doc.verdict.value,
    }
    if doc.document_type:
        properties["documentType"] = doc.document_type
    if finding.rule_set:
        properties["ruleSet"] = finding.rule_set
    if finding.rule_set_version:
        properties["ruleSetVersion"] = finding.rule_set_version
    if finding.fix:
        properties["fix"] = finding.fix
    if finding.policy:
        properties["policy"] = finding.policy
    if finding.policy_reason:
        properties["policyReason"] = finding.policy_reason
    result["properties"] = properties
    if suppressed:
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        justification = policy_text(finding, default="suppressed")
        if justification:
            suppression["justification"] = justification
        result["suppressions"] = [suppression]
    return result


def sarif_log(report: Report, *, base: str | None = None) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a dict ready for json.dumps)."""
    rules: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for doc in report.documents:
        entries = [(f, False) for f in sorted_findings(document_problems(doc))]
        entries += [(f, True) for f in sorted_findings(doc.suppressed)]
        for finding, suppressed in entries:
            if finding.rule_id not in index_of:
                index_of[finding.rule_id] = len(rules)
                rules.append(_descriptor(finding))
            if finding.rule_set:
                version = f" {finding.rule_set_version}" if finding.rule_set_version else ""
                seen = rules[index_of[finding.rule_id]]["properties"].setdefault("ruleSets", [])
                if f"{finding.rule_set}{version}" not in seen:
                    seen.append(f"{finding.rule_set}{version}")
            results.append(_result(doc, finding, index_of[finding.rule_id], base, suppressed=suppressed))
    driver: dict[str, Any] = {"name": TOOL_NAME}
    if report.version:
        driver["version"] = report.version
        driver["semanticVersion"] = report.version
    driver["informationUri"] = INFORMATION_URI
    driver["rules"] = rules
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "verdict": report.verdict.value,
            "asOf": report.as_of,
            "durationMs": report.duration_ms,
            "documents": [
                {"path": d.path, "verdict": d.verdict.value, "decision": d.decision} for d in report.documents
            ],
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report, *, color: bool = False, base: str | None = None, **_: object) -> str:
    """Render a report as SARIF 2.1.0 JSON (paths under ``base``, if given, are made relative to it)."""
    return json.dumps(sarif_log(report, base=base), indent=2, ensure_ascii=False) + "\n"
