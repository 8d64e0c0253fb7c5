"""France: identifier check digits (property tests), the official French rules through our compiler (equivalence
with FNFE's own compiled XSLT), when the French layers run, and Factur-X PDFs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zlib
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import tva as stdnum_tva

from peppol_validate.countries import fr
from peppol_validate.countries.base import catalogue
from peppol_validate.countries.fr import identifiers as ids
from peppol_validate.detect import Detection, DocumentKind, Profile, detect
from peppol_validate.errors import LoadError
from peppol_validate.layers import executable_for
from peppol_validate.loading import Limits, _load_pdf, load
from peppol_validate.model import Severity, Verdict
from peppol_validate.plan import Plan
from peppol_validate.schematron.runtime import SchematronRuntimeError, processor, to_xdm
from peppol_validate.validator import Options

from .conftest import CORPUS, PACKS, REPO

FR_CORPUS = CORPUS / "fr"
FNFE = "france-ctc/FNFE_RFE_INVOICE_1.4.0.03"
DIGITS = "0123456789"
#: Characters a single-character change may put in an identifier (digits, letters, separators, non-ASCII digits).
REPLACEMENTS = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcz -./_+\u0660\u00bd"


# --------------------------------------------------------------------------------------------------------------
# Check digits computed independently of the code under test


def luhn_check_digit(payload: str) -> str:
    """The digit that completes ``payload`` to a Luhn-valid number (computed from scratch, right to left)."""
    total = 0
    for position, ch in enumerate(reversed(payload)):
        d = int(ch)
        if position % 2 == 0:  # these digits are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def numeric_vat_key(siren: str) -> str:
    return f"{(12 + 3 * (int(siren) % 97)) % 97:02d}"


sirens = st.text(DIGITS, min_size=8, max_size=8).map(lambda p: p + luhn_check_digit(p))


@st.composite
def sirets(draw: st.DrawFn) -> str:
    siren = draw(sirens.filter(lambda s: s != ids.LA_POSTE_SIREN))
    body = siren + draw(st.text(DIGITS, min_size=4, max_size=4))
    return body + luhn_check_digit(body)


@st.composite
def la_poste_sirets(draw: st.DrawFn) -> str:
    body = ids.LA_POSTE_SIREN + draw(st.text(DIGITS, min_size=4, max_size=4))
    need = -sum(int(c) for c in body) % 5
    last = draw(st.sampled_from([need, need + 5]))
    value = body + str(last)
    assert sum(int(c) for c in value) % 5 == 0
    return value


@st.composite
def single_changes(draw: st.DrawFn, valid: st.SearchStrategy[str]) -> tuple[str, int, str]:
    value = draw(valid)
    position = draw(st.integers(0, len(value) - 1))
    new = draw(st.sampled_from(REPLACEMENTS).filter(lambda c: c != value[position]))
    return value, position, value[:position] + new + value[position + 1 :]


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_check_digit_helpers_agree_with_published_examples() -> None:
    # Peppol code list ICD 0002 example SIREN/SIRET, INSEE's La Poste head office, stdnum's VAT example.
    assert luhn_check_digit("78430177") == "2"
    assert ids.siren_problem("784301772") is None
    assert ids.siret_problem("78430177200025") is None
    assert ids.siret_problem(ids.LA_POSTE_HEAD_OFFICE) is None
    assert numeric_vat_key("303265045") == "40" and ids.vat_problem("FR40303265045") is None
    assert ids.vat_problem("FR23334175221") is None


@FAST
@given(sirens)
def test_valid_sirens_pass(siren: str) -> None:
    assert ids.siren_problem(siren) is None
    assert stdnum_siren.is_valid(siren)


@FAST
@given(single_changes(sirens))
def test_any_single_change_breaks_a_siren(change: tuple[str, int, str]) -> None:
    _, _, changed = change
    assert ids.siren_problem(changed) is not None


@FAST
@given(sirets())
def test_valid_sirets_pass(siret: str) -> None:
    assert ids.siret_problem(siret) is None


@FAST
@given(single_changes(sirets()))
def test_any_single_change_breaks_a_siret(change: tuple[str, int, str]) -> None:
    _, _, changed = change
    assert ids.siret_problem(changed) is not None


@FAST
@given(la_poste_sirets())
def test_la_poste_sirets_pass_by_digit_sum(siret: str) -> None:
    assert ids.siret_problem(siret) is None


@FAST
@given(single_changes(la_poste_sirets()))
def test_single_changes_to_la_poste_sirets(change: tuple[str, int, str]) -> None:
    """Every single change fails, except what INSEE's digit-sum rule cannot see: a digit of the establishment
    part changed by 5 (or a change that lands on the head office, which is Luhn-valid)."""
    original, position, changed = change
    problem = ids.siret_problem(changed)
    old, new = original[position], changed[position]
    undetectable = position >= 9 and new in DIGITS and (int(new) - int(old)) % 5 == 0
    if undetectable or changed == ids.LA_POSTE_HEAD_OFFICE:
        assert problem is None
    else:
        assert problem is not None


@FAST
@given(sirens)
def test_vat_numbers_with_the_right_key_pass(siren: str) -> None:
    vat = f"FR{numeric_vat_key(siren)}{siren}"
    assert ids.vat_problem(vat) is None
    assert ids.vat_key(siren) == numeric_vat_key(siren)
    assert stdnum_tva.is_valid(vat)


@FAST
@given(single_changes(sirens.map(lambda s: f"FR{numeric_vat_key(s)}{s}")))
def test_any_single_change_breaks_a_vat_number(change: tuple[str, int, str]) -> None:
    """A change fails, except a key turned into a valid old-style alphanumeric key (stdnum.fr.tva's rule; unlike
    stdnum, which upper-cases its input, a key in lower case is refused)."""
    _, position, changed = change
    problem = ids.vat_problem(changed)
    key = changed[2:4]
    alphanumeric_key = position in (2, 3) and not key.isdigit() and key == key.upper()
    if alphanumeric_key and stdnum_tva.is_valid(changed):
        assert problem is None
    else:
        assert problem is not None


def test_vat_problems_name_the_rule() -> None:
    assert ids.vat_problem("FR34842173601") == ids.VatProblem(
        "FR-VAT-KEY", "the key of FR34842173601 is 34, but the key computed from 842173601 is 33"
    )
    assert ids.vat_problem("FR3384217360") is not None and ids.vat_problem("FR3384217360").rule == "FR-VAT-FORMAT"  # type: ignore[union-attr]
    assert ids.vat_problem("FR33842173602").rule == "FR-SIREN"  # type: ignore[union-attr]
    assert ids.vat_problem("FR33 842173601").rule == "FR-VAT-FORMAT"  # type: ignore[union-attr]


def test_routing_ids_follow_the_icd_0225_registration() -> None:
    assert ids.routing_problem("842173601") is None
    assert ids.routing_problem("842173601_FACTURES-2") is None
    for bad in ("", "842173601.factures", "842 173 601", "a+b", "x" * 131, "é"):
        assert ids.routing_problem(bad) is not None, bad


# --------------------------------------------------------------------------------------------------------------
# The official French rules through our compiler = FNFE's compiled XSLT


def _rule_sets() -> list[dict[str, str]]:
    raw = json.loads((REPO / "src/peppol_validate/countries/fr/data/rulesets.json").read_text("utf-8"))
    return list(raw["rule_sets"])


def _invoices(syntax: str) -> list[Path]:
    marker = b"CrossIndustryInvoice" if syntax == "cii" else b"urn:oasis:names:specification:ubl:schema:xsd:"
    docs = [
        *PACKS.glob("peppol-bis-billing-3/rules/examples/*.xml"),
        *PACKS.glob("peppol-bis-billing-3/rules/national-examples/*/*.xml"),
        *PACKS.glob("peppol-bis-billing-3/rules/snippets/*.xml"),
        *PACKS.glob("peppol-bis-billing-3/release-3.0.21-2026-05/examples/*.xml"),
        *PACKS.glob("en16931-cen/ubl/examples/*.[xX][mM][lL]"),
        *PACKS.glob("en16931-cen/cii/examples/*.xml"),
        *PACKS.glob("en16931-cen/test/testfiles/*.xml"),
        *PACKS.glob("xrechnung-testsuite/src/test/**/*.xml"),
        *FR_CORPUS.rglob("*.xml"),
    ]
    return sorted(p for p in docs if marker in p.read_bytes()[:4000])


CDAR_EXAMPLES = sorted(PACKS.glob("france-ctc/examples/cdar-1.4.0.03/*.xml"))
#: (our Schematron, FNFE's compiled XSLT, the documents): every rule set the French layer runs, plus CDAR.
PAIRS = {r["id"]: (r["file"], r["xslt"], _invoices(r["syntax"])) for r in _rule_sets()} | {
    "fnfe-cdar": (
        f"{FNFE}/CDAR/schematron/BR-FR-CDV-Schematron-CDAR.sch",
        f"{FNFE}/CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt",
        CDAR_EXAMPLES,
    ),
    "fnfe-cdar-warning": (
        f"{FNFE}/CDAR/schematron/BR-FR-CDV-Schematron-CDAR_WARNING.sch",
        f"{FNFE}/CDAR/2xslt/BR-FR-CDV-Schematron-CDAR_WARNING.xslt",
        CDAR_EXAMPLES,
    ),
}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@cache
def _official(xslt: str) -> object:
    exe = processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(PACKS / xslt))
    assert exe is not None
    return exe


@cache
def _tree(doc: Path) -> etree._ElementTree:
    return etree.parse(str(doc))


def _official_fired(xslt: str, doc: Path) -> set[tuple[str, str]] | str:
    try:
        out = _official(xslt).transform_to_string(xdm_node=to_xdm(_tree(doc)))  # type: ignore[attr-defined]
    except Exception as exc:
        return "error: " + type(exc).__name__
    svrl = etree.fromstring(out.encode())
    return {
        (e.get("id") or "", (e.get("flag") or "").lower())
        for e in svrl.iter(SVRL + "failed-assert", SVRL + "successful-report")
    }


def _ours(sch: str, doc: Path) -> set[tuple[str, str]] | str:
    try:
        fired = executable_for(PACKS / sch, None).run(to_xdm(_tree(doc)))
    except SchematronRuntimeError as exc:
        return "error: " + type(exc).__name__
    return {(f.assertion.id, (f.assertion.flag or "").lower()) for f in fired}


def test_every_rule_set_is_compared_on_documents() -> None:
    assert {r["id"] for r in _rule_sets()} == {
        "fnfe-br-fr-ubl",
        "fnfe-br-fr-ubl-warning",
        "fnfe-extended-ctc-fr-ubl",
        "fnfe-br-fr-cii",
        "fnfe-br-fr-cii-warning",
        "fnfe-extended-ctc-fr-cii",
    }
    for name, (sch, xslt, docs) in PAIRS.items():
        assert (PACKS / sch).is_file() and (PACKS / xslt).is_file(), name
        assert len(docs) >= 10, name
    assert len(CDAR_EXAMPLES) == 11


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_same_findings_as_fnfe_xslt(pair: str) -> None:
    sch, xslt, docs = PAIRS[pair]
    fired_somewhere = False
    for doc in docs:
        ours, official = _ours(sch, doc), _official_fired(xslt, doc)
        if isinstance(official, str):
            assert isinstance(ours, str), f"{doc}: the official XSLT failed ({official}) but ours ran"
        else:
            assert ours == official, doc
            fired_somewhere = fired_somewhere or bool(official)
    if not pair.startswith("fnfe-cdar"):
        assert fired_somewhere, "the comparison must include documents on which rules fire"


def test_cdar_rules_fire_the_same_on_a_damaged_status_message(tmp_path: Path) -> None:
    """The official CDAR examples fire nothing; a damaged one shows that the compiled CDAR rules do fire."""
    root = etree.fromstring(CDAR_EXAMPLES[0].read_bytes())
    codes = root.xpath("//*[local-name()='AcknowledgementDocument']/*[local-name()='TypeCode']")
    codes += root.xpath("//*[local-name()='ReferenceReferencedDocument']/*[local-name()='TypeCode']")
    assert len(codes) >= 2
    for code in codes:
        code.text = "999"
    damaged = tmp_path / "cdar-damaged.xml"
    damaged.write_bytes(etree.tostring(root))
    for name in ("fnfe-cdar", "fnfe-cdar-warning"):
        sch, xslt, _ = PAIRS[name]
        official = _official_fired(xslt, damaged)
        assert official and _ours(sch, damaged) == official


# --------------------------------------------------------------------------------------------------------------
# The French examples in the packs


@pytest.mark.parametrize("doc", CDAR_EXAMPLES, ids=[d.name for d in CDAR_EXAMPLES])
def test_pack_french_examples_are_cdar_not_invoices(validator, doc: Path) -> None:  # type: ignore[no-untyped-def]
    """france-ctc's examples are CDAR lifecycle messages: no French invoice exists in the packs. The engine
    does not validate CDAR (UNSUPPORTED-DOCUMENT), and the official CDAR rules find nothing in them."""
    report = validator.validate(doc)
    assert report.verdict is Verdict.NOT_VALIDATED
    assert [f.rule_id for f in report.findings] == ["UNSUPPORTED-DOCUMENT"]
    assert _ours(PAIRS["fnfe-cdar"][0], doc) == set()


def test_no_invoice_in_the_packs_is_french() -> None:
    pack_invoices = [p for p in _invoices("ubl") + _invoices("cii") if not p.is_relative_to(FR_CORPUS)]
    assert len(pack_invoices) > 150
    french = [p for p in pack_invoices if fr.french_reasons(_tree(p).getroot(), detect(_tree(p).getroot()))]
    assert french == []


# --------------------------------------------------------------------------------------------------------------
# When the French layers run


def _options() -> Options:
    return Options(limits=Limits())


def _detection(kind: DocumentKind, cid: str | None = "urn:cen.eu:en16931:2017", pid: str | None = "S1") -> Detection:
    return Detection(kind, Profile.EN16931, "x", cid, pid)


def _names(layers: list[object]) -> list[tuple[str, str]]:
    return [(layer.name, layer.version) for layer in layers]  # type: ignore[attr-defined]


def test_layers_by_syntax_date_and_profile() -> None:
    plan = Plan(schema=None)
    ubl = fr.layers(_detection(DocumentKind.UBL_INVOICE), date(2026, 11, 24), plan, _options())
    assert _names(ubl) == [("fnfe-br-fr-ubl", "1.4.0.03"), ("fr-ctc", fr.VERSION)]
    assert plan.notes == []
    august = Plan(schema=None)
    early = fr.layers(_detection(DocumentKind.UBL_CREDIT_NOTE), date(2026, 8, 20), august, _options())
    assert _names(early)[0] == ("fnfe-br-fr-ubl-warning", "1.4.0.03")
    assert any("warning mode" in n for n in august.notes)
    before = Plan(schema=None)
    fr.layers(_detection(DocumentKind.CII), date(2026, 1, 1), before, _options())
    assert any("oldest release available" in n for n in before.notes)
    extended = _detection(DocumentKind.CII, "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr")
    cii = fr.layers(extended, date(2026, 11, 24), Plan(schema=None), _options())
    assert _names(cii)[:2] == [("fnfe-br-fr-cii", "1.4.0.03"), ("fnfe-extended-ctc-fr-cii", "1.4.0.03")]
    assert fr.layers(_detection(DocumentKind.FATTURAPA), date(2026, 11, 24), Plan(schema=None), _options()) == []
    assert fr.layers(_detection(DocumentKind.UNKNOWN), date(2026, 11, 24), Plan(schema=None), _options()) == []


def test_documents_that_are_not_french_get_no_french_layer() -> None:
    peppol = _detection(
        DocumentKind.UBL_INVOICE, "urn:cen.eu:en16931:2017", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    )
    assert fr.layers(peppol, date(2026, 11, 24), Plan(schema=None), _options()) == []


def test_detection_with_countries_is_french() -> None:
    """A French party (seller or buyer country, or an FR VAT prefix) is enough for every French layer."""
    peppol = ("urn:cen.eu:en16931:2017", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
    french = Detection(DocumentKind.UBL_INVOICE, Profile.EN16931, "x", *peppol, countries=("DE", "FR"))
    assert fr.detection_is_french(french)
    assert _names(fr.layers(french, date(2026, 11, 24), Plan(schema=None), _options()))[0][0] == "fnfe-br-fr-ubl"
    assert not fr.detection_is_french(Detection(DocumentKind.UBL_INVOICE, Profile.EN16931, "x", *peppol))


def test_french_reasons() -> None:
    doc = _tree(FR_CORPUS / "valid/invoice-fr-b2b.xml").getroot()
    assert fr.french_reasons(doc, detect(doc)) == ["seller or buyer in France", "French billing framework (BT-23) S1"]
    cii = _tree(FR_CORPUS / "valid/invoice-fr-cii.xml").getroot()
    assert fr.party_countries(cii, "cii") == ("FR",)
    standard = _tree(CORPUS / "ubl/valid/invoice-reverse-charge.xml").getroot()
    assert fr.party_countries(standard, "ubl") == ("BE", "DE")
    assert fr.french_reasons(standard, detect(standard)) == []
    for cid in ("urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:ereporting", "x#EXTENDED-CTC-FR"):
        assert fr.claims_french_framework(cid, None)
    assert fr.claims_extended_ctc_fr("urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr")


def test_non_french_documents_get_no_french_layer(validator) -> None:  # type: ignore[no-untyped-def]
    for doc in (CORPUS / "ubl/valid/invoice-standard.xml", CORPUS / "cii/valid/invoice.xml"):
        report = validator.validate(doc)
        assert not any(lr.name == "fr-ctc" for lr in report.layers)
        assert not any(r.id.startswith("fnfe-") for r in report.rule_sets)
        assert not any(f.rule_id.startswith(("FR-", "BR-FR")) for f in report.findings)


def test_findings_carry_the_french_authority_code_location_and_fix(validator) -> None:  # type: ignore[no-untyped-def]
    report = validator.validate(FR_CORPUS / "invalid/invoice-fr-bad-siren.xml")
    by_rule = {f.rule_id: f for f in report.findings}
    official = by_rule["BR-FR-09_BT-46"]
    assert [(c.authority, c.code) for c in official.authority_codes] == [("FR-CTC", "BR-FR-09_BT-46")]
    assert official.rule_set == "fnfe-br-fr-ubl" and official.rule_set_version == "1.4.0.03"
    assert official.fix and "BR-FR" in official.fix
    project = by_rule["FR-SIREN"]
    assert [(c.authority, c.code) for c in project.authority_codes] == [("FR-CTC", "FR-SIREN")]
    assert (
        project.location
        == "/Invoice[1]/cac:AccountingCustomerParty[1]/cac:Party[1]/cac:PartyLegalEntity[1]/cbc:CompanyID[1]"
    )
    source = (FR_CORPUS / "invalid/invoice-fr-bad-siren.xml").read_text("utf-8").splitlines()
    assert project.line is not None and project.column is not None
    assert source[project.line - 1][project.column - 1 :].startswith('<cbc:CompanyID schemeID="0002">915382084<')
    assert project.fix and project.rule_set == "fr-ctc" and project.severity is Severity.ERROR


def test_framework_finding_is_a_warning_in_the_warning_period(store) -> None:  # type: ignore[no-untyped-def]
    from peppol_validate.validator import Validator

    august = Validator(packs=store, as_of=date(2026, 8, 20))
    report = august.validate(FR_CORPUS / "invalid/invoice-fr-no-framework.xml")
    assert {(f.rule_id, f.severity) for f in report.findings} == {("BR-FR-08_BT-23", Severity.WARNING)}
    assert report.verdict is Verdict.VALID
    damaged = august.validate(FR_CORPUS / "invalid/invoice-fr-missing-pmd-note.xml")
    assert {(f.rule_id, f.severity) for f in damaged.findings} == {("BR-FR-05_BT-22-2", Severity.WARNING)}
    assert any(r.id == "fnfe-br-fr-ubl-warning" for r in damaged.rule_sets)


def test_identifiers_wherever_the_document_carries_them(validator) -> None:  # type: ignore[no-untyped-def]
    base = (FR_CORPUS / "valid/invoice-fr-b2b.xml").read_text("utf-8")
    damaged = base.replace(
        '<cbc:EndpointID schemeID="0225">842173601</cbc:EndpointID>',
        '<cbc:EndpointID schemeID="0225">842173601.fact</cbc:EndpointID>',
    ).replace(
        "<cac:PaymentMeans>",
        '<cac:PayeeParty><cac:PartyIdentification><cbc:ID schemeID="0002">84217360100019</cbc:ID>'
        "</cac:PartyIdentification><cac:PartyName><cbc:Name>Affacturage</cbc:Name></cac:PartyName>"
        '<cac:PartyLegalEntity><cbc:CompanyID schemeID="9957">FR00842173601</cbc:CompanyID></cac:PartyLegalEntity>'
        "</cac:PayeeParty>\n  <cac:PaymentMeans>",
    )
    report = validator.validate(damaged.encode("utf-8"))
    fr_findings = sorted((f.rule_id, f.location) for f in report.findings if f.rule_id.startswith("FR-"))
    assert fr_findings == [
        ("FR-ROUTING-ID", "/Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]/cbc:EndpointID[1]"),
        ("FR-VAT-KEY", "/Invoice[1]/cac:PayeeParty[1]/cac:PartyLegalEntity[1]/cbc:CompanyID[1]"),
    ]
    routing = next(f for f in report.findings if f.rule_id == "FR-ROUTING-ID")
    assert routing.severity is Severity.WARNING


def test_catalogue_entries_and_unmapped_codes() -> None:
    cat = catalogue()
    for rule in ("FR-SIREN", "FR-SIRET", "FR-VAT-FORMAT", "FR-VAT-KEY", "FR-ROUTING-ID"):
        entry = cat.entry(rule)
        assert (
            entry.country == "FR" and entry.fix and [(c.authority, c.code) for c in entry.codes] == [("FR-CTC", rule)]
        )
    assert any(m.rule == "BR-FR-*" and m.fix for m in cat.mappings)
    unmapped = {u.code: u.note for u in cat.unmapped if u.authority == "PPF"}
    assert set(unmapped) == {"00025", "00043", "00058", "00104", "00200", "00306", "00500"}
    for code in ("00104", "00200", "00306"):
        assert "SDI" in unmapped[code]


# --------------------------------------------------------------------------------------------------------------
# Factur-X


def _pdf_with(*attachments: tuple[str, bytes]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    for name, content in attachments:
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A hand-made PDF (object 1 is the catalogue) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _flate_pdf(name: bytes, content: bytes) -> bytes:
    packed = zlib.compress(content, 9)
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> /AF [3 0 R] >>",
            b"<< /Names [(" + name + b") 3 0 R] >>",
            b"<< /Type /Filespec /F (" + name + b") /UF (" + name + b") /EF << /F 4 0 R >> /AFRelationship /Data >>",
            b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
            + packed
            + b"\nendstream",
        ]
    )


CII_INVOICE = CORPUS / "cii/valid/invoice.xml"


def test_factur_x_validates_like_its_xml(validator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "MD-2026-1187.pdf"
    pdf.write_bytes(_pdf_with(("factur-x.xml", CII_INVOICE.read_bytes())))
    from_pdf, from_xml = validator.validate(pdf), validator.validate(CII_INVOICE)
    assert from_pdf.path == str(pdf)
    assert from_pdf.verdict is Verdict.VALID and from_pdf.document_type == "cii"
    assert [r.id for r in from_pdf.rule_sets] == [r.id for r in from_xml.rule_sets]
    damaged = CII_INVOICE.read_bytes().replace(b"<ram:LineTotalAmount>8981.00", b"<ram:LineTotalAmount>8918.00")
    pdf.write_bytes(_pdf_with(("factur-x.xml", damaged)))
    findings = {(f.rule_id, f.line) for f in validator.validate(pdf).findings}
    assert findings == {(f.rule_id, f.line) for f in validator.validate(damaged).findings}
    assert {"BR-CO-10", "BR-CO-13"} <= {rule for rule, _ in findings}


def test_french_factur_x_gets_the_french_rules(validator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    xml = (FR_CORPUS / "invalid/invoice-fr-cii-bad-siret.xml").read_bytes()
    pdf = tmp_path / "facture.pdf"
    pdf.write_bytes(_flate_pdf(b"factur-x.xml", xml))
    report = validator.validate(pdf)
    assert {f.rule_id for f in report.findings} == {"FR-SIRET"}
    assert any(r.id == "fnfe-br-fr-cii" for r in report.rule_sets)


def test_factur_x_name_preference() -> None:
    good = CII_INVOICE.read_bytes()
    pdf = _pdf_with(("zugferd-invoice.xml", b"<not-this/>"), ("notes.txt", b"x"), ("Factur-X.xml", good))
    assert load(pdf).data == good
    assert load(_pdf_with(("xrechnung.xml", good), ("other.xml", b"<no/>"))).data == good
    assert load(_pdf_with(("readme.txt", b"x"), ("invoice.xml", good))).data == good


def test_references_in_the_file_specification_are_followed() -> None:
    packed = zlib.compress(b"<a/>")
    pdf = _raw_pdf(
        [
            b"<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>",
            b"<< /Kids [3 0 R] >>",
            b"<< /Names [(x) 4 0 R] >>",
            b"<< /Type /Filespec /UF 5 0 R /EF 6 0 R >>",
            b"(FACTUR-X.XML)",
            b"<< /F 7 0 R >>",
            b"<< /Filter 8 0 R /Length %d >>\nstream\n" % len(packed) + packed + b"\nendstream",
            b"[/FlateDecode]",
        ]
    )
    assert load(pdf).data == b"<a/>"


@pytest.mark.parametrize(
    "pdf",
    [_pdf_with(), _pdf_with(("photo.jpg", b"\xff\xd8\xff")), _raw_pdf([b"<< /Type /Catalog >>"])],
    ids=["blank", "no-xml-attachment", "bare-catalogue"],
)
def test_pdf_without_xml(validator, pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LoadError) as info:
        load(pdf)
    assert info.value.code == "pdf-no-xml" and "factur-x.xml" in info.value.message
    report = validator.validate(pdf, path="plain.pdf")
    assert report.verdict is Verdict.NOT_VALIDATED and report.path == "plain.pdf"
    assert [(f.rule_id, f.layer) for f in report.findings] == [("LOAD-pdf-no-xml", "load")]


BROKEN = {
    "header-only": b"%PDF-1.7\n",
    "garbage": b"%PDF-1.4\n" + bytes(range(256)) * 8,
    "truncated": _pdf_with(("factur-x.xml", b"<a/>"))[:400],
    "catalogue-not-a-dictionary": _raw_pdf([b"[1 2 3]"]),
    "bad-flate": _raw_pdf(
        [
            b"<< /Type /Catalog /AF [2 0 R] >>",
            b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 3 0 R >> >>",
            b"<< /Filter /FlateDecode /Length 10 >>\nstream\nnot-zlib!!\nendstream",
        ]
    ),
    "predictor": _raw_pdf(
        [
            b"<< /Type /Catalog /AF [2 0 R] >>",
            b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 3 0 R >> >>",
            b"<< /Filter /FlateDecode /DecodeParms << /Predictor 12 >> /Length 4 >>\nstream\nabcd\nendstream",
        ]
    ),
    "unsupported-filter": _raw_pdf(
        [
            b"<< /Type /Catalog /AF [2 0 R] >>",
            b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 3 0 R >> >>",
            b"<< /Filter /LZWDecode /Length 4 >>\nstream\nabcd\nendstream",
        ]
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_pdf_is_unreadable_without_traceback(name: str) -> None:
    with pytest.raises(LoadError) as info:
        load(BROKEN[name])
    assert info.value.code == "pdf-unreadable", info.value.message
    assert info.value.message.startswith("The PDF cannot be read") and "\n" not in info.value.message


def test_cli_reports_a_broken_pdf_without_traceback(tmp_path: Path) -> None:
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(BROKEN["garbage"])
    env = {**os.environ, "PEPPOL_VALIDATE_PACKS": str(PACKS)}
    run = subprocess.run(
        [sys.executable, "-m", "peppol_validate", "--no-cache", "--format", "json", str(pdf)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert "LOAD-pdf-unreadable" in run.stdout


def test_oversized_pdf_and_decompression_bomb() -> None:
    pdf = _pdf_with(("factur-x.xml", CII_INVOICE.read_bytes()))
    with pytest.raises(LoadError) as info:
        load(pdf, limits=Limits(max_bytes=len(pdf) - 1))
    assert info.value.code == "too-large"
    bomb = _flate_pdf(b"factur-x.xml", b"<a>" + b" " * 50_000_000 + b"</a>")
    assert len(bomb) < 100_000
    with pytest.raises(LoadError) as info:
        load(bomb, limits=Limits(max_bytes=1_000_000))
    assert info.value.code == "too-large"
    with pytest.raises(LoadError) as info:
        _load_pdf(bomb, 1_000_000)  # the extraction itself stops at the limit
    assert info.value.code == "too-large" and "factur-x.xml" in info.value.message
    exact = b"<a>" + b" " * 10_000 + b"</a>"
    small = _flate_pdf(b"factur-x.xml", exact)
    assert _load_pdf(small, len(exact)) == exact
    with pytest.raises(LoadError):
        _load_pdf(small, len(exact) - 1)


def test_attachment_trees_are_bounded() -> None:
    # A name tree whose node is its own kid: examined once, no endless loop.
    cyclic = _raw_pdf([b"<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>", b"<< /Kids [2 0 R 2 0 R] >>"])
    with pytest.raises(LoadError) as info:
        load(cyclic)
    assert info.value.code == "pdf-no-xml"
    # More file specifications than the loader examines.
    specs = [b"<< /Type /Filespec /F (f%d.txt) /EF << /F 3 0 R >> >>" % i for i in range(6000)]
    pairs = b" ".join(b"(f%d.txt) %d 0 R" % (i, i + 4) for i in range(6000))
    many = _raw_pdf(
        [
            b"<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>",
            b"<< /Names [" + pairs + b"] >>",
            b"<< /Length 1 >>\nstream\nx\nendstream",
            *specs,
        ]
    )
    with pytest.raises(LoadError) as info:
        load(many)
    assert info.value.code == "pdf-unreadable" and "10,000" in info.value.message


def test_encrypted_pdf_is_unreadable() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("factur-x.xml", CII_INVOICE.read_bytes())
    try:
        writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    except Exception as exc:  # pragma: no cover - depends on pypdf's optional crypto backends
        pytest.skip(f"pypdf cannot encrypt here: {exc}")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(LoadError) as info:
        load(out.getvalue())
    assert info.value.code == "pdf-unreadable" and "password" in info.value.message


def test_directories_pick_up_factur_x_pdfs(tmp_path: Path) -> None:
    """A directory holding a Factur-X PDF: the CLI finds it and validates its embedded CII invoice."""
    import io
    import json as _json

    from peppol_validate.cli import main

    (tmp_path / "invoice.pdf").write_bytes(_pdf_with(("factur-x.xml", CII_INVOICE.read_bytes())))
    out = io.StringIO()
    code = main(
        ["--packs", str(PACKS), "--no-cache", "--format", "json", str(tmp_path)], stdout=out, stderr=io.StringIO()
    )
    documents = _json.loads(out.getvalue())["documents"]
    assert [Path(d["path"]).name for d in documents] == ["invoice.pdf"]
    assert documents[0]["document_type"] == "cii" and code == 0
