"""France: the official FNFE-MPE rules of the CTC e-invoicing reform (XP Z12-012), plus identifier checks.

Layers of a French UBL or CII document (Factur-X is CII):

- the official BR-FR rules (``BR-FR-Flux2-Schematron-{UBL,CII}.sch``) from the packs, compiled by the project's own
  compiler: their WARNING variant before 2026-09-01 (FNFE's dates for issuing), the FATAL one from then on;
- for documents whose CustomizationID claims the EXTENDED-CTC-FR profile, also ``EXTENDED-CTC-FR-{UBL,CII}.sch``;
- ``fr-ctc`` (Python, :mod:`.identifiers`): SIREN / SIRET check digits (La Poste included), the French VAT key and
  the 0225 address format, which the official rules leave out.

Which rule set applies when is data (``data/rulesets.json``). Official findings keep their own ids and get the
authority code ``FR-CTC`` + their id; project findings are ``FR-*`` (``schemas/catalogue/fr.json``).

A document is French when its seller or buyer is in France (address country code, or an FR VAT number), or when
it claims the French framework: a CustomizationID with ``urn.cpro.gouv.fr`` or ``extended-ctc-fr``, or a BT-23
billing framework code of BR-FR-08 (B1 ... M9); the parties' countries come from
:attr:`~peppol_validate.detect.Detection.countries`. Other documents get no French layer. See docs/france.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from lxml import etree

from ...detect import Detection, DocumentKind, Profile, party_countries
from ...layers import LayerOutcome, RunContext, SchematronLayer
from ...model import AuthorityCode
from ...plan import RuleSetSpec
from ..base import PythonChecksLayer, packs_of
from . import identifiers

if TYPE_CHECKING:
    from ...layers import Layer
    from ...plan import Plan
    from ...validator import Options

#: Version of the project's French checks (bump when a check changes).
VERSION = "2026.11"
#: The authority whose codes French findings carry.
AUTHORITY = "FR-CTC"
#: Name of the Python layer (the ``rule_set`` of its findings).
LAYER_NAME = "fr-ctc"

_SYNTAXES = frozenset({DocumentKind.UBL_INVOICE, DocumentKind.UBL_CREDIT_NOTE, DocumentKind.CII})


@dataclass(frozen=True)
class FrenchRuleSet:
    """One official French rule set: its spec, the syntax and documents it applies to, its official XSLT."""

    spec: RuleSetSpec
    syntax: str
    documents: str
    mode: str
    xslt: str


@dataclass(frozen=True)
class FrenchData:
    """``data/rulesets.json``: the rule sets, BR-FR-08's billing framework codes, the official id prefixes."""

    rule_sets: tuple[FrenchRuleSet, ...]
    billing_modes: frozenset[str]
    official_prefixes: tuple[str, ...]

    def release(self, family: str, as_of: date) -> tuple[FrenchRuleSet, str | None]:
        """The release of a family in force on a date (the oldest, with a note, before any took effect)."""
        releases = sorted((r for r in self.rule_sets if r.spec.family == family), key=lambda r: r.spec.valid_from)
        in_force = [r for r in releases if r.spec.valid_from <= as_of]
        if in_force:
            return in_force[-1], None
        first = releases[0]
        note = f"{first.spec.id} {first.spec.version} is the oldest release available; it took effect on "
        return first, note + first.spec.valid_from.isoformat()


@lru_cache(maxsize=1)
def data() -> FrenchData:
    """The packaged French rule-set data (read once per process)."""
    raw: dict[str, Any] = json.loads(
        resources.files(__name__).joinpath("data").joinpath("rulesets.json").read_text("utf-8")
    )
    rule_sets = tuple(
        FrenchRuleSet(
            spec=RuleSetSpec.from_dict(r),
            syntax=r["syntax"],
            documents=r["documents"],
            mode=r["mode"],
            xslt=r["xslt"],
        )
        for r in raw["rule_sets"]
    )
    return FrenchData(
        rule_sets=rule_sets,
        billing_modes=frozenset(raw["billing_modes"]["codes"]),
        official_prefixes=tuple(raw["official_rule_prefixes"]),
    )


# --------------------------------------------------------------------------------------------------------------
# Is a document French?


def claims_extended_ctc_fr(customization_id: str | None) -> bool:
    """True when a CustomizationID (BT-24) claims the EXTENDED-CTC-FR profile."""
    return "extended-ctc-fr" in (customization_id or "").lower()


def claims_french_framework(customization_id: str | None, profile_id: str | None) -> list[str]:
    """Why the document identifiers (BT-24, BT-23) claim the French CTC framework (empty: they do not)."""
    reasons: list[str] = []
    cid = (customization_id or "").strip()
    if "urn.cpro.gouv.fr" in cid or claims_extended_ctc_fr(cid):
        reasons.append(f"CustomizationID {cid}")
    pid = (profile_id or "").strip()
    if pid in data().billing_modes:
        reasons.append(f"French billing framework (BT-23) {pid}")
    return reasons


def french_reasons(root: etree._Element, detection: Detection) -> list[str]:
    """Why a document is French (empty when it is not): its parties' countries or the framework it claims."""
    reasons = claims_french_framework(detection.customization_id, detection.profile_id)
    if detection.profile is Profile.FRENCH_CTC and not reasons:
        reasons.append(f"CustomizationID {detection.customization_id}")
    if "FR" in party_countries(root, detection.syntax):
        reasons.insert(0, "seller or buyer in France")
    return reasons


def detection_is_french(detection: Detection) -> bool:
    """True when what the detection carries shows a French document (its identifiers, or its parties' countries
    when the detection provides them as ``countries``)."""
    if detection.profile is Profile.FRENCH_CTC or claims_french_framework(
        detection.customization_id, detection.profile_id
    ):
        return True
    return "FR" in detection.countries


# --------------------------------------------------------------------------------------------------------------
# Layers


class FrenchRulesLayer(SchematronLayer):
    """An official French Schematron rule set; its BR-FR findings carry the authority code FR-CTC + their id."""

    def run(self, ctx: RunContext) -> LayerOutcome:
        """Run the rule set, then attach the French authority code to the official French findings."""
        outcome = super().run(ctx)
        prefixes = data().official_prefixes
        for f in outcome.findings:
            if f.rule_id.startswith(prefixes):
                code = AuthorityCode(authority=AUTHORITY, code=f.rule_id)
                if code not in f.authority_codes:
                    f.authority_codes.append(code)
        return outcome


def rule_sets_for(
    syntax: str | None, customization_id: str | None, as_of: date
) -> tuple[list[FrenchRuleSet], list[str]]:
    """The official French rule sets in force for a French document of a syntax on a date, and notes about them."""
    extended = claims_extended_ctc_fr(customization_id)
    chosen: list[FrenchRuleSet] = []
    notes: list[str] = []
    families = dict.fromkeys(
        r.spec.family
        for r in data().rule_sets
        if r.syntax == syntax and (r.documents == "french" or (r.documents == "extended-ctc-fr" and extended))
    )
    for family in families:
        rule_set, note = data().release(family, as_of)
        chosen.append(rule_set)
        notes.extend(n for n in (note, rule_set.spec.note) if n)
    return chosen, notes


def layers(detection: Detection, as_of: date, plan: Plan, options: Options) -> list[Layer]:
    """The French layers of a French UBL or CII document (a French party or framework): the official rules
    in force and the ``fr-ctc`` identifier checks; none for other documents."""
    if detection.kind not in _SYNTAXES or not detection_is_french(detection):
        return []
    chosen, notes = rule_sets_for(detection.syntax, detection.customization_id, as_of)
    packs = packs_of(options)
    out: list[Layer] = [FrenchRulesLayer(r.spec, packs) for r in chosen]
    out.append(PythonChecksLayer(LAYER_NAME, VERSION, identifiers.checks()))
    plan.notes.extend(n for n in notes if n not in plan.notes)
    return out
