"""Scenarios: which schema and which rule sets apply to a detected document on a given date.

The engine holds no rules: this module reads the catalogue ``data/rulesets.json`` (data, not code) and
turns a :class:`~peppol_validate.detect.Detection` plus an as-of date into an ordered :class:`Plan`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from .detect import Detection


@dataclass(frozen=True)
class SchemaSpec:
    """An XSD from the packs: its id, version, entry file and the folder its imports live in."""

    id: str
    version: str
    file: str
    root: str
    valid_from: date


@dataclass(frozen=True)
class RuleSetSpec:
    """A Schematron rule set from the packs (or the project), with its id, version and validity."""

    id: str
    family: str
    version: str
    title: str
    file: str
    valid_from: date
    phase: str | None = None
    note: str | None = None
    source: str = "packs"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RuleSetSpec:
        """A rule set from its data-file entry (id, family, version, title, file, valid_from, phase?, note?)."""
        return cls(
            id=raw["id"],
            family=raw["family"],
            version=raw["version"],
            title=raw["title"],
            file=raw["file"],
            valid_from=_date(raw["valid_from"]),
            phase=raw.get("phase"),
            note=raw.get("note"),
        )


@dataclass
class Plan:
    """The ordered layers for one document: an XSD, then Schematron rule sets, then country checks."""

    schema: SchemaSpec | None
    rule_sets: list[RuleSetSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Catalogue:
    """The rule-set catalogue: schemas, rule sets by family, and scenarios (all read from data)."""

    schemas: tuple[SchemaSpec, ...]
    kinds: dict[str, tuple[str, ...]]
    rule_sets: tuple[RuleSetSpec, ...]
    scenarios: tuple[tuple[str, str, tuple[str, ...]], ...]
    aliases: dict[str, str]

    def family(self, name: str) -> list[RuleSetSpec]:
        """All releases of one rule-set family, oldest first."""
        return sorted((r for r in self.rule_sets if r.family == name), key=lambda r: r.valid_from)

    def release(self, family: str, as_of: date) -> tuple[RuleSetSpec, str | None]:
        """The release of a family in force on a date, and a note when the date predates all releases."""
        releases = self.family(family)
        if not releases:
            raise KeyError(f"unknown rule-set family {family!r}")
        in_force = [r for r in releases if r.valid_from <= as_of]
        if in_force:
            return in_force[-1], None
        first = releases[0]
        return (
            first,
            f"{first.id} {first.version} is the oldest release available; it took effect on {first.valid_from}",
        )

    def schema_for(self, kind: str, as_of: date) -> SchemaSpec | None:
        """The schema in force for a document kind on a date."""
        candidates = sorted((s for s in self.schemas if kind in self.kinds[s.id]), key=lambda s: s.valid_from)
        if not candidates:
            return None
        in_force = [s for s in candidates if s.valid_from <= as_of]
        return (in_force or candidates)[-1]


def _date(value: str) -> date:
    return date.fromisoformat(value)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The packaged rule-set catalogue (read once per process)."""
    raw: dict[str, Any] = json.loads(
        resources.files("peppol_validate").joinpath("data/rulesets.json").read_text("utf-8")
    )
    schemas = tuple(
        SchemaSpec(s["id"], s["version"], s["file"], s["root"], _date(s["valid_from"])) for s in raw["schemas"]
    )
    kinds = {s["id"]: tuple(s["kinds"]) for s in raw["schemas"]}
    rule_sets = tuple(RuleSetSpec.from_dict(r) for r in raw["rule_sets"])
    scenarios = tuple((s["syntax"], s["profile"], tuple(s["families"])) for s in raw["scenarios"])
    return Catalogue(schemas, kinds, rule_sets, scenarios, dict(raw.get("schema_aliases", {})))


def plan_for(detection: Detection, as_of: date) -> Plan:
    """Choose the schema and rule sets for a detected document on a date (its scenario)."""
    cat = catalogue()
    schema = cat.schema_for(detection.kind.value, as_of)
    result = Plan(schema=schema)
    syntax = detection.syntax
    for scen_syntax, scen_profile, families in cat.scenarios:
        if scen_syntax != syntax or scen_profile not in ("*", detection.profile.value):
            continue
        for family in families:
            spec, note = cat.release(family, as_of)
            result.rule_sets.append(spec)
            if note:
                result.notes.append(note)
            if spec.note:
                result.notes.append(f"{spec.id} {spec.version}: {spec.note}")
        break
    return result
