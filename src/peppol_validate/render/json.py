"""The JSON report: the documented contract other tools parse (see schemas/report.schema.json).

``report_json_schema()`` generates that schema from the pydantic models; after changing the models, regenerate
the committed file (tests/test_render.py checks they are equal) with::

    .venv/bin/python -c "from peppol_validate.render.json import report_json_schema_text as s; print(s(), end='')" \
        > schemas/report.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Report

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:peppol-validate:schema:report"


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data: {"documents": [{"path", "verdict", ..., "findings": [...]}]}."""
    data = report.model_dump(mode="json")
    data["verdict"] = report.verdict.value
    return data


def render_json(report: Report, **_: object) -> str:
    """Serialise a report as indented JSON."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


def _all_required(node: Any) -> None:
    """Mark every property of every object schema as required: report_dict always emits every field."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if node.get("type") == "object" and isinstance(properties, dict):
            node["required"] = list(properties)
        for value in node.values():
            _all_required(value)
    elif isinstance(node, list):
        for item in node:
            _all_required(item)


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what :func:`report_dict` emits, generated from the report models."""
    generated = Report.model_json_schema(mode="serialization")
    _all_required(generated)
    properties: dict[str, Any] = dict(generated["properties"])
    properties["verdict"] = {
        "$ref": "#/$defs/Verdict",
        "description": "The worst verdict over all documents (not_validated > invalid > valid); "
        "not_validated when there are no documents.",
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "peppol-validate JSON report",
        "description": "The output of `peppol-validate --format json` and of render_json(): a contract. "
        "More keys may be added; existing keys keep their meaning.",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "$defs": generated.get("$defs", {}),
    }


def report_json_schema_text() -> str:
    """:func:`report_json_schema` serialised as committed in schemas/report.schema.json."""
    return json.dumps(report_json_schema(), indent=2, ensure_ascii=False) + "\n"
