"""Shared fixtures: the official packs mirror (../shared/packs beside the repo, or $PEPPOL_VALIDATE_PACKS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKS = Path(os.environ.get("PEPPOL_VALIDATE_PACKS") or REPO.parent / "shared" / "packs").resolve()
CORPUS = REPO / "corpus"

# The CLI caches results per user by default: keep the tests' cache out of the user's home.
os.environ.setdefault("PEPPOL_VALIDATE_CACHE", str(Path(__file__).resolve().parents[1] / ".pytest-peppol-cache"))

if not (PACKS / "SHA256SUMS").is_file():  # pragma: no cover - a broken environment, not a test outcome
    raise pytest.UsageError(f"official packs mirror not found at {PACKS}; set PEPPOL_VALIDATE_PACKS")


@pytest.fixture(scope="session")
def packs_dir() -> Path:
    """The local mirror of the official packs."""
    return PACKS


@pytest.fixture(scope="session")
def store():  # type: ignore[no-untyped-def]
    """A PackStore over the mirror, never downloading."""
    from peppol_validate.packs import PackStore

    return PackStore(mirror=PACKS, allow_download=False)


@pytest.fixture(scope="session")
def validator(store):  # type: ignore[no-untyped-def]
    """A Validator over the mirror, rule sets chosen as of 2026-11-24 (3.0.21 in force)."""
    from datetime import date

    from peppol_validate.validator import Validator

    return Validator(packs=store, as_of=date(2026, 11, 24))
