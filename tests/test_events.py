"""Event routing: a crawl that mixes events is split by event, a corpus of one event is one."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.ingest import text_document
from accord.pipeline import analyse, run
from accord.vocab import Vocab

CRAWL = {
    "valencia-1.txt": ("Valencia, 31 October 2024 (Wire): Flash floods in Valencia killed at least "
                       "95 people, and 1,200 residents were evacuated, officials said."),
    "valencia-2.txt": ("The Valencia floods of October 2024 left 158 people dead, according to "
                       "the regional government; 1,200 residents remain displaced."),
    "herat-1.txt": ("Herat, 8 October 2023 (Agency): The earthquake in Herat killed more than "
                    "2,000 people and injured 9,240, the UN said."),
    "herat-2.txt": ("Rescuers in Herat said the October 2023 earthquake destroyed 1,300 homes; "
                    "more than 2,000 people were killed."),
    # names no place and no year, but states the Herat figures: a relay
    "relay.txt": "More than 2,000 people were killed and 9,240 injured, the UN said.",
    # names Valencia but no year
    "undated.txt": "In Valencia the floods killed 158 people, officials said.",
}


def _routed(result: object) -> dict[str, set[str]]:
    return {e["id"]: set(e["documents"]) for e in result.events  # type: ignore[attr-defined]
            if e["main"]}


def test_a_mixed_crawl_is_split_by_event(vocab: Vocab) -> None:
    docs = [text_document(name, text) for name, text in CRAWL.items()]
    result = analyse(docs, vocab)
    routed = _routed(result)
    assert routed == {"valencia-2024": {"valencia-1.txt", "valencia-2.txt", "undated.txt"},
                      "herat-2023": {"herat-1.txt", "herat-2.txt", "relay.txt"}}
    killed = {(f.event, f.best) for f in result.facts if f.category == "killed"}
    assert ("valencia-2024", 158) in killed and ("herat-2023", 2000) in killed
    assert all(f.event in routed for f in result.facts)  # no fact mixes the two


def test_two_seed_corpora_in_one_run_are_two_events(khojaly: Path, hathras: Path,
                                                    tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    for corpus in (khojaly, hathras):
        shutil.copytree(corpus, mixed / corpus.name,
                        ignore=shutil.ignore_patterns("*.jsonl", "*.json", "*.md"))
    result = run([str(mixed)], tmp_path / "accord.db")
    routed = _routed(result)
    assert len(routed) == 2
    for corpus in (khojaly, hathras):
        names = {f"{corpus.name}/{p.name}" for p in corpus.glob("0*.txt")}
        assert names in routed.values(), corpus.name
    by_doc = {c.doc: c.event for c in result.claims}
    for doc, event in by_doc.items():  # figures of one corpus never land in the other's event
        own = next(e for e, docs in routed.items() if doc in docs)
        assert event == own or event not in routed


def test_routing_reads_what_extraction_recorded_not_the_text(vocab: Vocab) -> None:
    from accord.extract import assign_events
    from accord.extract.entities import gather
    from accord.pipeline import process_document

    processed = [process_document(text_document(n, t), vocab) for n, t in CRAWL.items()]
    docs = [d for d, _ in processed]
    claims = [c for _, found in processed for c in found]
    assert all("places" in d.meta and "names" in d.meta for d in docs)
    from_meta = [(e.id, e.place, e.docs) for e in assign_events(docs, claims, vocab)]
    names = gather(docs, vocab)
    for doc in docs:
        doc.text = doc.text.replace("Valencia", "Xxxxxxxx").replace("Herat", "Yyyyy")
    # the stored records, not the (now changed) text, decide
    assert [(e.id, e.place, e.docs) for e in assign_events(docs, claims, vocab)] == from_meta
    assert gather(docs, vocab) == names
    assert ("valencia-2024", "Valencia") in [(i, p) for i, p, _ in from_meta]
    for doc in docs:  # a store written before these records existed: read from the text
        del doc.meta["places"], doc.meta["names"]
    assert "Xxxxxxxx" in {e.place for e in assign_events(docs, claims, vocab)}


def test_places_gathered_in_another_order_route_the_same(vocab: Vocab) -> None:
    """Routing finds each document's place entries by its row: places gathered in another
    order than the documents come (through an index) route as places gathered in order."""
    from accord.extract.events import Places, route_documents, stored_places
    from accord.pipeline import process_document

    processed = [process_document(text_document(n, t), vocab) for n, t in CRAWL.items()]
    docs = [d for d, _ in processed]
    claims = [c for _, found in processed for c in found]

    def gathered(order: list[int]) -> Places:
        places = Places()
        for k in order:
            places.add(docs[k].id, stored_places(docs[k], vocab))
        return places

    def routes(places: Places) -> list[tuple[list[str], int | None, str | None]]:
        return [([d.id for d in r.docs], r.year, r.place)
                for r in route_documents(docs, claims, vocab, places)]

    in_order = routes(gathered(list(range(len(docs)))))
    assert {p for _, _, p in in_order} == {"Valencia", "Herat"}
    assert routes(gathered(list(reversed(range(len(docs)))))) == in_order
    rows = gathered(list(reversed(range(len(docs))))).rows([docs[0].id, docs[-1].id])
    assert rows.tolist() == [len(docs) - 1, 0]


def test_a_salience_past_sixteen_bits_is_held_at_the_most_they_hold() -> None:
    """Places keep each document's salience and spelling count of a place in 16 bits: a
    larger one is held at SATURATED, not wrapped round to a small one."""
    import numpy as np

    from accord.extract.events import SATURATED, Places

    places = Places()
    places.add("a", {"velbora": [SATURATED + 5, "Velbora", SATURATED + 2], "tamdora": [3, "", 0]})
    places.add("b", {"velbora": [2, "VELBORA", 1]})
    starts, keys, tf = places.entries(np.arange(2))
    assert starts.tolist() == [0, 2, 3] and tf.tolist() == [SATURATED, 3, 2]
    assert [places.keys[k] for k in keys.tolist()] == ["velbora", "tamdora", "velbora"]
    assert places.spelling("velbora", [0, 1]) == "Velbora"


def _report(place: str, year: int, killed: int, injured: int, extra: str = "") -> str:
    return (f"{place}, 3 May {year} (Agency): A fire in {place} killed {killed} people and "
            f"injured {injured}, officials said. {extra}")


def test_a_crawl_of_many_events_is_routed_event_by_event(vocab: Vocab) -> None:
    places = [f"{a}{b}ora" for a in ("Vel", "Tam", "Kor", "Sib") for b in "bdfgklmnpr"]
    docs = [text_document(f"{place}-{k}.txt",
                          _report(place, 1980 + n, 100 + 7 * n, 300 + 11 * n))
            for n, place in enumerate(places) for k in range(3)]
    routed = _routed(analyse(docs, vocab))
    assert len(routed) == len(places)
    for n, place in enumerate(places):
        assert routed[f"{place.lower()}-{1980 + n}"] == {f"{place}-{k}.txt" for k in range(3)}


def test_a_relay_joins_by_the_figures_most_reports_state_not_by_rare_ones(vocab: Vocab) -> None:
    """The figures of a large event's reports, taken all together, include most small
    figures anyone states: a report sharing only those with it is not its relay."""
    docs = [text_document(f"big-{k}.txt", _report("Velbora", 2001, 141, 62,
                                                  "Three were missing and 5 arrested."
                                                  if k < 2 else ""))
            for k in range(30)]
    docs.append(text_document("other.txt", "Three were missing and 5 arrested in Tamdora, "
                                           "police said in 2010."))
    docs.append(text_document("relay.txt", "A fire killed 141 people and injured 62."))
    routed = _routed(analyse(docs, vocab))
    assert "relay.txt" in routed["velbora-2001"]
    assert "other.txt" not in routed["velbora-2001"]


def test_a_word_the_report_also_writes_in_lower_case_is_not_a_place(vocab: Vocab) -> None:
    from accord.extract.events import place_mentions, skeleton

    doc = text_document("a.txt", "Donations went to the Relief Fund in Velbora. The relief "
                                 "effort in Velbora goes on.")
    seen = place_mentions(doc, vocab).seen
    assert skeleton("Velbora") in seen and skeleton("Relief") not in seen


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 9)), max_size=80),
       st.booleans(), st.integers(1, 5))
def test_postings_of_holders_in_order_as_sorted_ones(entries: list[tuple[int, int]],
                                                     in_order: bool, block: int) -> None:
    """Routing's posting lists: holders given in order take the transposed-matrix path, the
    others a sort; each item's holders must come in their given order either way, and the
    counts made a block at a time must be bincount's."""
    import numpy as np

    from accord.extract import events

    if in_order:
        entries = sorted(entries)
    docs = np.array([d for d, _ in entries], dtype=np.int32)
    items = np.array([i for _, i in entries], dtype=np.int32)
    postings = events._Postings.of_entries(items, docs, 10)
    for item in range(10):
        assert postings.of(item).tolist() == [d for d, i in entries if i == item]
    held = events._held(docs.astype(np.int64), items.astype(np.int64), 10)
    assert held.tolist() == sorted({d * 10 + i for d, i in entries})  # each pair once
    holders = events._Postings.of_rows(items, np.searchsorted(docs, np.arange(42)), 10)
    if in_order:  # each document's run of items, transposed: each item's holders
        assert [holders.of(i).tolist() for i in range(10)] == \
            [postings.of(i).tolist() for i in range(10)]
    weights = (docs % 7).astype(np.int32)
    events.COUNTED_AT_ONCE, saved = block, events.COUNTED_AT_ONCE
    try:
        assert events._counts(items, None, 10).tolist() == \
            np.bincount(items, minlength=10).tolist()
        assert events._counts(items, weights, 10).tolist() == \
            np.bincount(items, weights=weights, minlength=10).astype(np.int64).tolist()
    finally:
        events.COUNTED_AT_ONCE = saved


def test_a_finish_sets_the_events_assign_events_sets(vocab: Vocab) -> None:
    """corpus_stages routes with the claims set aside and sets the claims' events after
    reuse: the events, in their order, and every claim's event are those assign_events
    gives, an event only mentioned (another year) included."""
    from dataclasses import replace

    from accord.claim_table import ClaimTable
    from accord.extract import assign_events
    from accord.pipeline import corpus_stages, process_document

    texts = dict(CRAWL, **{"history.txt": (
        "Valencia, 30 October 2024: the floods killed 95 people. In 1957 the floods in "
        "Valencia killed 81 people, and in 1982 the Tous dam burst and killed 30 people.")})
    processed = [process_document(text_document(n, t), vocab) for n, t in texts.items()]
    docs = [d for d, _ in processed]
    claims = [c for _, found in processed for c in found]
    expected_claims = [replace(c) for c in claims]
    expected = [(e.id, e.main, e.docs) for e in assign_events(docs, expected_claims, vocab)]
    assert any(not main for _, main, _ in expected)  # an event only mentioned
    table = ClaimTable(claims)
    result = corpus_stages(docs, table, vocab)
    assert [(e["id"], e["main"], e["documents"]) for e in result.events] == expected
    assert [c.event for c in table] == [c.event for c in expected_claims]
    assert {c.event for c in expected_claims} >= {i for i, main, _ in expected if main}
