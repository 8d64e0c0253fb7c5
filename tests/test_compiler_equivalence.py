"""The compiler's grouping of ``not(a/b/...)`` asserts, checked against the official compiled XSLT.

The official unit tests have no case for the UBL-CR / CII-SR "element not allowed" warnings, which the
compiler evaluates under shared ``exists(prefix)`` guards. Here every such assert of the CEN rule sets gets
its element: it is added to a valid corpus invoice (reusing the part of its path that exists), a few dozen
per document. Two independent expectations: each added element fires its own rule, and the fired rules
(with their counts) are exactly those of the official XSLT on the same document.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import cache

import pytest
from lxml import etree

from peppol_validate.layers import executable_for
from peppol_validate.schematron.compiler import _Compiler
from peppol_validate.schematron.rewrite import absence_steps
from peppol_validate.schematron.runtime import processor, to_xdm

from .conftest import CORPUS, PACKS

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
CHUNK = 30

#: (Schematron, the official compiled XSLT of the same rules, a valid corpus document)
RULE_SETS = {
    "cen-ubl-1.3.16": (
        "en16931-cen/ubl/schematron/EN16931-UBL-validation.sch",
        "en16931-cen/ubl/xslt/EN16931-UBL-validation.xslt",
        CORPUS / "ubl/valid/invoice-10kb.xml",
    ),
    "cen-cii-1.3.16": (
        "en16931-cen/cii/schematron/EN16931-CII-validation.sch",
        "en16931-cen/cii/xslt/EN16931-CII-validation.xslt",
        CORPUS / "cii/valid/invoice.xml",
    ),
}


@cache
def _plan(name: str) -> list[tuple[str, dict[str, str], list[tuple[str, etree._Element, tuple[str, ...]]]]]:
    """Documents to build: for each chunk of grouped asserts, (assert ids, namespaces, (id, context node, steps))."""
    sch, _, base = RULE_SETS[name]
    compiler = _Compiler(PACKS / sch, None, "compact")
    compiled = compiler.compile()
    ns = dict(compiler.namespaces)
    doc = etree.parse(str(base))
    targets: list[tuple[str, str, tuple[str, ...]]] = []
    for a in compiled.assertions:
        steps = absence_steps(a.test)
        if steps is None or a.kind != "assert" or any(s == "*" or s.startswith("@") for s in steps[:-1]):
            continue
        for branch in a.context.split("|"):
            branch = branch.strip()
            xpath = branch if branch.startswith("/") else "//" + branch
            try:
                nodes = doc.xpath(xpath, namespaces=ns)
            except etree.XPathError:
                continue
            if isinstance(nodes, list) and nodes and isinstance(nodes[0], etree._Element):
                targets.append((a.id, xpath, steps))
                break
    random.Random(7).shuffle(targets)
    return [(base.name, ns, targets[i : i + CHUNK]) for i in range(0, len(targets), CHUNK)]  # type: ignore[misc]


def _add_path(context: etree._Element, steps: tuple[str, ...], ns: dict[str, str]) -> None:
    """Make `steps` select something below `context`, reusing existing elements where they are."""
    node = context
    for i, step in enumerate(steps):
        if step == "*":
            step = "cbc:Note" if "cbc" in ns else "ram:Content"
        if step.startswith("@"):
            node.set(step[1:], "1")
            return
        if step.startswith("("):
            options = [s.strip() for s in step.strip("()").split("|")]
            step = next((s for s in options if node.find(s, ns) is not None), options[0])
        prefix, _, local = step.rpartition(":")
        child = node.find(step, ns)
        if child is None:
            child = etree.SubElement(node, f"{{{ns[prefix]}}}{local}" if prefix else local)
            if i == len(steps) - 1:
                child.text = "1"
        node = child


def _documents(name: str) -> list[tuple[list[str], etree._ElementTree]]:
    base = RULE_SETS[name][2]
    out = []
    for _, ns, chunk in _plan(name):
        tree = etree.parse(str(base))
        for _, xpath, steps in chunk:
            found = tree.xpath(xpath, namespaces=ns)
            assert isinstance(found, list)
            _add_path(found[0], steps, ns)  # type: ignore[arg-type]
        out.append(([i for i, _, _ in chunk], tree))
    return out


@cache
def _official(xslt: str) -> object:
    exe = processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(PACKS / xslt))
    assert exe is not None
    return exe


@pytest.mark.parametrize("name", sorted(RULE_SETS))
def test_grouped_absence_asserts_fire_like_the_official_xslt(name: str) -> None:
    sch, xslt, _ = RULE_SETS[name]
    docs = _documents(name)
    assert sum(len(ids) for ids, _ in docs) >= (400 if "ubl" in name else 150)  # the rule sets have hundreds
    ours_exe = executable_for(PACKS / sch, None)
    for ids, tree in docs:
        xdm = to_xdm(tree)
        ours = Counter(f.assertion.id for f in ours_exe.run(xdm))
        svrl = etree.fromstring(_official(xslt).transform_to_string(xdm_node=xdm).encode())  # type: ignore[attr-defined]
        official = Counter(e.get("id") for e in svrl.iter(SVRL + "failed-assert", SVRL + "successful-report"))
        assert ours == official
        missing = [i for i in ids if i not in ours]
        assert not missing, f"added elements did not fire their rule: {missing}"
