"""Country layers: Italy (SDI), France (CTC), Belgium, and the e-invoicing API's shape checks.

Each country module exposes ``layers(detection, as_of, plan, options) -> list[Layer]``; :func:`country_layers`
asks all of them, in a fixed order, which layers a document gets.
"""

from __future__ import annotations

import importlib
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..detect import Detection
    from ..layers import Layer
    from ..plan import Plan
    from ..validator import Options

#: Country modules asked for layers, in order (a module that does not exist yet is skipped).
COUNTRY_MODULES = ("it", "fr", "be", "api")


def country_layers(detection: Detection, as_of: date, plan: Plan, options: Options) -> list[Layer]:
    """Every country layer that applies to a detected document on a date."""
    out: list[Layer] = []
    for name in COUNTRY_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        out.extend(module.layers(detection, as_of, plan, options))
    return out
