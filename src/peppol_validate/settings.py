"""Configuration files: ``[tool.peppol-validate]`` in pyproject.toml or a ``.peppol-validate.toml``.

:func:`load_settings` searches from a start folder upwards for, in each folder, ``.peppol-validate.toml``
(top-level keys; it wins) and then ``pyproject.toml`` (only if it has a ``[tool.peppol-validate]`` table).
The search stops after the folder that holds ``.git`` (the repository root) or at the filesystem root.
Command-line flags override the file: ``settings.merged(**flags)``.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .policy import FAIL_ON, Policy

__all__ = ["CONFIG_FILENAME", "PYPROJECT", "TOOL_TABLE", "Settings", "find_config", "load_settings", "parse_settings"]

#: The dedicated configuration file (top-level keys); wins over pyproject.toml in the same folder.
CONFIG_FILENAME = ".peppol-validate.toml"
#: pyproject.toml, read only for its ``[tool.peppol-validate]`` table.
PYPROJECT = "pyproject.toml"
#: The table name inside pyproject.toml.
TOOL_TABLE = "peppol-validate"


@dataclass(frozen=True)
class Settings:
    """Options from a configuration file (None = not set there); ``source`` is the file they came from."""

    as_of: date | None = None
    packs: Path | None = None
    format: str | None = None
    jobs: int | None = None
    fail_on: str | None = None
    cache: bool | None = None
    policy: Policy = field(default_factory=Policy.empty)
    ledger: Path | None = None
    rule_sets: tuple[str, ...] | None = None
    source: Path | None = None

    def merged(self, **overrides: Any) -> Settings:
        """A copy where every non-None override (a command-line flag) replaces the file's value."""
        names = {f.name for f in dataclasses.fields(self)} - {"source"}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(f"Settings.merged() got unknown option(s): {', '.join(unknown)}")
        given = {k: v for k, v in overrides.items() if v is not None}
        for key in ("packs", "ledger"):
            if isinstance(given.get(key), str):
                given[key] = Path(given[key]).expanduser()
        if isinstance(given.get("as_of"), str):
            given["as_of"] = _as_of(given["as_of"])
        if "fail_on" in given and given["fail_on"] not in FAIL_ON:
            raise ConfigError(f"fail-on must be one of {', '.join(FAIL_ON)}, got {given['fail_on']!r}")
        return dataclasses.replace(self, **given)


def find_config(start: Path) -> tuple[Path, bool] | None:
    """The nearest configuration file from ``start`` upwards, and whether it is a pyproject.toml; or None."""
    folder = start.expanduser().resolve()
    if not folder.is_dir():
        folder = folder.parent
    while True:
        dedicated = folder / CONFIG_FILENAME
        if dedicated.is_file():
            return dedicated, False
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _tool_table(_read_toml(pyproject), pyproject) is not None:
            return pyproject, True
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def load_settings(start: Path, explicit: Path | None = None) -> Settings:
    """Settings from ``explicit`` (a --config file) if given, else from the nearest config file above ``start``."""
    if explicit is not None:
        path = explicit.expanduser()
        if not path.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        is_pyproject = path.name == PYPROJECT
        data = _read_toml(path)
        if is_pyproject:
            table = _tool_table(data, path)
            if table is None:
                raise ConfigError(f"{path}: has no [tool.{TOOL_TABLE}] table")
            data = table
        return parse_settings(data, source=path.resolve(), pyproject=is_pyproject)
    found = find_config(start)
    if found is None:
        return Settings()
    path, is_pyproject = found
    data = _read_toml(path)
    if is_pyproject:
        data = _tool_table(data, path) or {}
    return parse_settings(data, source=path, pyproject=is_pyproject)


def parse_settings(data: Mapping[str, Any], *, source: Path, pyproject: bool = False) -> Settings:
    """Check and convert one configuration table; relative ``packs`` are resolved against ``source``'s folder."""
    table = f"[tool.{TOOL_TABLE}]" if pyproject else "top level"
    values: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for raw_key, value in data.items():
        name = raw_key.replace("_", "-")
        if name not in _KEYS:
            hint = difflib.get_close_matches(name, list(_KEYS), n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else f" (known keys: {', '.join(_KEYS)})"
            raise ConfigError(f"{source}: {table}: unknown key {raw_key!r}{suggestion}")
        if name in seen:
            raise ConfigError(f"{source}: {table}: {raw_key!r} and {seen[name]!r} set the same option")
        seen[name] = raw_key
        if name == "policy":
            where = f"{source}: [tool.{TOOL_TABLE}.policy]" if pyproject else f"{source}: [policy]"
            values["policy"] = Policy.from_mapping(value, source=where) if isinstance(value, Mapping) else None
            if values["policy"] is None:
                raise ConfigError(f"{where}: must be a table of rule id = action, got {value!r}")
            continue
        try:
            converted = _KEYS[name](value)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {table}: {raw_key!r}: {exc.message}") from None
        if name in ("packs", "ledger") and not converted.is_absolute():
            converted = (source.parent / converted).resolve()
        values[name.replace("-", "_")] = converted
    return Settings(**values, source=source)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _tool_table(data: Mapping[str, Any], path: Path) -> dict[str, Any] | None:
    tool = data.get("tool")
    if not isinstance(tool, Mapping) or TOOL_TABLE not in tool:
        return None
    table = tool[TOOL_TABLE]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TOOL_TABLE}] must be a table, got {table!r}")
    return table


def _as_of(value: object) -> date:
    if isinstance(value, datetime):
        raise ConfigError(f"must be a date without a time (YYYY-MM-DD), got {value.isoformat()!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"must be a date (YYYY-MM-DD), got {value!r}")


def _packs(value: object) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"must be a path (a non-empty string), got {value!r}")
    return Path(value).expanduser()


def _format(value: object) -> str:
    from .render import RENDERERS

    if not isinstance(value, str) or value not in RENDERERS:
        raise ConfigError(f"must be one of {', '.join(sorted(RENDERERS))}, got {value!r}")
    return value


def _jobs(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"must be a whole number of at least 1, got {value!r}")
    return value


def _fail_on(value: object) -> str:
    if not isinstance(value, str) or value not in FAIL_ON:
        raise ConfigError(f"must be one of {', '.join(map(repr, FAIL_ON))}, got {value!r}")
    return value


def _cache(value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"must be true or false, got {value!r}")
    return value


def _rule_sets(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f'must be a list of optional rule-set names (e.g. ["ublbe"]), got {value!r}')
    return tuple(v.strip() for v in value)


def _no_converter(value: object) -> object:  # pragma: no cover - policy is handled separately
    return value


#: Key in the file → converter (raises ConfigError with the problem).
_KEYS: dict[str, Callable[[Any], Any]] = {
    "as-of": _as_of,
    "packs": _packs,
    "format": _format,
    "jobs": _jobs,
    "fail-on": _fail_on,
    "cache": _cache,
    "ledger": _packs,
    "rule-sets": _rule_sets,
    "policy": _no_converter,
}
