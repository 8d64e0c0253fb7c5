"""Locations: turn the paths layers report into readable XPath and into a line and column in the source."""

from __future__ import annotations

import re

from lxml import etree


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

    Understands Saxon's ``fn:path()`` form (``/Q{ns}Invoice[1]/Q{ns}ID[1]/@schemeID``) and libxml2's
    element paths (``/Invoice/cac:Party[2]/cbc:ID`` with document prefixes, ``*`` for the default namespace).
    """
    if not path or not path.startswith("/"):
        return None
    steps = _split_steps(path)
    if not steps:
        return root
    node: etree._Element | None = None
    nsmap = {k: v for k, v in root.nsmap.items() if k}
    for i, step in enumerate(steps):
        if step.startswith("@") or step.startswith("text()") or step.startswith("comment()"):
            break
        eq = re.fullmatch(r"Q\{([^}]*)\}([^\[]+)(?:\[(\d+)\])?", step)
        if eq:
            ns, local, pos = eq.group(1), eq.group(2), int(eq.group(3) or 1)
            tag = f"{{{ns}}}{local}" if ns else local
            match_tag: str | None = tag
        else:
            m = re.fullmatch(r"(?:([\w.\-]+):)?([\w.\-*]+)(?:\[(\d+)\])?", step)
            if not m:
                return node
            prefix, local, pos = m.group(1), m.group(2), int(m.group(3) or 1)
            if local == "*":
                match_tag = None
            elif prefix:
                uri = nsmap.get(prefix) or (node.nsmap.get(prefix) if node is not None else None)
                match_tag = f"{{{uri}}}{local}" if uri else local
            else:
                match_tag = local
        if i == 0:
            if match_tag is not None and root.tag != match_tag and etree.QName(root).localname != local:
                return None
            node = root
            continue
        assert node is not None
        candidates = [c for c in node if isinstance(c.tag, str) and (match_tag is None or c.tag == match_tag)]
        if match_tag is not None and not candidates and "}" not in match_tag:
            candidates = [c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == match_tag]
        if len(candidates) < pos:
            return node
        node = candidates[pos - 1]
    return node


def pretty_path(path: str | None, root: etree._Element) -> str | None:
    """Rewrite ``Q{ns}local`` steps with the document's own prefixes (``/Invoice[1]/cac:Party[1]``)."""
    if not path or "Q{" not in path:
        return path
    prefixes: dict[str, str | None] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for prefix, uri in el.nsmap.items():
            prefixes.setdefault(uri, prefix)
        if len(prefixes) > 20:
            break

    def repl(m: re.Match[str]) -> str:
        uri, local = m.group(1), m.group(2)
        if not uri:
            return local
        prefix = prefixes.get(uri)
        return f"{prefix}:{local}" if prefix else local

    return re.sub(r"Q\{([^}]*)\}([\w.\-]+)", repl, path)


def element_path(node: etree._Element) -> str:
    """A readable, positional XPath of an element with the document's prefixes (``/Invoice[1]/cbc:ID[1]``)."""
    steps: list[str] = []
    current: etree._Element | None = node
    while current is not None and isinstance(current.tag, str):
        qname = etree.QName(current)
        prefix = current.prefix
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = current.getparent()
        position = 1
        if parent is not None:
            position = 1 + sum(1 for sib in current.itersiblings(preceding=True) if sib.tag == current.tag)
        steps.append(f"{name}[{position}]")
        current = parent
    return "/" + "/".join(reversed(steps))
