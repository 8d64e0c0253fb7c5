"""French identifiers the official BR-FR rules do not check digit by digit: SIREN, SIRET, VAT key, 0225 format.

The FNFE-MPE BR-FR rules (XP Z12-012) check that a SIREN has 9 digits (BR-FR-10, BR-FR-32), that a SIRET has
14 digits and starts with the SIREN (BR-FR-09), and the characters and length of 0225 electronic addresses
(BR-FR-23, BR-FR-25). They never check a check digit. This module does, wherever a UBL or CII document carries
one of these identifiers:

- ``FR-SIREN``: scheme 0002 (SIRENE; the ICD allows the 9-digit SIREN or the 14-digit SIRET) and the SIREN inside
  a French VAT number: 9 digits, Luhn check digit;
- ``FR-SIRET``: scheme 0009 (and 14-digit 0002 values): 14 digits, Luhn over all 14 digits and over the SIREN
  part, except La Poste (SIREN 356000000), whose establishments are checked by digit sum multiple of 5 (INSEE's
  exception; the head office 35600000000048 follows Luhn);
- ``FR-VAT-FORMAT`` and ``FR-VAT-KEY``: a VAT number starting with FR (UBL ``cac:PartyTaxScheme/cbc:CompanyID``,
  CII ``ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']``, and EAS 9957 identifiers) is FR + a 2-character key
  + the SIREN; a numeric key is (12 + 3 * (SIREN mod 97)) mod 97, an alphanumeric (old "new-style") key is
  checked as python-stdnum's ``stdnum.fr.tva`` does;
- ``FR-ROUTING-ID``: scheme 0225 (FRCTC electronic address) outside the format of its ICD registration in the
  Peppol code list (``[A-Za-z0-9_-]{1,130}``); a warning, as the BR-FR rules accept "." and "+" too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from stdnum.fr import tva as stdnum_tva

from ...layers import RunContext
from ...model import Finding
from ..base import Check, make_finding

SIRENE = "0002"
SIRET = "0009"
FRCTC = "0225"
FR_VAT_EAS = "9957"
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"

#: Elements that carry party identifiers with a @schemeID (UBL and CII).
_ID_ELEMENTS = frozenset({"EndpointID", "ID", "CompanyID", "URIID", "GlobalID"})
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
#: The two key characters of a French VAT number (digits, and letters except I and O).
_VAT_KEY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_ROUTING = re.compile(r"[A-Za-z0-9_-]{1,130}")


# --------------------------------------------------------------------------------------------------------------
# Pure checks: each returns None when the value is valid, else a short reason.


def luhn_ok(digits: str) -> bool:
    """True when a string of ASCII digits passes the Luhn (mod 10) check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def siren_problem(value: str) -> str | None:
    """Why a SIREN is invalid (None when it is valid): 9 digits with a Luhn check digit."""
    if not _digits(value) or len(value) != 9:
        return f"a SIREN is exactly 9 digits, not {value!r}"
    if not luhn_ok(value):
        return f"the SIREN {value} fails the Luhn check digit"
    return None


def siret_problem(value: str) -> str | None:
    """Why a SIRET is invalid (None when it is valid), La Poste's digit-sum exception included."""
    if not _digits(value) or len(value) != 14:
        return f"a SIRET is exactly 14 digits, not {value!r}"
    if value.startswith(LA_POSTE_SIREN) and value != LA_POSTE_HEAD_OFFICE:
        if sum(ord(ch) - 48 for ch in value) % 5 != 0:
            return f"the La Poste SIRET {value} fails its check (the sum of its digits must be a multiple of 5)"
        return None
    if not luhn_ok(value):
        return f"the SIRET {value} fails the Luhn check digit"
    if not luhn_ok(value[:9]):
        return f"the SIREN part {value[:9]} of the SIRET {value} fails the Luhn check digit"
    return None


def vat_key(siren: str) -> str:
    """The numeric key of the French VAT number of a 9-digit SIREN: (12 + 3 * (SIREN mod 97)) mod 97."""
    return f"{(12 + 3 * (int(siren) % 97)) % 97:02d}"


@dataclass(frozen=True)
class VatProblem:
    """What is wrong with a French VAT number: the rule that fails and why."""

    rule: str
    reason: str


def vat_problem(value: str) -> VatProblem | None:
    """Why a French VAT number (FR + 2-character key + SIREN) is invalid, or None when it is valid."""
    compact = value.strip()
    if compact[:2].upper() != "FR" or len(compact) != 13:
        return VatProblem(
            "FR-VAT-FORMAT", f"a French VAT number is FR + a 2-character key + the 9-digit SIREN, not {value!r}"
        )
    key, siren = compact[2:4], compact[4:]
    if compact[:2] != "FR" or not _digits(siren) or any(ch not in _VAT_KEY_ALPHABET for ch in key):
        return VatProblem(
            "FR-VAT-FORMAT",
            f"a French VAT number is FR + a 2-character key (digits, or capital letters other than I and O) "
            f"+ the 9-digit SIREN, not {value!r}",
        )
    monaco = siren.startswith("000")  # Monaco VAT numbers carry no SIREN
    if not monaco and not luhn_ok(siren):
        return VatProblem("FR-SIREN", f"the SIREN part {siren} of the VAT number {compact} fails the Luhn check digit")
    if _digits(key):
        expected = vat_key(siren)
        if key != expected:
            return VatProblem(
                "FR-VAT-KEY", f"the key of {compact} is {key}, but the key computed from {siren} is {expected}"
            )
        return None
    if not stdnum_tva.is_valid(compact[2:]):
        return VatProblem("FR-VAT-KEY", f"the alphanumeric key {key} of {compact} does not match the SIREN {siren}")
    return None


def routing_problem(value: str) -> str | None:
    """Why a 0225 (FRCTC) electronic address is outside its ICD registration format, or None."""
    if _ROUTING.fullmatch(value) is None:
        return (
            f"the 0225 address {value!r} is not 1 to 130 characters from A-Z, a-z, 0-9, '-' and '_' "
            "(the ICD 0225 registration)"
        )
    return None


# --------------------------------------------------------------------------------------------------------------
# Where the identifiers are in a document


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def scheme_identifiers(root: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    """Every party identifier with a French scheme (0002, 0009, 0225, 9957): (element, scheme, value)."""
    for el in root.iter():
        if not isinstance(el.tag, str) or _local(el) not in _ID_ELEMENTS:
            continue
        scheme = (el.get("schemeID") or "").strip()
        if scheme in (SIRENE, SIRET, FRCTC, FR_VAT_EAS):
            yield el, scheme, _text(el)


def vat_numbers(root: etree._Element) -> Iterator[etree._Element]:
    """Every VAT identifier that starts with FR (UBL PartyTaxScheme, CII SpecifiedTaxRegistration VA)."""
    for el in root.iter(f"{{{_CBC}}}CompanyID"):
        parent = el.getparent()
        if parent is None or parent.tag != f"{{{_CAC}}}PartyTaxScheme":
            continue
        scheme = parent.find(f"{{{_CAC}}}TaxScheme/{{{_CBC}}}ID")
        if scheme is not None and _text(scheme).upper() != "VAT":
            continue
        if _text(el)[:2].upper() == "FR":
            yield el
    for el in root.iter(f"{{{_RAM}}}ID"):
        parent = el.getparent()
        if parent is None or parent.tag != f"{{{_RAM}}}SpecifiedTaxRegistration":
            continue
        if (el.get("schemeID") or "").strip() == "VA" and _text(el)[:2].upper() == "FR":
            yield el


# --------------------------------------------------------------------------------------------------------------
# Checks


def _finding(rule: str, ctx: RunContext, node: etree._Element, reason: str) -> Finding:
    return make_finding(rule, ctx.document, node, f"{reason[0].upper()}{reason[1:]}.")


def check_identifiers(ctx: RunContext) -> Iterator[Finding]:
    """SIREN (0002), SIRET (0009), 0225 addresses and EAS 9957 VAT numbers, wherever they are."""
    for el, scheme, value in scheme_identifiers(ctx.document.root):
        if scheme == SIRENE:
            if _digits(value) and len(value) == 14:
                problem = siret_problem(value)
                if problem:
                    yield _finding("FR-SIRET", ctx, el, problem)
            else:
                problem = siren_problem(value)
                if problem:
                    yield _finding("FR-SIREN", ctx, el, problem)
        elif scheme == SIRET:
            problem = siret_problem(value)
            if problem:
                yield _finding("FR-SIRET", ctx, el, problem)
        elif scheme == FRCTC:
            problem = routing_problem(value)
            if problem:
                yield _finding("FR-ROUTING-ID", ctx, el, problem)
        else:  # EAS 9957: the French VAT number, with or without its FR prefix
            number = value if value[:2].upper() == "FR" else f"FR{value}"
            vat = vat_problem(number)
            if vat:
                yield _finding(vat.rule, ctx, el, vat.reason)


def check_vat_numbers(ctx: RunContext) -> Iterator[Finding]:
    """French VAT numbers of the parties: format, SIREN part and key."""
    for el in vat_numbers(ctx.document.root):
        vat = vat_problem(_text(el))
        if vat:
            yield _finding(vat.rule, ctx, el, vat.reason)


def checks() -> list[Check]:
    """The French identifier checks, in order."""
    return [check_identifiers, check_vat_numbers]
