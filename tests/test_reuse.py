"""Reuse: shared passages, near-duplicates, repetition, lineage, independence, fingerprints."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accord.clean import clean
from accord.cli import cli
from accord.ingest import text_document
from accord.model import Document
from accord.pipeline import analyse
from accord.reuse import ReuseSettings, bucket_candidates, document_keys, find_reuse
from accord.vocab import Vocab

PARAGRAPHS = [
    "Floodwaters swept through the river valley before dawn on Thursday, tearing away "
    "footbridges and forcing families onto rooftops as the water kept rising through the "
    "morning hours, according to residents who spoke to reporters by telephone.",
    "The provincial disaster agency said 41 people were killed and 230 were injured, while "
    "about 12,000 residents were evacuated to schools and mosques on higher ground that had "
    "been turned into temporary shelters overnight by volunteers.",
    "Rescue boats from the navy reached the worst hit villages only in the afternoon because "
    "the main highway had collapsed in two places, and helicopters were grounded by low cloud "
    "and heavy rain that continued until the evening.",
    "Farmers said the harvest stored in their barns was lost, and traders in the district "
    "market warned that the price of rice and cooking oil would rise sharply in the coming "
    "weeks unless the roads were repaired quickly.",
]
ORIGINAL = "\n".join(PARAGRAPHS)


def doc(name: str, text: str, vocab: Vocab, published: str | None = None) -> Document:
    d = text_document(name, text, published=published)
    return clean(d, vocab)


def covered(text: str, links: list, side: str) -> float:
    spans = sorted((getattr(link, f"{side}_start"), getattr(link, f"{side}_end"))
                   for link in links)
    total, end = 0, 0
    for s, e in spans:
        if e > end:
            total += e - max(s, end)
            end = e
    return total / len(text)


def test_reprint_with_one_changed_paragraph(vocab: Vocab) -> None:
    new_para = ("A spokesman for the governor, speaking at a hastily arranged press briefing "
                "outside the flooded town hall, promised that compensation would be paid to "
                "every household that lost its home in the disaster.")
    reprint = "\n".join([PARAGRAPHS[0], new_para, PARAGRAPHS[2], PARAGRAPHS[3]])
    a, b = doc("wire.txt", ORIGINAL, vocab), doc("blog.txt", reprint, vocab)
    report = find_reuse([a, b])
    assert report.groups == [["blog.txt", "wire.txt"]]
    pair = report.pairs[0]
    assert 0.6 < pair["a_in_b"] < 0.9 and 0.6 < pair["b_in_a"] < 0.9
    # the changed paragraph is not inside any shared passage
    start = reprint.index(new_para)
    side = "a" if report.links[0].a == "blog.txt" else "b"
    for link in report.links:
        s, e = getattr(link, f"{side}_start"), getattr(link, f"{side}_end")
        assert e <= start or s >= start + len(new_para)
    for link in report.links:  # spans point at the same words in both texts
        assert ORIGINAL[link.b_start:link.b_end] == reprint[link.a_start:link.a_end] or (
            reprint[link.b_start:link.b_end] == ORIGINAL[link.a_start:link.a_end])


def test_reordered_sentences_are_found_one_passage_each(vocab: Vocab) -> None:
    shuffled = "\n".join(reversed(PARAGRAPHS))
    report = find_reuse([doc("a.txt", ORIGINAL, vocab), doc("b.txt", shuffled, vocab)])
    assert len(report.links) >= 4
    assert report.pairs[0]["a_in_b"] > 0.9 and report.pairs[0]["near_duplicate"]


def test_retyped_copy_with_five_percent_of_words_changed(vocab: Vocab) -> None:
    rng = random.Random(3)
    words = ORIGINAL.split(" ")
    for i in rng.sample(range(len(words)), k=len(words) // 20):
        words[i] = "zzz" + words[i][::-1]
    retyped = " ".join(words)
    report = find_reuse([doc("a.txt", ORIGINAL, vocab), doc("b.txt", retyped, vocab)])
    pair = report.pairs[0]
    assert pair["a_in_b"] > 0.85 and pair["b_in_a"] > 0.85 and pair["near_duplicate"]
    assert all(0.5 < link.similarity < 1.0 for link in report.links)


def test_fingerprints_handed_to_a_sink_are_those_returned(
        khojaly: Path, hathras: Path, vocab: Vocab, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a sink (a finish's store), fingerprint pairs go there a batch at a time, the
    same pairs as returned without one."""
    import accord.reconcile
    from accord.ingest import ingest

    claims = analyse(ingest([str(khojaly), str(hathras)]).documents, vocab).claims
    returned = accord.reconcile.fingerprints(claims)
    monkeypatch.setattr(accord.reconcile, "SINK_BATCH", 2)
    batches: list[list[dict[str, object]]] = []
    assert accord.reconcile.fingerprints(claims, sink=batches.append) == []
    assert len(batches) > 2 and all(len(b) <= 2 for b in batches)
    assert sorted((p for b in batches for p in b), key=lambda p: (p["a"], p["b"])) == returned
    assert len(returned) > 4


def test_same_figures_without_shared_wording_is_a_fingerprint_not_reuse(vocab: Vocab) -> None:
    other = ("Officials counted 41 dead after the river burst its banks. Another 230 people "
             "suffered injuries, and some 12,000 were moved out of their homes by rescuers.")
    docs = [doc("a.txt", ORIGINAL, vocab), doc("b.txt", other, vocab)]
    result = analyse(docs, vocab)
    assert result.reuse == [] and result.pairs == []
    assert result.groups == [["a.txt"], ["b.txt"]]
    (fingerprint,) = result.fingerprints
    assert fingerprint["shared"] == 3 and fingerprint["shared_wording"] is False
    killed = next(f for f in result.facts if f.category == "killed")
    assert killed.values[0].independent_groups == 2
    assert killed.values[0].single_lineage is False


def test_one_document_containing_another_twice(vocab: Vocab) -> None:
    bulletin = PARAGRAPHS[1]
    digest = "Morning digest.\n" + bulletin + "\nMore at noon.\n" + bulletin + "\nEnd."
    a, b = doc("bulletin.txt", bulletin, vocab), doc("digest.txt", digest, vocab)
    repeats = [s for s in b.marked if s.kind == "repeat"]
    assert len(repeats) == 1 and digest[repeats[0].start:repeats[0].end] == bulletin
    # across documents, both copies are found when the repeat is not set aside
    b.marked = []
    report = find_reuse([a, b], ReuseSettings())
    starts = sorted(link.b_start if link.b == "digest.txt" else link.a_start
                    for link in report.links)
    assert starts == [digest.index(bulletin), digest.rindex(bulletin)]


def test_lineage_is_oriented_by_date_only_when_both_are_known(vocab: Vocab) -> None:
    """Earlier -> later when one date ends before the other begins; a year and a day of
    it (a year inferred from an anniversary) do not say which came first."""
    docs = [doc("late.txt", ORIGINAL, vocab, "2024-05-03"),
            doc("early.txt", ORIGINAL, vocab, "2024-05-02"),
            doc("undated.txt", ORIGINAL, vocab),
            doc("year.txt", ORIGINAL, vocab, "2024"),
            doc("before.txt", ORIGINAL, vocab, "2023")]
    pairs = {frozenset((p["a"], p["b"])): p for p in find_reuse(docs).pairs}
    dated = pairs[frozenset(("late.txt", "early.txt"))]
    assert (dated["from"], dated["to"], dated["directed"]) == ("early.txt", "late.txt", True)
    assert pairs[frozenset(("late.txt", "undated.txt"))]["directed"] is False
    coarse = pairs[frozenset(("late.txt", "year.txt"))]
    assert coarse["directed"] is False and "2024" in coarse["basis"]
    earlier = pairs[frozenset(("before.txt", "late.txt"))]
    assert (earlier["from"], earlier["directed"]) == ("before.txt", True)


def test_relays_count_as_one_independent_group(vocab: Vocab) -> None:
    docs = [doc(f"relay{n}.txt", f"Published by outlet {n}.\n" + ORIGINAL, vocab)
            for n in range(5)]
    docs.append(doc("own.txt", "Our reporter counted 41 dead in the valley on Thursday.", vocab))
    result = analyse(docs, vocab)
    killed = next(f for f in result.facts if f.category == "killed")
    value = next(v for v in killed.values if v.value == 41)
    assert len(value.docs) == 6 and value.independent_groups == 2
    assert killed.independent_groups == 2
    injured = next(f for f in result.facts if f.category == "injured")
    assert injured.values[0].single_lineage and injured.values[0].independent_groups == 1


def test_seed_corpus_reuse(runner: CliRunner, khojaly: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert runner.invoke(cli, ["run", str(khojaly), "--out", str(out)]).exit_code == 0
    facts = json.loads((out / "facts.json").read_text("utf-8"))
    texts = {p.name: p.read_text("utf-8") for p in khojaly.glob("0*.txt")}
    repeat = next(b for b in facts["boilerplate"] if b["kind"] == "repeat"
                  and b["doc"].startswith("001"))
    body = texts["001_7b68217e28d426c6.txt"]
    assert repeat["start"] > len(body) / 2 - 200 and repeat["end"] >= len(body.rstrip()) - 1
    assert facts["reuse"], "shared passages between the seed texts are listed"
    for link in facts["reuse"]:
        assert texts[link["a"]][link["a_start"]:link["a_end"]].split()[-1] == texts[link["b"]][
            link["b_start"]:link["b_end"]].split()[-1]
    assert all("independent_groups" in v for f in facts["facts"] for v in f["values"])
    assert len(facts["fingerprints"]) >= 4
    assert "independent groups" in (out / "report.html").read_text("utf-8")
    table = runner.invoke(cli, ["reuse", str(khojaly), "--format", "json"])
    assert json.loads(table.stdout)["groups"] == facts["groups"]


def test_weak_candidates_are_aligned_within_budget_and_counted_past_it(
        vocab: Vocab, khojaly: Path) -> None:
    # 002 and 003 quote one statement in two translations and spellings: one shared bucket
    docs = [doc(p.name, p.read_text("utf-8"), vocab) for p in sorted(khojaly.glob("00[23]*.txt"))]
    found = find_reuse(docs)
    assert len(found.pairs) == 1 and found.weak_pairs_skipped == 0
    strict = find_reuse(docs, ReuseSettings(weak_budget=0.0))
    assert strict.pairs == [] and strict.weak_pairs_skipped == 1


def test_a_passage_shared_by_many_documents_links_them_all(vocab: Vocab) -> None:
    wire = PARAGRAPHS[1]
    docs = [doc(f"outlet{n}.txt", f"Local desk {n} writes: {PARAGRAPHS[n % 2 * 2]}\n{wire}",
                vocab) for n in range(8)]
    report = find_reuse(docs, ReuseSettings(max_bucket=3))
    assert len(report.groups) == 1 and len(report.groups[0]) == 8
    assert len(report.pairs) < 8 * 7 // 2  # past max_bucket: paired with the first only


def shuffled(count: int, seed: int, vocab: Vocab) -> list[Document]:
    """Documents of two to four of the paragraphs, in a random order each."""
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        paragraphs = PARAGRAPHS[:]
        rng.shuffle(paragraphs)
        docs.append(doc(f"d{n:02d}.txt", "\n".join(paragraphs[: 2 + n % 3]), vocab))
    return docs


@pytest.mark.parametrize("weak_budget", [1.0, 0.0])
def test_candidates_counted_a_key_range_at_a_time_are_those_counted_at_once(
        vocab: Vocab, weak_budget: float) -> None:
    """Spilled keys are paired and counted a key range at a time, the counts summed over
    the ranges: the pairs, and which weak ones are left out (weak_budget 0 leaves out every
    pair with fewer than min_hits hits), must be those of one count over every key."""
    docs = shuffled(12, 3, vocab)
    keyed = [(n, document_keys(d)) for n, d in enumerate(docs)]
    results = [bucket_candidates(keyed, ReuseSettings(memory_entries=limit, min_hits=hits,
                                                      weak_budget=weak_budget))
               for limit in (1 << 21, 40) for hits in (2, 40)]
    for (at_once, skipped), (spilled, skipped_spilled) in zip(results[:2], results[2:],
                                                               strict=True):
        assert len(at_once) and at_once.tolist() == spilled.tolist()
        assert skipped == skipped_spilled
    if weak_budget == 0.0:  # a higher bar leaves out more, so the counts matter
        assert results[1][1] > results[0][1] and len(results[1][0]) < len(results[0][0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40), st.integers(0, 5))
def test_long_runs_are_the_values_that_come_that_often(values: list[int], length: int) -> None:
    """Bucketing flags the candidate pairs with min_hits hits at the start of their run of
    sorted codes: the values np.unique counts as often, or more."""
    import numpy as np

    from accord.reuse import _long_runs

    every = np.sort(np.array(values, dtype=np.uint64))
    first = np.r_[True, every[1:] != every[:-1]][:len(every)]
    distinct, counts = np.unique(every, return_counts=True)
    assert every[_long_runs(every, first, length)].tolist() == \
        distinct[counts >= length].tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=60),
       st.integers(1, 7), st.integers(1, 3), st.integers(0, 8))
def test_hits_counted_a_range_at_a_time_are_those_counted_at_once(
        hits: list[tuple[int, int]], limit: int, min_hits: int, budget: int) -> None:
    """Pairs' hits spilled by range of their first document and counted a range at a time
    give the pairs, in order, and the count of weak pairs left out, that one count over
    every hit gives: every distinct pair while the weak ones are within the budget, else
    those with min_hits hits."""
    import numpy as np

    from accord.reuse import _counted, _HitStore, _pairs_of

    codes = np.array([(i << 32) | j for i, j in hits], dtype=np.uint64)
    distinct, counts = np.unique(codes, return_counts=True)
    weak = int((counts < min_hits).sum())
    expected = (distinct[counts >= min_hits], weak) if weak > budget else (distinct, 0)
    with _HitStore(limit) as store:
        store.documents = 10
        for n in range(0, len(codes), 5):
            store.add(codes[n:n + 5])
        parts = list(store.parts())
        assert store.folder is not None or len(codes) <= limit
        kept, skipped = _counted(iter(parts), min_hits, budget)
    assert skipped == expected[1]
    pairs = _pairs_of(kept, np.int32)  # as narrow as the documents' indexes need
    assert pairs.dtype == np.int32
    assert pairs.tolist() == [[int(c) >> 32, int(c) & 0xFFFFFFFF] for c in expected[0]]
    assert not kept  # each part let go as it was copied into the pairs


def test_keys_spilled_to_disk_give_the_same_result(vocab: Vocab) -> None:
    docs = shuffled(12, 3, vocab)
    in_memory = find_reuse(docs)
    spilled = find_reuse(docs, ReuseSettings(memory_entries=40))
    assert in_memory.links and spilled.links == in_memory.links
    assert spilled.pairs == in_memory.pairs and spilled.groups == in_memory.groups


def test_adding_documents_realigns_only_pairs_with_new_ones(
        khojaly: Path, hathras: Path, tmp_path: Path, vocab: Vocab,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import accord.reuse
    from accord.ingest import ingest
    from accord.pipeline import add_documents, finish, run
    from accord.store import Store

    files = sorted(khojaly.glob("0*.txt")) + sorted(hathras.glob("0*.txt"))
    for n, path in enumerate(files):  # the same names in both layouts: the same ids
        for folder in ("all", "first" if n % 2 else "second"):
            (tmp_path / folder).mkdir(exist_ok=True)
            (tmp_path / folder / f"{n:02d}-{path.name}").write_text(path.read_text("utf-8"))
    whole = run([str(tmp_path / "all")], tmp_path / "whole.db")
    run([str(tmp_path / "first")], tmp_path / "grown.db")
    with Store(tmp_path / "grown.db") as store:
        add_documents(store, ingest([str(tmp_path / "second")]).documents)
        grown = store.result()

    def key(r: object) -> object:
        return (sorted((x.a, x.b, x.a_start, x.b_start) for x in r.reuse),  # type: ignore[attr-defined]
                sorted((p["a"], p["b"], p["a_in_b"]) for p in r.pairs),  # type: ignore[attr-defined]
                r.groups)  # type: ignore[attr-defined]
    assert whole.reuse and key(grown) == key(whole)

    def no_alignment(*args: object, **kwargs: object) -> object:
        raise AssertionError("a pair of unchanged documents was aligned again")
    monkeypatch.setattr(accord.reuse, "align", no_alignment)
    with Store(tmp_path / "grown.db") as store:  # nothing changed: nothing is realigned
        finish(store, vocab)
        assert key(store.result()) == key(whole)


def test_stored_reuse_of_pairs_is_what_the_store_holds_for_them(
        khojaly: Path, hathras: Path, tmp_path: Path) -> None:
    """A finish over a store with results reads the stored passages and records of a block
    of candidate pairs at a time: the same as a full read gives for those pairs, in
    either order of the two ids, and nothing for a pair that shares no text."""
    from accord.pipeline import run
    from accord.store import Store

    run([str(khojaly), str(hathras)], tmp_path / "a.db")
    with Store(tmp_path / "a.db") as store:
        links, records = store.reuse(), store.reuse_pairs()
        ids = store.document_ids()
        assert len(records) >= 2
        asked = [(r["b"], r["a"]) if n % 2 else (r["a"], r["b"]) for n, r in enumerate(records)]
        sharing = {frozenset((r["a"], r["b"])) for r in records}
        apart = next((a, b) for a in ids for b in ids
                     if a < b and frozenset((a, b)) not in sharing)
        found = store.reuse_of_pairs([*asked, apart])
    assert set(found) == sharing
    for record in records:
        pair = frozenset((record["a"], record["b"]))
        assert found[pair][1] == record
        assert found[pair][0] == [x for x in links if frozenset((x.a, x.b)) == pair]
        assert found[pair][0]


def test_a_finish_over_stored_results_reads_their_reuse_a_block_at_a_time(
        khojaly: Path, hathras: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents added to a store with results, finished again over everything in blocks of
    two pairs: the unchanged pairs keep what the store holds, read for each block (never
    every stored link and record at once: a crawl's are gigabytes), and the result is
    that of a store made in one go."""
    from accord import reuse
    from accord.ingest import ingest
    from accord.pipeline import add_documents
    from accord.store import Store

    originals = ingest([str(khojaly), str(hathras)]).documents
    docs = originals + [text_document(f"copy-{d.id}", d.text.replace(" the ", " a ")[:3000])
                        for d in originals]  # a reprint of each: a pair sharing text each
    later = {d.id for d in docs[::5]}
    with Store(tmp_path / "whole.db") as store:
        add_documents(store, docs)
        whole = store.result()
    with Store(tmp_path / "grown.db") as store:
        add_documents(store, [d for d in docs if d.id not in later])
    monkeypatch.setattr(reuse, "PREFETCH_PAIRS", 2)
    asked: list[int] = []
    real = Store.reuse_of_pairs

    def counted(self: Store, pairs: list[tuple[str, str]]) -> object:
        asked.append(len(pairs))
        return real(self, pairs)

    def every_link(self: Store) -> None:
        raise AssertionError("a finish read every stored link")
    with Store(tmp_path / "grown.db") as store:
        monkeypatch.setattr(Store, "reuse_of_pairs", counted)
        monkeypatch.setattr(Store, "reuse", every_link)
        monkeypatch.setattr(Store, "reuse_pairs", every_link)
        add_documents(store, [d for d in docs if d.id in later], full=True)
        monkeypatch.undo()
        grown = store.result()
    assert len(asked) > 2 and max(asked) <= 2  # a block at a time
    assert len(whole.pairs) > 10
    assert sorted(grown.reuse, key=_link_key) == sorted(whole.reuse, key=_link_key)
    assert sorted(grown.pairs, key=_record_key) == sorted(whole.pairs, key=_record_key)
    assert grown.groups == whole.groups


def _link_key(link: object) -> tuple[object, ...]:
    return (link.a, link.b, link.a_start, link.b_start)  # type: ignore[attr-defined]


def _record_key(record: dict[str, object]) -> tuple[object, ...]:
    return (record["a"], record["b"])


def test_a_new_vocabulary_looks_at_reuse_again(khojaly: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import accord.reuse
    from accord.pipeline import run

    run([str(khojaly)], tmp_path / "a.db")
    calls = []
    real = accord.reuse.align

    def counting(*args: object, **kwargs: object) -> object:
        if not kwargs.get("same"):  # a pair of documents, not a text with itself (clean)
            calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(accord.reuse, "align", counting)
    run([str(khojaly)], tmp_path / "a.db")  # same texts, same vocabulary: nothing realigned
    assert calls == []
    extra = tmp_path / "more.yaml"  # boilerplate patterns may change what reuse compares
    extra.write_text("line_patterns:\n  house note: '^editor note:'\n", "utf-8")
    run([str(khojaly)], tmp_path / "a.db", vocab_files=[str(extra)])
    assert calls


def test_pairs_aligned_in_processes_give_the_same_report(khojaly: Path, hathras: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Blocks of candidate pairs aligned by two processes, results taken in order."""
    from accord import reuse
    from accord.ingest import ingest
    from accord.vocab import load_vocab

    docs = ingest([str(khojaly), str(hathras)]).documents
    docs += [text_document(f"copy-{d.id}", d.text.replace(" the ", " a ")[:3000])
             for d in docs]  # a reprint of each, a word changed throughout
    vocab = load_vocab()
    for doc in docs:
        clean(doc, vocab)
    monkeypatch.setattr(reuse, "PREFETCH_PAIRS", 3)  # many blocks, several in flight
    one, two = find_reuse(docs), find_reuse(docs, workers=2)
    assert len(one.pairs) >= 13
    assert (one.links, one.pairs, one.groups) == (two.links, two.pairs, two.groups)


def test_pairs_sharing_text_taken_a_block_at_a_time_give_the_same_report(
        khojaly: Path, hathras: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pairs that share text become records, links and edges a block at a time (a
    crawl's are millions): blocks of three give what one block gives, in the same order."""
    from accord import reuse
    from accord.ingest import ingest
    from accord.vocab import load_vocab

    docs = ingest([str(khojaly), str(hathras)]).documents
    docs += [text_document(f"copy-{d.id}", d.text[:3000]) for d in docs]
    vocab = load_vocab()
    for doc in docs:
        clean(doc, vocab)
    whole = find_reuse(docs)
    monkeypatch.setattr(reuse, "EDGE_BLOCK", 3)
    blocks = find_reuse(docs)
    assert len(whole.pairs) >= 13
    assert (whole.links, whole.pairs, whole.groups, whole.sharing.tolist()) == (
        blocks.links, blocks.pairs, blocks.groups, blocks.sharing.tolist())
    assert len(whole.sharing) == len(whole.pairs)


def test_pairs_taken_in_locality_order_give_the_pairs_own_order(
        vocab: Vocab, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks follow locality_order (fewer texts read per block); the report keeps the
    candidate pairs' own order, as one block over all of them gives it."""
    from accord import reuse

    docs = shuffled(14, 5, vocab)
    whole = find_reuse(docs)  # fewer pairs than a block: the pairs' own order
    monkeypatch.setattr(reuse, "PREFETCH_PAIRS", 3)
    blocks = find_reuse(docs)
    assert len(whole.pairs) > 3 * 3
    assert (blocks.links, blocks.pairs, blocks.groups) == (whole.links, whole.pairs,
                                                           whole.groups)


def test_locality_order_keeps_a_chain_of_documents_together() -> None:
    """Documents paired along a chain, numbered at random: blocks in locality order name
    about as many documents as they hold pairs, against half as many again in id order."""
    import numpy as np

    from accord.reuse import PREFETCH_PAIRS, locality_order

    size = 6 * PREFETCH_PAIRS
    label = np.random.default_rng(1).permutation(size)
    chain = np.stack([label[:-1], label[1:]], axis=1)
    pairs = np.sort(chain, axis=1)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    order = locality_order(pairs, size)
    assert sorted(order.tolist()) == list(range(len(pairs)))

    def named(p: np.ndarray) -> int:
        return sum(len(np.unique(p[k:k + PREFETCH_PAIRS])) for k in range(0, len(p),
                                                                        PREFETCH_PAIRS))

    assert named(pairs[order]) < 1.1 * len(pairs) < 0.8 * named(pairs)


def _plain_seeds(a: list[int], b: list[int]) -> list[tuple[int, int]]:
    from accord.reuse import MAX_SEED_REPEATS

    return [(i, j) for i, x in enumerate(a) for j, y in enumerate(b)
            if x == y and a.count(x) <= MAX_SEED_REPEATS and b.count(y) <= MAX_SEED_REPEATS]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=80), st.lists(st.integers(0, 3), max_size=80),
       st.booleans())
@example([0] * 25 + [1, 2], [2, 0, 0, 1], True)  # an n-gram past MAX_SEED_REPEATS in a
@example([3, 1] + [0] * 22, [0] * 21 + [1], False)
def test_seeds_with_kept_indexes_are_the_shared_ngrams(a: list[int], b: list[int],
                                                       kept: bool) -> None:
    import numpy as np

    from accord.reuse import _seeds, hash_index

    x, y = np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)
    indexes = (hash_index(x), hash_index(y)) if kept else (None, None)
    i, j = _seeds(x, y, False, *indexes)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == _plain_seeds(a, b)
