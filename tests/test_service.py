"""The HTTP service, tested against a real uvicorn server on a loopback port in a child process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from peppol_validate.render.json import report_json_schema
from peppol_validate.validator import Validator

from .conftest import CORPUS, PACKS, REPO

HOST = "127.0.0.1"
AS_OF = "2026-11-24"  # the session validator's date
MAX_BYTES = 64 * 1024
STARTUP_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
MIX = [
    CORPUS / name
    for name in (
        "ubl/valid/invoice-standard.xml",
        "ubl/valid/creditnote.xml",
        "ubl/invalid/invoice-totals-mismatch.xml",
        "ubl/invalid/invoice-xsd-element-order.xml",
        "cii/valid/invoice.xml",
        "cii/invalid/invoice-calculation-error.xml",
        "fatturapa/valid/fpa12-pa-invoice.xml",
        "unsupported/not-xml.xml",
        "unsupported/ubl-order.xml",
    )
]

SERVER = "import sys; from peppol_validate.service import serve_main; sys.exit(serve_main(sys.argv[1:]))"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running server (max body 64 KiB, rules as of 2026-11-24); stopped (or killed) at the end."""
    port = _free_port()
    log = tmp_path_factory.mktemp("service") / "server.log"
    args = ["--host", HOST, "--port", str(port), "--max-bytes", str(MAX_BYTES), "--packs", str(PACKS)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVER, *args, "--as-of", AS_OF],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}: {log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not ready after {STARTUP_TIMEOUT} s: {log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    """An HTTP client for the server."""
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        yield http


def post(client: httpx.Client, content: Any, **kwargs: Any) -> httpx.Response:
    """POST a body to /v1/validate."""
    return client.post("/v1/validate", content=content, **kwargs)


def findings_key(document: dict[str, Any]) -> tuple[str, frozenset[tuple[Any, ...]]]:
    """The verdict and set of findings (with positions) of one JSON document report."""
    return (
        document["verdict"],
        frozenset(
            (f["rule_id"], f["severity"], f["layer"], f["location"], f["line"], f["column"])
            for f in document["findings"]
        ),
    )


def test_health(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["version"]
    assert data["as_of"] == AS_OF
    compiled = {(r["layer"], r["id"]) for r in data["rule_sets"]}
    assert {
        ("xsd", "ubl-2.1-invoice"),
        ("schematron", "cen-en16931-ubl"),
        ("schematron", "peppol-bis-billing-3-ubl"),
    } <= (compiled)


def test_valid_invoice(client: httpx.Client) -> None:
    response = post(
        client, (CORPUS / "ubl/valid/invoice-standard.xml").read_bytes(), headers={"X-Filename": "invoice-standard.xml"}
    )
    assert response.status_code == 200
    assert response.headers["X-Peppol-Verdict"] == "valid"
    data = response.json()
    jsonschema.Draft202012Validator(report_json_schema()).validate(data)
    assert set(data) >= {"tool", "version", "as_of", "duration_ms", "documents", "verdict"}
    assert data["verdict"] == "valid"
    assert data["as_of"] == AS_OF
    [document] = data["documents"]
    assert document["path"] == "invoice-standard.xml"
    assert document["verdict"] == "valid"
    assert document["document_type"] == "ubl-invoice"


def test_invalid_invoice(client: httpx.Client) -> None:
    response = post(client, (CORPUS / "ubl/invalid/invoice-totals-mismatch.xml").read_bytes())
    assert response.status_code == 200
    assert response.headers["X-Peppol-Verdict"] == "invalid"
    data = response.json()
    jsonschema.Draft202012Validator(report_json_schema()).validate(data)
    [document] = data["documents"]
    assert document["path"] is None
    assert document["verdict"] == "invalid"
    assert "BR-CO-10" in {f["rule_id"] for f in document["findings"]}


def test_not_xml(client: httpx.Client) -> None:
    response = post(client, b"id;amount\n1;100.00\n")
    assert response.status_code == 200
    assert response.headers["X-Peppol-Verdict"] == "not_validated"
    [document] = response.json()["documents"]
    assert document["verdict"] == "not_validated"
    assert [f["rule_id"] for f in document["findings"]] == ["LOAD-not-xml"]


def test_empty_body_is_400(client: httpx.Client) -> None:
    response = post(client, b"")
    assert response.status_code == 400
    assert response.json()["error"] == "empty-body"


def test_oversize_body_is_413(client: httpx.Client) -> None:
    response = post(client, b"<" + b"x" * MAX_BYTES)
    assert response.status_code == 413
    assert response.json()["error"] == "too-large"


def test_oversize_streamed_body_without_length_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BYTES // 4096 + 2):
            yield b" " * 4096

    response = post(client, chunks())
    assert response.status_code == 413


def test_body_of_exactly_max_bytes_is_validated(client: httpx.Client) -> None:
    response = post(client, b"x" * MAX_BYTES)
    assert response.status_code == 200
    assert response.headers["X-Peppol-Verdict"] == "not_validated"


def test_as_of_parameter(client: httpx.Client) -> None:
    body = (CORPUS / "ubl/valid/invoice-standard.xml").read_bytes()
    data = post(client, body, params={"as_of": "2025-09-01"}).json()
    assert data["as_of"] == "2025-09-01"
    versions = {r["id"]: r["version"] for r in data["documents"][0]["rule_sets"]}
    assert versions["peppol-bis-billing-3-ubl"] == "3.0.19"
    response = post(client, body, params={"as_of": "1 September 2025"})
    assert response.status_code == 400
    assert response.json()["error"] == "bad-as-of"


def test_wrong_method_and_route(client: httpx.Client) -> None:
    assert client.get("/v1/validate").status_code == 405
    assert client.get("/nothing-here").status_code == 404


def test_concurrent_requests(client: httpx.Client, validator: Validator) -> None:
    expected = {path: validator.validate(path) for path in MIX}
    jobs = [path for _ in range(3) for path in MIX]  # 27 requests, 6 at a time

    def send(path: Path) -> tuple[Path, int, dict[str, Any]]:
        response = post(client, path.read_bytes(), headers={"X-Filename": path.name})
        return path, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = [f.result(timeout=REQUEST_TIMEOUT * 2) for f in [pool.submit(send, p) for p in jobs]]
    assert len(results) == len(jobs)
    for path, status, data in results:
        assert status == 200, (path, data)
        [document] = data["documents"]
        assert document["path"] == path.name
        want = expected[path]
        assert findings_key(document) == (
            want.verdict.value,
            frozenset((f.rule_id, f.severity.value, f.layer, f.location, f.line, f.column) for f in want.findings),
        ), path
