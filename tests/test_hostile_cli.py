"""Hostile and broken input through the whole command line: a clear LOAD-* finding, not_validated, exit 2,
bounded time, no traceback, no file read and no network request."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from .conftest import CORPUS, PACKS

SECRET = "TOP-SECRET-MARKER-7f3a"


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        body = f'<!ENTITY x "{SECRET}">'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    _Counter.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def _hostile_files(tmp: Path, base: str) -> dict[str, tuple[bytes, str]]:
    secret = tmp / "secret.txt"
    secret.write_text(SECRET)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]><l>&j;</l>"
    )
    quadratic = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + "x" * 50_000 + '">]><q>' + "&a;" * 50_000 + "</q>"
    return {
        "empty.xml": (b"", "LOAD-empty"),
        "binary.xml": (bytes(range(256)) * 4, "LOAD-"),
        "text.xml": (b"this is not xml at all\n", "LOAD-not-xml"),
        "bad-utf8.xml": (b'<?xml version="1.0" encoding="UTF-8"?><Invoice>\xff\xfe\xc3</Invoice>', "LOAD-"),
        "lying-encoding.xml": ('<?xml version="1.0" encoding="UTF-8"?><a>caf\u00e9</a>'.encode("latin-1"), "LOAD-"),
        "xxe-file.xml": (
            f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]><a>&x;</a>'.encode(),
            "LOAD-dtd-forbidden",
        ),
        "xxe-http.xml": (
            f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "{base}/x">]><a>&x;</a>'.encode(),
            "LOAD-dtd-forbidden",
        ),
        "remote-dtd.xml": (
            f'<?xml version="1.0"?><!DOCTYPE a SYSTEM "{base}/a.dtd"><a/>'.encode(),
            "LOAD-dtd-forbidden",
        ),
        "billion-laughs.xml": (laughs.encode(), "LOAD-dtd-forbidden"),
        "quadratic.xml": (quadratic.encode(), "LOAD-dtd-forbidden"),
        "deep.xml": (b"<a>" * 200_000 + b"</a>" * 200_000, "LOAD-too-deep"),
        "huge-text.xml": (b"<a>" + b"x" * (30 * 1024 * 1024) + b"</a>", "LOAD-"),
        "ns-flood.xml": (
            ("<a " + " ".join(f'xmlns:p{i}="urn:x:{i}"' for i in range(5000)) + "/>").encode(),
            "LOAD-too-many-namespaces",
        ),
    }


def test_hostile_inputs_through_the_cli(tmp_path: Path, server: str) -> None:
    files = _hostile_files(tmp_path, server)
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
    # schemaLocation hints are never followed: a real invoice with a hint to the loopback server is fine
    hinted = (CORPUS / "ubl/valid/invoice-standard.xml").read_text("utf-8")
    hinted = hinted.replace(
        "<Invoice ",
        '<Invoice xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 {server}/x.xsd" ',
        1,
    )
    (tmp_path / "hinted.xml").write_text(hinted, "utf-8")
    paths = [str(tmp_path / name) for name in files]
    proc = subprocess.run(
        [sys.executable, "-m", "peppol_validate", "--packs", str(PACKS), "--format", "json", *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    by_name = {Path(d["path"]).name: d for d in report["documents"]}
    for name, (_, code) in files.items():
        doc = by_name[name]
        assert doc["verdict"] == "not_validated", name
        assert doc["findings"][0]["rule_id"].startswith(code), (name, doc["findings"])
        assert doc["findings"][0]["message"], name
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    hinted_run = subprocess.run(
        [sys.executable, "-m", "peppol_validate", "--packs", str(PACKS), str(tmp_path / "hinted.xml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert hinted_run.returncode == 0, hinted_run.stdout + hinted_run.stderr
    assert _Counter.hits == []


def test_configured_limits_are_reported(tmp_path: Path) -> None:
    doc = tmp_path / "big.xml"
    doc.write_bytes((CORPUS / "ubl/valid/invoice-10kb.xml").read_bytes())
    proc = subprocess.run(
        [sys.executable, "-m", "peppol_validate", "--packs", str(PACKS), "--max-bytes", "1000", str(doc)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "LOAD-too-large" in proc.stdout and "1000" in proc.stdout.replace(",", "")
