"""Renderers: text, json (+ its committed JSON Schema), SARIF 2.1.0, JUnit XML, GitHub annotations, raw SVRL."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from peppol_validate.model import AuthorityCode, DocumentReport, Finding, Report, RuleSetRef, Severity, Verdict
from peppol_validate.render import NEEDS_SVRL, RENDERERS
from peppol_validate.render.github import escape_data, escape_property, render_github
from peppol_validate.render.json import render_json, report_json_schema
from peppol_validate.render.junit import render_junit
from peppol_validate.render.sarif import artifact_uri, render_sarif
from peppol_validate.render.svrl import WRAPPER_NS, render_svrl
from peppol_validate.render.text import render_text

from .conftest import CORPUS, REPO

DOCUMENTS = sorted(CORPUS.rglob("*.xml"))
INVALID = sorted(CORPUS.glob("*/invalid/*.xml"))
TOTALS = CORPUS / "ubl/invalid/invoice-totals-mismatch.xml"
CURRENCY = CORPUS / "ubl/invalid/invoice-invalid-currency.xml"
WARNING_ONLY = CORPUS / "ubl/invalid/invoice-warning-only.xml"
NOT_XML = CORPUS / "unsupported/not-xml.xml"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _report(*docs: DocumentReport) -> Report:
    return Report(version="9.9.9", as_of="2026-11-24", duration_ms=1234.5, documents=list(docs))


@pytest.fixture(scope="module")
def corpus_report(validator) -> Report:  # type: ignore[no-untyped-def]
    """Every corpus document validated once (absolute paths)."""
    return _report(*(validator.validate(p) for p in DOCUMENTS))


@pytest.fixture(scope="module")
def relative_report(validator) -> Report:  # type: ignore[no-untyped-def]
    """The invalid corpus documents and not-xml.xml, with repository-relative display paths."""
    return _report(*(validator.validate(p, path=_rel(p)) for p in [*INVALID, NOT_XML]))


@pytest.fixture(scope="module")
def svrl_validator(store):  # type: ignore[no-untyped-def]
    """A Validator that keeps the raw SVRL of every Schematron layer."""
    from peppol_validate.validator import Validator

    return Validator(packs=store, svrl=True, as_of=date(2026, 11, 24))


def _policy_document(path: str) -> DocumentReport:
    """A hand-made report exercising everything the model can carry (policy, authority codes, suppressed)."""
    return DocumentReport(
        path=path,
        verdict=Verdict.INVALID,
        document_type="ubl-invoice",
        label="UBL 2.1 Invoice",
        rule_sets=[RuleSetRef(id="cen-en16931-ubl", version="1.3.16", layer="schematron")],
        decision="reject",
        notes=["a note about the rules"],
        findings=[
            Finding(
                rule_id="W-1",
                severity=Severity.WARNING,
                layer="schematron",
                message="[W-1]-A warning on line 2.",
                line=2,
                column=3,
                policy="warn",
                policy_reason="we accept this",
            ),
            Finding(
                rule_id="BR-99",
                severity=Severity.FATAL,
                layer="schematron",
                message="[BR-99]-Fatal on line 3 with 100% and a\nnewline, plus a \x1b[31m terminal escape.",
                location="/Invoice[1]/cbc:ID[1]",
                line=3,
                column=5,
                rule_set="cen-en16931-ubl",
                rule_set_version="1.3.16",
                business_terms=["BT-1"],
                authority_codes=[AuthorityCode(authority="SDI", code="00200")],
                fix="Give the invoice an ID.",
            ),
            Finding(
                rule_id="I-1",
                severity=Severity.INFO,
                layer="schematron",
                message="Just so you know.",
            ),
        ],
        suppressed=[
            Finding(
                rule_id="BR-42",
                severity=Severity.FATAL,
                layer="schematron",
                message="[BR-42]-Suppressed rule.",
                line=1,
                column=1,
                policy="ignore",
                policy_reason="known supplier quirk",
            )
        ],
    )


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    target = tmp_path / "my invoice, v1.xml"
    target.write_text('<?xml version="1.0"?>\n<Invoice>\n  <ID/>\n\t<cbc:ID>x</cbc:ID>\n</Invoice>\n', "utf-8")
    return target


# --- registry ---------------------------------------------------------------------------------------------------


def test_registry_names_and_contract(relative_report: Report) -> None:
    assert set(RENDERERS) == {"text", "json", "sarif", "junit", "github", "svrl", "envelope"}
    assert set(NEEDS_SVRL) == {"svrl"}
    for name, renderer in RENDERERS.items():
        out = renderer(relative_report, color=False, unknown_option=1)
        assert isinstance(out, str) and out.endswith("\n"), name


# --- text -------------------------------------------------------------------------------------------------------


def test_text_finding_line_source_and_caret(corpus_report: Report) -> None:
    out = render_text(corpus_report)
    assert "\x1b" not in out
    path = str(TOTALS)
    assert f"{path}: INVALID  [UBL 2.1 Invoice (Peppol BIS Billing 3.0)]  (2 fatal)" in out
    lines = out.splitlines()
    head = f"  {path}:158:3: fatal [BR-CO-10] Sum of Invoice line net amount (BT-106)"
    index = next(i for i, line in enumerate(lines) if line.startswith(head))
    assert "[BR-CO-10]-" not in lines[index]
    source, caret = lines[index + 1], lines[index + 2]
    assert source == "      158 |   <cac:LegalMonetaryTotal>"
    assert caret.rstrip().endswith("^")
    assert source[len(caret.rstrip()) - 1] == "<"  # the caret sits under column 3, the start tag
    assert lines[index + 3] == "      at /Invoice[1]/cac:LegalMonetaryTotal[1]"
    # the checked-with line is kept
    assert "  checked with: ubl-2.1-invoice 2.1, cen-en16931-ubl 1.3.16, peppol-bis-billing-3-ubl 3.0.21" in out


def test_text_not_validated_document_shows_the_csv_line_and_fix(corpus_report: Report) -> None:
    out = render_text(corpus_report)
    block = out[out.index(f"{NOT_XML}: NOT VALIDATED") :]
    assert f"  {NOT_XML}:1:1: fatal [LOAD-not-xml] The input is not XML" in block
    assert "      1 | invoice_no;issue_date;buyer;net;vat;total\n        | ^\n" in block
    assert "      fix: Make sure the file is a well-formed XML e-invoice" in block


def test_text_summary_table(corpus_report: Report) -> None:
    out = render_text(corpus_report)
    counts = Counter(d.verdict for d in corpus_report.documents)
    severities = Counter(f.severity for f in corpus_report.findings)
    summary = out[out.index("summary:\n") :].splitlines()
    titles, values = summary[1].split("  "), summary[2].split()
    titles = [t.strip() for t in titles if t.strip()]
    assert titles == ["documents", "valid", "invalid", "not validated", "fatal", "error", "warning", "info", "time"]
    assert values[:8] == [
        str(len(DOCUMENTS)),
        str(counts[Verdict.VALID]),
        str(counts[Verdict.INVALID]),
        str(counts[Verdict.NOT_VALIDATED]),
        *(str(severities[s]) for s in (Severity.FATAL, Severity.ERROR, Severity.WARNING, Severity.INFO)),
    ]
    assert " ".join(values[8:]) == "1.23 s"
    assert summary[3] == (
        f"{len(DOCUMENTS)} document(s): {counts[Verdict.VALID]} valid, {counts[Verdict.INVALID]} invalid, "
        f"{counts[Verdict.NOT_VALIDATED]} not validated"
    )


def test_text_sorting_policy_authority_suppressed_and_sanitising(policy_file: Path) -> None:
    out = render_text(_report(_policy_document(str(policy_file))))
    lines = out.splitlines()
    path = str(policy_file)
    order = [i for i, line in enumerate(lines) if line.startswith(f"  {path}")]
    assert [lines[i].split(" [")[1].split("]")[0] for i in order] == ["BR-99", "W-1", "I-1"]  # severity first
    fatal = lines[order[0]]
    assert fatal.startswith(f"  {path}:3:5: fatal [BR-99] Fatal on line 3 with 100% and a\ufffdnewline")
    assert "\x1b" not in out  # the document's escape sequence is neutralised
    assert lines[order[0] + 1] == "      3 |   <ID/>"
    assert lines[order[0] + 2] == "        |     ^"
    assert "      fix: Give the invoice an ID." in lines
    assert "      authority: SDI 00200" in lines
    assert "      (downgraded to a warning by policy: we accept this)" in lines
    assert "  decision: reject" in lines
    assert "  note: a note about the rules" in lines
    assert "  suppressed by policy (1):" in lines
    assert f"    {path}:1:1: fatal [BR-42] Suppressed rule." in lines
    assert "        (ignored by policy: known supplier quirk)" in lines
    assert "suppressed" in out[out.index("summary:") :].splitlines()[1]


def test_text_caret_follows_tabs_and_missing_source_is_skipped(tmp_path: Path, policy_file: Path) -> None:
    finding = Finding(rule_id="T", severity=Severity.ERROR, layer="xsd", message="tab", line=4, column=2)
    doc = DocumentReport(path=str(policy_file), verdict=Verdict.INVALID, findings=[finding])
    lines = render_text(_report(doc)).splitlines()
    index = lines.index("      4 | \t<cbc:ID>x</cbc:ID>")
    assert lines[index + 1] == "        | \t^"
    gone = doc.model_copy(update={"path": str(tmp_path / "deleted.xml")})
    lines = render_text(_report(gone)).splitlines()
    assert lines[1] == f"  {tmp_path / 'deleted.xml'}:4:2: error [T] tab"
    assert not any(" | " in line for line in lines)


def test_text_long_lines_are_windowed(tmp_path: Path) -> None:
    target = tmp_path / "one-line.xml"
    target.write_text("<a>" + "x" * 500 + "<b/>" + "y" * 500 + "</a>", "utf-8")
    finding = Finding(rule_id="T", severity=Severity.ERROR, layer="xsd", message="m", line=1, column=504)
    lines = render_text(_report(DocumentReport(path=str(target), verdict=Verdict.INVALID, findings=[finding])))
    source, caret = lines.splitlines()[2:4]
    assert len(source) < 160 and source.count("…") == 2
    offset = len(caret) - 1
    assert caret.endswith("^") and source[offset : offset + 4] == "<b/>"


def test_text_colours_only_when_asked(corpus_report: Report) -> None:
    plain = render_text(corpus_report, color=False)
    coloured = render_text(corpus_report, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31mfatal\x1b[0m" in coloured
    assert "\x1b[31merror\x1b[0m" in coloured
    assert "\x1b[33mwarning\x1b[0m" in coloured
    assert "\x1b[1;32mVALID\x1b[0m" in coloured
    assert "\x1b[1;31mINVALID\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


# --- json + schema ----------------------------------------------------------------------------------------------


def _schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((REPO / "schemas/report.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_the_generated_one() -> None:
    committed = json.loads((REPO / "schemas/report.schema.json").read_text("utf-8"))
    assert committed == report_json_schema(), "regenerate schemas/report.schema.json (see render/json.py)"
    assert committed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "verdict" in committed["required"] and "svrl" not in json.dumps(committed["$defs"]["DocumentReport"])


def test_every_corpus_document_matches_the_schema(corpus_report: Report) -> None:
    checker = _schema_validator()
    for doc in corpus_report.documents:
        data = json.loads(render_json(_report(doc)))
        errors = list(checker.iter_errors(data))
        assert not errors, (doc.path, [e.message for e in errors])
    data = json.loads(render_json(corpus_report))
    assert data["verdict"] == "not_validated" and len(data["documents"]) == len(DOCUMENTS)
    checker.validate(data)
    checker.validate(json.loads(render_json(_report(_policy_document("x.xml")))))


def test_schema_rejects_what_report_dict_never_emits(corpus_report: Report) -> None:
    checker = _schema_validator()
    data = json.loads(render_json(_report(corpus_report.documents[0])))
    for broken in (
        {**data, "verdict": "maybe"},
        {k: v for k, v in data.items() if k != "verdict"},
        {**data, "documents": [{**data["documents"][0], "findings": [{"rule_id": "X"}]}]},
    ):
        assert not checker.is_valid(broken)


# --- sarif ------------------------------------------------------------------------------------------------------


def test_sarif_matches_the_official_schema(store, relative_report: Report) -> None:  # type: ignore[no-untyped-def]
    schema_path = store.path("sarif-2.1.0/sarif-schema-2.1.0.json")
    schema = json.loads(Path(schema_path).read_text("utf-8"))
    official = jsonschema.validators.validator_for(schema)
    official.check_schema(schema)
    log = json.loads(render_sarif(relative_report))
    errors = list(official(schema).iter_errors(log))
    assert not errors, [e.message for e in errors[:5]]
    assert not list(official(schema).iter_errors(json.loads(render_sarif(_report(_policy_document("p.xml"))))))


def test_sarif_content(relative_report: Report) -> None:
    log = json.loads(render_sarif(relative_report))
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "peppol-validate" and driver["version"] == "9.9.9" and driver["informationUri"]
    rules, results = driver["rules"], run["results"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) == len({f.rule_id for f in relative_report.findings})
    assert len(results) == len(relative_report.findings)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    by_id = {r["id"]: r for r in rules}
    co10 = by_id["BR-CO-10"]
    assert co10["shortDescription"]["text"].startswith("Sum of Invoice line net amount (BT-106)")
    assert co10["defaultConfiguration"]["level"] == "error"
    assert co10["properties"]["businessTerms"] == ["BT-106", "BT-131"]
    assert co10["properties"]["ruleSets"] == ["cen-en16931-cii 1.3.16", "cen-en16931-ubl 1.3.16"]  # CII comes first
    r010 = by_id["PEPPOL-EN16931-R010"]
    assert r010["properties"]["ruleSet"] == "peppol-bis-billing-3-ubl"
    assert r010["properties"]["ruleSetVersion"] == "3.0.21"
    assert r010["properties"]["ruleSets"] == ["peppol-bis-billing-3-ubl 3.0.21"]
    assert r010["fullDescription"]["text"] == (
        "Buyer electronic address MUST be provided. Rule set: peppol-bis-billing-3-ubl 3.0.21."
    )
    assert by_id["NO-R-002"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["LOAD-not-xml"]["help"]["text"].startswith("Make sure the file is a well-formed XML")
    uri = "corpus/ubl/invalid/invoice-totals-mismatch.xml"
    hit = next(
        r
        for r in results
        if r["ruleId"] == "BR-CO-10" and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
    )
    assert hit["level"] == "error" and hit["message"]["text"].startswith("Sum of Invoice")
    loc = hit["locations"][0]
    assert loc["physicalLocation"]["region"] == {"startLine": 158, "startColumn": 3}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "/Invoice[1]/cac:LegalMonetaryTotal[1]"
    load = next(r for r in results if r["ruleId"] == "LOAD-not-xml")
    assert load["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "corpus/unsupported/not-xml.xml"
    assert load["level"] == "error"


def test_sarif_levels_suppressions_and_uris(corpus_report: Report) -> None:
    log = json.loads(render_sarif(_report(_policy_document("p.xml"))))
    run = log["runs"][0]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"BR-99": "error", "W-1": "warning", "I-1": "note", "BR-42": "error"}
    suppressed = next(r for r in run["results"] if r["ruleId"] == "BR-42")
    assert suppressed["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "ignored by policy: known supplier quirk"}
    ]
    authority = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "BR-99")["properties"]["authorityCodes"]
    assert authority == [{"authority": "SDI", "code": "00200"}]
    # absolute paths: relative to base when given, else a file: URI
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(render_sarif(corpus_report, base=str(REPO)))["runs"][0]["results"]
    }
    assert "corpus/ubl/invalid/invoice-totals-mismatch.xml" in uris and all(not u.startswith("/") for u in uris)
    assert artifact_uri(str(TOTALS)) == TOTALS.as_uri()
    assert artifact_uri("invoices\\in box\\a.xml") == "invoices/in%20box/a.xml"
    assert artifact_uri("./a:b.xml") == "a%3Ab.xml"
    assert artifact_uri("C:\\data\\a.xml") == "file:///C:/data/a.xml"


def test_sarif_not_validated_without_a_finding_still_gives_a_result() -> None:
    doc = DocumentReport(path="x.xml", verdict=Verdict.NOT_VALIDATED)
    results = json.loads(render_sarif(_report(doc)))["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["NOT-VALIDATED"] and results[0]["level"] == "error"


# --- junit ------------------------------------------------------------------------------------------------------


def test_junit_counts_failures_and_errors(corpus_report: Report) -> None:
    root = etree.fromstring(render_junit(corpus_report).encode("utf-8"))
    counts = Counter(d.verdict for d in corpus_report.documents)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    for element in (root, suites[0]):
        assert element.get("tests") == str(len(DOCUMENTS))
        assert element.get("failures") == str(counts[Verdict.INVALID])
        assert element.get("errors") == str(counts[Verdict.NOT_VALIDATED])
        assert element.get("skipped") == "0"
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == [str(p) for p in DOCUMENTS]
    assert len(root.findall(".//failure")) == counts[Verdict.INVALID]
    assert len(root.findall(".//error")) == counts[Verdict.NOT_VALIDATED]
    assert root.find(".//skipped") is None
    for case, doc in zip(cases, corpus_report.documents, strict=True):
        assert case.get("classname") == doc.document_type
        element = case.find("failure") if doc.verdict is Verdict.INVALID else case.find("error")
        if doc.verdict is Verdict.VALID:
            assert case.find("failure") is None and case.find("error") is None
            continue
        assert element is not None
        text_lines = (element.text or "").splitlines()
        assert len(text_lines) == len(doc.findings)
        for finding in doc.findings:
            assert finding.rule_id in element.get("message", "") or not finding.severity.rejects
            assert any(f"{finding.severity.value} [{finding.rule_id}]" in line for line in text_lines)
        rule_sets = [p.get("value") for p in case.findall("properties/property[@name='rule_set']")]
        assert rule_sets == [f"{r.id} {r.version} ({r.layer})" for r in doc.rule_sets]


def test_junit_failure_text_is_the_text_format() -> None:
    doc = _policy_document("p.xml")
    root = etree.fromstring(render_junit(_report(doc)).encode("utf-8"))
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == "invalid: 1 fatal, 1 warning, 1 info (BR-99)"
    lines = (failure.text or "").splitlines()
    assert lines[0].startswith("p.xml:3:5: fatal [BR-99] Fatal on line 3 with 100% and a")
    assert lines[-1] == "p.xml: info [I-1] Just so you know."
    assert "p.xml:2:3: warning [W-1] A warning on line 2. (downgraded to a warning by policy: we accept this)" in lines
    assert "BR-42" in (root.findtext(".//system-err") or "")


# --- github -----------------------------------------------------------------------------------------------------

ANNOTATION = re.compile(
    r"^::(?P<kind>error|warning|notice) file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<title>[^,:]+)::(?P<message>.+)$"
)


def test_github_annotations_for_an_invalid_file(validator) -> None:  # type: ignore[no-untyped-def]
    doc = validator.validate(CURRENCY, path=_rel(CURRENCY))
    lines = render_github(_report(doc)).splitlines()
    assert len(lines) == len(doc.findings) + 1
    matches = [ANNOTATION.match(line) for line in lines[:-1]]
    assert all(matches), [line for line, m in zip(lines, matches, strict=False) if not m]
    got = Counter((m["kind"], m["file"], int(m["line"]), int(m["col"]), m["title"]) for m in matches if m)
    want = Counter(("error", _rel(CURRENCY), f.line, f.column, f.rule_id) for f in doc.findings)
    assert got == want
    assert not any(m["message"].startswith("[") for m in matches if m)
    assert lines[-1] == (
        "peppol-validate: 1 document(s): 0 valid, 1 invalid, 0 not validated; "
        f"findings: {len(doc.findings)} fatal, 0 error, 0 warning, 0 info"
    )


def test_github_levels_and_escaping() -> None:
    doc = _policy_document("dir,odd:name.xml")
    lines = render_github(_report(doc)).splitlines()
    assert lines[0].startswith(
        "::error file=dir%2Codd%3Aname.xml,line=3,col=5,title=BR-99::Fatal on line 3 with 100%25"
    )
    assert "a%0Anewline" in lines[0] and "%0Afix: Give the invoice an ID.%0Aauthority: SDI 00200" in lines[0]
    assert "\n" not in lines[0] and "\r" not in lines[0]
    assert lines[1] == (
        "::warning file=dir%2Codd%3Aname.xml,line=2,col=3,title=W-1::A warning on line 2."
        "%0A(downgraded to a warning by policy: we accept this)"
    )
    assert lines[2] == "::notice file=dir%2Codd%3Aname.xml,title=I-1::Just so you know."
    assert not any("BR-42" in line for line in lines)  # suppressed: not annotated
    assert lines[-1].endswith("; 1 suppressed by policy")
    assert escape_data("a%b\r\nc") == "a%25b%0D%0Ac"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


# --- svrl -------------------------------------------------------------------------------------------------------


def _assert_ids(svrl: etree._Element, findings: list[Finding]) -> None:
    fired = svrl.findall(f".//{{{SVRL_NS}}}failed-assert") + svrl.findall(f".//{{{SVRL_NS}}}successful-report")
    assert Counter(e.get("id") for e in fired) == Counter(f.rule_id for f in findings)


@pytest.mark.parametrize("path", [TOTALS, CURRENCY], ids=lambda p: p.name)
def test_svrl_wraps_every_rule_set(svrl_validator, path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = svrl_validator.validate(path)
    assert set(doc.svrl) == {f"{r.id}@{r.version}" for r in doc.rule_sets if r.layer == "schematron"}
    root = etree.fromstring(render_svrl(_report(doc)).encode("utf-8"))
    assert root.tag == f"{{{WRAPPER_NS}}}peppol-validate-svrl"
    (document,) = root.findall(f"{{{WRAPPER_NS}}}document")
    assert document.get("path") == str(path) and document.get("verdict") == "invalid"
    holders = document.findall(f"{{{WRAPPER_NS}}}svrl")
    assert [f"{h.get('ruleset')}@{h.get('version')}" for h in holders] == list(doc.svrl)
    schematron = [f for f in doc.findings if f.layer == "schematron"]
    assert schematron
    for holder in holders:
        (output,) = list(holder)
        assert output.tag == f"{{{SVRL_NS}}}schematron-output"
        key = (holder.get("ruleset"), holder.get("version"))
        _assert_ids(output, [f for f in schematron if (f.rule_set, f.rule_set_version) == key])
    assert {e.get("id") for e in root.iter(f"{{{SVRL_NS}}}failed-assert")} == {f.rule_id for f in schematron}


def test_svrl_single_rule_set_is_passed_through(svrl_validator) -> None:  # type: ignore[no-untyped-def]
    doc = svrl_validator.validate(TOTALS)
    key = next(k for k in doc.svrl if k.startswith("cen-en16931-ubl@"))
    single = doc.model_copy(update={"svrl": {key: doc.svrl[key]}})
    out = render_svrl(_report(single))
    assert out.rstrip("\n") == doc.svrl[key].rstrip("\n")
    root = etree.fromstring(out.encode("utf-8"))
    assert root.tag == f"{{{SVRL_NS}}}schematron-output"
    _assert_ids(root, [f for f in doc.findings if f.rule_set == "cen-en16931-ubl"])


def test_svrl_documents_without_svrl_are_empty(svrl_validator) -> None:  # type: ignore[no-untyped-def]
    docs = [svrl_validator.validate(p) for p in (NOT_XML, CORPUS / "fatturapa/invalid/fpr12-bad-date.xml", TOTALS)]
    root = etree.fromstring(render_svrl(_report(*docs)).encode("utf-8"))
    documents = root.findall(f"{{{WRAPPER_NS}}}document")
    assert [d.get("verdict") for d in documents] == ["not_validated", "invalid", "invalid"]
    # not XML: no Schematron ran; FatturaPA: the project's SDI rules (schematron/it); UBL: CEN and Peppol
    assert [len(d) for d in documents] == [0, len(list((REPO / "schematron/it").glob("*.sch"))), 2]
