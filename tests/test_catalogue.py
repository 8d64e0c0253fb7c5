"""The rule catalogue (schemas/catalogue/*.json): consistent, documented, and behind every finding's fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from peppol_validate.countries.base import catalogue
from peppol_validate.countries.docs import render_markdown
from peppol_validate.model import Severity

from .conftest import CORPUS, REPO

SCH = "{http://purl.oclc.org/dsdl/schematron}"


def test_entries_are_complete() -> None:
    cat = catalogue()
    assert len(cat.entries) >= 40
    for entry in cat.entries.values():
        assert entry.meaning.strip() and entry.fix.strip(), entry.id
        assert "\n" not in entry.fix, entry.id
        assert entry.id.startswith(("IT-SDI-", "IT-ID-", "FR-", "BE-", "API-")), entry.id
        if entry.id.startswith("IT-SDI-"):
            assert entry.codes[0].code == entry.id.split("-")[2], entry.id


def test_project_schematron_ids_are_catalogued_with_the_same_severity() -> None:
    cat = catalogue()
    for sch in sorted((REPO / "schematron").rglob("*.sch")):
        for el in etree.parse(str(sch)).getroot().iter(SCH + "assert", SCH + "report"):
            rule_id = el.get("id")
            assert rule_id in cat.entries, (sch.name, rule_id)
            assert Severity.from_flag(el.get("flag")) is cat.entries[rule_id].severity, rule_id


def test_the_rules_page_is_generated_from_the_catalogue() -> None:
    page = (REPO / "docs" / "rules.md").read_text("utf-8")
    assert page == render_markdown(catalogue()), "run: python -m peppol_validate.countries.docs docs/rules.md"


def test_unmapped_codes_are_listed_not_invented() -> None:
    cat = catalogue()
    listed = {(u.authority, u.code) for u in cat.unmapped}
    for code in ("00025", "00043", "00058", "00104", "00200", "00306", "00500"):
        assert any(a.upper().startswith(("PPF", "FR")) and c == code for a, c in listed), code
    assert any(c == "MERC-201" for _, c in listed) and any(c == "BR-BE-01" for _, c in listed)
    assert cat.out_of_reach, "registry-only SDI checks must be documented as out of reach"


CORPUS_DOCS = sorted(CORPUS.rglob("*.xml"))


@pytest.mark.parametrize("doc", CORPUS_DOCS, ids=[str(p.relative_to(CORPUS)) for p in CORPUS_DOCS])
def test_every_finding_has_a_one_line_fix(validator, doc: Path) -> None:  # type: ignore[no-untyped-def]
    for finding in validator.validate(doc).findings:
        assert finding.fix and "\n" not in finding.fix, finding.rule_id
