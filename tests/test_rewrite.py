"""The compiler's code-list rewrites: what is rewritten, what is left alone, and that Saxon gives the same answer.

The equivalence tests evaluate the official form and the rewritten form of a test side by side on Saxon, for
generated values (spaces, tabs, empty strings, near-misses of the tokens, several attributes), so they check
the rewrite against XPath itself, not against the rewriter's own reasoning.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from peppol_validate.schematron.rewrite import CodeListRewriter, absence_steps
from peppol_validate.schematron.runtime import processor, to_xdm

CODES = ["AED", "EUR", "USD", "C62", "0088", "9925", "XXX", "H87"]
LITERAL = " " + " ".join(CODES) + " "


def _rewriter() -> CodeListRewriter:
    r = CodeListRewriter()
    r.note_global("LIST", "tokenize('" + " ".join(CODES) + "', '\\s')")
    r.note_global("OTHER", "('EUR', 'USD')")
    r.note_global("GAPPY", "tokenize(' EUR  USD', '\\s')")  # XPath gives '', 'EUR', '', 'USD'
    return r


def test_contains_code_list_becomes_a_map_lookup() -> None:
    r = _rewriter()
    guard = "not(contains(normalize-space(@currencyID), ' '))"
    out = r.rewrite(f"({guard} and contains('{LITERAL}', concat(' ', normalize-space(@currencyID), ' ')))")
    assert "contains(normalize-space(@currencyID), ' ')" in out  # the official guard is kept
    assert "Q{http://www.w3.org/2005/xpath-functions/map}contains($pv_codes_1, $pv_v)" in out
    assert f"contains('{LITERAL}'" in out  # the fallback for values with a space
    assert r.declarations() == [("pv_codes_1", "map{" + ", ".join(f"'{c}': true()" for c in CODES) + "}")]


def test_token_lists_keep_the_empty_strings_of_xpath_tokenize() -> None:
    assert _rewriter().token_lists["GAPPY"] == ["", "EUR", "", "USD"]


def test_some_over_a_global_token_list_becomes_a_map_lookup() -> None:
    r = _rewriter()
    out = r.rewrite("some $code in $LIST satisfies @currencyID = $code")
    assert out == "exists((@currencyID)[Q{http://www.w3.org/2005/xpath-functions/map}contains($pv_codes_1, string(.))])"


def test_what_is_left_alone() -> None:
    r = _rewriter()
    untouched = [
        # the quantified expression goes on after "= $code": rewriting it would change its meaning
        "some $code in $LIST satisfies @currencyID = $code and @x",
        # the list is not a global tokenize() of a literal
        "some $code in $OTHER satisfies @currencyID = $code",
        "some $code in $UNKNOWN satisfies @currencyID = $code",
        # a number on the left could compare differently with strings than a map key does
        "some $code in $LIST satisfies number(.) = $code",
        # double spaces or no space at the ends: membership is not the same as contains()
        "contains(' A  B ', concat(' ', normalize-space(.), ' '))",
        "contains('A B', concat(' ', normalize-space(.), ' '))",
        # not the concat(' ', E, ' ') form
        f"contains('{LITERAL}', concat(' ', normalize-space(.)))",
        f"contains('{LITERAL}', normalize-space(.))",
    ]
    for test in untouched:
        assert r.rewrite(test) == test, test
    assert r.declarations() == []
    # a rule's own let of the same name hides the global list
    assert r.rewrite("some $c in $LIST satisfies . = $c", frozenset({"LIST"})) == "some $c in $LIST satisfies . = $c"
    # ... and so does a variable bound inside the test
    shadowed = "for $LIST in ('a') return some $c in $LIST satisfies . = $c"
    assert r.rewrite(shadowed) == shadowed


def test_operands_with_parentheses_and_literals() -> None:
    r = _rewriter()
    test = f"contains('{LITERAL}', concat(' ', normalize-space(substring-before(concat(., ','), ',')), ' '))"
    out = r.rewrite(test)
    assert "string(normalize-space(substring-before(concat(., ','), ',')))" in out


# -- equivalence on Saxon -------------------------------------------------------------------------------

_FORMS = {
    "contains-text": f"contains('{LITERAL}', concat(' ', normalize-space(.), ' '))",
    "contains-raw": f"contains('{LITERAL}', concat(' ', ., ' '))",
    "contains-attr": f"contains('{LITERAL}', concat(' ', @code, ' '))",
    "some-attr": "some $c in $LIST satisfies @code = $c",
    "some-text": "some $c in $LIST satisfies normalize-space(text()) = $c",
    "some-upper": "some $c in $LIST satisfies upper-case(.) = $c",
    "some-gappy": "some $c in $GAPPY satisfies @code = $c",
}
_executables: dict[str, Any] = {}


def _executable(form: str, rewritten: bool) -> Any:
    key = f"{form}:{rewritten}"
    if key not in _executables:
        r = _rewriter()
        test = _FORMS[form]
        if rewritten:
            test = r.rewrite(test)
            assert test != _FORMS[form]
        maps = "".join(f'<xsl:variable name="{n}" select="{s}"/>' for n, s in r.declarations())
        sheet = (
            '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0">'
            '<xsl:output method="text"/>'
            f"<xsl:variable name=\"LIST\" select=\"tokenize('{' '.join(CODES)}', '\\s')\"/>"
            "<xsl:variable name=\"GAPPY\" select=\"tokenize(' EUR  USD', '\\s')\"/>"
            f"{maps}"
            '<xsl:template match="/"><xsl:for-each select="/doc/v">'
            f'<xsl:try select="if ({test}) then 1 else 0"><xsl:catch select="\'E\'"/></xsl:try>'
            "</xsl:for-each></xsl:template></xsl:stylesheet>"
        )
        exe = processor().new_xslt30_processor().compile_stylesheet(stylesheet_text=sheet)
        assert exe is not None
        _executables[key] = exe
    return _executables[key]


_values = st.one_of(
    st.sampled_from(CODES),
    st.sampled_from(["", " ", "EUR ", " EUR", "EUR USD", "EU", "EURO", "eur", "AED  EUR", "\tEUR", "EUR\n", "C62 "]),
    st.text(alphabet="AEURSDC62 \t", max_size=8),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_values, min_size=1, max_size=6), split=st.booleans())
def test_rewritten_forms_answer_like_the_official_forms(values: list[str], split: bool) -> None:
    doc = etree.Element("doc")
    for value in values:
        v = etree.SubElement(doc, "v", code=value)
        if split and value:
            # two text nodes: normalize-space(text()) fails in both forms, concat(., ...) does not
            v.text = value[:1]
            v.append(etree.Comment("c"))
            v[-1].tail = value[1:]
        else:
            v.text = value
    xdm = to_xdm(doc)
    for form in _FORMS:
        official = _executable(form, False).transform_to_string(xdm_node=xdm)
        rewritten = _executable(form, True).transform_to_string(xdm_node=xdm)
        assert official == rewritten, (form, values, split)


def test_absence_steps_only_for_plain_paths_under_not() -> None:
    assert absence_steps("not(ext:UBLExtensions)") == ("ext:UBLExtensions",)
    assert absence_steps("not(cac:X  /cbc:Y/@schemeID)") == ("cac:X", "cbc:Y", "@schemeID")
    assert absence_steps("not((cac:InvoiceLine|cac:CreditNoteLine)/cbc:Note)") == (
        "(cac:InvoiceLine|cac:CreditNoteLine)",
        "cbc:Note",
    )
    # predicates after the first step are left out of the steps (the prefix is still a necessary condition)
    assert absence_steps("not(a/b[c = 'x' or d]/e)") == ("a", "b", "e")
    for test in [
        "not(cbc:UBLVersionID) or cbc:UBLVersionID = '2.1'",  # not only a not()
        "not(a) and not(b)",
        "not(a/b or c)",  # an operator after the path: c alone can make it fail
        "not(a/b = 'x')",
        "not(a/b[c]/e = 1)",
        "not(a | b)",
        "not(//cac:A/cbc:B)",  # not relative to the context
        "not(cac:A[1]/cbc:B)",  # a predicate on the first step
        "not(exists(cac:A))",
        "not(count(x))",
        "not(a/b/text())",
        "not(.)",
    ]:
        assert absence_steps(test) is None, test
