"""Country layers: Italy (SDI), France (CTC), Belgium, and the e-invoicing API's shape checks.

Each country module exposes ``layers(detection, as_of, plan, options) -> list[Layer]``; :func:`country_layers`
asks all of them, in a fixed order, which layers a document gets.
"""

from __future__ import annotations

import importlib
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..detect import Detection
    from ..layers import Layer
    from ..loading import LoadedDocument
    from ..model import DocumentReport, Finding
    from ..plan import Plan
    from ..validator import Options

#: Country modules asked for layers, in order (a module that does not exist yet is skipped).
COUNTRY_MODULES = ("it", "fr", "be", "api")


def _modules() -> list[Any]:
    found = []
    for name in COUNTRY_MODULES:
        try:
            found.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return found


def country_layers(detection: Detection, as_of: date, plan: Plan, options: Options) -> list[Layer]:
    """Every country layer that applies to a detected document on a date."""
    out: list[Layer] = []
    for module in _modules():
        out.extend(module.layers(detection, as_of, plan, options))
    return out


def after_layers(detection: Detection, findings: list[Finding], doc: LoadedDocument) -> list[Finding]:
    """Findings that need every layer's findings first (e.g. SDI 00201: more than 50 format errors)."""
    out: list[Finding] = []
    for module in _modules():
        hook = getattr(module, "after_layers", None)
        if hook is not None:
            out.extend(hook(detection, findings, doc))
    return out


def after_verdict(report: DocumentReport, doc: LoadedDocument, options: Options) -> None:
    """Work that needs the final verdict (e.g. the SDI ledger forgets documents that were not valid)."""
    for module in _modules():
        hook = getattr(module, "after_verdict", None)
        if hook is not None:
            hook(report, doc, options)
