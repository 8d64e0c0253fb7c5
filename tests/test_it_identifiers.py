"""Italian identifier controls (SDI 003xx): check digits, edge cases, the catalogue, the official AdE examples.

The property tests build identifiers with check digits computed here, independently of python-stdnum (which the
checks use), and assert that every well-formed number passes and that any single-character change of the same
class (a digit for a digit, a letter for a letter) is rejected.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from peppol_validate.countries.base import catalogue
from peppol_validate.countries.it import identifiers as ids
from peppol_validate.detect import detect
from peppol_validate.errors import PackError, PackMissingError
from peppol_validate.layers import RunContext
from peppol_validate.loading import Limits, load
from peppol_validate.model import Finding, Severity, Verdict
from peppol_validate.packs import PackStore
from peppol_validate.validator import Options, Validator

from .conftest import CORPUS, PACKS

DOCS = CORPUS / "it" / "identifiers"
STORE = PackStore(mirror=PACKS, allow_download=False)
OPTIONS = Options(limits=Limits(), packs=STORE)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------------------------
# Check digits, written here from the published algorithms (not python-stdnum).

_ODD_DIGITS = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21]  # 0-9, and A-J likewise
#: Values of characters in odd positions (1st, 3rd, ... 15th) of a personal Codice Fiscale (DM 23/12/1976).
_CF_ODD = dict(
    zip(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [*_ODD_DIGITS, *_ODD_DIGITS, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23],
        strict=True,
    )
)
_CF_EVEN = {**{str(d): d for d in range(10)}, **{chr(65 + i): i for i in range(26)}}
_OMOCODIA = "LMNPQRSTUV"  # replaces 0-9 in the digit positions of a personal code
_MONTHS = "ABCDEHLMPRST"
VALID_OFFICES = [f"{n:03d}" for n in range(1, 101)] + ["120", "121", "888", "999"]


def piva_check_digit(first10: str) -> str:
    """The Partita IVA check digit (Luhn: every second digit doubled, minus 9 above 9)."""
    total = 0
    for i, ch in enumerate(first10):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def cf_check_char(first15: str) -> str:
    """The check character of a 16-character Codice Fiscale."""
    total = sum(_CF_ODD[c] if i % 2 == 0 else _CF_EVEN[c] for i, c in enumerate(first15))
    return chr(65 + total % 26)


LETTERS = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@st.composite
def pive(draw: st.DrawFn) -> str:
    """A well-formed Partita IVA (or numeric Codice Fiscale): serial, office code, check digit."""
    serial = f"{draw(st.integers(1, 9_999_999)):07d}"
    body = serial + draw(st.sampled_from(VALID_OFFICES))
    return body + piva_check_digit(body)


@st.composite
def personal_cfs(draw: st.DrawFn) -> str:
    """A well-formed 16-character Codice Fiscale, omocodic variants included."""
    names = "".join(draw(st.lists(LETTERS, min_size=6, max_size=6)))
    year = f"{draw(st.integers(0, 99)):02d}"
    month = draw(st.sampled_from(_MONTHS))
    day = draw(st.integers(1, 28)) + draw(st.sampled_from([0, 40]))
    place = draw(LETTERS) + f"{draw(st.integers(0, 999)):03d}"
    chars = list(names + year + month + f"{day:02d}" + place)
    digit_positions = [6, 7, 9, 10, 12, 13, 14]
    for pos in draw(st.sets(st.sampled_from(digit_positions), max_size=3)):
        chars[pos] = _OMOCODIA[int(chars[pos])]
    first15 = "".join(chars)
    return first15 + cf_check_char(first15)


@st.composite
def one_char_changed(draw: st.DrawFn, numbers: st.SearchStrategy[str]) -> tuple[str, str]:
    """A valid number and a copy with one character replaced by another of the same class."""
    number = draw(numbers)
    pos = draw(st.integers(0, len(number) - 1))
    old = number[pos]
    pool = "0123456789" if old.isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    new = draw(st.sampled_from([c for c in pool if c != old]))
    return number, number[:pos] + new + number[pos + 1 :]


def test_the_independent_check_digits_agree_with_known_numbers() -> None:
    assert piva_check_digit("0847312096") == "5"  # 08473120965, the corpus seller
    assert piva_check_digit("8004571039") == "1"  # 80045710391, the corpus public administration
    assert cf_check_char("BLLMRC75C05L840") == "I"
    assert cf_check_char("FRRGLI88L62G224") == "Q"
    assert cf_check_char("RCCMNL83S18D969") == "H"  # python-stdnum's documented example


# ---------------------------------------------------------------------------------------------------------------
# Running the identifier checks on a document.


def run(data: bytes) -> list[Finding]:
    """The findings of the identifier checks alone on a document."""
    doc = load(data)
    ctx = RunContext(document=doc, detection=detect(doc.root), as_of=date(2026, 11, 24))
    return [f for check in ids.checks(OPTIONS) for f in check(ctx)]


@cache
def base(name: str) -> bytes:
    return (DOCS / "valid" / name).read_bytes()


def edit(name: str, changes: dict[str, str]) -> bytes:
    """A valid twin with the elements at the given paths (local names under the header) set to new texts."""
    root = etree.fromstring(base(name))
    for path, value in changes.items():
        el = ids.find(root, "FatturaElettronicaHeader", *path.split("/"))
        assert el is not None, path
        el.text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def with_text(name: str, path: str, value: str) -> bytes:
    """A valid twin with the element at ``path`` (local names under the header) set to ``value``."""
    return edit(name, {path: value})


#: (rule, valid twin, element under the header, what the element holds)
TARGETS = [
    ("IT-SDI-00300-TRANSMITTER-ID", "b2b.xml", "DatiTrasmissione/IdTrasmittente/IdCodice", "cf"),
    ("IT-SDI-00301-SELLER-PIVA", "b2b.xml", "CedentePrestatore/DatiAnagrafici/IdFiscaleIVA/IdCodice", "piva"),
    ("IT-SDI-00302-SELLER-CF", "b2b.xml", "CedentePrestatore/DatiAnagrafici/CodiceFiscale", "cf"),
    (
        "IT-SDI-00303-REPRESENTATIVE-PIVA",
        "fiscal-representative.xml",
        "RappresentanteFiscale/DatiAnagrafici/IdFiscaleIVA/IdCodice",
        "piva",
    ),
    (
        "IT-SDI-00303-BUYER-REPRESENTATIVE-PIVA",
        "buyer-fiscal-representative.xml",
        "CessionarioCommittente/RappresentanteFiscale/IdFiscaleIVA/IdCodice",
        "piva",
    ),
    (
        "IT-SDI-00304-REPRESENTATIVE-CF",
        "fiscal-representative.xml",
        "RappresentanteFiscale/DatiAnagrafici/CodiceFiscale",
        "cf",
    ),
    ("IT-SDI-00305-BUYER-PIVA", "b2b.xml", "CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdCodice", "piva"),
    ("IT-SDI-00306-BUYER-CF", "b2c-consumer.xml", "CessionarioCommittente/DatiAnagrafici/CodiceFiscale", "cf"),
    (
        "IT-ID-THIRD-PARTY-PIVA",
        "third-party-issuer.xml",
        "TerzoIntermediarioOSoggettoEmittente/DatiAnagrafici/IdFiscaleIVA/IdCodice",
        "piva",
    ),
    (
        "IT-ID-THIRD-PARTY-CF",
        "third-party-issuer.xml",
        "TerzoIntermediarioOSoggettoEmittente/DatiAnagrafici/CodiceFiscale",
        "cf",
    ),
]
TARGET_IDS = [t[0] for t in TARGETS]
CF_TARGETS = [t for t in TARGETS if t[3] == "cf"]


def test_every_identifier_rule_has_a_target_and_the_twins_are_clean() -> None:
    rules = {
        e.id for e in catalogue().entries.values() if e.implemented_by == "peppol_validate.countries.it.identifiers"
    }
    assert rules - set(TARGET_IDS) == {"IT-SDI-00313", "IT-ID-IDPAESE", "IT-ID-FOREIGN-VAT"}
    for name in {t[1] for t in TARGETS}:
        assert run(base(name)) == [], name


@pytest.mark.parametrize(("rule", "doc", "path", "kind"), TARGETS, ids=TARGET_IDS)
@SETTINGS
@given(number=pive())
def test_a_well_formed_numeric_identifier_passes(rule: str, doc: str, path: str, kind: str, number: str) -> None:
    assert run(with_text(doc, path, number)) == []


@pytest.mark.parametrize(("rule", "doc", "path", "kind"), TARGETS, ids=TARGET_IDS)
@SETTINGS
@given(change=one_char_changed(pive()))
def test_any_single_digit_change_of_a_numeric_identifier_fails(
    rule: str, doc: str, path: str, kind: str, change: tuple[str, str]
) -> None:
    _, changed = change
    findings = run(with_text(doc, path, changed))
    assert [f.rule_id for f in findings] == [rule], changed
    assert findings[0].location and findings[0].location.endswith(path.rsplit("/", 1)[1] + "[1]")


@pytest.mark.parametrize(("rule", "doc", "path", "kind"), CF_TARGETS, ids=[t[0] for t in CF_TARGETS])
@SETTINGS
@given(code=personal_cfs())
def test_a_well_formed_personal_codice_fiscale_passes(rule: str, doc: str, path: str, kind: str, code: str) -> None:
    assert run(with_text(doc, path, code)) == []


@pytest.mark.parametrize(("rule", "doc", "path", "kind"), CF_TARGETS, ids=[t[0] for t in CF_TARGETS])
@SETTINGS
@given(change=one_char_changed(personal_cfs()))
def test_any_single_character_change_of_a_personal_codice_fiscale_fails(
    rule: str, doc: str, path: str, kind: str, change: tuple[str, str]
) -> None:
    _, changed = change
    assert [f.rule_id for f in run(with_text(doc, path, changed))] == [rule], changed


@pytest.mark.parametrize(("rule", "doc", "path", "kind"), [t for t in TARGETS if t[3] == "piva"])
def test_a_partita_iva_field_refuses_a_personal_code(rule: str, doc: str, path: str, kind: str) -> None:
    findings = run(with_text(doc, path, "BLLMRC75C05L840I"))
    assert [f.rule_id for f in findings] == [rule]
    assert "belongs in CodiceFiscale" in findings[0].message


# ---------------------------------------------------------------------------------------------------------------
# Edge cases of the number checks.


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("08473120965", None),
        ("IT08473120965", "repeats the country code IT"),
        (" 08473120965", "spaces"),
        ("08473120965 ", "spaces"),
        ("0847312096", "10 characters"),
        ("084731209650", "12 characters"),
        ("0847312096A", "11 characters"),
        ("00000000000", "serial number"),  # also office 000
        ("0000001001" + piva_check_digit("0000001001"), None),  # serial 0000001, office 001: the smallest
        ("08473121120", "(112) are not a provincial office code"),  # Luhn right, office wrong
        ("08473120966", "check digit"),
        ("01234567890", "(789) are not a provincial office code"),  # the AdE examples' seller: office and check
    ],
)
def test_piva_problem(value: str, reason: str | None) -> None:
    got = ids.piva_problem(value)
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got
    if value == "01234567890":
        assert got is not None and "check digit" in got


def test_office_codes_are_exactly_the_documented_ones() -> None:
    for office in range(1000):
        body = "0847312" + f"{office:03d}"
        ok = ids.piva_problem(body + piva_check_digit(body)) is None
        assert ok == (f"{office:03d}" in VALID_OFFICES), office


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("BLLMRC75C05L840I", None),
        ("BLLMRC75C05L84L" + cf_check_char("BLLMRC75C05L84L"), None),  # omocodic: the last digit 0 written L
        ("BLLMRCTRCLRL840" + cf_check_char("BLLMRCTRCLRL840"), None),  # omocodic year and day (75 -> TR, 05 -> LR)
        ("FRRGLI88L62G224Q", None),  # a woman: day 22 + 40
        ("80045710391", None),
        ("BLLMRC75C05L840", "15 characters"),
        ("BLLMRC75Z05L840I", "layout"),  # Z is no month letter
        ("BLLMRC75C05L840J", "check character"),
        ("FRRGLI88L72G224R", "birth date"),  # day 72 - 40 = 32, check character right
        ("BLLMRC75B30L840" + cf_check_char("BLLMRC75B30L840"), "birth date"),  # 30 February
        ("80045710392", "check digit"),
        ("IT80045710391", "country code IT"),
        (" BLLMRC75C05L840I", "spaces"),
        ("8004571039", "10 characters"),
    ],
)
def test_codice_fiscale_problem(value: str, reason: str | None) -> None:
    got = ids.codice_fiscale_problem(value)
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got


@pytest.mark.parametrize(
    ("country", "value", "reason"),
    [
        ("DE", "281739547", None),
        ("DE", "281739548", "not a valid DE VAT number"),
        ("DE", "DE281739547", "repeats the country prefix DE"),
        ("FR", "94832150676", None),
        ("GR", "094259216", None),
        ("GR", "EL094259216", "repeats the country prefix EL"),
        ("XI", "980780684", None),
    ],
)
def test_foreign_vat_problem(country: str, value: str, reason: str | None) -> None:
    got = ids.foreign_vat_problem(country, value)
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got


BUYER_PAESE = "CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdPaese"
BUYER_CODICE = "CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdCodice"


def test_placeholders_of_foreign_parties_without_vat_number_are_not_checked() -> None:
    for placeholder in ("99999999999", "0000000"):
        assert run(with_text("cross-border-eu-buyer.xml", BUYER_CODICE, placeholder)) == []


def test_a_foreign_identifier_outside_the_eu_is_not_checked_and_not_as_a_partita_iva() -> None:
    data = with_text("cross-border-eu-buyer.xml", BUYER_PAESE, "US")
    assert run(data) == []  # 94832150676 is no valid Partita IVA, but IdPaese US
    seller_de = base("fiscal-representative.xml")
    assert run(seller_de) == []  # 281739547 (DE) is not read as a Partita IVA


@pytest.mark.parametrize(
    ("paese", "hint"),
    [("EL", "Greece is GR"), ("UK", "GB in ISO 3166-1"), ("OO", "OO is not a country"), ("ZZ", "ISO")],
)
def test_idpaese_not_in_iso_3166_is_a_warning(paese: str, hint: str) -> None:
    findings = run(with_text("cross-border-eu-buyer.xml", BUYER_PAESE, paese))
    assert [(f.rule_id, f.severity) for f in findings] == [("IT-ID-IDPAESE", Severity.WARNING)]
    assert hint in findings[0].message and findings[0].authority_codes == []


def test_idpaese_xi_is_accepted_and_lowercase_is_left_to_the_xsd() -> None:
    northern_ireland = edit("cross-border-eu-buyer.xml", {BUYER_PAESE: "XI", BUYER_CODICE: "980780684"})
    assert run(northern_ireland) == []
    wrong = run(with_text("cross-border-eu-buyer.xml", BUYER_PAESE, "XI"))  # a French number under XI
    assert [f.rule_id for f in wrong] == ["IT-ID-FOREIGN-VAT"]
    assert run(with_text("cross-border-eu-buyer.xml", BUYER_PAESE, "fr")) == []  # XSD pattern [A-Z]{2}: 00200


def test_a_codice_fiscale_the_xsd_rejects_is_left_to_the_xsd() -> None:
    path = "CessionarioCommittente/DatiAnagrafici/CodiceFiscale"
    assert run(with_text("b2c-consumer.xml", path, "frrgli88l62g224q")) == []  # lowercase: XSD pattern (00200)
    assert run(with_text("b2c-consumer.xml", path, "FRRGLI88L62G224Q1")) == []  # 17 characters: XSD
    twelve = run(with_text("b2c-consumer.xml", path, "FRRGLI88L62G"))  # XSD-valid length 12, no Codice Fiscale
    assert [f.rule_id for f in twelve] == ["IT-SDI-00306-BUYER-CF"]


def test_the_children_are_found_whatever_their_namespace() -> None:
    """A file whose children are (wrongly) in the FatturaPA namespace fails the XSD, and still gets these checks."""
    text = (DOCS / "invalid" / "00305-buyer-check-digit.xml").read_text("utf-8")
    text = text.replace("<p:FatturaElettronica xmlns:p=", "<FatturaElettronica xmlns=").replace(
        "</p:FatturaElettronica>", "</FatturaElettronica>"
    )
    assert [f.rule_id for f in run(text.encode())] == ["IT-SDI-00305-BUYER-PIVA"]


# ---------------------------------------------------------------------------------------------------------------
# 00313: CodiceDestinatario XXXXXXX.

CD = "DatiTrasmissione/CodiceDestinatario"


def test_xxxxxxx_with_an_italian_buyer_is_00313_at_codice_destinatario() -> None:
    findings = run((DOCS / "invalid" / "00313-xxxxxxx-italian-buyer.xml").read_bytes())
    assert [(f.rule_id, f.severity) for f in findings] == [("IT-SDI-00313", Severity.FATAL)]
    f = findings[0]
    assert (
        f.location == "/p:FatturaElettronica[1]/FatturaElettronicaHeader[1]/DatiTrasmissione[1]/CodiceDestinatario[1]"
    )
    assert f.line == 12 and f.column == 7
    assert [c.code for c in f.authority_codes] == ["00313"] and f.fix


def test_xxxxxxx_with_a_buyer_without_idfiscaleiva_is_00313() -> None:
    data = with_text("b2c-consumer.xml", CD, "XXXXXXX")
    findings = run(data)
    assert [f.rule_id for f in findings] == ["IT-SDI-00313"]
    assert "no IdFiscaleIVA" in findings[0].message


def test_xxxxxxx_with_a_foreign_buyer_is_fine_and_other_codes_are_not_this_rule() -> None:
    assert run(base("cross-border-eu-buyer.xml")) == []
    for code in ("0000000", "KR4ZT7Q", "XXXXXX", "xxxxxxx"):
        assert run(with_text("b2b.xml", CD, code)) == [], code
    assert run(with_text("cross-border-eu-buyer.xml", BUYER_PAESE, "IT"))[-1].rule_id == "IT-SDI-00313"


# ---------------------------------------------------------------------------------------------------------------
# The catalogue.

SDI_CSV = PACKS / "fatturapa" / "sdi-controls" / "sdi_error_codes.csv"


def test_the_catalogue_entries_follow_the_id_scheme() -> None:
    cat = catalogue()
    mine = {k: e for k, e in cat.entries.items() if e.implemented_by == "peppol_validate.countries.it.identifiers"}
    assert len(mine) == 13
    assert cat.entry("IT-SDI-00404").codes[0].code == "00404"
    for rule_id, entry in mine.items():
        assert entry.country == "IT" and entry.fix and entry.meaning
        if rule_id.startswith("IT-SDI-"):
            code = rule_id.split("-")[2]
            assert [(c.authority, c.code) for c in entry.codes] == [("SDI", code)], rule_id
            assert entry.severity is Severity.FATAL
        else:
            assert entry.codes == () and entry.severity is Severity.WARNING, rule_id
        if re.fullmatch(r"IT-SDI-003(0[0-6])-.*", rule_id):
            assert "registry" in entry.meaning and "not" in entry.meaning, rule_id  # format, not existence


def test_every_registry_code_of_the_csv_is_out_of_reach() -> None:
    with SDI_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 63
    no = {r["code"] for r in rows if r["offline_precheck"] == "no"}
    listed = {o["code"] for o in catalogue().out_of_reach if o["authority"] == "SDI"}
    # 00477 (declarations of intent) is a content control, listed by the content catalogue
    assert no - {"00477"} <= listed
    # the existence half of the partial identifier controls too
    assert {"00300", "00301", "00302", "00303", "00304", "00305", "00306"} <= listed


def test_iso_country_list_is_the_en16931_one() -> None:
    sch = (PACKS / "en16931-cen/ubl/schematron/codelist/EN16931-UBL-codes.sch").read_text("utf-8")
    rule = sch[sch.index('context="cac:Country/cbc:IdentificationCode"') :]
    codes = set(re.search(r"contains\(' ([A-Z0-9 ]+) '", rule).group(1).split())  # type: ignore[union-attr]
    assert ids.country_codes(STORE) == codes
    assert codes >= ids.EU_VAT_COUNTRIES and "IT" not in ids.EU_VAT_COUNTRIES


def test_fatturapa_xsd_findings_carry_sdi_00200(validator) -> None:  # type: ignore[no-untyped-def]
    report = validator.validate(DOCS / "invalid" / "00200-idpaese-lowercase.xml")
    xsd = [f for f in report.findings if f.layer == "xsd"]
    assert xsd and all([(c.authority, c.code) for c in f.authority_codes] == [("SDI", "00200")] for f in xsd)
    assert all(f.fix for f in xsd)
    mapping = next(m for m in catalogue().mappings if m.rule == "XSD-*" and m.document_types == ("fatturapa",))
    assert mapping.layers == ("xsd",) and mapping.fix and "00201" in mapping.fix


def test_identifier_findings_through_the_engine_have_codes_lines_and_fixes(validator) -> None:  # type: ignore[no-untyped-def]
    report = validator.validate(DOCS / "invalid" / "00301-seller-check-digit.xml")
    (f,) = [f for f in report.findings if f.rule_id.startswith("IT-")]
    assert (f.rule_id, f.severity, f.layer, f.rule_set) == (
        "IT-SDI-00301-SELLER-PIVA",
        Severity.FATAL,
        "country",
        "sdi-it",
    )
    assert (f.line, f.column) == (18, 11)
    assert [c.code for c in f.authority_codes] == ["00301"]
    assert f.fix == catalogue().entry("IT-SDI-00301-SELLER-PIVA").fix


# ---------------------------------------------------------------------------------------------------------------
# The official AdE examples use made-up identifiers; checked by hand:
# - IdTrasmittente/IdCodice and the seller's IdFiscaleIVA/IdCodice 01234567890: digits 8-10 "789" are no provincial
#   office code, and the Luhn check digit of 0123456789 is 7, not 0 -> 00300 and 00301;
# - the buyer's CodiceFiscale 09876543210: office "321" does not exist and the check digit of 0987654321 is 7,
#   not 0 -> 00306;
# - the carrier's (DatiAnagraficiVettore, 2.1.9.1) 24681012141 fails too (office 214, check digit 2), but SDI
#   publishes no control for the carrier, so it is not checked;
# - FPR02's CodiceDestinatario 0000000 with a PECDestinatario and the others' ABC1234 / AAAAAA raise nothing here
#   (their lengths are SDI 00427, a content control).

AdE = PACKS / "fatturapa" / "examples"
FAKE = [
    ("IT-SDI-00300-TRANSMITTER-ID", "01234567890"),
    ("IT-SDI-00301-SELLER-PIVA", "01234567890"),
    ("IT-SDI-00306-BUYER-CF", "09876543210"),
]
OFFICIAL = {
    "v1.2.2/IT01234567890_FPA01.xml": FAKE,
    "v1.2.2/IT01234567890_FPA02.xml": FAKE,
    "v1.2.2/IT01234567890_FPA03.xml": FAKE,
    "v1.2.2/IT01234567890_FPR01.xml": FAKE,
    "v1.2.2/IT01234567890_FPR02.xml": FAKE,
    "v1.2.2/IT01234567890_FPR03.xml": FAKE,
    "v1.2.2-fixed/IT01234567890_FPR02.xml": FAKE,
    "v1.2.3-only/IT01234567890_FPR01_TD29_RF20.xml": FAKE,
    "invalid/IT01234567890_FPA01_truncated_no_body.xml": FAKE,
}


def test_every_official_example_is_listed() -> None:
    assert {str(p.relative_to(AdE)) for p in AdE.rglob("*.xml")} == set(OFFICIAL)


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_official_examples(name: str) -> None:
    findings = run((AdE / name).read_bytes())
    assert [(f.rule_id, re.search(r"'(\w+)'", f.message).group(1)) for f in findings] == OFFICIAL[name]  # type: ignore[union-attr]
    for f in findings:
        assert "office code" in f.message and "check digit" in f.message


def test_official_examples_through_the_whole_engine(validator) -> None:  # type: ignore[no-untyped-def]
    report = validator.validate(AdE / "v1.2.2" / "IT01234567890_FPR01.xml")
    got = {(f.rule_id, f.severity.value) for f in report.findings if f.layer == "country" and f.rule_set == "sdi-it"}
    assert {(r, "fatal") for r, _ in FAKE} <= got
    assert report.verdict.value == "invalid"


def test_corpus_documents_exist_for_every_identifier_rule() -> None:
    covered = set()
    for p in DOCS.rglob("*.expected.json"):
        covered |= {f["rule_id"] for f in json.loads(p.read_text("utf-8"))["findings"]}
    assert set(TARGET_IDS) | {"IT-SDI-00313", "IT-ID-IDPAESE", "IT-ID-FOREIGN-VAT"} <= covered
    for p in (DOCS / "invalid").glob("*.xml"):
        assert p.with_suffix(".expected.json").is_file()
    assert len(list((DOCS / "valid").glob("*.xml"))) == 8


def test_country_codes_are_br_cl_14s_list_from_the_packs() -> None:
    codes = ids.country_codes(STORE)
    assert {"IT", "DE", "GR", "GB", "XI", "US", "FR"} <= codes  # XI: Northern Ireland, in the EN 16931 list
    assert not {"EL", "UK", "OO", "ZZ"} & codes
    assert 240 <= len(codes) <= 260  # ISO 3166-1 alpha-2 has 249 codes


class _WithoutCountryList:
    """The packs, except the file with BR-CL-14's country list."""

    def path(self, rel: str):  # type: ignore[no-untyped-def]
        if rel == ids.COUNTRY_LIST_FILE:
            raise PackMissingError(f"pack file {rel} is not available")
        return STORE.path(rel)

    def ensure(self, prefix: str):  # type: ignore[no-untyped-def]
        return STORE.ensure(prefix)


def test_without_the_country_list_the_italian_layer_is_not_validated() -> None:
    with pytest.raises(PackError):
        list(ids.check_parties(None, packs=None))  # type: ignore[arg-type]
    validator = Validator(packs=_WithoutCountryList(), as_of=date(2026, 11, 24))
    report = validator.validate(base("cross-border-eu-buyer.xml"))
    assert report.verdict is Verdict.NOT_VALIDATED
    assert [f.rule_id for f in report.findings if f.rule_id == "NOT-VALIDATED"] == ["NOT-VALIDATED"]
    assert "EN16931-UBL-codes.sch" in " ".join(f.message for f in report.findings)
