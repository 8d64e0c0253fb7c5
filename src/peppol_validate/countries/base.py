"""What every country layer shares: the rule catalogue (data), findings built from it, and Python check layers.

The catalogue lives in ``schemas/catalogue/*.json`` (shipped as ``peppol_validate/schemas/catalogue``): one file
per authority or country, each entry giving a project rule id, its severity, the authority codes it maps to,
its meaning and a one-line fix. ``mappings`` attach authority codes and fixes to findings of other rule sets
(e.g. every FatturaPA XSD failure is SDI 00200).
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections import abc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from lxml import etree

from ..detect import Detection
from ..layers import LayerOutcome, PackSource, RunContext, _done, _error
from ..loading import LoadedDocument
from ..locations import element_path
from ..model import AuthorityCode, Finding, Severity


@dataclass(frozen=True)
class CatalogueEntry:
    """One project-authored rule: id, severity, authority codes, meaning and fix."""

    id: str
    severity: Severity
    meaning: str
    fix: str
    codes: tuple[AuthorityCode, ...] = ()
    country: str | None = None
    implemented_by: str | None = None


@dataclass(frozen=True)
class Mapping:
    """Authority codes and a fix attached to findings of other rule sets (official ones included)."""

    rule: str
    codes: tuple[AuthorityCode, ...]
    document_types: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    fix: str | None = None

    def matches(self, finding: Finding, document_type: str | None) -> bool:
        """True when this mapping applies to a finding of a document of that type."""
        if self.document_types and document_type not in self.document_types:
            return False
        if self.layers and finding.layer not in self.layers:
            return False
        return fnmatch.fnmatchcase(finding.rule_id, self.rule)


@dataclass(frozen=True)
class Unmapped:
    """A code some documentation mentions that has no published meaning we could find (listed, not invented)."""

    authority: str
    code: str
    note: str


@dataclass
class Catalogue:
    """All catalogue files merged: entries by id, mappings in file order, documented unmapped codes."""

    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    mappings: list[Mapping] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    out_of_reach: list[dict[str, str]] = field(default_factory=list)

    def entry(self, rule_id: str) -> CatalogueEntry:
        """The entry of a project rule (KeyError names the missing id)."""
        try:
            return self.entries[rule_id]
        except KeyError:
            raise KeyError(f"rule {rule_id!r} is not in the catalogue (schemas/catalogue/*.json)") from None

    def enrich(self, findings: Iterable[Finding], document_type: str | None) -> None:
        """Fill authority codes and fix hints from the catalogue and its mappings (in place)."""
        for f in findings:
            entry = self.entries.get(f.rule_id)
            codes = list(f.authority_codes)
            if entry is not None:
                codes.extend(c for c in entry.codes if c not in codes)
                f.fix = f.fix or entry.fix
            for mapping in self.mappings:
                if mapping.matches(f, document_type):
                    codes.extend(c for c in mapping.codes if c not in codes)
                    f.fix = f.fix or mapping.fix
            f.authority_codes = codes


def _codes(raw: Sequence[Any]) -> tuple[AuthorityCode, ...]:
    return tuple(AuthorityCode(authority=c["authority"], code=c["code"]) for c in raw)


def parse_catalogue(files: Iterable[tuple[str, dict[str, Any]]]) -> Catalogue:
    """Build a catalogue from (name, parsed JSON) pairs; duplicate ids are an error."""
    cat = Catalogue()
    for name, raw in files:
        country = raw.get("country")
        for e in raw.get("entries", []):
            if e["id"] in cat.entries:
                raise ValueError(f"catalogue {name}: duplicate rule id {e['id']}")
            cat.entries[e["id"]] = CatalogueEntry(
                id=e["id"],
                severity=Severity(e["severity"]),
                meaning=e["meaning"],
                fix=e["fix"],
                codes=_codes(e.get("codes", [])),
                country=e.get("country", country),
                implemented_by=e.get("implemented_by"),
            )
        for m in raw.get("mappings", []):
            cat.mappings.append(
                Mapping(
                    rule=m["rule"],
                    codes=_codes(m.get("codes", [])),
                    document_types=tuple(m.get("document_types", [])),
                    layers=tuple(m.get("layers", [])),
                    fix=m.get("fix"),
                )
            )
        for u in raw.get("unmapped", []):
            cat.unmapped.append(Unmapped(u["authority"], u["code"], u["note"]))
        cat.out_of_reach.extend(raw.get("out_of_reach", []))
    return cat


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The packaged catalogue (schemas/catalogue/*.json), read once per process."""
    folder = resources.files("peppol_validate").joinpath("schemas").joinpath("catalogue")
    files: list[tuple[str, dict[str, Any]]] = []
    if folder.is_dir():
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.name.endswith(".json"):
                files.append((item.name, json.loads(item.read_text("utf-8"))))
    return parse_catalogue(files)


def make_finding(
    rule_id: str,
    doc: LoadedDocument,
    node: etree._Element | None,
    message: str | None = None,
    *,
    layer: str = "country",
    rule_set: str | None = None,
    rule_set_version: str | None = None,
) -> Finding:
    """A finding of a project rule located at an element, with severity, codes and fix from the catalogue."""
    entry = catalogue().entry(rule_id)
    return Finding(
        rule_id=rule_id,
        severity=entry.severity,
        layer=layer,
        message=message or entry.meaning,
        location=element_path(node) if node is not None else None,
        line=node.sourceline if node is not None else None,
        column=doc.column_of(node) if node is not None else None,
        rule_set=rule_set,
        rule_set_version=rule_set_version,
        authority_codes=list(entry.codes),
        fix=entry.fix,
    )


def element_text(el: etree._Element | None) -> str:
    """An element's text with surrounding whitespace removed ('' when absent)."""
    if el is None or el.text is None:
        return ""
    return str(el.text).strip()


def elements(node: etree._Element, path: str, namespaces: abc.Mapping[str, str]) -> list[etree._Element]:
    """The elements an XPath selects from ``node`` (other result kinds are dropped)."""
    result = node.xpath(path, namespaces=dict(namespaces))
    return [r for r in result if isinstance(r, etree._Element)] if isinstance(result, list) else []


def packs_of(options: Any) -> PackSource:
    """The packs a country layer reads official files from: the validator's own (``Options.packs``).

    Options built by hand without packs fall back to the configured mirror and cache (never downloading).
    """
    packs: PackSource | None = getattr(options, "packs", None)
    if packs is not None:
        return packs
    from ..config import pack_store

    return pack_store()


#: A Python check: reads the run context, yields findings.
Check = Callable[[RunContext], Iterable[Finding]]


class PythonChecksLayer:
    """A layer of Python checks (for what Schematron is the wrong tool for, such as checksums)."""

    layer = "country"

    def __init__(self, name: str, version: str, checks: Sequence[Check]) -> None:
        self.name = name
        self.version = version
        self.checks = list(checks)

    def run(self, ctx: RunContext) -> LayerOutcome:
        """Run every check; an unexpected exception makes the layer (and so the document) not validated."""
        started = time.perf_counter()
        findings: list[Finding] = []
        try:
            for check in self.checks:
                for f in check(ctx):
                    f.rule_set = f.rule_set or self.name
                    f.rule_set_version = f.rule_set_version or self.version
                    findings.append(f)
        except Exception as exc:  # a bug in a check must never turn into "valid"
            return _error(self.layer, self.name, self.version, started, f"{type(exc).__name__}: {exc}")
        return _done(self.layer, self.name, self.version, started, findings)


#: A country's hook: the layers it adds for a detected document on a date.
CountryHook = Callable[[Detection, Any, Any], list[Any]]
