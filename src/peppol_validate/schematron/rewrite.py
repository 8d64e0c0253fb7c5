"""Equivalence-preserving rewrites of official XPath tests, applied by the compiler (speed, same results).

Besides the code-list rewrites below, :func:`absence_steps` recognises ``not(a/b/c)`` tests, which the compiler
nests under shared ``exists(a)``/``exists(a/b)`` guards (tests/test_compiler_equivalence.py checks the result
against the official XSLT).

The official rules check code lists in two ways, both linear in the size of the list for every node checked:

- ``contains(' A B C ', concat(' ', E, ' '))`` (CEN, code lists as one space-delimited literal);
- ``some $code in $LIST satisfies E = $code`` (Peppol, ``$LIST`` a global ``tokenize('A B C', '\\s')``).

Both become a lookup in a constant map (a global variable that Saxon builds when it compiles). The rewrites
keep the exact results:

- A ``contains`` literal is rewritten only when it is tokens separated by single spaces, with a space at
  both ends. Then, for a value without a space, ``' v '`` occurs in it exactly when ``v`` is one of the
  tokens (``''`` never is: there are no two spaces in a row). A value with a space falls back to the
  original ``contains``. ``string(E)`` fails on several items exactly where ``concat`` fails.
- ``some $c in $LIST satisfies E = $c`` is a general comparison of E with strings: it is rewritten only
  when ``$LIST`` is a global ``tokenize(<literal>, '\\s')`` (so every item is a string) and E is an
  attribute, ``.``/``text()`` or ``normalize-space(...)``/``upper-case(...)`` of one of those, i.e. strings
  or untyped nodes, compared by codepoints like map keys, and only when nothing follows ``= $c`` in the
  quantified expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MAP = "Q{http://www.w3.org/2005/xpath-functions/map}"

# An XPath string literal of tokens: ' A B C ' (single spaces, a space at both ends).
_TOKENS = re.compile(r"^ (?:[^\s' ]+ )+$")
# E in `some $c in $LIST satisfies E = $c`: strings or untyped nodes only.
_OPERAND = r"(?:@[\w:.-]+|\.|text\(\)|(?:normalize-space|upper-case)\((?:@[\w:.-]+|\.|text\(\))?\))"
_SOME = re.compile(
    r"some\s+\$(?P<var>[\w.-]+)\s+in\s+\$(?P<list>[\w.-]+)\s+satisfies\s+"
    r"(?P<operand>" + _OPERAND + r")\s*=\s*\$(?P=var)"
)
_TOKENIZE = re.compile(r"^\s*tokenize\(\s*'(?P<items>[^']*)'\s*,\s*'\\s'\s*\)\s*$")
_CONTAINS = re.compile(r"contains\(\s*'(?P<list>[^']*)'\s*,\s*concat\(\s*' '\s*,\s*")


@dataclass
class CodeListRewriter:
    """Rewrites code-list tests of one compiled schema; collects the map variables they need."""

    #: Global lets of the schema whose value is ``tokenize('<literal>', '\\s')``: name -> tokens.
    token_lists: dict[str, list[str]] = field(default_factory=dict)
    #: The map variables to declare: variable name -> tokens.
    maps: dict[str, list[str]] = field(default_factory=dict)
    _by_tokens: dict[tuple[str, ...], str] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)

    def note_global(self, name: str, value: str | None) -> None:
        """Remember a global let if it is a plain list of string tokens."""
        match = _TOKENIZE.match(value or "")
        if match:
            # Exactly what XPath's tokenize($s, '\s') returns: empty strings included (between two separators or
            # at either end), none for an empty input.
            items = match.group("items")
            self.token_lists[name] = re.split(r"[ \t\n\r]", items) if items else []

    def _map_for(self, tokens: list[str]) -> str:
        key = tuple(tokens)
        name = self._by_tokens.get(key)
        if name is None:
            name = f"pv_codes_{len(self._by_tokens) + 1}"
            self._by_tokens[key] = name
            self.maps[name] = tokens
        self._used.add(name)
        return name

    def rewrite(self, test: str, local_names: frozenset[str] = frozenset()) -> str:
        """The test with its code-list lookups rewritten (unchanged when nothing applies).

        `local_names`: the rule's own lets, which hide global variables of the same name.
        """
        return self._rewrite_contains(self._rewrite_some(test, local_names))

    def _rewrite_some(self, test: str, local_names: frozenset[str]) -> str:
        out: list[str] = []
        pos = 0
        for match in _SOME.finditer(test):
            tokens = None if match.group("list") in local_names else self.token_lists.get(match.group("list"))
            if tokens is None or not _ends_expression(test, match.end()) or _shadowed(test, match.group("list")):
                continue
            name = self._map_for(tokens)
            operand = match.group("operand")
            out.append(test[pos : match.start()])
            out.append(f"exists(({operand})[{_MAP}contains(${name}, string(.))])")
            pos = match.end()
        out.append(test[pos:])
        return "".join(out)

    def _rewrite_contains(self, test: str) -> str:
        out: list[str] = []
        pos = 0
        for match in _CONTAINS.finditer(test):
            if match.start() < pos:
                continue
            literal = match.group("list")
            if not _TOKENS.match(literal):
                continue
            end = _argument_end(test, match.end())
            if end is None:
                continue
            tail = re.compile(r"\s*,\s*' '\s*\)\s*\)").match(test, end)
            if tail is None:
                continue
            operand = test[match.end() : end]
            name = self._map_for(literal.split())
            out.append(test[pos : match.start()])
            out.append(
                f"(let $pv_v := string({operand}) return if (contains($pv_v, ' ')) "
                f"then contains('{literal}', concat(' ', $pv_v, ' ')) else {_MAP}contains(${name}, $pv_v))"
            )
            pos = tail.end()
        out.append(test[pos:])
        return "".join(out)

    def take_declarations(self) -> list[tuple[str, str]]:
        """(name, select) of the map variables used since the last call (the current stylesheet's)."""
        used = [name for name in self.maps if name in self._used]
        self._used.clear()
        return [d for d in self.declarations() if d[0] in used]

    def declarations(self) -> list[tuple[str, str]]:
        """(name, select) of every global map variable the rewritten tests use."""
        # A map constructor with literal keys is built once, when Saxon compiles the stylesheet (a map:merge
        # over tokenize() would be built again on every run). Keys must be distinct in a constructor.
        return [
            (name, "map{" + ", ".join(f"'{t}': true()" for t in dict.fromkeys(tokens)) + "}")
            for name, tokens in self.maps.items()
        ]


_SPECIAL = re.compile(r"['\"()\[\],]")


def _argument_end(text: str, start: int) -> int | None:
    """Where the function argument starting at `start` ends (the top-level ',' or ')'), skipping literals."""
    depth = 0
    i = start
    while (match := _SPECIAL.search(text, i)) is not None:
        i = match.start()
        ch = text[i]
        if ch in "'\"":
            close = text.find(ch, i + 1)
            if close < 0:
                return None
            i = close + 1
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0:  # ','
            return i
        i += 1
    return None


def _ends_expression(text: str, pos: int) -> bool:
    """True when the quantified expression ending at `pos` cannot extend further (end, ')' or ']' follows)."""
    rest = text[pos:].lstrip()
    return rest == "" or rest[0] in ")],"


def _shadowed(test: str, name: str) -> bool:
    """True when the test binds a local variable of the list's name (then $name is not the global)."""
    return re.search(r"(?:for|let|some|every)\s+\$" + re.escape(name) + r"\b", test) is not None


_QNAME = r"[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?"
_UNION = r"\(\s*" + _QNAME + r"(?:\s*\|\s*" + _QNAME + r")+\s*\)"
_FIRST_STEP = re.compile(r"\s*(?P<step>" + _QNAME + "|" + _UNION + r")\s*(?=/|$)")
_NEXT_STEP = re.compile(r"\s*/\s*(?P<step>@?(?:" + _QNAME + r"|\*))")


def absence_steps(test: str) -> tuple[str, ...] | None:
    """The steps of P in a test of the form ``not(P)``, P a relative path of child (and attribute) name steps.

    P's first step is a child element name (or a union of names); later steps may carry predicates, which are
    left out of the returned steps. Such an assert can only fail where every prefix of P selects something, so
    a rule's asserts sharing a prefix may be skipped together when it is empty (the official UBL-CR rules test
    ~700 elements this way on the document element, most of them absent).
    """
    text = test.strip()
    if not text.startswith("not(") or not text.endswith(")"):
        return None
    inner = text[4:-1]
    if _argument_end(inner + ")", 0) != len(inner):
        return None  # the last ')' does not close not(: e.g. not(a) or not(b)
    match = _FIRST_STEP.match(inner)
    if match is None:
        return None
    steps = [re.sub(r"\s+", "", match.group("step"))]
    pos = match.end()
    while pos < len(inner):
        if not inner[pos:].strip():
            break
        step = _NEXT_STEP.match(inner, pos)
        if step is None:
            return None
        steps.append(step.group("step"))
        pos = step.end()
        while pos < len(inner) and inner[pos] == "[":
            close = _argument_end(inner, pos + 1)
            if close is None or inner[close] != "]":
                return None
            pos = close + 1
    return tuple(steps)
