"""The Italian SDI content controls (004xx): edge cases per control, the version-keyed lists, the official examples.

Each engine test edits a valid corpus invoice in one place (lxml) and asserts the exact set of content findings
(rule ids of ``schemas/catalogue/it-content.json``) the whole engine reports for it. Tolerances are tested exactly at
the published limit and just beyond it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from peppol_validate.countries.base import catalogue
from peppol_validate.countries.it import content
from peppol_validate.countries.it.content import (
    PartyIds,
    document_type_lists,
    document_type_versions,
    expected_prezzo_totale,
    parse_date,
    parse_decimal,
    prezzo_totale_ok,
    same_party,
)
from peppol_validate.model import LayerStatus, Verdict
from peppol_validate.plan import catalogue as plan_catalogue
from peppol_validate.schematron.compiler import compile_schematron
from peppol_validate.validator import Validator

from .conftest import CORPUS, PACKS, REPO

CONTENT_CATALOGUE = json.loads((REPO / "schemas/catalogue/it-content.json").read_text("utf-8"))
CONTENT_IDS = frozenset(e["id"] for e in CONTENT_CATALOGUE["entries"])
SCH = REPO / "schematron/it/sdi-content.sch"
B2B = CORPUS / "fatturapa/valid/fpr12-b2b-invoice.xml"
PA = CORPUS / "fatturapa/valid/fpa12-pa-invoice.xml"
EXAMPLES = PACKS / "fatturapa/examples"
AS_OF = date(2026, 11, 24)

Edit = Callable[[etree._Element], None]


# -- helpers ---------------------------------------------------------------------------------------------------------
_validators: dict[date | None, Validator] = {}


def validator_for(as_of: date | None) -> Validator:
    """A validator over the packs mirror for an as-of date (None: today), kept for the session."""
    if as_of not in _validators:
        from peppol_validate.packs import PackStore

        _validators[as_of] = Validator(packs=PackStore(mirror=PACKS, allow_download=False), as_of=as_of)
    return _validators[as_of]


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def content_findings(root: etree._Element | Path, as_of: date | None = AS_OF) -> set[str]:
    """The content rule ids the whole engine reports for a document (and no layer may have failed to run)."""
    data = root.read_bytes() if isinstance(root, Path) else etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    report = validator_for(as_of).validate(data)
    assert all(layer.status is not LayerStatus.ERROR for layer in report.layers), report.findings
    assert report.verdict is not Verdict.NOT_VALIDATED
    return {f.rule_id for f in report.findings if f.rule_id in CONTENT_IDS}


def edited(path: Path, *edits: Edit) -> etree._Element:
    root = copy.deepcopy(parse(path))
    for edit in edits:
        edit(root)
    return root


def one(root: etree._Element, path: str, index: int = 0) -> etree._Element:
    found = root.findall(path)
    assert found, path
    return found[index]


def set_text(path: str, value: str, index: int = 0) -> Edit:
    def edit(root: etree._Element) -> None:
        one(root, path, index).text = value

    return edit


def remove(path: str, index: int = 0) -> Edit:
    def edit(root: etree._Element) -> None:
        el = one(root, path, index)
        parent = el.getparent()
        assert parent is not None
        parent.remove(el)

    return edit


def insert_after(
    path: str, tag: str, text: str | None = None, index: int = 0, children: dict[str, str] | None = None
) -> Edit:
    """Insert <tag> right after the element at path (children given as {name: text}, in order)."""

    def edit(root: etree._Element) -> None:
        anchor = one(root, path, index)
        el = etree.Element(tag)
        el.text = text
        for name, value in (children or {}).items():
            etree.SubElement(el, name).text = value
        anchor.addnext(el)

    return edit


def insert_before(path: str, tag: str, text: str) -> Edit:
    """Insert <tag>text</tag> right before the element at path."""

    def edit(root: etree._Element) -> None:
        el = etree.Element(tag)
        el.text = text
        one(root, path).addprevious(el)

    return edit


LINES = "FatturaElettronicaBody/DatiBeniServizi/DettaglioLinee"
SUMMARY = "FatturaElettronicaBody/DatiBeniServizi/DatiRiepilogo"
DOC = "FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento"
SELLER = "FatturaElettronicaHeader/CedentePrestatore/DatiAnagrafici"
BUYER = "FatturaElettronicaHeader/CessionarioCommittente/DatiAnagrafici"


def line3_rate(rate: str, natura: str | None = None) -> list[Edit]:
    """Line 3 of the B2B invoice (49.00 at 4%) and its summary block moved to another rate / Natura."""
    edits = [set_text(f"{LINES}/AliquotaIVA", rate, 2), set_text(f"{SUMMARY}/AliquotaIVA", rate, 1)]
    tax = (Decimal("49.00") * Decimal(rate) / 100).quantize(Decimal("0.01"))
    edits.append(set_text(f"{SUMMARY}/Imposta", f"{tax}", 1))
    if natura:
        edits.append(insert_after(f"{LINES}/AliquotaIVA", "Natura", natura, 2))
        edits.append(insert_after(f"{SUMMARY}/AliquotaIVA", "Natura", natura, 1))
    return edits


# -- catalogue, Schematron and data stay in step ----------------------------------------------------------------------
def test_every_rule_is_in_the_catalogue_with_the_schematron_flag() -> None:
    compiled = compile_schematron(SCH)
    sch_ids = {a.id for a in compiled.assertions}
    for a in compiled.assertions:
        assert a.flag == "fatal", a.id
        assert catalogue().entry(a.id).severity.value == a.flag, a.id
    python_ids = {e["id"] for e in CONTENT_CATALOGUE["entries"] if e["implemented_by"].startswith("peppol_validate.")}
    assert python_ids == {f"IT-SDI-{c}" for c in ("00403", "00423", "00471", "00472", "00473", "00475")}
    assert sch_ids | python_ids == CONTENT_IDS
    assert not sch_ids & python_ids
    for entry in CONTENT_CATALOGUE["entries"]:
        assert entry["codes"] == [{"authority": "SDI", "code": entry["id"].removeprefix("IT-SDI-")[:5]}]
        assert entry["severity"] == "fatal" and "\n" not in entry["fix"]


def test_out_of_reach_codes_are_documented() -> None:
    assert {o["code"] for o in CONTENT_CATALOGUE["out_of_reach"]} == {"00477"}


def test_versions_follow_the_fatturapa_schemas() -> None:
    """The list versions take effect on the dates the FatturaPA XSDs do, and only use codes their XSD defines."""
    versions = document_type_versions()
    assert [v.version for v in versions] == ["1.2.2", "1.2.3"]
    for v in versions:
        schema = plan_catalogue().schema_for("fatturapa", v.valid_from)
        assert schema is not None and (schema.version, schema.valid_from) == (v.version, v.valid_from)
        xsd = etree.parse(str(PACKS / schema.file))
        ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
        codes = set(xsd.xpath("//xs:simpleType[@name='TipoDocumentoType']//xs:enumeration/@value", namespaces=ns))
        used = (
            v.seller_differs_from_buyer
            | v.seller_equals_buyer
            | v.seller_country_not_it
            | v.seller_country_it
            | v.buyer_vat_id_required
        )
        assert used <= codes, used - codes


@pytest.mark.parametrize(
    ("as_of", "version"),
    [(date(2020, 6, 1), "1.2.2"), (date(2025, 3, 31), "1.2.2"), (date(2025, 4, 1), "1.2.3"), (AS_OF, "1.2.3")],
)
def test_lists_by_as_of_date(as_of: date, version: str) -> None:
    lists = document_type_lists(as_of)
    assert lists.version == version
    td29 = version == "1.2.3"
    assert ("TD29" in lists.seller_differs_from_buyer) is td29
    assert ("TD29" in lists.seller_country_it) is td29
    assert ("TD29" in lists.buyer_vat_id_required) is td29
    assert lists.seller_equals_buyer == {"TD21"}
    assert lists.seller_country_not_it == {"TD17", "TD18", "TD19", "TD28"}


# -- pure helpers ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("22.00", Decimal("22.00")),
        (" -3.5 ", Decimal("-3.5")),
        ("+1", Decimal(1)),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
    ],
)
def test_parse_decimal(text: str, value: Decimal) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["", "1e3", "NaN", "Infinity", "1_000", "1,50", "\u0661\u0662", "0x1F", None])
def test_parse_decimal_rejects_what_xs_decimal_rejects(text: str | None) -> None:
    assert parse_decimal(text) is None


def test_parse_date() -> None:
    assert parse_date("2026-03-16") == date(2026, 3, 16)
    assert parse_date("2026-03-16+01:00") == date(2026, 3, 16)
    assert parse_date("2026-03-16Z") == date(2026, 3, 16)
    for bad in ("16/03/2026", "2026-02-30", "2026-13-01", "", None, "2026-3-16"):
        assert parse_date(bad) is None


ZERO = Decimal("0.00")


@pytest.mark.parametrize(
    ("totale", "ok"),
    [("282.15", True), ("282.16", True), ("282.14", True), ("282.17", False), ("282.13", False), ("282.161", False)],
)
def test_00423_tolerance_is_one_cent(totale: str, ok: bool) -> None:
    steps = [("SC", Decimal("10.00"), None), ("SC", Decimal("5.00"), None)]
    assert expected_prezzo_totale(Decimal("55.00"), Decimal("6.00"), steps, prefer_importo=True) == Decimal("282.15")
    assert prezzo_totale_ok(Decimal(totale), Decimal("55.00"), Decimal("6.00"), steps) is ok


def test_00423_cascade_amounts_surcharges_and_missing_quantity() -> None:
    # Percentages apply in cascade, not summed: 100 x 0.9 x 0.9 = 81, not 80.
    cascade = [("SC", Decimal("10.00"), None), ("SC", Decimal("10.00"), None)]
    assert expected_prezzo_totale(Decimal("100"), None, cascade, prefer_importo=True) == Decimal("81")
    assert not prezzo_totale_ok(Decimal("80.00"), Decimal("100"), None, cascade)
    # An amount is subtracted (SC) or added (MG) to the unit price, then multiplied by the quantity.
    mixed = [("SC", None, Decimal("2.50")), ("MG", Decimal("10.00"), None)]
    assert expected_prezzo_totale(Decimal("10.00"), Decimal("3.00"), mixed, prefer_importo=True) == Decimal("24.75")
    # No intermediate rounding: 48.015 x 6.5 = 312.0975, so 312.10 is within 0.01 and 312.11 is not.
    steps = [("SC", Decimal("10.00"), None), ("SC", Decimal("3.00"), None)]
    assert prezzo_totale_ok(Decimal("312.10"), Decimal("55.00"), Decimal("6.50"), steps)
    assert not prezzo_totale_ok(Decimal("312.11"), Decimal("55.00"), Decimal("6.50"), steps)
    # 8-decimal prices and quantities stay exact.
    assert prezzo_totale_ok(Decimal("0.01"), Decimal("0.00333333"), Decimal("3.00000000"), [])


def test_00423_a_step_with_both_percentage_and_amount_accepts_either_reading() -> None:
    both = [("SC", Decimal("10.00"), Decimal("5.00"))]
    assert prezzo_totale_ok(Decimal("95.00"), Decimal("100.00"), None, both)  # the amount
    assert prezzo_totale_ok(Decimal("90.00"), Decimal("100.00"), None, both)  # the percentage
    assert not prezzo_totale_ok(Decimal("85.00"), Decimal("100.00"), None, both)


def test_same_party() -> None:
    a = PartyIds("IT", "08473120965", "08473120965")
    b = PartyIds("IT", "03158740583", "03158740583")
    b_cf_only = PartyIds("", "", "03158740583")
    a_cf_only = PartyIds("", "", "08473120965")
    assert same_party(a, a) is True
    assert same_party(a, b) is False
    assert same_party(a, a_cf_only) is True  # no buyer VAT id, same CodiceFiscale
    assert same_party(a, b_cf_only) is None  # the registry would decide
    assert same_party(PartyIds("IT", "08473120965", ""), a_cf_only) is None
    assert same_party(a, PartyIds("", "", "")) is None


# -- the engine on edited corpus invoices ---------------------------------------------------------------------------
def test_corpus_bases_are_clean() -> None:
    assert content_findings(B2B) == set()
    assert content_findings(PA) == set()


@pytest.mark.parametrize(
    ("rate", "natura", "expected"),
    [
        ("0.00", None, {"IT-SDI-00400", "IT-SDI-00429"}),
        ("0.00", "N2.2", set()),
        ("0.00", "N4", set()),
        ("10.00", None, set()),
        ("10.00", "N4", {"IT-SDI-00401", "IT-SDI-00430"}),
        ("1.00", None, set()),
        ("0.99", None, {"IT-SDI-00424"}),
        ("0.50", None, {"IT-SDI-00424"}),
        ("0.01", None, {"IT-SDI-00424"}),
    ],
)
def test_natura_against_rate_in_lines_and_summary(rate: str, natura: str | None, expected: set[str]) -> None:
    assert content_findings(edited(B2B, *line3_rate(rate, natura))) == expected


def test_natura_only_in_the_line_or_only_in_the_summary() -> None:
    # Line 3 at 0.00 with Natura, summary without: 00429, and the line's Natura is in no summary (00444).
    edits = [*line3_rate("0.00"), insert_after(f"{LINES}/AliquotaIVA", "Natura", "N4", 2)]
    assert content_findings(edited(B2B, *edits)) == {"IT-SDI-00429", "IT-SDI-00444"}
    # Summary with Natura, line without: 00400 only (a summary Natura need not appear in the lines).
    edits = [*line3_rate("0.00"), insert_after(f"{SUMMARY}/AliquotaIVA", "Natura", "N4", 1)]
    assert content_findings(edited(B2B, *edits)) == {"IT-SDI-00400"}
    # Different Natura in line and summary: 00444.
    edits = [*line3_rate("0.00", "N4"), set_text(f"{LINES}/Natura", "N3.1")]
    assert content_findings(edited(B2B, *edits)) == {"IT-SDI-00444"}


@pytest.mark.parametrize(
    ("natura", "expected"),
    [
        ("N2", {"IT-SDI-00445"}),
        ("N3", {"IT-SDI-00445"}),
        ("N6", {"IT-SDI-00445"}),
        ("N1", set()),
        ("N2.1", set()),
        ("N3.5", set()),
        ("N4", set()),
        ("N5", set()),
        ("N6.9", set()),
        ("N7", set()),
    ],
)
def test_00445_generic_natura(natura: str, expected: set[str]) -> None:
    assert content_findings(edited(B2B, *line3_rate("0.00", natura))) == expected


@pytest.mark.parametrize(
    ("natura", "esigibilita", "expected"),
    [
        ("N6.1", "S", {"IT-SDI-00420"}),
        ("N6.9", "S", {"IT-SDI-00420"}),
        ("N6", "S", {"IT-SDI-00420", "IT-SDI-00445"}),
        ("N6.1", "I", set()),
        ("N6.1", "D", set()),
        ("N3.1", "S", set()),
    ],
)
def test_00420_reverse_charge_and_split_payment(natura: str, esigibilita: str, expected: set[str]) -> None:
    edits = [*line3_rate("0.00", natura), set_text(f"{SUMMARY}/EsigibilitaIVA", esigibilita, 1)]
    assert content_findings(edited(B2B, *edits)) == expected


# 00421: 644.00 x 22% = 141.68
@pytest.mark.parametrize(
    ("imposta", "expected"),
    [
        ("141.68", set()),
        ("141.69", set()),
        ("141.67", set()),
        ("141.70", {"IT-SDI-00421"}),
        ("141.66", {"IT-SDI-00421"}),
    ],
)
def test_00421_tolerance_is_one_cent(imposta: str, expected: set[str]) -> None:
    assert content_findings(edited(B2B, set_text(f"{SUMMARY}/Imposta", imposta, 0))) == expected


@pytest.mark.parametrize(
    ("imponibile", "imposta", "expected"),
    [
        # 0.45 x 10% = 0.045: half up gives 0.05 (half even would give 0.04)
        ("0.45", "0.05", set()),
        ("0.45", "0.06", set()),
        ("0.45", "0.04", set()),
        ("0.45", "0.03", {"IT-SDI-00421"}),
        ("0.45", "0.07", {"IT-SDI-00421"}),
        # negative amounts round half away from zero: -0.045 -> -0.05
        ("-0.45", "-0.06", set()),
        ("-0.45", "-0.03", {"IT-SDI-00421"}),
    ],
)
def test_00421_rounds_half_up(imponibile: str, imposta: str, expected: set[str]) -> None:
    edits = [
        set_text(f"{LINES}/AliquotaIVA", "10.00", 2),
        set_text(f"{LINES}/PrezzoUnitario", imponibile, 2),
        set_text(f"{LINES}/Quantita", "1.00", 2),
        set_text(f"{LINES}/PrezzoTotale", imponibile, 2),
        set_text(f"{SUMMARY}/AliquotaIVA", "10.00", 1),
        set_text(f"{SUMMARY}/ImponibileImporto", imponibile, 1),
        set_text(f"{SUMMARY}/Imposta", imposta, 1),
    ]
    assert content_findings(edited(B2B, *edits)) == expected


# 00422: the lines at 22% total 644.00
@pytest.mark.parametrize(
    ("imponibile", "expected"),
    [("645.00", set()), ("643.00", set()), ("645.01", {"IT-SDI-00422"}), ("642.99", {"IT-SDI-00422"})],
)
def test_00422_tolerance_is_one_euro(imponibile: str, expected: set[str]) -> None:
    tax = (Decimal(imponibile) * Decimal("0.22")).quantize(Decimal("0.01"))
    edits = [set_text(f"{SUMMARY}/ImponibileImporto", imponibile), set_text(f"{SUMMARY}/Imposta", f"{tax}")]
    assert content_findings(edited(B2B, *edits)) == expected


def test_00422_counts_arrotondamento_and_groups_by_rate_only() -> None:
    # Arrotondamento 2.50 of the 22% block: 644.00 + 2.50 = 646.50 is the expected ImponibileImporto.
    edits = [
        insert_after(f"{SUMMARY}/AliquotaIVA", "Arrotondamento", "2.50", 0),
        set_text(f"{SUMMARY}/ImponibileImporto", "646.50"),
        set_text(f"{SUMMARY}/Imposta", "142.23"),
    ]
    assert content_findings(edited(B2B, *edits)) == set()
    edits[1] = set_text(f"{SUMMARY}/ImponibileImporto", "648.00")
    edits[2] = set_text(f"{SUMMARY}/Imposta", "142.56")
    assert content_findings(edited(B2B, *edits)) == {"IT-SDI-00422"}

    # Two zero-rate blocks with different Natura are compared together (per rate, not per Natura): line 2 (330.00)
    # and line 3 (49.00) at 0.00 with N4 and N2.2, summaries 300.00/N4 and 79.00/N2.2 total 379.00 = 330 + 49.
    def two_natura(root: etree._Element) -> None:
        for i, natura in ((1, "N4"), (2, "N2.2")):
            one(root, f"{LINES}/AliquotaIVA", i).text = "0.00"
            one(root, f"{LINES}/AliquotaIVA", i).addnext(etree.Element("Natura"))
            one(root, f"{LINES}/Natura", i - 1).text = natura
        first, second = root.findall(SUMMARY)
        one(first, "ImponibileImporto").text = "314.00"
        one(first, "Imposta").text = "69.08"
        zero = copy.deepcopy(second)
        for block, natura, amount in ((second, "N4", "300.00"), (zero, "N2.2", "79.00")):
            one(block, "AliquotaIVA").text = "0.00"
            one(block, "AliquotaIVA").addnext(etree.Element("Natura"))
            one(block, "Natura").text = natura
            one(block, "ImponibileImporto").text = amount
            one(block, "Imposta").text = "0.00"
        second.addnext(zero)

    assert content_findings(edited(B2B, two_natura)) == set()


def test_00422_includes_the_social_security_contribution() -> None:
    cassa = {
        "TipoCassa": "TC22",
        "AlCassa": "4.00",
        "ImportoContributoCassa": "25.76",
        "ImponibileCassa": "644.00",
        "AliquotaIVA": "22.00",
    }
    with_cassa = insert_after(f"{DOC}/Numero", "DatiCassaPrevidenziale", children=cassa)
    # Without raising the 22% summary by the contribution: 644.00 against 669.76.
    assert content_findings(edited(B2B, with_cassa)) == {"IT-SDI-00422"}
    raised = [set_text(f"{SUMMARY}/ImponibileImporto", "669.76"), set_text(f"{SUMMARY}/Imposta", "147.35")]
    assert content_findings(edited(B2B, with_cassa, *raised)) == set()


@pytest.mark.parametrize(
    ("rate", "natura", "expected"),
    [
        ("22.00", None, set()),
        ("22.00", "N4", {"IT-SDI-00414", "IT-SDI-00444"}),
        ("0.50", None, {"IT-SDI-00424", "IT-SDI-00443", "IT-SDI-00419"}),
        ("0.00", None, {"IT-SDI-00413", "IT-SDI-00443", "IT-SDI-00419"}),
    ],
)
def test_cassa_rate_and_natura(rate: str, natura: str | None, expected: set[str]) -> None:
    cassa = {
        "TipoCassa": "TC22",
        "AlCassa": "4.00",
        "ImportoContributoCassa": "0.00",
        "ImponibileCassa": "0.00",
        "AliquotaIVA": rate,
    }
    if natura:
        cassa["Natura"] = natura
    assert (
        content_findings(edited(B2B, insert_after(f"{DOC}/Numero", "DatiCassaPrevidenziale", children=cassa)))
        == expected
    )


def test_00411_and_00415_withholding_tax() -> None:
    ritenuta_line = insert_after(f"{LINES}/AliquotaIVA", "Ritenuta", "SI", 1)
    assert content_findings(edited(B2B, ritenuta_line)) == {"IT-SDI-00411"}
    dati_ritenuta = insert_after(
        f"{DOC}/Numero",
        "DatiRitenuta",
        children={
            "TipoRitenuta": "RT02",
            "ImportoRitenuta": "66.00",
            "AliquotaRitenuta": "20.00",
            "CausalePagamento": "A",
        },
    )
    assert content_findings(edited(B2B, ritenuta_line, dati_ritenuta)) == set()
    cassa = {
        "TipoCassa": "TC22",
        "AlCassa": "4.00",
        "ImportoContributoCassa": "0.00",
        "ImponibileCassa": "0.00",
        "AliquotaIVA": "22.00",
        "Ritenuta": "SI",
    }
    with_cassa = insert_after(f"{DOC}/Numero", "DatiCassaPrevidenziale", children=cassa)
    assert content_findings(edited(B2B, with_cassa)) == {"IT-SDI-00415"}
    assert content_findings(edited(B2B, with_cassa, dati_ritenuta)) == set()


def test_00417_buyer_identifiers() -> None:
    assert content_findings(edited(PA, remove(f"{BUYER}/CodiceFiscale"))) == {"IT-SDI-00417"}
    assert content_findings(edited(B2B, remove(f"{BUYER}/IdFiscaleIVA"))) == {"IT-SDI-00417"}
    cf_only = [remove(f"{BUYER}/IdFiscaleIVA"), insert_before(f"{BUYER}/Anagrafica", "CodiceFiscale", "03158740583")]
    assert content_findings(edited(B2B, *cf_only)) == set()


@pytest.mark.parametrize(
    ("tipo", "linked", "expected"),
    [
        ("TD04", "2026-03-17", {"IT-SDI-00418"}),
        ("TD04", "2026-03-16", set()),
        ("TD04", "2026-03-15", set()),
        ("TD01", "2026-03-17", set()),  # only credit notes
        ("TD05", "2026-03-17", set()),
    ],
)
def test_00418_credit_note_date(tipo: str, linked: str, expected: set[str]) -> None:
    edits = [
        set_text(f"{DOC}/TipoDocumento", tipo),
        insert_after(
            "FatturaElettronicaBody/DatiGenerali/DatiOrdineAcquisto",
            "DatiFattureCollegate",
            children={"IdDocumento": "FV-2026/0101", "Data": linked},
        ),
    ]
    assert content_findings(edited(B2B, *edits)) == expected


def test_00419_and_00443_summaries_per_rate() -> None:
    assert content_findings(edited(B2B, remove(SUMMARY, 1))) == {"IT-SDI-00419", "IT-SDI-00443"}
    # 22.0 written without its second decimal is the same rate (decimal comparison) - XSD aside.
    report = validator_for(AS_OF).validate(etree.tostring(edited(B2B, set_text(f"{LINES}/AliquotaIVA", "22.0", 0))))
    assert {f.rule_id for f in report.findings if f.rule_id in CONTENT_IDS} == set()
    assert {f.layer for f in report.findings} == {"xsd"}


@pytest.mark.parametrize(
    ("numero", "expected"), [("FV/MARZO", {"IT-SDI-00425"}), ("A", {"IT-SDI-00425"}), ("X-1", set()), ("0", set())]
)
def test_00425_number_has_a_digit(numero: str, expected: set[str]) -> None:
    assert content_findings(edited(B2B, set_text(f"{DOC}/Numero", numero))) == expected


@pytest.mark.parametrize(
    ("base", "formato", "versione", "codice", "expected"),
    [
        (B2B, "FPR12", "FPR12", "KR4ZT7Q", set()),
        (B2B, "FPR12", "FPR12", "0000000", set()),
        (B2B, "FPR12", "FPR12", "KR4ZT7", {"IT-SDI-00427"}),
        (PA, "FPA12", "FPA12", "UFK3QZ", set()),
        (PA, "FPA12", "FPA12", "UFK3QZ0", {"IT-SDI-00427"}),
        (B2B, "FPR12", "FPA12", "KR4ZT7Q", {"IT-SDI-00428"}),
        (B2B, "FPA12", "FPA12", "KR4ZT7Q", {"IT-SDI-00427"}),
        (B2B, "FPA12", "FPR12", "KR4ZT7Q", {"IT-SDI-00427", "IT-SDI-00428"}),
    ],
)
def test_00427_00428_format_and_recipient_code(
    base: Path, formato: str, versione: str, codice: str, expected: set[str]
) -> None:
    def edit(root: etree._Element) -> None:
        root.set("versione", versione)
        one(root, "FatturaElettronicaHeader/DatiTrasmissione/FormatoTrasmissione").text = formato
        one(root, "FatturaElettronicaHeader/DatiTrasmissione/CodiceDestinatario").text = codice

    assert content_findings(edited(base, edit)) == expected


def test_00437_00438_discounts_need_an_amount() -> None:
    doc_sc = insert_after(f"{DOC}/Numero", "ScontoMaggiorazione", children={"Tipo": "SC"})
    assert content_findings(edited(B2B, doc_sc)) == {"IT-SDI-00437"}
    doc_sc_pct = insert_after(f"{DOC}/Numero", "ScontoMaggiorazione", children={"Tipo": "SC", "Percentuale": "1.00"})
    assert content_findings(edited(B2B, doc_sc_pct)) == set()
    line_mg = insert_after(f"{LINES}/PrezzoUnitario", "ScontoMaggiorazione", index=0, children={"Tipo": "MG"})
    assert content_findings(edited(B2B, line_mg)) == {"IT-SDI-00438"}  # 00423 leaves the line to 00438
    # A 0.00 amount is given, so no 00438; the price is unchanged.
    line_mg0 = insert_after(
        f"{LINES}/PrezzoUnitario", "ScontoMaggiorazione", index=0, children={"Tipo": "MG", "Importo": "0.00"}
    )
    assert content_findings(edited(B2B, line_mg0)) == set()


@pytest.mark.parametrize(
    ("unitario", "quantita", "totale", "expected"),
    [
        ("7.85", "40.00", "314.00", set()),
        ("7.85", "40.00", "314.01", set()),
        ("7.85", "40.00", "313.99", set()),
        ("7.85", "40.00", "314.02", {"IT-SDI-00423"}),
        ("7.85", "40.00", "313.98", {"IT-SDI-00423"}),
        ("314.00", None, "314.00", set()),  # Quantita absent counts as 1
        ("314.00", None, "314.02", {"IT-SDI-00423"}),
        ("7.85", "40.00", "314.0099999", set()),
        ("7.85", "40.00", "314.0100001", {"IT-SDI-00423"}),
    ],
)
def test_00423_prezzo_totale_in_the_engine(
    unitario: str, quantita: str | None, totale: str, expected: set[str]
) -> None:
    """Line 1 of the B2B invoice; the 22% summary (644.00) stays within 00422's 1.00 of the lines."""
    edits = [set_text(f"{LINES}/PrezzoUnitario", unitario, 0), set_text(f"{LINES}/PrezzoTotale", totale, 0)]
    if quantita is None:
        edits += [remove(f"{LINES}/Quantita", 0), remove(f"{LINES}/UnitaMisura", 0)]
    assert content_findings(edited(B2B, *edits)) == expected


def test_00474_td21_zero_rate_lines() -> None:
    td21 = [set_text(f"{DOC}/TipoDocumento", "TD21"), set_text(f"{BUYER}/IdFiscaleIVA/IdCodice", "08473120965")]
    assert content_findings(edited(B2B, *td21)) == set()
    assert content_findings(edited(B2B, *td21, *line3_rate("0.00", "N1"))) == {"IT-SDI-00474"}
    assert content_findings(edited(B2B, *line3_rate("0.00", "N1"))) == set()


@pytest.mark.parametrize(
    ("seller", "buyer", "expected"),
    [
        ("IT", "IT", set()),
        ("IT", "DE", set()),
        ("DE", "IT", set()),
        ("DE", "FR", {"IT-SDI-00476"}),
        ("DE", "DE", {"IT-SDI-00476"}),
        ("DE", None, set()),  # the buyer's IdPaese is not given
    ],
)
def test_00476_both_parties_foreign(seller: str, buyer: str | None, expected: set[str]) -> None:
    edits = [set_text(f"{SELLER}/IdFiscaleIVA/IdPaese", seller)]
    if buyer is None:
        edits += [remove(f"{BUYER}/IdFiscaleIVA"), insert_before(f"{BUYER}/Anagrafica", "CodiceFiscale", "03158740583")]
    else:
        edits.append(set_text(f"{BUYER}/IdFiscaleIVA/IdPaese", buyer))
    assert content_findings(edited(B2B, *edits)) == expected


def _batch(*second: Edit) -> etree._Element:
    def add_body(root: etree._Element) -> None:
        body = copy.deepcopy(one(root, "FatturaElettronicaBody"))
        root.append(body)

    root = edited(B2B, add_body)
    for edit in second:
        edit(root)
    return root


SECOND = "FatturaElettronicaBody[2]/DatiGenerali/DatiGeneraliDocumento"


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ([], {"IT-SDI-00409"}),
        ([set_text(f"{SECOND}/Numero", "FV-2026/0159")], set()),
        ([set_text(f"{SECOND}/Data", "2026-11-02")], {"IT-SDI-00409"}),  # same year
        ([set_text(f"{SECOND}/Data", "2025-11-02")], set()),  # another year
        ([set_text(f"{SECOND}/TipoDocumento", "TD04")], set()),  # TD04 compared with TD04 only
        ([insert_after(f"{SECOND}/Causale", "Art73", "SI"), set_text(f"{SECOND}/Data", "2026-03-17")], set()),
        ([insert_after(f"{SECOND}/Causale", "Art73", "SI")], {"IT-SDI-00409"}),  # Art73: same full date
    ],
)
def test_00409_duplicates_in_a_batch(edits: list[Edit], expected: set[str]) -> None:
    assert content_findings(_batch(*edits)) == expected


# -- 00403: the invoice date against the as-of date -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "as_of", "expected"),
    [
        ("2026-03-16", date(2026, 3, 16), set()),
        ("2026-03-17", date(2026, 3, 16), {"IT-SDI-00403"}),
        ("2026-03-16", date(2026, 3, 15), {"IT-SDI-00403"}),
        ("2026-03-16", AS_OF, set()),
    ],
)
def test_00403_date_after_reception(data: str, as_of: date, expected: set[str]) -> None:
    assert content_findings(edited(B2B, set_text(f"{DOC}/Data", data)), as_of=as_of) == expected


def test_00403_without_a_fixed_date_uses_today_in_italy() -> None:
    assert content_findings(edited(B2B, set_text(f"{DOC}/Data", "9999-12-31")), as_of=None) == {"IT-SDI-00403"}
    assert content_findings(edited(B2B, set_text(f"{DOC}/Data", "2001-01-01")), as_of=None) == set()


# -- the document-type controls with version-keyed lists ------------------------------------------------------------
def _tipo(tipo: str) -> Edit:
    return set_text(f"{DOC}/TipoDocumento", tipo)


DATED_2025 = set_text(f"{DOC}/Data", "2025-03-01")  # not in the future for either as-of date
BUYER_IS_SELLER = set_text(f"{BUYER}/IdFiscaleIVA/IdCodice", "08473120965")
FOREIGN_SELLER = [
    set_text(f"{SELLER}/IdFiscaleIVA/IdPaese", "DE"),
    set_text(f"{SELLER}/IdFiscaleIVA/IdCodice", "287650136"),
]
BUYER_CF_ONLY = [remove(f"{BUYER}/IdFiscaleIVA"), insert_before(f"{BUYER}/Anagrafica", "CodiceFiscale", "03158740583")]


@pytest.mark.parametrize("as_of", [date(2025, 3, 31), date(2025, 4, 1)])
@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ([_tipo("TD01"), BUYER_IS_SELLER], set()),
        ([_tipo("TD16"), BUYER_IS_SELLER], {"IT-SDI-00471"}),
        ([_tipo("TD20"), BUYER_IS_SELLER], {"IT-SDI-00471"}),
        ([_tipo("TD27"), BUYER_IS_SELLER], set()),
        ([_tipo("TD21"), BUYER_IS_SELLER], set()),
        ([_tipo("TD21")], {"IT-SDI-00472"}),
        ([_tipo("TD21"), *BUYER_CF_ONLY], set()),  # the registry would decide
        ([_tipo("TD17"), *FOREIGN_SELLER], set()),
        ([_tipo("TD17")], {"IT-SDI-00473"}),
        ([_tipo("TD28")], {"IT-SDI-00473"}),
        ([_tipo("TD16"), *BUYER_CF_ONLY], {"IT-SDI-00475"}),
        ([_tipo("TD22"), *BUYER_CF_ONLY], {"IT-SDI-00475"}),
        ([_tipo("TD01"), *BUYER_CF_ONLY], set()),
    ],
)
def test_document_types_same_in_both_versions(edits: list[Edit], expected: set[str], as_of: date) -> None:
    assert content_findings(edited(B2B, DATED_2025, *edits), as_of=as_of) == expected


@pytest.mark.parametrize(
    ("edits", "before", "after"),
    [
        ([_tipo("TD29")], set(), set()),
        ([_tipo("TD29"), BUYER_IS_SELLER], set(), {"IT-SDI-00471"}),
        ([_tipo("TD29"), *FOREIGN_SELLER], set(), {"IT-SDI-00473"}),
        ([_tipo("TD29"), *BUYER_CF_ONLY], set(), {"IT-SDI-00475"}),
    ],
)
def test_td29_lists_apply_from_2025_04_01(edits: list[Edit], before: set[str], after: set[str]) -> None:
    """TD29 joined 00471, 00473 (Italian seller) and 00475 with FatturaPA 1.2.3; before, the XSD rejects TD29."""
    doc = edited(B2B, DATED_2025, *edits)
    assert content_findings(doc, as_of=date(2025, 3, 31)) == before
    old = validator_for(date(2025, 3, 31)).validate(etree.tostring(doc))
    assert "XSD-SCHEMAV_CVC_ENUMERATION_VALID" in {f.rule_id for f in old.findings}
    assert content_findings(doc, as_of=date(2025, 4, 1)) == after


def test_00471_with_equal_fiscal_codes_and_no_buyer_vat_id() -> None:
    edits = [
        _tipo("TD16"),
        remove(f"{BUYER}/IdFiscaleIVA"),
        insert_before(f"{BUYER}/Anagrafica", "CodiceFiscale", "08473120965"),
    ]
    assert content_findings(edited(B2B, *edits)) == {"IT-SDI-00471", "IT-SDI-00475"}


# -- robustness: values the XSD rejects never stop the layers --------------------------------------------------------
@pytest.mark.parametrize(
    "edit",
    [
        set_text(f"{LINES}/AliquotaIVA", "1e3"),
        set_text(f"{LINES}/AliquotaIVA", "NaN"),
        set_text(f"{LINES}/PrezzoTotale", "\u0661\u0662"),
        set_text(f"{LINES}/Quantita", "abc"),
        set_text(f"{SUMMARY}/Imposta", ""),
        set_text(f"{DOC}/Data", "16/03/2026"),
        set_text(f"{DOC}/Data", "2026-02-30"),
        insert_after(f"{LINES}/AliquotaIVA", "AliquotaIVA", "4.00"),
        insert_after(f"{DOC}/Data", "Data", "2026-03-17"),
        insert_after(f"{DOC}/TipoDocumento", "TipoDocumento", "TD04"),
        insert_after(f"{SUMMARY}/ImponibileImporto", "ImponibileImporto", "1.00"),
        insert_after(f"{LINES}/PrezzoUnitario", "ScontoMaggiorazione", children={"Tipo": "XX", "Percentuale": "x"}),
        remove("FatturaElettronicaHeader/DatiTrasmissione/FormatoTrasmissione"),
        remove(f"{SELLER}/IdFiscaleIVA"),
    ],
)
def test_invalid_values_leave_the_finding_to_the_xsd(edit: Edit) -> None:
    report = validator_for(AS_OF).validate(etree.tostring(edited(B2B, edit)))
    assert report.verdict is Verdict.INVALID
    assert all(layer.status is not LayerStatus.ERROR for layer in report.layers)
    assert any(f.layer == "xsd" for f in report.findings)


# -- the official AdE examples ---------------------------------------------------------------------------------------
OFFICIAL: dict[str, set[str]] = {
    "v1.2.2/IT01234567890_FPA01.xml": set(),
    "v1.2.2/IT01234567890_FPA02.xml": set(),
    "v1.2.2/IT01234567890_FPA03.xml": set(),
    "v1.2.2/IT01234567890_FPR01.xml": set(),
    # FPR02 and FPR03: the 22% summary says ImponibileImporto 27.00 for lines totalling 25.00 (5.00 + 20.00), 2.00
    # beyond the 1.00 tolerance of 00422; Imposta 5.95 is within 0.01 of 27.00 x 22% = 5.94, so no 00421.
    "v1.2.2/IT01234567890_FPR02.xml": {"IT-SDI-00422"},
    "v1.2.2/IT01234567890_FPR03.xml": {"IT-SDI-00422"},
    "v1.2.2-fixed/IT01234567890_FPR02.xml": {"IT-SDI-00422"},
    # TD29 requires the buyer's IdFiscaleIVA (00475, FatturaPA 1.2.3); the buyer has only a CodiceFiscale, and
    # the seller is Italian as TD29 requires (no 00473). Seller and buyer cannot be compared offline (no 00471).
    "v1.2.3-only/IT01234567890_FPR01_TD29_RF20.xml": {"IT-SDI-00475"},
    "invalid/IT01234567890_FPA01_truncated_no_body.xml": set(),
}


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_official_examples(name: str) -> None:
    assert content_findings(EXAMPLES / name) == OFFICIAL[name]


def test_official_examples_are_all_listed() -> None:
    assert {str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.xml")} == set(OFFICIAL)


def test_official_td29_before_fatturapa_1_2_3_has_no_content_finding() -> None:
    td29 = EXAMPLES / "v1.2.3-only/IT01234567890_FPR01_TD29_RF20.xml"
    assert content_findings(td29, as_of=date(2025, 3, 31)) == set()


def test_official_examples_locations() -> None:
    report = validator_for(AS_OF).validate(EXAMPLES / "v1.2.2/IT01234567890_FPR03.xml")
    (finding,) = [f for f in report.findings if f.rule_id == "IT-SDI-00422"]
    assert finding.location == (
        "/p:FatturaElettronica[1]/FatturaElettronicaBody[1]/DatiBeniServizi[1]/DatiRiepilogo[1]/ImponibileImporto[1]"
    )
    assert finding.line and finding.column
    assert [(c.authority, c.code) for c in finding.authority_codes] == [("SDI", "00422")]
    assert finding.fix


def test_python_checks_are_registered() -> None:
    from peppol_validate.countries.it import python_checks
    from peppol_validate.loading import Limits
    from peppol_validate.validator import Options

    options = Options(limits=Limits())
    names = {getattr(c, "__name__", "") for c in content.checks(options)}
    assert names == {"check_00403", "check_00423", "check_document_types"}
    assert {getattr(c, "__name__", "") for c in python_checks(options)} >= names
