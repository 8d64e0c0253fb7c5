"""The command line: formats, directories and globs, exit codes, packs commands."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from peppol_validate.cli import main

from .conftest import CORPUS, PACKS


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--packs", str(PACKS), *args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_valid_file_exits_0() -> None:
    code, out, _ = _run(str(CORPUS / "ubl/valid/invoice-standard.xml"))
    assert code == 0
    assert "VALID" in out and "1 document(s): 1 valid" in out


def test_invalid_file_exits_1_and_shows_file_line_col() -> None:
    path = CORPUS / "ubl/invalid/invoice-totals-mismatch.xml"
    code, out, _ = _run(str(path))
    assert code == 1
    assert f"{path}:158:3: fatal [BR-CO-10]" in out


def test_not_validated_exits_2() -> None:
    code, out, _ = _run(str(CORPUS / "unsupported/not-xml.xml"))
    assert code == 2
    assert "LOAD-not-xml" in out
    code, _, _ = _run(str(CORPUS / "unsupported/ubl-order.xml"), str(CORPUS / "ubl/valid/invoice-standard.xml"))
    assert code == 2


def test_usage_errors_exit_2() -> None:
    assert _run("--format", "yaml", "x.xml")[0] == 2
    code, _, err = _run("does-not-exist.xml")
    assert code == 2 and "does-not-exist.xml" in err
    assert _run("--as-of", "yesterday", str(CORPUS))[0] == 2


def test_directory_glob_and_json() -> None:
    code, out, _ = _run("--format", "json", str(CORPUS / "ubl/valid"), str(CORPUS / "cii/*/*.xml"))
    data = json.loads(out)
    paths = [d["path"] for d in data["documents"]]
    assert len(paths) == len(list((CORPUS / "ubl/valid").glob("*.xml"))) + 2
    assert paths == sorted(paths[:-2]) + paths[-2:]
    assert code == 1  # the CII calculation error


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = _run("-f", "json", "-o", str(target), str(CORPUS / "ubl/valid/invoice-standard.xml"))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["documents"][0]["verdict"] == "valid"


def test_help_documents_exit_codes() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "peppol_validate", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "exit codes" in proc.stdout and "not be validated" in proc.stdout


def test_console_script_end_to_end() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "peppol_validate",
            "--packs",
            str(PACKS),
            str(CORPUS / "ubl/invalid/invoice-wrong-eas.xml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "BR-CL-25" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_packs_list_and_verify() -> None:
    code, out, _ = _run("packs", "list")
    assert code == 0 and "peppol-bis-billing-3" in out
    code, _, _ = (
        main(["--packs", str(PACKS), "packs", "verify", "ubl-2.1"], stdout=io.StringIO(), stderr=io.StringIO()),
        "",
        "",
    )
    assert code == 0


def test_a_rule_set_that_stops_is_reported_without_native_noise(tmp_path: Path) -> None:
    """A repeated cbc:ProfileID makes the official Peppol rules stop (XPTY0004): not_validated, exit 2,
    the reason in the report, and no Saxon trace on stderr."""
    text = (CORPUS / "ubl/valid/invoice-standard.xml").read_text("utf-8")
    start = text.index("<cbc:ProfileID>")
    end = text.index("</cbc:ProfileID>") + len("</cbc:ProfileID>")
    doc = tmp_path / "dup.xml"
    doc.write_text(text[:end] + text[start:end] + text[end:], "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "peppol_validate", "--packs", str(PACKS), str(doc)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "NOT-VALIDATED" in proc.stdout and "normalize-space" in proc.stdout
    assert proc.stderr == ""
