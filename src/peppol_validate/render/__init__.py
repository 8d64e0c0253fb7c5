"""Renderers: one module per output format; the core never prints."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Report
from .json import render_json
from .text import render_text

#: Output format name → renderer (report, options) → text.
RENDERERS: dict[str, Callable[..., str]] = {"text": render_text, "json": render_json}

__all__ = ["RENDERERS", "Report", "render_json", "render_text"]
