"""ClaimTable: claims held as columns must read back as the claims they hold, and every pass
that reads a table's columns must find what it finds in a list of the same claims."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from itertools import groupby, pairwise
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.claim_table import (
    COLUMNS,
    FIGURES,
    NONE,
    NUMBERS,
    WORDS,
    ClaimTable,
    claim_values,
    fact_rows,
    figure_ranks,
    first_seen_numbers,
    number_column,
    picked_claims,
    rows_by_doc,
)
from accord.model import Anomaly, Claim
from accord.pipeline import run
from accord.reconcile import (
    PEOPLE_CATEGORIES,
    _conflicts_in,
    shared_people_values,
    subgroup_anomalies,
    within_document_conflicts,
)
from accord.store import Store
from accord.vocab import load_vocab

WORD = st.sampled_from(["", "killed", "injured", "children", "a", "ü-é", "all"])
CATEGORY = st.sampled_from(["killed", "injured", "ü-é"])
GROUP = st.sampled_from(["all", "children"])
OFFSET = st.integers(0, 2 ** 31 - 1)
NUMBER = st.one_of(st.none(), st.integers(-(2 ** 31) + 1, 2 ** 31 - 1))
FIGURE = st.sampled_from([None, 0, 1, 2, 3, 2 ** 40, -(2 ** 35)])  # recurring, past 2**31


@st.composite
def claims(draw: st.DrawFn) -> list[Claim]:
    """Claims as a table keeps them (sentence, figure as written and cue empty), with
    recurring words and values, and breakdowns of earlier claims, so that the passes find
    something."""
    out: list[Claim] = []
    for n in range(draw(st.integers(0, 30))):
        doc = draw(st.sampled_from(["d1", "d2", "dé3", "d10"]))
        parent = draw(st.one_of(st.none(), WORD, *([st.sampled_from([c.id for c in out])]
                                                    if out else [])))
        figure_start, figure_end = draw(st.sampled_from([0, 7])), draw(OFFSET)
        # ids as extract gives them (made again when read), and others (held)
        claim_id = draw(st.sampled_from([
            f"{doc}@{figure_start}-{figure_end}" + "+" * draw(st.integers(0, 2)),
            f"{doc}@{n}-\u00e9{draw(st.integers(0, 9))}", f"{doc}@{figure_start}-{figure_end}+x",
            f"{doc}@{figure_start}-{figure_end}" + "+" * 300, f"@{figure_start}-{figure_end}"]))
        out.append(Claim(
            claim_id, doc,
            draw(st.sampled_from(["", "ev-2024"])), draw(CATEGORY), draw(GROUP),
            draw(FIGURE), draw(FIGURE), draw(FIGURE), draw(WORD), draw(OFFSET), draw(OFFSET), "",
            figure_start, figure_end, "", "", parent,
            draw(st.one_of(st.none(), WORD)), draw(NUMBER), draw(st.one_of(st.none(), WORD))))
    return out


@settings(max_examples=150, deadline=None)
@given(claims(), st.data())
def test_a_table_reads_back_the_claims_it_holds(held: list[Claim], data: st.DataObject) -> None:
    table = ClaimTable(held)
    assert len(table) == len(held)
    assert list(table) == held
    assert table[:] == held and table[1:-1] == held[1:-1]
    if held:
        k = data.draw(st.integers(-len(held), len(held) - 1))
        assert table[k] == held[k]
    rows = data.draw(st.lists(st.integers(0, max(0, len(held) - 1)), max_size=len(held)))
    if held:
        assert table.take(rows) == [held[n] for n in rows]
        picked = np.array(rows, dtype=np.int64)
        assert list(table.rows(picked)) == [held[n] for n in rows]
        if rows:
            view = table.rows(picked)
            assert view[-1] == held[rows[-1]] and view[1:] == [held[n] for n in rows[1:]]
        assert list(claim_values(table.rows(picked), ("id", "value"))) == \
            [(held[n].id, held[n].value) for n in rows]
    names = data.draw(st.lists(st.sampled_from(("id", *WORDS, *NUMBERS)), min_size=1,
                               max_size=4))
    assert list(claim_values(table, names)) == list(claim_values(held, names)) == \
        [tuple(getattr(c, n) for n in names) for c in held]
    assert table.doc_sorted == (held == sorted(held, key=attrgetter("doc")))
    made = table.take(range(len(held)))  # claims made together share their numbers
    numbers = [getattr(c, n) for c in made for n in NUMBERS]
    assert len({id(v) for v in numbers if v is not None}) == \
        len({v for v in numbers if v is not None})


@settings(max_examples=150, deadline=None)
@given(claims(), st.integers(1, 7))
def test_a_table_sealed_as_it_grows_holds_what_one_grown_in_memory_holds(
        held: list[Claim], every: int) -> None:
    """sealed_from writes the columns out every few rows: a column that widens (figures
    past 2**31, a year past 16 bits) after some rows went out is joined in its widest type,
    None kept as None."""
    from accord.claim_table import COLUMNS as ALL

    held = [*held, *(replace(c, value=2 ** 40, context_year=40_000,
                             start=None if n % 2 else c.start) for n, c in enumerate(held))]
    rows = [(c.id, [getattr(c, n) for n in WORDS], [getattr(c, n) for n in NUMBERS])
            for c in held]
    grown = ClaimTable(held)
    sealed = ClaimTable.sealed_from(iter(rows), spill_every=every)
    assert sealed.sealed == bool(held) and len(sealed) == len(held)
    assert list(sealed) == list(grown) == held
    assert list(claim_values(sealed, ALL)) == list(claim_values(grown, ALL))
    assert sealed.doc_sorted == grown.doc_sorted


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([None, "", "a", "b", "d1", "d10", "d2", "é"]), unique=True),
       st.lists(st.sampled_from(["", "a", "b", "c", "d1", "d10", "d2", "é"]), unique=True),
       st.booleans())
def test_places_in_finds_each_item_walked_in_order_or_looked_up(
        items: list[str | None], among: list[str], in_order: bool) -> None:
    from accord.claim_table import places_in

    if in_order:  # both in order: walked side by side
        items = sorted(items, key=lambda w: (w is not None, w or ""))
        among = sorted(among)
    expected = [among.index(w) if w in among else -1 for w in items]
    assert places_in(items, among).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(claims())
def test_events_set_on_a_table_group_and_move_as_in_a_list(held: list[Claim]) -> None:
    table = ClaimTable(held)
    before = table.events()
    moved_to = [c.event if n % 3 else f"{c.event}+" for n, c in enumerate(held)]
    table.set_events(moved_to)
    assert [c.event for c in table] == moved_to
    assert table.moved(before).tolist() == [n for n in range(len(held)) if n % 3 == 0]
    # by event (as they first come), then by fact as build_facts lists them
    of_event: dict[str, dict[tuple[str, str], list[int]]] = defaultdict(lambda: defaultdict(list))
    for n, (event, c) in enumerate(zip(moved_to, held, strict=True)):
        of_event[event][(c.category, c.group)].append(n)
    expected = [[rows for _, rows in sorted(facts.items())] for facts in of_event.values()]
    moved = [replace(c, event=event) for c, event in zip(held, moved_to, strict=True)]
    for claims in (table, moved):
        assert [[rows.tolist() for rows in facts] for facts in fact_rows(claims)] == expected


@settings(max_examples=100, deadline=None)
@given(claims())
def test_document_passes_read_a_table_as_a_list(held: list[Claim]) -> None:
    """Sorted by document as a store reads them, and not: rows_by_doc and picked_claims
    must give each document's claims in order, and the passes built on them the same
    anomalies and shared counts."""
    for ordered in (held, sorted(held, key=attrgetter("doc"))):
        table = ClaimTable(ordered)
        expected: dict[str, list[int]] = defaultdict(list)
        for n in sorted(range(len(ordered)), key=lambda n: ordered[n].doc):
            expected[ordered[n].doc].append(n)
        got = list(rows_by_doc(table, ("value",)))
        assert [[n for n, _ in of_doc] for of_doc in got] == list(expected.values())
        assert all(fields == (ordered[n].value,) for of_doc in got for n, fields in of_doc)
        odd = list(picked_claims(table, ("value",), lambda of_doc: [n for n, _ in of_doc[1::2]]))
        assert odd == [ordered[n] for rows in expected.values() for n in rows[1::2]]
        for check, reference in ((within_document_conflicts, _conflicts_reference),
                                 (shared_people_values, _shared_reference)):
            assert list(check(table)) == list(check(ordered)) == reference(ordered)
        assert [(a.doc, a.claims) for a in subgroup_anomalies(table)] == \
            [(a.doc, a.claims) for a in subgroup_anomalies(ordered)] == \
            _subgroups_reference(ordered)


def _conflicts_reference(claims: list[Claim]) -> list[Anomaly]:
    """within_document_conflicts as it read every claim (before it picked rows)."""
    out = []
    for doc, of_doc in groupby(sorted(claims, key=attrgetter("doc")), key=attrgetter("doc")):
        grouped: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
        for c in of_doc:
            grouped[c.key].append(c)
        out += _conflicts_in(doc, grouped)
    return out


def _subgroups_reference(claims: list[Claim]) -> list[tuple[str, list[str]]]:
    by_id = {c.id: c for c in claims}
    out = []
    for c in claims:
        total = by_id.get(c.parent or "")
        if (c.group != "all" and c.low is not None and total is not None
                and total.high is not None and c.low > total.high):
            out.append((c.doc, [c.id, total.id]))
    return out


def _shared_reference(claims: list[Claim]) -> list[Claim]:
    stating: dict[tuple[str, str, str, int], list[Claim]] = defaultdict(list)
    for c in sorted(claims, key=attrgetter("doc")):
        if c.category in PEOPLE_CATEGORIES and c.value is not None:
            stating[(c.doc, c.event, c.group, c.value)].append(c)
    return [c for members in stating.values() if len({m.category for m in members}) > 1
            for c in members]


def test_a_store_reads_its_claims_as_a_table(tmp_path: Path, khojaly: Path,
                                             hathras: Path) -> None:
    """The same claims, in the same order, as Store.claims(text=False) reads them: a finish
    holds the one where it held the other."""
    db = tmp_path / "two.db"
    run([str(khojaly), str(hathras)], db)
    with Store(db) as store:
        table, held = store.claim_table(), store.claims(text=False)
    assert len(held) > 100 and list(table) == held
    assert table.doc_sorted
    # every id is the one extract gives: made again from the columns when read, none held
    assert table._other_ids == {}
    assert max(table.coded("category")[0].dtype.itemsize,
               table.coded("group")[0].dtype.itemsize) == 1  # a few dozen words: a byte each
    assert list(within_document_conflicts(held)) and subgroup_anomalies(held)
    assert list(within_document_conflicts(table)) == list(within_document_conflicts(held))
    assert subgroup_anomalies(table) == subgroup_anomalies(held)
    assert shared_people_values(table) == shared_people_values(held)


def test_a_table_read_with_the_documents_ids_holds_those_strings(tmp_path: Path,
                                                                 khojaly: Path) -> None:
    """A finish gives the table its documents' ids: the table's words for them are those
    strings, not second copies; ids in another order, or missing, read the same claims."""
    db = tmp_path / "k.db"
    run([str(khojaly)], db)
    with Store(db) as store:
        plain = list(store.claim_table())
        ids = [d.id for d in store.documents(text=False)]
        given = ["".join(i) for i in ids]  # equal strings, other objects
        table = store.claim_table(given)
        for other in (given[::-1], given[1:], []):
            assert list(store.claim_table(other)) == plain
    assert list(table) == plain
    codes, words = table.coded("doc")
    held = {id(words[n]) for n in set(codes.tolist())}
    assert held == {id(i) for i in given} and all(id(i) not in held for i in ids)


@settings(max_examples=150, deadline=None)
@given(claims(), st.lists(st.sampled_from(["d1", "d2", "dé3", "d10", "d4"]), unique=True))
def test_routing_numbers_the_figures_of_a_table_as_of_a_list(held: list[Claim],
                                                             routed: list[str]) -> None:
    """claim_figures (routing's (document, figure) of every claim, found by sorting columns)
    against a dict that numbers each (category, low, high) as it first comes: the claims of
    documents not routed left out, the same documents, and one number per figure."""
    from accord.extract.events import claim_figures
    from accord.ingest import text_document

    docs = [text_document(d, "") for d in routed]
    for d, doc_id in zip(docs, routed, strict=True):
        d.id = doc_id
    position = {d: k for k, d in enumerate(routed)}
    kept = [c for c in held if c.doc in position]
    found = []
    for given_claims in (held, ClaimTable(held)):
        doc_at, figure_at, figures = claim_figures(docs, given_claims)
        found.append((doc_at.tolist(), figure_at.tolist(), figures))
        assert doc_at.tolist() == [position[c.doc] for c in kept]
        assert [figures[f] for f in figure_at.tolist()] == \
            [(c.category, c.low, c.high) for c in kept]
        assert len(figures) == len(set(figures)) == len({(c.category, c.low, c.high)
                                                         for c in kept})
    assert found[0] == found[1]  # numbered in the same order: a table sorts its ranks


@settings(max_examples=100, deadline=None)
@given(claims())
def test_a_tables_figures_are_codes_into_the_distinct_figures_the_three_share(
        held: list[Claim]) -> None:
    """value, low and high are held as codes into one list of the distinct figures; read
    as numbers, as codes with their values, or as ranks, they are the claims' figures."""
    table = ClaimTable(held)
    values = np.zeros(0, dtype=np.int64)
    for name in FIGURES:
        codes, values = table.figure_codes(name)
        column = number_column(held, name)
        assert codes.dtype == np.uint8 and not codes.flags.writeable
        assert values[codes].tolist() == column.tolist() == table.numbers(name).tolist()
        ranks = figure_ranks(codes, values)
        assert np.argsort(ranks, kind="stable").tolist() == \
            np.argsort(column, kind="stable").tolist()
        assert (ranks[:, None] == ranks[None, :]).tolist() == \
            (column[:, None] == column[None, :]).tolist()
    assert len(values) == len({getattr(c, name) for c in held for name in FIGURES})


@settings(max_examples=150, deadline=None)
@given(claims(), st.sampled_from([("doc",), ("category", "group", "event", "low", "high"),
                                  ("value", "parent"), ("high", "doc")]))
def test_values_are_numbered_as_they_first_come_in_a_table_as_in_a_list(
        held: list[Claim], names: tuple[str, ...]) -> None:
    """first_seen_numbers (found by sorting columns) numbers each claim's values of ``names``
    as a dict's setdefault does, on a list and on a table of the same claims."""
    numbers: dict[tuple[Any, ...], int] = {}
    want = [numbers.setdefault(attrgetter(*names)(c) if len(names) > 1 else
                               (getattr(c, names[0]),), len(numbers)) for c in held]
    for given_claims in (held, ClaimTable(held)):
        got = first_seen_numbers(given_claims, names)
        assert got.dtype == np.int32 and got.tolist() == want


@settings(max_examples=100, deadline=None)
@given(claims())
def test_figure_sets_are_each_documents_figures_numbered_as_they_first_come(
        held: list[Claim]) -> None:
    """Fingerprints compare each document's figures as numbers: the same numbers as a dict
    gives them in claim order, for a list and a table."""
    from accord.reconcile import FIGURE_FIELDS, figure_sets

    numbers: dict[tuple[Any, ...], int] = {}
    want: dict[str, set[int]] = defaultdict(set)
    for c in held:
        want[c.doc].add(numbers.setdefault(attrgetter(*FIGURE_FIELDS)(c), len(numbers)))
    for given_claims in (held, ClaimTable(held)):
        got = figure_sets(given_claims)
        assert got.ids == sorted(want)
        assert {d: set(got.of(n)) for n, d in enumerate(got.ids)} == want
        assert all(len(got.of(n)) == len(set(got.of(n))) for n in range(len(got.ids)))


@settings(max_examples=60, deadline=None)
@given(claims(), st.booleans())
def test_a_table_set_aside_reads_back_the_same_and_cannot_be_read_meanwhile(
        held: list[Claim], fails: bool) -> None:
    table = ClaimTable(held)
    table.set_events([f"{c.event}!" for c in held])  # a column set before, kept
    expected = list(table)
    try:
        with table.set_aside(("id",)):  # as a finish holds them from the load to the facts
            assert table.numbers("low").tolist() == [
                NONE["q"] if c.low is None else c.low for c in expected]
            assert [table.coded("doc")[1][n] for n in table.coded("doc")[0].tolist()] == [
                c.doc for c in expected]
            with table.set_aside():
                for read in (lambda: table.take([0]), table.events,
                             lambda: table.numbers("low"), lambda: list(fact_rows(table))):
                    with pytest.raises(RuntimeError, match="set aside"):
                        read()
                assert len(table) == len(held)
            assert table.events().tolist() == table.coded("event")[0].tolist()
            with pytest.raises(RuntimeError, match="id are set aside"):
                table.take([0])
            if fails:
                raise KeyError("a stage failed")
    except KeyError:
        assert fails
    assert list(table) == expected and len(table) == len(held)
    if held:
        table.append(held[0])
        assert len(table) == len(held) + 1


def test_a_table_whose_columns_cannot_be_written_aside_stays_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills while the columns are written: the error, and every column still
    held (none is let go before all are written)."""
    import io
    import tempfile

    class Full(io.BytesIO):  # room for two columns, then full
        writes = 0

        def write(self, data: Any) -> int:
            Full.writes += 1
            if Full.writes > 2:
                raise OSError("No space left on device")
            return super().write(data)

    held = [Claim(f"d@{n}", "d", "e", "killed", "all", n, n, n, "", n, n + 1, "", n, n + 1,
                  "") for n in range(5)]
    table = ClaimTable(held)
    expected = list(table)
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda **_: Full())
    with pytest.raises(OSError, match="No space"), table.set_aside():
        pass
    assert list(table) == expected and table.numbers("low").tolist() == list(range(5))


def test_a_finish_sets_its_claims_aside_while_dates_and_reuse_run(
        tmp_path: Path, khojaly: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The corpus stages that read no claim (the places, routing, dates, reuse, the
    comparison of figure sets) run with the claims on disk, and the facts after them find
    every claim back."""
    from accord import pipeline

    db = tmp_path / "k.db"
    run([str(khojaly)], db)
    with Store(db) as store:
        facts_before = store.facts()
        pairs_before = store.fingerprint_pairs()
    assert pairs_before  # the comparison of sets finds pairs here
    tables: list[ClaimTable] = []
    aside: dict[str, set[str]] = {}
    real_set_aside, real_find_reuse = ClaimTable.set_aside, pipeline.find_reuse
    real_route_events = pipeline.route_events
    real_sets_fingerprints = pipeline.sets_fingerprints

    def set_aside(self: ClaimTable, names: tuple[str, ...] = ()) -> Any:
        tables.append(self)
        return real_set_aside(self, names)

    def find_reuse(*args: Any, **kwargs: Any) -> Any:
        aside["reuse"] = set(tables[0]._aside)
        return real_find_reuse(*args, **kwargs)

    def route_events(*args: Any, **kwargs: Any) -> Any:
        aside["events"] = set(tables[0]._aside)
        return real_route_events(*args, **kwargs)

    def sets_fingerprints(*args: Any, **kwargs: Any) -> Any:
        aside["fingerprints"] = set(tables[0]._aside)
        return real_sets_fingerprints(*args, **kwargs)

    monkeypatch.setattr(ClaimTable, "set_aside", set_aside)
    monkeypatch.setattr(pipeline, "find_reuse", find_reuse)
    monkeypatch.setattr(pipeline, "route_events", route_events)
    monkeypatch.setattr(pipeline, "sets_fingerprints", sets_fingerprints)
    with Store(db) as store:
        pipeline.finish(store, load_vocab())
        assert store.facts() == facts_before
        assert store.fingerprint_pairs() == pairs_before
    assert aside == {"events": set(COLUMNS), "reuse": set(COLUMNS),
                     "fingerprints": set(COLUMNS)}
    assert not tables[0]._aside and len(tables[0]) > 0
    assert tables[0].sealed  # a store's table: its columns in a mapped file


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "\u00e4", "b\u00e9", "\U0001f600"]),
                          st.integers(0, 3), st.sampled_from(["x", "y"]),
                          st.text(max_size=6)), max_size=40))
def test_anomalies_kept_on_disk_come_back_as_a_stable_sort_gives_them(
        kept: list[tuple[str, int, str, str]]) -> None:
    """A finish keeps category swaps in a temporary file and lists them by their first
    claim's position: the order sorted() gives, ties in the order kept, str order included."""
    from accord.store import anomalies_in_order

    keyed = [((doc, start, claim_id), Anomaly("category_swap", doc, detail, [claim_id, detail]))
             for doc, start, claim_id, detail in kept]
    with anomalies_in_order() as (keep, in_order):
        keep(keyed[:len(keyed) // 2])
        keep(iter(keyed[len(keyed) // 2:]))
        assert list(in_order()) == [a for _, a in sorted(keyed, key=lambda pair: pair[0])]


def test_the_file_of_kept_anomalies_goes_when_the_block_ends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from accord.store import anomalies_in_order

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    swap = Anomaly("category_swap", "d", "1 killed", ["d@1"])
    with anomalies_in_order() as (keep, in_order):
        keep([(("d", 1, "d@1"), swap)])
        assert [p.name for p in tmp_path.glob("accord-*/held.db")] == ["held.db"]
        assert list(in_order()) == [swap]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KeyError), anomalies_in_order() as (keep, _):
        keep([(("d", 1, "d@1"), swap)])
        raise KeyError("a stage failed")
    assert list(tmp_path.iterdir()) == []


def test_a_tables_coded_column_is_a_read_only_view() -> None:
    """coded() gives the column itself, not a copy (a pass over a crawl holds several): it
    cannot be written through."""
    held = [Claim(f"d@{n}", "d", "", "killed", "all", n, n, n, "", n, n + 1, "", n, n + 1, "")
            for n in range(3)]
    table = ClaimTable(held)
    codes, words = table.coded("category")
    assert [words[c] for c in codes.tolist()] == ["killed"] * 3
    with pytest.raises(ValueError, match="read-only"):
        codes[0] = 1
    assert np.shares_memory(codes, table.coded("category")[0])
    assert [c.category for c in table] == ["killed"] * 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(2 ** 62), 2 ** 62), max_size=60))
def test_sorted_distinct_is_np_unique_made_in_place(values: list[int]) -> None:
    from accord.claim_table import sorted_distinct

    given_values = np.array(values, dtype=np.int64)
    assert sorted_distinct(given_values).tolist() == np.unique(np.array(values,
                                                                        dtype=np.int64)).tolist()
    assert given_values.tolist() == sorted(values)  # sorted where it lies


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2 ** 63) + 1, 2 ** 63 - 1),
                          st.sampled_from([-(2 ** 15), -(2 ** 31), 2 ** 15, 2 ** 31, 0])),
                min_size=1, max_size=40),
       st.integers(0, 39))
def test_a_column_widens_when_a_value_does_not_fit_and_keeps_its_nones(
        values: list[int | None], at: int) -> None:
    """Years start as 16-bit numbers, offsets 32-bit: a value past either (or equal to the
    narrow type's None) widens the column, and the values and Nones before it read back."""
    at = min(at, len(values) - 1)
    held = [Claim(f"d@{n}-{n}", "d", "", "killed", "all", 1, 1, 1, "", n, n, "", n, n, "",
                  context_year=value) for n, value in enumerate(values)]
    held[at] = replace(held[at], start=values[at])
    table = ClaimTable(held)
    assert list(table) == held
    assert table.numbers("context_year").tolist() == [
        NONE["q"] if v is None else v for v in values]


def test_a_word_column_widens_past_a_byte_and_two() -> None:
    """A column's codes are bytes until its 257th word, then 16-bit, then 32-bit: every word
    reads back, and coded() gives numbers as wide as the column."""
    docs = [f"d{n:06d}" for n in range(70_000)]
    held = [Claim(f"{d}@0-1", d, "", "killed", "all", 1, 1, 1, "", 0, 1, "", 0, 1, "")
            for d in docs]
    table = ClaimTable(held[:256])
    assert table.coded("doc")[0].dtype == np.uint8
    for c in held[256:300]:
        table.append(c)
    assert table.coded("doc")[0].dtype == np.uint16
    for c in held[300:]:
        table.append(c)
    codes, words = table.coded("doc")
    assert codes.dtype == np.int32
    assert [words[c] for c in codes.tolist()] == docs
    assert [c.id for c in table.take([0, 255, 256, 69_999])] == [
        "d000000@0-1", "d000255@0-1", "d000256@0-1", "d069999@0-1"]
    table.set_events([str(n % 300) for n in range(len(held))])
    assert table.coded("event")[0].dtype == np.uint16
    assert [c.event for c in table.take([0, 299, 300])] == ["0", "299", "0"]


def test_a_value_past_64_bits_is_a_clear_error() -> None:
    claim = Claim("d@0-1", "d", "", "killed", "all", 2 ** 64, 1, 1, "", 0, 1, "", 0, 1, "")
    with pytest.raises(OverflowError, match="64-bit"):
        ClaimTable([claim])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-2, 2)), max_size=40),
       st.integers(1, 5), st.booleans(), st.randoms())
def test_run_starts_compared_a_block_at_a_time_as_whole(
        rows: list[tuple[int, int]], block: int, ordered: bool, rng: Any) -> None:
    """Runs that cross the blocks run_starts compares are found as a whole pass finds them."""
    import accord.claim_table as claim_table
    from accord.claim_table import run_starts

    columns = [np.array([r[k] for r in rows], dtype=np.int64) for k in (0, 1)]
    order = np.array(rng.sample(range(len(rows)), len(rows)), dtype=np.int64) if ordered \
        else None
    seen = [tuple(int(c[n]) for c in columns)
            for n in (order.tolist() if order is not None else range(len(rows)))]
    expected = [n == 0 or seen[n] != seen[n - 1] for n in range(len(seen))]
    before = claim_table.RUN_BLOCK
    claim_table.RUN_BLOCK = block
    try:
        assert run_starts(columns, order).tolist() == expected
    finally:
        claim_table.RUN_BLOCK = before


def _claim(doc: str, n: int, parent: str | None = None) -> Claim:
    return Claim(f"{doc}@{n}-{n + 1}", doc, "", "killed", "children" if parent else "all",
                 n, n, n, "", 0, 1, "", n, n + 1, "", "", parent, None, None, None)


def test_a_table_in_document_order_looks_up_one_documents_own_words_at_a_time() -> None:
    """A document's id and its claims' ids (parents) recur in no other document: a table
    read in document order keeps a lookup of the current document's only; when the claims
    leave that order it looks every word up again, so a document seen before keeps its
    number."""
    ordered = [_claim(d, n, f"{d}@0-1" if n else None) for d in ("a", "b", "c")
               for n in range(3)]
    table = ClaimTable(ordered)
    assert table._number_of["doc"] == {"c": 2}
    assert set(table._number_of["parent"]) == {None, "c@0-1"}  # none stays, for every one
    assert table.coded("parent")[1].count(None) == 1
    assert table.referenced_rows("parent").tolist() == [-1, 0, 0, -1, 3, 3, -1, 6, 6]
    assert list(table) == ordered
    again = [*ordered, _claim("a", 5, "a@0-1"), _claim("b", 6)]
    table = ClaimTable(again)
    codes, words = table.coded("doc")
    assert not table.doc_sorted and words == ["a", "b", "c"]
    assert codes.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 1]
    assert table.referenced_rows("parent").tolist()[-2:] == [0, -1]
    assert list(table) == again
    foreign = [*ordered[:3], _claim("b", 1, "a@0-1"), _claim("c", 1, "x")]
    table = ClaimTable(foreign)  # a total in another document: every word looked up again
    parents = table.coded("parent")[1]
    assert sorted(parents, key=str) == [None, "a@0-1", "x"]  # "a@0-1" once
    assert table.referenced_rows("parent").tolist() == [-1, 0, 0, 0, -1]
    assert list(table) == foreign


def _everything(table: ClaimTable, held: list[Claim]) -> dict[str, Any]:
    """What the passes read of a table, each way they read it."""
    got: dict[str, Any] = {"claims": list(table), "values": list(claim_values(table, COLUMNS))}
    if held:
        rows = [n * 7 % len(held) for n in range(len(held))]  # scattered, repeated
        got["taken"] = table.take(rows)
        got["rows"] = list(table.rows(np.array(rows, dtype=np.int64)))
    for name in WORDS:
        codes, words = table.coded(name)
        got[name] = [words[c] for c in codes.tolist()]
    for name in NUMBERS:
        got[name] = number_column(table, name).tolist()
    got["parents"] = table.referenced_rows("parent").tolist()
    got["facts"] = [[rows.tolist() for rows in facts] for facts in fact_rows(table)]
    return got


@settings(max_examples=100, deadline=None)
@given(claims())
def test_a_sealed_table_reads_as_it_did_and_takes_no_more_claims(held: list[Claim]) -> None:
    """seal() moves the columns to a mapped file: every way a pass reads them reads the
    same, events can still be set and columns set aside, and no claim can be added."""
    table = ClaimTable(held)
    before = _everything(table, held)
    table.seal()
    assert table.sealed == bool(held)  # an empty table stays as it is
    assert _everything(table, held) == before
    assert all(type(v) is int for c in table for v in (c.value, c.start) if v is not None)
    if not held:
        return
    with pytest.raises(RuntimeError, match="sealed"):
        table.append(held[0])
    assert len(table) == len(held) and list(table) == before["claims"]
    codes = table.coded("category")[0]
    with pytest.raises(ValueError, match="read-only"):
        codes[0] = 1
    moved_to = [f"{c.event}!" if n % 2 else c.event for n, c in enumerate(held)]
    events = table.events()
    table.set_events(moved_to)
    assert [c.event for c in table] == moved_to
    assert table.moved(events).tolist() == [n for n in range(len(held)) if n % 2]
    with table.set_aside(), pytest.raises(RuntimeError, match="set aside"):
        table.take([0])
    assert [c.event for c in table] == moved_to
    assert [c.id for c in table] == [c.id for c in held]


def _mapped_kb(table: ClaimTable) -> int:
    """The pages of a sealed table's file the process has mapped in (Linux: smaps), in kB."""
    start = table._part(COLUMNS[0]).ctypes.data  # the first column starts the file
    mapped = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            low, high = (int(x, 16) for x in head.split("-"))
            mapped = low <= start < high
        elif mapped and head == "Rss:":
            return int(line.split()[1])
    raise AssertionError("the table's file is not mapped")


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux's smaps")
def test_a_sealed_tables_pages_are_handed_back_after_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What a pass maps in of a sealed table is handed back by release() (a finish's stages
    call it as they end), and by reads, column by column, once they mapped in
    RELEASE_PAGES (a pass in order as a scattered one); the columns read the same
    afterwards."""
    from accord import claim_table
    from accord.claim_table import release_sealed

    n = 200_000
    held = [Claim(f"d{k // 10}@{k}-{k + 1}", f"d{k // 10}", "e", "killed", "all", k % 977,
                  k % 977, k % 977, "", k, k + 9, "", k, k + 1, "") for k in range(n)]
    table = ClaimTable(held)
    table.seal()
    del held
    assert _mapped_kb(table) == 0  # none read yet
    totals = [int(number_column(table, name).sum()) for name in ("start", "figure_end")]
    assert sum(int(table.coded(name)[0].sum()) for name in ("doc", "category")) > 0
    assert _mapped_kb(table) > 1000  # four columns of 200,000 claims read: mapped in
    table.release()
    assert _mapped_kb(table) == 0
    assert [int(number_column(table, name).sum()) for name in ("start", "figure_end")] == totals
    assert _mapped_kb(table) > 0
    release_sealed()  # every sealed table alive
    assert _mapped_kb(table) == 0
    # 200,000 32-bit starts are 196 pages: read in order, a block at a time, at most
    # RELEASE_PAGES and a block's stay mapped in
    monkeypatch.setattr(claim_table, "RELEASE_PAGES", 16)
    assert [start for (start,) in table.values(("start",))] == list(range(n))
    assert 0 < _mapped_kb(table) <= (16 + claim_table.BLOCK * 4 // 4096 + 2) * 4
    release_sealed()
    rows = list(range(0, n, n // 512))  # scattered over every page
    claims = table.take(rows)
    assert [c.start for c in claims] == rows and claims[-1].id == f"d{rows[-1] // 10}@" \
        f"{rows[-1]}-{rows[-1] + 1}"
    assert _mapped_kb(table) == 0  # each column handed back as soon as it was read
    few = table.take(rows[:10])  # a few rows: kept mapped until the stage ends
    assert [c.value for c in few] == [k % 977 for k in rows[:10]]
    assert _mapped_kb(table) > 0


@settings(max_examples=100, deadline=None)
@given(claims(), st.data())
def test_a_table_reordered_reads_the_claims_in_that_order(held: list[Claim],
                                                          data: st.DataObject) -> None:
    """reordered() and in_order(): the claims at the rows given, in their order, from a
    sealed table of their own or from a list; fact_order lists every row once, each fact's
    rows a run, as fact_rows gives them."""
    from accord.claim_table import fact_order, in_order

    table = ClaimTable(held)
    table.set_events([f"e{n % 3}" for n in range(len(held))])  # an event set in memory
    if data.draw(st.booleans()):
        table.seal()
    expected = list(table)
    order = np.array(data.draw(st.permutations(range(len(held)))), dtype=np.int32)
    for other in (table.reordered(order), in_order(table, order), in_order(expected, order)):
        assert list(other) == [expected[n] for n in order.tolist()]
        assert list(claim_values(other, COLUMNS)) == \
            [tuple(getattr(expected[n], name) for name in COLUMNS) for n in order.tolist()]
        assert referenced_rows_of(other) == referenced_rows_of([expected[n]
                                                               for n in order.tolist()])
    again = table.reordered(order)
    assert again.sealed == bool(held)
    again.set_events([f"{c.event}+" for c in again])  # numbered among the words both share
    assert [c.event for c in again] == [f"{expected[n].event}+" for n in order.tolist()]
    assert list(table) == expected  # the table it came from reads as it did
    rows, bounds = fact_order(table)
    assert sorted(rows.tolist()) == list(range(len(held)))
    facts = [[rows[a:b].tolist() for a, b in pairwise(edges)]
             for edges in bounds]
    assert facts == [[r.tolist() for r in of_event] for of_event in fact_rows(table)]


def referenced_rows_of(claims: Any) -> list[int]:
    from accord.claim_table import referenced_rows

    return referenced_rows(claims, "parent").tolist()
