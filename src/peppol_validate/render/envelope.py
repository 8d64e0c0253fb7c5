"""The e-invoicing API's error envelope: what the API this library guards would answer for each document.

One document (the usual case, and what the API itself answers)::

    {"error": {"type": "validation_error", "code": "INVALID_IBAN", "message": "...",
               "details": [{"field": "/Invoice[1]/cac:PaymentMeans[1]/...", "rule": "API-INVALID_IBAN-...",
                            "message": "..."}]}}

- ``details``: every finding that rejects the document (fatal or error) and every finding that carries an API
  authority code (the API refuses those even where the official rules only warn, e.g. a VAT id with spaces), worst
  first, then in source order. ``field`` is the finding's location (an XPath into the document) or null when the
  finding has none (a file that is not XML); ``rule`` its rule id; ``message`` its text without the
  ``[RULE-ID]-`` prefix official rules repeat.
- ``code``: the API code of the first detail that has one; ``VALIDATION_FAILED`` when no detail has one (only
  official findings, or a document that could not be validated).
- ``message``: the first detail's message, with the number of further problems.
- A document with no detail (valid, warnings without API codes at most) gives ``{"error": null}``.

Several documents: a JSON list, one envelope per document in input order, each with the document's ``path``
beside ``error`` (a path may be null or repeated, so a list rather than an object keyed by path).
"""

from __future__ import annotations

import json
from typing import Any

from ..model import DocumentReport, Finding, Report, Verdict
from ._common import clean_message, document_problems, sorted_findings

#: The authority whose codes the envelope reports.
API_AUTHORITY = "API"
#: The envelope's error type.
ERROR_TYPE = "validation_error"
#: The code when findings exist but none carries an API code.
FALLBACK_CODE = "VALIDATION_FAILED"


def api_code(finding: Finding) -> str | None:
    """The finding's API code, if it carries one."""
    return next((c.code for c in finding.authority_codes if c.authority == API_AUTHORITY), None)


def envelope_details(doc: DocumentReport) -> list[Finding]:
    """The findings the envelope lists: rejecting ones and API-coded ones, worst first then in source order."""
    return [f for f in sorted_findings(document_problems(doc)) if f.severity.rejects or api_code(f) is not None]


def envelope_for(doc: DocumentReport) -> dict[str, Any]:
    """The API's answer for one document: ``{"error": {...}}``, or ``{"error": None}`` when it would accept it."""
    details = envelope_details(doc)
    if not details and doc.verdict is Verdict.VALID:
        return {"error": None}
    code = next((c for c in (api_code(f) for f in details) if c is not None), FALLBACK_CODE)
    if details:
        message = clean_message(details[0])
        if len(details) > 1:
            more = len(details) - 1
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
    else:  # not validated and nothing says why (document_problems normally adds a finding)
        message = "The document could not be validated."
    return {
        "error": {
            "type": ERROR_TYPE,
            "code": code,
            "message": message,
            "details": [{"field": f.location, "rule": f.rule_id, "message": clean_message(f)} for f in details],
        }
    }


def envelope_data(report: Report) -> dict[str, Any] | list[dict[str, Any]]:
    """The envelope of a single-document report, or the list of per-document envelopes (with ``path``)."""
    if len(report.documents) == 1:
        return envelope_for(report.documents[0])
    return [{"path": doc.path, **envelope_for(doc)} for doc in report.documents]


def render_envelope(report: Report, **_: object) -> str:
    """The report as the API's error envelope(s), indented JSON."""
    return json.dumps(envelope_data(report), indent=2, ensure_ascii=False) + "\n"
