"""The e-invoicing API's codes: the api-codes layer, the catalogue mappings, and the error envelope renderer.

IBAN check digits are recomputed here from ISO 13616 (move the first four characters to the end, letters to
numbers A=10 ... Z=35, the whole mod 97 must be 1), independently of python-stdnum and of the code under test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from lxml import etree

from peppol_validate.countries import api
from peppol_validate.countries.api import checks as apic
from peppol_validate.countries.base import catalogue
from peppol_validate.detect import detect
from peppol_validate.layers import RunContext
from peppol_validate.loading import load
from peppol_validate.model import (
    AuthorityCode,
    DocumentReport,
    Finding,
    LayerResult,
    LayerStatus,
    Report,
    Severity,
    Verdict,
)
from peppol_validate.plan import plan_for
from peppol_validate.render.envelope import envelope_for, render_envelope

from .conftest import CORPUS, PACKS

DIGITS = "0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + DIGITS
BE_BASE = CORPUS / "be/valid/invoice-ogm.xml"
CII_BASE = CORPUS / "cii/valid/invoice.xml"


# --- independent IBAN arithmetic -----------------------------------------------------------------------------


def iban_number(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text))


def iban_mod97_ok(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    return iban_number(compact[4:] + compact[:4]) % 97 == 1


def make_iban(country: str, bban: str) -> str:
    check = 98 - iban_number(bban + country + "00") % 97
    return f"{country}{check:02d}{bban}"


def belgian_bban(ten: str) -> str:
    remainder = int(ten) % 97
    return ten + f"{remainder if remainder else 97:02d}"


german_bban = st.text(DIGITS, min_size=18, max_size=18)


def test_iban_form() -> None:
    assert not apic.iban_ok("DE1V002200205000023300")  # found by Hypothesis: stdnum alone accepts it
    assert not apic.iban_ok("BE75-7350-4391-8251")  # only spaces separate the printed groups
    assert apic.iban_ok("be75 7350 4391 8251")


def test_known_ibans() -> None:
    assert make_iban("BE", "735043918251") == "BE75735043918251"  # the corpus/be payee account
    assert make_iban("DE", "500105176482931057") == "DE82500105176482931057"  # the CII sample's account
    # The official examples' accounts whose check digits are wrong (so INVALID_IBAN warns on them):
    for wrong in ("SE1212341234123412", "DK1212341234123412", "DK12328462834823", "SE1212341234123412341234"):
        assert not iban_mod97_ok(wrong), wrong


@given(german_bban)
def test_iban_with_correct_check_digits_passes(bban: str) -> None:
    iban = make_iban("DE", bban)
    assert iban_mod97_ok(iban)
    assert apic.iban_ok(iban) and apic.looks_like_iban(iban)
    assert apic.iban_ok(" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)))  # printed form


@given(st.text(DIGITS, min_size=12, max_size=12))
def test_belgian_iban_with_correct_check_digits_passes(bban: str) -> None:
    # ISO 13616 only: the Belgian BBAN's own check digits and bank code are not the API's concern.
    assert apic.iban_ok(make_iban("BE", bban))
    assert apic.iban_ok(make_iban("BE", belgian_bban(bban[:10])))


@given(german_bban, st.integers(min_value=0, max_value=21), st.sampled_from(ALNUM))
def test_iban_any_single_character_change_fails(bban: str, position: int, char: str) -> None:
    iban = make_iban("DE", bban)
    assume(iban[position] != char)
    changed = iban[:position] + char + iban[position + 1 :]
    assert not apic.iban_ok(changed)


# --- small documents -----------------------------------------------------------------------------------------


def _ctx(xml: bytes) -> RunContext:
    doc = load(xml)
    return RunContext(document=doc, detection=detect(doc.root), as_of=date(2026, 11, 24))


def _hits(xml: bytes) -> list[tuple[str, str]]:
    """(rule, location) of every API finding of a document."""
    return [(f.rule_id, f.location or "") for f in apic.api_findings(_ctx(xml))]


def _rules(xml: bytes) -> list[str]:
    return [rule for rule, _ in _hits(xml)]


def _ubl(old: str, new: str, count: int = 1) -> bytes:
    text = BE_BASE.read_text("utf-8")
    assert text.count(old) == count, old
    return text.replace(old, new).encode()


def _cii(old: str, new: str, count: int = 1) -> bytes:
    text = CII_BASE.read_text("utf-8")
    assert text.count(old) == count, old
    return text.replace(old, new).encode()


def test_the_bases_are_clean() -> None:
    assert _rules(BE_BASE.read_bytes()) == []
    assert _rules(CII_BASE.read_bytes()) == []


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("BE0761845225", True),
        ("NL123456789B01", True),
        ("ATU12345678", True),
        ("  BE0761845225 ", True),  # XML whitespace around the value
        ("BE 0761.845.225", False),
        ("be0761845225", False),
        ("0761845225", False),
        ("BE", False),
        ("BE-0761845225", False),
        ("DE/12/345/67890", False),
    ],
)
def test_vat_format(value: str, ok: bool) -> None:
    assert apic.vat_format_ok(value) is ok


def test_vat_format_per_party() -> None:
    seller = _ubl("<cbc:CompanyID>BE0761845225</cbc:CompanyID>", "<cbc:CompanyID>BE 0761845225</cbc:CompanyID>")
    buyer = _ubl("<cbc:CompanyID>BE0478213562</cbc:CompanyID>", "<cbc:CompanyID>be0478213562</cbc:CompanyID>")
    assert _rules(seller) == ["API-INVALID_VAT_FORMAT-SELLER_VAT"]
    assert _rules(buyer) == ["API-INVALID_VAT_FORMAT-BUYER_VAT"]
    representative = _ubl(
        "  <cac:PaymentMeans>",
        "  <cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>R</cbc:Name></cac:PartyName><cac:PostalAddress>"
        "<cac:Country><cbc:IdentificationCode>BE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>"
        "<cac:PartyTaxScheme><cbc:CompanyID>BE.0512.345.684</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
        "</cac:TaxScheme></cac:PartyTaxScheme></cac:TaxRepresentativeParty>\n  <cac:PaymentMeans>",
    )
    assert _hits(representative) == [
        (
            "API-INVALID_VAT_FORMAT-TAX_REPRESENTATIVE_VAT",
            "/Invoice[1]/cac:TaxRepresentativeParty[1]/cac:PartyTaxScheme[1]/cbc:CompanyID[1]",
        )
    ]
    # A tax scheme other than VAT is not a VAT identifier.
    other = _ubl(
        "<cbc:CompanyID>BE0761845225</cbc:CompanyID>\n        <cac:TaxScheme>\n          <cbc:ID>VAT",
        "<cbc:CompanyID>BE 0761845225</cbc:CompanyID>\n        <cac:TaxScheme>\n          <cbc:ID>TAX",
    )
    assert _rules(other) == []


def test_vat_format_cii() -> None:
    assert _rules(
        _cii('<ram:ID schemeID="VA">DE198645236</ram:ID>', '<ram:ID schemeID="VA">DE 198 645 236</ram:ID>')
    ) == ["API-INVALID_VAT_FORMAT-BUYER_VAT"]
    assert (
        _rules(_cii('<ram:ID schemeID="VA">DE287650136</ram:ID>', '<ram:ID schemeID="FC">DE/287/650136</ram:ID>')) == []
    )


@pytest.mark.parametrize(
    ("code", "account", "expected"),
    [
        ("58", "BE75735043918251", []),
        ("58", "BE75 7350 4391 8251", []),  # the printed form
        ("58", "BE75735043918252", ["API-INVALID_IBAN-PAYEE_ACCOUNT"]),
        ("58", "735043918251", ["API-INVALID_IBAN-PAYEE_ACCOUNT"]),  # SEPA needs an IBAN
        ("58", "BE76735043918251", ["API-INVALID_IBAN-PAYEE_ACCOUNT"]),
        ("30", "15068327412", []),  # a Norwegian domestic account under 30: not an IBAN, not checked
        ("30", "IBAN32423940", []),
        ("30", "SE1212341234123412", ["API-INVALID_IBAN-PAYEE_ACCOUNT"]),  # written like an IBAN
        ("31", "NL91ABNA0417164300", []),
    ],
)
def test_payee_iban(code: str, account: str, expected: list[str]) -> None:
    xml = _ubl(
        '<cbc:PaymentMeansCode name="SEPA credit transfer">58</cbc:PaymentMeansCode>',
        f"<cbc:PaymentMeansCode>{code}</cbc:PaymentMeansCode>",
    ).replace(b"<cbc:ID>BE75735043918251</cbc:ID>", f"<cbc:ID>{account}</cbc:ID>".encode())
    assert _rules(xml) == expected


def test_debited_iban() -> None:
    mandate = (
        "<cbc:PaymentMeansCode>59</cbc:PaymentMeansCode><cac:PaymentMandate><cbc:ID>M-1</cbc:ID>"
        "<cac:PayerFinancialAccount><cbc:ID>{}</cbc:ID></cac:PayerFinancialAccount></cac:PaymentMandate>"
    )
    for account, expected in (
        ("DE82500105176482931057", []),
        ("DK12328462834823", ["API-INVALID_IBAN-DEBITED_ACCOUNT"]),
        ("12328462834823", ["API-INVALID_IBAN-DEBITED_ACCOUNT"]),
    ):
        text = BE_BASE.read_text("utf-8")
        start = text.index('<cbc:PaymentMeansCode name="SEPA credit transfer">')
        end = text.index("</cac:PayeeFinancialAccount>") + len("</cac:PayeeFinancialAccount>")
        xml = (text[:start] + mandate.format(account) + text[end:]).encode()
        assert _rules(xml) == expected, account


def test_iban_cii() -> None:
    assert _rules(
        _cii("<ram:IBANID>DE82500105176482931057</ram:IBANID>", "<ram:IBANID>DE82500105176482931058</ram:IBANID>")
    ) == ["API-INVALID_IBAN-PAYEE_ACCOUNT"]
    assert _rules(_cii("<ram:IBANID>DE82500105176482931057</ram:IBANID>", "<ram:IBANID>XX</ram:IBANID>")) == [
        "API-INVALID_IBAN-PAYEE_ACCOUNT"
    ]
    assert (
        _rules(
            _cii("<ram:IBANID>DE82500105176482931057</ram:IBANID>", "<ram:ProprietaryID>4482931057</ram:ProprietaryID>")
        )
        == []
    )
    assert _rules(
        _cii(
            "<ram:IBANID>DE82500105176482931057</ram:IBANID>",
            "<ram:ProprietaryID>DE82500105176482931058</ram:ProprietaryID>",
        )
    ) == ["API-INVALID_IBAN-PAYEE_ACCOUNT"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-04-15", True),
        ("2024-02-29", True),
        ("2026-02-29", False),
        ("2026-04-31", False),
        ("2026-04-15Z", False),
        ("2026-04-15+02:00", False),
        ("2026-04-15T10:00:00Z", False),
        ("15/04/2026", False),
        ("20260415", False),
        ("", False),
    ],
)
def test_iso_dates(value: str, ok: bool) -> None:
    assert apic.iso_date_ok(value) is ok


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (
            "<cbc:IssueDate>2026-04-15</cbc:IssueDate>",
            "<cbc:IssueDate>2026-04-15Z</cbc:IssueDate>",
            "API-INVALID_DATE-ISSUE_DATE",
        ),
        ("<cbc:DueDate>2026-05-15</cbc:DueDate>", "<cbc:DueDate>2026-05-32</cbc:DueDate>", "API-INVALID_DATE-DUE_DATE"),
        (
            "<cbc:StartDate>2026-03-01</cbc:StartDate>",
            "<cbc:StartDate>01-03-2026</cbc:StartDate>",
            "API-INVALID_DATE-PERIOD_DATE",
        ),
        (
            "<cbc:EndDate>2026-03-31</cbc:EndDate>",
            "<cbc:EndDate>2026-03-31+01:00</cbc:EndDate>",
            "API-INVALID_DATE-PERIOD_DATE",
        ),
        (
            "  <cac:AccountingSupplierParty>",
            "  <cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>P-1</cbc:ID>"
            "<cbc:IssueDate>2026-3-1</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference>\n"
            "  <cac:AccountingSupplierParty>",
            "API-INVALID_DATE-REFERENCE_DATE",
        ),
        (
            "  <cac:PaymentMeans>",
            "  <cac:Delivery><cbc:ActualDeliveryDate>2026-13-01</cbc:ActualDeliveryDate></cac:Delivery>\n"
            "  <cac:PaymentMeans>",
            "API-INVALID_DATE-DELIVERY_DATE",
        ),
        (
            "<cbc:DueDate>2026-05-15</cbc:DueDate>",
            "<cbc:DueDate>2026-05-15</cbc:DueDate>\n  <cbc:TaxPointDate>2026/04/15</cbc:TaxPointDate>",
            "API-INVALID_DATE-TAX_POINT_DATE",
        ),
        (
            "  <cac:PaymentTerms>",
            "  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
            "<cbc:PaymentDueDate>tomorrow</cbc:PaymentDueDate></cac:PaymentMeans>\n  <cac:PaymentTerms>",
            "API-INVALID_DATE-DUE_DATE",
        ),
        (
            "  <cac:AccountingSupplierParty>",
            "  <cac:ContractDocumentReference><cbc:ID>C</cbc:ID><cbc:ValidityStartDate>x</cbc:ValidityStartDate>"
            "</cac:ContractDocumentReference>\n  <cac:AccountingSupplierParty>",
            "API-INVALID_DATE-OTHER_DATE",
        ),
    ],
)
def test_ubl_dates(old: str, new: str, rule: str) -> None:
    assert _rules(_ubl(old, new)) == [rule]


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (
            '<udt:DateTimeString format="102">20260408</udt:DateTimeString>',
            '<udt:DateTimeString format="102">2026-04-08</udt:DateTimeString>',
            "API-INVALID_DATE-ISSUE_DATE",
        ),
        (
            '<udt:DateTimeString format="102">20260408</udt:DateTimeString>',
            '<udt:DateTimeString format="610">202604</udt:DateTimeString>',
            "API-INVALID_DATE-ISSUE_DATE",
        ),
        (
            '<udt:DateTimeString format="102">20260408</udt:DateTimeString>',
            "<udt:DateTimeString>20260408</udt:DateTimeString>",
            "API-INVALID_DATE-ISSUE_DATE",
        ),
        (
            '<udt:DateTimeString format="102">20260422</udt:DateTimeString>',
            '<udt:DateTimeString format="102">20260431</udt:DateTimeString>',
            "API-INVALID_DATE-DUE_DATE",
        ),
        (
            '<udt:DateTimeString format="102">20260403</udt:DateTimeString>',
            '<udt:DateTimeString format="102">20261403</udt:DateTimeString>',
            "API-INVALID_DATE-DELIVERY_DATE",
        ),
    ],
)
def test_cii_dates(old: str, new: str, rule: str) -> None:
    assert _rules(_cii(old, new)) == [rule]


def test_cii_format_102_is_accepted() -> None:
    assert apic.cii_date_ok("20240229", "102") and apic.cii_date_ok("20260408", " 102 ")
    assert not apic.cii_date_ok("20260229", "102")
    assert not apic.cii_date_ok("20260408", None)


@pytest.mark.parametrize(
    ("old", "new", "hit"),
    [
        ("  <cbc:ID>DVD-26-0118</cbc:ID>\n", "", ("API-MISSING_FIELD-DOCUMENT_ID", "/Invoice[1]")),
        (
            "<cbc:ID>DVD-26-0118</cbc:ID>",
            "<cbc:ID> </cbc:ID>",
            ("API-MISSING_FIELD-DOCUMENT_ID", "/Invoice[1]/cbc:ID[1]"),
        ),
        ("  <cbc:IssueDate>2026-04-15</cbc:IssueDate>\n", "", ("API-MISSING_FIELD-ISSUE_DATE", "/Invoice[1]")),
        # An empty issue date is MISSING_FIELD only, not also INVALID_DATE (one finding per field occurrence).
        (
            "<cbc:IssueDate>2026-04-15</cbc:IssueDate>",
            "<cbc:IssueDate></cbc:IssueDate>",
            ("API-MISSING_FIELD-ISSUE_DATE", "/Invoice[1]/cbc:IssueDate[1]"),
        ),
        (
            "  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\n",
            "",
            ("API-MISSING_FIELD-CURRENCY", "/Invoice[1]"),
        ),
        (
            "        <cbc:RegistrationName>Dijlevallei Data BV</cbc:RegistrationName>\n",
            "",
            ("API-MISSING_FIELD-SELLER_NAME", "/Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]"),
        ),
        (
            "<cbc:RegistrationName>Scheldeboord Catering NV</cbc:RegistrationName>",
            "<cbc:RegistrationName/>",
            (
                "API-MISSING_FIELD-BUYER_NAME",
                "/Invoice[1]/cac:AccountingCustomerParty[1]/cac:Party[1]/cac:PartyLegalEntity[1]/cbc:RegistrationName[1]",
            ),
        ),
    ],
)
def test_missing_fields(old: str, new: str, hit: tuple[str, str]) -> None:
    assert _hits(_ubl(old, new)) == [hit]


def test_missing_lines_and_parties_are_reported_once() -> None:
    text = BE_BASE.read_text("utf-8")
    head, _, _ = text.partition("  <cac:InvoiceLine>")
    no_lines = (head + "</Invoice>\n").encode()
    assert _hits(no_lines) == [("API-MISSING_FIELD-LINES", "/Invoice[1]")]
    start, end = text.index("  <cac:AccountingCustomerParty>"), text.index("  <cac:PaymentMeans>")
    no_buyer = (text[:start] + text[end:]).encode()
    assert _hits(no_buyer) == [("API-MISSING_FIELD-BUYER_NAME", "/Invoice[1]")]


def test_missing_fields_cii() -> None:
    assert _rules(_cii("<ram:ID>MD-2026-1187</ram:ID>", "")) == ["API-MISSING_FIELD-DOCUMENT_ID"]
    assert _rules(_cii("<ram:Name>Mainufer Druckerei GmbH</ram:Name>", "")) == ["API-MISSING_FIELD-SELLER_NAME"]
    assert _rules(_cii("<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>", "<ram:InvoiceCurrencyCode/>")) == [
        "API-MISSING_FIELD-CURRENCY"
    ]
    text = CII_BASE.read_text("utf-8")
    start = text.index("    <ram:IncludedSupplyChainTradeLineItem>")
    end = text.index("    <ram:ApplicableHeaderTradeAgreement>")
    assert _hits((text[:start] + text[end:]).encode()) == [
        ("API-MISSING_FIELD-LINES", "/rsm:CrossIndustryInvoice[1]/rsm:SupplyChainTradeTransaction[1]")
    ]


def test_several_problems_one_finding_each() -> None:
    xml = _ubl("<cbc:DueDate>2026-05-15</cbc:DueDate>", "<cbc:DueDate>2026-05-15Z</cbc:DueDate>")
    xml = xml.replace(b"<cbc:CompanyID>BE0761845225</cbc:CompanyID>", b"<cbc:CompanyID>BE 0761845225</cbc:CompanyID>")
    xml = xml.replace(b"<cbc:ID>BE75735043918251</cbc:ID>", b"<cbc:ID>BE75735043918250</cbc:ID>")
    assert sorted(_rules(xml)) == [
        "API-INVALID_DATE-DUE_DATE",
        "API-INVALID_IBAN-PAYEE_ACCOUNT",
        "API-INVALID_VAT_FORMAT-SELLER_VAT",
    ]
    findings = list(apic.api_findings(_ctx(xml)))
    assert all(f.authority_codes and f.authority_codes[0].authority == "API" for f in findings)
    assert all(f.line and f.column for f in findings)


# --- the layer and the catalogue -----------------------------------------------------------------------------


def test_layer_for_ubl_and_cii_only() -> None:
    from peppol_validate.loading import Limits
    from peppol_validate.validator import Options

    day, options = date(2026, 11, 24), Options(limits=Limits())
    for path, names in (
        (BE_BASE, ["api-codes"]),
        (CII_BASE, ["api-codes"]),
        (CORPUS / "fatturapa/valid/fpr12-b2b-invoice.xml", []),
    ):
        detection = detect(etree.parse(str(path)).getroot())
        assert [layer.name for layer in api.layers(detection, day, plan_for(detection, day), options)] == names


def test_catalogue_rules_and_mappings() -> None:
    cat = catalogue()
    rules = {e.id: e for e in cat.entries.values() if e.id.startswith("API-")}
    for rule in rules.values():
        code = rule.id.split("-")[1]
        assert rule.codes == (AuthorityCode(authority="API", code=code),), rule.id
        assert rule.country == "API"
    assert {r.severity for i, r in rules.items() if i.startswith(("API-INVALID_VAT_FORMAT", "API-INVALID_IBAN"))} == {
        Severity.WARNING
    }
    assert {r.severity for i, r in rules.items() if i.startswith(("API-INVALID_DATE", "API-MISSING_FIELD"))} == {
        Severity.ERROR
    }
    mapped = {(m.rule, c.code) for m in cat.mappings for c in m.codes if c.authority == "API"}
    assert mapped == {
        ("BR-CL-01", "INVALID_ENUM"),
        ("BR-CL-23", "INVALID_ENUM"),
        ("BR-CL-03", "INVALID_CURRENCY"),
        ("BR-CL-04", "INVALID_CURRENCY"),
        ("BR-CL-05", "INVALID_CURRENCY"),
    }


def _api_codes(finding: Finding) -> list[str]:
    return [c.code for c in finding.authority_codes if c.authority == "API"]


def test_currency_and_enum_codes_ride_on_the_cen_findings(validator) -> None:  # type: ignore[no-untyped-def]
    currency = validator.validate(CORPUS / "ubl/invalid/invoice-invalid-currency.xml")
    coded = {f.rule_id: _api_codes(f) for f in currency.findings}
    assert coded["BR-CL-04"] == ["INVALID_CURRENCY"] and coded["BR-CL-03"] == ["INVALID_CURRENCY"]
    assert coded["PEPPOL-EN16931-CL007"] == []  # the Peppol duplicate of BR-CL-03 carries no second API code
    # One API-coded finding per currency occurrence.
    per_place: dict[str | None, int] = {}
    for f in currency.findings:
        if _api_codes(f):
            per_place[f.location] = per_place.get(f.location, 0) + 1
    assert set(per_place.values()) == {1} and len(per_place) == 19

    type_code = validator.validate(CORPUS / "ubl/invalid/creditnote-wrong-type-code.xml")
    coded = {f.rule_id: _api_codes(f) for f in type_code.findings}
    assert coded == {"BR-CL-01": ["INVALID_ENUM"], "PEPPOL-EN16931-P0101": []}


PEPPOL_EXAMPLES = sorted(
    [
        *PACKS.glob("peppol-bis-billing-3/rules/examples/*.xml"),
        *PACKS.glob("peppol-bis-billing-3/release-3.0.21-2026-05/examples/*.xml"),
    ]
)
CEN_EXAMPLES = sorted(
    [*PACKS.glob("en16931-cen/ubl/examples/*.[xX][mM][lL]"), *PACKS.glob("en16931-cen/cii/examples/*.xml")]
)
#: Checked by hand: the official examples' values the API refuses while EN 16931 and Peppol accept them.
EXPECTED_WARNINGS = {
    "vat-category-E.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],  # SE1212341234123412, mod 97 fails
    "vat-category-O.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "vat-category-Z.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "BIS3_Invoice_negativ.XML": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],  # 1234567891234 under 58
    "BIS3_Invoice_positive.XML": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "guide-example1.xml": ["API-INVALID_VAT_FORMAT-SELLER_VAT"],  # NL8200.98.395.B.01
    "guide-example3.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],  # DK1212341234123412
    "ubl-tc434-example1.xml": ["API-INVALID_VAT_FORMAT-SELLER_VAT"],
    "ubl-tc434-example10.xml": ["API-INVALID_VAT_FORMAT-SELLER_VAT"],
    "ubl-tc434-example3.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "ubl-tc434-example4.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "ubl-tc434-example5.xml": ["API-INVALID_IBAN-DEBITED_ACCOUNT"],
    "ubl-tc434-example7.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "CII-BR-CO-10-RoundingIssue.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT", "API-INVALID_VAT_FORMAT-SELLER_VAT"],
    "CII_business_example_02.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "CII_business_example_Z.xml": ["API-INVALID_VAT_FORMAT-SELLER_VAT"],  # DE37/302/30168
    "CII_example1.xml": ["API-INVALID_VAT_FORMAT-SELLER_VAT"],
    "CII_example3.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "CII_example4.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT", "API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "CII_example5.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT", "API-INVALID_IBAN-PAYEE_ACCOUNT"],  # DK...412 and 'A'
    "CII_example7.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT", "API-INVALID_IBAN-PAYEE_ACCOUNT"],
    "XRechnung-O.xml": ["API-INVALID_IBAN-PAYEE_ACCOUNT"],  # 'XX'
}


@pytest.mark.parametrize(
    "doc", [*PEPPOL_EXAMPLES, *CEN_EXAMPLES], ids=[d.name for d in [*PEPPOL_EXAMPLES, *CEN_EXAMPLES]]
)
def test_official_examples_get_no_api_error(validator, doc: Path) -> None:  # type: ignore[no-untyped-def]
    report = validator.validate(doc)
    ours = [f for f in report.findings if f.rule_set == "api-codes"]
    assert all(f.severity is Severity.WARNING for f in ours)
    assert sorted(f.rule_id for f in ours) == EXPECTED_WARNINGS.get(doc.name, [])


# --- the envelope --------------------------------------------------------------------------------------------


def _envelope(validator, *paths: Path | bytes) -> Any:  # type: ignore[no-untyped-def]
    text = render_envelope(validator.validate_many(list(paths)))
    assert text.endswith("\n")
    return json.loads(text)


def _assert_shape(envelope: dict[str, Any]) -> None:
    assert set(envelope) == {"error"}
    error = envelope["error"]
    assert set(error) == {"type", "code", "message", "details"}
    assert error["type"] == "validation_error"
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["details"]
    for detail in error["details"]:
        assert set(detail) == {"field", "rule", "message"}
        assert detail["field"] is None or detail["field"].startswith("/")
        assert isinstance(detail["rule"], str) and isinstance(detail["message"], str)


def test_envelope_valid_document(validator) -> None:  # type: ignore[no-untyped-def]
    assert _envelope(validator, BE_BASE) == {"error": None}
    # Warnings without an API code (NO-R-002) do not make an error envelope.
    assert _envelope(validator, CORPUS / "ubl/invalid/invoice-warning-only.xml") == {"error": None}


def test_envelope_api_code_first(validator) -> None:  # type: ignore[no-untyped-def]
    envelope = _envelope(validator, CORPUS / "api/invalid/invoice-missing-buyer-name.xml")
    _assert_shape(envelope)
    error = envelope["error"]
    assert error["code"] == "MISSING_FIELD"
    # BR-07 (fatal) sorts first but carries no API code; the API code comes from the next detail.
    assert [(d["rule"], d["field"]) for d in error["details"]] == [
        ("BR-07", "/Invoice[1]"),
        ("API-MISSING_FIELD-BUYER_NAME", "/Invoice[1]/cac:AccountingCustomerParty[1]/cac:Party[1]"),
    ]
    assert error["details"][0]["message"] == "An Invoice shall contain the Buyer name (BT-44)."
    assert error["message"] == "An Invoice shall contain the Buyer name (BT-44). (and 1 more problem)"


def test_envelope_for_a_warning_the_api_refuses(validator) -> None:  # type: ignore[no-untyped-def]
    envelope = _envelope(validator, CORPUS / "api/invalid/invoice-bad-iban.xml")
    _assert_shape(envelope)
    assert envelope["error"]["code"] == "INVALID_IBAN"
    assert [d["rule"] for d in envelope["error"]["details"]] == ["API-INVALID_IBAN-PAYEE_ACCOUNT"]
    assert envelope["error"]["message"] == envelope["error"]["details"][0]["message"]


def test_envelope_mapped_codes(validator) -> None:  # type: ignore[no-untyped-def]
    envelope = _envelope(validator, CORPUS / "api/invalid/invoice-bad-currency.xml")
    _assert_shape(envelope)
    assert envelope["error"]["code"] == "INVALID_CURRENCY"
    assert "BR-CL-04" in [d["rule"] for d in envelope["error"]["details"]]


def test_envelope_without_api_code(validator) -> None:  # type: ignore[no-untyped-def]
    envelope = _envelope(validator, CORPUS / "ubl/invalid/invoice-totals-mismatch.xml")
    _assert_shape(envelope)
    assert envelope["error"]["code"] == "VALIDATION_FAILED"
    assert [d["rule"] for d in envelope["error"]["details"]] == ["BR-CO-10", "BR-CO-13"]


def test_envelope_not_xml(validator) -> None:  # type: ignore[no-untyped-def]
    envelope = _envelope(validator, CORPUS / "unsupported/not-xml.xml")
    _assert_shape(envelope)
    assert envelope["error"]["code"] == "VALIDATION_FAILED"
    assert envelope["error"]["details"][0]["field"] is None
    assert envelope["error"]["details"][0]["rule"] == "LOAD-not-xml"


def test_envelope_several_documents(validator) -> None:  # type: ignore[no-untyped-def]
    paths = [BE_BASE, CORPUS / "api/invalid/cii-bad-due-date.xml", BE_BASE]
    envelopes = _envelope(validator, *paths)
    assert isinstance(envelopes, list) and len(envelopes) == 3
    assert [set(e) for e in envelopes] == [{"path", "error"}] * 3
    assert [e["path"] for e in envelopes] == [str(p) for p in paths]
    assert envelopes[0]["error"] is None and envelopes[2]["error"] is None
    _assert_shape({"error": envelopes[1]["error"]})
    assert envelopes[1]["error"]["code"] == "INVALID_DATE"
    assert _envelope(validator) == []


def test_envelope_not_validated_without_findings() -> None:
    doc = DocumentReport(
        path="x.xml",
        verdict=Verdict.NOT_VALIDATED,
        layers=[LayerResult(layer="xsd", name="ubl", status=LayerStatus.ERROR, error="packs missing")],
    )
    envelope = envelope_for(doc)
    _assert_shape(envelope)
    assert envelope["error"]["code"] == "VALIDATION_FAILED"
    assert envelope["error"]["details"][0]["rule"] == "NOT-VALIDATED"
    assert json.loads(render_envelope(Report(documents=[doc]))) == envelope
