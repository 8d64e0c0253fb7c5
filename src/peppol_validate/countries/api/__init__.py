"""The e-invoicing API's error codes: shape checks on every UBL and CII document, in the API's own codes.

One layer, ``api-codes`` (Python, :mod:`.checks`), for every UBL 2.1 Invoice/CreditNote and CII D16B document:
INVALID_VAT_FORMAT, INVALID_IBAN, INVALID_DATE and MISSING_FIELD as project rules ``API-<CODE>-<FIELD>``.
INVALID_CURRENCY and INVALID_ENUM ride on the CEN code-list findings through ``schemas/catalogue/api.json``
mappings (no code list is copied). ``render/envelope.py`` prints the API's error envelope for a report.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ...detect import DocumentKind
from ..base import PythonChecksLayer
from .checks import checks as api_checks

if TYPE_CHECKING:
    from ...detect import Detection
    from ...layers import Layer
    from ...plan import Plan
    from ...validator import Options

#: Version of the API code checks (bump when a check changes).
VERSION = "2026.11"
#: Name of the layer (the ``rule_set`` of its findings).
LAYER_NAME = "api-codes"
#: The authority name API findings carry.
AUTHORITY = "API"

_SYNTAXES = frozenset({DocumentKind.UBL_INVOICE, DocumentKind.UBL_CREDIT_NOTE, DocumentKind.CII})


def layers(detection: Detection, as_of: date, plan: Plan, options: Options) -> list[Layer]:
    """The API layer for a UBL or CII document (none for FatturaPA or unsupported documents)."""
    if detection.kind not in _SYNTAXES:
        return []
    return [PythonChecksLayer(LAYER_NAME, VERSION, api_checks())]
