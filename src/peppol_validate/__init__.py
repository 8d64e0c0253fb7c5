"""peppol-validate: check an e-invoice before it is sent, the way the network and the tax authority will."""

from __future__ import annotations

__version__ = "0.1.0"

import os
from datetime import date
from typing import TYPE_CHECKING

from .errors import LoadError, PackError, PeppolValidateError
from .model import AuthorityCode, DocumentReport, Finding, LayerResult, Report, Severity, Verdict

if TYPE_CHECKING:
    from .packs import PackStore
    from .validator import Source, Validator


def validate(
    source: Source,
    *,
    as_of: date | None = None,
    packs: str | os.PathLike[str] | PackStore | None = None,
) -> Report:
    """Validate one document (path, bytes or lxml tree) and return a Report with one DocumentReport."""
    validator = make_validator(as_of=as_of, packs=packs)
    return validator.validate_many([source])


def make_validator(
    *, as_of: date | None = None, packs: str | os.PathLike[str] | PackStore | None = None, svrl: bool = False
) -> Validator:
    """A reusable Validator over the given packs mirror (default: $PEPPOL_VALIDATE_PACKS, then the cache)."""
    from .config import pack_store
    from .validator import Validator

    return Validator(packs=pack_store(packs), as_of=as_of, svrl=svrl)


def __getattr__(name: str) -> object:
    if name == "Validator":
        from .validator import Validator

        return Validator
    raise AttributeError(name)


__all__ = [
    "AuthorityCode",
    "DocumentReport",
    "Finding",
    "LayerResult",
    "LoadError",
    "PackError",
    "PeppolValidateError",
    "Report",
    "Severity",
    "Validator",
    "Verdict",
    "__version__",
    "make_validator",
    "validate",
]
