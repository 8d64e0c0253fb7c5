"""Exceptions raised by peppol-validate; each carries a stable machine-readable code."""

from __future__ import annotations


class PeppolValidateError(Exception):
    """Base class of every error this package raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class LoadError(PeppolValidateError):
    """The input could not be loaded as a safe, well-formed XML document (or PDF carrying one)."""

    code = "load-error"

    def __init__(
        self, message: str, *, code: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.line = line
        self.column = column


class PackError(PeppolValidateError):
    """An official artefact could not be found, fetched or verified."""

    code = "pack-error"


class PackIntegrityError(PackError):
    """A pack file's bytes do not match the SHA-256 pinned in the manifest."""

    code = "pack-integrity"


class PackMissingError(PackError):
    """A pack file is neither in the mirror nor in the cache, and downloading was not allowed."""

    code = "pack-missing"


class SchematronCompileError(PeppolValidateError):
    """A Schematron file could not be compiled to XSLT, or the XSLT could not be compiled by Saxon."""

    code = "schematron-compile"


class ConfigError(PeppolValidateError):
    """A configuration file or option is invalid."""

    code = "config-error"
