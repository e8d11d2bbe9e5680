"""Store: the SQLite file (or PostgreSQL database) every run writes and every renderer reads.

Each document is written in its own transaction (its row, its marked spans, its claims), so
a failure leaves what was stored before intact; facts and anomalies are replaced together in
one transaction at the end. Re-running on the same corpus replaces rows, never duplicates
them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import orjson

from accord.chronology import timelines_of
from accord.claim_table import NUMBERS, WORDS, ClaimTable, claim_values
from accord.errors import StoreError
from accord.extract.attribution import document_statements
from accord.extract.entities import occurrence_at
from accord.model import (
    Anomaly,
    Claim,
    Document,
    Fact,
    FactValue,
    FigureKey,
    Result,
    ReuseLink,
    Skipped,
    Span,
    Statement,
)
from accord.postgres import Connection as PostgresConnection
from accord.postgres import is_postgres
from accord.reconcile import shared_people_values

if TYPE_CHECKING:
    from accord.incremental import Increment

SCHEMA_VERSION = 6

#: indexes a bulk write drops and builds again (Store._index_set_aside)
INDEXES = {
    # a fact's claims, and those stating a value (accord add's category swaps, at a crawl's
    # largest facts: 1.1 -> 0.13 s at 100k documents)
    "claims_fact_value":
        'CREATE INDEX IF NOT EXISTS claims_fact_value ON claims(event, category, "group", value);',
    "entity_occurrences_doc":
        "CREATE INDEX IF NOT EXISTS entity_occurrences_doc ON entity_occurrences(doc);",
    # what every run and add reads of every document, without its text: its row holds the
    # text before extracted_with (SQLite reads through it), 0.3 -> 0.07 s at 100k documents
    "documents_keys": "CREATE INDEX IF NOT EXISTS documents_keys ON documents(id, sha256, "
                      "extracted_with, published);",
    # a document's anomalies (accord add deletes those it replaces, not all)
    "anomalies_doc": "CREATE INDEX IF NOT EXISTS anomalies_doc ON anomalies(doc);",
    # the documents stating each figure (accord add's fingerprint pairs, 2.5 -> 2.1 s at 100k
    # documents, instead of every stored figure read; a value's first claims); made by a
    # finish, not by the per-document stages, which would keep it up to date claim by claim
    "claims_figure":
        'CREATE INDEX IF NOT EXISTS claims_figure ON claims(event, category, "group", low, '
        'high, doc);',
    # a pair's passages: a finish over a store with results keeps those of the pairs of
    # unchanged documents, read a block of pairs at a time (Store.reuse_of_pairs)
    "reuse_pair": "CREATE INDEX IF NOT EXISTS reuse_pair ON reuse(a, b);",
}

#: entity occurrences' columns, in the store and in a finish's spill file
OCCURRENCE_COLUMNS = 'cluster INTEGER, form TEXT, doc TEXT, start INTEGER, "end" INTEGER'

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, path TEXT, format TEXT, title TEXT, url TEXT, published TEXT,
    publisher TEXT, encoding TEXT, sha256 TEXT, text TEXT NOT NULL, meta TEXT,
    extracted_with TEXT
);
CREATE TABLE IF NOT EXISTS spans (
    doc TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT,
    source_start INTEGER
);
CREATE INDEX IF NOT EXISTS spans_doc ON spans(doc);
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    event TEXT, category TEXT, "group" TEXT, value INTEGER, low INTEGER, high INTEGER,
    qualifier TEXT, start INTEGER, "end" INTEGER, text TEXT, figure_start INTEGER,
    figure_end INTEGER, stated TEXT, cue TEXT, parent TEXT, source TEXT,
    context_year INTEGER, context_kind TEXT
);
CREATE INDEX IF NOT EXISTS claims_doc ON claims(doc);
{INDEXES['claims_fact_value']}
CREATE TABLE IF NOT EXISTS facts (
    event TEXT, category TEXT, "group" TEXT, status TEXT, best INTEGER, low INTEGER,
    high INTEGER, "values" TEXT, PRIMARY KEY (event, category, "group")
);
CREATE TABLE IF NOT EXISTS anomalies (kind TEXT, doc TEXT, detail TEXT, claims TEXT);
{INDEXES['anomalies_doc']}
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, reason TEXT);
CREATE TABLE IF NOT EXISTS reuse (
    a TEXT, b TEXT, a_start INTEGER, a_end INTEGER, b_start INTEGER, b_end INTEGER,
    similarity REAL
);
{INDEXES['reuse_pair']}
CREATE TABLE IF NOT EXISTS reuse_pairs (a TEXT, b TEXT, data TEXT, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS reuse_groups (doc TEXT PRIMARY KEY, grp INTEGER);
CREATE TABLE IF NOT EXISTS fingerprints (a TEXT, b TEXT, data TEXT, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS corpus (key TEXT PRIMARY KEY, data TEXT);
CREATE TABLE IF NOT EXISTS finished (id TEXT PRIMARY KEY, key TEXT);
CREATE TABLE IF NOT EXISTS statements (doc TEXT, quote INTEGER, n INTEGER, data TEXT);
CREATE INDEX IF NOT EXISTS statements_doc ON statements(doc);
CREATE TABLE IF NOT EXISTS entity_occurrences ({OCCURRENCE_COLUMNS});
{INDEXES['entity_occurrences_doc']}
CREATE TABLE IF NOT EXISTS date_records (
    doc TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE, data TEXT
);
CREATE TABLE IF NOT EXISTS reuse_keys (
    doc TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE, version TEXT, keys BLOB
);
CREATE INDEX IF NOT EXISTS reuse_keys_version ON reuse_keys(version, doc);
CREATE TABLE IF NOT EXISTS document_history (
    id TEXT NOT NULL, sha256 TEXT, text TEXT, meta TEXT,
    replaced TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, target TEXT NOT NULL,
    value TEXT, note TEXT, created TEXT NOT NULL DEFAULT (datetime('now'))
);
"""
#: where a finish under way keeps what it found out of its memory until it saves: tables
#: of the connection's own (temporary: two writers of one store never share them, and a
#: killed finish leaves none behind), each made like the table it is taken into
STAGING = {"reuse_staged": "reuse", "reuse_pairs_staged": "reuse_pairs",
           "fingerprints_staged": "fingerprints", "facts_staged": "facts",
           "date_records_staged": "date_records",
           # in the order a finish without staging lists its anomalies: the facts stage's,
           # then the dates stage's (found first)
           "anomalies_staged": "anomalies", "date_anomalies_staged": "anomalies"}
REVIEW_KINDS = ("claim_wrong", "accept_value", "merge_facts")

#: the metadata of a document the corpus stages need for every document at once (the rest
#: they read a batch or an event at a time)
LIGHT_META = ("years",)


class SharedMeta(dict[str, Any]):
    """The metadata of light documents (Store.documents(text=False)), one dict for all that
    hold the same: a crawl's million documents hold a few thousand distinct, and a dict each
    was 184 bytes. So none may change it in place (that raises): a stage that changes a light
    document's metadata gives it a new dict."""

    __slots__ = ()

    def _shared(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("light documents share this metadata: give the document a new dict")

    __setitem__ = __delitem__ = __ior__ = _shared
    setdefault = update = pop = popitem = clear = _shared

    def __reduce__(self) -> tuple[Any, ...]:  # a copy or a pickle is built whole, not set
        return (SharedMeta, (dict(self),))


def _shared_meta(data: dict[str, Any], one: Callable[[Any, Any], Any]) -> SharedMeta:
    """``data`` as the SharedMeta of the documents read before that hold the same (``one``:
    the setdefault of what a read shares)."""
    try:
        return cast(SharedMeta, one((SharedMeta, *data.items()), SharedMeta(data)))
    except TypeError:  # a value that is no key (a dict): not shared
        return SharedMeta(data)


#: the marked spans of every light document: none are read (a list each was 56 bytes)
NO_MARKS: list[Span] = cast(list[Span], ())

CLAIM_COLUMNS = ("id", "doc", "event", "category", "group", "value", "low", "high", "qualifier",
                 "start", "end", "text", "figure_start", "figure_end", "stated", "cue", "parent",
                 "source", "context_year", "context_kind")
CLAIM_ROW = attrgetter(*CLAIM_COLUMNS)  # a claim's row, in one call


#: the order claims are read in (by position: Claim.position), by claims and claim_table
CLAIMS_IN_ORDER = "ORDER BY doc, figure_start, id"
#: claim columns no corpus stage reads, left out (empty) when claims are read without text
LIGHT_LEFT_OUT = ("text", "stated", "cue")
EXTRACTED_WITH = re.compile(r'"extracted_with": "([^"]*)"')
#: values that recur across claims, kept as one object each: words, and numbers (offsets in
#: a few-KB text and stated figures repeat; a fresh int is 28 bytes, seven per claim)
SHARED_CLAIM_COLUMNS = ("doc", "event", "category", "group", "qualifier", "text", "cue", "source",
                        "context_kind", "value", "low", "high", "start", "end", "figure_start",
                        "figure_end", "context_year")
SHARED_POSITIONS = tuple(CLAIM_COLUMNS.index(c) for c in SHARED_CLAIM_COLUMNS)


def entity_clusters(clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clusters as the corpus table keeps them: an id each, forms without occurrences, and
    without the documents the occurrences are in (Store.entities finds them there): at 100k
    documents these lists were 13.5 of the record's 14.1 MB of JSON, and writing it at a
    finish's end held five copies."""
    return [{**{k: v for k, v in c.items() if k != "documents"}, "id": c.get("id", n),
             "forms": [{k: v for k, v in f.items() if k != "occurrences"} for f in c["forms"]]}
            for n, c in enumerate(clusters)]


def _link_rows(links: Iterable[ReuseLink]) -> Iterator[tuple[Any, ...]]:
    """Reuse links as rows of the reuse table (and of its staging twin)."""
    return ((r.a, r.b, r.a_start, r.a_end, r.b_start, r.b_end, r.similarity) for r in links)


def _record_rows(records: Iterable[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """Pair records (reuse pairs, fingerprints) as (a, b, JSON) rows."""
    return ((p["a"], p["b"], _json(p)) for p in records)


def _occurrence_rows(clusters: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """(cluster id, form, doc, start, end) of every occurrence of the clusters' forms."""
    return ((c.get("id", n), f["form"], *occurrence_at(o)) for n, c in enumerate(clusters)
            for f in c["forms"] for o in f.get("occurrences", []))


def spill_occurrences(path: str, clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write the clusters' occurrences to the file ``path`` (Store.occurrences_spill, from
    another process); returns the clusters as the corpus table keeps them."""
    with closing(sqlite3.connect(path)) as spill, spill:
        spill.execute(f"CREATE TABLE occurrences ({OCCURRENCE_COLUMNS})")
        spill.executemany("INSERT INTO occurrences VALUES (?,?,?,?,?)",
                          _occurrence_rows(clusters))
    return entity_clusters(clusters)


@contextmanager
def anomalies_in_order() -> Iterator[tuple[Callable[[Iterable[tuple[tuple[str, int, str],
                                                                  Anomaly]]], None],
                                            Callable[[], Iterator[Anomaly]]]]:
    """A temporary SQLite file that keeps anomalies, each with a key (a claim's position:
    document, start, id), and gives them back sorted by it, those of one key in the order
    kept (as a stable sort does): a finish finds category swaps event by event and lists
    them in claim order, and a crawl's are hundreds of thousands (~500 bytes each as
    objects). Yields ``keep`` and ``in_order``; the file goes when the block ends."""
    folder = tempfile.mkdtemp(prefix="accord-")
    try:
        with closing(sqlite3.connect(os.path.join(folder, "held.db"))) as held:
            held.execute("PRAGMA journal_mode = OFF")  # a scratch file: no sync, no journal
            held.execute("PRAGMA synchronous = OFF")
            held.execute("CREATE TABLE held (doc TEXT, start INTEGER, id TEXT, kind TEXT, "
                         "anomaly_doc TEXT, detail TEXT, claims TEXT)")

            def keep(keyed: Iterable[tuple[tuple[str, int, str], Anomaly]]) -> None:
                with held:
                    held.executemany("INSERT INTO held VALUES (?,?,?,?,?,?,?)",
                                     ((*key, a.kind, a.doc, a.detail, _json(a.claims))
                                      for key, a in keyed))

            def in_order() -> Iterator[Anomaly]:
                # BINARY collation compares UTF-8 bytes: the order of Python's str comparison
                for kind, doc, detail, claims in held.execute(
                        "SELECT kind, anomaly_doc, detail, claims FROM held "
                        "ORDER BY doc, start, id, rowid"):
                    yield Anomaly(kind, doc, detail, orjson.loads(claims))

            yield keep, in_order
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def finished_key(doc: Document) -> str:
    """A document as corpus results saw it: its text, and what cleaned and extracted it (a new
    vocabulary may set other passages aside, so its reuse is looked at again)."""
    return finished_key_from(doc.sha256, doc.meta.get("extracted_with", ""))


def finished_key_from(sha256: str, extracted_with: str) -> str:
    return f"{sha256}/{extracted_with}"


#: finished_key_from of a row of the documents table, made by the database
FINISHED_KEY_SQL = "sha256 || '/' || coalesce(extracted_with, '')"


def _in_chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    """``values`` 500 at a time, for ``IN (...)`` lists: a statement's bound parameters are
    limited."""
    for k in range(0, len(values), 500):
        yield list(values[k:k + 500])


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _q(name: str) -> str:
    return f'"{name}"'


def _json(value: Any) -> str:
    """JSON text of corpus results, with orjson: writing a crawl's facts took 1.4 s with the
    standard library at 100k documents, 0.5 s with it. Tuples (named ones included) are
    arrays, as the standard library writes them; what orjson cannot write (an integer past
    64 bits, say) is written by the standard library."""
    try:
        return orjson.dumps(value, default=_tuple_as_list,
                            option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _tuple_as_list(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError


def _figure_where(figure: FigureKey) -> tuple[str, list[Any]]:
    """The claims stating ``figure``, as a condition the claims_figure index answers."""
    category, group, event, low, high = figure
    return _where_equal({"event": event, "category": category, "group": group, "low": low,
                         "high": high})


def _where_equal(columns: dict[str, Any]) -> tuple[str, list[Any]]:
    """Each column equal to its value, None as IS NULL (a column = NULL matches nothing,
    and PostgreSQL does not answer IS NOT DISTINCT FROM from an index)."""
    where = [f"{_q(c)} IS NULL" if v is None else f"{_q(c)} = ?" for c, v in columns.items()]
    return " AND ".join(where), [v for v in columns.values() if v is not None]


class Store:
    """An accord SQLite store.

    Example:
        >>> store = Store(":memory:")
        >>> store.documents()
        []
    """

    def __init__(self, path: str | Path) -> None:
        self.address = str(path)  # to open it again elsewhere (a forked process, see finish)
        self._spill: str | None = None  # see occurrences_spill
        self._has_figure_index = False  # see _figure_index
        self.path = str(path)
        if is_postgres(self.path):
            self.conn: Any = PostgresConnection(self.path)
            self.path = self.path.split("@")[-1]  # no password in messages
            try:
                self._migrate()
            except self.conn.errors as exc:
                raise StoreError(f"{self.path}: cannot use as an accord store: {exc}") from exc
            return
        try:
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                self.conn.execute("PRAGMA journal_mode = WAL")
                # in WAL mode NORMAL still survives a killed process (each transaction is in
                # the log before commit returns); only a power cut may lose the last ones,
                # and a run resumes from what the store holds. FULL syncs every document.
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open as an accord store: {exc}") from exc

    def _migrate(self) -> None:
        with self.conn:
            self.conn.executescript(SCHEMA)
            row = self.conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:  # another process creating the same store may be first
                self.conn.execute("INSERT INTO meta VALUES ('schema_version', ?) "
                                  "ON CONFLICT (key) DO NOTHING", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer accord (schema {row[0]}, "
                                 f"this accord reads up to {SCHEMA_VERSION})")
            elif int(row[0]) < SCHEMA_VERSION:
                # 1 -> 2 added the reuse tables, 2 -> 3 the corpus table, 3 -> 4 reviews and
                # document history; the script above has just created them. 4 -> 5: the
                # vocabulary each document was extracted with as a column of its own; 5 -> 6:
                # the texts the corpus results cover as rows (the finished table)
                if int(row[0]) < 5:
                    self._add_extracted_with()
                if int(row[0]) < 6:
                    self._finished_as_rows()
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                                  (str(SCHEMA_VERSION),))
            # claims_fact (event, category, group) became claims_fact_value, made above
            self.conn.execute("DROP INDEX IF EXISTS claims_fact")
            self.conn.execute(INDEXES["documents_keys"])  # after extracted_with is there
            legacy = self.conn.execute(
                "SELECT data FROM corpus WHERE key = 'statements'").fetchone()
            if legacy is not None:  # kept in the corpus table before they had rows
                self._insert_statements(json.loads(legacy[0]))
                self.conn.execute("DELETE FROM corpus WHERE key = 'statements'")

    def _finished_as_rows(self) -> None:
        """The "finished" corpus record of schema 5 (a JSON object of every covered
        document's key) as rows of the finished table, the record left as their count: a
        save made the object in one string, 95 MB at a million documents, and the database
        held two more copies of it while it was written."""
        covered = self._corpus_value("finished")
        if isinstance(covered, dict):
            self.conn.execute("DELETE FROM finished")
            self.conn.executemany("INSERT INTO finished VALUES (?,?)", covered.items())
            self._count_finished()

    def _count_finished(self) -> None:
        """The "finished" corpus record: how many texts the results cover (the rows of the
        finished table); a store without it has no results to build on."""
        self.conn.execute("INSERT INTO corpus SELECT 'finished', CAST(count(*) AS TEXT) FROM "
                          "finished WHERE true "  # (SQLite reads ON CONFLICT so, after a WHERE)
                          "ON CONFLICT (key) DO UPDATE SET data = excluded.data")

    def _add_extracted_with(self) -> None:
        """documents.extracted_with, taken out of each document's metadata once: reading it
        there parsed every document's metadata at the start of each run and add (1.1 s at
        100k documents)."""
        self.conn.execute("ALTER TABLE documents ADD COLUMN extracted_with TEXT")
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.execute("UPDATE documents SET extracted_with = "
                              "json_extract(meta, '$.extracted_with')")
            return
        self.conn.executemany("UPDATE documents SET extracted_with = ? WHERE id = ?", (
            (m.group(1) if (m := EXTRACTED_WITH.search(r[1] or "")) else None, r[0])
            for r in self.conn.execute("SELECT id, meta FROM documents").fetchall()))

    def close(self) -> None:
        self.conn.close()
        if self._spill is not None:
            shutil.rmtree(os.path.dirname(self._spill), ignore_errors=True)
            self._spill = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def save_document(self, doc: Document, claims: Iterable[Claim], *,
                      keep_history: bool = False,
                      reuse_keys: tuple[str, bytes] | None = None) -> None:
        """Write one document with its marked spans and claims, all or nothing. With
        ``keep_history``, a stored document of the same id and other text is kept in
        ``document_history`` before it is replaced. ``reuse_keys``: (version, band keys)
        of the document, for the reuse stage to find candidates without reading texts."""
        with self.conn:
            self._write_document(doc, claims, keep_history, reuse_keys)

    def save_documents(self, processed: Sequence[tuple[Document, Sequence[Claim],
                                                      tuple[str, bytes] | None]], *,
                       keep_history: bool = False) -> None:
        """Write several (document, claims, reuse keys) in one transaction: a commit costs
        more than writing a document (190 of 360 us a document, one at a time). All of them
        or none; when one cannot be written, each is written on its own instead, so that
        the others are kept, and the first error is raised."""
        try:
            with self.conn:
                for doc, claims, keys in processed:
                    self._write_document(doc, claims, keep_history, keys)
        except Exception:  # rolled back: each alone, then the first failure raised
            if len(processed) == 1:
                raise
            failed: Exception | None = None
            for doc, claims, keys in processed:
                try:
                    self.save_document(doc, claims, keep_history=keep_history,
                                       reuse_keys=keys)
                except Exception as exc:
                    failed = failed or exc
            if failed is not None:
                raise failed from None

    def _write_document(self, doc: Document, claims: Iterable[Claim], keep_history: bool,
                        reuse_keys: tuple[str, bytes] | None) -> None:
        if keep_history:
            self.conn.execute(
                "INSERT INTO document_history (id, sha256, text, meta) SELECT id, sha256, "
                "text, meta FROM documents WHERE id = ? AND sha256 != ?",
                (doc.id, doc.sha256))
        self.conn.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
        self.conn.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc.id, doc.path, doc.format, doc.title, doc.url, doc.published, doc.publisher,
             doc.encoding, doc.sha256, doc.text, json.dumps(doc.meta),
             doc.meta.get("extracted_with")))
        self.conn.executemany(
            'INSERT INTO spans VALUES (?,?,?,?,?,?)',
            [(s.doc, s.start, s.end, s.kind, s.reason, s.source_start) for s in doc.marked])
        cols = ",".join(_q(c) for c in CLAIM_COLUMNS)
        marks = ",".join("?" * len(CLAIM_COLUMNS))
        self.conn.executemany(
            f"INSERT INTO claims ({cols}) VALUES ({marks})",
            [CLAIM_ROW(c) for c in claims])
        if reuse_keys is not None:
            self.conn.execute("INSERT INTO reuse_keys VALUES (?,?,?)",
                              (doc.id, reuse_keys[0], reuse_keys[1]))
        # its statements depend on it alone: written with it, never held corpus-wide
        self.conn.execute("DELETE FROM statements WHERE doc = ?", (doc.id,))
        self._insert_statements(document_statements(doc))

    def clear_staged(self) -> None:
        """Make this connection's staging tables, empty (see STAGING)."""
        with self.conn:
            for table, stored in STAGING.items():
                self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} AS "
                                  f"SELECT * FROM {stored} WHERE false")
                self.conn.execute(f"DELETE FROM {table}")
            self._finished_staged()
        if self._spill is not None and os.path.exists(self._spill):
            os.remove(self._spill)

    def stage_reuse(self, links: list[ReuseLink], pairs: list[dict[str, Any]]) -> None:
        """Keep reuse links and pair records found by a finish under way, out of its memory
        (a crawl's are gigabytes as objects), until save_results(staged=True) takes them
        in with the other results: the stored results are unchanged until then."""
        with self.conn:
            self.conn.executemany("INSERT INTO reuse_staged VALUES (?,?,?,?,?,?,?)",
                                  _link_rows(links))
            self.conn.executemany("INSERT INTO reuse_pairs_staged VALUES (?,?,?)",
                                  _record_rows(pairs))

    def stage_fingerprints(self, records: list[dict[str, Any]]) -> None:
        """Keep fingerprint pairs found by a finish under way (see stage_reuse)."""
        with self.conn:
            self.conn.executemany("INSERT INTO fingerprints_staged VALUES (?,?,?)",
                                  _record_rows(records))

    def occurrences_spill(self) -> str:
        """A file where another process of the finish under way (its entity clusters) puts
        the clusters' occurrences (spill_occurrences) for save_results(staged=True): the
        temporary tables are this connection's alone."""
        if self._spill is None:
            self._spill = os.path.join(tempfile.mkdtemp(prefix="accord-"), "occurrences.db")
        return self._spill

    def _spilled_occurrences(self) -> Iterator[tuple[Any, ...]]:
        if self._spill is None or not os.path.exists(self._spill):
            return
        with closing(sqlite3.connect(self._spill)) as spill:
            yield from spill.execute("SELECT * FROM occurrences")

    def save_results(self, result: Result, *, changed: Iterable[Document] | None = None,
                     finished: dict[str, str] | None = None,
                     moved: Iterable[Claim] | None = None, staged: bool = False) -> None:
        """Replace every corpus-level result (events of claims, facts, anomalies, reuse) at once.

        ``changed``: the whole documents whose metadata the corpus stages set (a publication
        date inferred), when ``result`` holds documents without text; ``finished``: which
        texts the results cover (computed from the result's documents when not given);
        ``moved``: the claims whose event or source changed (all of the result's when not
        given); ``staged``: the reuse links and pairs, fingerprint pairs, anomalies, facts,
        date records and entity occurrences that the stage_* methods kept are taken in beside
        the result's, and, unless ``finished`` is given, the keys stage_finished noted."""
        moved = result.claims if moved is None else moved
        if not isinstance(moved, Sequence):  # a ClaimTable's are made as they are written
            moved = list(moved)
        with self.conn:
            with self._index_set_aside(("claims_fact_value", "claims_figure"),
                                       len(moved) > self._count("claims") // 10):
                self.conn.executemany("UPDATE claims SET event = ?, source = ? WHERE id = ?",
                                      claim_values(moved, ("event", "source", "id")))
            if isinstance(self.conn, sqlite3.Connection):  # PostgreSQL: see _figure_index
                self.conn.execute(INDEXES["claims_figure"])
            self.conn.executemany("UPDATE documents SET published = ?, publisher = ?, meta = ? "
                                  "WHERE id = ?",
                                  ((d.published, d.publisher, json.dumps(d.meta), d.id)
                                   for d in (result.documents if changed is None else changed)))
            for table in ("facts", "anomalies", "reuse", "reuse_pairs", "reuse_groups",
                          "fingerprints", "corpus", "date_records", "entity_occurrences",
                          "finished"):
                self.conn.execute(f"DELETE FROM {table}")
            self._insert_date_records(result.date_records)
            self._insert_facts(result.facts)
            with self._index_set_aside("anomalies_doc"):  # the table is empty
                self._insert_anomalies(result.anomalies)
                for table, stored in STAGING.items() if staged else ():
                    if stored == "anomalies":
                        self.conn.execute(f"INSERT INTO {stored} SELECT * FROM {table}")
            self._replace_skipped(result.skipped)
            with self._index_set_aside("reuse_pair"):  # the table is empty
                for table, stored in STAGING.items() if staged else ():
                    if stored != "anomalies":
                        self.conn.execute(f"INSERT INTO {stored} SELECT * FROM {table}")
                self.conn.executemany("INSERT INTO reuse VALUES (?,?,?,?,?,?,?)",
                                      _link_rows(result.reuse))
            self.conn.executemany("INSERT INTO reuse_pairs VALUES (?,?,?)",
                                  _record_rows(result.pairs))
            self.conn.executemany("INSERT INTO reuse_groups VALUES (?,?)",
                                  ((d, n) for n, g in enumerate(result.groups) for d in g))
            self.conn.executemany("INSERT INTO fingerprints VALUES (?,?,?)",
                                  _record_rows(result.fingerprints))
            # which texts these results cover: the next finish realigns only the others
            covered = (finished if finished is not None else None if staged else
                       {d.id: finished_key(d) for d in result.documents})
            with self._index_set_aside("entity_occurrences_doc"):  # the table is empty
                if staged:
                    self.conn.executemany("INSERT INTO entity_occurrences VALUES (?,?,?,?,?)",
                                          self._spilled_occurrences())
                self._insert_occurrences(result.entities)
            for table in STAGING if staged else ():
                self.conn.execute(f"DELETE FROM {table}")
            parts = {"events": result.events,
                     "entities": entity_clusters(result.entities),
                     "shared_people": sorted((c.id, c.event)
                                             for c in shared_people_values(result.claims))}
            # rows are made as written (generators): at 100k documents the JSON of every
            # result at once was over a gigabyte
            self.conn.executemany("INSERT INTO corpus VALUES (?,?)",
                                  ((key, _json(value)) for key, value in parts.items()
                                   if value is not None))
            if covered is None:
                self.conn.execute("INSERT INTO finished SELECT id, key FROM finished_staged")
                self.conn.execute("DELETE FROM finished_staged")
            else:
                self.conn.executemany("INSERT INTO finished VALUES (?,?)", covered.items())
            self._count_finished()

    @contextmanager
    def _index_set_aside(self, names: str | tuple[str, ...], when: bool = True
                         ) -> Iterator[None]:
        """Drop an index while many rows of its table are written, then build it again (in
        the caller's transaction): at 100k documents, moving every claim to its event took
        10.5 s with the claims' fact index kept up to date row by row, 4.6 s with it
        rebuilt. SQLite only: on PostgreSQL several writers save at once, and dropping an
        index takes its table's exclusive lock until the transaction ends; two `accord
        add` at once deadlocked on it, each holding a table the other's DROP INDEX or
        read waited for."""
        if not when or not isinstance(self.conn, sqlite3.Connection):
            yield
            return
        if isinstance(self.conn, sqlite3.Connection) and not self.conn.in_transaction:
            self.conn.execute("BEGIN")  # sqlite3 opens one before DML only: DDL would commit
        names = (names,) if isinstance(names, str) else names
        for name in names:
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")
        yield
        for name in names:
            self.conn.execute(INDEXES[name])

    def _count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def save_increment(self, inc: Increment) -> None:
        """Write what an incremental finish changed (accord.incremental), all or nothing:
        the new documents' claim events, inferred dates, the touched events' facts, the
        reuse and fingerprint rows of the new documents, and the corpus-wide records."""
        with self.conn:
            self.conn.executemany("UPDATE claims SET event = ? WHERE id = ?",
                                  ((c.event, c.id) for c in inc.claims))
            self.conn.executemany("UPDATE documents SET published = ?, publisher = ?, meta = ? "
                                  "WHERE id = ?",
                                  ((d.published, d.publisher, json.dumps(d.meta), d.id)
                                   for d in inc.changed))
            self._delete_in("facts", ("event",), inc.left)
            self.conn.executemany('DELETE FROM facts WHERE event = ? AND category = ? AND '
                                  '"group" = ?', inc.fact_keys)
            self._insert_facts(inc.facts)
            self._delete_in("anomalies", ("doc",), inc.new)
            self.conn.executemany("DELETE FROM anomalies WHERE doc = ? AND kind = ? AND "
                                  "detail = ? AND claims = ?",
                                  ((doc, kind, detail, claims)
                                   for kind, doc, detail, claims in inc.anomalies_gone))
            self._insert_anomalies(inc.anomalies)
            for table in ("reuse", "reuse_pairs", "fingerprints"):  # new documents have none
                self._delete_in(table, ("a", "b"), inc.replaced)
            self.conn.executemany("INSERT INTO reuse VALUES (?,?,?,?,?,?,?)",
                                  _link_rows(inc.links))
            self.conn.executemany("UPDATE reuse_pairs SET data = ? WHERE a = ? AND b = ?",
                                  ((_json(p), p["a"], p["b"]) for p in inc.redated))
            self.conn.executemany("INSERT INTO reuse_pairs VALUES (?,?,?)", _record_rows(inc.pairs))
            self.conn.execute("DELETE FROM reuse_groups")
            self.conn.executemany("INSERT INTO reuse_groups VALUES (?,?)",
                                  ((d, n) for n, g in enumerate(inc.groups) for d in g))
            self.conn.executemany("INSERT INTO fingerprints VALUES (?,?,?)",
                                  _record_rows(inc.fingerprints))
            self._insert_date_records(inc.date_records)
            self._delete_in("entity_occurrences", ("doc",), inc.new)
            self._delete_in("entity_occurrences", ("cluster",), inc.dropped)  # one form left
            self.conn.executemany("INSERT INTO entity_occurrences VALUES (?,?,?,?,?)",
                                  inc.occurrences)
            self.conn.executemany("INSERT INTO finished VALUES (?,?) ON CONFLICT (id) DO "
                                  "UPDATE SET key = excluded.key", inc.finished.items())
            self._count_finished()
            parts = {"events": inc.events, "entities": inc.entities,
                     "shared_people": inc.shared_people}
            self.conn.executemany("INSERT INTO corpus VALUES (?,?) ON CONFLICT (key) DO UPDATE "
                                  "SET data = excluded.data",
                                  ((key, _json(value)) for key, value in parts.items()))

    def _delete_in(self, table: str, columns: tuple[str, ...], values: Sequence[Any]) -> None:
        """Delete the rows whose ``columns`` (any of them) hold one of ``values``."""
        for chunk in _in_chunks(values):
            self.conn.execute(f"DELETE FROM {table} WHERE "
                              + " OR ".join(f"{_q(c)} IN ({_marks(chunk)})" for c in columns),
                              chunk * len(columns))

    def _insert_statements(self, statements: list[dict[str, Any]]) -> None:
        """Statements as rows, numbered within each document and kind, so that they read
        back in the order the corpus stage lists them (attributions, then quotes, each by
        document)."""
        seen: Counter[tuple[str, bool]] = Counter()
        rows = []
        for item in statements:
            at = (item.get("doc", ""), item["kind"] == "quote")
            rows.append((at[0], int(at[1]), seen[at], _json(item)))
            seen[at] += 1
        self.conn.executemany("INSERT INTO statements VALUES (?,?,?,?)", rows)

    def statements(self) -> list[dict[str, Any]]:
        """Attributed statements and quotes, attributions first, each by document."""
        rows = self.conn.execute("SELECT doc, quote, n, data FROM statements").fetchall()
        rows.sort(key=lambda r: (r[1], r[0], r[2]))  # here: PostgreSQL may collate otherwise
        return [json.loads(r[3]) for r in rows]

    def _insert_occurrences(self, clusters: list[dict[str, Any]]) -> None:
        """Entity occurrences as rows (a crawl's clusters hold millions: as JSON in the corpus
        table, every save and load would write and parse all of them)."""
        self.conn.executemany("INSERT INTO entity_occurrences VALUES (?,?,?,?,?)",
                              _occurrence_rows(clusters))

    def entities(self, occurrences: bool = True) -> list[dict[str, Any]]:
        """The entity clusters, with each form's occurrences (doc, start, end) and the
        documents they are in, as the corpus stage gives them; with ``occurrences=False``,
        without either and with the id each cluster's rows carry (what accord add
        updates)."""
        # a record an earlier accord wrote lists the documents: they are found again here
        clusters = [{k: v for k, v in c.items() if k != "documents"}
                    for c in self._corpus("entities")]
        if not occurrences:
            return clusters
        by_id = {c.get("id"): c for c in clusters}
        forms = {(c.get("id"), f["form"]): f for c in clusters for f in c["forms"]}
        for f in forms.values():
            f.setdefault("occurrences", [])
        for cluster, form, doc, start, end in self.conn.execute(
                'SELECT cluster, form, doc, start, "end" FROM entity_occurrences'):
            if cluster in by_id and (cluster, form) in forms:
                forms[cluster, form]["occurrences"].append((doc, start, end))
        for f in forms.values():  # in document order, as the corpus stage lists them
            f["occurrences"].sort()
        return [{"forms": c["forms"],
                 "documents": sorted({o[0] for f in c["forms"] for o in f["occurrences"]}),
                 **{k: v for k, v in c.items() if k not in ("id", "forms")}}
                for c in clusters]

    def entity_counts(self, docs: list[str]) -> Counter[tuple[int, str]]:
        """How many occurrences of each (cluster, form) the documents ``docs`` hold."""
        return Counter((r[0], r[1]) for r in self._rows_in(
            "SELECT cluster, form FROM entity_occurrences", "doc", docs))

    def _insert_date_records(self, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        self.conn.executemany("INSERT INTO date_records VALUES (?,?) ON CONFLICT (doc) DO "
                              "UPDATE SET data = excluded.data",
                              ((doc, _json(r)) for doc, r in records))

    def date_records(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The date records (chronology.date_record) the store keeps for ``ids``."""
        return {r[0]: json.loads(r[1])
                for r in self._rows_in("SELECT doc, data FROM date_records", "doc", ids)}

    def _insert_facts(self, facts: Iterable[Fact], table: str = "facts") -> None:
        self.conn.executemany(
            f"INSERT INTO {table} VALUES (?,?,?,?,?,?,?,?)",
            ((f.event, f.category, f.group, f.status, f.best, f.low, f.high,
              # no timeline: it repeats the claims (half a crawl's fact records), made when
              # the fact is read
              _json({"values": [v.to_dict() for v in f.values],
                     "independent_groups": f.independent_groups,
                     "undated": f.undated, "falls": f.falls}))
             for f in facts))

    def stage_date_records(self, records: list[tuple[str, dict[str, Any]]]) -> None:
        """Keep the date records made by a finish under way (see stage_reuse)."""
        with self.conn:
            self.conn.executemany("INSERT INTO date_records_staged VALUES (?,?)",
                                  ((doc, _json(r)) for doc, r in records))

    def stage_anomalies(self, anomalies: Iterable[Anomaly], *, dates: bool = False) -> None:
        """Keep anomalies found by a finish under way (see stage_reuse): a crawl's are a
        million. The store lists them as a finish without staging does: those of the
        facts stage, then those of the dates stage (``dates``), each in the order staged."""
        with self.conn:
            self._insert_anomalies(anomalies, "date_anomalies_staged" if dates
                                   else "anomalies_staged")

    def _insert_anomalies(self, anomalies: Iterable[Anomaly], table: str = "anomalies") -> None:
        # rows made as written: the anomalies may come from a generator
        self.conn.executemany(f"INSERT INTO {table} VALUES (?,?,?,?)",
                              ((a.kind, a.doc, a.detail, _json(a.claims)) for a in anomalies))

    def stage_facts(self, facts: list[Fact]) -> None:
        """Keep facts made by a finish under way, a few at a time (see stage_reuse): a
        crawl's are gigabytes as objects."""
        with self.conn:
            self._insert_facts(facts, "facts_staged")

    def save_skipped(self, skipped: list[Skipped]) -> None:
        """Record the inputs a run could not read (replacing the previous list)."""
        with self.conn:
            self._replace_skipped(skipped)

    def _replace_skipped(self, skipped: list[Skipped]) -> None:
        # no transaction of its own: save_results calls it inside its one transaction
        self.conn.execute("DELETE FROM skipped")
        self.conn.executemany("INSERT INTO skipped VALUES (?,?) ON CONFLICT (path) DO UPDATE "
                              "SET reason = excluded.reason",
                              [(s.path, s.reason) for s in skipped])

    def add_review(self, kind: str, target: str, value: str | None = None,
                   note: str | None = None) -> int:
        """Record a reviewer's decision. Decisions sit beside what the sources state, never
        over it: no claim or fact row is changed."""
        if kind not in REVIEW_KINDS:
            raise StoreError(f"unknown review kind {kind!r}; choose one of: "
                             + ", ".join(REVIEW_KINDS))
        with self.conn:
            row = self.conn.execute(
                "INSERT INTO reviews (kind, target, value, note) VALUES (?,?,?,?) RETURNING id",
                (kind, target, value, note)).fetchone()
        return int(row[0])

    def reviews(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM reviews ORDER BY id")]

    # -- reading ---------------------------------------------------------------------------
    def documents(self, ids: Sequence[str] | None = None, *, text: bool = True,
                  all_meta: bool = False, meta: bool = True,
                  meta_keys: Sequence[str] | None = None) -> list[Document]:
        """Stored documents (those of ``ids`` only, in that order, when given).

        With ``text=False`` a document comes without its text and spans, and its meta holds
        only LIGHT_META (all of it with ``all_meta``; without it, neither its path, title,
        url nor encoding, read by no corpus stage, and its LIGHT_META lists come as tuples,
        one for the documents that hold the same): what the corpus stages need of every
        document at once (a million, for a crawl). They read whole documents a batch at a
        time, so a large store's texts are never all in memory. ``meta=False`` leaves the
        metadata out (reuse reads texts only); ``meta_keys``: only these keys of it (a key
        stored as null is left out, as one never stored).
        """
        light = not text and not all_meta
        if light:
            meta_keys = LIGHT_META
        keys = tuple(meta_keys) if meta and meta_keys is not None else None
        if ids is not None:
            found: dict[str, Document] = {}
            for chunk in _in_chunks(ids):
                where = f"WHERE id IN ({_marks(chunk)})"
                found.update((d.id, d) for d in self._documents(where, chunk, text, meta, keys,
                                                               light))
            return [found[i] for i in ids if i in found]
        return self._documents("", [], text, meta, keys, light)

    def _meta_of(self, keys: tuple[str, ...] | None) -> tuple[str, Callable[[Any], Any]]:
        """The column expression and decoder for a document's metadata, or some keys of it.
        SQLite takes the keys out of the JSON itself (in C): decoding every document's whole
        metadata in Python took 11.5 s at 100k documents, for a few small keys."""
        if keys is None:
            return "meta", lambda raw: json.loads(raw or "{}")
        if not isinstance(self.conn, sqlite3.Connection):
            return "meta", lambda raw: {k: v for k, v in json.loads(raw or "{}").items()
                                        if k in keys and v is not None}
        paths = keys if len(keys) > 1 else keys * 2  # two or more paths: a JSON array
        column = "json_extract(meta, {})".format(", ".join(f"'$.\"{k}\"'" for k in paths))
        return column, lambda raw: {k: v for k, v in zip(keys, json.loads(raw or "[]"),
                                                         strict=False)  # a key given twice
                                    if v is not None}

    def _documents(self, where: str, params: list[str], text: bool, meta: bool,
                   keys: tuple[str, ...] | None, light: bool = False) -> list[Document]:
        spans: dict[str, list[Span]] = {}
        if text:
            query = f"SELECT * FROM spans {where.replace('id IN', 'doc IN')} ORDER BY doc, start"
            for r in self.conn.execute(query, params):  # one query
                spans.setdefault(r["doc"], []).append(
                    Span(r["doc"], r["start"], r["end"], r["kind"], r["reason"] or "",
                         r["source_start"]))
        column, decode = self._meta_of(keys)
        described = ("NULL AS path, format, NULL AS title, NULL AS url, published, publisher, "
                     "NULL AS encoding" if light else
                     "path, format, title, url, published, publisher, encoding")
        columns = (f"id, {described}, {column if meta else 'NULL'} AS meta"
                   + (", text" if text else ""))
        docs = []
        # dates, publishers and formats recur across a crawl's documents: one string each
        shared: dict[Any, Any] = {}
        one = shared.setdefault
        for row in self.conn.execute(f"SELECT {columns} FROM documents {where} ORDER BY id",
                                     params):
            data = decode(row["meta"]) if meta else {}
            if light:  # LIGHT_META's lists (years) recur too: one read-only tuple each
                data = {k: one(t := tuple(v), t) if isinstance(v, list) else v
                        for k, v in data.items()}
                data = _shared_meta(data, one)
            fmt, published, publisher = row["format"] or "txt", row["published"], row["publisher"]
            doc = Document(id=row["id"], text=row["text"] if text else "", path=row["path"] or "",
                           format=one(fmt, fmt), title=row["title"], url=row["url"],
                           published=one(published, published),
                           publisher=one(publisher, publisher), encoding=row["encoding"],
                           meta=data)
            doc.marked = NO_MARKS if light else spans.get(doc.id, [])
            docs.append(doc)
        return docs

    def fingerprints(self) -> dict[str, tuple[str, str]]:
        """Each stored document's (text hash, extraction fingerprint), to skip what is done."""
        return {row[0]: (row[1], row[2] or "") for row in self.conn.execute(
            "SELECT id, sha256, extracted_with FROM documents")}

    def reuse_keys(self, version: str, ids: list[str] | None = None
                   ) -> Iterator[tuple[str, np.ndarray]]:
        """Each document's band keys kept under ``version`` (see reuse.document_keys), read a
        row at a time (those of ``ids`` only, when given)."""
        rows: Iterable[Any] = (
            self.conn.execute("SELECT doc, keys, version FROM reuse_keys")
            if ids is None else self._rows_in("SELECT doc, keys, version FROM reuse_keys",
                                              "doc", ids))
        for row in rows:
            if row[2] == version:
                yield row[0], np.frombuffer(bytes(row[1]), dtype=np.uint64)

    def without_reuse_keys(self, version: str) -> list[str]:
        """The documents with no band keys kept under ``version``. The index reuse_keys_version
        answers it without reading the rows, each a page of keys (1M documents: 13-30 s
        -> 0.5 s)."""
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM documents WHERE id NOT IN "
            "(SELECT doc FROM reuse_keys WHERE version = ?) ORDER BY id", (version,))]

    def save_reuse_keys(self, rows: list[tuple[str, str, np.ndarray]]) -> None:
        """Keep (document, version, band keys) rows, replacing a document's earlier keys."""
        with self.conn:
            self.conn.executemany("INSERT INTO reuse_keys VALUES (?,?,?) ON CONFLICT (doc) DO "
                                  "UPDATE SET version = excluded.version, keys = excluded.keys",
                                  [(doc, version, keys.tobytes()) for doc, version, keys in rows])

    def stage_finished(self) -> None:
        """Note every stored document's finished_key as it is now, for
        save_results(staged=True) to record as what the results cover: a finish started
        now covers these texts, and a crawl's keys are a quarter of a gigabyte in memory."""
        with self.conn:
            self._finished_staged()
            self.conn.execute(f"INSERT INTO finished_staged SELECT id, {FINISHED_KEY_SQL} "
                              "FROM documents")

    def _finished_staged(self) -> None:
        """stage_finished's table, empty (a staged save without it covers no text: the next
        finish aligns every pair again)."""
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS finished_staged (id TEXT, key TEXT)")
        self.conn.execute("DELETE FROM finished_staged")

    def finished_keys(self) -> dict[str, str]:
        """Each stored document's finished_key, read without loading the documents."""
        return {i: finished_key_from(sha, extracted)
                for i, (sha, extracted) in self.fingerprints().items()}

    def claims(self, *, text: bool = True, docs: Sequence[str] | None = None,
               events: Sequence[str] | None = None,
               keys: Sequence[tuple[str, str, str]] | None = None,
               ids: Sequence[str] | None = None) -> list[Claim]:
        """Every stored claim, or those of ``docs``, of ``events``, of facts' ``keys``
        (event, category, group) or with ``ids`` (``text=False``: without the sentence, the
        figure as written and the cue, which no corpus stage reads). Words that recur (categories,
        groups, events, a sentence several claims quote) are one string each: a store of
        100k documents holds a million claims."""
        columns = ", ".join(f"'' AS {_q(c)}" if c in LIGHT_LEFT_OUT and not text else _q(c)
                            for c in CLAIM_COLUMNS)
        order = CLAIMS_IN_ORDER

        def in_order(r: Any) -> tuple[str, int, str]:
            return r[1], r[12] or 0, r[0]  # doc, figure_start, id

        if keys is not None and self._claims_of(keys) > self._count("claims") // 4:
            # most of the table (a crawl's largest facts): one scan in storage order, not a
            # lookup per claim through the index (100k store, 823k of 946k claims: 3.9 s
            # against 12.6 s)
            facts = set(keys)
            rows: Iterable[Any] = sorted(
                (r for r in self._tuples(f"SELECT {columns} FROM claims")
                 if (r[2], r[3], r[4]) in facts), key=in_order)
        elif keys is not None:
            rows = sorted(
                (r for key in keys for r in self._tuples(
                    f'SELECT {columns} FROM claims WHERE event = ? AND category = ? AND '
                    f'"group" = ?', key)), key=in_order)
        elif docs is None and events is None and ids is None:
            rows = self._tuples(f"SELECT {columns} FROM claims {order}")
        else:
            column, wanted = (("doc", docs) if docs is not None else ("id", ids)
                              if ids is not None else ("event", events))
            rows = sorted(self._rows_in(f"SELECT {columns} FROM claims", column,
                                        list(wanted or [])), key=in_order)
        shared: dict[Any, Any] = {}
        out = []
        for row in rows:  # by position: a million claims, so no dict per row
            values = list(row)
            for i in SHARED_POSITIONS:
                if values[i] is not None:
                    values[i] = shared.setdefault(values[i], values[i])
            out.append(Claim(*values))
            if len(shared) > 100_000:  # sentences do not recur across documents
                shared.clear()
        return out

    def claim_table(self, doc_ids: Sequence[str] = ()) -> ClaimTable:
        """Every stored claim as Store.claims(text=False) reads them, in the same order, held
        as columns (accord.claim_table): what a finish holds of a crawl's millions.
        ``doc_ids``: the documents' ids in id order, as the caller holds them; the table's
        words for the documents are then these very strings, not a second copy of every id
        (13 MB of words read from claim rows at 100k documents, by tracemalloc). Claims
        come in document order, so the two are walked side by side; a document not found
        there keeps the string read. The table comes sealed: its columns in a file, mapped.
        """
        columns = ", ".join(_q(c) for c in ("id", *WORDS, *NUMBERS))
        width = 1 + len(WORDS)

        def rows() -> Iterator[tuple[str, tuple[str | None, ...], tuple[int | None, ...]]]:
            k = 0
            for row in self._tuples(f"SELECT {columns} FROM claims {CLAIMS_IN_ORDER}"):
                doc = row[1]
                while k < len(doc_ids) and doc_ids[k] < doc:
                    k += 1
                if k < len(doc_ids) and doc_ids[k] == doc:
                    doc = doc_ids[k]
                yield row[0], (doc, *row[2:width]), row[width:]

        # on disk, mapped, as it grows: each pass maps in what it reads (ClaimTable.seal)
        return ClaimTable.sealed_from(rows())

    def _claims_of(self, keys: Sequence[tuple[str, str, str]]) -> int:
        """How many claims the facts ``keys`` have (counted in the index, rows not read)."""
        return sum(int(self.conn.execute(
            'SELECT count(*) FROM claims WHERE event = ? AND category = ? AND "group" = ?',
            key).fetchone()[0]) for key in keys)

    def _tuples(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows as plain tuples, without a sqlite3.Row object each (a store's million claims
        are read at once)."""
        if isinstance(self.conn, sqlite3.Connection):
            cursor = self.conn.cursor()
            cursor.row_factory = None
            return cursor.execute(sql, params)
        return iter(self.conn.execute(sql, params))

    def _rows_in(self, select: str, column: str, values: list[str]) -> Iterator[Any]:
        """Rows whose ``column`` is one of ``values``, queried 500 at a time."""
        for chunk in _in_chunks(values):
            yield from self.conn.execute(f"{select} WHERE {_q(column)} IN ({_marks(chunk)})",
                                         chunk)

    def document_ids(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT id FROM documents ORDER BY id")]

    def publication_dates(self) -> dict[str, str | None]:
        """Each document's publication date (for the direction of reuse and timelines)."""
        return dict(self.conn.execute("SELECT id, published FROM documents").fetchall())

    def figure_counts(self, figures: list[FigureKey]) -> dict[FigureKey, int]:
        """How many documents state each figure (category, group, event, low, high), counted
        in the claims_figure index: a crawl's common figures are stated by tens of thousands
        of documents."""
        self._figure_index()
        return {figure: int(self.conn.execute(
            f"SELECT COUNT(DISTINCT doc) FROM claims WHERE {where}", params).fetchone()[0])
            for figure in figures for where, params in [_figure_where(figure)]}

    def figure_holders(self, first: dict[FigureKey, int]) -> dict[FigureKey, list[str]]:
        """For each figure, the first ``first[figure]`` documents (in id order) stating it."""
        self._figure_index()
        return {figure: [r[0] for r in self.conn.execute(
            f"SELECT DISTINCT doc FROM claims WHERE {where} ORDER BY doc LIMIT ?",
            (*params, n))] for figure, n in first.items()
            for where, params in [_figure_where(figure)]}

    def _figure_index(self) -> None:
        """Made by every finish on SQLite; a store finished by an earlier accord, or on
        PostgreSQL (where no save builds an index: see _index_set_aside), gets it here."""
        if not self._has_figure_index:
            with self.conn:
                self.conn.execute(INDEXES["claims_figure"])
            self._has_figure_index = True

    def figures_of(self, docs: list[str]) -> dict[str, set[FigureKey]]:
        """The figures (category, group, event, low, high) each document of ``docs`` states,
        one tuple per figure among them: accord add reads the figures of every document a
        new one may share figures with (tens of thousands), and their documents state the
        same figures again and again (a tuple and three strings a row, ~100 MB at 100k)."""
        out: dict[str, set[FigureKey]] = defaultdict(set)
        same: dict[FigureKey, FigureKey] = {}
        for row in self._rows_in('SELECT doc, category, "group", event, low, high FROM claims',
                                 "doc", docs):
            figure = row[1:]
            out[row[0]].add(same.setdefault(figure, figure))
        return dict(out)

    def stated_facts(self, docs: list[str]) -> set[tuple[str, str, str]]:
        """The facts (event, category, group) the claims of ``docs`` belong to."""
        return {(r[0], r[1], r[2]) for r in self._rows_in(
            'SELECT DISTINCT event, category, "group" FROM claims', "doc", docs)}

    def claim_keys(self, ids: list[str]) -> dict[str, tuple[str, str, str]]:
        """The fact (event, category, group) each claim of ``ids`` belongs to."""
        return {r[0]: (r[1], r[2], r[3]) for r in self._rows_in(
            'SELECT id, event, category, "group" FROM claims', "id", ids)}

    def qualifier_firsts(self, key: tuple[str, str, str],
                         value: tuple[int | None, int | None, int | None]
                         ) -> dict[str, tuple[str, int, str]]:
        """Where each qualifier the value (value, low, high) of the fact ``key`` is stated
        with is first stated (Claim.position): that value's claims only, found through the
        claims_figure index (a crawl's largest facts hold 100k claims)."""
        self._figure_index()
        where, params = _where_equal({"event": key[0], "category": key[1], "group": key[2],
                                      "low": value[1], "high": value[2], "value": value[0]})
        first: dict[str, tuple[str, int, str]] = {}
        for qualifier, doc, start, claim in self._tuples(
                f"SELECT qualifier, doc, figure_start, id FROM claims WHERE {where}", params):
            position = (doc, start or 0, claim)
            if qualifier not in first or position < first[qualifier]:
                first[qualifier] = position
        return first

    def statements_of(self, key: tuple[str, str, str], docs: Sequence[str]) -> list[Statement]:
        """What the documents ``docs`` state for the fact ``key``."""
        return [Statement(r[3], r[4], r[5], r[6]) for r in self._rows_in(
            'SELECT event, category, "group", value, low, high, qualifier FROM claims', "doc",
            list(docs)) if (r[0], r[1], r[2]) == key]

    def fact_keys(self, events: list[str]) -> set[tuple[str, str, str]]:
        """(event, category, group) of the stored facts of ``events``."""
        return {(r[0], r[1], r[2]) for r in self._rows_in(
            'SELECT event, category, "group" FROM facts', "event", events)}

    def reuse_edges(self) -> list[tuple[str, str]]:
        """The documents of every pair sharing text, without the pair's record."""
        return [(r[0], r[1]) for r in self.conn.execute("SELECT a, b FROM reuse_pairs")]

    def reuse_pairs_of(self, ids: list[str]) -> list[dict[str, Any]]:
        """The pair records that involve any of ``ids``."""
        found = {(r[0], r[1]): r[2] for column in ("a", "b")
                 for r in self._rows_in("SELECT a, b, data FROM reuse_pairs", column, ids)}
        return [json.loads(data) for data in found.values()]

    def facts(self, docs: list[str] | None = None,
              leave_out: Callable[[tuple[str, str, str]], bool] | None = None,
              keys: Iterable[tuple[str, str, str]] | None = None, *,
              timelines: bool = True, claims: list[Claim] | None = None) -> list[Fact]:
        """Every stored fact, or those of the events and keys (event, category, group) the
        claims of ``docs`` state, or of ``keys``, but for the keys ``leave_out`` is true of
        (not read: a crawl's largest facts list a million claims). ``timelines``: with
        each fact's timeline, made from its claims (``claims``: every stored claim, when
        the caller has read them) and the documents' publication dates; a store keeps none
        (they repeat the claims)."""
        if docs is None and keys is None:
            rows: Iterable[Any] = self.conn.execute(
                'SELECT * FROM facts ORDER BY event, category, "group"')
        else:
            if keys is None:
                keys = self.stated_facts(docs or [])
            rows = [r for key in sorted(keys, key=str) for r in self.conn.execute(
                'SELECT * FROM facts WHERE event = ? AND category = ? AND "group" = ?', key)]
        out = []
        # one string per document among the facts read: a document states many facts, and
        # each of its values lists it (accord add reads the facts its new claims join: at
        # 100k documents 731,679 listings of 95,511 documents, ~36 MB as strings of their own)
        same_doc: dict[str, str] = {}
        for row in rows:
            if leave_out and leave_out((row["event"], row["category"], row["group"])):
                continue
            data = json.loads(row["values"])
            for v in data["values"]:
                v["docs"] = [same_doc.setdefault(d, d) for d in v["docs"]]
            values = [FactValue(**v) for v in data["values"]]
            out.append(Fact(row["event"], row["category"], row["group"], row["status"],
                            row["best"], row["low"], row["high"], values,
                            data.get("independent_groups"), [], data.get("undated", []),
                            data.get("falls")))
        if timelines and out:
            if claims is None:
                claims = self.claims(text=False, keys=None if docs is None and keys is None
                                     else [(f.event, f.category, f.group) for f in out])
            made = timelines_of(claims, self.publication_dates())
            for f in out:
                f.timeline = made.get((f.event, f.category, f.group), [])
        return out

    def dated_statements(self, key: tuple[str, str, str]) -> list[tuple[str, Statement]]:
        """What the dated documents state for the fact ``key``, each with its document's
        publication date (accord.merge reads them for a conflict not known to fall)."""
        return [(r[0], Statement(r[1], r[2], r[3], r[4])) for r in self.conn.execute(
            "SELECT d.published, c.value, c.low, c.high, c.qualifier FROM claims c JOIN "
            'documents d ON d.id = c.doc WHERE c.event = ? AND c.category = ? AND '
            'c."group" = ? AND d.published IS NOT NULL', key)]

    def anomaly_rows(self, kinds: Sequence[str]) -> list[tuple[str, str, str, str]]:
        """The stored anomalies of ``kinds`` as stored: (kind, doc, detail, claims JSON)."""
        return [tuple(r) for r in self.conn.execute(
            f"SELECT kind, doc, detail, claims FROM anomalies WHERE kind IN "
            f"({','.join('?' * len(kinds))})", list(kinds))]

    def anomalies(self) -> list[Anomaly]:
        return [Anomaly(r["kind"], r["doc"], r["detail"], json.loads(r["claims"]))
                for r in self.conn.execute("SELECT * FROM anomalies ORDER BY doc, kind")]

    def skipped(self) -> list[Skipped]:
        return [Skipped(r["path"], r["reason"])
                for r in self.conn.execute("SELECT * FROM skipped ORDER BY path")]

    def reuse(self) -> list[ReuseLink]:
        return [ReuseLink(*row) for row in self.conn.execute(
            "SELECT a, b, a_start, a_end, b_start, b_end, similarity FROM reuse ORDER BY a, b, "
            "a_start")]

    def groups(self) -> list[list[str]]:
        grouped: dict[int, list[str]] = {}
        for doc, grp in self.conn.execute("SELECT doc, grp FROM reuse_groups ORDER BY grp, doc"):
            grouped.setdefault(grp, []).append(doc)
        return list(grouped.values())

    def shared_people(self) -> list[tuple[str, str]] | None:
        """(claim, event) of the counts of people whose document states their value for
        another people category too (reconcile.shared_people_values), as the last finish or
        add kept them; None for a store written before they were kept."""
        kept = self._corpus_value("shared_people")
        return None if kept is None else [(i, e) for i, e in kept]

    def claims_with_values(self, values: dict[tuple[str, str, str], set[int]]) -> list[str]:
        """The ids of the claims of each fact (event, category, group) in ``values`` that
        state one of its values (exact figures): through the claims_fact_value index, a crawl's
        largest facts scanned in the database, not in Python."""
        out: list[str] = []
        for (event, category, group), wanted in values.items():
            for chunk in _in_chunks(sorted(wanted)):
                out += [r[0] for r in self.conn.execute(
                    f'SELECT id FROM claims WHERE event = ? AND category = ? AND "group" = ? '
                    f"AND value IN ({_marks(chunk)})", (event, category, group, *chunk))]
        return out

    def finished_documents(self) -> dict[str, str] | None:
        """The documents the stored corpus results cover (id -> finished_key); None if none."""
        if self._corpus_value("finished") is None:
            return None
        return {row[0]: row[1] for row in self.conn.execute("SELECT id, key FROM finished")}

    def unfinished_documents(self) -> set[str] | None:
        """The stored documents whose text (or extraction) the stored corpus results do not
        cover, found by the database; None when there are no results: a finish reads these,
        not a dict of every document's key twice over (~300 MB at a million documents)."""
        if self._corpus_value("finished") is None:
            return None
        return {row[0] for row in self.conn.execute(
            "SELECT id FROM documents WHERE NOT EXISTS (SELECT 1 FROM finished AS f WHERE "
            f"f.id = documents.id AND f.key = {FINISHED_KEY_SQL})")}

    def reuse_pairs(self) -> list[dict[str, Any]]:
        return self._json_rows("reuse_pairs")

    def reuse_of_pairs(self, pairs: Sequence[tuple[str, str]]
                       ) -> dict[frozenset[str], tuple[list[ReuseLink], dict[str, Any]]]:
        """The passages and pair record stored for each of ``pairs`` (two ids, in either
        order) that shares text, by the two ids. A finish over a store with results reads
        these a block of candidate pairs at a time, through the reuse_pair index and the
        records' key: every stored link and record held at once took a re-finish of 100k
        documents from a peak of 321 MB to 1,128 MB (a crawl's are gigabytes)."""
        records: dict[frozenset[str], dict[str, Any]] = {}
        links: dict[frozenset[str], list[ReuseLink]] = {}
        both = [*pairs, *((b, a) for a, b in pairs)]
        for chunk in _in_chunks(both):
            # each pair a term: both tables' indexes are searched a pair at a time (SQLite
            # reads "(a, b) IN (VALUES ...)" by scanning the table)
            where = " OR ".join(["(a = ? AND b = ?)"] * len(chunk))
            ids = [doc for pair in chunk for doc in pair]
            for a, b, data in self.conn.execute(
                    f"SELECT a, b, data FROM reuse_pairs WHERE {where}", ids):
                records[frozenset((a, b))] = json.loads(data)
            for row in self.conn.execute(
                    "SELECT a, b, a_start, a_end, b_start, b_end, similarity FROM reuse "
                    f"WHERE {where}", ids):
                links.setdefault(frozenset((row[0], row[1])), []).append(ReuseLink(*row))
        for passages in links.values():  # as a full read orders them (Store.reuse)
            passages.sort(key=lambda link: (link.a, link.b, link.a_start))
        return {pair: (links.get(pair, []), record) for pair, record in records.items()}

    def fingerprint_pairs(self) -> list[dict[str, Any]]:
        """Pairs of documents stating the same figures (reconcile.fingerprints)."""
        return self._json_rows("fingerprints")

    def _json_rows(self, table: str) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.conn.execute(
            f"SELECT data FROM {table} ORDER BY a, b")]

    def corpus(self, key: str) -> list[dict[str, Any]]:
        """A corpus-wide result: "events" (see entities(), statements())."""
        return self._corpus(key)

    def _corpus(self, key: str) -> list[dict[str, Any]]:
        found = self._corpus_value(key)
        return [] if found is None else found

    def _corpus_value(self, key: str) -> Any:
        """The corpus record ``key``, decoded; None when the store has none."""
        row = self.conn.execute("SELECT data FROM corpus WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def result(self) -> Result:
        """Everything stored, as the renderers take it."""
        claims = self.claims()
        return Result(self.documents(), claims, self.facts(claims=claims), self.anomalies(),
                      self.skipped(), reuse=self.reuse(), groups=self.groups(),
                      pairs=self.reuse_pairs(),
                      fingerprints=self.fingerprint_pairs(),
                      events=self._corpus("events"), statements=self.statements(),
                      entities=self.entities())

    def counts(self) -> dict[str, Any]:
        tables = ("documents", "spans", "claims", "facts", "anomalies", "skipped", "reuse",
                  "reuse_pairs", "reuse_groups", "fingerprints", "corpus", "reviews",
                  "document_history")
        return {t: self._count(t) for t in tables}
