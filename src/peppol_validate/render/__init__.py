"""Renderers: one module per output format; the core never prints.

Every renderer is ``render_X(report, *, color=False, **options) -> str`` and pure (no printing, no environment);
text.py may read the validated files to show source lines. A format's module is imported when it is first used
(a one-file CLI run should not pay for every format).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..model import Report

#: Output format name → (module, renderer function).
_FORMATS: dict[str, tuple[str, str]] = {
    "text": ("text", "render_text"),
    "json": ("json", "render_json"),
    "sarif": ("sarif", "render_sarif"),
    "junit": ("junit", "render_junit"),
    "github": ("github", "render_github"),
    "svrl": ("svrl", "render_svrl"),
    "envelope": ("envelope", "render_envelope"),
}
_OTHER_NAMES = {"report_json_schema": "json", "report_json_schema_text": "json"}


def _function(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


class _Renderers(Mapping[str, Callable[..., str]]):
    """The renderers by format name, each imported on first use."""

    def __getitem__(self, fmt: str) -> Callable[..., str]:
        module, name = _FORMATS[fmt]
        renderer: Callable[..., str] = _function(module, name)
        return renderer

    def __iter__(self) -> Iterator[str]:
        return iter(_FORMATS)

    def __len__(self) -> int:
        return len(_FORMATS)


#: Output format name → renderer (report, options) → text.
RENDERERS: Mapping[str, Callable[..., str]] = _Renderers()

#: Formats for which the CLI must create the Validator with ``svrl=True``.
NEEDS_SVRL: frozenset[str] = frozenset({"svrl"})


def __getattr__(name: str) -> Any:
    """The render_X functions and the JSON schema helpers, imported on first use."""
    for module, function in _FORMATS.values():
        if function == name:
            return _function(module, name)
    if name in _OTHER_NAMES:
        return _function(_OTHER_NAMES[name], name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
