"""Property tests: mutated and corrupted invoices never make the validator raise, and its reports stay coherent.

Two families of inputs:

* structural mutations of the valid corpus invoices (UBL, CII, FatturaPA), made on the lxml tree: delete,
  duplicate, move or rename an element, change its text, add/change/delete an attribute;
* byte-level damage: arbitrary bytes, and valid invoices with flipped, truncated, inserted or deleted bytes.

Every example goes through the session ``validator`` (rule sets compiled once). Runs are derandomised and
use no example database, so CI sees the same examples every time. To explore locally, set
``PEPPOL_VALIDATE_FUZZ_EXAMPLES=5000``: each test then runs at least that many *random* examples, and a failure
prints a ``@reproduce_failure`` blob to replay it.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from peppol_validate.errors import LoadError
from peppol_validate.loading import Limits, load
from peppol_validate.locations import element_path, pretty_path, resolve_node
from peppol_validate.model import DocumentReport, Severity, Verdict
from peppol_validate.validator import Validator

from .conftest import CORPUS

_SCALE = int(os.environ.get("PEPPOL_VALIDATE_FUZZ_EXAMPLES", "0") or 0)


def _fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(examples, _SCALE),
        deadline=None,
        derandomize=not _SCALE,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
        ],
    )


BASES: dict[str, bytes] = {
    str(p.relative_to(CORPUS)): p.read_bytes()
    for p in [
        *sorted((CORPUS / "ubl/valid").glob("*.xml")),
        CORPUS / "cii/valid/invoice.xml",
        *sorted((CORPUS / "fatturapa/valid").glob("*.xml")),
    ]
}

LOAD_CODES = {
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
}

# --------------------------------------------------------------------------------------------------------------
# Invariants


def _element_steps(location: str) -> list[str]:
    """The element steps of a report location, up to the first attribute / text / comment step."""
    steps: list[str] = []
    for step in re.split(r"/(?![^{]*\})", location.lstrip("/")):
        if not step or step.startswith(("@", "text()", "comment()", "processing-instruction(")):
            break
        steps.append(step)
    return steps


def _saxon_path(element: etree._Element) -> str:
    """What XPath's fn:path() gives for an element (the Schematron layers report it): /Q{ns}local[n]/..."""
    steps: list[str] = []
    current: etree._Element | None = element
    while current is not None:
        qname = etree.QName(current)
        position = 1 + sum(1 for s in current.itersiblings(preceding=True) if s.tag == current.tag)
        steps.append(f"Q{{{qname.namespace or ''}}}{qname.localname}[{position}]")
        current = current.getparent()
    return "/" + "/".join(reversed(steps))


class _Paths:
    """Every element of a document by the path each layer would report for it."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._by_layer: dict[str, dict[str, list[etree._Element]]] = {}

    def elements_at(self, layer: str, path: str) -> list[etree._Element]:
        if layer not in self._by_layer:
            table: dict[str, list[etree._Element]] = {}
            for e in _elements(self.root):
                shown = element_path(e) if layer == "xsd" else pretty_path(_saxon_path(e), self.root)
                table.setdefault(shown or "", []).append(e)
            self._by_layer[layer] = table
        return self._by_layer[layer].get(path, [])


def assert_coherent(report: DocumentReport, root: etree._Element | None, text: str | None) -> None:
    """The invariants every report must satisfy, whatever the input (``root``/``text``: the document, if any)."""
    assert isinstance(report, DocumentReport)
    assert report.verdict in set(Verdict)
    rejecting = [f for f in report.findings if f.severity.rejects]
    if report.verdict is Verdict.VALID:
        assert not rejecting, report.findings
    elif report.verdict is Verdict.INVALID:
        assert rejecting
        assert not any(f.rule_id == "NOT-VALIDATED" for f in report.findings)
    else:
        assert any(
            f.severity is Severity.FATAL
            and (f.rule_id.startswith("LOAD-") or f.rule_id in ("UNSUPPORTED-DOCUMENT", "NOT-VALIDATED"))
            for f in report.findings
        ), report.findings
    lines = text.split("\n") if text is not None else []  # libxml2 counts lines at "\n" only
    paths = _Paths(root) if root is not None else None
    for f in report.findings:
        assert isinstance(f.rule_id, str) and f.rule_id.strip(), f
        assert f.line is None or f.line >= 1, f
        assert f.column is None or f.column >= 1, f
        if f.layer not in ("xsd", "schematron") or f.rule_id == "NOT-VALIDATED":
            # NOT-VALIDATED: a layer that could not run at all; it speaks of the whole document, not a node.
            continue
        assert f.location, f
        assert root is not None and paths is not None
        node = resolve_node(root, f.location)
        assert isinstance(node, etree._Element), f
        # resolve_node falls back to the deepest ancestor it could reach, so "an element" is not enough: the
        # location must name exactly one element of the document, and resolve_node must return that one.
        steps = _element_steps(f.location)
        if steps:
            named = paths.elements_at(f.layer, "/" + "/".join(steps))
            assert len(named) == 1, (f.location, [_describe(e) for e in named])
            assert named[0] is node, (f.location, _describe(node), _describe(named[0]))
        else:
            assert node is root
        if f.line is not None:
            # Schematron lines come from the resolved node; XSD lines come from libxml2 and must agree with it.
            assert f.line == node.sourceline, (f, node.sourceline)
        if f.line is not None and f.column is not None:
            line = lines[f.line - 1]
            prefix = node.prefix
            qname = f"{prefix}:{etree.QName(node).localname}" if prefix else etree.QName(node).localname
            assert line[f.column - 1 :].startswith("<" + qname), (f, line)


def _event(label: str) -> None:
    """Count outcomes for ``--hypothesis-show-statistics`` (so one can see what the inputs exercise)."""
    if currently_in_test_context():
        event(label)


def _check_mutated(validator: Validator, data: bytes) -> DocumentReport:
    report = validator.validate(data)
    _event(f"verdict {report.verdict.value}")
    assert_coherent(report, etree.fromstring(data), data.decode("utf-8"))
    return report


# --------------------------------------------------------------------------------------------------------------
# Structural mutations

_XML_CHAR = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t\n\r ")
_SHORT_TEXT = st.text(_XML_CHAR, max_size=40)
_NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.floats().map(repr),
    st.sampled_from(["0", "-0.00", "1e3", "1E-7", ".5", "5.", "+1", "0x1F", "1,50", "NaN", "INF",
                     "\u0661\u0662\u0663", "\uff11\uff12\uff13"]),  # Arabic-Indic and full-width digits
)  # fmt: skip
_CODES = st.sampled_from(
    ["", " ", "NOK", "EUR", "XXX", "STD", "380", "381", "S", "AE", "Z", "0192", "9930", "0088", "C62", "TD01",
     "FPA12", "FPR12", "2026-02-30", "2026-13-01", "16/03/2026", "urn:cen.eu:en16931:2017", "true", "\u00a0"]
)  # fmt: skip
_LONG_TEXT = st.tuples(st.text(_XML_CHAR, min_size=1, max_size=8), st.integers(256, 4096)).map(
    lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]]
)
TEXTS = st.one_of(st.just(""), _SHORT_TEXT, _NUMBERS, _CODES, _LONG_TEXT)

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
FOREIGN_NS = "urn:example:peppol-validate:fuzz"
OTHER_NS = "urn:example:peppol-validate:other"
ATTRIBUTE_NAMES = [
    "schemeID",
    "currencyID",
    "unitCode",
    "listID",
    "mimeCode",
    "filename",
    "schemeAgencyID",
    "versione",
    "foo",
    f"{{{FOREIGN_NS}}}bar",
    f"{{{XML_NS}}}lang",
    f"{{{XSI}}}type",
    f"{{{XSI}}}nil",
    f"{{{XSI}}}schemaLocation",
]
# Valid NCNames that are unusual: non-ASCII letters, a middle dot (U+00B7), combining marks, digits after the start.
ODD_NAMES = ["ID", "Invoice", "x", "_", "a-b.c", "a\u00b7b", "\u00dcml\u00e4ut", "\u540d\u524d", "e\u0301t\u00e9", "A1"]
_NAME = st.one_of(st.sampled_from(ODD_NAMES), st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,12}", fullmatch=True))

MUTATIONS = ("delete", "duplicate", "text", "attribute", "rename", "move", "comment")


@dataclass(frozen=True)
class Mutated:
    """A mutated corpus document: where it came from, what was done, and its bytes."""

    base: str
    steps: tuple[str, ...]
    data: bytes

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        return f"Mutated(base={self.base!r}, steps={self.steps!r}, data={self.data!r})"


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _describe(element: etree._Element) -> str:
    return str(element.getroottree().getpath(element))


Draw = Callable[[st.SearchStrategy[Any]], Any]


def _mutate(draw: Draw, root: etree._Element) -> tuple[etree._Element, str]:
    """Apply one random mutation; return the (possibly new) root and a description of the change."""
    kind = draw(st.sampled_from(MUTATIONS))
    elements = _elements(root)
    target = elements[draw(st.integers(0, len(elements) - 1))]
    where = _describe(target)
    parent = target.getparent()
    if kind == "delete" and parent is not None:
        parent.remove(target)
        return root, f"delete {where}"
    if kind == "duplicate" and parent is not None:
        parent.insert(parent.index(target) + 1, copy.deepcopy(target))
        return root, f"duplicate {where}"
    if kind == "move" and parent is not None:
        inside = {id(e) for e in target.iter()}
        destinations = [e for e in elements if id(e) not in inside]
        destination = destinations[draw(st.integers(0, len(destinations) - 1))]
        position = draw(st.integers(0, len(destination)))
        to = _describe(destination)
        destination.insert(position, target)
        return root, f"move {where} into {to} at {position}"
    if kind == "attribute":
        existing = list(target.attrib)
        action = draw(st.sampled_from(["set", "delete"] if existing else ["set"]))
        if action == "delete":
            name = draw(st.sampled_from(existing))
            del target.attrib[name]
            return root, f"delete attribute {name} of {where}"
        name = draw(st.sampled_from(existing + ATTRIBUTE_NAMES))
        value = draw(TEXTS)
        target.set(name, value)
        return root, f"set attribute {name}={value[:60]!r} on {where}"
    if kind == "rename":
        namespaces = sorted({etree.QName(e).namespace or "" for e in elements})
        locals_ = sorted({etree.QName(e).localname for e in elements})
        local = draw(st.one_of(st.sampled_from(locals_), _NAME))
        current = etree.QName(target).namespace or ""
        namespace = draw(st.sampled_from([current, *namespaces, FOREIGN_NS, OTHER_NS, ""]))
        target.tag = f"{{{namespace}}}{local}" if namespace else local
        return root, f"rename {where} to {{{namespace}}}{local}"
    if kind == "comment":
        # A comment or processing instruction among the children: Schematron paths and columns must skip it.
        body = draw(_SHORT_TEXT).replace("-", "_").replace("?", "_")
        node = etree.Comment(body) if draw(st.booleans()) else etree.ProcessingInstruction("fuzz", body)
        position = draw(st.integers(0, len(target)))
        target.insert(position, node)
        return root, f"insert {node!r} into {where} at {position}"
    # "text", and the structural kinds drawn for the root element (which has no parent)
    value = draw(TEXTS)
    cdata = "]]>" not in value and draw(st.booleans())
    target.text = etree.CDATA(value) if cdata else value
    return root, f"text of {where} = {value[:60]!r} ({len(value)} chars{', CDATA' if cdata else ''})"


def _serialise(root: etree._Element, layout: str) -> bytes:
    """The document as bytes: as it is, re-indented, or all on one line (many same-named tags per line)."""
    if layout != "as-is":
        for e in root.iter():
            if e.tail is not None and not e.tail.strip():
                e.tail = None
            if len(e) and e.text is not None and not e.text.strip():
                e.text = None
    return bytes(
        etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=layout == "pretty")
    )


@st.composite
def mutated_documents(draw: Draw) -> Mutated:
    """A valid corpus invoice with one to four random structural mutations, serialised to bytes."""
    base = draw(st.sampled_from(sorted(BASES)))
    root = etree.fromstring(BASES[base])
    steps: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        root, step = _mutate(draw, root)
        steps.append(step)
    layout = draw(st.sampled_from(["as-is", "as-is", "one-line", "pretty"]))
    return Mutated(base, (*steps, f"layout {layout}"), _serialise(root, layout))


@_fuzz_settings(150)
@given(doc=mutated_documents())
def test_mutated_invoices_give_coherent_reports(validator: Validator, doc: Mutated) -> None:
    _check_mutated(validator, doc.data)


def test_the_unmutated_bases_are_valid(validator: Validator) -> None:
    """The invariants hold on the bases themselves, and the bases are what the fuzzing starts from."""
    for name, data in BASES.items():
        report = _check_mutated(validator, data)
        assert report.verdict is Verdict.VALID, (name, report.findings)


# --------------------------------------------------------------------------------------------------------------
# Byte-level damage

_TOKENS = st.sampled_from(
    [b"<", b">", b"</", b"/>", b"&", b"&amp;", b"&foo;", b"&#0;", b"&#x10FFFF;", b"&#xD800;", b"<!DOCTYPE x>",
     b"<!ENTITY e 'x'>", b"<![CDATA[", b"]]>", b"<!--", b"-->", b"<?pi x?>", b"<?xml version='1.0'?>",
     b"<?xml version='1.0' encoding='UTF-16'?>", b"<?xml version='1.0' encoding='ISO-8859-1'?>", b'"', b"'",
     b"xmlns:a='urn:a'", b"xmlns=''", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xe2\x80", b"\r", b"\n",
     b"%PDF-1.7", b"\t"]
)  # fmt: skip


@st.composite
def corrupted_invoices(draw: Draw) -> bytes:
    """A valid corpus invoice with one to four random byte-level changes."""
    data = bytearray(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "token"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(_TOKENS)
    return bytes(data)


def _check_bytes(validator: Validator, data: bytes) -> DocumentReport:
    report = validator.validate(data)
    _event(f"{report.verdict.value}: {report.findings[0].rule_id if report.findings else '-'}")
    assert isinstance(report, DocumentReport)
    load_findings = [f for f in report.findings if f.rule_id.startswith("LOAD-")]
    try:
        doc = load(data, limits=validator.options.limits)
    except LoadError as exc:
        assert exc.code in LOAD_CODES, exc.code
        assert report.verdict is Verdict.NOT_VALIDATED
        assert report.document_type == "unknown"
        assert [(f.rule_id, f.severity, f.layer) for f in report.findings] == [
            (f"LOAD-{exc.code}", Severity.FATAL, "load")
        ]
        assert_coherent(report, None, None)
    else:
        assert not load_findings, report.findings
        text = doc.data.decode(doc.encoding, "replace").removeprefix("\ufeff")
        assert_coherent(report, doc.root, text)
    return report


@_fuzz_settings(150)
@given(data=st.binary(max_size=4096))
def test_arbitrary_bytes_give_a_report(validator: Validator, data: bytes) -> None:
    _check_bytes(validator, data)


@_fuzz_settings(200)
@given(data=corrupted_invoices())
def test_corrupted_invoices_give_a_report(validator: Validator, data: bytes) -> None:
    _check_bytes(validator, data)


TIGHT = Limits(max_bytes=12_000, max_depth=6, max_text=100, max_elements=150, max_namespaces=4)


@pytest.fixture(scope="module")
def tight_validator(validator: Validator) -> Validator:
    """A second Validator with tight limits; compiled schemas and rule sets are process-wide, so none is recompiled."""
    return Validator(packs=validator.packs, as_of=validator.as_of, limits=TIGHT)


@_fuzz_settings(100)
@given(data=st.one_of(corrupted_invoices(), mutated_documents().map(lambda m: m.data)))
def test_tight_limits_give_a_report(tight_validator: Validator, data: bytes) -> None:
    """The same, with limits small enough that real invoices cross them (limit errors are load findings)."""
    _check_bytes(tight_validator, data)
