"""Italy, SDI 00404 (duplicate invoice): an opt-in ledger of the invoices validated, in SQLite.

SDI rejects an invoice with 00404 when it has already accepted one with the same issuer, number and year. That
needs every invoice SDI has seen, so offline it can only be approximated: with ``Validator(ledger_path=...)``
every FatturaPA validated records its invoices (one per ``FatturaElettronicaBody``) in a SQLite file, and an
invoice whose key is already there *from a different document* is reported as ``IT-SDI-00404`` at its
``Numero``.

The key follows SDI's control (fields 1.2.1.1, 2.1.1.1, 2.1.1.3, 2.1.1.4, 2.1.1.12, 1.6 of the control list):

- the issuer: the seller's IdFiscaleIVA (IdPaese + IdCodice), or its CodiceFiscale if it has none; when
  ``SoggettoEmittente`` (1.6) is ``CC`` (the buyer issues the invoice) the buyer's identifier instead;
- the class of document: credit notes (TD04) are compared only with TD04, every other type with every other type;
- ``Numero`` (2.1.1.4), compared exactly as written;
- the year of ``Data`` (2.1.1.3), or the full ``Data`` when ``Art73`` (2.1.1.12) is ``SI`` on the invoice being
  checked (documents issued under art. 73 DPR 633/72 are numbered per day).

Each entry stores a SHA-256 of the document's bytes: validating the very same content again never reports the
document as its own duplicate (and two identical bodies in one file are SDI 00409, a content control, not this).
The first document to record a key is the original and later ones are its duplicates; re-validating any of them
gives the answer it got the first time.

Limitations (say them to users): only invoices validated through the same ledger file are known; invoices sent
by other software, or before the ledger existed, are not. SDI counts only invoices it accepted, while the ledger
records every FatturaPA validated with it, even one found invalid: fixing an invalid invoice and validating it
again under the same number then reports the earlier draft, unless the caller removes it with
:meth:`Ledger.discard` (by its content hash) when the draft's verdict is not valid. A byte-identical copy of a
document under another file name is the same document for the ledger.

Concurrency: one connection per operation, WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` around the
look-up and the insert, so threads and processes sharing a ledger file see each other's invoices and exactly
one of two simultaneous identical invoices is reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from ...model import Finding
from ..base import Check, make_finding
from .identifiers import find, text_of

if TYPE_CHECKING:
    from ...layers import RunContext
    from ...validator import Options

#: Seconds a writer waits for another one before giving up (the layer then reports an error, never "valid").
BUSY_TIMEOUT_S = 30.0
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invoices (
    issuer       TEXT NOT NULL,
    doc_class    TEXT NOT NULL,
    number       TEXT NOT NULL,
    invoice_date TEXT NOT NULL,
    art73        INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    source       TEXT,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (issuer, doc_class, number, invoice_date, content_hash)
);
CREATE INDEX IF NOT EXISTS invoices_by_hash ON invoices (content_hash);
"""

_NO_ROWID = 2**63 - 1  # no entry of this document yet: every earlier row counts
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class InvoiceKey:
    """What SDI compares to find a duplicate invoice."""

    issuer: str
    doc_class: str  # "TD04" or "*" (every other TipoDocumento)
    number: str
    date: str  # YYYY-MM-DD
    art73: bool = False

    @property
    def year(self) -> str:
        """The year of the invoice date."""
        return self.date[:4]

    @property
    def period(self) -> str:
        """What the number must be unique within: the year, or the day for an Art73 document."""
        return self.date if self.art73 else self.year


@dataclass(frozen=True)
class Duplicate:
    """An earlier invoice of the ledger that has the key of ``keys[index]`` of a :meth:`Ledger.record` call."""

    index: int
    key: InvoiceKey
    content_hash: str
    source: str | None
    recorded_at: str
    date: str


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


class Ledger:
    """The duplicate-invoice ledger: a SQLite file, safe to share between threads and processes."""

    def __init__(self, path: str | Path, *, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Switching a new file to WAL takes an exclusive lock, and SQLite may answer "database is locked" at once
        # (without its busy handler) when other connections open the same new file at that moment: retry until
        # the busy timeout. WAL is then a property of the file, so later connections find it set.
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                self.journal_mode = self._initialise()
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def _initialise(self) -> str:
        with self._connect() as con:
            mode = str(con.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode != "wal":
                mode = str(con.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
            con.executescript(
                "BEGIN IMMEDIATE;"
                + _SCHEMA
                + f"INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');"
                + "COMMIT;"
            )
            return mode

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        try:
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            yield con
        finally:
            con.close()

    def record(self, keys: Sequence[InvoiceKey], content_hash: str, *, source: str | None = None) -> list[Duplicate]:
        """Record the invoices of one document; return the earlier invoices of *other* documents they duplicate.

        "Earlier" means recorded before this document's own entry: the first document to record a key is the
        original, later ones are its duplicates, and re-validating any of them gives the same answer again.
        Entries of the same content hash are never duplicates of each other. One transaction: of two documents
        with the same invoice recorded at the same time, exactly one is told about the other.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        found: list[Duplicate] = []
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                for index, key in enumerate(keys):
                    if key.art73:
                        where, period = "invoice_date = ?", key.date
                    else:
                        where, period = "substr(invoice_date, 1, 4) = ?", key.year
                    # Already recorded (the same content validated again): compare only with what came before it,
                    # so that re-validating a document gives the answer it got the first time.
                    mine = con.execute(
                        "SELECT min(rowid) FROM invoices WHERE issuer = ? AND doc_class = ? AND number = ? "
                        "AND invoice_date = ? AND content_hash = ?",
                        (key.issuer, key.doc_class, key.number, key.date, content_hash),
                    ).fetchone()[0]
                    rows = con.execute(
                        "SELECT content_hash, source, recorded_at, invoice_date FROM invoices "
                        f"WHERE issuer = ? AND doc_class = ? AND number = ? AND {where} AND content_hash <> ? "
                        "AND rowid < ? ORDER BY rowid",
                        (key.issuer, key.doc_class, key.number, period, content_hash, mine or _NO_ROWID),
                    ).fetchall()
                    found.extend(Duplicate(index, key, r[0], r[1], r[2], r[3]) for r in rows)
                for key in keys:
                    con.execute(
                        "INSERT OR IGNORE INTO invoices (issuer, doc_class, number, invoice_date, art73, content_hash,"
                        " source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (key.issuer, key.doc_class, key.number, key.date, int(key.art73), content_hash, source, now),
                    )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return found

    def discard(self, content_hash: str) -> int:
        """Remove the invoices recorded for a document (e.g. one whose verdict was not valid); returns how many."""
        with self._connect() as con:
            cur = con.execute("DELETE FROM invoices WHERE content_hash = ?", (content_hash,))
            return cur.rowcount

    def clear(self) -> None:
        """Forget every invoice."""
        with self._connect() as con:
            con.execute("DELETE FROM invoices")

    def count(self) -> int:
        """How many invoices (key and document) the ledger holds."""
        with self._connect() as con:
            return int(con.execute("SELECT count(*) FROM invoices").fetchone()[0])


_ledgers: dict[Path, Ledger] = {}
_ledgers_lock = threading.Lock()


def ledger_at(path: str | Path) -> Ledger:
    """The process-wide :class:`Ledger` of a file (created, with its tables, on first use)."""
    resolved = Path(path).expanduser().resolve()
    with _ledgers_lock:
        ledger = _ledgers.get(resolved)
        if ledger is None or not resolved.exists():  # first use, or the file was deleted since
            ledger = _ledgers[resolved] = Ledger(resolved)
        return ledger


def content_hash(data: bytes) -> str:
    """The content hash the ledger stores per document (SHA-256 of its bytes)."""
    return hashlib.sha256(data).hexdigest()


def _party_id(anagrafici: etree._Element | None) -> str | None:
    """IdPaese + IdCodice of an IdFiscaleIVA, else ``CF:`` + CodiceFiscale (None when neither is there)."""
    paese = text_of(find(anagrafici, "IdFiscaleIVA", "IdPaese"))
    codice = text_of(find(anagrafici, "IdFiscaleIVA", "IdCodice"))
    if paese and codice:
        return paese.strip() + codice.strip()
    cf = text_of(find(anagrafici, "CodiceFiscale"))
    return f"CF:{cf.strip()}" if cf else None


def issuer_of(root: etree._Element) -> str | None:
    """The issuer SDI keys duplicates on: the seller, or the buyer when SoggettoEmittente is CC."""
    header = find(root, "FatturaElettronicaHeader")
    emittente = (text_of(find(header, "SoggettoEmittente")) or "").strip()
    party = "CessionarioCommittente" if emittente == "CC" else "CedentePrestatore"
    return _party_id(find(header, party, "DatiAnagrafici"))


def invoice_keys(root: etree._Element) -> list[tuple[InvoiceKey, etree._Element]]:
    """The key of every invoice (FatturaElettronicaBody) of a document, with its Numero element.

    Bodies without a usable issuer, Numero or Data (the XSD reports those) are left out.
    """
    issuer = issuer_of(root)
    if issuer is None:
        return []
    out: list[tuple[InvoiceKey, etree._Element]] = []
    for body in root:
        if not isinstance(body.tag, str) or etree.QName(body).localname != "FatturaElettronicaBody":
            continue
        dgd = find(body, "DatiGenerali", "DatiGeneraliDocumento")
        numero_el = find(dgd, "Numero")
        numero = text_of(numero_el)
        data = (text_of(find(dgd, "Data")) or "").strip()
        if numero_el is None or numero is None or not _DATE.fullmatch(data):
            continue
        tipo = (text_of(find(dgd, "TipoDocumento")) or "").strip()
        art73 = (text_of(find(dgd, "Art73")) or "").strip() == "SI"
        key = InvoiceKey(issuer, "TD04" if tipo == "TD04" else "*", numero, data, art73)
        out.append((key, numero_el))
    return out


def _describe(dup: Duplicate) -> str:
    where = f"in {dup.source}" if dup.source and not dup.source.startswith("<") else "in another document"
    return f"{where} (dated {dup.date}, recorded {dup.recorded_at}, content sha256 {dup.content_hash[:12]}...)"


def duplicate_check(path: str | Path) -> Check:
    """The 00404 check over the ledger at ``path``: records the document's invoices and reports the duplicates.

    The ledger is opened when the check runs, so that a ledger that cannot be opened makes the layer report an
    error (the document is then not validated) instead of failing the whole run.
    """

    def check_duplicates(ctx: RunContext) -> Iterator[Finding]:
        doc = ctx.document
        found = invoice_keys(doc.root)
        if not found:
            return
        keys = [key for key, _ in found]
        duplicates = ledger_at(path).record(keys, content_hash(doc.data), source=doc.path)
        by_index: dict[int, list[Duplicate]] = {}
        for dup in duplicates:
            by_index.setdefault(dup.index, []).append(dup)
        for index, dups in sorted(by_index.items()):
            key, numero_el = found[index]
            scope = f"date {key.date} (Art73)" if key.art73 else f"year {key.year}"
            kind = "credit note (TD04)" if key.doc_class == "TD04" else "invoice"
            earlier = "; ".join(_describe(d) for d in dups[:3])
            if len(dups) > 3:
                earlier += f"; and {len(dups) - 3} more"
            yield make_finding(
                "IT-SDI-00404",
                doc,
                numero_el,
                f"Duplicate {kind}: number {key.number!r} of {scope} from issuer {key.issuer} was already validated "
                f"{earlier}. SDI rejects a second invoice with the same issuer, number and year with 00404 "
                "(this ledger knows only the invoices validated through it).",
            )

    return check_duplicates


def checks(options: Options) -> list[Check]:
    """The ledger check when ``options.ledger_path`` is set, else none."""
    if options.ledger_path is None:
        return []
    return [duplicate_check(options.ledger_path)]
