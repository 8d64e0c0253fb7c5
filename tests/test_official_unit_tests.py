"""Every official Peppol and CEN unit-test expectation, through the project's own Schematron compiler."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from peppol_validate.layers import executable_for
from peppol_validate.schematron.runtime import to_xdm

from .conftest import PACKS
from .official_units import SUITES, Expectation, expectations, fragment

ALL = expectations(PACKS)


def test_the_suites_are_complete() -> None:
    """The packs hold about 2,000 expectations; a glob that silently matched nothing would hide that."""
    per_suite = {s: sum(1 for e in ALL if e.suite == s) for s in SUITES}
    assert per_suite["peppol-ubl"] == 552
    assert per_suite["peppol-cii"] == 320
    assert per_suite["cen-ubl"] == 1133
    assert per_suite["cen-cii"] == 9


@cache
def _fired(suite: str, file: Path, index: int) -> dict[str, set[str]]:
    exe = executable_for(PACKS / SUITES[suite][0], None)
    fired: dict[str, set[str]] = {}
    for f in exe.run(to_xdm(fragment(file, index))):
        fired.setdefault(f.assertion.id, set()).add((f.assertion.flag or "error").lower())
    return fired


@pytest.mark.parametrize("exp", ALL, ids=[e.case_id for e in ALL])
def test_expectation(exp: Expectation) -> None:
    fired = _fired(exp.suite, exp.file, exp.index)
    if exp.kind == "success":
        assert exp.rule not in fired, f"{exp.rule} fired but must not: {fired.get(exp.rule)}"
    elif exp.kind == "error":
        assert fired.get(exp.rule, set()) & {"fatal", "error"}, (
            f"{exp.rule} must fire as an error; fired: {sorted(fired)}"
        )
    else:
        assert "warning" in fired.get(exp.rule, set()), f"{exp.rule} must fire as a warning; fired: {sorted(fired)}"
