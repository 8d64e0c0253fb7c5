"""The project's own ISO Schematron to XSLT 3.0 compiler.

It supports what the official EN 16931, Peppol, UBL.BE and French files use: ``ns``; ``let`` at schema,
phase, pattern and rule level; patterns with first-matching-rule semantics; abstract patterns with
``param`` and abstract rules with ``extends``; ``include``; phases; ``assert``/``report`` with ``id``,
``flag``, ``role``, ``subject``/``location``; ``diagnostics``; ``value-of`` and ``name`` in messages; and
foreign XSLT (``xsl:function``, ``xsl:key``, ...) at schema level.

Two outputs: ``compact`` (a tab-separated text line per fired assertion, the runtime's fast path) and
``svrl`` (standard SVRL, for tools that expect it). In both, each assertion is identified by its index
in :attr:`CompiledSchematron.assertions`, so the static parts (id, flag, role, text) never travel
through the transformation.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree

from ..errors import SchematronCompileError
from .rewrite import CodeListRewriter, absence_steps

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
_S = f"{{{SCH}}}"
_X = f"{{{XSL}}}"
_V = f"{{{SVRL}}}"

OutputKind = Literal["compact", "svrl"]

#: Separator between fields of a compact record, and between records.
FIELD_SEP = "\t"
RECORD_SEP = "\n"

_BUSINESS_TERM = re.compile(r"\b(B[TG]-\d+)\b")

#: A compact record waiting to be emitted: the steps of its ``not(path)`` test (None: another form) and its XPath.
_Record = tuple[tuple[str, ...] | None, str]


@dataclass(frozen=True)
class Assertion:
    """Static facts about one assert or report, known at compile time."""

    index: int
    id: str
    kind: Literal["assert", "report"]
    flag: str | None
    role: str | None
    test: str
    context: str
    pattern: str
    text: str
    dynamic: bool
    business_terms: tuple[str, ...]


@dataclass
class CompiledSchematron:
    """The result of compiling one Schematron schema for one phase."""

    source: str
    title: str
    phase: str
    output: OutputKind
    #: The XSLT 3.0 stylesheets, run one after the other (SVRL output: always one).
    stylesheets: tuple[str, ...]
    assertions: list[Assertion] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)

    @property
    def xslt(self) -> str:
        """The stylesheet, when the rule set compiled to one (SVRL output always does)."""
        if len(self.stylesheets) != 1:
            raise ValueError(f"{self.source} compiled to {len(self.stylesheets)} stylesheets")
        return self.stylesheets[0]

    def assertion_ids(self) -> set[str]:
        """All assertion ids of the compiled phase."""
        return {a.id for a in self.assertions}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)


def _is_sch(el: object, name: str) -> bool:
    return isinstance(el, etree._Element) and el.tag == _S + name


def _load(path: Path) -> etree._Element:
    try:
        return etree.parse(str(path), _parser()).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchematronCompileError(f"cannot read Schematron file {path}: {exc}") from exc


def _resolve_includes(el: etree._Element, base: Path, depth: int = 0) -> None:
    """Replace every sch:include (and sch:extends with href) by the element it references, recursively."""
    if depth > 20:
        raise SchematronCompileError(f"Schematron includes nested too deeply at {base}")
    for inc in list(el.iter(_S + "include", _S + "extends")):
        href = inc.get("href")
        if not href:
            continue
        target_path = (base.parent / href.split("#", 1)[0]).resolve()
        included = _load(target_path)
        _resolve_includes(included, target_path, depth + 1)
        parent = inc.getparent()
        if parent is None:
            continue
        if inc.tag == _S + "extends":
            # ISO 2016: extends@href pulls the children of the referenced element into this one.
            idx = parent.index(inc)
            parent.remove(inc)
            for offset, child in enumerate(list(included)):
                parent.insert(idx + offset, child)
        else:
            included.tail = inc.tail
            parent.replace(inc, included)


_VARIABLE_REF = re.compile(r"\$([\w.\-]+)")


def _substitute(text: str, params: dict[str, str]) -> str:
    """Replace $name by the parameter's value (XPath names may hold '-' and '.', so match greedily)."""
    if "$" not in text:
        return text
    return _VARIABLE_REF.sub(lambda m: params.get(m.group(1), m.group(0)), text)


def _instantiate(abstract: etree._Element, params: dict[str, str], instance: etree._Element) -> etree._Element:
    """Make a concrete pattern from an abstract one by macro-substituting its parameters."""
    pattern = copy.deepcopy(abstract)
    for key in ("abstract", "is-a"):
        pattern.attrib.pop(key, None)
    pattern.set("id", instance.get("id") or abstract.get("id") or "")
    for el in pattern.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, value in list(el.attrib.items()):
            el.set(attr, _substitute(value, params))
    pattern.tail = instance.tail
    return pattern


def _xpath_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _norm(text: str) -> str:
    return " ".join(text.split())


_FUNCTION_START = re.compile(r"^[\w.\-]+(?::[\w.\-]+)?\s*\(")
_KIND_TESTS = ("text(", "node(", "comment(", "processing-instruction(", "element(", "attribute(")


def _branches(pattern: str) -> list[str] | None:
    """Split a pattern on its top-level '|' (None when it uses constructs this splitter does not handle)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    current = ""
    for ch in pattern:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    if quote or depth or any(not p for p in parts) or any(" union " in p for p in parts):
        return None
    return parts


def _absolute_group(branch: str) -> bool:
    """True for ``(/a | /b)[...]``: a parenthesised union of absolute paths (Peppol's German rules use them)."""
    if not branch.startswith("("):
        return False
    depth = 0
    quote = ""
    for index, ch in enumerate(branch):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                inner = _branches(branch[1:index])
                return inner is not None and all(part.startswith("/") for part in inner)
    return False


def _unsupported_start(branch: str) -> bool:
    """True for pattern branches starting with a variable, a parenthesis, document-node() or a function call."""
    if branch.startswith(("$", "(", "document-node(")):
        return True
    return bool(_FUNCTION_START.match(branch)) and not branch.startswith(_KIND_TESTS)


def _targets(contexts: list[str]) -> str | None:
    """An expression selecting, from the document node, every node some context pattern can match.

    By the XSLT definition a node matches a path pattern P when it is among ``root()//(P)``; for a pattern
    starting with '/' that is the pattern itself. Patterns starting with a variable, a function call or
    ``document-node()`` are not handled (None: walk the tree instead).
    """
    selects: list[str] = []
    for context in contexts:
        branches = _branches(context)
        if branches is None:
            return None
        for branch in branches:
            if branch.startswith("/") or _absolute_group(branch):
                selects.append(branch)
            elif _unsupported_start(branch):
                return None
            else:
                selects.append("//" + branch)
    return " | ".join(dict.fromkeys(selects))


class _MessageBuilder:
    """Turns assert/report/diagnostic mixed content into a static text or an XPath string expression."""

    def __init__(self) -> None:
        self.parts: list[tuple[bool, str]] = []  # (is_expression, value)

    def feed(self, el: etree._Element) -> None:
        if el.text:
            self.parts.append((False, el.text))
        for child in el:
            if isinstance(child.tag, str):
                if child.tag == _S + "value-of":
                    sel = child.get("select") or "."
                    self.parts.append((True, f"string-join(for $pv_i in ({sel}) return string($pv_i), ' ')"))
                elif child.tag == _S + "name":
                    path = child.get("path")
                    self.parts.append((True, f"name({path})" if path else "name(.)"))
                else:
                    self.feed(child)
            if child.tail:
                self.parts.append((False, child.tail))

    @property
    def dynamic(self) -> bool:
        return any(is_expr for is_expr, _ in self.parts)

    def static_text(self) -> str:
        return _norm("".join(v for is_expr, v in self.parts if not is_expr))

    def template_text(self) -> str:
        return _norm("".join("{…}" if is_expr else v for is_expr, v in self.parts))

    def expression(self) -> str:
        items = [v if is_expr else _xpath_literal(v) for is_expr, v in self.parts]
        if not items:
            return "''"
        return "normalize-space(string-join((" + ", ".join(items) + "), ''))"


class _Compiler:
    def __init__(self, path: Path, phase: str | None, output: OutputKind) -> None:
        self.path = path
        self.output = output
        root = _load(path)
        if root.tag != _S + "schema":
            raise SchematronCompileError(f"{path} is not an ISO Schematron schema (root is {root.tag})")
        _resolve_includes(root, path)
        self.root = root
        self.requested_phase = phase
        self.assertions: list[Assertion] = []
        self.namespaces: dict[str, str] = {}
        self.diagnostics: dict[str, etree._Element] = {}
        self.abstract_rules: dict[str, etree._Element] = {}
        self.rewriter = CodeListRewriter()

    # -- collection ---------------------------------------------------------------------------------------
    def _collect(self) -> list[etree._Element]:
        root = self.root
        for prefix, uri in root.nsmap.items():
            if prefix and uri not in (SCH, XSL):
                self.namespaces[prefix] = uri
        for ns in root.iter(_S + "ns"):
            prefix, uri = ns.get("prefix"), ns.get("uri")
            if prefix and uri is not None:
                self.namespaces[prefix] = uri
        for diag in root.iter(_S + "diagnostic"):
            if diag.get("id"):
                self.diagnostics[diag.get("id", "")] = diag
        for rule in root.iter(_S + "rule"):
            if rule.get("abstract") == "true" and rule.get("id"):
                self.abstract_rules[rule.get("id", "")] = rule

        abstracts = {
            p.get("id", ""): p for p in root.iter(_S + "pattern") if p.get("abstract") == "true" and p.get("id")
        }
        patterns: list[etree._Element] = []
        for pattern in root.iter(_S + "pattern"):
            if pattern.get("abstract") == "true":
                continue
            is_a = pattern.get("is-a")
            if is_a:
                if is_a not in abstracts:
                    raise SchematronCompileError(f"pattern {pattern.get('id')!r}: no abstract pattern {is_a!r}")
                params = {p.get("name", "").strip(): p.get("value", "") for p in pattern.iter(_S + "param")}
                pattern = _instantiate(abstracts[is_a], params, pattern)
            patterns.append(pattern)
        return patterns

    def _active(self, patterns: list[etree._Element]) -> tuple[str, list[etree._Element], list[etree._Element]]:
        phases = {p.get("id", ""): p for p in self.root.iter(_S + "phase")}
        wanted = self.requested_phase or self.root.get("defaultPhase") or "#ALL"
        if wanted in ("#ALL", "#DEFAULT") and wanted == "#DEFAULT":
            wanted = self.root.get("defaultPhase") or "#ALL"
        if wanted == "#ALL":
            return wanted, patterns, []
        if wanted not in phases:
            raise SchematronCompileError(f"{self.path}: no phase {wanted!r} (phases: {sorted(phases)})")
        phase = phases[wanted]
        ids = [a.get("pattern") for a in phase.iter(_S + "active")]
        by_id = {p.get("id"): p for p in patterns}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise SchematronCompileError(f"{self.path}: phase {wanted!r} names unknown patterns {missing}")
        return wanted, [by_id[i] for i in ids], list(phase.findall(_S + "let"))

    # -- emission -----------------------------------------------------------------------------------------
    def compile(self) -> CompiledSchematron:
        patterns = self._collect()
        phase, active, phase_lets = self._active(patterns)
        # Schema, phase and pattern lets become global variables (evaluated on the document node).
        seen: set[str] = set()
        lets = list(self.root.findall(_S + "let")) + phase_lets
        for pattern in active:
            lets.extend(pattern.findall(_S + "let"))
        for let in lets:
            name = let.get("name", "")
            if name in seen:
                raise SchematronCompileError(f"{self.path}: variable ${name} is declared twice at global level")
            seen.add(name)
            self.rewriter.note_global(name, let.get("value"))

        pattern_names: list[str] = []
        stylesheets: list[str] = []
        for chunk in [active] if self.output == "svrl" else _chunks(active):
            sheet = self._stylesheet_start(lets)
            main = etree.SubElement(sheet, _X + "template", match="/")
            target: etree._Element = main
            if self.output == "svrl":
                target = self._svrl_root(main, phase)
            for pattern in chunk:
                number = len(pattern_names) + 1
                mode = f"pv-p{number}"
                name = pattern.get("id") or pattern.get("name") or f"pattern-{number}"
                pattern_names.append(name)
                if self.output == "svrl":
                    ap = etree.SubElement(target, _V + "active-pattern")
                    if pattern.get("id"):
                        ap.set("id", pattern.get("id", ""))
                    ap.set("name", name)
                select = self._pattern(sheet, pattern, mode, name)
                if select is not None:
                    etree.SubElement(target, _X + "apply-templates", select=select, mode=mode)
            # The code-list maps this stylesheet's rewritten tests look up (constants, built by Saxon's compiler).
            for name, select in self.rewriter.take_declarations():
                if name in seen:
                    raise SchematronCompileError(f"{self.path}: variable ${name} clashes with the compiler's own")
                main.addprevious(etree.Element(_X + "variable", name=name, select=select))
            stylesheets.append(etree.tostring(sheet, encoding="unicode"))

        title_el = self.root.find(_S + "title")
        return CompiledSchematron(
            source=str(self.path),
            title=_norm(title_el.text or "") if title_el is not None else self.path.name,
            phase=phase,
            output=self.output,
            stylesheets=tuple(stylesheets),
            assertions=self.assertions,
            patterns=pattern_names,
        )

    def _stylesheet_start(self, lets: list[etree._Element]) -> etree._Element:
        """A stylesheet with its output method, the schema's foreign XSLT and the global lets."""
        nsmap: dict[str | None, str] = {"xsl": XSL, "xs": "http://www.w3.org/2001/XMLSchema"}
        if self.output == "svrl":
            nsmap["svrl"] = SVRL
        for prefix, uri in self.namespaces.items():
            if prefix not in ("xsl",):
                nsmap[prefix] = uri
        sheet = etree.Element(_X + "stylesheet", nsmap=nsmap)
        sheet.set("version", "3.0")
        sheet.set("exclude-result-prefixes", "#all")
        out = etree.SubElement(sheet, _X + "output")
        if self.output == "compact":
            out.set("method", "text")
        else:
            out.set("method", "xml")
            out.set("indent", "no")
        out.set("encoding", "UTF-8")
        # Foreign top-level XSLT (functions, keys, ...) is copied as is.
        for child in self.root:
            if isinstance(child.tag, str) and child.tag.startswith(_X):
                sheet.append(copy.deepcopy(child))
        for let in lets:
            sheet.append(self._variable(let))
        return sheet

    def _svrl_root(self, main: etree._Element, phase: str) -> etree._Element:
        target = etree.SubElement(main, _V + "schematron-output")
        title = self.root.find(_S + "title")
        target.set("title", _norm(title.text or "") if title is not None else "")
        target.set("phase", phase)
        target.set("schemaVersion", self.root.get("schemaVersion", ""))
        for prefix, uri in sorted(self.namespaces.items()):
            etree.SubElement(target, _V + "ns-prefix-in-attribute-values", prefix=prefix, uri=uri)
        return target

    def _variable(self, let: etree._Element) -> etree._Element:
        var = etree.Element(_X + "variable", name=let.get("name", ""))
        value = let.get("value")
        if value is not None:
            var.set("select", value)
        else:
            var.text = let.text
            for child in let:
                var.append(copy.deepcopy(child))
        return var

    def _pattern(self, sheet: etree._Element, pattern: etree._Element, mode: str, name: str) -> str | None:
        """Emit one pattern's templates in its own mode; return what to apply them to (None: no rules).

        When every rule context is a plain path pattern, the pattern visits only the nodes its contexts can
        match (``//ctx1 | //ctx2 ...``, answered by Saxon's name index) instead of walking the whole tree; the
        templates keep their priorities, so the first matching rule still wins. Otherwise it walks the tree.
        """
        rules = [r for r in pattern.findall(_S + "rule") if r.get("abstract") != "true" and r.get("context")]
        if not rules:
            return None  # a pattern without rules fires nothing: no need to visit the tree for it
        targeted = _targets([r.get("context", "") for r in rules])
        if targeted is not None:
            etree.SubElement(sheet, _X + "template", match="document-node()|node()|@*", mode=mode, priority="-1000")
            for position, rule in enumerate(rules):
                self._rule(sheet, rule, mode, name, priority=len(rules) - position, walk=None)
            return targeted
        contexts = " ".join(r.get("context", "") for r in rules)
        walk = "@*|*" if ("@" in contexts or "attribute::" in contexts) else "*"
        if "text()" in contexts or "node()" in contexts or "comment()" in contexts:
            walk = "@*|node()" if walk.startswith("@") else "node()"
        # Fallbacks: keep walking the tree when no rule of this pattern matches a node.
        doc = etree.SubElement(sheet, _X + "template", match="document-node()", mode=mode, priority="-1000")
        etree.SubElement(doc, _X + "apply-templates", select=walk.replace("@*|", ""), mode=mode)
        el = etree.SubElement(sheet, _X + "template", match="*", mode=mode, priority="-1000")
        etree.SubElement(el, _X + "apply-templates", select=walk, mode=mode)
        etree.SubElement(
            sheet,
            _X + "template",
            match="@*|text()|comment()|processing-instruction()",
            mode=mode,
            priority="-1000",
        )
        for position, rule in enumerate(rules):
            self._rule(sheet, rule, mode, name, priority=len(rules) - position, walk=walk)
        return "."

    def _expand_extends(self, rule: etree._Element) -> list[etree._Element]:
        body: list[etree._Element] = []
        for child in rule:
            if not isinstance(child.tag, str):
                continue
            if child.tag == _S + "extends" and child.get("rule"):
                base = self.abstract_rules.get(child.get("rule", ""))
                if base is None:
                    raise SchematronCompileError(f"{self.path}: extends names unknown rule {child.get('rule')!r}")
                body.extend(self._expand_extends(base))
            else:
                body.append(child)
        return body

    def _rule(
        self, sheet: etree._Element, rule: etree._Element, mode: str, pattern: str, priority: int, walk: str | None
    ) -> None:
        context = rule.get("context", "")
        tpl = etree.SubElement(sheet, _X + "template", match=context, mode=mode, priority=str(priority))
        if self.output == "svrl":
            fired = etree.SubElement(tpl, _V + "fired-rule", context=context.replace("{", "{{").replace("}", "}}"))
            for attr in ("id", "role", "flag"):
                if rule.get(attr):
                    fired.set(attr, rule.get(attr, ""))
        records: list[_Record] = []  # compact output: (path steps, record); one value-of per run
        body = self._expand_extends(rule)
        local_names = frozenset(c.get("name", "") for c in body if c.tag == _S + "let")
        for child in body:
            if child.tag == _S + "let":
                self._flush(tpl, records)
                tpl.append(self._variable(child))
            elif child.tag in (_S + "assert", _S + "report"):
                record = self._assertion(tpl, rule, child, pattern, local_names)
                if record is not None:
                    # Only an assert of not(a/b/...) cannot fail where a is empty; a report of it fires there.
                    steps = absence_steps(child.get("test", "")) if child.tag == _S + "assert" else None
                    records.append((steps, record))
        self._flush(tpl, records)
        if walk is None:
            return  # targeted: the pattern's nodes were selected up front
        if context.strip() == "/":
            etree.SubElement(tpl, _X + "apply-templates", select=walk.replace("@*|", ""), mode=mode)
        else:
            # Attribute and text contexts have no children: the walk is empty there, which is harmless.
            etree.SubElement(tpl, _X + "apply-templates", select=walk, mode=mode)

    @staticmethod
    def _flush(tpl: etree._Element, records: list[_Record]) -> None:
        """Emit the pending compact records of a rule as one ``xsl:value-of`` (one instruction, not one per assert)."""
        if records:
            parts = _guarded(records, 0)
            select = parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
            etree.SubElement(tpl, _X + "value-of", select=select, separator="")
            records.clear()

    def _assertion(
        self, tpl: etree._Element, rule: etree._Element, el: etree._Element, pattern: str, local_names: frozenset[str]
    ) -> str | None:
        """Register one assert/report; in compact output return its record expression, in SVRL emit it."""
        kind: Literal["assert", "report"] = "assert" if el.tag == _S + "assert" else "report"
        test = el.get("test", "")
        xpath = self.rewriter.rewrite(test, local_names)
        message = _MessageBuilder()
        message.feed(el)
        diag_builder = _MessageBuilder()
        for diag_id in (el.get("diagnostics") or "").split():
            diag = self.diagnostics.get(diag_id)
            if diag is None:
                raise SchematronCompileError(f"{self.path}: unknown diagnostic {diag_id!r}")
            diag_builder.feed(diag)
            diag_builder.parts.append((False, " "))
        index = len(self.assertions)
        static_text = message.static_text() if not message.dynamic else message.template_text()
        assertion = Assertion(
            index=index,
            id=el.get("id") or f"{pattern}#{index}",
            kind=kind,
            flag=el.get("flag") or rule.get("flag"),
            role=el.get("role") or rule.get("role"),
            test=test,
            context=rule.get("context", ""),
            pattern=pattern,
            text=static_text,
            dynamic=message.dynamic,
            business_terms=tuple(dict.fromkeys(_BUSINESS_TERM.findall(static_text))),
        )
        self.assertions.append(assertion)
        subject = el.get("subject") or el.get("location") or rule.get("subject")
        path_expr = f"path(({subject})[1])" if subject else "path(.)"
        if self.output == "compact":
            # The record: index, location, message[, diagnostics], joined like xsl:value-of's separator would.
            fields = [f"'{index}'", path_expr, message.expression() if message.dynamic else "''"]
            if diag_builder.parts:
                fields.append(diag_builder.expression())
            record = f"concat(string-join(({', '.join(fields)}), '{FIELD_SEP}'), '{RECORD_SEP}')"
            if kind == "assert":
                return f"(if (({xpath})) then () else {record})"
            return f"(if (({xpath})) then {record} else ())"
        cond = f"not(({xpath}))" if kind == "assert" else f"(({xpath}))"
        xif = etree.SubElement(tpl, _X + "if", test=cond)
        tag = "failed-assert" if kind == "assert" else "successful-report"
        rec = etree.SubElement(xif, _V + tag)
        etree.SubElement(rec, _X + "attribute", name="location", select=path_expr)
        rec_attrs = {"test": test, "id": el.get("id"), "flag": assertion.flag, "role": assertion.role}
        for attr, value in rec_attrs.items():
            if value:
                etree.SubElement(rec, _X + "attribute", name=attr, select=_xpath_literal(value))
        for diag_id in (el.get("diagnostics") or "").split():
            ref = etree.SubElement(rec, _V + "diagnostic-reference", diagnostic=diag_id)
            one = _MessageBuilder()
            one.feed(self.diagnostics[diag_id])
            etree.SubElement(ref, _X + "value-of", select=one.expression())
        txt = etree.SubElement(rec, _V + "text")
        if message.dynamic:
            etree.SubElement(txt, _X + "value-of", select=message.expression())
        else:
            txt.text = static_text
        return None


#: Compact output: patterns are grouped into stylesheets of about this many asserts. Saxon compiles several
#: smaller stylesheets faster than one large one (CEN UBL: 150-180 ms in three against 205-235 ms in one),
#: and running three costs the same as running one; many tiny ones would cost more per document.
_ASSERTS_PER_STYLESHEET = 250


def _chunks(patterns: list[etree._Element]) -> list[list[etree._Element]]:
    """The patterns in order, grouped so that a group passes _ASSERTS_PER_STYLESHEET only with a single pattern."""
    chunks: list[list[etree._Element]] = []
    size = 0
    for pattern in patterns:
        count = sum(1 for _ in pattern.iter(_S + "assert", _S + "report"))
        if chunks and chunks[-1] and size + count <= _ASSERTS_PER_STYLESHEET:
            chunks[-1].append(pattern)
            size += count
        else:
            chunks.append([pattern])
            size = count
    return chunks or [[]]


def _guarded(records: list[_Record], depth: int) -> list[str]:
    """The records, consecutive ``not(a/b/...)`` asserts sharing a path prefix nested under ``exists(prefix)``.

    Such asserts cannot fail where the prefix selects nothing, so they are evaluated only where it selects
    something; the records keep their order.
    """
    parts: list[str] = []
    i = 0
    while i < len(records):
        steps, record = records[i]
        j = i + 1
        if steps is not None and len(steps) > depth:
            key = steps[: depth + 1]
            while j < len(records) and (other := records[j][0]) is not None and other[: depth + 1] == key:
                j += 1
        if j - i > 1:
            assert steps is not None
            inner = ", ".join(_guarded(records[i:j], depth + 1))
            parts.append(f"(if (exists({'/'.join(steps[: depth + 1])})) then ({inner}) else ())")
        else:
            parts.append(record)
        i = j
    return parts


def compile_schematron(
    path: str | Path, *, phase: str | None = None, output: OutputKind = "compact"
) -> CompiledSchematron:
    """Compile an ISO Schematron file (with its includes) to an XSLT 3.0 stylesheet for one phase."""
    return _Compiler(Path(path), phase, output).compile()
