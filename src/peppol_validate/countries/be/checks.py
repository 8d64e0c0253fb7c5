"""Belgian checks: OGM-VCS structured communication, enterprise numbers (0208), Peppol VAT ids (9925), VAT numbers.

Every check is a pure function of the document (UBL 2.1 Invoice/CreditNote or CII D16B); the layer in
``__init__`` runs them only on Belgian documents (:func:`is_belgian`). OGM-VCS check digits come from python-stdnum
(``stdnum.be.ogm_vcs``); enterprise numbers are checked here, stricter than ``stdnum.be.vat``. The tests recompute
both independently.

Rules (ids, severities, meanings and fixes are in ``schemas/catalogue/be.json``):

- ``BE-OGM-VCS`` (error): a payment reference that is an OGM-VCS (``+++ddd/dddd/ddddd+++``, or exactly 12 digits
  when the seller is Belgian or the payee account is a Belgian IBAN) whose check digits are wrong.
- ``BE-OGM-VCS-FORMAT`` (warning): a reference between ``+++`` and ``+++`` that is not 3/4/5 digits (or 12 digits).
- ``BE-ENTERPRISE-NUMBER`` (error): a 0208 identifier that is not a Belgian enterprise number. When a Peppol rule
  set runs, PEPPOL-COMMON-R043 already checks 10 digits and mod 97, so only what it lets through is reported
  (a first digit other than 0 or 1).
- ``BE-PEPPOL-9925`` (error): a 9925 identifier that is not ``BE`` + a valid 10-digit enterprise number.
- ``BE-VAT-NUMBER`` (error): a VAT identifier starting with ``BE`` that is not ``BE`` + 10 digits, first digit 0 or
  1, with valid mod-97 check digits (separators are the API layer's concern, not this one's).
- ``BE-VAT-ENTERPRISE-MISMATCH`` (warning): a party's Belgian VAT number and its enterprise number differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree
from stdnum.be import ogm_vcs

from ...layers import RunContext
from ...loading import LoadedDocument
from ...model import Finding
from ..base import Check, element_text, elements, make_finding

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
_CII_ROOT = f"{{{NS['rsm']}}}CrossIndustryInvoice"

#: Peppol participant identifier schemes of Belgium.
ENTERPRISE_SCHEME = "0208"
VAT_SCHEME = "9925"
BELGIAN_SCHEMES = frozenset({ENTERPRISE_SCHEME, VAT_SCHEME})

#: Separators people type in identifiers (dots in 0761.845.225, spaces, hyphens, slashes).
_SEPARATORS = re.compile(r"[\s./-]+")
_OGM_PAPER = re.compile(r"[0-9]{3}/[0-9]{4}/[0-9]{5}")


def _text(el: etree._Element | None) -> str:
    return element_text(el)


def _xpath(node: etree._Element, path: str) -> list[etree._Element]:
    return elements(node, path, NS)


def is_cii(root: etree._Element) -> bool:
    """True for a CII CrossIndustryInvoice (else the document is UBL)."""
    return bool(root.tag == _CII_ROOT)


# --- numbers -------------------------------------------------------------------------------------------------


def ogm_check_digits(first_ten: str) -> str:
    """The two OGM-VCS check digits of 10 digits: their value mod 97, written 97 when that is 0."""
    return str(ogm_vcs.calc_check_digits(first_ten))


def ogm_is_valid(twelve: str) -> bool:
    """True when 12 digits carry correct OGM-VCS check digits."""
    return re.fullmatch(r"[0-9]{12}", twelve) is not None and ogm_check_digits(twelve[:10]) == twelve[10:]


def enterprise_number_is_valid(number: str) -> bool:
    """True for a Belgian enterprise number: exactly 10 digits, the first 0 or 1, and check digits equal to
    97 - (first eight digits mod 97), so from 01 to 97 (stdnum.be.vat also accepts 00 where that gives 97)."""
    return bool(re.fullmatch(r"[01][0-9]{9}", number)) and 97 - int(number[:8]) % 97 == int(number[8:])


def passes_peppol_r043(value: str) -> bool:
    """What PEPPOL-COMMON-R043 accepts: 10 digits whose last two are 97 - (first eight mod 97)."""
    return bool(re.fullmatch(r"[0-9]{10}", value)) and 97 - int(value[:8]) % 97 == int(value[8:])


def be_vat_digits(value: str) -> str | None:
    """The 10 digits of a Belgian VAT number written ``BE`` + 10 digits (separators and case ignored), else None."""
    compact = _SEPARATORS.sub("", value).upper()
    match = re.fullmatch(r"BE([0-9]{10})", compact)
    return match.group(1) if match else None


# --- document structure --------------------------------------------------------------------------------------


@dataclass
class Party:
    """A trading party of the document and the identifiers that make it Belgian or not."""

    role: str
    element: etree._Element
    country: str = ""
    vat_ids: list[etree._Element] = field(default_factory=list)
    endpoints: list[etree._Element] = field(default_factory=list)
    legal_ids: list[etree._Element] = field(default_factory=list)
    party_ids: list[etree._Element] = field(default_factory=list)

    def scheme_ids(self) -> list[etree._Element]:
        """Every identifier of the party that carries a schemeID."""
        return [e for e in (*self.endpoints, *self.legal_ids, *self.party_ids) if e.get("schemeID")]

    @property
    def belgian(self) -> bool:
        """Country BE, a BE VAT id, or an identifier with scheme 0208 or 9925."""
        if self.country.upper() == "BE":
            return True
        if any(_text(v).upper().startswith("BE") for v in self.vat_ids):
            return True
        return any((e.get("schemeID") or "").strip() in BELGIAN_SCHEMES for e in self.scheme_ids())

    def enterprise_number(self) -> etree._Element | None:
        """The party's enterprise number: its legal registration id with scheme 0208, else its 0208 endpoint."""
        for candidates in (self.legal_ids, self.endpoints):
            for e in candidates:
                if (e.get("schemeID") or "").strip() == ENTERPRISE_SCHEME:
                    return e
        return None


def _ubl_party(role: str, party: etree._Element) -> Party:
    return Party(
        role=role,
        element=party,
        country=_text(next(iter(_xpath(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")), None)),
        vat_ids=_xpath(party, "cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID"),
        endpoints=_xpath(party, "cbc:EndpointID"),
        legal_ids=_xpath(party, "cac:PartyLegalEntity/cbc:CompanyID"),
        party_ids=_xpath(party, "cac:PartyIdentification/cbc:ID"),
    )


def _cii_party(role: str, party: etree._Element) -> Party:
    return Party(
        role=role,
        element=party,
        country=_text(next(iter(_xpath(party, "ram:PostalTradeAddress/ram:CountryID")), None)),
        vat_ids=_xpath(party, "ram:SpecifiedTaxRegistration/ram:ID[normalize-space(@schemeID) = 'VA']"),
        endpoints=_xpath(party, "ram:URIUniversalCommunication/ram:URIID"),
        legal_ids=_xpath(party, "ram:SpecifiedLegalOrganization/ram:ID"),
        party_ids=_xpath(party, "ram:ID | ram:GlobalID"),
    )


def parties(root: etree._Element) -> list[Party]:
    """The seller and the buyer of a UBL or CII document (those present)."""
    out: list[Party] = []
    if is_cii(root):
        agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
        for role, path in (("seller", "ram:SellerTradeParty"), ("buyer", "ram:BuyerTradeParty")):
            out.extend(_cii_party(role, p) for p in _xpath(root, agreement + path)[:1])
        return out
    for role, path in (
        ("seller", "cac:AccountingSupplierParty/cac:Party"),
        ("buyer", "cac:AccountingCustomerParty/cac:Party"),
    ):
        out.extend(_ubl_party(role, p) for p in _xpath(root, path)[:1])
    return out


def is_belgian(root: etree._Element) -> bool:
    """True when the seller or the buyer is Belgian (country BE, a BE VAT id, or a 0208/9925 identifier)."""
    return any(p.belgian for p in parties(root))


def scheme_identifiers(root: etree._Element, scheme: str) -> list[etree._Element]:
    """Every identifier of the document with that schemeID, in the places PEPPOL-COMMON-R043 looks at."""
    if is_cii(root):
        path = "//ram:URIID | //ram:ID | //ram:GlobalID"
    else:
        path = "//cbc:EndpointID | //cac:PartyIdentification/cbc:ID | //cbc:CompanyID"
    return [e for e in _xpath(root, path) if (e.get("schemeID") or "").strip() == scheme]


def vat_identifiers(root: etree._Element) -> list[etree._Element]:
    """Every VAT identifier of the document (any party)."""
    if is_cii(root):
        return _xpath(root, "//ram:SpecifiedTaxRegistration/ram:ID[normalize-space(@schemeID) = 'VA']")
    return _xpath(root, "//cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID")


def payment_references(root: etree._Element) -> list[tuple[etree._Element, bool]]:
    """Each payment reference (BT-83) with whether its payee account is a Belgian IBAN."""
    out: list[tuple[etree._Element, bool]] = []
    if is_cii(root):
        for settlement in _xpath(root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"):
            accounts = _xpath(
                settlement,
                "ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
            )
            be_account = any(_SEPARATORS.sub("", _text(a)).upper().startswith("BE") for a in accounts)
            out.extend((ref, be_account) for ref in _xpath(settlement, "ram:PaymentReference"))
        return out
    for means in _xpath(root, "cac:PaymentMeans"):
        accounts = _xpath(means, "cac:PayeeFinancialAccount/cbc:ID")
        be_account = any(_SEPARATORS.sub("", _text(a)).upper().startswith("BE") for a in accounts)
        out.extend((ref, be_account) for ref in _xpath(means, "cbc:PaymentID"))
    return out


# --- classification of payment references --------------------------------------------------------------------


@dataclass(frozen=True)
class OgmReading:
    """What a payment reference is: ``free`` text, a well-formed ``ogm`` (12 digits), or a ``malformed`` one."""

    kind: str
    digits: str = ""


def read_payment_reference(value: str, belgian_payee: bool) -> OgmReading:
    """Classify a payment reference: an OGM-VCS when written between +++ (Febelfin's paper form) or, for a
    Belgian payee, as exactly 12 digits (Febelfin's digital form); anything else is free text."""
    text = value.strip()
    if len(text) >= 6 and text.startswith("+++") and text.endswith("+++"):
        inner = text[3:-3].strip()
        if _OGM_PAPER.fullmatch(inner) or re.fullmatch(r"[0-9]{12}", inner):
            return OgmReading("ogm", inner.replace("/", ""))
        return OgmReading("malformed")
    if belgian_payee and re.fullmatch(r"[0-9]{12}", text):
        return OgmReading("ogm", text)
    return OgmReading("free")


# --- the checks ----------------------------------------------------------------------------------------------


def check_ogm(ctx: RunContext) -> Iterator[Finding]:
    """BE-OGM-VCS and BE-OGM-VCS-FORMAT on every payment reference."""
    doc = ctx.document
    seller_belgian = any(p.belgian for p in parties(doc.root) if p.role == "seller")
    for ref, be_account in payment_references(doc.root):
        value = _text(ref)
        reading = read_payment_reference(value, seller_belgian or be_account)
        if reading.kind == "malformed":
            yield make_finding(
                "BE-OGM-VCS-FORMAT",
                doc,
                ref,
                f"Payment reference {value!r} is written between +++ like a Belgian structured communication "
                "(OGM-VCS) but is not +++ddd/dddd/ddddd+++; banks treat it as free text.",
            )
        elif reading.kind == "ogm" and not ogm_is_valid(reading.digits):
            expected = ogm_check_digits(reading.digits[:10])
            yield make_finding(
                "BE-OGM-VCS",
                doc,
                ref,
                f"Structured communication (OGM-VCS) {value!r}: check digits {reading.digits[10:]} are wrong; "
                f"{reading.digits[:10]} mod 97 gives {expected}.",
            )


def check_enterprise_numbers(peppol_r043: bool) -> Check:
    """BE-ENTERPRISE-NUMBER on 0208 identifiers; with a Peppol rule set only what PEPPOL-COMMON-R043 misses."""

    def check(ctx: RunContext) -> Iterator[Finding]:
        doc = ctx.document
        for el in scheme_identifiers(doc.root, ENTERPRISE_SCHEME):
            value = " ".join((el.text or "").split())
            if enterprise_number_is_valid(value):
                continue
            if peppol_r043:
                if not passes_peppol_r043(value):
                    continue  # PEPPOL-COMMON-R043 reports it
                yield _enterprise_finding(doc, el, value, "its first digit must be 0 or 1")
            else:
                yield _enterprise_finding(doc, el, value, _enterprise_problem(value))

    return check


def _enterprise_problem(value: str) -> str:
    if not re.fullmatch(r"[0-9]{10}", value):
        return "it must be exactly 10 digits, without dots or spaces"
    if value[0] not in "01":
        return "its first digit must be 0 or 1"
    return f"its check digits {value[8:]} are wrong (97 - {value[:8]} mod 97 = {97 - int(value[:8]) % 97:02d})"


def _enterprise_finding(doc: LoadedDocument, el: etree._Element, value: str, problem: str) -> Finding:
    return make_finding(
        "BE-ENTERPRISE-NUMBER",
        doc,
        el,
        f"Belgian enterprise number (scheme 0208) {value!r} is not valid: {problem}.",
    )


def check_peppol_vat_ids(ctx: RunContext) -> Iterator[Finding]:
    """BE-PEPPOL-9925: identifiers with scheme 9925 are BE + a valid enterprise number."""
    doc = ctx.document
    for el in scheme_identifiers(doc.root, VAT_SCHEME):
        value = _text(el)
        match = re.fullmatch(r"[Bb][Ee]([0-9]{10})", value)
        if match is None:
            problem = "it must be BE followed by the 10-digit enterprise number, without separators"
        elif not enterprise_number_is_valid(match.group(1)):
            problem = f"{match.group(1)} is not a valid enterprise number (first digit 0 or 1, mod-97 check digits)"
        else:
            continue
        yield make_finding(
            "BE-PEPPOL-9925",
            doc,
            el,
            f"Belgian VAT number used as a Peppol identifier (scheme 9925) {value!r} is not valid: {problem}.",
        )


def check_vat_numbers(ctx: RunContext) -> Iterator[Finding]:
    """BE-VAT-NUMBER: VAT identifiers starting with BE are BE + a valid enterprise number."""
    doc = ctx.document
    for el in vat_identifiers(doc.root):
        value = _text(el)
        if not value.upper().startswith("BE"):
            continue
        digits = be_vat_digits(value)
        if digits is not None and enterprise_number_is_valid(digits):
            continue
        yield make_finding(
            "BE-VAT-NUMBER",
            doc,
            el,
            f"Belgian VAT number {value!r} is not BE followed by a valid 10-digit enterprise number "
            "(first digit 0 or 1, mod-97 check digits).",
        )


def check_vat_enterprise_consistency(ctx: RunContext) -> Iterator[Finding]:
    """BE-VAT-ENTERPRISE-MISMATCH: a party's BE VAT number carries its enterprise number."""
    doc = ctx.document
    for party in parties(doc.root):
        enterprise = party.enterprise_number()
        if enterprise is None:
            continue
        number = _text(enterprise)
        if not enterprise_number_is_valid(number):
            continue  # BE-ENTERPRISE-NUMBER or PEPPOL-COMMON-R043 reports the number itself
        for vat_el in party.vat_ids:
            digits = be_vat_digits(_text(vat_el))
            if digits is None or digits == number or not enterprise_number_is_valid(digits):
                continue  # not a Belgian VAT number, consistent, or BE-VAT-NUMBER reports it
            yield make_finding(
                "BE-VAT-ENTERPRISE-MISMATCH",
                doc,
                vat_el,
                f"The {party.role}'s Belgian VAT number {_text(vat_el)!r} does not carry its enterprise number "
                f"{number} (scheme 0208); a Belgian VAT number is BE followed by the enterprise number, except "
                "for a member of a VAT unit, which uses the unit's VAT number.",
            )


def checks(peppol_r043: bool) -> list[Check]:
    """The Belgian checks, in order; ``peppol_r043`` tells whether a Peppol rule set (with R043) also runs."""
    return [
        check_ogm,
        check_enterprise_numbers(peppol_r043),
        check_peppol_vat_ids,
        check_vat_numbers,
        check_vat_enterprise_consistency,
    ]
