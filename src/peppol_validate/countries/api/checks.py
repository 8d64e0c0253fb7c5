"""The e-invoicing API's shape checks, reported with the API's own codes (``API-<CODE>-<FIELD>`` rules).

The API answers shape errors with INVALID_VAT_FORMAT, INVALID_IBAN, INVALID_DATE, MISSING_FIELD, INVALID_CURRENCY
and INVALID_ENUM. This module checks the first four on UBL 2.1 and CII D16B documents; INVALID_CURRENCY and
INVALID_ENUM need official code lists (ISO 4217, UNTDID 1001, UN/ECE Rec 20), which are never copied into the
project: the catalogue (``schemas/catalogue/api.json``) attaches those codes to the CEN findings that check the
lists (BR-CL-01, BR-CL-03, BR-CL-04, BR-CL-05, BR-CL-23), which run on every UBL and CII document.

At most one finding per field occurrence: :func:`api_findings` reports each element once, in document order of
the checks (a missing or empty issue date is MISSING_FIELD, not also INVALID_DATE).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from lxml import etree
from stdnum import iban as stdnum_iban

from ...layers import RunContext
from ...loading import LoadedDocument
from ...model import Finding
from ..base import Check, element_text, elements, make_finding

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
_CII_ROOT = f"{{{NS['rsm']}}}CrossIndustryInvoice"
_CBC = f"{{{NS['cbc']}}}"

#: The API's pattern for VAT identifiers.
VAT_PATTERN = re.compile(r"[A-Z]{2}[A-Z0-9]+")
#: Something written like an IBAN: country code, two check digits, 8 to 30 letters or digits (spaces ignored).
IBAN_LIKE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}")
#: UNTDID 4461 payment means that require an IBAN: 58 SEPA credit transfer, 59 SEPA direct debit.
SEPA_CREDIT_TRANSFER = "58"
SEPA_DIRECT_DEBIT = "59"
#: UNTDID 2379 date format of EN 16931 in CII: 102 = CCYYMMDD.
CII_DATE_FORMAT = "102"


def _text(el: etree._Element | None) -> str:
    return element_text(el)


def _xpath(node: etree._Element, path: str) -> list[etree._Element]:
    return elements(node, path, NS)


def _first(node: etree._Element, path: str) -> etree._Element | None:
    found = _xpath(node, path)
    return found[0] if found else None


# --- values --------------------------------------------------------------------------------------------------


def vat_format_ok(value: str) -> bool:
    """The API's VAT identifier shape: two capital letters, then capital letters or digits only."""
    return VAT_PATTERN.fullmatch(value.strip()) is not None


def looks_like_iban(value: str) -> bool:
    """True when a value is written like an IBAN (spaces and case ignored)."""
    return IBAN_LIKE.fullmatch(re.sub(r"\s+", "", value).upper()) is not None


def iban_ok(value: str) -> bool:
    """True for a valid IBAN: ISO 13616 country length and structure, mod-97 check digits (spaces and case
    ignored). National checks are left out (stdnum's Belgian one also needs the bank code in its own registry,
    which would refuse accounts at banks newer than the installed python-stdnum). Only spaces may separate the
    groups, and the check digits must be digits (stdnum alone accepts e.g. ``DE1V...`` when the sum works out)."""
    compact = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", compact):
        return False
    return bool(stdnum_iban.is_valid(compact, check_country=False))


def iso_date_ok(value: str) -> bool:
    """True for a calendar date written YYYY-MM-DD (no time zone, no other form)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def cii_date_ok(value: str, fmt: str | None) -> bool:
    """True for a CII date in format 102 (CCYYMMDD), the only date format of EN 16931 in CII."""
    if (fmt or "").strip() != CII_DATE_FORMAT or not re.fullmatch(r"[0-9]{8}", value):
        return False
    return iso_date_ok(f"{value[:4]}-{value[4:6]}-{value[6:]}")


# --- field families ------------------------------------------------------------------------------------------

#: UBL date element (local name) → field family; IssueDate is ISSUE_DATE at the root, REFERENCE_DATE elsewhere.
_UBL_DATE_FAMILY = {
    "DueDate": "DUE_DATE",
    "PaymentDueDate": "DUE_DATE",
    "TaxPointDate": "TAX_POINT_DATE",
    "ActualDeliveryDate": "DELIVERY_DATE",
    "StartDate": "PERIOD_DATE",
    "EndDate": "PERIOD_DATE",
}
#: CII date container (local name) → field family.
_CII_DATE_FAMILY = {
    "IssueDateTime": "ISSUE_DATE",
    "FormattedIssueDateTime": "REFERENCE_DATE",
    "DueDateDateTime": "DUE_DATE",
    "TaxPointDate": "TAX_POINT_DATE",
    "OccurrenceDateTime": "DELIVERY_DATE",
    "StartDateTime": "PERIOD_DATE",
    "EndDateTime": "PERIOD_DATE",
}


@dataclass(frozen=True)
class Hit:
    """A field occurrence that fails: the rule, the element to report at, and the message."""

    rule: str
    element: etree._Element
    message: str
    #: False when the field is missing and ``element`` is its parent (several missing fields may share one).
    at_field: bool = True


def _vat_hits(root: etree._Element, cii: bool) -> Iterator[Hit]:
    if cii:
        base = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
        reg = "/ram:SpecifiedTaxRegistration/ram:ID[normalize-space(@schemeID) = 'VA']"
        families = (
            ("SELLER_VAT", base + "ram:SellerTradeParty" + reg),
            ("BUYER_VAT", base + "ram:BuyerTradeParty" + reg),
            ("TAX_REPRESENTATIVE_VAT", base + "ram:SellerTaxRepresentativeTradeParty" + reg),
        )
    else:
        tax = "/cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID"
        families = (
            ("SELLER_VAT", "cac:AccountingSupplierParty/cac:Party" + tax),
            ("BUYER_VAT", "cac:AccountingCustomerParty/cac:Party" + tax),
            ("TAX_REPRESENTATIVE_VAT", "cac:TaxRepresentativeParty" + tax),
        )
    for family, path in families:
        for el in _xpath(root, path):
            value = _text(el)
            if value and not vat_format_ok(value):
                yield Hit(
                    f"API-INVALID_VAT_FORMAT-{family}",
                    el,
                    f"VAT identifier {value!r} does not match the API's format ^[A-Z]{{2}}[A-Z0-9]+$ "
                    "(country prefix in capitals, then capital letters and digits only: no spaces, dots or dashes).",
                )


def _iban_hit(rule: str, el: etree._Element, required: bool, why: str) -> Hit | None:
    value = _text(el)
    if not value or iban_ok(value):
        return None
    if not required and not looks_like_iban(value):
        return None
    if looks_like_iban(value):
        problem = "its check digits, length or format for its country are wrong (ISO 13616, mod 97)"
    else:
        problem = "it is not an IBAN"
    return Hit(rule, el, f"Account {value!r} is not a valid IBAN{why}: {problem}.")


def _iban_hits(root: etree._Element, cii: bool) -> Iterator[Hit]:
    payee = "API-INVALID_IBAN-PAYEE_ACCOUNT"
    debited = "API-INVALID_IBAN-DEBITED_ACCOUNT"
    hits: list[Hit | None] = []
    if cii:
        means_path = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
        means_path += "ram:SpecifiedTradeSettlementPaymentMeans"
        for means in _xpath(root, means_path):
            for el in _xpath(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID"):
                hits.append(_iban_hit(payee, el, True, " (ram:IBANID holds an IBAN)"))
            for el in _xpath(means, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"):
                hits.append(_iban_hit(payee, el, False, ""))
            for el in _xpath(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"):
                hits.append(_iban_hit(debited, el, True, " (ram:IBANID holds an IBAN)"))
    else:
        for means in _xpath(root, "cac:PaymentMeans"):
            code = _text(_first(means, "cbc:PaymentMeansCode"))
            for el in _xpath(means, "cac:PayeeFinancialAccount/cbc:ID"):
                sepa = code == SEPA_CREDIT_TRANSFER
                hits.append(_iban_hit(payee, el, sepa, " (payment means 58, SEPA credit transfer)" if sepa else ""))
            for el in _xpath(means, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"):
                sepa = code == SEPA_DIRECT_DEBIT
                hits.append(_iban_hit(debited, el, sepa, " (payment means 59, SEPA direct debit)" if sepa else ""))
    yield from (h for h in hits if h is not None)


#: Every cbc element whose name ends in "Date", selected by libxml2 in one pass (a Python walk cost ~0.1 ms).
_UBL_DATES = etree.XPath(
    "//cbc:*[substring(local-name(), string-length(local-name()) - 3) = 'Date']",
    namespaces={"cbc": _CBC.strip("{}")},
)


def _date_hits(root: etree._Element, cii: bool) -> Iterator[Hit]:
    if cii:
        path = "//udt:DateTimeString | //udt:DateString | //qdt:DateTimeString | //qdt:DateString"
        for el in _xpath(root, path):
            parent = el.getparent()
            container = etree.QName(parent).localname if parent is not None else ""
            family = _CII_DATE_FAMILY.get(container, "OTHER_DATE")
            value, fmt = _text(el), el.get("format")
            if family == "ISSUE_DATE" and not value:
                continue  # MISSING_FIELD
            if not cii_date_ok(value, fmt):
                yield Hit(
                    f"API-INVALID_DATE-{family}",
                    el,
                    f"Date {value!r} (format {fmt!r}) is not a calendar date in CII format 102 (CCYYMMDD), the "
                    "form the API reads as YYYY-MM-DD.",
                )
        return
    for el in _UBL_DATES(root):
        local = etree.QName(el).localname
        if local == "IssueDate":
            family = "ISSUE_DATE" if el.getparent() is root else "REFERENCE_DATE"
        else:
            family = _UBL_DATE_FAMILY.get(local, "OTHER_DATE")
        value = _text(el)
        if family == "ISSUE_DATE" and not value:
            continue  # MISSING_FIELD
        if not iso_date_ok(value):
            yield Hit(
                f"API-INVALID_DATE-{family}",
                el,
                f"Date {value!r} is not a calendar date written YYYY-MM-DD (no time zone or time).",
            )


def _missing(rule: str, where: etree._Element, present: etree._Element | None, what: str) -> Hit | None:
    if present is not None and _text(present):
        return None
    if present is not None:
        return Hit(rule, present, f"{what} is empty; the API requires it.")
    return Hit(rule, where, f"{what} is missing; the API requires it.", at_field=False)


def _missing_hits(root: etree._Element, cii: bool) -> Iterator[Hit]:
    hits: list[Hit | None] = []
    if cii:
        document = _first(root, "rsm:ExchangedDocument")
        transaction = _first(root, "rsm:SupplyChainTradeTransaction")
        agreement = _first(root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement")
        settlement = _first(root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement")
        seller = _first(root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty")
        buyer = _first(root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty")
        doc_at = document if document is not None else root
        hits += [
            _missing("API-MISSING_FIELD-DOCUMENT_ID", doc_at, _first(doc_at, "ram:ID"), "The invoice number (BT-1)"),
            _missing(
                "API-MISSING_FIELD-ISSUE_DATE",
                doc_at,
                _first(doc_at, "ram:IssueDateTime/udt:DateTimeString"),
                "The issue date (BT-2)",
            ),
            _missing(
                "API-MISSING_FIELD-CURRENCY",
                settlement if settlement is not None else root,
                _first(settlement, "ram:InvoiceCurrencyCode") if settlement is not None else None,
                "The invoice currency code (BT-5)",
            ),
            _missing(
                "API-MISSING_FIELD-SELLER_NAME",
                seller if seller is not None else (agreement if agreement is not None else root),
                _first(seller, "ram:Name") if seller is not None else None,
                "The seller name (BT-27)",
            ),
            _missing(
                "API-MISSING_FIELD-BUYER_NAME",
                buyer if buyer is not None else (agreement if agreement is not None else root),
                _first(buyer, "ram:Name") if buyer is not None else None,
                "The buyer name (BT-44)",
            ),
        ]
        if not _xpath(root, "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"):
            at = transaction if transaction is not None else root
            hits.append(
                Hit("API-MISSING_FIELD-LINES", at, "The invoice has no line (BG-25); the API requires one.", False)
            )
        yield from (h for h in hits if h is not None)
        return
    seller = _first(root, "cac:AccountingSupplierParty/cac:Party")
    buyer = _first(root, "cac:AccountingCustomerParty/cac:Party")
    seller_at = seller if seller is not None else _first(root, "cac:AccountingSupplierParty")
    buyer_at = buyer if buyer is not None else _first(root, "cac:AccountingCustomerParty")
    name = "cac:PartyLegalEntity/cbc:RegistrationName"
    hits += [
        _missing("API-MISSING_FIELD-DOCUMENT_ID", root, _first(root, "cbc:ID"), "The invoice number (BT-1)"),
        _missing("API-MISSING_FIELD-ISSUE_DATE", root, _first(root, "cbc:IssueDate"), "The issue date (BT-2)"),
        _missing(
            "API-MISSING_FIELD-CURRENCY",
            root,
            _first(root, "cbc:DocumentCurrencyCode"),
            "The invoice currency code (BT-5)",
        ),
        _missing(
            "API-MISSING_FIELD-SELLER_NAME",
            seller_at if seller_at is not None else root,
            _first(seller, name) if seller is not None else None,
            "The seller name (BT-27, cac:PartyLegalEntity/cbc:RegistrationName)",
        ),
        _missing(
            "API-MISSING_FIELD-BUYER_NAME",
            buyer_at if buyer_at is not None else root,
            _first(buyer, name) if buyer is not None else None,
            "The buyer name (BT-44, cac:PartyLegalEntity/cbc:RegistrationName)",
        ),
    ]
    if not _xpath(root, "cac:InvoiceLine | cac:CreditNoteLine"):
        hits.append(
            Hit("API-MISSING_FIELD-LINES", root, "The invoice has no line (BG-25); the API requires one.", False)
        )
    yield from (h for h in hits if h is not None)


def api_hits(root: etree._Element) -> list[Hit]:
    """Every failing field occurrence of a UBL or CII document, at most one per element."""
    cii = bool(root.tag == _CII_ROOT)
    seen: set[int] = set()
    out: list[Hit] = []
    for source in (_missing_hits, _vat_hits, _iban_hits, _date_hits):
        for hit in source(root, cii):
            if hit.at_field:
                if id(hit.element) in seen:
                    continue
                seen.add(id(hit.element))
            out.append(hit)
    return out


def _finding(doc: LoadedDocument, hit: Hit) -> Finding:
    return make_finding(hit.rule, doc, hit.element, hit.message)


def api_findings(ctx: RunContext) -> Iterator[Finding]:
    """The API-coded findings of the document in the run context."""
    doc = ctx.document
    for hit in api_hits(doc.root):
        yield _finding(doc, hit)


def checks() -> list[Check]:
    """The API layer's checks."""
    return [api_findings]
