"""The command line's integration features: workers, formats, policy from a config file, cache, fail-on."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from peppol_validate.cli import main

from .conftest import CORPUS, PACKS

INVALID = CORPUS / "ubl/invalid/invoice-totals-mismatch.xml"
WARNING_ONLY = CORPUS / "ubl/invalid/invoice-warning-only.xml"
VALID = CORPUS / "ubl/valid/invoice-standard.xml"


def _run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = main(["--packs", str(PACKS), *args], stdout=out, stderr=err)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def test_workers_give_the_same_report_in_the_same_order() -> None:
    args = ["--format", "json", "--no-cache", str(CORPUS / "ubl"), str(CORPUS / "cii")]
    one = json.loads(_run("-j", "1", *args)[1])
    two = json.loads(_run("-j", "2", *args)[1])
    strip = lambda d: [(x["path"], x["verdict"], sorted(f["rule_id"] for f in x["findings"])) for x in d["documents"]]  # noqa: E731
    assert strip(one) == strip(two)
    assert len(one["documents"]) == len(list((CORPUS / "ubl").rglob("*.xml"))) + 2


def test_fail_on_warning_rejects_a_warning_only_document() -> None:
    assert _run(str(WARNING_ONLY))[0] == 0
    code, out, _ = _run("--fail-on", "warning", "--format", "json", str(WARNING_ONLY))
    assert code == 1
    doc = json.loads(out)["documents"][0]
    assert doc["verdict"] == "valid" and doc["decision"] == "reject"


def test_policy_from_a_config_file(tmp_path: Path) -> None:
    (tmp_path / ".peppol-validate.toml").write_text(
        '[policy]\n"BR-CO-10" = { action = "ignore", reason = "test" }\n"BR-CO-13" = "warn"\n', "utf-8"
    )
    code, out, _ = _run("--format", "json", "--no-cache", str(INVALID), cwd=tmp_path)
    doc = json.loads(out)["documents"][0]
    assert doc["verdict"] == "invalid"  # the technical fact stays
    assert doc["decision"] == "accept" and code == 0
    assert [f["rule_id"] for f in doc["suppressed"]] == ["BR-CO-10"]
    assert [(f["rule_id"], f["severity"], f["policy"]) for f in doc["findings"]] == [("BR-CO-13", "warning", "warn")]
    # CLI flags override the file
    code, _, _ = _run("--fail-on", "warning", "--no-cache", str(INVALID), cwd=tmp_path)
    assert code == 1


def test_the_cache_answers_unchanged_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEPPOL_VALIDATE_CACHE", str(tmp_path / "cache"))
    doc = tmp_path / "a.xml"
    doc.write_bytes(VALID.read_bytes())
    first = json.loads(_run("--format", "json", str(doc))[1])["documents"][0]
    second = json.loads(_run("--format", "json", str(doc))[1])["documents"][0]
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["path"] == str(doc) and second["verdict"] == "valid"
    off = json.loads(_run("--format", "json", "--no-cache", str(doc))[1])["documents"][0]
    assert off["cached"] is False
    doc.write_bytes(INVALID.read_bytes())  # new bytes: a miss
    changed = json.loads(_run("--format", "json", str(doc))[1])["documents"][0]
    assert changed["cached"] is False and changed["verdict"] == "invalid"


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "svrl", "text"])
def test_every_format_from_the_cli(fmt: str) -> None:
    code, out, _ = _run("--format", fmt, "--no-cache", str(INVALID))
    assert code == 1
    assert "BR-CO-10" in out
    if fmt == "sarif":
        assert json.loads(out)["version"] == "2.1.0"
    elif fmt in ("junit", "svrl"):
        etree.fromstring(out.encode())
    elif fmt == "github":
        assert any(line.startswith("::error file=") for line in out.splitlines())


def test_text_is_plain_when_not_a_tty() -> None:
    _, out, _ = _run("--no-cache", str(INVALID))
    assert "\x1b[" not in out
    _, coloured, _ = _run("--color", "--no-cache", str(INVALID))
    assert "\x1b[" in coloured


def test_progress_stays_silent_when_not_a_tty(tmp_path: Path) -> None:
    files = []
    for i in range(25):
        target = tmp_path / f"{i:02d}.xml"
        target.write_bytes(VALID.read_bytes())
        files.append(str(target))
    proc = subprocess.run(
        [sys.executable, "-m", "peppol_validate", "--packs", str(PACKS), "-j", "2", "--no-cache", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout
    assert proc.stderr == ""
    assert "25 document(s): 25 valid" in proc.stdout


def test_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / ".peppol-validate.toml").write_text('fail-on = "sometimes"\n', "utf-8")
    code, _, err = _run(str(VALID), cwd=tmp_path)
    assert code == 2 and "fail-on" in err


def test_ledger_and_optional_rule_sets_from_the_config(tmp_path: Path) -> None:
    """`ledger` and `rule-sets` in the config file: a second copy of an invoice is SDI 00404; UBL.BE runs."""
    (tmp_path / ".peppol-validate.toml").write_text('ledger = "ledger.sqlite"\nrule-sets = ["ublbe"]\n', "utf-8")
    source = (CORPUS / "fatturapa/valid/fpr12-b2b-invoice.xml").read_text("utf-8")
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    first.write_text(source, "utf-8")
    second.write_text(
        source.replace("<Causale>", "<Causale>copia ", 1) if "<Causale>" in source else source + "\n", "utf-8"
    )
    assert _run("--no-cache", str(first), cwd=tmp_path)[0] == 0
    code, out, _ = _run("--no-cache", "--format", "json", str(second), cwd=tmp_path)
    assert code == 1 and "IT-SDI-00404" in out
    assert (tmp_path / "ledger.sqlite").is_file()
    _, out, _ = _run("--no-cache", "--format", "json", str(CORPUS / "be/valid/invoice-ogm.xml"), cwd=tmp_path)
    assert any(r["id"] == "ublbe" for r in json.loads(out)["documents"][0]["rule_sets"])
