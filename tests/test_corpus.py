"""The project's own corpus: every document gives exactly the findings its .expected.json lists.

The expectations were computed independently, with the official compiled XSLTs and XSDs (see each file's
``checked_with``), and checked by hand against the deliberate defect each invalid document carries.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CORPUS

DOCUMENTS = sorted(p for p in CORPUS.rglob("*.xml"))


def test_corpus_has_valid_and_invalid_documents_of_each_format() -> None:
    for fmt in ("ubl", "cii", "fatturapa"):
        assert list((CORPUS / fmt / "valid").glob("*.xml")), fmt
        assert list((CORPUS / fmt / "invalid").glob("*.xml")), fmt
    assert all(p.with_suffix(".expected.json").is_file() for p in DOCUMENTS)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=[str(p.relative_to(CORPUS)) for p in DOCUMENTS])
def test_corpus_document(validator, doc: Path) -> None:  # type: ignore[no-untyped-def]
    expected = json.loads(doc.with_suffix(".expected.json").read_text("utf-8"))
    report = validator.validate(doc)
    got = {(f.rule_id, f.severity.value, f.layer) for f in report.findings}
    want = {(f["rule_id"], f["severity"], f["layer"]) for f in expected["findings"]}
    assert got == want
    assert report.verdict.value == expected["verdict"]
    assert report.document_type == expected["document_type"]
    for f in report.findings:
        if f.layer in ("xsd", "schematron"):
            assert f.line is not None and f.line > 0, f
            assert f.column is not None and f.column > 0, f
            assert f.location and f.location.startswith("/"), f
