"""The rules page (docs/rules.md), generated from the catalogue: `python -m peppol_validate.countries.docs`."""

from __future__ import annotations

import sys
from pathlib import Path

from .base import Catalogue, catalogue

HEADER = """# Project rules and authority codes

Generated from `schemas/catalogue/*.json` by `python -m peppol_validate.countries.docs docs/rules.md`;
do not edit by hand. Official rules (CEN, Peppol, BR-FR, UBL.BE) keep their own ids and texts; this page lists
the rules the project writes itself, the authority codes findings carry, and the codes we deliberately leave
unmapped.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(cat: Catalogue) -> str:
    """The rules page as Markdown."""
    lines = [HEADER]
    countries = sorted({e.country or "-" for e in cat.entries.values()})
    for country in countries:
        entries = sorted((e for e in cat.entries.values() if (e.country or "-") == country), key=lambda e: e.id)
        lines += [
            f"## {country}",
            "",
            "| rule | severity | authority codes | meaning | fix |",
            "| --- | --- | --- | --- | --- |",
        ]
        for e in entries:
            codes = ", ".join(f"{c.authority} {c.code}" for c in e.codes) or "-"
            lines.append(f"| `{e.id}` | {e.severity.value} | {codes} | {_cell(e.meaning)} | {_cell(e.fix)} |")
        lines.append("")
    if cat.mappings:
        lines += [
            "## Codes attached to other rule sets",
            "",
            "| rule pattern | document types | codes |",
            "| --- | --- | --- |",
        ]
        for m in cat.mappings:
            codes = ", ".join(f"{c.authority} {c.code}" for c in m.codes)
            lines.append(f"| `{m.rule}` | {', '.join(m.document_types) or 'all'} | {codes} |")
        lines.append("")
    if cat.out_of_reach:
        lines += ["## Checks out of reach offline", "", "| authority | code | why |", "| --- | --- | --- |"]
        for item in cat.out_of_reach:
            lines.append(f"| {item['authority']} | {item['code']} | {_cell(item['why'])} |")
        lines.append("")
    if cat.unmapped:
        lines += ["## Unmapped codes", "", "| authority | code | note |", "| --- | --- | --- |"]
        for u in cat.unmapped:
            lines.append(f"| {u.authority} | {u.code} | {_cell(u.note)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the rules page to the given path (default docs/rules.md)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "docs/rules.md")
    target.write_text(render_markdown(catalogue()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
