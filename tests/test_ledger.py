"""SDI 00404 (duplicate invoice): the opt-in SQLite ledger, through the Validator and directly.

The CLI has no --ledger option yet, so the ledger is driven through ``Validator(packs=..., ledger_path=...)``.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from peppol_validate.countries.it import ledger as ledger_mod
from peppol_validate.countries.it.ledger import InvoiceKey, Ledger, content_hash, invoice_keys
from peppol_validate.loading import load
from peppol_validate.model import DocumentReport, Verdict
from peppol_validate.validator import Validator

from .conftest import CORPUS

BASE = (CORPUS / "it" / "identifiers" / "valid" / "b2b.xml").read_text("utf-8")
NUMERO = "<Numero>FV-2026/0158</Numero>"
CAUSALE = "<Causale>Fornitura ricambi e manutenzione programmata marzo 2026</Causale>"


def replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def dup_findings(report: DocumentReport) -> list[str]:
    return [f.message for f in report.findings if f.rule_id == "IT-SDI-00404"]


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledgers" / "ledger.sqlite"


@pytest.fixture
def lv(store, ledger_path: Path) -> Validator:  # type: ignore[no-untyped-def]
    """A validator with the ledger switched on."""
    return Validator(packs=store, as_of=date(2026, 11, 24), ledger_path=ledger_path)


# ---------------------------------------------------------------------------------------------------------------
# Through the Validator.


def test_duplicate_across_files_is_00404_at_numero(lv: Validator, tmp_path: Path, ledger_path: Path) -> None:
    first = write(tmp_path, "IT08473120965_00001.xml", BASE)
    # the same invoice (issuer, number, year) in another file: a different Causale, a different file name
    second = write(tmp_path, "IT08473120965_00002.xml", replace(BASE, CAUSALE, "<Causale>Ricambi marzo</Causale>"))
    assert lv.validate(first).verdict is Verdict.VALID
    report = lv.validate(second)
    assert report.verdict is Verdict.INVALID
    (f,) = [f for f in report.findings if f.rule_id == "IT-SDI-00404"]
    assert (f.severity.value, f.layer, f.rule_set) == ("fatal", "country", "sdi-it")
    assert [(c.authority, c.code) for c in f.authority_codes] == [("SDI", "00404")]
    assert f.location == (
        "/p:FatturaElettronica[1]/FatturaElettronicaBody[1]/DatiGenerali[1]/DatiGeneraliDocumento[1]/Numero[1]"
    )
    assert (f.line, f.column) == (72, 9)
    assert str(first) in f.message and "FV-2026/0158" in f.message and "IT08473120965" in f.message
    assert f.fix
    # the duplicate was rejected, so (like SDI) the ledger keeps only the original
    assert ledger_path.is_file() and Ledger(ledger_path).count() == 1


def test_revalidating_the_same_content_never_reports_itself(lv: Validator, tmp_path: Path) -> None:
    first = write(tmp_path, "a.xml", BASE)
    for _ in range(3):
        assert dup_findings(lv.validate(first)) == []
    assert lv.validate(BASE.encode()).verdict is Verdict.VALID  # the same bytes, given as bytes
    copy = write(tmp_path, "copy-of-a.xml", BASE)  # byte-identical copy: the same document for the ledger
    assert dup_findings(lv.validate(copy)) == []
    second = write(tmp_path, "b.xml", replace(BASE, CAUSALE, "<Causale>Altro testo</Causale>"))
    assert len(dup_findings(lv.validate(second))) == 1
    # the original stays the original, the duplicate stays a duplicate
    assert dup_findings(lv.validate(first)) == []
    assert len(dup_findings(lv.validate(second))) == 1
    assert ledger_mod.ledger_at(lv.options.ledger_path or Path()).count() == 1


def test_a_rejected_draft_is_forgotten(lv: Validator, tmp_path: Path) -> None:
    """SDI keeps only the invoices it accepted: an invalid draft, fixed and validated again, is no duplicate."""
    draft = write(tmp_path, "draft.xml", replace(BASE, CAUSALE, "<Causale></Causale>"))  # empty: an XSD error
    assert lv.validate(draft).verdict is not Verdict.VALID
    fixed = write(tmp_path, "fixed.xml", BASE)
    report = lv.validate(fixed)
    assert dup_findings(report) == [] and report.verdict is Verdict.VALID
    assert ledger_mod.ledger_at(lv.options.ledger_path or Path()).count() == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (NUMERO, "<Numero>FV-2026/0159</Numero>"),  # another number
        ("<Data>2026-03-16</Data>", "<Data>2027-03-16</Data>"),  # another year
        (  # another seller (a valid Partita IVA)
            "<IdCodice>08473120965</IdCodice>\n        </IdFiscaleIVA>\n        <CodiceFiscale>",
            "<IdCodice>02615490287</IdCodice>\n        </IdFiscaleIVA>\n        <CodiceFiscale>",
        ),
        ("<TipoDocumento>TD01</TipoDocumento>", "<TipoDocumento>TD04</TipoDocumento>"),  # TD04 only vs TD04
    ],
    ids=["number", "year", "seller", "credit-note"],
)
def test_what_is_not_a_duplicate(lv: Validator, old: str, new: str) -> None:
    assert dup_findings(lv.validate(BASE.encode())) == []
    assert dup_findings(lv.validate(replace(BASE, old, new).encode())) == []


def test_same_year_other_day_and_other_type_than_td04_is_a_duplicate(lv: Validator) -> None:
    assert dup_findings(lv.validate(BASE.encode())) == []
    later = replace(BASE, "<Data>2026-03-16</Data>", "<Data>2026-11-02</Data>")
    assert len(dup_findings(lv.validate(later.encode()))) == 1
    advance = replace(BASE, "<TipoDocumento>TD01</TipoDocumento>", "<TipoDocumento>TD02</TipoDocumento>")
    assert len(dup_findings(lv.validate(advance.encode()))) == 1  # TD02 is compared with TD01


def test_credit_notes_are_compared_with_credit_notes(lv: Validator) -> None:
    td04 = replace(BASE, "<TipoDocumento>TD01</TipoDocumento>", "<TipoDocumento>TD04</TipoDocumento>")
    assert dup_findings(lv.validate(td04.encode())) == []
    again = replace(td04, CAUSALE, "<Causale>Nota di credito</Causale>")
    messages = dup_findings(lv.validate(again.encode()))
    assert len(messages) == 1 and "credit note (TD04)" in messages[0]


ART73 = CAUSALE + "\n        <Art73>SI</Art73>"


def test_art73_documents_are_keyed_by_full_date(lv: Validator) -> None:
    day1 = replace(BASE, CAUSALE, ART73)
    assert dup_findings(lv.validate(day1.encode())) == []
    day2 = replace(day1, "<Data>2026-03-16</Data>", "<Data>2026-03-17</Data>")
    assert dup_findings(lv.validate(day2.encode())) == []  # numbered per day: same number, other day is fine
    same_day = replace(day1, "<Causale>Fornitura", "<Causale>Seconda fornitura")
    messages = dup_findings(lv.validate(same_day.encode()))
    assert len(messages) == 1 and "date 2026-03-16 (Art73)" in messages[0]


def test_several_bodies_are_several_invoices(lv: Validator, tmp_path: Path) -> None:
    start, end = BASE.index("  <FatturaElettronicaBody>"), BASE.index("</p:FatturaElettronica>")
    body = BASE[start:end]
    second_body = replace(body, NUMERO, "<Numero>FV-2026/0159</Numero>")
    lot = BASE[:end] + second_body + BASE[end:]
    assert len(invoice_keys(load(lot.encode()).root)) == 2
    assert dup_findings(lv.validate(write(tmp_path, "lot.xml", lot))) == []
    single = replace(BASE, NUMERO, "<Numero>FV-2026/0159</Numero>")
    report = lv.validate(write(tmp_path, "single.xml", single))
    (f,) = [f for f in report.findings if f.rule_id == "IT-SDI-00404"]
    assert "lot.xml" in f.message and "FV-2026/0159" in f.message


def test_without_a_ledger_nothing_is_recorded(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    v = Validator(packs=store, as_of=date(2026, 11, 24))
    assert ledger_mod.checks(v.options) == []
    for _ in range(2):
        assert v.validate(BASE.encode()).verdict is Verdict.VALID
    assert v.validate(replace(BASE, CAUSALE, "<Causale>x</Causale>").encode()).verdict is Verdict.VALID
    assert not list(tmp_path.iterdir())


def test_a_ledger_that_cannot_be_opened_means_not_validated(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "a-directory"
    folder.mkdir()
    v = Validator(packs=store, as_of=date(2026, 11, 24), ledger_path=folder)
    report = v.validate(BASE.encode())
    assert report.verdict is Verdict.NOT_VALIDATED
    assert any(f.rule_id == "NOT-VALIDATED" and f.rule_set == "sdi-it" for f in report.findings)


def test_the_ledger_file_is_recreated_when_deleted(lv: Validator, ledger_path: Path) -> None:
    assert lv.validate(BASE.encode()).verdict is Verdict.VALID
    ledger_path.unlink()
    for suffix in ("-wal", "-shm"):
        ledger_path.with_name(ledger_path.name + suffix).unlink(missing_ok=True)
    assert lv.validate(replace(BASE, CAUSALE, "<Causale>x</Causale>").encode()).verdict is Verdict.VALID
    assert Ledger(ledger_path).count() == 1


def test_concurrent_threads_through_one_validator(lv: Validator, tmp_path: Path) -> None:
    """Eight files with the same invoice validated at once: exactly one is the original."""
    paths = [write(tmp_path, f"t{i}.xml", replace(BASE, CAUSALE, f"<Causale>Variante {i}</Causale>")) for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        reports = list(pool.map(lv.validate, paths))
    assert all(r.verdict is not Verdict.NOT_VALIDATED for r in reports), [r.findings for r in reports]
    assert sorted(len(dup_findings(r)) for r in reports) == [0] + [1] * 7


# ---------------------------------------------------------------------------------------------------------------
# The Ledger API.

KEY = InvoiceKey("IT08473120965", "*", "FV-2026/0158", "2026-03-16")


def test_record_count_clear_discard(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite")
    assert ledger.journal_mode == "wal"
    assert ledger.record([KEY], "h1", source="a.xml") == []
    assert ledger.record([KEY], "h1", source="a.xml") == []  # the same document again
    (dup,) = ledger.record([KEY], "h2", source="b.xml")
    assert (dup.index, dup.key, dup.content_hash, dup.source, dup.date) == (0, KEY, "h1", "a.xml", "2026-03-16")
    assert ledger.count() == 2
    assert ledger.discard("h2") == 1 and ledger.count() == 1
    assert ledger.record([KEY], "h3") != []
    ledger.clear()
    assert ledger.count() == 0
    assert ledger.record([KEY], "h2") == []
    with ledger._connect() as con:
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    with sqlite3.connect(tmp_path / "l.sqlite") as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent, for every connection
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"


def test_art73_keying_is_decided_by_the_invoice_being_checked(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite")
    art73 = InvoiceKey("IT08473120965", "*", "7", "2026-03-16", art73=True)
    assert ledger.record([art73], "a") == []
    assert ledger.record([InvoiceKey("IT08473120965", "*", "7", "2026-03-17", art73=True)], "b") == []
    # an ordinary invoice compares by year, so both Art73 invoices of 2026 are earlier duplicates
    assert len(ledger.record([InvoiceKey("IT08473120965", "*", "7", "2026-05-01")], "c")) == 2
    # an Art73 invoice compares by full date: the ordinary one of 2026-05-01 is not on 2026-03-18
    assert ledger.record([InvoiceKey("IT08473120965", "*", "7", "2026-03-18", art73=True)], "d") == []
    assert len(ledger.record([InvoiceKey("IT08473120965", "*", "7", "2026-05-01", art73=True)], "e")) == 1
    assert InvoiceKey("X", "*", "1", "2026-03-16", art73=True).period == "2026-03-16"
    assert KEY.period == "2026"


def _issued_by(text: str, soggetto: str) -> bytes:
    """The document with SoggettoEmittente added after the buyer."""
    end = "    </CessionarioCommittente>\n"
    return replace(text, end, f"{end}    <SoggettoEmittente>{soggetto}</SoggettoEmittente>\n").encode()


def test_the_issuer_is_the_buyer_when_soggetto_emittente_is_cc() -> None:
    ((key, numero),) = invoice_keys(load(BASE.encode()).root)
    assert key == InvoiceKey("IT08473120965", "*", "FV-2026/0158", "2026-03-16", False)
    assert numero.text == "FV-2026/0158"
    assert invoice_keys(load(_issued_by(BASE, "CC")).root)[0][0].issuer == "IT03158740583"
    assert invoice_keys(load(_issued_by(BASE, "TZ")).root)[0][0].issuer == "IT08473120965"
    consumer = (CORPUS / "it" / "identifiers" / "valid" / "b2c-consumer.xml").read_text("utf-8")
    assert invoice_keys(load(_issued_by(consumer, "CC")).root)[0][0].issuer == "CF:FRRGLI88L62G224Q"


def test_bodies_without_number_or_date_are_left_out() -> None:
    no_numero = (CORPUS / "fatturapa" / "invalid" / "fpr12-missing-numero.xml").read_bytes()
    bad_date = (CORPUS / "fatturapa" / "invalid" / "fpr12-bad-date.xml").read_bytes()
    assert invoice_keys(load(no_numero).root) == []
    assert invoice_keys(load(bad_date).root) == []


def test_content_hash_is_sha256_of_the_bytes() -> None:
    assert content_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_concurrent_threads_on_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    # Plain threads, all started: a thread pool may start fewer threads than tasks, and the barrier would wait
    # forever; the barrier's timeout bounds the test anyway.
    barrier = threading.Barrier(16, timeout=60)
    results = [0] * 16

    def work(i: int) -> None:
        ledger = Ledger(path)  # each thread its own object on the same file
        barrier.wait()
        for n in range(20):
            results[i] += len(ledger.record([InvoiceKey("IT1", "*", f"N{n}", "2026-01-01")], f"hash-{i}"))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    # for each of the 20 numbers the first writer is clean and the k-th sees k-1 earlier ones
    assert sum(results) == 20 * sum(range(16))
    assert Ledger(path).count() == 16 * 20


def _record_in_process(args: tuple[str, int]) -> int:
    path, i = args
    ledger = Ledger(path)
    return len(ledger.record([KEY], f"process-{i}", source=f"p{i}.xml"))


def test_concurrent_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "l.sqlite")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.map(_record_in_process, [(path, i) for i in range(8)])
    assert sorted(results) == list(range(8))  # the k-th writer sees the k-1 before it
    assert Ledger(path).count() == 8
