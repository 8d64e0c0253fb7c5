"""The project's own Schematron compiler on a hand-written schema exercising every supported feature."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from peppol_validate.errors import SchematronCompileError
from peppol_validate.schematron.compiler import compile_schematron
from peppol_validate.schematron.runtime import SchematronExecutable, to_xdm

DATA = Path(__file__).parent / "data" / "sch"


def _run(phase: str | None = None, output: str = "compact"):  # type: ignore[no-untyped-def]
    compiled = compile_schematron(DATA / "features.sch", phase=phase, output=output)  # type: ignore[arg-type]
    exe = SchematronExecutable(compiled)
    doc = to_xdm(etree.parse(str(DATA / "doc.xml")))
    return compiled, exe, doc


def test_default_phase_fires_exactly_the_expected_assertions() -> None:
    compiled, exe, doc = _run()
    assert compiled.phase == "main"
    fired = exe.run(doc)
    ids = Counter(f.assertion.id for f in fired)
    assert ids == Counter(
        {
            "T-KEY": 2,
            "T-CODE": 1,
            "T-FUNC": 1,
            "T-SPECIAL": 1,
            "T-ABS": 1,
            "T-NAME": 1,
            "T-LOCAL-LET": 1,
            "T-ATTR": 1,
        }
    )


def test_first_matching_rule_wins_within_a_pattern() -> None:
    _, exe, doc = _run()
    special = [f for f in exe.run(doc) if f.assertion.id in ("T-SPECIAL", "T-CODE", "T-KEY", "T-FUNC")]
    # item 3 (special) only gets the report of the first rule; the generic rule never sees it
    assert {f.location for f in special if f.assertion.id == "T-SPECIAL"} == {
        "/Q{urn:test}doc[1]/Q{urn:test}group[1]/Q{urn:test}item[3]"
    }
    assert all(not f.location.endswith("item[3]") for f in special if f.assertion.id != "T-SPECIAL")


def test_messages_value_of_name_and_diagnostics() -> None:
    _, exe, doc = _run()
    by_id = {f.assertion.id: f for f in exe.run(doc)}
    assert by_id["T-CODE"].message == "Item code ABCD must have 3 characters (of 4 items)."
    assert by_id["T-CODE"].diagnostics == "found 'ABCD'"
    assert by_id["T-SPECIAL"].message == "special item XYZ"
    assert by_id["T-NAME"].message == "every group should have a name"
    assert by_id["T-NAME"].assertion.flag == "warning"
    assert by_id["T-NAME"].assertion.role == "information"
    assert by_id["T-FUNC"].message == "double of n must stay below twelve"


def test_subject_moves_the_location_and_attributes_are_contexts() -> None:
    _, exe, doc = _run()
    attr = next(f for f in exe.run(doc) if f.assertion.id == "T-ATTR")
    assert attr.location == "/Q{urn:test}doc[1]/Q{urn:test}amount[1]"


def test_phase_selects_patterns() -> None:
    _, exe, doc = _run(phase="only-concrete")
    assert [f.assertion.id for f in exe.run(doc)] == ["T-ABS"]


def test_all_phase_and_unknown_phase() -> None:
    compiled = compile_schematron(DATA / "features.sch", phase="#ALL")
    assert set(compiled.patterns) == {"first-match", "concrete", "extending", "included"}
    with pytest.raises(SchematronCompileError):
        compile_schematron(DATA / "features.sch", phase="nope")


def test_svrl_output_is_standard_svrl() -> None:
    _, exe, doc = _run(output="svrl")
    svrl = etree.fromstring(exe.run_text(doc).encode())
    ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    failed = svrl.findall("svrl:failed-assert", ns)
    reports = svrl.findall("svrl:successful-report", ns)
    assert sorted(e.get("id") for e in failed) == sorted(
        ["T-KEY", "T-KEY", "T-CODE", "T-FUNC", "T-ABS", "T-NAME", "T-LOCAL-LET", "T-ATTR"]
    )
    assert [e.get("id") for e in reports] == ["T-SPECIAL"]
    code = next(e for e in failed if e.get("id") == "T-CODE")
    assert code.get("flag") == "fatal"
    assert code.findtext("svrl:text", namespaces=ns) == "Item code ABCD must have 3 characters (of 4 items)."
    assert code.find("svrl:diagnostic-reference", ns).get("diagnostic") == "d-code"
    assert len(svrl.findall("svrl:active-pattern", ns)) == 4
    assert svrl.findall("svrl:fired-rule", ns)


def test_business_terms_are_extracted_from_rule_text(packs_dir: Path) -> None:
    compiled = compile_schematron(packs_dir / "en16931-cen/ubl/schematron/EN16931-UBL-validation.sch")
    br52 = next(a for a in compiled.assertions if a.id == "BR-52")
    assert br52.business_terms == ("BG-24", "BT-122")
    assert br52.flag == "fatal"


def test_targeted_selection_of_context_nodes() -> None:
    from peppol_validate.schematron.compiler import _targets

    assert _targets(["cac:A | cac:B[x = '|']", "/ubl:Invoice", "//cbc:ID", "@currencyID"]) == (
        "//cac:A | //cac:B[x = '|'] | /ubl:Invoice | //cbc:ID | //@currencyID"
    )
    assert _targets(["text()", "cac:A"]) == "//text() | //cac:A"
    # a parenthesised union of absolute paths is selected as it is (Peppol's German rules)
    assert _targets(["(/a:X | /b:Y)[$de]"]) == "(/a:X | /b:Y)[$de]"
    assert _targets(["(a:X | /b:Y)[$de]"]) is None
    # variables, function calls and document-node() keep the full walk
    assert _targets(["$nodes"]) is None
    assert _targets(["key('k', 'v')"]) is None
    assert _targets(["document-node()"]) is None


def test_patterns_that_must_walk_the_tree_still_work(tmp_path: Path) -> None:
    sch = tmp_path / "walk.sch"
    sch.write_text(
        """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <ns prefix="t" uri="urn:test"/>
  <let name="abc" value="//t:item[@code = 'ABC']"/>
  <pattern>
    <rule context="$abc"><report id="W-ABC" test="true()">abc</report></rule>
    <rule context="t:item"><report id="W-OTHER" test="true()">other</report></rule>
  </pattern>
</schema>""",
        "utf-8",
    )
    compiled = compile_schematron(sch)
    assert 'select="."' in compiled.xslt  # this pattern walks
    fired = SchematronExecutable(compiled).run(to_xdm(etree.parse(str(DATA / "doc.xml"))))
    assert Counter(f.assertion.id for f in fired) == Counter({"W-ABC": 2, "W-OTHER": 2})


def test_large_rule_sets_run_as_several_stylesheets_with_the_findings_of_one() -> None:
    from .conftest import CORPUS, PACKS

    sch = PACKS / "en16931-cen/ubl/schematron/EN16931-UBL-validation.sch"
    compact = compile_schematron(sch)
    svrl = compile_schematron(sch, output="svrl")
    assert len(compact.stylesheets) > 1  # CEN's three patterns: about 1,000 asserts
    assert len(svrl.stylesheets) == 1
    assert svrl.patterns == compact.patterns
    total = 0
    for doc in sorted((CORPUS / "ubl/invalid").glob("*.xml")):
        xdm = to_xdm(etree.parse(str(doc)))
        fired = Counter((f.assertion.id, f.location) for f in SchematronExecutable(compact).run(xdm))
        out = etree.fromstring(SchematronExecutable(svrl).run_text(xdm).encode())
        expected = Counter(
            (e.get("id"), e.get("location"))
            for e in out.iter(
                "{http://purl.oclc.org/dsdl/svrl}failed-assert", "{http://purl.oclc.org/dsdl/svrl}successful-report"
            )
        )
        assert fired == expected, doc.name
        total += sum(fired.values())
    assert total >= 3  # the corpus' CEN failures (currency, totals, credit note type) are among them


def test_large_documents_reach_saxon_through_a_memory_file_with_the_same_findings() -> None:
    import sys

    from peppol_validate.loading import load
    from peppol_validate.schematron.runtime import FILE_HANDOVER_BYTES

    from .conftest import PACKS

    path = PACKS / "xrechnung-testsuite/src/test/technical-cases/cius/01.01_comprehensive_test_ubl.xml"
    doc = load(path)
    assert len(doc.data) >= FILE_HANDOVER_BYTES  # 419 KB, with a 200 KB attachment
    amount = next(el for el in doc.root.iter() if el.get("currencyID"))
    amount.set("currencyID", "ZZZ")  # so that BR-CL-03 fires
    as_text = to_xdm(doc.root)
    as_file = to_xdm(doc.root, size_hint=len(doc.data))
    if sys.platform == "linux":
        assert str(as_file.base_uri).startswith("file:/proc/self/fd/")
    assert not str(as_text.base_uri).startswith("file:/proc")
    exe = SchematronExecutable(compile_schematron(PACKS / "en16931-cen/ubl/schematron/EN16931-UBL-validation.sch"))
    ours = [(f.assertion.id, f.location, f.message) for f in exe.run(as_file)]
    assert ours == [(f.assertion.id, f.location, f.message) for f in exe.run(as_text)]
    assert "BR-CL-03" in {rule for rule, _, _ in ours}


def test_reports_of_absent_paths_still_fire_where_the_parent_is_absent(tmp_path: Path) -> None:
    """Asserts of not(a/b) share an exists(a) guard; reports of not(a/b) fire exactly where a/b is empty."""
    sch = tmp_path / "absent.sch"
    sch.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern><rule context="/doc">'
        '<assert id="A1" test="not(a/b)">a/b present</assert><assert id="A2" test="not(a/c)">a/c present</assert>'
        '<report id="R1" test="not(a/b)">no a/b</report><report id="R2" test="not(a/c)">no a/c</report>'
        "</rule></pattern></schema>",
        "utf-8",
    )
    exe = SchematronExecutable(compile_schematron(sch))
    svrl = SchematronExecutable(compile_schematron(sch, output="svrl"))
    for xml, expected in [
        ("<doc/>", {"R1", "R2"}),
        ("<doc><a/></doc>", {"R1", "R2"}),
        ("<doc><a><b/></a></doc>", {"A1", "R2"}),
        ("<doc><a><b/><c/></a></doc>", {"A1", "A2"}),
    ]:
        xdm = to_xdm(etree.fromstring(xml))
        assert {f.assertion.id for f in exe.run(xdm)} == expected, xml
        out = etree.fromstring(svrl.run_text(xdm).encode())
        assert {e.get("id") for e in out if e.get("id")} == expected, xml


def test_a_memory_file_saxon_cannot_read_falls_back_to_the_string_hand_over() -> None:
    from peppol_validate.schematron import runtime

    class Refusing:
        def parse_xml(self, **kwargs: object) -> object:
            raise RuntimeError("cannot open /proc/self/fd/N")

    assert runtime._parse_from_memory_file(Refusing(), b"<doc/>") is None
