"""Renderers: one module per output format; the core never prints.

Every renderer is ``render_X(report, *, color=False, **options) -> str`` and pure (no printing, no environment);
text.py may read the validated files to show source lines.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Report
from .envelope import render_envelope
from .github import render_github
from .json import render_json, report_json_schema, report_json_schema_text
from .junit import render_junit
from .sarif import render_sarif
from .svrl import render_svrl
from .text import render_text

#: Output format name → renderer (report, options) → text.
RENDERERS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
    "svrl": render_svrl,
    "envelope": render_envelope,
}

#: Formats for which the CLI must create the Validator with ``svrl=True``.
NEEDS_SVRL: frozenset[str] = frozenset({"svrl"})

__all__ = [
    "NEEDS_SVRL",
    "RENDERERS",
    "Report",
    "render_envelope",
    "render_github",
    "render_json",
    "render_junit",
    "render_sarif",
    "render_svrl",
    "render_text",
    "report_json_schema",
    "report_json_schema_text",
]
