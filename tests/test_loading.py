"""Hostile-input tests for the hardened loader (peppol_validate.loading).

Every hostile case asserts the exact LoadError code and that the operation finishes in bounded
time: it runs in a worker thread that must be done within a generous timeout (no timing asserts).
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import textwrap
import threading
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from peppol_validate.errors import LoadError
from peppol_validate.loading import Limits, LoadedDocument, load, parser

T = TypeVar("T")

BOUND_SECONDS = 10.0

KNOWN_CODES = {
    "empty",
    "not-xml",
    "encoding",
    "dtd-forbidden",
    "too-large",
    "too-deep",
    "text-too-large",
    "too-many-elements",
    "too-many-namespaces",
    "pdf-no-xml",
    "pdf-unreadable",
    "not-found",
    "unreadable",
}

UBL_INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>INV-001</cbc:ID>
  <cbc:IssueDate>2026-01-15</cbc:IssueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:Note>Caf\xc3\xa9 &amp; cr\xc3\xa8me</cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0088">7300010000001</cbc:EndpointID>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:LegalMonetaryTotal>
    <cbc:PayableAmount currencyID="EUR">100.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>
"""

SECRET_MARKER = "S3CR3T-MARKER-7f1c2e"


# ------------------------------------------------------------------------------------------
# helpers


def bounded(operation: Callable[[], T], timeout: float = BOUND_SECONDS) -> T:
    """Run ``operation`` in a worker thread; fail if it is still running after ``timeout`` seconds."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = operation()
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        pytest.fail(f"operation did not finish within {timeout} seconds")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def refused(source: Any, code: str, **kwargs: Any) -> LoadError:
    """Assert that loading ``source`` is refused with ``code``, in bounded time."""
    with pytest.raises(LoadError) as info:
        bounded(lambda: load(source, **kwargs))
    error = info.value
    assert error.code == code, f"expected {code!r}, got {error.code!r}: {error.message}"
    assert error.message and error.message == str(error)
    assert "\n" not in error.message
    assert "XML_PARSE_HUGE" not in error.message
    return error


def loaded(source: Any, **kwargs: Any) -> LoadedDocument:
    """Load ``source`` in bounded time."""
    return bounded(lambda: load(source, **kwargs))


def billion_laughs(levels: int = 9) -> bytes:
    lines = ['<!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        lines.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    body = "\n  ".join(lines)
    return f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n  {body}\n]>\n<lolz>&lol{levels};</lolz>\n'.encode()


def quadratic_blowup(entity_size: int = 100_000, references: int = 100_000) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE kaboom [<!ENTITY a "'
        + b"a" * entity_size
        + b'">]>\n<kaboom>'
        + b"&a;" * references
        + b"</kaboom>"
    )


@dataclass
class LoopbackServer:
    """An HTTP server on 127.0.0.1 that records every connection it handles."""

    port: int
    requests: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A loopback HTTP server on an ephemeral port, serving a harmless DTD/entity for any path."""
    record = LoopbackServer(port=0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def handle(self) -> None:
            record.requests.append("connection")
            super().handle()

        def do_GET(self) -> None:
            body = f'<!ENTITY leak "{SECRET_MARKER}">'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml-dtd")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        # Sanity check: the server really counts requests, so "zero requests" below means something.
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        with direct.open(record.url("sanity"), timeout=5) as response:
            assert SECRET_MARKER.encode() in response.read()
        assert record.requests
        record.requests.clear()
        yield record
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class FifoProbe:
    """A named pipe that notices whether anybody ever opens it for reading."""

    path: Path
    opened: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        os.mkfifo(self.path)

        def writer() -> None:
            fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens the pipe
            self.opened.set()
            try:
                os.write(fd, f'<!ENTITY leak "{SECRET_MARKER}">'.encode())
            except OSError:
                pass
            finally:
                os.close(fd)

        self.thread = threading.Thread(target=writer, daemon=True)
        self.thread.start()

    def was_opened(self) -> bool:
        return self.opened.wait(0.2)

    def stop(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # releases the blocked writer
            self.thread.join(5)
            os.close(fd)


@pytest.fixture
def fifo_probe(tmp_path: Path) -> Iterator[FifoProbe]:
    """A FIFO whose opening by the parser would be detected (POSIX only)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("named pipes are not available on this platform")
    probe = FifoProbe(tmp_path / "probe.dtd")
    probe.start()
    try:
        yield probe
    finally:
        probe.stop()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_MARKER + "\n", encoding="utf-8")
    return secret


def assert_no_secret(error: LoadError) -> None:
    assert SECRET_MARKER not in error.message
    assert SECRET_MARKER not in repr(error.args)


# ------------------------------------------------------------------------------------------
# positive cases


def test_small_ubl_invoice_loads_from_bytes() -> None:
    doc = loaded(UBL_INVOICE)
    assert doc.path == "<bytes>"
    assert doc.data == UBL_INVOICE
    assert doc.encoding == "utf-8"
    assert doc.root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert doc.tree.getroot() is doc.root
    note = doc.root.find("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}Note")
    assert note is not None and note.text == "Café & crème"


def test_small_ubl_invoice_loads_from_path_and_pathlike(tmp_path: Path) -> None:
    file = tmp_path / "invoice.xml"
    file.write_bytes(UBL_INVOICE)
    by_str = loaded(str(file))
    by_path = loaded(file)
    assert by_str.path == str(file) == by_path.path
    assert by_str.data == UBL_INVOICE == by_path.data
    assert loaded(file, path="shown.xml").path == "shown.xml"


def test_bytearray_and_memoryview_are_accepted() -> None:
    assert loaded(bytearray(UBL_INVOICE)).data == UBL_INVOICE
    assert loaded(memoryview(UBL_INVOICE)).data == UBL_INVOICE


def test_source_line_returns_decoded_lines() -> None:
    doc = loaded(UBL_INVOICE)
    assert doc.source_line(1) == '<?xml version="1.0" encoding="UTF-8"?>'
    assert doc.source_line(10) == "  <cbc:Note>Café &amp; crème</cbc:Note>"
    assert doc.source_line(0) is None
    assert doc.source_line(10_000) is None


def test_source_line_strips_crlf() -> None:
    doc = loaded(b"<a>\r\n  <b/>\r\n</a>\r\n")
    assert doc.source_line(1) == "<a>"
    assert doc.source_line(2) == "  <b/>"


def test_column_of_two_elements_on_one_line() -> None:
    data = (
        b'<Invoice xmlns="urn:i" xmlns:cbc="urn:c">\n'
        b"  <cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note>  <cbc:ID>1</cbc:ID>\n"
        b"</Invoice>\n"
    )
    doc = loaded(data)
    first, second, ident = list(doc.root)
    line = doc.source_line(2)
    assert line is not None
    assert doc.column_of(doc.root) == 1
    assert doc.column_of(first) == 3
    assert doc.column_of(second) == line.index("<cbc:Note>b") + 1 == 25
    assert doc.column_of(ident) == line.index("<cbc:ID>") + 1


def test_column_of_nested_same_name_and_lookalikes() -> None:
    data = b"<r>\n<x><x/></x><x/> <!-- <x/> --> <![CDATA[<x>]]>\n<y><xx/><x/></y>\n</r>"
    doc = loaded(data)
    outer, inner, last = doc.root.findall(".//x")[:3]
    assert doc.column_of(outer) == 1
    assert doc.column_of(inner) == 4
    assert doc.column_of(last) == 12
    third_line = doc.source_line(3)
    assert third_line is not None
    xx, x = doc.root.find("y")
    assert doc.column_of(xx) == third_line.index("<xx/>") + 1
    assert doc.column_of(x) == third_line.index("<x/>") + 1


def test_column_of_multiline_start_tag_and_non_elements() -> None:
    doc = loaded(b'<r>\n<a\n  b="1"/><a/>\n<!-- c --></r>')
    spanning, plain = doc.root.findall("a")
    assert spanning.sourceline == plain.sourceline == 3
    assert doc.column_of(spanning) is None  # its '<' is on line 2: unknown, never wrong
    assert doc.column_of(plain) == doc.source_line(3).index("<a/>") + 1  # type: ignore[union-attr]
    comment = doc.root[-1]
    assert doc.column_of(comment) is None
    assert doc.column_of(etree.Element("a")) is None  # not from this document


def test_column_of_utf16_document() -> None:
    text = '\ufeff<?xml version="1.0" encoding="UTF-16"?>\n<r><é/><é/></r>'
    doc = loaded(text.encode("utf-16-le"))
    first, second = list(doc.root)
    assert doc.source_line(2) == "<r><é/><é/></r>"
    assert doc.column_of(first) == 4
    assert doc.column_of(second) == 8


def test_valid_utf16_le_document() -> None:
    text = '\ufeff<?xml version="1.0" encoding="UTF-16"?>\n<Invoice><Note>Grüße ✓</Note></Invoice>'
    doc = loaded(text.encode("utf-16-le"))
    assert doc.root.findtext("Note") == "Grüße ✓"
    assert doc.encoding == "utf-16-le"
    assert doc.source_line(2) == "<Invoice><Note>Grüße ✓</Note></Invoice>"


def test_valid_utf16_be_document() -> None:
    text = '\ufeff<?xml version="1.0" encoding="UTF-16"?>\n<Invoice><Note>Grüße</Note></Invoice>'
    doc = loaded(text.encode("utf-16-be"))
    assert doc.root.findtext("Note") == "Grüße"
    assert doc.encoding == "utf-16-be"


def test_valid_utf16_without_bom_but_declared() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<Invoice>x</Invoice>'
    assert loaded(text.encode("utf-16-le")).root.text == "x"


def test_utf8_bom_is_accepted() -> None:
    doc = loaded(b"\xef\xbb\xbf" + UBL_INVOICE)
    assert doc.root.tag.endswith("Invoice")
    assert doc.source_line(1) == '<?xml version="1.0" encoding="UTF-8"?>'


def test_declared_latin1_document_is_accepted() -> None:
    doc = loaded(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<a>caf\xe9</a>')
    assert doc.root.text == "café"
    assert doc.source_line(2) == "<a>café</a>"


def test_schema_location_hints_are_not_fetched(http_server: LoopbackServer) -> None:
    data = f"""<?xml version="1.0"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 {http_server.url("inv.xsd")}"
         xsi:noNamespaceSchemaLocation="{http_server.url("plain.xsd")}">
  <ID>1</ID>
</Invoice>""".encode()
    doc = loaded(data)
    assert doc.root.tag.endswith("Invoice")
    assert http_server.requests == []


def test_xinclude_is_not_processed(http_server: LoopbackServer) -> None:
    data = f"""<r xmlns:xi="http://www.w3.org/2001/XInclude">
  <xi:include href="{http_server.url("inc.xml")}" parse="text"/>
</r>""".encode()
    doc = loaded(data)
    assert SECRET_MARKER.encode() not in etree.tostring(doc.tree)
    assert http_server.requests == []


def test_trusted_tree_and_element_are_accepted() -> None:
    root = etree.fromstring(UBL_INVOICE, parser())
    doc = loaded(root.getroottree())
    assert doc.tree is not None and doc.root is root
    assert doc.path == "<tree>"
    assert doc.data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert etree.fromstring(doc.data, parser()).tag == root.tag
    sub = loaded(root[5])
    assert sub.root is root[5]
    assert sub.data.endswith(b"</cbc:Note>")
    assert loaded(root, path="x.xml").path == "x.xml"


def test_parser_is_hardened_and_cached_per_thread() -> None:
    first = parser()
    assert parser() is first
    other: list[etree.XMLParser] = []
    worker = threading.Thread(target=lambda: other.append(parser()))
    worker.start()
    worker.join(5)
    assert other and other[0] is not first
    # Even used directly, it never expands entities.
    tree = etree.fromstring(b'<!DOCTYPE a [<!ENTITY x "EXPANDED">]><a>&x;</a>', first)
    assert b"EXPANDED" not in etree.tostring(tree)


def test_parser_used_directly_never_opens_external_resources(
    fifo_probe: FifoProbe, http_server: LoopbackServer
) -> None:
    """Defence in depth: even without load()'s DOCTYPE pre-scan, nothing external is read or fetched."""
    documents = [
        f'<!DOCTYPE a SYSTEM "{fifo_probe.path}"><a>&leak;</a>',
        f'<!DOCTYPE a [<!ENTITY % p SYSTEM "{fifo_probe.path.as_uri()}"> %p;]><a>&leak;</a>',
        f'<!DOCTYPE a [<!ENTITY leak SYSTEM "{fifo_probe.path.as_uri()}">]><a>&leak;</a>',
        f'<!DOCTYPE a SYSTEM "{http_server.url("x.dtd")}"><a>&leak;</a>',
        f'<!DOCTYPE a [<!ENTITY % p SYSTEM "{http_server.url("p.dtd")}"> %p;]><a>&leak;</a>',
    ]
    for text in documents:

        def parse(data: bytes = text.encode()) -> Any:
            return etree.fromstring(data, parser())

        try:
            root = bounded(parse)
        except etree.XMLSyntaxError:
            continue
        assert SECRET_MARKER.encode() not in etree.tostring(root)
    assert not fifo_probe.was_opened()
    assert http_server.requests == []


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Limits(max_depth=0)
    with pytest.raises(ValueError):
        Limits(max_bytes=-1)


def test_documents_at_the_limits_are_accepted() -> None:
    assert loaded(b"<a>" * 256 + b"</a>" * 256).root.tag == "a"
    small = Limits(max_depth=5, max_elements=10, max_text=10, max_namespaces=2, max_bytes=200)
    data = b'<a xmlns="u1" xmlns:p="u2" t="0123456789"><b><c><d><e>0123456789</e></d></c></b><f/></a>'
    assert loaded(data, limits=small).root.tag == "{u1}a"


# ------------------------------------------------------------------------------------------
# not XML / empty


def test_empty_input() -> None:
    refused(b"", "empty")


def test_empty_file(tmp_path: Path) -> None:
    file = tmp_path / "empty.xml"
    file.write_bytes(b"")
    refused(file, "empty")


def test_whitespace_only() -> None:
    refused(b"  \n\t\r\n   ", "empty")


def test_bom_only_and_utf16_whitespace_only() -> None:
    refused(b"\xef\xbb\xbf", "empty")
    refused("\ufeff   \n".encode("utf-16-le"), "empty")


def test_plain_text_is_not_xml() -> None:
    error = refused(b"Invoice 2026-001\nTotal: 100 EUR\n", "not-xml")
    assert (error.line, error.column) == (1, 1)


def test_leading_whitespace_then_text_reports_position() -> None:
    error = refused(b"\n\n   hello", "not-xml")
    assert (error.line, error.column) == (3, 4)


def test_json_is_not_xml() -> None:
    error = refused(b'{"invoice": {"id": 1}}', "not-xml")
    assert "JSON" in error.message


def test_binary_garbage_is_not_xml() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    error = refused(png, "not-xml")
    assert "binary" in error.message


def test_zip_archive_is_not_xml() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("invoice.xml", UBL_INVOICE)
    error = refused(buffer.getvalue(), "not-xml")
    assert "ZIP" in error.message


def test_malformed_xml_has_line_and_column() -> None:
    error = refused(b"<a>\n  <b>\n</a>", "not-xml")
    assert error.line == 3 and error.column is not None
    assert "line 3" in error.message


def test_undefined_entity_is_not_xml() -> None:
    error = refused(b"<a>&nbsp;</a>", "not-xml")
    assert "entity" in error.message.lower()


def test_pdf_is_reported_as_pdf() -> None:
    error = refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "pdf-unreadable")
    assert error.message.startswith("The PDF cannot be read")


def test_missing_file() -> None:
    refused("/nonexistent/dir/invoice.xml", "not-found")


def test_xml_text_passed_as_str_gets_a_hint() -> None:
    error = refused("<Invoice/>", "not-found")
    assert "bytes" in error.message


def test_directory_is_unreadable(tmp_path: Path) -> None:
    refused(tmp_path, "unreadable")


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        load(12345)


# ------------------------------------------------------------------------------------------
# encodings


def test_invalid_utf8_without_declaration() -> None:
    error = refused(b"<a>\n  caf\xe9</a>", "encoding")
    assert (error.line, error.column) == (2, 6)
    assert "UTF-8" in error.message and "0xE9" in error.message


def test_declared_utf8_but_latin1_bytes() -> None:
    error = refused(b'<?xml version="1.0" encoding="UTF-8"?>\n<a>caf\xe9</a>', "encoding")
    assert error.line == 2


def test_truncated_utf8_sequence() -> None:
    refused(b"<a>\xe2\x82</a>", "encoding")


def test_unknown_declared_encoding() -> None:
    error = refused(b'<?xml version="1.0" encoding="klingon-8"?>\n<a/>', "encoding")
    assert "klingon-8" in error.message


def test_encoding_python_knows_but_the_parser_does_not() -> None:
    refused(b'<?xml version="1.0" encoding="latin-1"?>\n<a/>', "encoding")


def test_declared_utf16_but_single_byte_content() -> None:
    refused(b'<?xml version="1.0" encoding="UTF-16"?>\n<a/>', "encoding")


def test_declared_ebcdic_but_ascii_content() -> None:
    refused(b'<?xml version="1.0" encoding="cp500"?>\n<a/>', "encoding")


def test_utf8_bom_with_other_declared_encoding() -> None:
    refused(b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?>\n<a/>', "encoding")


def test_utf16_bom_with_utf8_declaration() -> None:
    refused('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<a/>'.encode("utf-16-le"), "encoding")


def test_utf16_bom_with_wrong_byte_order_declaration() -> None:
    refused('\ufeff<?xml version="1.0" encoding="UTF-16LE"?>\n<a/>'.encode("utf-16-be"), "encoding")


def test_invalid_utf16_surrogate() -> None:
    data = (
        '\ufeff<?xml version="1.0" encoding="UTF-16"?>\n<a>'.encode("utf-16-le")
        + b"\x00\xd8"
        + "</a>".encode("utf-16-le")
    )
    refused(data, "encoding")


@pytest.mark.parametrize("name", ["UTF-7", "rot13", "unicode_escape", "idna"])
def test_treacherous_codecs_are_refused(name: str) -> None:
    refused(f'<?xml version="1.0" encoding="{name}"?>\n<a>+ADw-b/+AD4-</a>'.encode(), "encoding")


def test_invalid_encoding_name() -> None:
    refused('<?xml version="1.0" encoding="ütf-8"?><a/>'.encode(), "encoding")


# ------------------------------------------------------------------------------------------
# DTDs, entities, external resources


def test_billion_laughs() -> None:
    error = refused(billion_laughs(), "dtd-forbidden")
    assert error.message == ("The document declares a DTD (<!DOCTYPE ...>); DTDs and entities are refused for safety.")
    assert error.line == 2


def test_billion_laughs_utf16() -> None:
    refused(billion_laughs().decode().replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16"), "dtd-forbidden")


def test_billion_laughs_behind_a_long_prolog() -> None:
    prolog = b"<!-- padding -->\n" * 50_000 + b"<?pi x?>\n" * 1000
    data = billion_laughs().replace(b"<!DOCTYPE", prolog + b"<!DOCTYPE", 1)
    refused(data, "dtd-forbidden")


def test_quadratic_blowup() -> None:
    refused(quadratic_blowup(), "dtd-forbidden")


def test_bombs_stay_within_a_memory_cap(tmp_path: Path) -> None:
    """In a child process limited to 1 GiB of address space, the bombs are refused, not expanded."""
    pytest.importorskip("resource")
    bombs = [billion_laughs(), quadratic_blowup(), b"<a>" * 200_000 + b"</a>" * 200_000]
    files = []
    for number, data in enumerate(bombs):
        files.append(tmp_path / f"bomb{number}.xml")
        files[-1].write_bytes(data)
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from peppol_validate.errors import LoadError
        from peppol_validate.loading import load
        for name in sys.argv[1:]:
            try:
                load(name)
            except LoadError as exc:
                print(exc.code)
        """
    )
    completed = bounded(
        lambda: subprocess.run(
            [sys.executable, "-c", script, *map(str, files)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ),
        timeout=90,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["dtd-forbidden", "dtd-forbidden", "too-deep"]


def test_external_entity_to_local_file(secret_file: Path) -> None:
    data = f"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY leak SYSTEM "{secret_file.as_uri()}">]>
<Invoice><Note>&leak;</Note></Invoice>""".encode()
    assert_no_secret(refused(data, "dtd-forbidden"))


def test_external_entity_to_etc_passwd() -> None:
    data = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<Invoice><Note>&leak;</Note></Invoice>"""
    error = refused(data, "dtd-forbidden")
    assert "root:" not in error.message


def test_external_entity_to_local_file_is_never_opened(fifo_probe: FifoProbe) -> None:
    data = f"""<!DOCTYPE a [<!ENTITY leak SYSTEM "{fifo_probe.path.as_uri()}">]><a>&leak;</a>""".encode()
    assert_no_secret(refused(data, "dtd-forbidden"))
    assert not fifo_probe.was_opened()


def test_external_dtd_on_local_file_is_never_opened(fifo_probe: FifoProbe) -> None:
    data = f"""<!DOCTYPE a SYSTEM "{fifo_probe.path}"><a>&leak;</a>""".encode()
    assert_no_secret(refused(data, "dtd-forbidden"))
    assert not fifo_probe.was_opened()


def test_parameter_entity_to_local_file(secret_file: Path, tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY % file SYSTEM "{secret_file.as_uri()}">\n<!ENTITY leak "%file;">\n', encoding="utf-8")
    data = f"""<!DOCTYPE a [<!ENTITY % ext SYSTEM "{dtd.as_uri()}"> %ext;]><a>&leak;</a>""".encode()
    assert_no_secret(refused(data, "dtd-forbidden"))


def test_external_entity_over_http(http_server: LoopbackServer) -> None:
    data = f"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY leak SYSTEM "{http_server.url("entity.txt")}">]>
<Invoice>&leak;</Invoice>""".encode()
    assert_no_secret(refused(data, "dtd-forbidden"))
    assert http_server.requests == []


def test_remote_dtd_over_http(http_server: LoopbackServer) -> None:
    data = f'<!DOCTYPE x SYSTEM "{http_server.url("x.dtd")}">\n<x>&leak;</x>'.encode()
    assert_no_secret(refused(data, "dtd-forbidden"))
    assert http_server.requests == []


def test_remote_dtd_with_public_id_over_http(http_server: LoopbackServer) -> None:
    data = f'<!DOCTYPE x PUBLIC "-//EVIL//DTD//EN" "{http_server.url("x.dtd")}"><x/>'.encode()
    refused(data, "dtd-forbidden")
    assert http_server.requests == []


def test_parameter_entity_over_http(http_server: LoopbackServer) -> None:
    data = f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{http_server.url("p.dtd")}"> %p;]><x>&leak;</x>'.encode()
    refused(data, "dtd-forbidden")
    assert http_server.requests == []


def test_harmless_internal_doctype_is_refused_too() -> None:
    refused(b'<?xml version="1.0"?>\n<!DOCTYPE Invoice>\n<Invoice/>', "dtd-forbidden")


def test_html_doctype_is_refused() -> None:
    refused(b"<!doctype html><html><body>invoice</body></html>", "dtd-forbidden")


def test_trusted_tree_with_dtd_is_refused() -> None:
    lax = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    tree = etree.fromstring(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', lax).getroottree()
    refused(tree, "dtd-forbidden")
    refused(tree.getroot(), "dtd-forbidden")


def test_trusted_tree_with_entity_node_is_refused() -> None:
    root = etree.Element("a")
    root.append(etree.Entity("x"))
    refused(root, "dtd-forbidden")


# ------------------------------------------------------------------------------------------
# size, depth, text, namespaces


def test_deep_nesting_200k() -> None:
    error = refused(b"<a>" * 200_000 + b"</a>" * 200_000, "too-deep")
    assert "256" in error.message


def test_deep_nesting_unclosed() -> None:
    refused(b"<a>" * 200_000, "too-deep")


def test_depth_beyond_a_small_limit() -> None:
    error = refused(b"<a>" * 11 + b"</a>" * 11, "too-deep", limits=Limits(max_depth=10))
    assert "10 levels" in error.message


def test_deep_trusted_tree_is_refused_without_recursion() -> None:
    root = etree.Element("a")
    current = root
    for _ in range(5_000):
        current = etree.SubElement(current, "a")
    refused(root, "too-deep")
    refused(root, "too-deep", limits=Limits(max_depth=4_000))


def test_text_node_of_30_mb() -> None:
    error = refused(b"<Invoice><Note>" + b"x" * (30 * 1024 * 1024) + b"</Note></Invoice>", "text-too-large")
    assert error.line == 1


def test_attribute_value_of_30_mb() -> None:
    refused(b'<Invoice note="' + b"x" * (30 * 1024 * 1024) + b'"/>', "text-too-large")


def test_text_node_between_our_limit_and_the_parser_cap() -> None:
    refused(b"<a>" + b"x" * (9 * 1024 * 1024) + b"</a>", "text-too-large")


def test_text_beyond_a_small_limit() -> None:
    limits = Limits(max_text=100)
    refused(b"<a>" + b"x" * 101 + b"</a>", "text-too-large", limits=limits)
    refused(b"<a b='" + b"x" * 101 + b"'/>", "text-too-large", limits=limits)
    refused(b"<a><!--" + b"x" * 101 + b"--></a>", "text-too-large", limits=limits)


def test_huge_cdata_section() -> None:
    refused(b"<a><![CDATA[" + b"x" * 12_000_000 + b"]]></a>", "text-too-large")


def test_namespace_flood_on_one_element() -> None:
    decls = b" ".join(b'xmlns:p%d="urn:flood:%d"' % (i, i) for i in range(5_000))
    refused(b"<Invoice " + decls + b"/>", "too-many-namespaces")


def test_namespace_flood_of_default_namespaces() -> None:
    body = b"".join(b'<x xmlns="urn:flood:%d"/>' % i for i in range(5_000))
    refused(b"<Invoice>" + body + b"</Invoice>", "too-many-namespaces")


def test_repeated_identical_namespace_declarations_are_fine() -> None:
    body = b'<x xmlns="urn:same"/>' * 5_000
    assert len(loaded(b"<Invoice>" + body + b"</Invoice>").root) == 5_000


def test_element_flood() -> None:
    refused(b"<r>" + b"<a/>" * 5_000 + b"</r>", "too-many-elements", limits=Limits(max_elements=1_000))


def test_element_flood_at_default_limit() -> None:
    refused(b"<r>" + b"<a/>" * 2_500_000 + b"</r>", "too-many-elements")


def test_bytes_exceeding_max_bytes() -> None:
    error = refused(UBL_INVOICE, "too-large", limits=Limits(max_bytes=100))
    assert "100" in error.message


def test_file_exceeding_max_bytes(tmp_path: Path) -> None:
    file = tmp_path / "big.xml"
    file.write_bytes(UBL_INVOICE)
    refused(file, "too-large", limits=Limits(max_bytes=100))


def test_huge_sparse_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    file = tmp_path / "sparse.xml"
    with open(file, "wb") as handle:
        handle.write(b"<a>")
        handle.truncate(64 * 1024 * 1024 * 1024)  # 64 GiB, sparse: reading it would take ages
    refused(file, "too-large")


# ------------------------------------------------------------------------------------------
# fuzzing: only LoadError may escape


def _exercise(data: bytes) -> None:
    try:
        doc = load(data, limits=Limits(max_depth=64, max_elements=10_000, max_namespaces=50))
    except LoadError as exc:
        assert exc.code in KNOWN_CODES, exc.code
        assert isinstance(exc.message, str) and exc.message
        return
    assert isinstance(doc.root, etree._Element)
    for element in doc.root.iter():
        column = doc.column_of(element)
        assert column is None or column >= 1
        if isinstance(element.sourceline, int):
            doc.source_line(element.sourceline)


FUZZ_SEED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Invoice xmlns="urn:i" xmlns:cbc="urn:c"><cbc:ID a="1">X&amp;Y</cbc:ID>'
    b"<!-- c --><?pi d?><cbc:Note><![CDATA[z]]></cbc:Note></Invoice>\n"
)

PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00\x00\xfe\xff",
    b"<",
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b'<?xml version="1.0" encoding="ISO-8859-1"?>',
    b'<?xml version="1.0" encoding="bogus"?>',
    b"<!DOCTYPE a [",
    b"%PDF-",
    b"PK\x03\x04",
    b"<a>",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    _exercise(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PREFIXES), st.binary(max_size=256))
def test_fuzz_prefixed_bytes(prefix: bytes, data: bytes) -> None:
    _exercise(prefix + data)


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    data = bytearray(FUZZ_SEED)
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "duplicate"]))
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[position:position] = draw(
                st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from([b"<", b">", b"&", b"<!DOCTYPE"]))
            )
        elif action == "delete" and data:
            del data[position : position + draw(st.integers(min_value=1, max_value=8))]
        elif action == "duplicate" and data:
            end = draw(st.integers(min_value=position, max_value=len(data)))
            data[end:end] = data[position:end]
    encoding = draw(st.sampled_from(["utf-8", "utf-16-le", "latin-1", None]))
    if encoding in ("utf-16-le", "latin-1"):
        text = bytes(data).decode("utf-8", errors="replace")
        return ("\ufeff" + text if encoding == "utf-16-le" else text).encode(encoding, errors="replace")
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_fuzz_mutated_valid_document(data: bytes) -> None:
    _exercise(data)


def test_fuzz_seed_is_valid() -> None:
    doc = loaded(FUZZ_SEED)
    assert doc.root.tag == "{urn:i}Invoice"
