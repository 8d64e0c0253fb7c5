"""The JSON report: the documented contract other tools parse (see schemas/report.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from ..model import Report


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data: {"documents": [{"path", "verdict", ..., "findings": [...]}]}."""
    data = report.model_dump(mode="json")
    data["verdict"] = report.verdict.value
    return data


def render_json(report: Report, **_: object) -> str:
    """Serialise a report as indented JSON."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
