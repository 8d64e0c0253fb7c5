"""Italy, SDI content controls (004xx) that need Python: the as-of date, version-keyed lists, cascaded arithmetic.

Most content controls are XPath in ``schematron/it/sdi-content.sch``. The ones here need something Schematron
does not have:

=================  ===================================================================================================
``IT-SDI-00403``   2.1.1.3 Data after the date SDI receives the file: the reception date is the as-of date (when the
                   validator's date is not fixed, today's date in Italy), so an invoice dated in the future fails.
``IT-SDI-00423``   2.2.1.11 PrezzoTotale against (PrezzoUnitario -/+ ScontoMaggiorazione applied in cascade) x
                   Quantita (1 when absent), tolerance +-0.01 (decimal arithmetic).
``IT-SDI-00471``   TipoDocumento for which the seller must differ from the buyer (list keyed by version).
``IT-SDI-00472``   TipoDocumento for which the seller must be the buyer (list keyed by version).
``IT-SDI-00473``   TipoDocumento for which the seller's IdPaese must not be IT, or must be IT (lists keyed by version).
``IT-SDI-00475``   TipoDocumento for which the buyer's IdFiscaleIVA is required (list keyed by version).
=================  ===================================================================================================

The TipoDocumento lists live in ``data/sdi-document-types.json``, one set per FatturaPA specification version
(1.2.2 until 2025-03-31, 1.2.3 from 2025-04-01); a document is checked with the set in force on the as-of date,
the same date that chooses its XSD.

Whether seller and buyer are "the same" (00471/00472) is decided the way SDI can be followed offline: SDI compares
the two IdFiscaleIVA and, when the buyer has none, resolves one from the buyer's CodiceFiscale in the tax registry.
Offline, the parties are the same when both IdFiscaleIVA are given and equal, or when the buyer has no IdFiscaleIVA
and both CodiceFiscale are given and equal; they differ only when both IdFiscaleIVA are given and differ. In the
other cases the registry would decide, so nothing is reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Context, Decimal, localcontext
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from lxml import etree

from ...model import Finding
from ..base import Check, make_finding

if TYPE_CHECKING:
    from ...layers import RunContext
    from ...validator import Options

#: Tolerance of 00423 (PrezzoTotale), as published.
PREZZO_TOTALE_TOLERANCE = Decimal("0.01")

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
#: Enough digits for any product of FatturaPA amounts (11+8 digits) and quantities (12+8 digits), exactly.
_EXACT = Context(prec=200)


# -- reading the document -------------------------------------------------------------------------------------------
def _child(el: etree._Element | None, path: str) -> etree._Element | None:
    """The only element at a '/'-separated path of unqualified children (None when absent or repeated)."""
    current = el
    for name in path.split("/"):
        if current is None:
            return None
        found = [c for c in current if c.tag == name]
        if len(found) != 1:
            return None
        current = found[0]
    return current


def _text(el: etree._Element | None) -> str:
    """The stripped text of an element ('' when absent)."""
    if el is None or el.text is None:
        return ""
    return str(el.text).strip()


def parse_decimal(value: str | None) -> Decimal | None:
    """An xs:decimal lexical value as a Decimal (None for anything else: exponents, NaN, non-ASCII digits...)."""
    if value is None:
        return None
    text = value.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    return Decimal(text)


def parse_date(value: str | None) -> date | None:
    """An xs:date lexical value (an optional timezone is ignored) as a date, None when it is not one."""
    if value is None:
        return None
    match = _DATE.fullmatch(value.strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _bodies(root: etree._Element) -> list[etree._Element]:
    return [c for c in root if c.tag == "FatturaElettronicaBody"]


def _document(body: etree._Element) -> etree._Element | None:
    return _child(body, "DatiGenerali/DatiGeneraliDocumento")


# -- the TipoDocumento lists, by specification version --------------------------------------------------------------
@dataclass(frozen=True)
class DocumentTypeLists:
    """The TipoDocumento lists of 00471, 00472, 00473 and 00475 for one FatturaPA specification version."""

    version: str
    valid_from: date
    seller_differs_from_buyer: frozenset[str]
    seller_equals_buyer: frozenset[str]
    seller_country_not_it: frozenset[str]
    seller_country_it: frozenset[str]
    buyer_vat_id_required: frozenset[str]


def _lists(raw: dict[str, Any]) -> DocumentTypeLists:
    controls = raw["controls"]
    return DocumentTypeLists(
        version=raw["version"],
        valid_from=date.fromisoformat(raw["valid_from"]),
        seller_differs_from_buyer=frozenset(controls["00471"]["seller_differs_from_buyer"]),
        seller_equals_buyer=frozenset(controls["00472"]["seller_equals_buyer"]),
        seller_country_not_it=frozenset(controls["00473"]["seller_country_not_it"]),
        seller_country_it=frozenset(controls["00473"]["seller_country_it"]),
        buyer_vat_id_required=frozenset(controls["00475"]["buyer_vat_id_required"]),
    )


@lru_cache(maxsize=1)
def document_type_versions() -> tuple[DocumentTypeLists, ...]:
    """Every version's lists (data/sdi-document-types.json), oldest first."""
    raw = json.loads(resources.files(__package__).joinpath("data/sdi-document-types.json").read_text("utf-8"))
    return tuple(sorted((_lists(v) for v in raw["versions"]), key=lambda v: v.valid_from))


def document_type_lists(as_of: date) -> DocumentTypeLists:
    """The lists of the specification version in force on a date (the oldest one before all of them)."""
    versions = document_type_versions()
    in_force = [v for v in versions if v.valid_from <= as_of]
    return in_force[-1] if in_force else versions[0]


# -- the parties ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartyIds:
    """A party's IdFiscaleIVA (country, code) and CodiceFiscale as written in the file."""

    country: str
    vat_code: str
    fiscal_code: str

    @property
    def vat_id(self) -> tuple[str, str] | None:
        """(IdPaese, IdCodice) when both are given."""
        return (self.country, self.vat_code) if self.country and self.vat_code else None


def party_ids(root: etree._Element, party: str) -> PartyIds:
    """The identifiers of CedentePrestatore or CessionarioCommittente."""
    anagrafici = _child(root, f"FatturaElettronicaHeader/{party}/DatiAnagrafici")
    return PartyIds(
        country=_text(_child(anagrafici, "IdFiscaleIVA/IdPaese")),
        vat_code=_text(_child(anagrafici, "IdFiscaleIVA/IdCodice")),
        fiscal_code=_text(_child(anagrafici, "CodiceFiscale")),
    )


def same_party(seller: PartyIds, buyer: PartyIds) -> bool | None:
    """True/False when the file decides whether seller and buyer are the same subject; None when SDI's registry would.

    SDI compares the two IdFiscaleIVA; when the buyer has none it resolves one from the buyer's CodiceFiscale in the
    tax registry. Equal CodiceFiscale mean the same subject (so the same Partita IVA); different ones do not prove
    different Partite IVA (members of a VAT group share one), so they decide nothing.
    """
    if seller.vat_id and buyer.vat_id:
        return seller.vat_id == buyer.vat_id
    if not buyer.vat_id and seller.fiscal_code and buyer.fiscal_code and seller.fiscal_code == buyer.fiscal_code:
        return True
    return None


# -- checks ---------------------------------------------------------------------------------------------------------
def _reception_date(ctx: RunContext, options: Options) -> date:
    """The date SDI would receive the file: the fixed as-of date, or today in Italy."""
    if options.as_of is not None:
        return options.as_of
    try:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo("Europe/Rome")).date()
    except Exception:  # no time-zone database: the validator's own date
        return ctx.as_of


def invoice_date_check(options: Options) -> Check:
    """00403: 2.1.1.3 Data must not be after the date SDI receives the file."""

    def check_00403(ctx: RunContext) -> Iterator[Finding]:
        reception = _reception_date(ctx, options)
        for body in _bodies(ctx.document.root):
            data = _child(_document(body), "Data")
            invoice_date = parse_date(data.text if data is not None else None)
            if data is not None and invoice_date is not None and invoice_date > reception:
                yield make_finding(
                    "IT-SDI-00403",
                    ctx.document,
                    data,
                    f"[00403] 2.1.1.3 Data {invoice_date.isoformat()} is after the date SDI would receive the file "
                    f"({reception.isoformat()}): an invoice cannot be dated in the future.",
                )

    return check_00403


def expected_prezzo_totale(
    prezzo_unitario: Decimal,
    quantita: Decimal | None,
    steps: Sequence[tuple[str, Decimal | None, Decimal | None]],
    *,
    prefer_importo: bool,
) -> Decimal:
    """(PrezzoUnitario -/+ each ScontoMaggiorazione in turn) x Quantita (1 when absent), exactly.

    ``steps`` are (Tipo SC/MG, Percentuale, Importo). A percentage applies to the unit price as it stands after the
    previous steps (cascade); an amount is subtracted (SC) or added (MG). When a step gives both, ``prefer_importo``
    says which one is used: the published condition does not say, so the check accepts either reading.
    """
    with localcontext(_EXACT):
        price = prezzo_unitario
        for tipo, percentuale, importo in steps:
            sign = -1 if tipo == "SC" else 1
            if importo is not None and (prefer_importo or percentuale is None):
                price = price + sign * importo
            elif percentuale is not None:
                price = price * (1 + sign * percentuale / 100)
        return price * (quantita if quantita is not None else Decimal(1))


def prezzo_totale_ok(
    prezzo_totale: Decimal,
    prezzo_unitario: Decimal,
    quantita: Decimal | None,
    steps: Sequence[tuple[str, Decimal | None, Decimal | None]],
) -> bool:
    """True when PrezzoTotale is within +-0.01 of the computed value (under either reading of a two-valued step)."""
    with localcontext(_EXACT):
        return any(
            abs(prezzo_totale - expected_prezzo_totale(prezzo_unitario, quantita, steps, prefer_importo=p))
            <= PREZZO_TOTALE_TOLERANCE
            for p in (True, False)
        )


def _line_steps(line: etree._Element) -> list[tuple[str, Decimal | None, Decimal | None]] | None:
    """The line's ScontoMaggiorazione steps; None when one cannot be used (00438 or the XSD reports it)."""
    steps: list[tuple[str, Decimal | None, Decimal | None]] = []
    for sm in (c for c in line if c.tag == "ScontoMaggiorazione"):
        tipo = _text(_child(sm, "Tipo"))
        perc_el, imp_el = _child(sm, "Percentuale"), _child(sm, "Importo")
        percentuale = parse_decimal(perc_el.text) if perc_el is not None else None
        importo = parse_decimal(imp_el.text) if imp_el is not None else None
        bad_value = (perc_el is not None and percentuale is None) or (imp_el is not None and importo is None)
        if tipo not in ("SC", "MG") or bad_value or (percentuale is None and importo is None):
            return None
        steps.append((tipo, percentuale, importo))
    return steps


def check_00423(ctx: RunContext) -> Iterator[Finding]:
    """00423: 2.2.1.11 PrezzoTotale not computed as the specifications say (tolerance +-0.01)."""
    for body in _bodies(ctx.document.root):
        beni = _child(body, "DatiBeniServizi")
        for line in (c for c in (beni if beni is not None else ()) if c.tag == "DettaglioLinee"):
            totale_el = _child(line, "PrezzoTotale")
            unitario = parse_decimal(_text(_child(line, "PrezzoUnitario")))
            totale = parse_decimal(totale_el.text) if totale_el is not None else None
            quantita_el = _child(line, "Quantita")
            quantita = parse_decimal(quantita_el.text) if quantita_el is not None else None
            steps = _line_steps(line)
            if totale_el is None or totale is None or unitario is None or steps is None:
                continue
            if quantita_el is not None and quantita is None:
                continue
            if prezzo_totale_ok(totale, unitario, quantita, steps):
                continue
            computed = expected_prezzo_totale(unitario, quantita, steps, prefer_importo=True)
            yield make_finding(
                "IT-SDI-00423",
                ctx.document,
                totale_el,
                f"[00423] Line {_text(_child(line, 'NumeroLinea'))}: 2.2.1.11 PrezzoTotale {totale} differs by more "
                f"than 0.01 from (PrezzoUnitario -/+ ScontoMaggiorazione) x Quantita = {computed.normalize():f}.",
            )


def document_type_check(options: Options) -> Check:
    """00471, 00472, 00473, 00475: what a TipoDocumento requires of the parties (lists of the version in force)."""

    def check_document_types(ctx: RunContext) -> Iterator[Finding]:
        root = ctx.document.root
        lists = document_type_lists(ctx.as_of)
        seller = party_ids(root, "CedentePrestatore")
        buyer = party_ids(root, "CessionarioCommittente")
        same = same_party(seller, buyer)
        spec = f"FatturaPA {lists.version}"
        for body in _bodies(root):
            tipo_el = _child(_document(body), "TipoDocumento")
            tipo = _text(tipo_el)
            if tipo_el is None or not tipo:
                continue
            doc = ctx.document
            if tipo in lists.seller_differs_from_buyer and same is True:
                yield make_finding(
                    "IT-SDI-00471",
                    doc,
                    tipo_el,
                    f"[00471] With TipoDocumento {tipo} the seller (CedentePrestatore) cannot be the buyer "
                    f"(CessionarioCommittente), and here both are {_describe(seller, buyer)} ({spec} list).",
                )
            if tipo in lists.seller_equals_buyer and same is False:
                yield make_finding(
                    "IT-SDI-00472",
                    doc,
                    tipo_el,
                    f"[00472] With TipoDocumento {tipo} the seller must be the buyer, but the seller's IdFiscaleIVA "
                    f"{seller.country}{seller.vat_code} differs from the buyer's {buyer.country}{buyer.vat_code} "
                    f"({spec} list).",
                )
            if tipo in lists.seller_country_not_it and seller.country == "IT":
                yield make_finding(
                    "IT-SDI-00473",
                    doc,
                    tipo_el,
                    f"[00473] With TipoDocumento {tipo} the seller's 1.2.1.1.1 IdPaese cannot be IT "
                    f"(the seller is the foreign supplier) ({spec} list).",
                )
            if tipo in lists.seller_country_it and seller.country and seller.country != "IT":
                yield make_finding(
                    "IT-SDI-00473",
                    doc,
                    tipo_el,
                    f"[00473] With TipoDocumento {tipo} the seller's 1.2.1.1.1 IdPaese must be IT, not "
                    f"{seller.country} ({spec} list).",
                )
            if tipo in lists.buyer_vat_id_required and buyer.vat_id is None:
                yield make_finding(
                    "IT-SDI-00475",
                    doc,
                    tipo_el,
                    f"[00475] With TipoDocumento {tipo} the buyer's 1.4.1.1 IdFiscaleIVA is required ({spec} list).",
                )

    return check_document_types


def _describe(seller: PartyIds, buyer: PartyIds) -> str:
    if seller.vat_id and buyer.vat_id:
        return f"IdFiscaleIVA {seller.country}{seller.vat_code}"
    return f"CodiceFiscale {buyer.fiscal_code}"


def checks(options: Options) -> list[Check]:
    """The Python content checks of the Italian layer."""
    return [invoice_date_check(options), check_00423, document_type_check(options)]
