"""The XSD layer: official schemas compiled once per process, imports resolved to local pack files."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .errors import PackError
from .model import Finding, Severity


class _LocalResolver(etree.Resolver):  # type: ignore[misc]
    """Maps known remote schema URLs (e.g. the W3C xmldsig schema) to local files; refuses the rest."""

    def __init__(self, aliases: dict[str, Path]) -> None:
        super().__init__()
        self.aliases = aliases

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> object:
        if system_url and system_url in self.aliases:
            return self.resolve_filename(str(self.aliases[system_url]), context)
        if system_url and system_url.startswith(("http://", "https://", "ftp://")):
            raise PackError(f"schema import {system_url} has no local copy; refusing to fetch it")
        return None


@dataclass(frozen=True)
class XsdIssue:
    """One schema violation as reported by libxml2."""

    type_name: str
    message: str
    line: int | None
    column: int | None
    path: str | None


class CompiledSchema:
    """An XSD compiled once; :meth:`validate` may be called many times (one at a time per instance)."""

    def __init__(self, xsd_path: Path, aliases: dict[str, Path]) -> None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        parser.resolvers.add(_LocalResolver(aliases))
        try:
            doc = etree.parse(str(xsd_path), parser)
            self._schema = etree.XMLSchema(doc)
        except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
            raise PackError(f"cannot compile schema {xsd_path}: {exc}") from exc
        self._lock = threading.Lock()

    def iter_issues(self, tree: etree._ElementTree) -> list[XsdIssue]:
        """Validate a tree and return every violation (empty when valid)."""
        with self._lock:
            ok = self._schema.validate(tree)
            log = [] if ok else list(self._schema.error_log)
        return [
            XsdIssue(
                type_name=e.type_name,
                message=e.message,
                line=e.line or None,
                column=(e.column + 1) if e.column is not None and e.column >= 0 else None,
                path=e.path or None,
            )
            for e in log
        ]


_cache: dict[tuple[str, tuple[tuple[str, str], ...]], CompiledSchema] = {}
_cache_lock = threading.Lock()


def compiled_schema(xsd_path: Path, aliases: dict[str, Path]) -> CompiledSchema:
    """The process-wide compiled schema for a file (compiled on first use)."""
    key = (str(xsd_path), tuple(sorted((k, str(v)) for k, v in aliases.items())))
    with _cache_lock:
        schema = _cache.get(key)
        if schema is None:
            schema = CompiledSchema(xsd_path, aliases)
            _cache[key] = schema
        return schema


def findings_from_issues(issues: list[XsdIssue], *, schema_id: str, version: str) -> list[Finding]:
    """Turn libxml2 schema violations into findings of the xsd layer."""
    return [
        Finding(
            rule_id=f"XSD-{issue.type_name}",
            severity=Severity.ERROR,
            layer="xsd",
            message=issue.message,
            location=issue.path,
            line=issue.line,
            column=issue.column,
            rule_set=schema_id,
            rule_set_version=version,
        )
        for issue in issues
    ]
