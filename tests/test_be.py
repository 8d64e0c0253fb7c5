"""Belgium: OGM-VCS, enterprise numbers (0208), 9925 ids, VAT numbers, the optional UBL.BE rule set.

Check digits are recomputed here from their definitions (Febelfin for OGM-VCS: first ten digits mod 97, 97 for 0;
KBO/BCE for enterprise numbers: 97 - first eight digits mod 97), independently of python-stdnum and of the code
under test.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from stdnum.be import ogm_vcs
from stdnum.be import vat as stdnum_be_vat

from peppol_validate.countries import be
from peppol_validate.countries.base import catalogue
from peppol_validate.countries.be import checks as bec
from peppol_validate.detect import detect
from peppol_validate.layers import RunContext, executable_for
from peppol_validate.loading import load
from peppol_validate.model import Finding, LayerStatus, Verdict
from peppol_validate.plan import plan_for
from peppol_validate.schematron.runtime import processor, to_xdm

from .conftest import CORPUS, PACKS

UBLBE_SCH = PACKS / "belgium-ublbe/rules/GLOBALUBL.BE.sch"
UBLBE_XSLT = PACKS / "belgium-ublbe/rules/GLOBALUBL.BE.xslt"
UBLBE_EXAMPLES = sorted(PACKS.glob("belgium-ublbe/examples/v1.31/*.xml"))
BE_BASE = CORPUS / "be/valid/invoice-ogm.xml"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"

DIGITS = "0123456789"


# --- independent check-digit arithmetic ----------------------------------------------------------------------


def ogm_from(ten: str) -> str:
    """12-digit OGM-VCS: the ten digits, then their value mod 97 (97 when that is 0)."""
    remainder = int(ten) % 97
    return ten + f"{remainder if remainder else 97:02d}"


def enterprise_from(first8: str) -> str:
    """10-digit enterprise number: eight digits, then 97 - (their value mod 97)."""
    return first8 + f"{97 - int(first8) % 97:02d}"


def paper(twelve: str) -> str:
    return f"+++{twelve[:3]}/{twelve[3:7]}/{twelve[7:]}+++"


ten_digits = st.text(alphabet=DIGITS, min_size=10, max_size=10)
first_eight = st.builds(lambda head, tail: head + tail, st.sampled_from("01"), st.text(DIGITS, min_size=7, max_size=7))


def test_known_values() -> None:
    # Febelfin's rule on a worked example, and the numbers used in corpus/be.
    assert ogm_from("2026009301") == "202600930180"
    assert enterprise_from("07618452") == "0761845225"
    assert enterprise_from("04782135") == "0478213562"
    assert bec.ogm_check_digits("0000000000") == "97"


@given(ten_digits)
def test_ogm_with_correct_check_digits_passes(ten: str) -> None:
    twelve = ogm_from(ten)
    assert bec.ogm_is_valid(twelve)
    assert bec.read_payment_reference(paper(twelve), belgian_payee=False) == bec.OgmReading("ogm", twelve)
    assert bec.read_payment_reference(twelve, belgian_payee=True) == bec.OgmReading("ogm", twelve)
    assert bec.read_payment_reference(twelve, belgian_payee=False).kind == "free"
    if int(twelve):  # stdnum refuses the all-zero number, which the formula allows (000000000097)
        assert ogm_vcs.is_valid(twelve)


@given(ten_digits, st.integers(min_value=0, max_value=11), st.sampled_from(DIGITS))
def test_ogm_any_single_digit_change_fails(ten: str, position: int, digit: str) -> None:
    twelve = ogm_from(ten)
    assume(twelve[position] != digit)
    changed = twelve[:position] + digit + twelve[position + 1 :]
    assert not bec.ogm_is_valid(changed)


@given(ten_digits, st.integers(min_value=0, max_value=11), st.characters(blacklist_categories=("Cs",)))
def test_ogm_any_single_character_change_fails(ten: str, position: int, char: str) -> None:
    twelve = ogm_from(ten)
    assume(twelve[position] != char)
    changed = twelve[:position] + char + twelve[position + 1 :]
    assert not bec.ogm_is_valid(changed)


@settings(max_examples=40, deadline=None)
@given(ten_digits, st.integers(min_value=0, max_value=11), st.sampled_from(DIGITS))
def test_ogm_check_reports_exactly_the_changed_reference(ten: str, position: int, digit: str) -> None:
    twelve = ogm_from(ten)
    assert _rules(bec.check_ogm, _ubl(payment=_payment(paper(twelve)))) == []
    assume(twelve[position] != digit)
    changed = twelve[:position] + digit + twelve[position + 1 :]
    assert _rules(bec.check_ogm, _ubl(payment=_payment(paper(changed)))) == ["BE-OGM-VCS"]


@given(first_eight)
def test_enterprise_number_with_correct_check_digits_passes(first8: str) -> None:
    number = enterprise_from(first8)
    assert bec.enterprise_number_is_valid(number)
    assert bec.passes_peppol_r043(number)
    assert stdnum_be_vat.is_valid(number)
    assert bec.be_vat_digits("BE" + number) == number


@given(first_eight, st.integers(min_value=0, max_value=9), st.characters(blacklist_categories=("Cs",)))
def test_enterprise_number_any_single_character_change_fails(first8: str, position: int, char: str) -> None:
    number = enterprise_from(first8)
    assume(number[position] != char)
    changed = number[:position] + char + number[position + 1 :]
    assert not bec.enterprise_number_is_valid(changed)


@given(st.text(DIGITS, min_size=8, max_size=8))
def test_r043_semantics_and_the_first_digit(first8: str) -> None:
    number = enterprise_from(first8)
    assert bec.passes_peppol_r043(number)  # R043 does not look at the first digit
    assert bec.enterprise_number_is_valid(number) is (number[0] in "01")


def test_stdnum_is_more_lenient_than_the_check_digit_rule() -> None:
    # 00000097 is a multiple of 97: the check digits are 97, never 00 (stdnum's sum test accepts both).
    assert bec.enterprise_number_is_valid("0000009797")
    assert not bec.enterprise_number_is_valid("0000009700")
    assert stdnum_be_vat.is_valid("0000009700")


# --- small documents -----------------------------------------------------------------------------------------

_UBL = """<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:ID>T-1</cbc:ID>
<cac:AccountingSupplierParty><cac:Party>{seller}</cac:Party></cac:AccountingSupplierParty>
<cac:AccountingCustomerParty><cac:Party>{buyer}</cac:Party></cac:AccountingCustomerParty>
{payment}
</Invoice>"""

_CII = """<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
<rsm:ExchangedDocument><ram:ID>T-1</ram:ID></rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction>
<ram:ApplicableHeaderTradeAgreement>
<ram:SellerTradeParty>{seller}</ram:SellerTradeParty>
<ram:BuyerTradeParty>{buyer}</ram:BuyerTradeParty>
</ram:ApplicableHeaderTradeAgreement>
<ram:ApplicableHeaderTradeSettlement>{settlement}</ram:ApplicableHeaderTradeSettlement>
</rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


def _party(
    country: str | None = None,
    vat: str | None = None,
    endpoint: tuple[str, str] | None = None,
    legal: tuple[str, str] | None = None,
    party_id: tuple[str, str] | None = None,
) -> str:
    out = ""
    if endpoint:
        out += f'<cbc:EndpointID schemeID="{endpoint[0]}">{endpoint[1]}</cbc:EndpointID>'
    if party_id:
        out += (
            f'<cac:PartyIdentification><cbc:ID schemeID="{party_id[0]}">{party_id[1]}</cbc:ID>'
            "</cac:PartyIdentification>"
        )
    if country:
        out += (
            f"<cac:PostalAddress><cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode>"
            "</cac:Country></cac:PostalAddress>"
        )
    if vat:
        out += (
            f"<cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID>"
            "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        )
    if legal:
        out += (
            "<cac:PartyLegalEntity><cbc:RegistrationName>X</cbc:RegistrationName>"
            f'<cbc:CompanyID schemeID="{legal[0]}">{legal[1]}</cbc:CompanyID></cac:PartyLegalEntity>'
        )
    return out


def _payment(reference: str, account: str = "BE75735043918251", code: str = "58") -> str:
    return (
        f"<cac:PaymentMeans><cbc:PaymentMeansCode>{code}</cbc:PaymentMeansCode><cbc:PaymentID>{reference}</cbc:PaymentID>"
        f"<cac:PayeeFinancialAccount><cbc:ID>{account}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"
    )


BE_SELLER = _party("BE", "BE0761845225", ("0208", "0761845225"), ("0208", "0761845225"))
NL_SELLER = _party("NL", "NL123456789B01", ("0106", "12345678"))
BE_BUYER = _party("BE", "BE0478213562", ("9925", "BE0478213562"), ("0208", "0478213562"))
DE_BUYER = _party("DE", "DE314789022", ("9930", "DE314789022"))


def _ubl(seller: str = BE_SELLER, buyer: str = BE_BUYER, payment: str = "") -> str:
    return _UBL.format(seller=seller, buyer=buyer, payment=payment)


def _cii_party(country: str = "BE", vat: str | None = None, uri: tuple[str, str] | None = None, legal: str = "") -> str:
    out = (
        f"<ram:Name>X</ram:Name>{legal}"
        f"<ram:PostalTradeAddress><ram:CountryID>{country}</ram:CountryID></ram:PostalTradeAddress>"
    )
    if uri:
        out += (
            f'<ram:URIUniversalCommunication><ram:URIID schemeID="{uri[0]}">{uri[1]}</ram:URIID>'
            "</ram:URIUniversalCommunication>"
        )
    if vat:
        out += f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{vat}</ram:ID></ram:SpecifiedTaxRegistration>'
    return out


def _cii(seller: str, buyer: str, settlement: str = "") -> str:
    return _CII.format(seller=seller, buyer=buyer, settlement=settlement)


def _ctx(xml: str | bytes) -> RunContext:
    doc = load(xml.encode() if isinstance(xml, str) else xml)
    return RunContext(document=doc, detection=detect(doc.root), as_of=date(2026, 11, 24))


def _findings(check: bec.Check, xml: str | bytes) -> list[Finding]:
    return list(check(_ctx(xml)))


def _rules(check: bec.Check, xml: str | bytes) -> list[str]:
    return [f.rule_id for f in _findings(check, xml)]


# --- Belgian context -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seller", "buyer", "belgian"),
    [
        (NL_SELLER, DE_BUYER, False),
        (_party("BE"), DE_BUYER, True),
        (NL_SELLER, _party("DE", vat="BE0478213562"), True),
        (NL_SELLER, _party("DE", endpoint=("0208", "0478213562")), True),
        (NL_SELLER, _party("DE", endpoint=("9925", "BE0478213562")), True),
        (NL_SELLER, _party("DE", legal=("0208", "0478213562")), True),
        (_party("NL", party_id=("0208", "0761845225")), DE_BUYER, True),
        (_party("nl", vat="NL123456789B01"), _party("be"), True),
    ],
)
def test_belgian_context(seller: str, buyer: str, belgian: bool) -> None:
    root = etree.fromstring(_ubl(seller, buyer).encode())
    assert bec.is_belgian(root) is belgian


def test_belgian_context_cii() -> None:
    de = _cii_party("DE", "DE314789022")
    assert not bec.is_belgian(etree.fromstring(_cii(de, de).encode()))
    assert bec.is_belgian(etree.fromstring(_cii(de, _cii_party("DE", uri=("0208", "0478213562"))).encode()))
    assert bec.is_belgian(etree.fromstring(_cii(_cii_party("BE"), de).encode()))


# --- OGM-VCS -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "seller", "account", "expected"),
    [
        ("+++202/6009/30180+++", BE_SELLER, "BE75735043918251", []),
        ("+++202/6009/30181+++", BE_SELLER, "BE75735043918251", ["BE-OGM-VCS"]),
        ("  +++202/6009/30181+++  ", NL_SELLER, "NL91ABNA0417164300", ["BE-OGM-VCS"]),  # +++ form: any payee
        ("+++202600930181+++", BE_SELLER, "BE75735043918251", ["BE-OGM-VCS"]),
        ("202600930180", BE_SELLER, "BE75735043918251", []),
        ("202600930181", BE_SELLER, "NL91ABNA0417164300", ["BE-OGM-VCS"]),  # Belgian seller
        ("202600930181", NL_SELLER, "BE75735043918251", ["BE-OGM-VCS"]),  # Belgian payee account
        ("202600930181", NL_SELLER, "NL91ABNA0417164300", []),  # 12 digits from a Dutch payee: not an OGM
        ("2026009301812", BE_SELLER, "BE75735043918251", []),  # 13 digits: free text
        ("Invoice 15000001", BE_SELLER, "BE75735043918251", []),
        ("***202/6009/30181***", BE_SELLER, "BE75735043918251", []),  # not Febelfin's form: free text
        ("+++2026/009/30180+++", BE_SELLER, "BE75735043918251", ["BE-OGM-VCS-FORMAT"]),
        ("+++ invoice 42 +++", BE_SELLER, "BE75735043918251", ["BE-OGM-VCS-FORMAT"]),
        ("++++++", BE_SELLER, "BE75735043918251", ["BE-OGM-VCS-FORMAT"]),
    ],
)
def test_ogm(reference: str, seller: str, account: str, expected: list[str]) -> None:
    assert _rules(bec.check_ogm, _ubl(seller=seller, payment=_payment(reference, account))) == expected


def test_ogm_finding_is_located_at_the_payment_id_and_names_the_right_digits() -> None:
    xml = _ubl(payment=_payment("REF-1") + _payment("+++202/6009/30181+++"))
    [finding] = _findings(bec.check_ogm, xml)
    assert finding.location == "/Invoice[1]/cac:PaymentMeans[2]/cbc:PaymentID[1]"
    assert finding.severity.value == "error" and finding.layer == "country"
    assert "81" in finding.message and "80" in finding.message


def test_ogm_in_cii_payment_reference() -> None:
    de = _cii_party("DE", "DE314789022")
    ok = _cii(_cii_party("BE", "BE0761845225"), de, "<ram:PaymentReference>202600930180</ram:PaymentReference>")
    bad = _cii(
        _cii_party("BE", "BE0761845225"), de, "<ram:PaymentReference>+++202/6009/30181+++</ram:PaymentReference>"
    )
    assert _rules(bec.check_ogm, ok) == []
    [finding] = _findings(bec.check_ogm, bad)
    assert finding.rule_id == "BE-OGM-VCS"
    assert finding.location and finding.location.endswith("ram:PaymentReference[1]")


def test_cii_twelve_digits_count_for_a_belgian_iban() -> None:
    de = _cii_party("DE", "DE314789022")
    means = (
        "<ram:PaymentReference>202600930181</ram:PaymentReference><ram:SpecifiedTradeSettlementPaymentMeans>"
        "<ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>BE75735043918251"
        "</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>"
    )
    assert _rules(bec.check_ogm, _cii(_cii_party("NL"), _cii_party("BE"), means)) == ["BE-OGM-VCS"]
    assert _rules(bec.check_ogm, _cii(_cii_party("NL"), de, means.replace("BE757", "NL757"))) == []


# --- enterprise numbers, 9925, VAT numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "with_peppol", "without_peppol"),
    [
        ("0761845225", [], []),
        ("1000000021", [], []),  # a 1-prefixed number: 97 - 10000000 mod 97 (76) = 21
        ("0761845226", [], ["BE-ENTERPRISE-NUMBER"]),  # wrong check digits: R043 reports it under Peppol
        ("0761.845.225", [], ["BE-ENTERPRISE-NUMBER"]),  # not 10 digits: R043 reports it under Peppol
        ("2345678150", ["BE-ENTERPRISE-NUMBER"], ["BE-ENTERPRISE-NUMBER"]),  # R043 passes it
        ("0000009700", [], ["BE-ENTERPRISE-NUMBER"]),  # check digits 00: R043 reports it
    ],
)
def test_enterprise_numbers(value: str, with_peppol: list[str], without_peppol: list[str]) -> None:
    xml = _ubl(seller=_party("BE", legal=("0208", value)))
    assert _rules(bec.check_enterprise_numbers(True), xml) == with_peppol
    assert _rules(bec.check_enterprise_numbers(False), xml) == without_peppol


def test_enterprise_numbers_everywhere_r043_looks() -> None:
    seller = _party(
        "BE", endpoint=("0208", "2345678150"), party_id=("0208", "2345678150"), legal=("0208", "2345678150")
    )
    findings = _findings(bec.check_enterprise_numbers(True), _ubl(seller=seller))
    assert [f.location for f in findings] == [
        "/Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]/cbc:EndpointID[1]",
        "/Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]/cac:PartyIdentification[1]/cbc:ID[1]",
        "/Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]/cac:PartyLegalEntity[1]/cbc:CompanyID[1]",
    ]
    cii = _cii(_cii_party("BE", uri=("0208", "0761845226")), _cii_party("DE"))
    assert _rules(bec.check_enterprise_numbers(False), cii) == ["BE-ENTERPRISE-NUMBER"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BE0478213562", []),
        ("be0478213562", []),  # Peppol identifiers are case-insensitive
        ("0478213562", ["BE-PEPPOL-9925"]),
        ("BE0478213526", ["BE-PEPPOL-9925"]),
        ("BE 0478.213.562", ["BE-PEPPOL-9925"]),
        ("BE478213562", ["BE-PEPPOL-9925"]),
        ("BE2345678150", ["BE-PEPPOL-9925"]),  # good check digits, first digit 2
    ],
)
def test_peppol_9925(value: str, expected: list[str]) -> None:
    assert _rules(bec.check_peppol_vat_ids, _ubl(buyer=_party("BE", endpoint=("9925", value)))) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BE0761845225", []),
        ("BE 0761.845.225", []),  # separators are the API layer's concern
        ("be0761845225", []),
        ("BE0761845226", ["BE-VAT-NUMBER"]),
        ("BE761845225", ["BE-VAT-NUMBER"]),  # the pre-2005 nine digits: write the leading 0
        ("BE07618452250", ["BE-VAT-NUMBER"]),
        ("NL123456789B01", []),
    ],
)
def test_vat_numbers(value: str, expected: list[str]) -> None:
    assert _rules(bec.check_vat_numbers, _ubl(seller=_party("BE", vat=value))) == expected


def test_vat_numbers_cii() -> None:
    xml = _cii(_cii_party("BE", "BE0761845226"), _cii_party("BE", "BE0478213562"))
    [finding] = _findings(bec.check_vat_numbers, xml)
    assert finding.location and "SellerTradeParty" in finding.location


@pytest.mark.parametrize(
    ("party", "expected"),
    [
        (_party("BE", "BE0761845225", legal=("0208", "0761845225")), []),
        (_party("BE", "BE 0761.845.225", legal=("0208", "0761845225")), []),
        (_party("BE", "BE0512345684", legal=("0208", "0761845225")), ["BE-VAT-ENTERPRISE-MISMATCH"]),
        (_party("BE", "BE0512345684", endpoint=("0208", "0761845225")), ["BE-VAT-ENTERPRISE-MISMATCH"]),
        # the legal entity wins over the endpoint (an endpoint may be another entity's address)
        (_party("BE", "BE0761845225", ("0208", "0512345684"), ("0208", "0761845225")), []),
        (_party("BE", "BE0761845226", legal=("0208", "0512345684")), []),  # invalid VAT: BE-VAT-NUMBER says so
        (_party("BE", "BE0512345684", legal=("0208", "0761845226")), []),  # invalid enterprise number
        (_party("BE", "BE0512345684", endpoint=("9925", "BE0761845225")), []),  # no 0208 number to compare
        (_party("BE", "NL123456789B01", legal=("0208", "0761845225")), []),
    ],
)
def test_vat_enterprise_consistency(party: str, expected: list[str]) -> None:
    assert _rules(bec.check_vat_enterprise_consistency, _ubl(seller=party)) == expected
    assert _rules(bec.check_vat_enterprise_consistency, _ubl(seller=NL_SELLER, buyer=party)) == expected


def test_vat_enterprise_consistency_cii() -> None:
    legal = (
        '<ram:SpecifiedLegalOrganization><ram:ID schemeID="0208">0761845225</ram:ID></ram:SpecifiedLegalOrganization>'
    )
    xml = _cii(_cii_party("BE", "BE0512345684", legal=legal), _cii_party("DE"))
    [finding] = _findings(bec.check_vat_enterprise_consistency, xml)
    assert finding.severity.value == "warning" and "seller" in finding.message


# --- the layers ----------------------------------------------------------------------------------------------


def _detection(path: Path):  # type: ignore[no-untyped-def]
    return detect(etree.parse(str(path)).getroot())


def _options(*optional: str):  # type: ignore[no-untyped-def]
    from peppol_validate.loading import Limits
    from peppol_validate.validator import Options

    return Options(limits=Limits(), optional_rule_sets=frozenset(optional))


def test_layers_for_each_kind() -> None:
    day = date(2026, 11, 24)
    ubl = _detection(BE_BASE)
    cii = _detection(CORPUS / "cii/valid/invoice.xml")
    fpa = _detection(CORPUS / "fatturapa/valid/fpr12-b2b-invoice.xml")
    assert [layer.name for layer in be.layers(ubl, day, plan_for(ubl, day), _options())] == ["be-checks"]
    assert [layer.name for layer in be.layers(ubl, day, plan_for(ubl, day), _options("ublbe"))] == [
        "be-checks",
        "ublbe",
    ]
    assert [layer.name for layer in be.layers(cii, day, plan_for(cii, day), _options("ublbe"))] == ["be-checks"]
    assert be.layers(fpa, day, plan_for(fpa, day), _options("ublbe")) == []
    assert be.uses_peppol_rules(plan_for(ubl, day))
    assert not be.uses_peppol_rules(plan_for(cii, day))
    assert be.ublbe_spec().file == "belgium-ublbe/rules/GLOBALUBL.BE.sch"
    assert be.claims_ublbe("urn:cen.eu:en16931:2017#conformant#urn:UBL.BE:1.0.0.20180214")


def test_be_layer_runs_on_belgian_documents_only(validator) -> None:  # type: ignore[no-untyped-def]
    def status(report) -> LayerStatus:  # type: ignore[no-untyped-def]
        return next(layer.status for layer in report.layers if layer.name == "be-checks")

    assert status(validator.validate(CORPUS / "ubl/valid/invoice-standard.xml")) is LayerStatus.SKIPPED
    assert status(validator.validate(CORPUS / "ubl/valid/invoice-reverse-charge.xml")) is LayerStatus.PASSED
    assert status(validator.validate(BE_BASE)) is LayerStatus.PASSED
    assert status(validator.validate(CORPUS / "be/invalid/invoice-ogm-check-digits.xml")) is LayerStatus.FAILED


def test_belgian_cii_through_the_engine(validator) -> None:  # type: ignore[no-untyped-def]
    """The German CII sample turned Belgian: a BE buyer and a structured communication with a wrong check."""
    text = (CORPUS / "cii/valid/invoice.xml").read_text("utf-8")
    buyer_tail = (
        "</ram:CountryID>\n        </ram:PostalTradeAddress>\n        <ram:URIUniversalCommunication>\n"
        '          <ram:URIID schemeID="EM">eingang'
    )
    assert text.count("<ram:CountryID>DE" + buyer_tail) == 1
    text = text.replace("<ram:CountryID>DE" + buyer_tail, "<ram:CountryID>BE" + buyer_tail)
    text = text.replace(
        "<ram:PaymentReference>MD-2026-1187</ram:PaymentReference>",
        "<ram:PaymentReference>+++202/6009/30181+++</ram:PaymentReference>",
    )
    assert "+++202/6009/30181+++" in text and "<ram:CountryID>BE</ram:CountryID>" in text
    report = validator.validate(text.encode())
    ours = [(f.rule_id, f.rule_set) for f in report.findings if f.rule_set in ("be-checks", "api-codes")]
    assert ours == [("BE-OGM-VCS", "be-checks")]


def test_catalogue_has_every_belgian_rule_and_the_unmapped_codes() -> None:
    cat = catalogue()
    severities = {e.id: e.severity.value for e in cat.entries.values() if e.id.startswith("BE-")}
    assert severities == {
        "BE-OGM-VCS": "error",
        "BE-OGM-VCS-FORMAT": "warning",
        "BE-ENTERPRISE-NUMBER": "error",
        "BE-PEPPOL-9925": "error",
        "BE-VAT-NUMBER": "error",
        "BE-VAT-ENTERPRISE-MISMATCH": "warning",
    }
    assert all(cat.entries[i].country == "BE" for i in severities)
    unmapped = {(u.authority, u.code) for u in cat.unmapped}
    assert {("HERMES", "HER-xxx"), ("MERCURIUS", "MERC-201"), ("BE", "BR-BE-01")} <= unmapped


# --- the official Belgian examples ---------------------------------------------------------------------------


def test_the_ublbe_examples_are_all_there() -> None:
    assert len(UBLBE_EXAMPLES) == 36


@pytest.mark.parametrize("doc", UBLBE_EXAMPLES, ids=[d.name for d in UBLBE_EXAMPLES])
def test_official_belgian_examples_pass_the_belgian_checks(validator, doc: Path) -> None:  # type: ignore[no-untyped-def]
    """Checked by hand: the sellers 0000000196 / 0000000394 and buyers 0000000295 carry right check digits
    (97 - 00000001 mod 97 = 96, 97 - 00000003 mod 97 = 94, 97 - 00000002 mod 97 = 95) and VAT numbers BE + the same
    digits; the payment references are free text ("Invoice 15000001"); the IBAN BE54000000000097 is valid. So the
    Belgian layer runs (every example has a Belgian seller) and reports nothing, and so does the API layer."""
    report = validator.validate(doc)
    assert report.verdict is not Verdict.NOT_VALIDATED
    ours = [f.rule_id for f in report.findings if f.rule_set in ("be-checks", "api-codes")]
    assert ours == []
    assert next(layer.status for layer in report.layers if layer.name == "be-checks") is LayerStatus.PASSED


def test_cen_belgian_credit_note_carries_a_valid_twelve_digit_ogm(validator) -> None:  # type: ignore[no-untyped-def]
    doc = PACKS / "en16931-cen/ubl/examples/ubl-tc434-creditnote1.xml"
    assert "<cbc:PaymentID>010676609538</cbc:PaymentID>" in doc.read_text("utf-8")
    assert ogm_from("0106766095") == "010676609538"  # 0106766095 mod 97 = 38
    report = validator.validate(doc)
    assert next(layer.status for layer in report.layers if layer.name == "be-checks") is LayerStatus.PASSED
    assert [f.rule_id for f in report.findings if f.rule_set == "be-checks"] == []
    broken = doc.read_bytes().replace(b">010676609538<", b">010676609583<")
    assert [f.rule_id for f in validator.validate(broken).findings if f.rule_set == "be-checks"] == ["BE-OGM-VCS"]


# --- UBL.BE: our compilation against the official compiled XSLT ----------------------------------------------

#: Documents on which UBL.BE fires: the project's own UBL corpus (Peppol BIS documents, not UBL.BE ones).
UBLBE_NEGATIVES = sorted(
    p for p in [*CORPUS.glob("ubl/*/*.xml"), *CORPUS.glob("be/*/*.xml"), *CORPUS.glob("api/*/invoice-*.xml")]
)


@cache
def _official_ublbe() -> object:
    exe = processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(UBLBE_XSLT))
    assert exe is not None
    return exe


def _official_fired(doc: Path) -> set[tuple[str, str]]:
    out = _official_ublbe().transform_to_string(xdm_node=to_xdm(etree.parse(str(doc))))  # type: ignore[attr-defined]
    svrl = etree.fromstring(out.encode())
    return {
        (e.get("id") or "", (e.get("flag") or "").lower())
        for e in svrl.iter(SVRL + "failed-assert", SVRL + "successful-report")
    }


def _ours_fired(doc: Path) -> set[tuple[str, str]]:
    fired = executable_for(UBLBE_SCH, None).run(to_xdm(etree.parse(str(doc))))
    return {(f.assertion.id, (f.assertion.flag or "").lower()) for f in fired}


EQUIVALENCE = [*UBLBE_EXAMPLES, *UBLBE_NEGATIVES]


@pytest.mark.parametrize("doc", EQUIVALENCE, ids=[str(d.relative_to(d.parents[2])) for d in EQUIVALENCE])
def test_ublbe_same_findings_as_official_xslt(doc: Path) -> None:
    """All 36 UBL.BE examples (about 0.1 s each with the embedded PDFs) plus the project's UBL documents."""
    assert _ours_fired(doc) == _official_fired(doc)


def test_ublbe_equivalence_is_not_vacuous() -> None:
    fired = set().union(*(_ours_fired(d) for d in UBLBE_NEGATIVES))
    assert {("ubl-BE-01", "fatal"), ("ubl-BE-10", "fatal"), ("PEPPOL-EN16931-R004", "fatal")} <= fired
    assert all(_ours_fired(d) == set() for d in UBLBE_EXAMPLES)


@pytest.fixture
def ublbe_validator(store):  # type: ignore[no-untyped-def]
    """A validator with UBL.BE switched on, reading the packs from the test mirror (its own packs)."""
    from peppol_validate.validator import Validator

    return Validator(packs=store, as_of=date(2026, 11, 24), optional_rule_sets={"ublbe"})


def test_ublbe_is_off_unless_asked(validator) -> None:  # type: ignore[no-untyped-def]
    report = validator.validate(UBLBE_EXAMPLES[0])
    assert "ublbe" not in {r.id for r in report.rule_sets}


def test_ublbe_on_request(ublbe_validator) -> None:  # type: ignore[no-untyped-def]
    example = ublbe_validator.validate(UBLBE_EXAMPLES[2])
    layer = next(layer for layer in example.layers if layer.name == "ublbe")
    assert layer.status is LayerStatus.PASSED and layer.version == "1.31"
    assert [f for f in example.findings if f.rule_set == "ublbe"] == []

    # A Peppol BIS invoice is not a UBL.BE one (checked against GLOBALUBL.BE.sch: two AdditionalDocumentReference,
    # the UBL.BE CustomizationID, BTCC tax category names, a line TaxTotal and a ClassifiedTaxCategory name).
    peppol = ublbe_validator.validate(BE_BASE)
    fired = {(f.rule_id, f.severity.value) for f in peppol.findings if f.rule_set == "ublbe"}
    assert fired == {
        ("PEPPOL-EN16931-R004", "fatal"),
        ("ubl-BE-01", "fatal"),
        ("ubl-BE-10", "fatal"),
        ("ubl-BE-14", "fatal"),
        ("ubl-BE-15", "fatal"),
    }
    assert fired == _official_fired(BE_BASE)
    assert all(f.line and f.location for f in peppol.findings if f.rule_set == "ublbe")

    # Neither Belgian nor UBL.BE: skipped.
    norwegian = ublbe_validator.validate(CORPUS / "ubl/valid/invoice-standard.xml")
    assert next(layer.status for layer in norwegian.layers if layer.name == "ublbe") is LayerStatus.SKIPPED
