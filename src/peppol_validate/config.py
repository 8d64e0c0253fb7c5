"""Configuration from the environment and defaults: the only core-adjacent module that reads os.environ."""

from __future__ import annotations

import os
from pathlib import Path

from .packs import PackStore

#: Environment variable naming a local mirror of the official packs (same layout as the manifest).
PACKS_ENV = "PEPPOL_VALIDATE_PACKS"
#: Environment variable overriding the per-user cache directory.
CACHE_ENV = "PEPPOL_VALIDATE_CACHE"


def default_cache_dir() -> Path:
    """The per-user cache folder for downloaded packs ($PEPPOL_VALIDATE_CACHE, else XDG cache, else ~/.cache)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "peppol-validate"


def pack_store(packs: str | os.PathLike[str] | PackStore | None = None, *, allow_download: bool = False) -> PackStore:
    """A PackStore for a mirror given explicitly, or by $PEPPOL_VALIDATE_PACKS, plus the per-user cache."""
    if isinstance(packs, PackStore):
        return packs
    mirror = packs if packs is not None else os.environ.get(PACKS_ENV)
    return PackStore(
        mirror=Path(mirror).expanduser() if mirror else None,
        cache_dir=default_cache_dir() / "packs",
        allow_download=allow_download,
    )
