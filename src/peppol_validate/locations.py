"""Locations: turn the paths layers report into readable XPath and into a line and column in the source."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from lxml import etree

# A prefix or local name in a path step: any NCName (non-ASCII letters, combining marks, U+00B7 ...) or "*".
_NAME = r"[^\s/:\[\]{}@()]+"


def _split_steps(path: str) -> list[str]:
    steps: list[str] = []
    depth = 0
    current = ""
    for ch in path:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "/" and depth == 0:
            if current:
                steps.append(current)
            current = ""
        else:
            current += ch
    if current:
        steps.append(current)
    return steps


def resolve_node(root: etree._Element, path: str | None) -> etree._Element | None:
    """Find the element a path points at (attribute and text steps resolve to their element).

    Understands Saxon's ``fn:path()`` form (``/Q{ns}Invoice[1]/Q{ns}ID[1]/@schemeID``), libxml2's element
    paths (``/Invoice/cac:Party[2]/cbc:ID`` with document prefixes, ``*`` for the default namespace) and the
    readable paths of :func:`pretty_path` and :func:`element_path`. A prefix means the namespace it is bound to
    where the step is, else the children written with that prefix; no prefix means the default namespace in
    scope, else no namespace, else the children written without a prefix.
    """
    if not path or not path.startswith("/"):
        return None
    steps = _split_steps(path)
    if not steps:
        return root
    node: etree._Element | None = None
    for i, step in enumerate(steps):
        if step.startswith(("@", "text()", "comment()", "processing-instruction(")):
            break
        eq = re.fullmatch(r"Q\{([^}]*)\}([^\[]+)(?:\[(\d+)\])?", step)
        prefix: str | None = None
        exact: str | None = None
        if eq:
            ns, local, pos = eq.group(1), eq.group(2), int(eq.group(3) or 1)
            exact = f"{{{ns}}}{local}" if ns else local
        else:
            m = re.fullmatch(rf"(?:({_NAME}):)?({_NAME})(?:\[(\d+)\])?", step)
            if not m:
                return node
            prefix, local, pos = m.group(1), m.group(2), int(m.group(3) or 1)
        if i == 0:
            if local != "*" and root.tag != exact and etree.QName(root).localname != local:
                return None
            node = root
            continue
        assert node is not None
        child = _nth_child(node, prefix, local, exact, pos)
        if child is None:
            return node
        node = child
    return node


def _nth(children: Iterator[etree._Element], pos: int) -> etree._Element | None:
    return next(itertools.islice(children, pos - 1, None), None)


def _nth_child(
    parent: etree._Element, prefix: str | None, local: str, exact: str | None, pos: int
) -> etree._Element | None:
    """The ``pos``-th child of ``parent`` that a step names (see :func:`resolve_node`), or None.

    Exact names are looked up by lxml in C (``iterchildren(tag)``): with thousands of findings on an invoice
    with thousands of lines, listing the children in Python for every finding was quadratic.
    """
    if local == "*":
        return _nth(parent.iterchildren(etree.Element), pos)
    if exact is not None:
        return _nth(parent.iterchildren(exact), pos)
    uri = parent.nsmap.get(prefix)
    tags = ([f"{{{uri}}}{local}"] if uri else []) + ([local] if prefix is None else [])
    for tag in tags:
        if next(parent.iterchildren(tag), None) is not None:
            return _nth(parent.iterchildren(tag), pos)
    named = [c for c in parent if isinstance(c.tag, str) and etree.QName(c).localname == local]
    with_prefix = [c for c in named if c.prefix == prefix]
    return _nth(iter(with_prefix or named), pos)


def document_prefixes(root: etree._Element) -> dict[str, str | None]:
    """Namespace URI → the first prefix the document uses for it (in document order); compute once per document."""
    prefixes: dict[str, str | None] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for prefix, uri in el.nsmap.items():
            prefixes.setdefault(uri, prefix)
        if len(prefixes) > 20:
            break
    return prefixes


def pretty_path(path: str | None, root: etree._Element, prefixes: dict[str, str | None] | None = None) -> str | None:
    """Rewrite ``Q{ns}local`` steps with the document's own prefixes (``/Invoice[1]/cac:Party[1]``).

    Pass ``prefixes`` (from :func:`document_prefixes`) when rewriting many paths of one document: scanning the
    tree for every finding made reports with thousands of findings quadratic.
    """
    if not path or "Q{" not in path:
        return path
    if prefixes is None:
        prefixes = document_prefixes(root)

    def repl(m: re.Match[str]) -> str:
        uri, local = m.group(1), m.group(2)
        if not uri:
            return local
        if uri not in prefixes:
            return m.group(0)  # a namespace declared too deep to be scanned: keep it exact
        prefix = prefixes[uri]
        return f"{prefix}:{local}" if prefix else local

    pretty = re.sub(r"Q\{([^}]*)\}(" + _NAME + ")", repl, path)
    if resolve_node(root, pretty) is not resolve_node(root, path):
        return path  # the prefixes make the readable form point elsewhere (e.g. a clash): keep the exact one
    return pretty


def element_path(node: etree._Element) -> str:
    """A readable, positional XPath of an element with the document's prefixes (``/Invoice[1]/cbc:ID[1]``).

    When the readable form would name another element (an unprefixed element in no namespace beside one in the
    default namespace, say), the exact ``/Q{ns}local[n]`` form is returned instead, so that the path always
    resolves back to ``node``.
    """
    readable: list[str] = []
    exact: list[str] = []
    current: etree._Element | None = node
    top = node
    while current is not None and isinstance(current.tag, str):
        qname = etree.QName(current)
        prefix = current.prefix
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = current.getparent()
        position = 1
        if parent is not None:
            position = 1 + sum(1 for sib in current.itersiblings(preceding=True) if sib.tag == current.tag)
        readable.append(f"{name}[{position}]")
        exact.append(f"Q{{{qname.namespace or ''}}}{qname.localname}[{position}]")
        top = current
        current = parent
    path = "/" + "/".join(reversed(readable))
    if resolve_node(top, path) is node:
        return path
    return "/" + "/".join(reversed(exact))
