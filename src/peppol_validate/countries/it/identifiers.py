"""Italy, SDI identifier controls (003xx) that can be made from the file: format and check digits.

SDI checks every Italian identifier of a FatturaPA against the tax registry (Anagrafe Tributaria): a Partita IVA
or Codice Fiscale that does not exist is rejected with 00300-00306. Offline we cannot know whether a number
exists, but a number with a wrong length, layout or check digit cannot exist, so SDI is certain to reject it.
These checks therefore report **format and check-digit** errors under SDI's code, never registry existence
(see the catalogue's ``out_of_reach`` list for what needs the registries).

Controls (rule ids in ``schemas/catalogue/it-identifiers.json``):

=============================================  =================================================================
``IT-SDI-00300-TRANSMITTER-ID``                1.1.1.2 IdTrasmittente/IdCodice (IdPaese IT): a Codice Fiscale
``IT-SDI-00301-SELLER-PIVA``                   1.2.1.1.2 seller IdFiscaleIVA/IdCodice (IdPaese IT): a Partita IVA
``IT-SDI-00302-SELLER-CF``                     1.2.1.2 seller CodiceFiscale
``IT-SDI-00303-REPRESENTATIVE-PIVA``           1.3.1.1.2 fiscal representative IdCodice (IdPaese IT)
``IT-SDI-00303-BUYER-REPRESENTATIVE-PIVA``     1.4.4.1.2 buyer's fiscal representative IdCodice (IdPaese IT)
``IT-SDI-00304-REPRESENTATIVE-CF``             1.3.1.2 fiscal representative CodiceFiscale
``IT-SDI-00305-BUYER-PIVA``                    1.4.1.1.2 buyer IdFiscaleIVA/IdCodice (IdPaese IT)
``IT-SDI-00306-BUYER-CF``                      1.4.1.2 buyer CodiceFiscale
``IT-SDI-00313``                               1.1.4 CodiceDestinatario XXXXXXX for a buyer without a foreign
                                               IdFiscaleIVA
``IT-ID-THIRD-PARTY-PIVA`` / ``-CF``           1.5.1 third party / issuer identifiers (warning: no SDI code)
``IT-ID-IDPAESE``                              an IdPaese that is not an ISO 3166-1 alpha-2 code (warning)
``IT-ID-FOREIGN-VAT``                          an EU IdFiscaleIVA that is not a valid VAT number of that country
                                               (warning: SDI does not check foreign identifiers)
=============================================  =================================================================

A value the XSD already rejects (a CodiceFiscale outside ``[A-Z0-9]{11,16}``, an IdPaese outside ``[A-Z]{2}``) is
left to the XSD finding (SDI 00200), so that one mistake gives one finding.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree
from stdnum import luhn
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale, iva

from ...errors import PackError
from ...model import Finding
from ..base import Check, make_finding

if TYPE_CHECKING:
    from ...layers import PackSource, RunContext
    from ...validator import Options

#: Where the country codes come from: the EN 16931 code list of BR-CL-14 (ISO 3166-1 alpha-2, plus XI for
#: Northern Ireland and 1A for Kosovo, which the FatturaPA pattern [A-Z]{2} never lets through), read from the
#: official CEN Schematron in the packs rather than copied here.
COUNTRY_LIST_FILE = "en16931-cen/ubl/schematron/codelist/EN16931-UBL-codes.sch"
_SCH = "{http://purl.oclc.org/dsdl/schematron}"
_LIST_LITERAL = re.compile(r"contains\(\s*'([^']*)'")


@functools.lru_cache(maxsize=4)
def _country_codes_in(path: Path) -> frozenset[str]:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    for assertion in tree.iter(_SCH + "assert"):
        if assertion.get("id") == "BR-CL-14":
            match = _LIST_LITERAL.search(assertion.get("test", ""))
            if match:
                return frozenset(match.group(1).split())
    raise PackError(f"{path}: no BR-CL-14 code list found (the country codes of the IdPaese check)")


def country_codes(packs: PackSource | None) -> frozenset[str]:
    """The country codes an IdPaese may hold (BR-CL-14's list, from the packs; cached per file)."""
    if packs is None:
        raise PackError("the Italian identifier checks need the official packs (BR-CL-14's country code list)")
    return _country_codes_in(packs.path(COUNTRY_LIST_FILE))


#: Countries whose VAT numbers python-stdnum validates (EU member states other than Italy, and XI).
_EU_VAT_TEXT = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE LT LU LV MT NL PL PT RO SE SI SK XI"
EU_VAT_COUNTRIES = frozenset(_EU_VAT_TEXT.split())

#: Common non-ISO country codes and what to write instead.
_IDPAESE_HINTS = {
    "EL": "Greece is GR in ISO 3166-1 (EL is only the prefix of Greek VAT numbers)",
    "UK": "the United Kingdom is GB in ISO 3166-1 (XI for Northern Ireland)",
    "OO": "OO is not a country; give the buyer's or seller's real country code",
}

#: The office codes (digits 8-10) a Partita IVA may have, as python-stdnum checks them.
PIVA_OFFICE_CODES = "001-100, 120, 121, 888, 999"

_CF_XSD = re.compile(r"[A-Z0-9]{11,16}")
_NAZIONE_XSD = re.compile(r"[A-Z]{2}")
_DIGITS_11 = re.compile(r"[0-9]{11}")
_CF_PERSONAL = re.compile(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]")


# ---------------------------------------------------------------------------------------------------------------
# Number checks: None when the number is well-formed, else a short reason (the end of a sentence).


def piva_problem(value: str) -> str | None:
    """Why ``value`` is not a well-formed Italian Partita IVA (11 digits, office code, check digit), or None."""
    if value != value.strip():
        return "it has spaces around the number"
    if value[:2].upper() == "IT" and _DIGITS_11.fullmatch(value[2:]):
        return "it repeats the country code IT, which belongs in IdPaese only"
    if not _DIGITS_11.fullmatch(value):
        extra = (
            " (a person's 16-character code belongs in CodiceFiscale)" if len(value) == 16 and value.isalnum() else ""
        )
        return f"it has {len(value)} characters where a Partita IVA has exactly 11 digits{extra}"
    return _numeric_problem(value)


def _numeric_problem(value: str) -> str | None:
    """The reasons an 11-digit Partita IVA / numeric Codice Fiscale is invalid (python-stdnum's rules)."""
    if iva.is_valid(value):
        return None
    reasons: list[str] = []
    if int(value[:7]) == 0:
        reasons.append("its first 7 digits (the serial number) are all zero")
    office = value[7:10]
    if not ("001" <= office <= "100" or office in ("120", "121", "888", "999")):
        reasons.append(f"digits 8-10 ({office}) are not a provincial office code ({PIVA_OFFICE_CODES})")
    if not luhn.is_valid(value):
        reasons.append("the check digit (the last digit) does not match the first ten, so a digit is mistyped")
    return "; ".join(reasons) or "python-stdnum rejects it"


def codice_fiscale_problem(value: str) -> str | None:
    """Why ``value`` is not a well-formed Codice Fiscale (16-character personal code, or 11 digits), or None."""
    if value != value.strip():
        return "it has spaces around the code"
    if value[:2].upper() == "IT" and _DIGITS_11.fullmatch(value[2:]):
        return "it starts with the country code IT, which is not part of a Codice Fiscale"
    if _DIGITS_11.fullmatch(value):
        return _numeric_problem(value)
    if len(value) != 16:
        return (
            f"it has {len(value)} characters where a Codice Fiscale has 16 (a person) or 11 digits (any other entity)"
        )
    if not _CF_PERSONAL.fullmatch(value):
        return (
            "it does not have the layout of a personal code (6 letters, 2 year digits, a month letter, "
            "2 day digits, a place code of a letter and 3 digits, a check letter)"
        )
    if codicefiscale.calc_check_digit(value[:15]) != value[15]:
        return "the check character (the last letter) does not match the first fifteen, so a character is mistyped"
    try:
        codicefiscale.validate(value)
    except ValidationError:
        return "the birth date it encodes (characters 7-11) is not a date"
    return None


def foreign_vat_problem(country: str, value: str) -> str | None:
    """Why ``value`` is not a valid VAT number of the EU country ``country`` (python-stdnum), or None."""
    if eu_vat.is_valid(country + value):
        return None
    prefixes = (country, "EL") if country == "GR" else (country,)
    if value[:2].upper() in prefixes and eu_vat.is_valid(value):
        return f"it repeats the country prefix {value[:2]}, which belongs in IdPaese only"
    return f"it is not a valid {country} VAT number (length, layout or check digits)"


def _placeholder(value: str) -> bool:
    """The documented stand-ins for a foreign party without a VAT number (all 9s, all 0s)."""
    return bool(re.fullmatch(r"9+|0+", value))


# ---------------------------------------------------------------------------------------------------------------
# Navigation: FatturaPA children are unqualified; match local names so a wrongly-namespaced file is still read.


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    for c in el:
        if isinstance(c.tag, str) and etree.QName(c).localname == name:
            return c
    return None


def find(el: etree._Element | None, *names: str) -> etree._Element | None:
    """The first element down a path of local names (None when any step is missing)."""
    for name in names:
        el = _child(el, name)
    return el


def text_of(el: etree._Element | None) -> str | None:
    """An element's text as written (None when the element is missing or empty)."""
    if el is None or el.text is None or el.text == "":
        return None
    return str(el.text)


# ---------------------------------------------------------------------------------------------------------------
# The parties and their rules.


@dataclass(frozen=True)
class Party:
    """Where a party's identifiers are and which rule each one fails under."""

    label: str
    path: tuple[str, ...]
    id_element: str
    piva_rule: str
    cf_rule: str | None
    kind: str = "piva"  # what an Italian IdCodice must be: "piva", or "cf" (the transmitter's Codice Fiscale)


_HEADER = "FatturaElettronicaHeader"
PARTIES = (
    Party(
        "Transmitter (DatiTrasmissione)",
        (_HEADER, "DatiTrasmissione"),
        "IdTrasmittente",
        "IT-SDI-00300-TRANSMITTER-ID",
        None,
        kind="cf",
    ),
    Party(
        "Seller (CedentePrestatore)",
        (_HEADER, "CedentePrestatore", "DatiAnagrafici"),
        "IdFiscaleIVA",
        "IT-SDI-00301-SELLER-PIVA",
        "IT-SDI-00302-SELLER-CF",
    ),
    Party(
        "Fiscal representative (RappresentanteFiscale)",
        (_HEADER, "RappresentanteFiscale", "DatiAnagrafici"),
        "IdFiscaleIVA",
        "IT-SDI-00303-REPRESENTATIVE-PIVA",
        "IT-SDI-00304-REPRESENTATIVE-CF",
    ),
    Party(
        "Buyer (CessionarioCommittente)",
        (_HEADER, "CessionarioCommittente", "DatiAnagrafici"),
        "IdFiscaleIVA",
        "IT-SDI-00305-BUYER-PIVA",
        "IT-SDI-00306-BUYER-CF",
    ),
    Party(
        "Buyer's fiscal representative (CessionarioCommittente/RappresentanteFiscale)",
        (_HEADER, "CessionarioCommittente", "RappresentanteFiscale"),
        "IdFiscaleIVA",
        "IT-SDI-00303-BUYER-REPRESENTATIVE-PIVA",
        None,
    ),
    Party(
        "Third party / issuer (TerzoIntermediarioOSoggettoEmittente)",
        (_HEADER, "TerzoIntermediarioOSoggettoEmittente", "DatiAnagrafici"),
        "IdFiscaleIVA",
        "IT-ID-THIRD-PARTY-PIVA",
        "IT-ID-THIRD-PARTY-CF",
    ),
)


def _sdi_note(rule_id: str) -> str:
    if rule_id.startswith("IT-SDI-"):
        return f" SDI rejects the file with {rule_id.split('-')[2]}."
    return " SDI has no published control for this element; the recipient or the tax office may still refuse it."


def _party_findings(ctx: RunContext, party: Party, countries: frozenset[str]) -> Iterator[Finding]:
    doc = ctx.document
    block = find(doc.root, *party.path)
    if block is None:
        return
    id_el = _child(block, party.id_element)
    paese_el = _child(id_el, "IdPaese")
    codice_el = _child(id_el, "IdCodice")
    paese = text_of(paese_el)
    codice = text_of(codice_el)
    if paese is not None and _NAZIONE_XSD.fullmatch(paese) and paese not in countries:
        hint = _IDPAESE_HINTS.get(paese, "use the ISO 3166-1 alpha-2 code of the country that issued the number")
        yield make_finding(
            "IT-ID-IDPAESE",
            doc,
            paese_el,
            f"{party.label}: {party.id_element}/IdPaese {paese} is not an ISO 3166-1 alpha-2 country code; {hint}.",
        )
    if paese == "IT" and codice is not None:
        what = "Codice Fiscale" if party.kind == "cf" else "Partita IVA"
        problem = codice_fiscale_problem(codice) if party.kind == "cf" else piva_problem(codice)
        if problem is not None:
            yield make_finding(
                party.piva_rule,
                doc,
                codice_el,
                f"{party.label}: {party.id_element}/IdCodice {codice!r} is not a valid Italian {what}: {problem}."
                + _sdi_note(party.piva_rule),
            )
    elif paese in EU_VAT_COUNTRIES and codice is not None and not _placeholder(codice):
        problem = foreign_vat_problem(paese, codice)
        if problem is not None:
            yield make_finding(
                "IT-ID-FOREIGN-VAT",
                doc,
                codice_el,
                f"{party.label}: {party.id_element} {paese} {codice!r}: {problem}. SDI does not check foreign "
                "identifiers, but an intra-EU operation needs the partner's valid VAT number (VIES).",
            )
    if party.cf_rule is None:
        return
    cf_el = _child(block, "CodiceFiscale")
    cf = text_of(cf_el)
    if cf is None or not _CF_XSD.fullmatch(cf):
        return  # absent, or the XSD reports it (00200)
    problem = codice_fiscale_problem(cf)
    if problem is not None:
        yield make_finding(
            party.cf_rule,
            doc,
            cf_el,
            f"{party.label}: CodiceFiscale {cf!r} is not a valid Italian Codice Fiscale: {problem}."
            + _sdi_note(party.cf_rule),
        )


def check_parties(ctx: RunContext, packs: PackSource | None) -> Iterator[Finding]:
    """00300-00306 (and the warnings on third parties, IdPaese and foreign VAT numbers) for every party."""
    countries = country_codes(packs)
    for party in PARTIES:
        yield from _party_findings(ctx, party, countries)


def check_codice_destinatario_xxxxxxx(ctx: RunContext) -> Iterator[Finding]:
    """00313: CodiceDestinatario XXXXXXX only for a buyer with an IdFiscaleIVA whose IdPaese is not IT."""
    doc = ctx.document
    cd_el = find(doc.root, _HEADER, "DatiTrasmissione", "CodiceDestinatario")
    if text_of(cd_el) != "XXXXXXX":
        return
    buyer_id = find(doc.root, _HEADER, "CessionarioCommittente", "DatiAnagrafici", "IdFiscaleIVA")
    paese = text_of(_child(buyer_id, "IdPaese"))
    if buyer_id is None:
        why = "the buyer has no IdFiscaleIVA (1.4.1.1)"
    elif paese == "IT" or paese is None:
        why = f"the buyer's IdFiscaleIVA/IdPaese is {paese or 'empty'}"
    else:
        return
    yield make_finding(
        "IT-SDI-00313",
        doc,
        cd_el,
        "CodiceDestinatario XXXXXXX is reserved for invoices to parties not resident, established or identified in "
        f"Italy, which need an IdFiscaleIVA with an IdPaese other than IT, but {why}. SDI rejects the file with 00313.",
    )


def checks(options: Options) -> list[Check]:
    """The identifier checks of the Italian layer (always on)."""
    return [functools.partial(check_parties, packs=options.packs), check_codice_destinatario_xxxxxxx]
