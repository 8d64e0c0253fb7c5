"""Official validation artefacts ("packs"): the pinned manifest and the verified local store."""

from __future__ import annotations

from peppol_validate.packs.manifest import Manifest, Pack, PackFile
from peppol_validate.packs.store import FetchSummary, PackStatus, PackStore, StoreDescription, VerifyProblem

__all__ = [
    "FetchSummary",
    "Manifest",
    "Pack",
    "PackFile",
    "PackStatus",
    "PackStore",
    "StoreDescription",
    "VerifyProblem",
]
