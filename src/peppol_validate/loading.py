"""Hardened loading of e-invoice XML (UBL, CII, FatturaPA): safe parsing within explicit resource limits.

Everything that reaches the validators goes through :func:`load`. It refuses, with a
:class:`~peppol_validate.errors.LoadError` carrying a stable ``code``, anything that is not a
plain, well-formed, reasonably sized XML document:

=======================  ================================================================
code                     meaning
=======================  ================================================================
``empty``                no bytes, or only whitespace
``not-xml``              not XML at all (text, JSON, ZIP, binary) or not well-formed
``encoding``             undecodable bytes, unknown encoding, a declaration that lies
``dtd-forbidden``        any ``<!DOCTYPE``, hence any DTD or entity declaration
``too-large``            more bytes than ``Limits.max_bytes``
``too-deep``             elements nested deeper than ``Limits.max_depth``
``text-too-large``       a text node, attribute value or comment longer than ``Limits.max_text``
``too-many-elements``    more elements than ``Limits.max_elements``
``too-many-namespaces``  more distinct namespace declarations than ``Limits.max_namespaces``
``pdf-no-xml``           a PDF without an embedded invoice XML (Factur-X/ZUGFeRD/XRechnung/Order-X)
``pdf-unreadable``       a PDF that cannot be read
``not-found``            a file path that does not exist
``unreadable``           a file path that cannot be read (directory, permissions, I/O error)
=======================  ================================================================

The DOCTYPE check happens on the decoded prolog *before* libxml2 sees the document, so entity
bombs are never expanded and external entities / DTDs are never read or fetched; the parser
itself does not resolve entities, load DTDs or use the network, answers any external lookup
with nothing, and the parsed tree is checked again afterwards. libxml2's own caps (depth 256,
10,000,000 characters per text node) stay on, so limits above those are capped by the parser.

An lxml tree passed to :func:`load` is trusted as parsed, but still checked (DTD, entities,
depth, elements, text, namespaces); its ``data`` is a UTF-8 re-serialisation, so line and
column lookups refer to that text and may not match the tree's original source positions.

This module never prints, never reads the environment and never touches the network.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final, Literal

from lxml import etree

from peppol_validate.errors import LoadError

__all__ = ["DEFAULT_LIMITS", "Limits", "LoadedDocument", "load", "parser"]

# libxml2's own caps when huge_tree is off (XML_PARSE_HUGE not set).
_LIBXML2_MAX_DEPTH: Final = 256
_LIBXML2_MAX_TEXT: Final = 10_000_000

_FEED_CHUNK: Final = 1 << 20
_XML_WHITESPACE: Final = " \t\r\n"
_XML_WHITESPACE_BYTES: Final = b" \t\r\n"

_XML_DECL_START = re.compile(r"<\?xml[ \t\r\n]")
_ENCODING_ATTR = re.compile(r"""[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*(["'])(.*?)\1""", re.DOTALL)
_ENC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]*\Z")
# Whitespace, processing instructions and comments: everything allowed before a DOCTYPE.
_PROLOG_MISC = re.compile(r"(?:[ \t\r\n]++|<\?.*?\?>|<!--.*?-->)*+", re.DOTALL)
_POSITION_SUFFIX = re.compile(r",? line \d+, column \d+\s*\Z")
_UNSUPPORTED_ENCODING = re.compile(r"unsupported encoding:? *(\S+)", re.IGNORECASE)
_HUGE_HINT = re.compile(r",? *(?:use|try) XML_PARSE_HUGE(?: option)?", re.IGNORECASE)
_LINE_NOISE = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)

# Encoding names libxml2 understands but Python spells differently.
_CODEC_ALIASES: Final = {
    "ucs-2": "utf-16",
    "ucs2": "utf-16",
    "iso-10646-ucs-2": "utf-16",
    "ucs-4": "utf-32",
    "ucs4": "utf-32",
    "iso-10646-ucs-4": "utf-32",
}
# Python text codecs that must never decide how an invoice is read (they can hide markup,
# or they are not real character encodings).
_REFUSED_CODECS: Final = frozenset(
    {"utf-7", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem"}
)

_Family = Literal["8bit", "utf-16", "utf-32"]


@dataclass(frozen=True)
class Limits:
    """Resource limits applied while loading one document."""

    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 256
    max_text: int = 8 * 1024 * 1024
    max_elements: int = 2_000_000
    max_namespaces: int = 1000

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_depth", "max_text", "max_elements", "max_namespaces"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, not {value!r}.")


DEFAULT_LIMITS: Final = Limits()


@dataclass(frozen=True)
class LoadedDocument:
    """A parsed document together with the exact bytes it was parsed from."""

    path: str | None
    data: bytes = field(repr=False)
    tree: etree._ElementTree = field(repr=False)
    encoding: str = "utf-8"

    @property
    def root(self) -> etree._Element:
        """The document (root) element."""
        return self.tree.getroot()

    @cached_property
    def _lines(self) -> list[str]:
        text = self.data.decode(self.encoding, errors="replace")
        if text.startswith("\ufeff"):
            text = text[1:]
        # libxml2 counts lines at "\n" only (a lone "\r" does not start a line).
        return text.split("\n")

    @cached_property
    def _column_cache(self) -> dict[tuple[int, str], _LineIndex | None]:
        return {}

    def source_line(self, line: int) -> str | None:
        """Return the text of line ``line`` (1-based) of :attr:`data`, or None if there is no such line."""
        if not isinstance(line, int) or line < 1 or line > len(self._lines):
            return None
        return self._lines[line - 1].rstrip("\r")

    def column_of(self, element: etree._Element) -> int | None:
        """Return the 1-based column of ``element``'s start tag on its source line, or None if unknown."""
        if not isinstance(element, etree._Element):
            return None
        line_no = _sourceline(element)
        qname = _source_qname(element)
        if not isinstance(line_no, int) or qname is None:
            return None
        key = (line_no, qname)
        if key in self._column_cache:
            index = self._column_cache[key]
        else:
            index = self._column_cache[key] = self._index_line(line_no, qname, element)
        if index is None:
            return None
        position = index.index_of.get(id(element))
        if position is None or index.columns[position] < 1:
            return None
        return index.columns[position]

    def _index_line(self, line_no: int, qname: str, element: etree._Element) -> _LineIndex | None:
        text = self.source_line(line_no)
        if text is None:
            return None
        # All elements whose start tag ends on this line are contiguous in document order.
        first = element
        while True:
            previous = _previous_element(first)
            if previous is None or _sourceline(previous) != line_no:
                break
            first = previous
        same_name: list[etree._Element] = []
        current: etree._Element | None = first
        while current is not None and _sourceline(current) == line_no:
            if _source_qname(current) == qname:
                same_name.append(current)
            current = _next_element(current)
        if not any(candidate is element for candidate in same_name):
            return None  # not an element of this document's source
        # Blank out complete comments, CDATA sections and PIs so that markup-like text in them is ignored.
        masked = _LINE_NOISE.sub(lambda m: " " * len(m.group()), text)
        pattern = re.compile("<" + re.escape(qname) + r"(?=[ \t\r/>]|\Z)")
        positions = [m.start() + 1 for m in pattern.finditer(masked)]
        if len(positions) == len(same_name):
            columns = positions
        elif len(positions) == len(same_name) - 1:
            # Only the first start tag ending on a line can have started on an earlier line.
            columns = [-1, *positions]
        else:
            return None
        return _LineIndex(
            index_of={id(candidate): i for i, candidate in enumerate(same_name)},
            elements=same_name,
            columns=columns,
        )


@dataclass(frozen=True)
class _LineIndex:
    """Columns of the same-named start tags on one source line, in document order."""

    index_of: dict[int, int]  # id(element) -> position; valid because ``elements`` keeps them alive
    elements: list[etree._Element]
    columns: list[int]  # 1-based; -1 when the start tag began on an earlier line


#: The options of every parser this module creates: no entity resolution, no network, no DTD, libxml2's caps on.
_HARDENED: Final[dict[str, bool]] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_blank_text": False,
    "remove_comments": False,
    "collect_ids": False,
}


def parser() -> etree.XMLParser:
    """Return this thread's hardened XML parser (no DTDs, no entity resolution, no network)."""
    cached: etree.XMLParser | None = getattr(_local, "parser", None)
    if cached is None:
        cached = etree.XMLParser(**_HARDENED)
        cached.resolvers.add(_NoExternalResolver())
        _local.parser = cached
    return cached


def _refuse_external(self: Any, system_url: str | None, public_id: str | None, context: Any) -> Any:
    """Answer every external DTD / entity lookup with empty content: nothing is ever opened or fetched."""
    return self.resolve_string("", context)


# Defence in depth: even with load_dtd=False, libxml2 opens a DOCTYPE's external subset and external
# parameter entities. The DOCTYPE pre-scan means it never gets that far; this resolver makes sure that
# a parser() used directly does not either. (Built with type() so it type-checks with or without stubs.)
_NoExternalResolver: Final = type("_NoExternalResolver", (etree.Resolver,), {"resolve": _refuse_external})


_local = threading.local()


def load(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview | etree._ElementTree | etree._Element,
    *,
    limits: Limits = DEFAULT_LIMITS,
    path: str | None = None,
) -> LoadedDocument:
    """Load a document (file path, bytes, or already-parsed lxml tree) safely, or raise LoadError."""
    if isinstance(source, etree._ElementTree):
        root = source.getroot()
        if root is None:
            raise LoadError("The document tree is empty: it has no root element.", code="empty")
        return _load_tree(source, root, limits, path if path is not None else _tree_path(source))
    if isinstance(source, etree._Element):
        if not isinstance(source.tag, str):
            raise LoadError("The node given is a comment or processing instruction, not an element.", code="not-xml")
        tree = source.getroottree()
        if tree.getroot() is not source:
            tree = etree.ElementTree(source)
        return _load_tree(tree, source, limits, path if path is not None else _tree_path(tree))
    if isinstance(source, bytes | bytearray | memoryview):
        return _load_bytes(bytes(source), limits, path if path is not None else "<bytes>")
    if isinstance(source, str | os.PathLike):
        file_name = os.fsdecode(os.fspath(source))
        data = _read_file(file_name, limits)
        return _load_bytes(data, limits, path if path is not None else file_name)
    raise TypeError(f"load() expects a file path, bytes or an lxml tree, not {type(source).__name__}")


# --------------------------------------------------------------------------------------------
# Input acquisition


def _read_file(file_name: str, limits: Limits) -> bytes:
    try:
        with open(file_name, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limits.max_bytes:
                raise _too_large(info.st_size, limits)
            # Never read more than one byte past the limit, whatever the file claims to be.
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        hint = "; to load XML text, pass it as bytes" if file_name.lstrip().startswith("<") else ""
        raise LoadError(f"The file {file_name!r} does not exist{hint}.", code="not-found") from None
    except IsADirectoryError:
        raise LoadError(f"{file_name!r} is a directory, not a file.", code="unreadable") from None
    except PermissionError:
        raise LoadError(f"The file {file_name!r} cannot be read: permission denied.", code="unreadable") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise LoadError(f"The file {_short(file_name)!r} cannot be read: {reason}.", code="unreadable") from None
    if len(data) > limits.max_bytes:
        raise _too_large(None, limits)
    return data


def _tree_path(tree: etree._ElementTree) -> str:
    url = tree.docinfo.URL
    return url if isinstance(url, str) and url else "<tree>"


def _load_bytes(data: bytes, limits: Limits, display: str) -> LoadedDocument:
    if len(data) > limits.max_bytes:
        raise _too_large(len(data), limits)
    if _is_pdf(data):
        data = _load_pdf(data, limits.max_bytes)
        if len(data) > limits.max_bytes:
            raise _too_large(len(data), limits)
    return _load_xml_bytes(data, limits, display)


def _is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip(_XML_WHITESPACE_BYTES).startswith(b"%PDF-")


def _load_pdf(data: bytes, max_bytes: int = DEFAULT_LIMITS.max_bytes) -> bytes:
    """Return the invoice XML embedded in a PDF (Factur-X / ZUGFeRD / XRechnung hybrid).

    The attachment is looked for in the catalogue's associated files (``/AF``, PDF/A-3) and in the
    ``/EmbeddedFiles`` name tree, preferring ``factur-x.xml``, then ``zugferd-invoice.xml``, ``xrechnung.xml``
    and ``order-x.xml`` (case-insensitive), else the first ``.xml`` attachment. The work is bounded: at most
    ``_PDF_MAX_OBJECTS`` objects of the attachment trees are examined, and the attachment is decompressed by
    the project itself, never to more than ``max_bytes`` (a decompression bomb stops there). The bytes returned
    go through the hardened XML loader like any other document. Raises LoadError ``pdf-no-xml`` for a PDF
    without embedded XML, ``pdf-unreadable`` for a PDF that cannot be read, ``too-large`` past ``max_bytes``.
    """
    if len(data) > max_bytes:
        raise LoadError(
            f"The PDF is larger ({len(data):,} bytes) than the allowed {max_bytes:,} bytes.", code="too-large"
        )
    try:
        candidates = _pdf_attachments(data)
        chosen = _pdf_pick(candidates)
        if chosen is None:
            raise LoadError(
                "The PDF carries no embedded XML invoice (no factur-x.xml, zugferd-invoice.xml, xrechnung.xml, "
                "order-x.xml or other .xml attachment): it is a plain PDF, not a Factur-X/ZUGFeRD hybrid. "
                "Validate the XML invoice itself, or a PDF/A-3 that embeds it.",
                code="pdf-no-xml",
            )
        name, stream = chosen
        return _pdf_decode(stream, name, max_bytes)
    except LoadError:
        raise
    except RecursionError:
        raise LoadError("The PDF cannot be read: its objects are nested too deeply.", code="pdf-unreadable") from None
    except MemoryError:
        raise LoadError("The PDF cannot be read: it needs too much memory.", code="pdf-unreadable") from None
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files; none may escape as a traceback
        raise LoadError(f"The PDF cannot be read: {_pdf_reason(exc)}.", code="pdf-unreadable") from None


#: Attachment names of hybrid invoices, in order of preference.
_PDF_XML_NAMES: Final = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
#: At most this many objects of the attachment trees (/AF entries, name-tree nodes, file specifications).
_PDF_MAX_OBJECTS: Final = 10_000
#: At most this deep a /Kids chain of the /EmbeddedFiles name tree.
_PDF_MAX_DEPTH: Final = 32
_PDF_FLATE: Final = frozenset({"/FlateDecode", "/Fl"})
_PDF_HEX: Final = frozenset({"/ASCIIHexDecode", "/AHx"})
_PDF_A85: Final = frozenset({"/ASCII85Decode", "/A85"})
_pdf_logging_muted = False


def _pdf_mute_logging() -> None:
    """Keep pypdf's warnings about damaged files off stderr (records still reach handlers the application set)."""
    global _pdf_logging_muted
    if not _pdf_logging_muted:
        import logging

        logging.getLogger("pypdf").addHandler(logging.NullHandler())
        _pdf_logging_muted = True


def _pdf_direct(obj: Any) -> Any:
    """An object itself rather than a reference to it (pypdf's ``dict.get`` returns references as they are)."""
    from pypdf.generic import IndirectObject

    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _pdf_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = _short(text, 160).rstrip(" .")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _pdf_attachments(data: bytes) -> list[tuple[list[str], Any]]:
    """The embedded files of a PDF: (their names, their stream), /AF entries first, then the name tree."""
    import io

    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    _pdf_mute_logging()
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise LoadError("The PDF cannot be read: it is encrypted with a password.", code="pdf-unreadable")
    catalog = reader.trailer.get("/Root")
    catalog = catalog.get_object() if catalog is not None else None
    if not isinstance(catalog, DictionaryObject):
        raise LoadError("The PDF cannot be read: it has no document catalogue.", code="pdf-unreadable")
    budget = [_PDF_MAX_OBJECTS]
    seen: set[tuple[int, int]] = set()

    def resolve(obj: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise LoadError(
                f"The PDF cannot be read: its attachment trees hold more than {_PDF_MAX_OBJECTS:,} objects.",
                code="pdf-unreadable",
            )
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                return None  # a cycle, or an object already examined
            seen.add(key)
            return obj.get_object()
        return obj

    found: list[tuple[list[str], Any]] = []

    def add(spec: Any, key: str | None) -> None:
        spec = resolve(spec)
        if not isinstance(spec, DictionaryObject):
            return
        ef = resolve(spec.get("/EF"))
        if not isinstance(ef, DictionaryObject):
            return
        stream = None
        for entry in ("/UF", "/F"):
            if entry in ef:
                stream = resolve(ef[entry])
                if stream is not None:
                    break
        if stream is None or not hasattr(stream, "get_data"):
            return
        names = [str(_pdf_direct(n)) for n in (spec.get("/UF"), spec.get("/F"), key) if n is not None]
        found.append((names, stream))

    associated = resolve(catalog.get("/AF"))
    if isinstance(associated, ArrayObject):
        for spec in associated:
            add(spec, None)
    names = resolve(catalog.get("/Names"))
    tree = resolve(names.get("/EmbeddedFiles")) if isinstance(names, DictionaryObject) else None
    stack: list[tuple[Any, int]] = [(tree, 0)] if isinstance(tree, DictionaryObject) else []
    while stack:
        node, depth = stack.pop()
        pairs = resolve(node.get("/Names"))
        if isinstance(pairs, ArrayObject):
            for i in range(0, len(pairs) - 1, 2):
                add(pairs[i + 1], str(resolve(pairs[i])))
        kids = resolve(node.get("/Kids"))
        if isinstance(kids, ArrayObject) and depth < _PDF_MAX_DEPTH:
            children = [resolve(kid) for kid in kids]
            stack.extend((kid, depth + 1) for kid in reversed(children) if isinstance(kid, DictionaryObject))
    return found


def _pdf_pick(candidates: list[tuple[list[str], Any]]) -> tuple[str, Any] | None:
    """The attachment to validate: the preferred hybrid-invoice names first, else the first .xml file."""

    def base(name: str) -> str:
        return name.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()

    for wanted in _PDF_XML_NAMES:
        for names, stream in candidates:
            if any(base(n) == wanted for n in names):
                return wanted, stream
    for names, stream in candidates:
        for n in names:
            if base(n).endswith(".xml"):
                return base(n), stream
    return None


def _pdf_decode(stream: Any, name: str, max_bytes: int) -> bytes:
    """The bytes of an embedded file, decompressed here and never past ``max_bytes``."""
    from pypdf.generic import ArrayObject

    filters = _pdf_direct(stream.get("/Filter"))
    if isinstance(filters, ArrayObject):
        chain = [str(_pdf_direct(f)) for f in filters]
    else:
        chain = [str(filters)] if filters else []
    if not chain:
        raw: bytes = stream.get_data()
        return _pdf_capped(raw, name, max_bytes)
    params = _pdf_direct(stream.get("/DecodeParms"))
    if params is not None and any(
        int(_pdf_direct(p.get("/Predictor", 1))) > 1
        for p in (map(_pdf_direct, params) if isinstance(params, ArrayObject) else [params])
        if isinstance(p, dict)
    ):
        raise LoadError(
            f"The PDF cannot be read: {name} is stored with a PNG/TIFF predictor, which is not supported here.",
            code="pdf-unreadable",
        )
    out: bytes = stream._data  # the encoded bytes, as stored in the file
    for f in chain:
        if f in _PDF_FLATE:
            out = _pdf_inflate(out, name, max_bytes)
        elif f in _PDF_HEX:
            import binascii

            hexdigits = re.sub(rb"[\s\x00]", b"", out.split(b">", 1)[0])
            out = binascii.unhexlify(hexdigits + b"0" * (len(hexdigits) % 2))
        elif f in _PDF_A85:
            import base64

            body = re.sub(rb"[\s\x00]", b"", out).removeprefix(b"<~").split(b"~>", 1)[0]
            if body.count(b"z") * 4 > max_bytes:
                raise _pdf_too_large(name, max_bytes)
            out = base64.a85decode(body)
        else:
            raise LoadError(
                f"The PDF cannot be read: {name} is compressed with {f}, which is not supported here "
                "(Factur-X files use FlateDecode).",
                code="pdf-unreadable",
            )
        _pdf_capped(out, name, max_bytes)
    return out


def _pdf_inflate(data: bytes, name: str, max_bytes: int) -> bytes:
    """zlib-inflate at most ``max_bytes`` (a bomb is refused as soon as it passes the limit)."""
    import zlib

    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):  # zlib stream, else raw deflate (some producers)
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(data, max_bytes + 1)
        except zlib.error:
            continue
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise _pdf_too_large(name, max_bytes)
        return out
    raise LoadError(f"The PDF cannot be read: {name} is not valid Flate data.", code="pdf-unreadable")


def _pdf_capped(data: bytes, name: str, max_bytes: int) -> bytes:
    if len(data) > max_bytes:
        raise _pdf_too_large(name, max_bytes)
    return data


def _pdf_too_large(name: str, max_bytes: int) -> LoadError:
    return LoadError(
        f"The {name} embedded in the PDF is larger than the allowed {max_bytes:,} bytes.", code="too-large"
    )


# --------------------------------------------------------------------------------------------
# Encoding detection and pre-parse checks


@dataclass(frozen=True)
class _Sniffed:
    family: _Family
    codec: str  # Python codec used for decoding (BOM excluded)
    bom: int  # BOM length in bytes
    bom_codec: str | None  # codec implied by a BOM, if there is one


def _sniff(data: bytes) -> _Sniffed:
    """Detect the encoding family from the BOM or the first bytes (XML 1.0, appendix F)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _Sniffed("8bit", "utf-8", 3, "utf-8")
    if data.startswith(b"\x00\x00\xfe\xff"):
        return _Sniffed("utf-32", "utf-32-be", 4, "utf-32-be")
    if data.startswith(b"\xff\xfe\x00\x00"):
        return _Sniffed("utf-32", "utf-32-le", 4, "utf-32-le")
    if data.startswith(b"\xfe\xff"):
        return _Sniffed("utf-16", "utf-16-be", 2, "utf-16-be")
    if data.startswith(b"\xff\xfe"):
        return _Sniffed("utf-16", "utf-16-le", 2, "utf-16-le")
    if data.startswith(b"\x00\x00\x00<"):
        return _Sniffed("utf-32", "utf-32-be", 0, None)
    if data.startswith(b"<\x00\x00\x00"):
        return _Sniffed("utf-32", "utf-32-le", 0, None)
    if data.startswith(b"\x00<\x00?"):
        return _Sniffed("utf-16", "utf-16-be", 0, None)
    if data.startswith(b"<\x00?\x00"):
        return _Sniffed("utf-16", "utf-16-le", 0, None)
    return _Sniffed("8bit", "utf-8", 0, None)


def _load_xml_bytes(data: bytes, limits: Limits, display: str) -> LoadedDocument:
    if not data:
        raise LoadError("The document is empty (0 bytes).", code="empty")
    sniffed = _sniff(data)
    body = data[sniffed.bom :]
    if sniffed.family == "8bit":
        stripped = body.lstrip(_XML_WHITESPACE_BYTES)
        if not stripped:
            raise LoadError("The document is empty: it contains only whitespace.", code="empty")
        if not stripped.startswith(b"<"):
            offset = len(body) - len(stripped)
            raise LoadError(
                _describe_non_xml(stripped),
                code="not-xml",
                line=body.count(b"\n", 0, offset) + 1,
                column=offset - (body.rfind(b"\n", 0, offset) + 1) + 1,
            )
        codec, declared = _declared_codec_8bit(body, sniffed)
        text = _decode(data, sniffed.bom, codec, declared)
    else:
        text = _decode(data, sniffed.bom, sniffed.codec, None)
        stripped_text = text.lstrip(_XML_WHITESPACE)
        if not stripped_text:
            raise LoadError("The document is empty: it contains only whitespace.", code="empty")
        if not stripped_text.startswith("<"):
            line, column = _text_position(text, len(text) - len(stripped_text))
            raise LoadError(
                "The input is not XML: an XML document must start with '<'.",
                code="not-xml",
                line=line,
                column=column,
            )
        _check_wide_declaration(text, sniffed)
        codec = sniffed.codec

    _refuse_doctype_in_prolog(text)
    # Cheap upper bounds from the text: only documents that might exceed the element or namespace
    # limits pay for the event-by-event parse, which aborts as soon as a limit is crossed. Every element
    # starts with a '<' (so do end tags, comments and PIs: a looser bound, but one fast pass; subtracting
    # the "</" count would cost a slower substring search over every attachment's base64 text).
    element_bound = text.count("<")
    needs_streaming = element_bound > limits.max_elements or text.count("xmlns") > limits.max_namespaces
    text_bound = len(text)
    del text

    try:
        root = _parse_streaming(data, limits) if needs_streaming else etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise _from_syntax_error(exc, limits) from None
    except etree.LxmlError as exc:
        raise LoadError(f"The document could not be parsed as XML: {_clean(str(exc))}.", code="not-xml") from None

    tree = root.getroottree()
    _refuse_dtd_in_tree(tree, root)
    if element_bound > limits.max_depth:
        _check_depth(root, limits)
    if text_bound > limits.max_text:
        _check_text(root, limits, document_root=True)
    return LoadedDocument(path=display, data=data, tree=tree, encoding=codec)


def _xml_declaration(text: str) -> str | None:
    if not _XML_DECL_START.match(text):
        return None
    end = text.find("?>", 0, 1024)
    return text[: end + 2] if end >= 0 else None


def _declared_codec_8bit(body: bytes, sniffed: _Sniffed) -> tuple[str, str | None]:
    """Return the codec to decode an ASCII-compatible document with, and the declared name if any."""
    head = body[:1024].decode("latin-1")
    declared = _declared_encoding(head)
    if declared is None:
        return sniffed.codec, None
    codec = _resolve_codec(declared)
    if sniffed.bom_codec is not None and codec != sniffed.bom_codec:
        raise LoadError(
            f"The document starts with a UTF-8 byte order mark but declares encoding {declared!r}.",
            code="encoding",
            line=1,
        )
    # The declaration was read as ASCII; it must read the same in the declared encoding.
    declaration = _xml_declaration(head) or ""
    if body[: len(declaration)].decode(codec, errors="replace") != declaration:
        raise LoadError(
            f"The document declares encoding {declared!r}, but its bytes are not in that encoding.",
            code="encoding",
            line=1,
        )
    return codec, declared


def _check_wide_declaration(text: str, sniffed: _Sniffed) -> None:
    declared = _declared_encoding(text[:1024])
    if declared is None:
        return
    codec = _resolve_codec(declared)
    family = "utf-16" if codec.startswith("utf-16") else "utf-32" if codec.startswith("utf-32") else None
    endian_clash = codec.endswith(("-le", "-be")) and codec != sniffed.codec
    if family != sniffed.family or endian_clash:
        found = sniffed.codec.upper().replace("-LE", "LE").replace("-BE", "BE")
        evidence = f"its byte order mark says {found}" if sniffed.bom else f"its first bytes are {found}"
        raise LoadError(
            f"The document declares encoding {declared!r}, but {evidence}.",
            code="encoding",
            line=1,
        )


def _declared_encoding(head: str) -> str | None:
    declaration = _xml_declaration(head)
    if declaration is None:
        return None
    match = _ENCODING_ATTR.search(declaration)
    if match is None:
        return None
    name = match.group(2)
    if not _ENC_NAME.match(name):
        raise LoadError(f"The XML declaration names an invalid encoding {_short(name)!r}.", code="encoding", line=1)
    return name


def _resolve_codec(declared: str) -> str:
    key = declared.lower()
    key = _CODEC_ALIASES.get(key, key)
    try:
        info = codecs.lookup(key)
    except LookupError:
        raise LoadError(
            f"The document declares the unknown encoding {_short(declared)!r}.", code="encoding", line=1
        ) from None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
        raise LoadError(
            f"The document declares the encoding {_short(declared)!r}, which is not accepted for invoices.",
            code="encoding",
            line=1,
        )
    return info.name


def _decode(data: bytes, bom: int, codec: str, declared: str | None) -> str:
    try:
        return data[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        line, column = _byte_position(data, bom, offset, codec)
        bad = data[offset : offset + 1].hex().upper()
        name = declared if declared is not None else codec.upper()
        if declared is None and bom == 0 and codec == "utf-8":
            intro = "The document is not valid UTF-8 (the encoding assumed when none is declared)"
        elif declared is not None:
            intro = f"The document declares encoding {_short(declared)!r}, but it is not valid {_short(name)}"
        else:
            intro = f"The document is not valid {name}"
        raise LoadError(
            f"{intro}: byte 0x{bad} at line {line}, column {column} cannot be decoded.",
            code="encoding",
            line=line,
            column=column,
        ) from None
    except (LookupError, ValueError):
        raise LoadError(f"The document cannot be decoded as {codec!r}.", code="encoding") from None


def _byte_position(data: bytes, bom: int, offset: int, codec: str) -> tuple[int, int]:
    prefix = data[bom:offset].decode(codec, errors="replace")
    return _text_position(prefix, len(prefix))


def _text_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _describe_non_xml(start: bytes) -> str:
    head = start[:8]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "The input is a ZIP archive, not an XML document; extract the invoice XML from it first."
    if head.startswith(b"\x1f\x8b"):
        return "The input is gzip-compressed, not an XML document; decompress it first."
    if head[:1] in (b"{", b"["):
        return "The input looks like JSON, not an XML document."
    if _looks_binary(start[:4096]):
        return "The input is binary data, not an XML document."
    return "The input is not XML: an XML document must start with '<'."


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in (0x09, 0x0A, 0x0C, 0x0D))
    if controls * 20 > len(sample):
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _refuse_doctype_in_prolog(text: str) -> None:
    """Refuse a DOCTYPE before libxml2 ever sees it, so no DTD or entity is parsed at all."""
    match = _PROLOG_MISC.match(text)
    position = match.end() if match is not None else 0
    if text.startswith("<!", position) and text[position + 2 : position + 9].upper() == "DOCTYPE":
        line, column = _text_position(text, position)
        raise _dtd_forbidden(line, column)


def _dtd_forbidden(line: int | None, column: int | None) -> LoadError:
    return LoadError(
        "The document declares a DTD (<!DOCTYPE ...>); DTDs and entities are refused for safety.",
        code="dtd-forbidden",
        line=line,
        column=column,
    )


# --------------------------------------------------------------------------------------------
# Parsing


def _parse_streaming(data: bytes, limits: Limits) -> etree._Element:
    """Parse event by event, stopping as soon as the element or namespace limit is exceeded."""
    pull = etree.XMLPullParser(events=("start", "start-ns"), **_HARDENED)
    pull.resolvers.add(_NoExternalResolver())
    elements = 0
    namespaces: set[tuple[str | bytes, str | bytes]] = set()

    def drain() -> None:
        nonlocal elements
        for _event, item in pull.read_events():
            if isinstance(item, etree._Element):
                elements += 1
                if elements > limits.max_elements:
                    raise LoadError(
                        f"The document has more than {limits.max_elements:,} elements.",
                        code="too-many-elements",
                        line=_sourceline(item),
                    )
            elif isinstance(item, tuple):
                namespaces.add(item)
                if len(namespaces) > limits.max_namespaces:
                    raise LoadError(
                        f"The document declares more than {limits.max_namespaces:,} distinct XML namespaces.",
                        code="too-many-namespaces",
                    )

    for offset in range(0, len(data), _FEED_CHUNK):
        pull.feed(data[offset : offset + _FEED_CHUNK])
        drain()
    root = pull.close()
    drain()
    return root


def _from_syntax_error(exc: etree.XMLSyntaxError, limits: Limits) -> LoadError:
    line, column = _error_position(exc)
    message = str(getattr(exc, "msg", None) or exc)
    original = message.lower()
    raw = _clean(message)
    lowered = raw.lower()
    code = getattr(exc, "code", 0)
    if "excessive depth" in lowered or ("depth" in lowered and "xml_parse_huge" in original):
        depth = min(limits.max_depth, _LIBXML2_MAX_DEPTH)
        return LoadError(
            f"Elements are nested more than {depth} levels deep, far beyond any real invoice.",
            code="too-deep",
            line=line,
            column=column,
        )
    if "amplification" in lowered:
        return _dtd_forbidden(line, column)
    if (
        "text node too long" in lowered
        or "huge text node" in lowered
        or "buffer size limit" in lowered
        or "attvalue length too long" in lowered
        or "huge input lookup" in lowered
        or "too big found" in lowered
    ):
        maximum = min(limits.max_text, _LIBXML2_MAX_TEXT)
        return LoadError(
            f"A text node, attribute value or comment is longer than the allowed {maximum:,} characters.",
            code="text-too-large",
            line=line,
            column=column,
        )
    if "xml_parse_huge" in original or "resource limit" in lowered:
        return LoadError(
            "The document exceeds one of the XML parser's safety limits.",
            code="too-large",
            line=line,
            column=column,
        )
    unsupported = _UNSUPPORTED_ENCODING.search(raw)
    if unsupported is not None:
        return LoadError(
            f"The document declares the encoding {_short(unsupported.group(1))!r}, which the XML parser "
            "does not support; use UTF-8.",
            code="encoding",
            line=line,
            column=column,
        )
    if code in _ENCODING_ERROR_CODES or "encoding" in lowered:
        return LoadError(
            f"The document's character encoding is not usable: {raw}.",
            code="encoding",
            line=line,
            column=column,
        )
    if code == _ERR_UNDECLARED_ENTITY or ("entity" in lowered and "not defined" in lowered):
        return LoadError(
            f"The document uses an undefined entity ({raw}, line {line}); only &lt; &gt; &amp; &quot; "
            "&apos; and character references are allowed.",
            code="not-xml",
            line=line,
            column=column,
        )
    where = f" (line {line}, column {column})" if line is not None else ""
    return LoadError(f"The document is not well-formed XML: {raw}{where}.", code="not-xml", line=line, column=column)


def _error_codes(*names: str) -> frozenset[int]:
    values = (getattr(etree.ErrorTypes, name, None) for name in names)
    return frozenset(value for value in values if isinstance(value, int))


_ENCODING_ERROR_CODES: Final = _error_codes("ERR_UNSUPPORTED_ENCODING", "ERR_INVALID_ENCODING", "ERR_UNKNOWN_ENCODING")
_ERR_UNDECLARED_ENTITY: Final = getattr(etree.ErrorTypes, "ERR_UNDECLARED_ENTITY", 26)


def _error_position(exc: etree.XMLSyntaxError) -> tuple[int | None, int | None]:
    position = getattr(exc, "position", None)
    if isinstance(position, tuple) and len(position) == 2:
        line, column = position
        if isinstance(line, int) and line > 0:
            return line, column if isinstance(column, int) and column > 0 else None
    return None, None


def _clean(message: str) -> str:
    message = " ".join(message.split())
    message = _POSITION_SUFFIX.sub("", message)
    message = _HUGE_HINT.sub("", message)
    return message.rstrip(" .,;:") or "unknown parser error"


# --------------------------------------------------------------------------------------------
# Tree checks


def _load_tree(tree: etree._ElementTree, root: etree._Element, limits: Limits, display: str) -> LoadedDocument:
    """Accept an already-parsed tree after checking it like a freshly parsed one."""
    _refuse_dtd_in_tree(tree, root)
    _check_depth(root, limits)
    elements = root.xpath("count(descendant-or-self::*)")
    if isinstance(elements, float) and elements > limits.max_elements:
        raise LoadError(f"The document has more than {limits.max_elements:,} elements.", code="too-many-elements")
    _check_text(root, limits, document_root=tree.getroot() is root and root.getparent() is None)
    data = etree.tostring(tree, encoding="UTF-8", xml_declaration=True, with_tail=False)
    if len(data) > limits.max_bytes:
        raise _too_large(len(data), limits)
    if data.count(b"xmlns") > limits.max_namespaces:
        try:
            _parse_streaming(data, limits)
        except etree.LxmlError as exc:
            raise LoadError(
                f"The document tree cannot be serialised as well-formed XML: {_clean(str(exc))}.",
                code="not-xml",
            ) from None
    return LoadedDocument(path=display, data=data, tree=tree, encoding="utf-8")


def _refuse_dtd_in_tree(tree: etree._ElementTree, root: etree._Element) -> None:
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise _dtd_forbidden(None, None)
    entity = next(root.iter(etree.Entity), None)
    if entity is not None:
        raise _dtd_forbidden(_sourceline(entity), None)


def _check_depth(root: etree._Element, limits: Limits) -> None:
    """Refuse trees deeper than limits.max_depth, measured without recursion in linear time."""
    too_deep = _first_too_deep(root, limits.max_depth)
    if too_deep is not None:
        raise LoadError(
            f"Elements are nested more than {limits.max_depth} levels deep, far beyond any real invoice.",
            code="too-deep",
            line=_sourceline(too_deep),
        )


def _first_too_deep(root: etree._Element, max_depth: int) -> etree._Element | None:
    if max_depth <= 1000:
        # One location step per level; each step only visits the elements of the next level (in C).
        try:
            found = root.xpath("(" + "/".join(["*"] * max_depth) + ")[1]")
        except etree.LxmlError:
            pass  # an XPath engine limit: fall back to the explicit walk
        else:
            if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                return found[0]
            return None
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        for child in element.iterchildren("*"):
            if depth + 1 > max_depth:
                return child
            stack.append((child, depth + 1))
    return None


def _check_text(root: etree._Element, limits: Limits, *, document_root: bool) -> None:
    scope = "//" if document_root else ".//"
    # One query per node kind: a union of these node sets makes libxml2 merge them in quadratic time, which
    # took minutes on a 12 MB invoice.
    found: list[object] = []
    for kind in ("text()", "@*", "comment()", "processing-instruction()"):
        hits = root.xpath(f"{scope}{kind}[string-length(.) > {int(limits.max_text)}][1]")
        if isinstance(hits, list) and hits:
            found = hits
            break
    if not found:
        return
    item = found[0]
    owner = item if isinstance(item, etree._Element) else getattr(item, "getparent", lambda: None)()
    line = _sourceline(owner) if isinstance(owner, etree._Element) else None
    raise LoadError(
        f"A text node, attribute value or comment is longer than the allowed {limits.max_text:,} characters.",
        code="text-too-large",
        line=line,
    )


# --------------------------------------------------------------------------------------------
# Helpers


def _too_large(size: int | None, limits: Limits) -> LoadError:
    actual = f" ({size:,} bytes)" if size is not None else ""
    return LoadError(f"The document is larger{actual} than the allowed {limits.max_bytes:,} bytes.", code="too-large")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _source_qname(element: etree._Element) -> str | None:
    tag = element.tag
    if not isinstance(tag, str):
        return None
    local = tag.rpartition("}")[2]
    prefix = element.prefix
    return f"{prefix}:{local}" if prefix else local


def _sourceline(node: etree._Element) -> int | None:
    line: object = getattr(node, "sourceline", None)
    return line if isinstance(line, int) else None


def _is_element(node: etree._Element) -> bool:
    return isinstance(node.tag, str)


def _previous_element(element: etree._Element) -> etree._Element | None:
    """The element before ``element`` in document order (start tags), or None."""
    sibling = element.getprevious()
    while sibling is not None and not _is_element(sibling):
        sibling = sibling.getprevious()
    if sibling is None:
        return element.getparent()
    while True:
        last = next(sibling.iterchildren("*", reversed=True), None)
        if last is None:
            return sibling
        sibling = last


def _next_element(element: etree._Element) -> etree._Element | None:
    """The element after ``element`` in document order (start tags), or None."""
    child = next(element.iterchildren("*"), None)
    if child is not None:
        return child
    current: etree._Element | None = element
    while current is not None:
        sibling = next(current.itersiblings("*"), None)
        if sibling is not None:
            return sibling
        current = current.getparent()
    return None
