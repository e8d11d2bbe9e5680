"""Store: a real SQLite file; re-runs replace rows; a failed write leaves what was stored."""

from __future__ import annotations

import copy
import json
import pickle
import sqlite3
from pathlib import Path

import pytest

from accord.errors import StoreError
from accord.ingest import text_document
from accord.model import Claim
from accord.pipeline import run
from accord.store import SCHEMA_VERSION, Store


def test_run_twice_does_not_duplicate(khojaly: Path, db_path: Path) -> None:
    first = run([str(khojaly)], db_path)
    with Store(db_path) as store:
        counts = store.counts()
    second = run([str(khojaly)], db_path)
    with Store(db_path) as store:
        assert store.counts() == counts
    assert counts["documents"] == 5
    assert counts["claims"] == len(first.claims) == len(second.claims)
    assert counts["facts"] == len(first.facts)


def test_store_round_trip(khojaly: Path, db_path: Path) -> None:
    result = run([str(khojaly)], db_path)
    with Store(db_path) as store:
        back = store.result()
    assert [c.id for c in back.claims] == sorted(c.id for c in result.claims) or len(
        back.claims) == len(result.claims)
    assert {(f.event, f.category, f.group, f.best) for f in back.facts} == {
        (f.event, f.category, f.group, f.best) for f in result.facts}
    docs = {d.id: d for d in back.documents}
    for claim in back.claims:
        text = docs[claim.doc].text
        assert text[claim.start:claim.end] == claim.text
        assert text[claim.figure_start:claim.figure_end] == claim.stated
    assert any(s.kind == "repeat" for s in docs["001_7b68217e28d426c6.txt"].marked)


def test_claims_table_has_the_contract_columns(khojaly: Path, db_path: Path) -> None:
    run([str(khojaly)], db_path)
    conn = sqlite3.connect(db_path)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(claims)")}
    assert {"doc", "event", "category", "group", "value", "low", "high", "qualifier", "start",
            "end", "text", "id"} <= columns
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_failed_document_write_keeps_what_was_stored(db_path: Path) -> None:
    good = text_document("good.txt", "Four people died.")
    claim = Claim(id="dup", doc="bad.txt", event="e", category="killed", group="all", value=1,
                  low=1, high=1, qualifier="exact", start=0, end=4, text="x", figure_start=0,
                  figure_end=1, stated="1")
    with Store(db_path) as store:
        store.save_document(good, [])
        bad = text_document("bad.txt", "One died.")
        with pytest.raises(sqlite3.IntegrityError):
            store.save_document(bad, [claim, claim])  # the same claim id twice
        assert [d.id for d in store.documents()] == ["good.txt"]
        assert store.claims() == []


def test_newer_schema_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                 (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer accord"):
        Store(db_path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite " * 100, "utf-8")
    with pytest.raises(StoreError, match=r"notes\.db"):
        Store(path)


def test_statements_kept_in_the_corpus_table_become_rows(khojaly: Path, db_path: Path) -> None:
    """A store written when statements were one JSON value in the corpus table reads them
    as rows once reopened, so an incremental add keeps the earlier documents' statements."""
    result = run([str(khojaly)], db_path)
    assert result.statements
    with Store(db_path) as store:
        store.conn.execute("DELETE FROM statements")
        store.conn.execute("INSERT INTO corpus VALUES ('statements', ?)",
                           (json.dumps(result.statements),))
        store.conn.commit()
    with Store(db_path) as store:
        assert store.statements() == result.statements
        assert store.conn.execute(
            "SELECT COUNT(*) FROM corpus WHERE key = 'statements'").fetchone()[0] == 0


def test_a_replaced_document_replaces_its_statements(khojaly: Path, db_path: Path) -> None:
    """Statements are stored with their document: a new version leaves none of the old."""
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        before = store.statements()
        doc = next(d for d in store.documents() if any(s["doc"] == d.id for s in before))
        others = [s for s in before if s["doc"] != doc.id]
        doc.meta["attributions"] = [{"source": "a new source", "start": 0, "end": 3}]
        doc.meta["statements"] = []
        store.save_document(doc, [], keep_history=True)
        after = store.statements()
    assert [s for s in after if s["doc"] != doc.id] == others
    assert [s for s in after if s["doc"] == doc.id] == [
        {"kind": "attribution", "doc": doc.id, "source": "a new source", "start": 0, "end": 3}]


def _indexes(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}


def test_indexes_set_aside_for_a_bulk_write_are_built_again(
        khojaly: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """save_results drops claims_fact_value and entity_occurrences_doc while it rewrites their
    tables; they are there after it, and still there (with every row) when it fails."""
    from accord.pipeline import finish
    from accord.store import INDEXES
    from accord.vocab import load_vocab

    run([str(khojaly)], db_path)
    assert set(INDEXES) <= _indexes(db_path)
    with Store(db_path) as store:
        rows = store.counts()
        events = sorted((c.id, c.event) for c in store.claims(text=False))

        def fail(*args: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(store, "_insert_occurrences", fail)
        for claim_id, _ in events[: len(events) // 2]:  # half the claims will move
            store.conn.execute("UPDATE claims SET event = 'elsewhere' WHERE id = ?",
                               (claim_id,))
        store.conn.commit()
        with pytest.raises(RuntimeError):
            finish(store, load_vocab())
    assert set(INDEXES) <= _indexes(db_path)
    with Store(db_path) as store:
        assert store.counts() == rows
        with sqlite3.connect(db_path) as conn:
            for index, column in (("claims_fact_value", "value"), ("claims_figure", "low")):
                plan = " ".join(str(r) for r in conn.execute(
                    "EXPLAIN QUERY PLAN SELECT * FROM claims WHERE event = ? AND category = ? "
                    f'AND "group" = ? AND {column} = ?', ("x", "killed", "all", 3)))
                assert index in plan


def test_results_kept_aside_by_a_finish_that_fails_leave_the_stored_ones(
        khojaly: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """finish hands reuse and facts to staging tables as they are made, and its entity
    process the clusters' occurrences; a finish that fails after them leaves the stored
    results as they were (its entity process ended with it), and the next finish starts
    afresh."""
    from accord import pipeline
    from accord.store import STAGING
    from accord.vocab import load_vocab

    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        links, pairs, entities = store.reuse(), store.reuse_pairs(), store.entities()
        prints, facts = store.fingerprint_pairs(), store.facts()
        assert links and pairs and entities and prints and facts
        store.conn.execute("DELETE FROM reuse_keys")  # every text realigned
        store.conn.execute("DELETE FROM finished")
        store.conn.execute("DELETE FROM corpus WHERE key = 'finished'")
        store.conn.commit()
        started = []
        background = pipeline.in_background

        def fail(*args: object) -> None:
            raise RuntimeError("out of memory")

        def watched(*args: object, **kwargs: object) -> object:
            job: pipeline.Background[object] = background(*args, **kwargs)  # type: ignore[arg-type]
            started.append(job)
            return job

        monkeypatch.setattr(pipeline, "sets_fingerprints", fail)  # the stage after reuse and facts
        monkeypatch.setattr(pipeline, "in_background", watched)
        with pytest.raises(RuntimeError):
            pipeline.finish(store, load_vocab(), workers=2)
        assert started and not started[0].process.is_alive()
        for table, found in (("reuse_staged", links), ("facts_staged", facts)):
            staged = store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert staged == len(found), table
        assert store.reuse() == links and store.reuse_pairs() == pairs
        assert store.entities() == entities and store.facts() == facts
        monkeypatch.undo()
        pipeline.finish(store, load_vocab(), workers=2)
        assert store.reuse() == links and store.reuse_pairs() == pairs
        assert store.entities() == entities and store.fingerprint_pairs() == prints
        assert store.facts() == facts
        for table in STAGING:
            assert store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_some_metadata_keys_read_as_the_whole_metadata_holds_them(
        khojaly: Path, db_path: Path) -> None:
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        whole = store.documents()
        for keys in (("places",), ("names", "places"), ("dates", "nothing", "metadata")):
            some = store.documents(meta_keys=keys)
            assert [d.id for d in some] == [d.id for d in whole]
            for part, full in zip(some, whole, strict=True):
                assert part.meta == {k: full.meta[k] for k in keys if k in full.meta}
                assert part.text == full.text and part.marked == full.marked
        light = store.documents(text=False)
        assert [d.meta for d in light] == [{"years": tuple(d.meta["years"])} for d in whole]
        assert all(d.text == "" for d in light)
        # what the corpus stages read of every document, and nothing else
        assert [(d.id, d.published, d.publisher, d.format) for d in light] == [
            (d.id, d.published, d.publisher, d.format) for d in whole]
        assert all(d.path for d in whole)
        assert all((d.path, d.title, d.url, d.encoding) == ("", None, None, None)
                   for d in light)


def test_documents_without_text_share_their_years(tmp_path: Path, db_path: Path) -> None:
    """A finish holds every document's years at once: one tuple, and one metadata dict, for
    the documents that hold the same years, neither of which can change in place; a copy or a
    pickle of the dict is whole."""
    for name in ("a.txt", "b.txt", "c.txt"):
        year = 1994 if name == "c.txt" else 1992
        (tmp_path / name).write_text(f"In {year} the town fell and 40 people died. In 2012 "
                                     "people gathered to remember them.", encoding="utf-8")
    run([str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")], db_path)
    with Store(db_path) as store:
        a, b, c = store.documents(text=False)
        whole = store.documents()
    assert a.meta["years"] == tuple(whole[0].meta["years"]) and 1992 in a.meta["years"]
    assert a.meta["years"] is b.meta["years"] and a.meta is b.meta
    assert c.meta["years"] != a.meta["years"] and c.meta is not a.meta
    for change in (lambda m: m.__setitem__("years", ()), lambda m: m.setdefault("x", 1),
                   lambda m: m.update(x=1), lambda m: m.pop("years"), lambda m: m.clear(),
                   lambda m: m.__delitem__("years"), lambda m: m.popitem()):
        with pytest.raises(TypeError, match="share"):
            change(a.meta)
    assert b.meta == {"years": a.meta["years"]}
    for copied in (pickle.loads(pickle.dumps(a.meta)), copy.deepcopy(a.meta)):
        assert copied == a.meta and copied is not a.meta
    assert a.to_dict()["meta"] == {"years": a.meta["years"]} and not a.marked and not b.marked


def test_a_batch_with_a_document_that_cannot_be_written_keeps_the_others(
        db_path: Path) -> None:
    """save_documents writes a batch in one transaction; when one document fails, each is
    written on its own: the others are stored, the failing one raises and leaves nothing."""
    bad_claim = Claim(id="dup", doc="bad.txt", event="e", category="killed", group="all",
                      value=1, low=1, high=1, qualifier="exact", start=0, end=4, text="x",
                      figure_start=0, figure_end=1, stated="1")
    batch = [(text_document("a.txt", "Four people died."), [], None),
             (text_document("bad.txt", "One died."), [bad_claim, bad_claim], None),
             (text_document("c.txt", "Two died."), [], ("v1", b"\x00" * 8))]
    with Store(db_path) as store:
        with pytest.raises(sqlite3.IntegrityError):
            store.save_documents(batch)
        assert [d.id for d in store.documents()] == ["a.txt", "c.txt"]
        assert store.claims() == []
        assert [doc for doc, _ in store.reuse_keys("v1")] == ["c.txt"]
        store.save_documents(batch[::2])  # written again: replaced, not doubled
        assert store.counts()["documents"] == 2


def test_claims_of_facts_read_by_lookup_or_by_scan_alike(khojaly: Path, db_path: Path) -> None:
    """A few facts' claims are looked up through the index, most of the table's are read in
    one scan: either way the claims of those facts, in (doc, figure start, id) order."""
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        every = store.claims(text=False)
        keys = sorted({c.key for c in every}, key=lambda k: -sum(c.key == k for c in every))
        few, most = keys[-1:], keys[: len(keys) // 2 + 1]
        assert store._claims_of(few) <= len(every) // 4 < store._claims_of(most)
        for chosen in (few, most):
            want = [c for c in every if c.key in set(chosen)]
            assert want and store.claims(keys=chosen, text=False) == want


def test_what_accord_add_reads_of_stored_claims(khojaly: Path, db_path: Path) -> None:
    """Claims by id (those only, in order), their facts' keys, the first claim of each
    qualifier of a value, what documents state for one fact, and who states a figure:
    each as the claims say."""
    from accord.reconcile import figure_key

    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        every = store.claims(text=False)
        chosen = [c.id for c in every[::3]]
        assert store.claims(ids=list(reversed(chosen)), text=False) == every[::3]
        assert store.claim_keys(chosen[:5]) == {c.id: c.key for c in every[:15:3]}
        key = max({c.key for c in every}, key=lambda k: sum(c.key == k for c in every))
        firsts: dict[object, dict[str, object]] = {}
        for c in every:
            if c.key == key:
                firsts.setdefault((c.value, c.low, c.high), {}).setdefault(c.qualifier,
                                                                           c.position)
        assert {v: store.qualifier_firsts(key, v) for v in firsts} == firsts and len(firsts) > 1
        docs = sorted({c.doc for c in every if c.key == key})[:2]
        assert sorted(store.statements_of(key, docs)) == sorted(
            (c.value, c.low, c.high, c.qualifier) for c in every if c.key == key and c.doc in docs)
        valued = {k: {c.value for c in every if c.key == k and c.value is not None}
                  for k in list({c.key for c in every})[:4]}
        valued = {k: set(sorted(v)[::2]) for k, v in valued.items() if v}
        assert sorted(store.claims_with_values(valued)) == sorted(
            c.id for c in every if c.value in valued.get(c.key, ())) and valued
        # figures as fingerprints compare them, open bounds (None) included
        holders: dict[object, list[str]] = {}
        for c in every:
            holders.setdefault(figure_key(c), [])
            if c.doc not in holders[figure_key(c)]:
                holders[figure_key(c)].append(c.doc)
        assert any(f[4] is None for f in holders) and any(len(d) > 1 for d in holders.values())
        assert store.figure_counts(list(holders)) == {f: len(d) for f, d in holders.items()}
        assert store.figure_holders({f: 2 for f in holders}) == {
            f: sorted(d)[:2] for f, d in holders.items()}
        docs = sorted({c.doc for c in every})[:2]
        assert store.figures_of(docs) == {
            d: {figure_key(c) for c in every if c.doc == d} for d in docs}


def test_timelines_are_made_when_read_as_the_analysis_makes_them(hathras: Path,
                                                                 db_path: Path) -> None:
    """A stored fact keeps no timeline (it repeats the claims); the store makes each when
    read, as the in-memory analysis does, for every fact or a few. A store written before
    kept them in the fact's record: they are not what is read."""
    from accord.ingest import ingest
    from accord.pipeline import analyse
    from accord.vocab import load_vocab

    run([str(hathras)], db_path)
    analysed = analyse(ingest([str(hathras)]).documents, load_vocab()).facts
    expected = {(f.event, f.category, f.group): f.timeline for f in analysed}
    assert sum(map(len, expected.values())) > 5
    with Store(db_path) as store:
        rows = store.conn.execute('SELECT event, category, "group", "values" FROM facts')
        records = {(r[0], r[1], r[2]): json.loads(r[3]) for r in rows}
        assert records and not any("timeline" in data for data in records.values())
        facts = store.facts()
        assert {(f.event, f.category, f.group): f.timeline for f in facts} == expected
        dated = [f for f in facts if len(f.timeline) > 1]
        assert dated
        one = store.facts(keys=[(dated[0].event, dated[0].category, dated[0].group)])
        assert one == [dated[0]]
        assert store.facts(timelines=False)[0].timeline == []
        for key, data in records.items():  # as an earlier accord wrote them
            data["timeline"] = [["1900", "nobody", 1, 1, 1, "exact", "nothing"]]
            store.conn.execute(
                'UPDATE facts SET "values" = ? WHERE event = ? AND category = ? AND "group" = ?',
                (json.dumps(data), *key))
        store.conn.commit()
        assert store.facts() == facts


def test_documents_without_band_keys_are_found_in_an_index(khojaly: Path, db_path: Path
                                                            ) -> None:
    """Which documents lack keys is answered from an index, not by reading every row's keys
    (a page each: 13-30 s at 1M documents); what it answers is the same."""
    from accord.pipeline import KEYS_VERSION

    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        ids = store.document_ids()
        assert store.without_reuse_keys(KEYS_VERSION) == []
        store.conn.execute("DELETE FROM reuse_keys WHERE doc = ?", (ids[1],))
        store.conn.commit()
        assert store.without_reuse_keys(KEYS_VERSION) == [ids[1]]
        assert store.without_reuse_keys("another version") == ids
        ran: list[str] = []
        store.conn.set_trace_callback(ran.append)  # the query as the method runs it
        store.without_reuse_keys(KEYS_VERSION)
        store.conn.set_trace_callback(None)
        query = next(q for q in ran if "reuse_keys" in q)
        plan = " ".join(str(r[-1]) for r in store.conn.execute(f"EXPLAIN QUERY PLAN {query}"))
        assert "COVERING INDEX reuse_keys_version" in plan


def test_what_every_run_reads_of_every_document_is_read_from_an_index(
        khojaly: Path, db_path: Path) -> None:
    """Each document's text hash, vocabulary fingerprint and publication date are read from
    the index documents_keys, not from rows that hold the texts; as the rows say."""
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        docs = store.documents()
        assert store.fingerprints() == {d.id: (d.sha256, d.meta.get("extracted_with", ""))
                                        for d in docs}
        assert store.publication_dates() == {d.id: d.published for d in docs}
        for method in (store.fingerprints, store.publication_dates):
            ran: list[str] = []
            store.conn.set_trace_callback(ran.append)
            method()
            store.conn.set_trace_callback(None)
            plan = " ".join(str(r[-1]) for r in store.conn.execute(
                f"EXPLAIN QUERY PLAN {ran[-1]}"))
            assert "COVERING INDEX documents_keys" in plan, method


def test_claims_stating_values_are_found_in_an_index_that_replaces_the_older_one(
        khojaly: Path, db_path: Path) -> None:
    """Claims of a fact stating given values are sought through claims_fact_value (event,
    category, group, value); a store made with the older index of three columns gets the
    new one in its place when opened."""
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        every = store.claims(text=False)
        key = next(c.key for c in every if c.value is not None)
        store.conn.execute("DROP INDEX claims_fact_value")
        store.conn.execute('CREATE INDEX claims_fact ON claims(event, category, "group")')
        store.conn.commit()
    assert "claims_fact" in _indexes(db_path) and "claims_fact_value" not in _indexes(db_path)
    with Store(db_path) as store:
        assert "claims_fact" not in _indexes(db_path)
        wanted = {c.value for c in every if c.key == key and c.value is not None}
        ran: list[str] = []
        store.conn.set_trace_callback(ran.append)
        found = store.claims_with_values({key: wanted})
        store.conn.set_trace_callback(None)
        assert sorted(found) == sorted(c.id for c in every if c.key == key
                                       and c.value in wanted) and found
        query = next(q for q in ran if "value IN" in q)
        plan = " ".join(str(r[-1]) for r in store.conn.execute(f"EXPLAIN QUERY PLAN {query}"))
        assert "claims_fact_value" in plan and "value=?" in plan


def test_a_store_of_schema_4_gets_the_extraction_column_from_the_metadata(
        khojaly: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Schema 5 keeps the vocabulary each document was extracted with in a column; a store
    of schema 4 had it in the metadata only: opened, the column is filled from there, and
    a run over the same texts extracts nothing again."""
    import json

    from accord import pipeline

    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        before = store.fingerprints()
    assert before and all(used for _, used in before.values())
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP INDEX documents_keys")  # (made by schema 5)
        conn.execute("ALTER TABLE documents DROP COLUMN extracted_with")
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        metas = [json.loads(r[0]) for r in conn.execute("SELECT meta FROM documents")]
    assert all("extracted_with" in m for m in metas)
    with Store(db_path) as store:
        assert store.fingerprints() == before
        version = store.conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert int(version) == SCHEMA_VERSION

    def extracted(docs: object, *args: object, **kwargs: object) -> object:
        assert not list(docs), "a document was extracted again"  # type: ignore[call-overload]
        return iter(())

    monkeypatch.setattr(pipeline, "process_all", extracted)
    run([str(khojaly)], db_path)


def test_a_store_of_schema_5_gets_its_finished_texts_as_rows(khojaly: Path,
                                                              db_path: Path) -> None:
    """Schema 5 kept the texts the corpus results cover as one JSON object in the corpus
    table (a save built it in one string: 95 MB at a million documents); schema 6 keeps
    them as rows. Opened, a store of schema 5 gets the rows, the same texts covered, and
    nothing to realign."""
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        covered = store.finished_documents()
        assert covered and covered == store.finished_keys()
        assert store.unfinished_documents() == set()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE corpus SET data = ? WHERE key = 'finished'", (json.dumps(covered),))
        conn.execute("DROP TABLE finished")
        conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    with Store(db_path) as store:
        assert store.finished_documents() == covered
        assert store.unfinished_documents() == set()
        assert store._corpus_value("finished") == len(covered)  # a count, not the object
        version = store.conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert int(version) == SCHEMA_VERSION


def test_unfinished_documents_are_those_whose_text_the_results_do_not_cover(
        tmp_path: Path) -> None:
    """The database finds the documents a finish must realign: none before any results
    (None: there is nothing to build on), then those stored, or changed, since."""
    from accord.model import Result

    with Store(tmp_path / "a.db") as store:
        store.save_documents([(text_document(i, f"Report {i}."), [], None)
                              for i in ("d1", "d2")])
        assert store.unfinished_documents() is None
        store.clear_staged()
        store.stage_finished()
        store.save_results(Result([], [], [], []), staged=True)
        assert store.unfinished_documents() == set()
        store.save_documents([(text_document("d2", "Report d2, corrected."), [], None),
                              (text_document("d3", "Report d3."), [], None)],
                             keep_history=True)
        assert store.unfinished_documents() == {"d2", "d3"}
        assert set(store.finished_documents() or ()) == {"d1", "d2"}


def test_results_written_as_json_read_back_as_the_standard_library_writes_them() -> None:
    """Corpus results are written with orjson: tuples (named ones too) as arrays, keys that
    are not strings as strings, and what orjson cannot write (an integer past 64 bits)
    written by the standard library, each read back as json.dumps would have it."""
    import json

    from accord.model import TimelineEntry
    from accord.store import _json

    entry = TimelineEntry("2024-07-02", "a.txt", 121, 121, 121, "exact", "a.txt@1-4")
    for value in ({"timeline": [entry], "pair": ("a", "b"), "n": 3.5, "text": "Hathras – ü"},
                  {1: "one"}, {"big": 10 ** 30}):
        assert json.loads(_json(value)) == json.loads(json.dumps(value))


def test_a_finish_stores_every_dated_documents_date_record_as_the_analysis_makes_it(
        hathras: Path, khojaly: Path, db_path: Path) -> None:
    """The per-document date records (what accord add sums an event's dates from) are handed
    to the store an event at a time during a finish: all of them arrive, as the in-memory
    analysis makes them."""
    from accord.ingest import ingest
    from accord.pipeline import analyse
    from accord.vocab import load_vocab

    run([str(hathras), str(khojaly)], db_path)
    analysed = analyse(ingest([str(hathras), str(khojaly)]).documents, load_vocab())
    expected = dict(analysed.date_records)
    assert len(expected) >= 10
    with Store(db_path) as store:
        assert store.date_records(sorted(expected)) == json.loads(json.dumps(expected))
        assert store._count("date_records") == len(expected)


def test_a_staged_save_without_noted_texts_records_that_it_covers_none(tmp_path: Path) -> None:
    """A finish notes which texts its results cover (stage_finished) before it saves them
    staged; a staged save without that note must still save, covering no text (the next
    finish then aligns every pair again), and must not keep an earlier note."""
    from accord.model import Result

    with Store(tmp_path / "a.db") as store:
        store.save_documents([(text_document("d1", "One report."), [], None)])
        store.clear_staged()
        store.stage_finished()
        store.save_results(Result([], [], [], []), staged=True)
        noted = store.finished_documents()
        assert noted is not None and list(noted) == ["d1"]
        store.clear_staged()  # a new finish, which fails to note its texts
        store.save_results(Result([], [], [], []), staged=True)
        assert store.finished_documents() == {}


def test_entity_clusters_are_kept_without_the_documents_their_occurrences_tell(
        tmp_path: Path, khojaly: Path) -> None:
    """A cluster's documents are those its occurrences are in: the corpus record does not
    list them again (at 100k documents they were 13.5 of its 14.1 MB), and a record an
    earlier accord wrote with them reads as the occurrences say."""
    from accord.ingest import ingest
    from accord.pipeline import analyse
    from accord.vocab import load_vocab

    db = tmp_path / "accord.db"
    run([str(khojaly)], db)
    made = analyse(ingest([str(khojaly)]).documents, load_vocab()).entities  # no store
    with Store(db) as store:
        clusters = store.entities()
        assert len(clusters) >= 2 and clusters == made
        for cluster in clusters:
            assert cluster["documents"] == sorted({o[0] for f in cluster["forms"]
                                                   for o in f["occurrences"]}) != []
        (raw,) = store.conn.execute("SELECT data FROM corpus WHERE key = 'entities'").fetchone()
        kept = json.loads(raw)
        assert kept and all("documents" not in c for c in kept)
        earlier = [{**c, "documents": ["not-a-document"]} for c in kept]
        store.conn.execute("UPDATE corpus SET data = ? WHERE key = 'entities'",
                           (json.dumps(earlier),))
        assert store.entities() == clusters
        assert all("documents" not in c for c in store.entities(occurrences=False))


def test_facts_read_together_share_one_string_per_document(khojaly: Path, db_path: Path) -> None:
    """A document states many facts and each of its values lists it: the facts read at once
    hold one string for it (accord add reads tens of thousands of such listings)."""
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        facts = store.facts(timelines=False)
    listed = [d for f in facts for v in f.values for d in v.docs]
    assert len(listed) > len(set(listed))  # documents listed more than once
    first: dict[str, str] = {}
    for d in listed:
        assert first.setdefault(d, d) is d


def test_figures_read_together_are_one_tuple_per_figure(khojaly: Path, db_path: Path) -> None:
    """Documents state the same figures: the figures of many documents read at once (accord
    add reads those of every document a new one may share figures with) hold one tuple for
    each."""
    run([str(khojaly)], db_path)
    with Store(db_path) as store:
        sets = store.figures_of(store.document_ids())
    stated = [f for figures in sets.values() for f in figures]
    assert len(stated) > len(set(stated))  # figures stated by more than one document
    first: dict[tuple[object, ...], tuple[object, ...]] = {}
    for f in stated:
        assert first.setdefault(f, f) is f
