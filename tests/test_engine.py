"""Detection, scenarios by date, the report model and the Python API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from lxml import etree

from peppol_validate import make_validator, validate
from peppol_validate.detect import DocumentKind, Profile, detect
from peppol_validate.model import Verdict
from peppol_validate.plan import plan_for
from peppol_validate.render.json import report_dict

from .conftest import CORPUS, PACKS

STANDARD = CORPUS / "ubl/valid/invoice-standard.xml"


def _root(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def test_detects_peppol_ubl_invoice_and_credit_note() -> None:
    d = detect(etree.parse(str(STANDARD)).getroot())
    assert d.kind is DocumentKind.UBL_INVOICE
    assert d.profile is Profile.PEPPOL_BIS_BILLING_3
    assert d.label == "UBL 2.1 Invoice (Peppol BIS Billing 3.0)"
    cn = detect(etree.parse(str(CORPUS / "ubl/valid/creditnote.xml")).getroot())
    assert cn.kind is DocumentKind.UBL_CREDIT_NOTE


def test_detects_other_profiles() -> None:
    ubl = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    for cid, profile in [
        ("urn:cen.eu:en16931:2017", Profile.EN16931),
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", Profile.XRECHNUNG),
        ("urn:cen.eu:en16931:2017#compliant#urn:fdc:example", Profile.OTHER_CIUS),
        ("urn:peppol:pint:billing-1", Profile.PEPPOL_PINT),
        ("", Profile.UNKNOWN),
    ]:
        d = detect(
            _root(
                f'<Invoice xmlns="{ubl}" xmlns:cbc="{cbc}"><cbc:CustomizationID>{cid}</cbc:CustomizationID></Invoice>'
            )
        )
        assert d.profile is profile, cid
    cii = detect(etree.parse(str(CORPUS / "cii/valid/invoice.xml")).getroot())
    assert (cii.kind, cii.profile) == (DocumentKind.CII, Profile.EN16931)
    fpa = detect(etree.parse(str(PACKS / "fatturapa/examples/v1.2.2/IT01234567890_FPA01.xml")).getroot())
    assert (fpa.kind, fpa.profile, fpa.fatturapa_format) == (DocumentKind.FATTURAPA, Profile.FATTURAPA_PA, "FPA12")
    fpr = detect(etree.parse(str(PACKS / "fatturapa/examples/v1.2.2/IT01234567890_FPR01.xml")).getroot())
    assert fpr.profile is Profile.FATTURAPA_PRIVATE
    assert detect(_root("<rss/>")).kind is DocumentKind.UNKNOWN


def test_release_is_chosen_by_date() -> None:
    d = detect(etree.parse(str(STANDARD)).getroot())
    now = plan_for(d, date(2026, 11, 24))
    assert [(r.id, r.version) for r in now.rule_sets] == [
        ("cen-en16931-ubl", "1.3.16"),
        ("peppol-bis-billing-3-ubl", "3.0.21"),
    ]
    assert now.schema is not None and now.schema.id == "ubl-2.1-invoice"
    before = plan_for(d, date(2026, 8, 23))
    assert [(r.id, r.version) for r in before.rule_sets] == [
        ("cen-en16931-ubl", "1.3.14.1"),
        ("peppol-bis-billing-3-ubl", "3.0.19"),
    ]
    assert any("3.0.20" in n for n in before.notes)
    fpa = detect(etree.parse(str(PACKS / "fatturapa/examples/v1.2.2/IT01234567890_FPA01.xml")).getroot())
    assert plan_for(fpa, date(2025, 3, 31)).schema.version == "1.2.2"  # type: ignore[union-attr]
    assert plan_for(fpa, date(2025, 4, 1)).schema.version == "1.2.3"  # type: ignore[union-attr]


def test_as_of_changes_the_rules_applied() -> None:
    old = validate(STANDARD, packs=PACKS, as_of=date(2026, 1, 15))
    new = validate(STANDARD, packs=PACKS, as_of=date(2026, 11, 24))
    assert {r.version for r in old.documents[0].rule_sets} >= {"3.0.19"}
    assert {r.version for r in new.documents[0].rule_sets} >= {"3.0.21"}


def test_validate_accepts_path_bytes_and_tree() -> None:
    data = STANDARD.read_bytes()
    for source in (STANDARD, str(STANDARD), data, etree.parse(str(STANDARD)), etree.fromstring(data)):
        report = validate(source, packs=PACKS)  # type: ignore[arg-type]
        assert report.verdict is Verdict.VALID
        assert report.documents[0].document_type == "ubl-invoice"


def test_validator_reuse_and_layers_have_durations() -> None:
    v = make_validator(packs=PACKS)
    first = v.validate(STANDARD)
    second = v.validate(CORPUS / "ubl/invalid/invoice-totals-mismatch.xml")
    assert first.verdict is Verdict.VALID and second.verdict is Verdict.INVALID
    assert [layer.layer for layer in first.layers][:3] == ["xsd", "schematron", "schematron"]
    assert all(layer.duration_ms > 0 for layer in first.layers)
    assert list(v.iter_findings(STANDARD)) == []
    rules = {f.rule_id for f in v.iter_findings(CORPUS / "ubl/invalid/invoice-totals-mismatch.xml")}
    assert "BR-CO-10" in rules


def test_findings_carry_business_terms_rule_set_and_location() -> None:
    report = validate(CORPUS / "ubl/invalid/invoice-totals-mismatch.xml", packs=PACKS)
    f = next(f for f in report.findings if f.rule_id == "BR-CO-10")
    assert f.business_terms == ["BT-106", "BT-131"]
    assert f.rule_set == "cen-en16931-ubl" and f.rule_set_version == "1.3.16"
    assert f.location == "/Invoice[1]/cac:LegalMonetaryTotal[1]"
    line = STANDARD.parent.parent.joinpath("invalid/invoice-totals-mismatch.xml").read_text().splitlines()[f.line - 1]  # type: ignore[operator]
    assert line[f.column - 1 :].startswith("<cac:LegalMonetaryTotal")  # type: ignore[operator]


def test_missing_packs_fail_closed(tmp_path: Path) -> None:
    """With no mirror and no cache, a layer cannot run: not_validated, never valid, and no network."""
    from peppol_validate.packs import PackStore
    from peppol_validate.validator import Validator

    v = Validator(packs=PackStore(mirror=tmp_path / "nothing", cache_dir=tmp_path / "cache"))
    report = v.validate(STANDARD)
    assert report.verdict is Verdict.NOT_VALIDATED
    assert "NOT-VALIDATED" in {f.rule_id for f in report.findings}
    assert all(layer.status.value == "error" for layer in report.layers if layer.layer in ("xsd", "schematron"))


def test_runtime_error_in_a_rule_set_is_not_validated(tmp_path: Path) -> None:
    """A stylesheet that fails at run time (as official rules do with XPTY0004) never yields valid."""
    from peppol_validate.layers import SchematronLayer
    from peppol_validate.plan import RuleSetSpec
    from peppol_validate.validator import Validator

    sch = tmp_path / "boom.sch"
    sch.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'queryBinding="xslt2"><pattern><rule context="/*">'
        '<assert id="BOOM" test="xs:decimal(\'abc\') &gt; 0" flag="fatal">boom</assert>'
        "</rule></pattern></schema>",
        "utf-8",
    )
    spec = RuleSetSpec("boom", "boom", "1", "boom", "boom.sch", date(2000, 1, 1))
    v = Validator(
        packs=make_validator(packs=PACKS).packs,
        extra_layers=[lambda d, a, p, o: [SchematronLayer(spec, None, local_path=sch)]],
    )
    report = v.validate(STANDARD)
    assert report.verdict is Verdict.NOT_VALIDATED
    boom = next(layer for layer in report.layers if layer.name == "boom")
    assert boom.status.value == "error" and "Cannot convert" in (boom.error or "")


def test_json_contract_shape() -> None:
    report = validate(CORPUS / "ubl/invalid/invoice-totals-mismatch.xml", packs=PACKS)
    data = json.loads(json.dumps(report_dict(report)))
    doc = data["documents"][0]
    assert {"path", "verdict", "document_type", "rule_sets", "findings"} <= set(doc)
    assert doc["verdict"] == "invalid"
    finding = doc["findings"][0]
    assert {"rule_id", "severity", "layer", "message", "location", "line", "column", "authority_codes"} <= set(finding)
    assert isinstance(finding["authority_codes"], list)


def test_official_fatturapa_examples_against_the_xsd() -> None:
    """The AdE examples are XSD-valid, except the official FPR02 (ContattiTrasmittente after PECDestinatario).
    (Their placeholder identifiers and some totals fail SDI's content controls: tests/test_it_*.py.)"""
    v = make_validator(packs=PACKS, as_of=date(2026, 11, 24))

    def xsd(report):  # type: ignore[no-untyped-def]
        return {f.rule_id for f in report.findings if f.layer == "xsd"}

    for doc in sorted((PACKS / "fatturapa/examples/v1.2.2").glob("*.xml")):
        report = v.validate(doc)
        assert report.rule_sets[0].id == "fatturapa-1.2.3"
        assert report.layers[0].layer == "xsd"
        if doc.name == "IT01234567890_FPR02.xml":
            assert xsd(report) == {"XSD-SCHEMAV_ELEMENT_CONTENT"}
            assert report.verdict is Verdict.INVALID
            assert "ContattiTrasmittente" in next(f.message for f in report.findings if f.layer == "xsd")
            assert {"authority": "SDI", "code": "00200"} in [
                c.model_dump() for f in report.findings if f.layer == "xsd" for c in f.authority_codes
            ]
        else:
            assert xsd(report) == set(), [f.message for f in report.findings]
    fixed = v.validate(PACKS / "fatturapa/examples/v1.2.2-fixed/IT01234567890_FPR02.xml")
    assert xsd(fixed) == set()
    td29 = PACKS / "fatturapa/examples/v1.2.3-only/IT01234567890_FPR01_TD29_RF20.xml"
    assert xsd(v.validate(td29)) == set()
    old = make_validator(packs=PACKS, as_of=date(2025, 1, 1)).validate(td29)
    assert xsd(old) and old.rule_sets[0].id == "fatturapa-1.2.2"


def test_sdi_00201_more_than_50_format_errors(tmp_path: Path) -> None:
    import re

    text = (CORPUS / "fatturapa/valid/fpr12-b2b-invoice.xml").read_text("utf-8")
    line = re.search(r"\s*<DettaglioLinee>.*?</DettaglioLinee>", text, re.S)
    assert line is not None
    broken = re.sub(r"<PrezzoUnitario>[^<]*</PrezzoUnitario>", "<PrezzoUnitario>abc</PrezzoUnitario>", line.group(0))
    bad = text[: line.end()] + broken * 60 + text[line.end() :]  # 60 independent datatype errors
    target = tmp_path / "many.xml"
    target.write_text(bad, "utf-8")
    report = validate(target, packs=PACKS).documents[0]
    assert any(f.rule_id == "IT-SDI-00201" for f in report.findings)
    few = validate(CORPUS / "fatturapa/invalid/fpr12-bad-date.xml", packs=PACKS).documents[0]
    assert not any(f.rule_id == "IT-SDI-00201" for f in few.findings)
