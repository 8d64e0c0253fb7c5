"""Reads the official VEFA unit-test sets (testSet/test/assert success|error|warning + a fragment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"


@dataclass(frozen=True)
class Expectation:
    """One expectation of one test: the rule must not fire (success), or fire as error/warning."""

    suite: str
    file: Path
    index: int
    kind: str
    rule: str

    @property
    def case_id(self) -> str:
        return f"{self.suite}/{self.file.name}#{self.index}:{self.kind}:{self.rule}"


#: suite name → (Schematron rule set file in the packs, glob of its unit tests)
SUITES: dict[str, tuple[str, str]] = {
    "peppol-ubl": (
        "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch",
        "peppol-bis-billing-3/rules/unit-UBL-*/*.xm*",
    ),
    "peppol-cii": (
        "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-CII.sch",
        "peppol-bis-billing-3/rules/unit-CII-*/*.xm*",
    ),
    "cen-ubl": ("en16931-cen/ubl/schematron/EN16931-UBL-validation.sch", "en16931-cen/test/*-unit-UBL/*.xml"),
    "cen-cii": ("en16931-cen/cii/schematron/EN16931-CII-validation.sch", "en16931-cen/test/cii/*.xml"),
}


def expectations(packs: Path) -> list[Expectation]:
    """Every expectation of every official unit-test file, in a stable order."""
    out: list[Expectation] = []
    for suite, (_, pattern) in SUITES.items():
        for file in sorted(packs.glob(pattern)):
            tree = etree.parse(str(file))
            for index, test in enumerate(tree.getroot().iter(VEFA + "test")):
                for a in test.findall(VEFA + "assert"):
                    for e in a:
                        kind = etree.QName(e).localname if isinstance(e.tag, str) else ""
                        if kind in ("success", "error", "warning"):
                            out.append(Expectation(suite, file, index, kind, (e.text or "").strip()))
    return out


def fragment(file: Path, index: int) -> etree._Element:
    """The document fragment of test number ``index`` in a testSet, as a standalone root element."""
    tree = etree.parse(str(file))
    test = list(tree.getroot().iter(VEFA + "test"))[index]
    element = next(c for c in test if isinstance(c.tag, str) and not c.tag.startswith(VEFA))
    return etree.fromstring(etree.tostring(element))
