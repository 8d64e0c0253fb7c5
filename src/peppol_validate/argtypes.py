"""Value types for command-line options, shared by the validate, serve and packs commands."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(value: str) -> date:
    """A YYYY-MM-DD date."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def positive_int(value: str) -> int:
    """A whole number of at least 1 (underscores allowed: 64_000_000)."""
    try:
        number = int(value.replace("_", ""))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from exc
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return number
