"""The raw SVRL of each Schematron layer, as the compiled official rule sets produced it.

Needs a Validator created with ``svrl=True`` (the CLI does that for the formats in ``NEEDS_SVRL``). For one
document with one rule set the output is that SVRL document unchanged. Otherwise the SVRL outputs are wrapped::

    <peppol-validate-svrl xmlns="urn:peppol-validate:svrl">
      <document path="..." verdict="...">
        <svrl ruleset="..." version="..."><svrl:schematron-output .../></svrl>
      </document>
    </peppol-validate-svrl>

A document without SVRL (XSD-only FatturaPA, a file that could not be loaded) is an empty ``<document>``.
"""

from __future__ import annotations

from lxml import etree

from ..model import DocumentReport, Report

WRAPPER_NS = "urn:peppol-validate:svrl"
_W = f"{{{WRAPPER_NS}}}"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def split_key(key: str) -> tuple[str, str]:
    """Split a DocumentReport.svrl key "ruleset@version" into (ruleset, version)."""
    name, sep, version = key.rpartition("@")
    return (name, version) if sep else (key, "")


def _parse(text: str) -> etree._Element | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        return etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return None


def _document(parent: etree._Element, doc: DocumentReport) -> None:
    attrs = {"path": doc.path} if doc.path is not None else {}
    attrs["verdict"] = doc.verdict.value
    element = etree.SubElement(parent, _W + "document", attrs)
    element.text = "\n    " if doc.svrl else None
    last: etree._Element | None = None
    for key, text in doc.svrl.items():
        ruleset, version = split_key(key)
        holder = etree.SubElement(element, _W + "svrl", ruleset=ruleset, version=version)
        output = _parse(text)
        if output is None:
            holder.set("error", "the SVRL output is not well-formed XML")
            holder.text = text
        else:
            holder.append(output)
        holder.tail = "\n    "
        last = holder
    if last is not None:
        last.tail = "\n  "
    element.tail = "\n  "


def svrl_tree(report: Report) -> etree._Element:
    """All SVRL outputs of a report wrapped in a ``<peppol-validate-svrl>`` element."""
    root = etree.Element(_W + "peppol-validate-svrl", nsmap={None: WRAPPER_NS})
    root.text = "\n  "
    for doc in report.documents:
        _document(root, doc)
    if len(root):
        root[-1].tail = "\n"
    else:
        root.text = None
    return root


def render_svrl(report: Report, *, color: bool = False, **_: object) -> str:
    """Render the raw SVRL: unchanged for one document with one rule set, else wrapped per document."""
    if len(report.documents) == 1 and len(report.documents[0].svrl) == 1:
        text = next(iter(report.documents[0].svrl.values()))
        return text if text.endswith("\n") else text + "\n"
    body: str = etree.tostring(svrl_tree(report), encoding="unicode")
    return _DECLARATION + body + "\n"
