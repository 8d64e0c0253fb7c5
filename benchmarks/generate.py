"""Generate valid Peppol BIS 3 UBL invoices with N lines, for the benchmarks (never committed).

The invoice follows corpus/ubl/valid/invoice-10kb.xml: the same parties, delivery, payment means, a
document-level charge and allowance (standard rate 25 %), and lines cycling over the corpus' three items
(two at 25 %, one at 6 %) with varying quantities. Every total is computed with exact decimals so the
document is valid under the CEN EN 16931 and Peppol BIS 3.0.21 rules:

- line net amount = quantity x price (PEPPOL-EN16931-R120);
- one VAT breakdown per rate: taxable = lines + charges - allowances at that rate (BR-S-08), tax amount =
  taxable x rate / 100 rounded half up to two decimals (BR-CO-17), total tax = sum of subtotals (BR-CO-14);
- LegalMonetaryTotal: BR-CO-10, BR-CO-13, BR-CO-15, BR-CO-16.

Run:  .venv/bin/python benchmarks/generate.py [--lines 100 1000 10000] [--out DIR] [--check] [--bad-unit]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TextIO

CENT = Decimal("0.01")
SIZES = (100, 1_000, 10_000, 100_000)


@dataclass(frozen=True)
class Item:
    """One of the corpus' items: what a generated line sells."""

    name: str
    description: str
    sellers_id: str
    gtin: str
    commodity: str
    price: Decimal
    rate: int
    prop: tuple[str, str] | None


ITEMS = (
    Item(
        "Kontorsstol Saltö",
        "Ergonomisk kontorsstol med synkronmekanik och justerbart ländryggsstöd",
        "KS-SALTO-GR",
        "7350098712013",
        "56101504",
        Decimal("3490.00"),
        25,
        ("Färg", "Grafit"),
    ),
    Item(
        "Höj- och sänkbart skrivbord Tjörn",
        "Elektriskt skrivbord 160 x 80 cm, minnesfunktion, björklaminat",
        "SB-TJORN-160",
        "7350098712181",
        "56101703",
        Decimal("6890.00"),
        25,
        ("Mått", "160 x 80 cm"),
    ),
    Item(
        "Handbok Ergonomi på kontoret",
        "Tryckt handbok, 120 sidor",
        "BOK-ERGO",
        "9789176543214",
        "55101509",
        Decimal("189.00"),
        6,
        None,
    ),
)

CHARGE = Decimal("2450.00")  # freight, standard rate 25 %
ALLOWANCE_BASE = Decimal("41880.00")
ALLOWANCE_PERCENT = Decimal("5")
ALLOWANCE = (ALLOWANCE_BASE * ALLOWANCE_PERCENT / 100).quantize(CENT)  # 2094.00 (PEPPOL-EN16931-R040)
DOC_RATE = 25

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!-- peppol-validate benchmark invoice, {lines} lines: fictitious companies, identifiers and amounts. -->
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" \
xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" \
xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>BENCH-{lines}</cbc:ID>
  <cbc:IssueDate>2026-05-18</cbc:IssueDate>
  <cbc:DueDate>2026-06-17</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:Note>Leverans och montering enligt offert SKM-OFF-2026-311.</cbc:Note>
  <cbc:DocumentCurrencyCode>SEK</cbc:DocumentCurrencyCode>
  <cbc:AccountingCost>4010:KTR-HAMN4</cbc:AccountingCost>
  <cbc:BuyerReference>VF-INK-5522</cbc:BuyerReference>
  <cac:OrderReference>
    <cbc:ID>VF-PO-2026-0371</cbc:ID>
  </cac:OrderReference>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0007">5593817249</cbc:EndpointID>
      <cac:PartyName>
        <cbc:Name>Skärgårdens Kontorsmöbler</cbc:Name>
      </cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>Skeppsbrokajen 17</cbc:StreetName>
        <cbc:CityName>Göteborg</cbc:CityName>
        <cbc:PostalZone>414 58</cbc:PostalZone>
        <cac:Country>
          <cbc:IdentificationCode>SE</cbc:IdentificationCode>
        </cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>SE559381724901</cbc:CompanyID>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>Godkänd för F-skatt</cbc:CompanyID>
        <cac:TaxScheme>
          <cbc:ID>TAX</cbc:ID>
        </cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Skärgårdens Kontorsmöbler AB</cbc:RegistrationName>
        <cbc:CompanyID schemeID="0007">5593817249</cbc:CompanyID>
      </cac:PartyLegalEntity>
      <cac:Contact>
        <cbc:Name>Maja Lindqvist</cbc:Name>
        <cbc:Telephone>+46 31 708 42 00</cbc:Telephone>
        <cbc:ElectronicMail>order@skargardens-kontor.example</cbc:ElectronicMail>
      </cac:Contact>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0007">5567120935</cbc:EndpointID>
      <cac:PartyName>
        <cbc:Name>Vänerhamn Fastigheter</cbc:Name>
      </cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>Hamngatan 4</cbc:StreetName>
        <cbc:AdditionalStreetName>Plan 3</cbc:AdditionalStreetName>
        <cbc:CityName>Karlstad</cbc:CityName>
        <cbc:PostalZone>652 24</cbc:PostalZone>
        <cac:Country>
          <cbc:IdentificationCode>SE</cbc:IdentificationCode>
        </cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>SE556712093501</cbc:CompanyID>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Vänerhamn Fastighets AB</cbc:RegistrationName>
        <cbc:CompanyID schemeID="0007">5567120935</cbc:CompanyID>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:Delivery>
    <cbc:ActualDeliveryDate>2026-05-14</cbc:ActualDeliveryDate>
    <cac:DeliveryLocation>
      <cbc:ID schemeID="0088">7350098700010</cbc:ID>
      <cac:Address>
        <cbc:StreetName>Hamngatan 4</cbc:StreetName>
        <cbc:CityName>Karlstad</cbc:CityName>
        <cbc:PostalZone>652 24</cbc:PostalZone>
        <cac:Country>
          <cbc:IdentificationCode>SE</cbc:IdentificationCode>
        </cac:Country>
      </cac:Address>
    </cac:DeliveryLocation>
  </cac:Delivery>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode name="Credit transfer">30</cbc:PaymentMeansCode>
    <cbc:PaymentID>20261087702</cbc:PaymentID>
    <cac:PayeeFinancialAccount>
      <cbc:ID>58214436</cbc:ID>
      <cac:FinancialInstitutionBranch>
        <cbc:ID>SE:BANKGIRO</cbc:ID>
      </cac:FinancialInstitutionBranch>
    </cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:PaymentTerms>
    <cbc:Note>30 dagar netto. Dröjsmålsränta enligt räntelagen.</cbc:Note>
  </cac:PaymentTerms>
  <cac:AllowanceCharge>
    <cbc:ChargeIndicator>true</cbc:ChargeIndicator>
    <cbc:AllowanceChargeReasonCode>FC</cbc:AllowanceChargeReasonCode>
    <cbc:AllowanceChargeReason>Frakt och emballage</cbc:AllowanceChargeReason>
    <cbc:Amount currencyID="SEK">{charge}</cbc:Amount>
    <cac:TaxCategory>
      <cbc:ID>S</cbc:ID>
      <cbc:Percent>{doc_rate}</cbc:Percent>
      <cac:TaxScheme>
        <cbc:ID>VAT</cbc:ID>
      </cac:TaxScheme>
    </cac:TaxCategory>
  </cac:AllowanceCharge>
  <cac:AllowanceCharge>
    <cbc:ChargeIndicator>false</cbc:ChargeIndicator>
    <cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>
    <cbc:AllowanceChargeReason>Ramavtalsrabatt 5 % på kontorsstolar</cbc:AllowanceChargeReason>
    <cbc:MultiplierFactorNumeric>{allowance_percent}</cbc:MultiplierFactorNumeric>
    <cbc:Amount currencyID="SEK">{allowance}</cbc:Amount>
    <cbc:BaseAmount currencyID="SEK">{allowance_base}</cbc:BaseAmount>
    <cac:TaxCategory>
      <cbc:ID>S</cbc:ID>
      <cbc:Percent>{doc_rate}</cbc:Percent>
      <cac:TaxScheme>
        <cbc:ID>VAT</cbc:ID>
      </cac:TaxScheme>
    </cac:TaxCategory>
  </cac:AllowanceCharge>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="SEK">{tax_total}</cbc:TaxAmount>
"""

SUBTOTAL = """    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="SEK">{taxable}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="SEK">{tax}</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>{rate}</cbc:Percent>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>
"""

TOTALS = """  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="SEK">{line_total}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="SEK">{tax_exclusive}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="SEK">{tax_inclusive}</cbc:TaxInclusiveAmount>
    <cbc:AllowanceTotalAmount currencyID="SEK">{allowance}</cbc:AllowanceTotalAmount>
    <cbc:ChargeTotalAmount currencyID="SEK">{charge}</cbc:ChargeTotalAmount>
    <cbc:PayableAmount currencyID="SEK">{tax_inclusive}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
"""

LINE = """  <cac:InvoiceLine>
    <cbc:ID>{id}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="{unit}">{quantity}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="SEK">{amount}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Description>{description}</cbc:Description>
      <cbc:Name>{name}</cbc:Name>
      <cac:SellersItemIdentification>
        <cbc:ID>{sellers_id}</cbc:ID>
      </cac:SellersItemIdentification>
      <cac:StandardItemIdentification>
        <cbc:ID schemeID="0160">{gtin}</cbc:ID>
      </cac:StandardItemIdentification>
      <cac:CommodityClassification>
        <cbc:ItemClassificationCode listID="STI">{commodity}</cbc:ItemClassificationCode>
      </cac:CommodityClassification>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>{rate}</cbc:Percent>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
{prop}    </cac:Item>
    <cac:Price>
      <cbc:PriceAmount currencyID="SEK">{price}</cbc:PriceAmount>
    </cac:Price>
  </cac:InvoiceLine>
"""

PROP = """      <cac:AdditionalItemProperty>
        <cbc:Name>{name}</cbc:Name>
        <cbc:Value>{value}</cbc:Value>
      </cac:AdditionalItemProperty>
"""


def line_of(number: int) -> tuple[Item, int, Decimal]:
    """The item, quantity and net amount of line `number` (1-based): items cycle, quantities vary 1..20."""
    item = ITEMS[(number - 1) % len(ITEMS)]
    quantity = (number * 7) % 20 + 1
    return item, quantity, (item.price * quantity).quantize(CENT)


def write_invoice(out: TextIO, lines: int, *, bad_unit: bool = False) -> None:
    """Write a valid Peppol BIS 3 UBL invoice with `lines` invoice lines to a text stream.

    With bad_unit, every line's unit code is "XXX" (not in UN/ECE Rec 20): one BR-CL-23 failure per line, the
    shape of a broken ERP template; the totals stay consistent.
    """
    if lines < 1:
        raise ValueError("an invoice needs at least one line")
    by_rate: dict[int, Decimal] = {}
    for number in range(1, lines + 1):
        item, _, amount = line_of(number)
        by_rate[item.rate] = by_rate.get(item.rate, Decimal(0)) + amount
    line_total = sum(by_rate.values(), Decimal(0))
    taxable = dict(by_rate)
    taxable[DOC_RATE] = taxable.get(DOC_RATE, Decimal(0)) + CHARGE - ALLOWANCE
    tax = {rate: (amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) for rate, amount in taxable.items()}
    tax_total = sum(tax.values(), Decimal(0))
    tax_exclusive = line_total - ALLOWANCE + CHARGE
    tax_inclusive = tax_exclusive + tax_total

    out.write(
        HEADER.format(
            lines=lines,
            charge=CHARGE,
            allowance=ALLOWANCE,
            allowance_base=ALLOWANCE_BASE,
            allowance_percent=ALLOWANCE_PERCENT,
            doc_rate=DOC_RATE,
            tax_total=tax_total,
        )
    )
    for rate in sorted(taxable, reverse=True):
        out.write(SUBTOTAL.format(taxable=taxable[rate], tax=tax[rate], rate=rate))
    out.write(
        TOTALS.format(
            line_total=line_total,
            tax_exclusive=tax_exclusive,
            tax_inclusive=tax_inclusive,
            allowance=ALLOWANCE,
            charge=CHARGE,
        )
    )
    for number in range(1, lines + 1):
        item, quantity, amount = line_of(number)
        prop = PROP.format(name=item.prop[0], value=item.prop[1]) if item.prop else ""
        out.write(
            LINE.format(
                id=number,
                quantity=quantity,
                unit="XXX" if bad_unit else "C62",
                amount=amount,
                description=item.description,
                name=item.name,
                sellers_id=item.sellers_id,
                gtin=item.gtin,
                commodity=item.commodity,
                rate=item.rate,
                prop=prop,
                price=item.price,
            )
        )
    out.write("</Invoice>\n")


def generate(lines: int, out_dir: Path, *, bad_unit: bool = False) -> Path:
    """Write `invoice-{lines}-lines[-bad-unit].xml` into out_dir (created if needed) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"invoice-{lines}-lines{'-bad-unit' if bad_unit else ''}.xml"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        write_invoice(out, lines, bad_unit=bad_unit)
    return path


def main() -> int:
    """Generate invoices of the given sizes; with --check, validate them with peppol-validate."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=list(SIZES[:3]))
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: a new temp directory)")
    parser.add_argument("--bad-unit", action="store_true", help="an invalid unit code on every line (BR-CL-23)")
    parser.add_argument("--check", action="store_true", help="validate each generated invoice (CEN + Peppol 3.0.21)")
    parser.add_argument("--packs", default=None, help="packs mirror for --check (default: $PEPPOL_VALIDATE_PACKS)")
    args = parser.parse_args()
    out_dir: Path = args.out or Path(tempfile.mkdtemp(prefix="peppol-bench-"))
    paths = [generate(n, out_dir, bad_unit=args.bad_unit) for n in args.lines]
    validator = None
    if args.check:
        from datetime import date

        from peppol_validate import make_validator

        validator = make_validator(packs=args.packs, as_of=date(2026, 11, 24))
    bad = 0
    for n, path in zip(args.lines, paths, strict=True):
        status = ""
        if validator is not None:
            report = validator.validate(path)
            status = f"  {report.verdict.value}"
            rules = sorted({f"{f.rule_set}@{f.rule_set_version}" for f in report.findings if f.rule_set})
            status += f" ({', '.join(rules)})" if rules else ""
            for finding in report.findings[:5]:
                status += f"\n    {finding.rule_id}: {finding.message[:140]}"
            bad += report.valid == args.bad_unit
        print(f"{n:>7} lines  {path.stat().st_size / 1e6:8.2f} MB  {path}{status}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
