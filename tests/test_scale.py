"""Parallel and distributed runs give the same store as a single process."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.pipeline import run
from accord.store import Store


def snapshot(db: Path) -> dict[str, object]:
    with Store(db) as store:
        result = store.result()
        shared = store.shared_people()
    return {
        "shared_people": shared,
        "claims": sorted((c.id, c.event, c.category, c.group, c.value, c.low, c.high,
                          c.source) for c in result.claims),
        "facts": [(f.event, f.category, f.group, f.status, f.best, f.low, f.high,
                   [(v.value, v.docs, v.independent_groups) for v in f.values])
                  for f in result.facts],
        "anomalies": sorted((a.kind, a.doc, a.detail) for a in result.anomalies),
        "reuse": [(r.a, r.b, r.a_start, r.b_start) for r in result.reuse],
        "entities": [[(f["form"], f["count"], f["occurrences"]) for f in c["forms"]]
                     for c in result.entities],
    }


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory, khojaly: Path) -> dict[str, object]:
    db = tmp_path_factory.mktemp("single") / "accord.db"
    run([str(khojaly)], db)
    return snapshot(db)


def test_workers_give_the_same_result(tmp_path: Path, khojaly: Path,
                                      single: dict[str, object]) -> None:
    db = tmp_path / "accord.db"
    run([str(khojaly)], db, workers=2)
    assert snapshot(db) == single


def test_local_dask_cluster_gives_the_same_result(tmp_path: Path, khojaly: Path,
                                                  single: dict[str, object]) -> None:
    db = tmp_path / "accord.db"
    run([str(khojaly)], db, workers=2, dask="local")
    assert snapshot(db) == single


def test_compressed_jsonl_is_streamed(tmp_path: Path) -> None:
    import gzip
    import json

    import zstandard

    from accord.ingest import ingest

    lines = [json.dumps({"id": f"n{i}", "text": f"Storms killed {i + 2} people."})
             for i in range(50)]
    payload = ("\n".join(lines) + "\n").encode()
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress(payload))
    (tmp_path / "feed2.jsonl.zst").write_bytes(
        zstandard.ZstdCompressor().compress(payload.replace(b'"n', b'"z')))
    cut = gzip.compress(payload)
    (tmp_path / "cut.jsonl.gz").write_bytes(cut[: len(cut) // 2])
    batch = ingest([str(tmp_path)])
    ids = [d.id for d in batch.documents]
    assert ids[:50] == [f"n{i}" for i in range(50)] and "z49" in ids
    assert any(s.path.startswith("cut.jsonl.gz#") and "unreadable" in s.reason
               for s in batch.skipped)


def write_warc(path: Path, pages: list[tuple[str, str, bytes]]) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, content_type, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)],
                                       protocol="HTTP/1.0")
            record = writer.create_warc_record(url, "response", payload=BytesIO(body),
                                               http_headers=headers,
                                               warc_headers_dict={"WARC-Date":
                                                                  "2024-07-03T10:00:00Z"})
            writer.write_record(record)


def test_warc_responses_become_documents(tmp_path: Path) -> None:
    from accord.ingest import ingest

    article = (b"<html><head><title>Toll rises</title></head><body><article><p>The death toll "
               b"from the landslide rose to 64 on Wednesday, and 37 people remain missing, "
               b"officials said after a day of searching the hillside villages.</p></article>"
               b"</body></html>")
    write_warc(tmp_path / "crawl.warc.gz", [
        ("https://example.org/a", "text/html; charset=utf-8", article),
        ("https://example.org/logo.png", "image/png", b"\x89PNG...."),
        ("https://example.org/b", "text/html", article.replace(b"64", b"71")),
    ])
    data = (tmp_path / "crawl.warc.gz").read_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(data[: int(len(data) * 0.6)])
    batch = ingest([str(tmp_path / "crawl.warc.gz")])
    assert [d.id for d in batch.documents] == ["crawl.warc.gz#1", "crawl.warc.gz#3"]
    first = batch.documents[0]
    assert first.url == "https://example.org/a" and first.published == "2024-07-03"
    assert "rose to 64" in first.text
    cut = ingest([str(tmp_path / "cut.warc.gz")])
    assert [d.id for d in cut.documents] == ["cut.warc.gz#1"]
    assert cut.skipped and "unreadable WARC record" in cut.skipped[0].reason


def test_add_skips_same_replaces_changed_and_keeps_history(tmp_path: Path) -> None:
    import json as jsonlib
    import sqlite3

    from click.testing import CliRunner

    from accord.cli import cli

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Floods killed 12 people in the valley.", "utf-8")
    db = tmp_path / "accord.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(corpus), "--db", str(db), "--out",
                               str(tmp_path / "o")]).exit_code == 0
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.txt").write_text("Floods killed 15 people in the valley.", "utf-8")
    (new / "b.txt").write_text("Floods killed 15 people and 40 were rescued.", "utf-8")
    out = runner.invoke(cli, ["add", str(db), str(new)])
    assert out.exit_code == 0, out.output
    assert "a.txt: replaced" in out.stdout and "b.txt: added" in out.stdout
    again = runner.invoke(cli, ["add", str(db), str(new)])
    assert "a.txt: already in the store" in again.stdout
    with Store(db) as store:
        values = {(c.doc, c.value) for c in store.claims()}
        killed = next(f for f in store.facts() if f.category == "killed")
    assert ("a.txt", 12) not in values and ("a.txt", 15) in values and ("b.txt", 40) in values
    assert killed.best == 15 and killed.status == "agree"
    conn = sqlite3.connect(db)
    history = conn.execute("SELECT id, text FROM document_history").fetchall()
    conn.close()
    assert history == [("a.txt", "Floods killed 12 people in the valley.")]
    listing = runner.invoke(cli, ["events", str(db), "--format", "json"])
    rows = jsonlib.loads(listing.stdout)
    assert rows[0]["documents"] == 2 and rows[0]["claims"] == len(values)


def test_a_store_finishes_as_the_corpus_in_memory_does(tmp_path: Path, khojaly: Path,
                                                       hathras: Path) -> None:
    """finish reads texts from the store a batch at a time: the results must be those of
    the same documents analysed in memory."""
    import json
    import shutil

    from accord import pipeline
    from accord.ingest import ingest
    from accord.model import Anomaly
    from accord.vocab import load_vocab

    corpus = tmp_path / "corpus"
    shutil.copytree(khojaly, corpus / "k")
    shutil.copytree(hathras, corpus / "h")
    memory = pipeline.analyse(ingest([str(corpus)]).documents, load_vocab())
    pipeline.BATCH = 3  # several batches, and reuse reading out of turn
    try:
        stored = run([str(corpus)], tmp_path / "accord.db", texts=False)
    finally:
        pipeline.BATCH = 500
    assert stored.documents and not any(d.text for d in stored.documents)
    for name in ("events", "entities", "groups"):
        assert getattr(stored, name) == getattr(memory, name), name
    # reuse, fingerprints, anomalies and facts (a few at a time) went to the store as
    # they were found, not into the result
    assert not stored.reuse and not stored.pairs and not stored.fingerprints
    assert not stored.facts and not stored.anomalies
    assert len(memory.entities) >= 2 and len(memory.events) >= 2  # the comparison bites
    with Store(tmp_path / "accord.db") as store:
        # the texts the results cover, noted at the start and recorded by the database
        assert store.finished_documents() == store.finished_keys()
        assert len(store.finished_keys()) == len(memory.documents)
        kinds = {a.kind for a in memory.anomalies}
        assert len(kinds) >= 3  # the facts stage's and the dates stage's
        assert "date_contradiction" in kinds
        # as stored: in the order the stages found them
        assert [Anomaly(kind, doc, detail, json.loads(ids))
                for kind, doc, detail, ids in store.anomaly_rows(sorted(kinds))] == \
            memory.anomalies
        assert store.facts() == memory.facts and len(memory.facts) > 20
        assert store.fingerprint_pairs() == memory.fingerprints and memory.fingerprints
        reused = {(p["a"], p["b"]) for p in store.reuse_pairs()}  # shared wording: as found
        assert {f["shared_wording"] for f in memory.fingerprints} == {True, False}
        assert all(f["shared_wording"] == ((f["a"], f["b"]) in reused)
                   for f in memory.fingerprints)
        assert store.reuse_pairs() == sorted(memory.pairs, key=lambda p: (p["a"], p["b"]))
        assert store.reuse() == sorted(memory.reuse, key=lambda r: (r.a, r.b, r.a_start))
        assert memory.pairs and memory.reuse
        assert store.result().events == memory.events
        # entity occurrences are rows of their own: read back, the clusters are the same
        assert store.entities() == memory.entities
        # statements are stored with each document, not held by the corpus stages
        assert not stored.statements and len(memory.statements) > 10
        assert store.statements() == memory.statements


@pytest.mark.parametrize("workers", [1, 2])
def test_documents_are_read_as_they_are_processed(workers: int) -> None:
    """A stream of documents is pulled a few chunks ahead of the results, never whole."""
    from accord.ingest import text_document
    from accord.pipeline import CHUNK, IN_FLIGHT, process_all

    pulled = 0

    def documents():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for k in range(2000):
            pulled += 1
            yield text_document(f"d{k}.txt", f"At least {k + 1} people were killed on Monday.")

    results = process_all(documents(), workers=workers)
    first, _, keys = next(results)
    assert keys[1]  # its reuse band keys, made where it was processed
    assert first.id == "d0.txt"
    assert pulled <= CHUNK * (workers * IN_FLIGHT + 1)
    rest = list(results)
    assert pulled == 2000 and len(rest) == 1999
    assert [d.id for d, _, _ in rest[:3]] == ["d1.txt", "d2.txt", "d3.txt"]  # in order
    assert [c[0].value for _, c, _ in rest[:3]] == [2, 3, 4]


def test_finish_finds_reuse_from_the_band_keys_kept_at_extraction(tmp_path: Path,
                                                                   khojaly: Path,
                                                                   monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    """Candidate pairs come from the keys each document's processing stored (no text is
    hashed again); a document without kept keys (an older store) gets them from its text,
    once, with the same result."""
    from accord import pipeline, reuse
    from accord.vocab import load_vocab

    db = tmp_path / "accord.db"
    first = run([str(khojaly)], db, texts=False)
    with Store(db) as store:
        pairs = store.reuse_pairs()
        assert pairs
        kept = dict(store.reuse_keys(pipeline.KEYS_VERSION))
        assert set(kept) == {d.id for d in first.documents}
        one = first.documents[0]
        whole = store.documents([one.id])[0]
        assert (kept[one.id] == reuse.document_keys(whole)).all()

        def hashed_again(doc: object, settings: object = None) -> object:
            raise AssertionError("a text was hashed again")

        monkeypatch.setattr(reuse, "document_keys", hashed_again)
        pipeline.finish(store, load_vocab())
        assert store.reuse_pairs() == pairs
        monkeypatch.undo()
        store.conn.execute("DELETE FROM reuse_keys WHERE doc = ?", (one.id,))
        store.conn.commit()
        pipeline.finish(store, load_vocab())
        assert store.reuse_pairs() == pairs
        assert dict(store.reuse_keys(pipeline.KEYS_VERSION)).keys() == kept.keys()  # kept again


def _stored(db: Path) -> dict[str, object]:
    """Everything a finish writes, in a comparable form."""
    with Store(db) as store:
        result = store.result()
        shared = store.shared_people()
    return {
        "shared_people": shared,
        "claims": sorted((c.id, c.event) for c in result.claims),
        "facts": [(f.event, f.category, f.group, f.status, f.best, f.low, f.high,
                   [(v.value, v.low, v.high, v.qualifiers, v.docs, v.claims,
                     v.independent_groups, v.single_lineage) for v in f.values],
                   f.timeline, f.undated, f.independent_groups)
                  for f in result.facts],
        "anomalies": sorted((a.kind, a.doc, a.detail) for a in result.anomalies),
        "reuse": sorted((r.a, r.b, r.a_start, r.b_start) for r in result.reuse),
        "pairs": sorted((p["a"], p["b"], p["from"], p["directed"]) for p in result.pairs),
        "groups": sorted(result.groups),
        "fingerprints": result.fingerprints,
        "events": sorted((e["id"], e["main"], sorted(e["documents"]), e["dates"])
                         for e in result.events),
        "statements": result.statements,
        "entities": sorted(str(sorted(f["form"] for f in c["forms"])) for c in result.entities),
        "published": sorted((d.id, d.published) for d in result.documents),
    }


@pytest.mark.parametrize(("split", "workers"), [("first_and_later", 1), ("all_but_first", 1),
                                                ("first_and_later", 2)])
def test_adding_documents_recomputes_what_they_touch_as_a_full_run_would(
        tmp_path: Path, split: str, workers: int, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """accord add on a finished store: only the new documents' events, pairs and records
    are redone (a full finish is not run), and the store ends as a run over all of them,
    but for entity clusters: they stay those of the store, the new documents' occurrences
    added (documented: clustering needs every name). Added documents whose ids sort first
    come first in what lists documents, as in a full run. With workers, reuse is aligned
    in a process of its own beside the facts: the same store."""
    import shutil

    from accord import pipeline
    from accord.ingest import ingest

    first, later = request.getfixturevalue(split)
    whole = tmp_path / "whole"
    shutil.copytree(first, whole)
    shutil.copytree(later, whole, dirs_exist_ok=True)
    run([str(whole)], tmp_path / "full.db")

    db = tmp_path / "accord.db"
    run([str(first)], db)

    def full_finish(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full finish ran")

    monkeypatch.setattr(pipeline, "finish", full_finish)
    read_whole: set[str] = set()
    reader = pipeline.reader

    def counting(store: Store) -> pipeline.Reader:
        def read(ids: list[str], part: str) -> list[object]:
            if part in ("whole", "dating"):  # texts with metadata
                read_whole.update(ids)
            return reader(store)(ids, part)  # type: ignore[return-value]
        return read  # type: ignore[return-value]

    monkeypatch.setattr(pipeline, "reader", counting)
    added = ingest([str(later)]).documents
    for doc in added:  # the ids a run over the whole folder gives them
        doc.id = doc.id.replace(str(later), str(whole))
    with Store(db) as store:
        report = pipeline.add_documents(store, added, workers=workers)
    assert [r["note"] for r in report] == ["added", "added"]
    assert read_whole == {d.id for d in added}  # the events' other documents: their records
    got, want = _stored(db), _stored(tmp_path / "full.db")
    del got["entities"], want["entities"]
    for name in want:
        assert got[name] == want[name], name
    with Store(db) as store:
        clusters = store.entities()
    assert {d.id for d in added} <= {d for c in clusters for d in c["documents"]}
    for cluster in clusters:  # counts and documents as the occurrence rows say
        for form in cluster["forms"]:
            assert form["count"] == len(form["occurrences"]) > 0
        assert cluster["documents"] == sorted({o[0] for f in cluster["forms"]
                                               for o in f["occurrences"]})


def test_an_add_that_fails_ends_its_reuse_process_and_changes_nothing(
        tmp_path: Path, first_and_later: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers, accord add aligns reuse in a process of its own: when the facts fail
    beside it, that process is ended with the add and the stored results stay as they
    were; adding the same documents again (now already in the store) brings the results
    up to date, as a full run over all of them."""
    from accord import incremental, pipeline
    from accord.ingest import ingest

    first, later = first_and_later
    db = tmp_path / "accord.db"
    run([str(first)], db)
    before = _stored(db)
    started: list[pipeline.Background[object]] = []
    background = incremental.in_background

    def watched(*args: object, **kwargs: object) -> object:
        job: pipeline.Background[object] = background(*args, **kwargs)  # type: ignore[arg-type]
        started.append(job)
        return job

    def fail(*args: object) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(incremental, "in_background", watched)
    monkeypatch.setattr(incremental, "_merged_facts", fail)
    with Store(db) as store, pytest.raises(RuntimeError):
        pipeline.add_documents(store, ingest([str(later)]).documents, workers=2)
    assert started and started[0].process is not None
    assert not started[0].process.is_alive()
    after = _stored(db)
    for name in ("facts", "reuse", "pairs", "groups", "fingerprints", "anomalies"):
        assert after[name] == before[name], name
    monkeypatch.undo()
    with Store(db) as store:  # the documents are stored: their results are brought up to date
        report = pipeline.add_documents(store, ingest([str(later)]).documents, workers=2)
    assert {r["note"] for r in report} == {"already in the store"}
    whole = tmp_path / "whole.db"
    run([str(first), str(later)], whole)
    got, want = _stored(db), _stored(whole)
    for name in ("facts", "reuse", "pairs", "groups", "fingerprints"):
        assert got[name] == want[name], name


@pytest.mark.parametrize("workers", [1, 2])
def test_an_added_report_whose_year_is_inferred_relays_in_the_direction_a_full_run_gives(
        tmp_path: Path, khojaly: Path, hathras: Path, workers: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """accord add aligns reuse beside the dates stage (with workers, in a process of its
    own started before it): an added report without a date whose year the dates stage
    infers ("26th anniversary" of a 1994 event: 2020) and that repeats a dated wire
    report's passage is its relay, earlier -> later, as a run over both finds."""
    import shutil

    from accord import pipeline
    from accord.ingest import ingest

    passage = ("Floodwaters from the Kelso river swept through Riverton in the spring of 1994, "
               "killing 214 people and leaving 1,200 families without homes, according to the "
               "provincial relief office. Survivors described how the water rose within an hour "
               "after the dam upstream gave way during a night of heavy rain, and rescue teams "
               "searched collapsed houses for days while volunteers cooked for the displaced.")
    texts = {"first": ("wire.txt", "Riverton, 3 March 2019 (Agency): The town remembered its "
                                   f"dead. {passage}"),
             "later": ("memorial.txt", f"Riverton marks the 26th anniversary of the flood. "
                                       f"{passage}")}
    for folder, (name, text) in texts.items():
        for where in (folder, "whole"):
            (tmp_path / where).mkdir(exist_ok=True)
            (tmp_path / where / name).write_text(text, "utf-8")
    for corpus in (khojaly, hathras):  # a store the one report adds little to
        for where in ("first", "whole"):
            shutil.copytree(corpus, tmp_path / where / corpus.name,
                            ignore=shutil.ignore_patterns("*.jsonl", "*.json", "*.md"))
    full = run([str(tmp_path / "whole")], tmp_path / "full.db")
    assert [(p["from"], p["to"], p["directed"]) for p in full.pairs
            if "memorial.txt" in (p["a"], p["b"])] == [("wire.txt", "memorial.txt", True)]
    db = tmp_path / "accord.db"
    run([str(tmp_path / "first")], db)

    def full_finish(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full finish ran")

    monkeypatch.setattr(pipeline, "finish", full_finish)
    with Store(db) as store:
        pipeline.add_documents(store, ingest([str(tmp_path / "later")]).documents,
                               workers=workers)
        assert store.publication_dates()["memorial.txt"] == "2020"
        assert store.reuse_pairs() == full.pairs


def test_add_full_recomputes_every_result(tmp_path: Path, khojaly: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from accord import incremental
    from accord.cli import cli

    db = tmp_path / "accord.db"
    run([str(khojaly)], db)
    new = tmp_path / "new"
    new.mkdir()
    (new / "b.txt").write_text("Floods killed 15 people and 40 were rescued.", "utf-8")

    def incremental_ran(*args: object, **kwargs: object) -> bool:
        raise AssertionError("the incremental stage ran")

    monkeypatch.setattr(incremental, "finish_added", incremental_ran)
    out = CliRunner().invoke(cli, ["add", str(db), str(new), "--full"])
    assert out.exit_code == 0, out.output
    with Store(db) as store:
        assert any(c.value == 40 for c in store.claims())
    (new / "c.txt").write_text("Floods killed 15 people.", "utf-8")
    without = CliRunner().invoke(cli, ["add", str(db), str(new)])  # incremental by default
    assert isinstance(without.exception, AssertionError)


def test_a_replaced_document_is_recomputed_incrementally_as_a_full_run_would(
        tmp_path: Path, khojaly: Path, hathras: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same id with new text: its old claims, pairs, dates and facts leave the events it
    was in, its new ones come in; the store ends as a full run over the new versions."""
    import shutil

    from accord import pipeline
    from accord.ingest import ingest

    corpus = tmp_path / "corpus"
    for seed in (khojaly, hathras):
        shutil.copytree(seed, corpus / seed.name,
                        ignore=shutil.ignore_patterns("*.jsonl", "*.json", "*.md"))
    db = tmp_path / "accord.db"
    run([str(corpus)], db)
    changed = sorted((corpus / hathras.name).glob("0*.txt"))[2]
    text = changed.read_text("utf-8")
    assert "116" in text
    changed.write_text(text.replace("116", "131"), "utf-8")
    run([str(corpus)], tmp_path / "full.db")  # a fresh run over the new version

    def full_finish(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full finish ran")

    monkeypatch.setattr(pipeline, "finish", full_finish)
    replaced = [d for d in ingest([str(corpus)]).documents if d.id.endswith(changed.name)]
    with Store(db) as store:
        report = pipeline.add_documents(store, replaced)
    assert [r["note"] for r in report] == ["replaced (the old version is kept in history)"]
    got, want = _stored(db), _stored(tmp_path / "full.db")
    del got["entities"], want["entities"]
    for name in want:
        assert got[name] == want[name], name
    assert any(131 in [v[0] for v in f[7]] for f in got["facts"])  # type: ignore[attr-defined]


def test_add_to_a_store_without_shared_counts_runs_a_full_finish(
        tmp_path: Path, first_and_later: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A store written before the shared counts of people were kept (accord add looks for
    category swaps among them) is finished in full by accord add, which then keeps them."""
    from accord import pipeline
    from accord.ingest import ingest
    from accord.reconcile import shared_people_values

    first, later = first_and_later
    db = tmp_path / "accord.db"
    run([str(first)], db)
    with Store(db) as store, store.conn:
        store.conn.execute("DELETE FROM corpus WHERE key = 'shared_people'")
        assert store.shared_people() is None
    finished = []
    full = pipeline.finish

    def counted(*args: object, **kwargs: object) -> object:
        finished.append(1)
        return full(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "finish", counted)
    with Store(db) as store:
        pipeline.add_documents(store, ingest([str(later)]).documents)
        kept = store.shared_people()
        claims = store.claims(text=False)
    assert finished == [1]
    assert kept and kept == sorted((c.id, c.event) for c in shared_people_values(claims))


def test_a_replaced_document_that_took_a_clusters_second_form_drops_the_cluster(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entity cluster is two spellings or more: a replaced report that took one of two
    away leaves none, and its occurrences leave the store with it (accord add)."""
    from accord import pipeline
    from accord.ingest import ingest

    corpus = tmp_path / "c"
    corpus.mkdir()
    said = "said 12 people were killed in the blast in Gorna on Monday."
    (corpus / "a.txt").write_text(f"Colonel Ahmed Karimov {said}", "utf-8")
    (corpus / "b.txt").write_text(f"Colonel Ahmad Karimov {said} Officials agreed.", "utf-8")
    (corpus / "c.txt").write_text("Ahmed Karimov visited Gorna. Floods killed 3 in Gorna.",
                                  "utf-8")
    for n in range(5):  # a replaced report is a small share of the store
        (corpus / f"d{n}.txt").write_text(f"Storms damaged {4 + n} houses in Lorvik.", "utf-8")
    db = tmp_path / "accord.db"
    run([str(corpus)], db)
    with Store(db) as store:
        (cluster,) = store.entities()
        assert {f["form"] for f in cluster["forms"]} == {"Ahmed Karimov", "Ahmad Karimov"}
    (corpus / "b.txt").write_text(f"A colonel {said} Officials agreed.", "utf-8")

    def full_finish(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full finish ran")

    monkeypatch.setattr(pipeline, "finish", full_finish)
    with Store(db) as store:
        pipeline.add_documents(store, [d for d in ingest([str(corpus)]).documents
                                       if d.id == "b.txt"])
        assert store.entities() == []
        assert store.conn.execute("SELECT count(*) FROM entity_occurrences").fetchone()[0] == 0


def test_a_stage_in_background_returns_its_result_or_raises_its_error() -> None:
    import os

    from accord.pipeline import in_background

    wait = in_background(lambda: (os.getpid(), [1, 2, 3]))
    pid, value = wait()
    assert value == [1, 2, 3] and pid != os.getpid()

    def fails() -> None:
        raise ValueError("no such document")

    wait_error = in_background(fails)
    with pytest.raises(ValueError, match="no such document"):
        wait_error()
    assert in_background(lambda: os.getpid(), enabled=False)() == os.getpid()


def test_a_forked_stream_gives_its_items_as_made_and_ends_its_process_when_stopped(
        tmp_path: Path) -> None:
    import multiprocessing
    import os
    import time
    from collections.abc import Iterator

    from accord.pipeline import forked_stream

    went_on = tmp_path / "went_on"

    def job() -> Iterator[tuple[int, int]]:
        yield os.getpid(), 1
        yield os.getpid(), 2
        time.sleep(2)  # the caller stops before this
        went_on.write_text("made the third")
        yield os.getpid(), 3

    items = forked_stream(job)
    (pid, first), (_, second) = next(items), next(items)
    assert (first, second) == (1, 2) and pid != os.getpid()
    items.close()  # as an error in the caller's ``with closing(...)`` does
    assert not multiprocessing.active_children()
    time.sleep(2.5)
    assert not went_on.exists()

    def fails() -> Iterator[int]:
        yield 1
        raise ValueError("no such event")

    got: list[int] = []
    with pytest.raises(ValueError, match="no such event"):
        got.extend(forked_stream(fails))
    assert got == [1]
    assert [pid for pid, _ in forked_stream(job, enabled=False)] == [os.getpid()] * 3


def test_entities_made_in_background_with_workers(tmp_path: Path, khojaly: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers, finish makes entity clusters in a forked process reading the store
    through its own connection; without, in the process itself: the same clusters."""
    import os

    from accord import pipeline

    made_in: list[int] = []
    entities = pipeline._entity_clusters

    def recording(*args: object, **kwargs: object) -> object:
        made_in.append(os.getpid())
        found = entities(*args, **kwargs)  # type: ignore[arg-type]
        assert found
        return [dict(c, made_in=os.getpid()) for c in found]

    monkeypatch.setattr(pipeline, "_entity_clusters", recording)
    one = run([str(khojaly)], tmp_path / "one.db", workers=1)
    two = run([str(khojaly)], tmp_path / "two.db", workers=2)
    assert {c["made_in"] for c in one.entities} == {os.getpid()}
    assert os.getpid() not in {c["made_in"] for c in two.entities}
    assert [c["forms"] for c in one.entities] == [c["forms"] for c in two.entities]


def test_finish_starts_the_entity_process_before_it_reads_claims(
        tmp_path: Path, khojaly: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked after the claims and documents are read, the entity process held a copy of
    them for its whole run; and a finish that fails after starting it ends it."""
    import multiprocessing

    from accord import pipeline
    from accord.vocab import load_vocab

    db = tmp_path / "k.db"
    run([str(khojaly)], db, workers=1)
    happened: list[str] = []
    start, table = pipeline.start_entities, Store.claim_table

    def starting(*args: object, **kwargs: object) -> object:
        happened.append("entities started")
        return start(*args, **kwargs)  # type: ignore[arg-type]

    def reading(self: Store, doc_ids: list[str]) -> object:
        happened.append("claims read")
        return table(self, doc_ids)

    monkeypatch.setattr(pipeline, "start_entities", starting)
    monkeypatch.setattr(Store, "claim_table", reading)
    with Store(db) as store:
        pipeline.finish(store, load_vocab(), workers=2)
        clusters = store.entities()
    assert happened == ["entities started", "claims read"]
    assert clusters

    def failing(self: Store, doc_ids: list[str]) -> object:
        raise OSError("disk gone")

    monkeypatch.setattr(Store, "claim_table", failing)
    with Store(db) as store, pytest.raises(OSError, match="disk gone"):
        pipeline.finish(store, load_vocab(), workers=2)
    assert not multiprocessing.active_children()
    with Store(db) as store:  # what the first finish stored is still there
        assert store.entities() == clusters


def test_cycle_collection_is_paused_for_the_corpus_stages_only(
        tmp_path: Path, khojaly: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off while the corpus stages hold their objects, back on after, an error included."""
    import gc

    from accord import pipeline
    from accord.vocab import load_vocab

    db = tmp_path / "accord.db"
    run([str(khojaly)], db)
    seen: list[bool] = []
    stages = pipeline.corpus_stages

    def recording(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return stages(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "corpus_stages", recording)
    assert gc.isenabled()
    with Store(db) as store:
        pipeline.finish(store, load_vocab())
    assert seen == [False] and gc.isenabled()

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("stage failed")

    monkeypatch.setattr(pipeline, "corpus_stages", failing)
    with Store(db) as store, pytest.raises(RuntimeError, match="stage failed"):
        pipeline.finish(store, load_vocab())
    assert gc.isenabled()
    gc.disable()  # left as the caller had it
    try:
        with pipeline.paused_cycle_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_replaced_document_leaves_the_facts_only_its_earlier_version_stated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The earlier version stated a figure of another year's event (a sentence about an
    earlier flood), the new one does not: accord add drops it from that event's fact, as a
    full run over the new versions has it."""
    import shutil

    from accord import pipeline
    from accord.ingest import ingest

    first = tmp_path / "first"
    first.mkdir()
    (first / "one.txt").write_text(
        "Floods in Valencia, 3 July 2024. At least 40 people were killed and 120 were "
        "injured when the river burst its banks, officials said.\n"
        "In the 1957 flood, 81 people were killed in the same city.\n", "utf-8")
    (first / "two.txt").write_text(
        "Valencia, 4 July 2024. The floods killed 42 people and injured 118, the regional "
        "government said.\nIn the 1957 flood, 86 people were killed.\n", "utf-8")
    for day in range(5, 12):  # enough documents for one replaced to be added, not a full run
        (first / f"{day}.txt").write_text(
            f"Valencia, {day} July 2024. Officials said {35 + day} people were killed in the "
            "floods.\n", "utf-8")
    db = tmp_path / "accord.db"
    run([str(first)], db)
    second = tmp_path / "second"
    shutil.copytree(first, second)
    (second / "one.txt").write_text(
        "Floods in Valencia, 3 July 2024. At least 40 people were killed and 120 were "
        "injured when the river burst its banks, officials said.\n", "utf-8")
    run([str(second)], tmp_path / "full.db")
    with Store(db) as store:
        assert any(81 in [v.value for v in f.values] and "1957" in f.event
                   for f in store.facts())

    def full_finish(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full finish ran")

    monkeypatch.setattr(pipeline, "finish", full_finish)
    replaced = [d for d in ingest([str(second)]).documents if d.id.endswith("one.txt")]
    with Store(db) as store:
        pipeline.add_documents(store, replaced)
    got, want = _stored(db), _stored(tmp_path / "full.db")
    assert got["facts"] == want["facts"]
    assert not any(81 in [v[0] for v in f[7]] for f in got["facts"])  # type: ignore[attr-defined]


def test_a_stage_logs_its_time_its_peak_and_the_memory_held_after_it(
        caplog: pytest.LogCaptureFixture) -> None:
    """accord -v shows, after each corpus stage, what the process holds now beside its peak:
    the peak alone cannot tell which stage let memory go (and the stage hands freed memory
    back to the system first)."""
    import logging
    import re

    from accord.pipeline import stage

    with caplog.at_level(logging.INFO, logger="accord.pipeline"), stage("a test stage"):
        held = bytearray(64 * 2**20)
        held[::4096] = b"x" * len(held[::4096])  # touched: resident
    del held
    line = caplog.records[-1].getMessage()
    found = re.fullmatch(r"a test stage: [\d.]+ s, peak RSS (\d+) MB, now (\d+) MB", line)
    assert found, line
    peak, now = map(int, found.groups())
    assert peak >= 64 and now <= peak
