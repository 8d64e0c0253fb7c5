"""An HTTP service for applications in other languages: ``POST /v1/validate`` with the document as the body.

One :class:`~peppol_validate.validator.Validator` is built and warmed up (schemas and rule sets compiled) when
the server starts; every request shares it. Validation is CPU-bound and runs in a worker thread so that the
event loop keeps answering; runs of the same rule set are serialised by the validator's locks.

Routes:

``POST /v1/validate[?as_of=YYYY-MM-DD]``
    Body: the raw document (XML; the loader sniffs the content, a PDF is reported as not validated).
    Optional header ``X-Filename``: the name reported as the document's ``path`` (else null).
    200 for every validation outcome, with the same JSON as ``peppol-validate --format json`` (one document)
    and the verdict repeated in the ``X-Peppol-Verdict`` header; 400 for an empty body or a bad date;
    413 when the body is larger than ``max_bytes`` (never more than ``max_bytes + 1`` bytes are kept).
``GET /health``
    ``{"status": "ok", "version": ..., "as_of": ..., "rule_sets": [{"id", "version", "layer"}, ...]}``, the
    rule sets compiled at start-up.

Needs the ``serve`` extra (starlette, uvicorn).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import __version__
from .argtypes import iso_date, positive_int
from .batch import ValidatorSpec, warm_up
from .loading import Limits
from .model import Report, RuleSetRef
from .render.json import report_dict
from .validator import Validator

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_PORT",
    "FILENAME_HEADER",
    "VERDICT_HEADER",
    "add_serve_arguments",
    "create_app",
    "serve",
    "serve_main",
]

#: The largest request body accepted by default (10 MiB).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: The default TCP port.
DEFAULT_PORT = 8080
#: The response header that carries the document's verdict.
VERDICT_HEADER = "X-Peppol-Verdict"
#: The request header whose value is reported as the document's path.
FILENAME_HEADER = "X-Filename"

# How uvicorn worker processes (serve(workers > 1)) receive the spec: JSON in this environment variable.
_SPEC_ENV = "PEPPOL_VALIDATE_SERVE_SPEC"
_MAX_DATED_VALIDATORS = 16


class _Service:
    """What the app holds between requests: the validator, the compiled rule sets, validators for other dates."""

    def __init__(self, validator: Validator, rule_sets: list[RuleSetRef], max_bytes: int) -> None:
        self.validator = validator
        self.rule_sets = rule_sets
        self.max_bytes = max_bytes
        self._dated: OrderedDict[date, Validator] = OrderedDict()
        self._lock = threading.Lock()

    def validator_for(self, as_of: date | None) -> Validator:
        """The shared validator, or one for another date over the same packs (compiled rules are process-wide)."""
        if as_of is None or as_of == self.validator.options.as_of:
            return self.validator
        with self._lock:
            found = self._dated.get(as_of)
            if found is None:
                base = self.validator
                found = Validator(packs=base.packs, as_of=as_of, limits=base.options.limits, svrl=base.options.svrl)
                self._dated[as_of] = found
                while len(self._dated) > _MAX_DATED_VALIDATORS:
                    self._dated.popitem(last=False)
            else:
                self._dated.move_to_end(as_of)
            return found


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "status": status}, status_code=status)


def _too_large(max_bytes: int) -> JSONResponse:
    return _error(413, "too-large", f"The request body is larger than {max_bytes} bytes.")


def _validate(validator: Validator, body: bytes, path: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    document = validator.validate(body, path=path)
    document.path = path  # the X-Filename header, else null (not the loader's placeholder for bytes)
    report = Report(
        version=__version__,
        as_of=validator.as_of.isoformat(),
        documents=[document],
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    return report_dict(report)


async def _read_body(request: Request, max_bytes: int) -> bytes | None:
    """The request body, or None when it is larger than max_bytes (at most max_bytes + 1 bytes are kept)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk[: max_bytes + 1 - len(body)]
        if len(body) > max_bytes:
            return None
    return bytes(body)


async def _validate_endpoint(request: Request) -> Response:
    service: _Service = request.app.state.service
    as_of: date | None = None
    raw_date = request.query_params.get("as_of")
    if raw_date is not None:
        try:
            as_of = date.fromisoformat(raw_date)
        except ValueError:
            return _error(400, "bad-as-of", f"as_of is not a date (YYYY-MM-DD): {raw_date!r}")
    length = request.headers.get("content-length")
    if length is not None:
        try:
            declared = int(length)
        except ValueError:
            return _error(400, "bad-content-length", f"Content-Length is not a number: {length!r}")
        if declared > service.max_bytes:
            return _too_large(service.max_bytes)
    body = await _read_body(request, service.max_bytes)
    if body is None:
        return _too_large(service.max_bytes)
    if not body:
        return _error(400, "empty-body", "The request body is empty; send the document as the body.")
    path = request.headers.get(FILENAME_HEADER) or None
    data = await run_in_threadpool(_validate, service.validator_for(as_of), body, path)
    return JSONResponse(data, headers={VERDICT_HEADER: data["verdict"]})


async def _health(request: Request) -> Response:
    service: _Service = request.app.state.service
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "as_of": service.validator.as_of.isoformat(),
            "rule_sets": [ref.model_dump(mode="json") for ref in service.rule_sets],
        }
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error(500, "internal-error", f"{type(exc).__name__}: the document could not be validated.")


def create_app(spec: ValidatorSpec, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Starlette:
    """The Starlette app; its one Validator is built and warmed up at start-up (lifespan)."""
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be at least 1, not {max_bytes!r}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        validator = await run_in_threadpool(spec.build)
        rule_sets = await run_in_threadpool(warm_up, validator)
        app.state.service = _Service(validator, rule_sets, max_bytes)
        yield

    return Starlette(
        routes=[
            Route("/v1/validate", _validate_endpoint, methods=["POST"]),
            Route("/health", _health, methods=["GET"]),
        ],
        exception_handlers={Exception: _server_error},
        lifespan=lifespan,
    )


def _spec_to_json(spec: ValidatorSpec, max_bytes: int) -> str:
    data = dataclasses.asdict(spec)
    data["as_of"] = spec.as_of.isoformat() if spec.as_of else None
    data["max_bytes_body"] = max_bytes
    return json.dumps(data)


def _app_from_environment() -> Starlette:
    """App factory for uvicorn worker processes: the spec comes from the serving process's environment."""
    data = json.loads(os.environ[_SPEC_ENV])
    max_bytes = int(data.pop("max_bytes_body"))
    data["limits"] = Limits(**data["limits"])
    data["as_of"] = date.fromisoformat(data["as_of"]) if data["as_of"] else None
    return create_app(ValidatorSpec(**data), max_bytes=max_bytes)


def serve(
    spec: ValidatorSpec,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 1,
    log_level: str = "warning",
) -> None:
    """Run the service with uvicorn until interrupted (workers > 1: that many processes, each compiling once)."""
    import uvicorn

    if workers > 1:
        os.environ[_SPEC_ENV] = _spec_to_json(spec, max_bytes)
        uvicorn.run(
            "peppol_validate.service:_app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )
    else:
        uvicorn.run(create_app(spec, max_bytes=max_bytes), host=host, port=port, log_level=log_level)


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from exc
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {value!r}")
    return number


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``peppol-validate serve`` to a parser (or a subparser)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--max-bytes",
        type=positive_int,
        default=DEFAULT_MAX_BYTES,
        metavar="N",
        help="largest request body in bytes; larger ones get 413 (default 10 MiB)",
    )
    parser.add_argument(
        "--packs", metavar="DIR", help="local mirror of the official packs (overrides $PEPPOL_VALIDATE_PACKS)"
    )
    parser.add_argument(
        "--as-of",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="choose rule releases in force on this date (default: the day of each request)",
    )
    parser.add_argument("--download", action="store_true", help="allow downloading missing pack files (verified)")
    parser.add_argument("--workers", type=positive_int, default=1, metavar="N", help="server processes (default 1)")
    parser.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        default="warning",
        help="uvicorn log level (default warning)",
    )


def serve_main(argv: Sequence[str]) -> int:
    """``peppol-validate serve [--host H] [--port N] [--max-bytes N] [--packs DIR] [--as-of D] ...``; exit code."""
    args_list = list(argv)
    if args_list[:1] == ["serve"]:
        args_list = args_list[1:]
    parser = argparse.ArgumentParser(
        prog="peppol-validate serve",
        description="Serve POST /v1/validate (body: the document; answer: the JSON report) and GET /health.",
    )
    add_serve_arguments(parser)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return 2 if exc.code else 0
    spec = ValidatorSpec(packs=args.packs, allow_download=args.download, as_of=args.as_of)
    print(
        f"peppol-validate {__version__}: serving http://{args.host}:{args.port} "
        "(POST /v1/validate, GET /health); Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    from .cli import quiet_native_stderr

    # Saxon's native traces go to fd 2; the errors are in the reports. (Worker processes keep their stderr.)
    with quiet_native_stderr() if args.workers == 1 else contextlib.nullcontext():
        serve(
            spec,
            host=args.host,
            port=args.port,
            max_bytes=args.max_bytes,
            workers=args.workers,
            log_level=args.log_level,
        )
    return 0


if __name__ == "__main__":
    sys.exit(serve_main(sys.argv[1:]))
