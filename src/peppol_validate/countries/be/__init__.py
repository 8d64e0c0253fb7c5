"""Belgium: the checks Belgian invoices need beyond Peppol BIS, and the legacy UBL.BE rules on request.

Layers for a UBL or CII document:

- ``be-checks`` (Python, :mod:`.checks`): OGM-VCS structured communications, enterprise numbers (0208), Belgian
  VAT numbers and their Peppol form (9925), VAT/enterprise-number consistency. It runs only when the seller or the
  buyer is Belgian (country BE, a BE VAT id, or a 0208/9925 identifier); otherwise it reports ``skipped``.
- ``ublbe`` (the official UBL.BE 1.31 Schematron from the packs, compiled by the project's compiler): only when
  ``"ublbe"`` is in ``options.optional_rule_sets``, and then on UBL documents that are Belgian or claim UBL.BE
  in their CustomizationID. UBL.BE is the legacy Belgian CIUS; Peppol BIS documents fail some of its rules
  (ubl-BE-01 asks for two AdditionalDocumentReference, PEPPOL-EN16931-R004 for the old customization).

Mercurius (B2G) publishes no rules of its own beyond Peppol BIS; HERMES closed on 2025-12-31. See docs/belgium.md.
"""

from __future__ import annotations

import json
import time
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ...detect import DocumentKind
from ...layers import LayerOutcome, PackSource, RunContext, SchematronLayer
from ...model import LayerResult, LayerStatus
from ...plan import RuleSetSpec
from ..base import PythonChecksLayer, packs_of
from .checks import checks as belgian_checks
from .checks import is_belgian

if TYPE_CHECKING:
    from ...detect import Detection
    from ...layers import Layer
    from ...plan import Plan
    from ...validator import Options

#: Version of the project's Belgian rules (bump when a check changes).
VERSION = "2026.11"
#: Name of the Python layer (the ``rule_set`` of its findings).
LAYER_NAME = "be-checks"
#: The name that switches the optional UBL.BE rule set on (``Options.optional_rule_sets``).
UBLBE_OPTION = "ublbe"

_SYNTAXES = frozenset({DocumentKind.UBL_INVOICE, DocumentKind.UBL_CREDIT_NOTE, DocumentKind.CII})


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    """The Belgian layer's data file (``data/belgium.json``)."""
    raw: dict[str, Any] = json.loads(
        resources.files(__name__).joinpath("data").joinpath("belgium.json").read_text("utf-8")
    )
    return raw


def ublbe_spec() -> RuleSetSpec:
    """The UBL.BE rule set (a pack path), from the data file."""
    return RuleSetSpec.from_dict(data()["ublbe"])


def _skipped(layer: str, name: str, version: str, started: float) -> LayerOutcome:
    result = LayerResult(
        layer=layer,
        name=name,
        version=version,
        status=LayerStatus.SKIPPED,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    return LayerOutcome(result, [])


class BelgianChecksLayer(PythonChecksLayer):
    """The Belgian Python checks; ``skipped`` on documents where neither the seller nor the buyer is Belgian."""

    def run(self, ctx: RunContext) -> LayerOutcome:
        """Run the checks on a Belgian document, skip any other."""
        started = time.perf_counter()
        try:
            belgian = is_belgian(ctx.document.root)
        except Exception:  # let the checks report the failure as a layer error (fail closed)
            belgian = True
        if not belgian:
            return _skipped(self.layer, self.name, self.version, started)
        return super().run(ctx)


def claims_ublbe(customization_id: str | None) -> bool:
    """True when a CustomizationID names UBL.BE (``urn:cen.eu:en16931:2017#conformant#urn:UBL.BE:1.0.0.20180214``)."""
    return "ubl.be" in (customization_id or "").lower()


class UblBeLayer:
    """The optional UBL.BE rule set: a SchematronLayer that runs on Belgian or UBL.BE documents only."""

    layer = "schematron"

    def __init__(self, spec: RuleSetSpec, packs: PackSource) -> None:
        self.spec = spec
        self.name = spec.id
        self.version = spec.version
        self.inner = SchematronLayer(spec, packs)

    def run(self, ctx: RunContext) -> LayerOutcome:
        """Run UBL.BE on a document that is Belgian or claims UBL.BE; skip any other."""
        started = time.perf_counter()
        if not (claims_ublbe(ctx.detection.customization_id) or is_belgian(ctx.document.root)):
            return _skipped(self.layer, self.name, self.version, started)
        return self.inner.run(ctx)


def uses_peppol_rules(plan: Plan) -> bool:
    """True when the plan runs a Peppol BIS rule set (which holds PEPPOL-COMMON-R043)."""
    return any(spec.family.startswith("peppol") for spec in plan.rule_sets)


def layers(detection: Detection, as_of: date, plan: Plan, options: Options) -> list[Layer]:
    """The Belgian layers for a UBL or CII document (none for other documents)."""
    if detection.kind not in _SYNTAXES:
        return []
    out: list[Layer] = [BelgianChecksLayer(LAYER_NAME, VERSION, belgian_checks(peppol_r043=uses_peppol_rules(plan)))]
    if UBLBE_OPTION in options.optional_rule_sets and detection.syntax == "ubl":
        out.append(UblBeLayer(ublbe_spec(), packs_of(options)))
    return out
