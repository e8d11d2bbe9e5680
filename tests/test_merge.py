"""Merging new claims into a stored fact gives the fact that all the claims make."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.chronology import order_facts, period_of, rise
from accord.extract import claim_document, claim_position
from accord.merge import FactKey, Position, ValueKey, merge_fact
from accord.model import Claim, Document, Fact, Statement
from accord.reconcile import build_facts
from accord.vocab import Vocab

KEY = ("ev-2024", "killed", "all")
DATES = [None, "2024", "2024-07", "2024-07-02", "2024-07-03", "2024-08", "not a date"]
STATED = [(10, None, None), (12, None, None), (None, 10, 20), (None, 15, 30), (30, 30, None),
          (None, None, 5), (121, None, None), (116, None, None)]
QUALIFIERS = ["exact", "about", "at_least", "more_than", "up_to", "range"]


def _claim(doc: str, start: int, value: tuple[int | None, int | None, int | None],
           qualifier: str) -> Claim:
    return Claim(id=f"{doc}@{start}-{start + 3}", doc=doc, event=KEY[0], category=KEY[1],
                 group=KEY[2], value=value[0], low=value[1], high=value[2],
                 qualifier=qualifier, start=0, end=1, text="", figure_start=start,
                 figure_end=start + 3, stated="", cue="")


class _Stored:
    """The store's answers, from the earlier claims."""

    def __init__(self, claims: list[Claim], published: dict[str, str | None]) -> None:
        self.claims = claims
        self.published = published
        self.reads = 0
        self.dated_reads = 0

    def qualifier_firsts(self, key: FactKey, value: ValueKey) -> dict[str, Position]:
        self.reads += 1
        out: dict[str, Position] = {}
        for c in sorted(self.claims, key=lambda c: c.position):
            if (c.value, c.low, c.high) == value:
                out.setdefault(c.qualifier, c.position)
        return out

    def statements_of(self, key: FactKey, docs: Sequence[str]) -> list[Statement]:
        self.reads += 1
        return [Statement(c.value, c.low, c.high, c.qualifier) for c in self.claims
                if c.doc in set(docs)]

    def dated_statements(self, key: FactKey) -> list[tuple[str, Statement]]:
        self.dated_reads += 1
        return [(published, Statement(c.value, c.low, c.high, c.qualifier))
                for c in self.claims if (published := self.published[c.doc])]


def _fact(claims: list[Claim], docs: list[Document], timelines: bool = False) -> Fact:
    """The fact of ``claims``, as a store gives it (without its timeline)."""
    claims = sorted(claims, key=lambda c: c.position)
    facts = build_facts(claims)
    order_facts(facts, claims, docs, timelines=timelines)
    assert len(facts) == 1
    return facts[0]


def _comparable(f: Fact) -> tuple[object, ...]:
    return (f.status, f.best, f.low, f.high, f.timeline, f.undated,
            [(v.value, v.low, v.high, v.qualifiers, v.docs, v.claims) for v in f.values])


documents = st.lists(
    st.tuples(st.text("abz019", min_size=1, max_size=3), st.sampled_from(DATES),
              st.booleans(),
              st.lists(st.tuples(st.integers(0, 60), st.sampled_from(STATED),
                                 st.sampled_from(QUALIFIERS)), min_size=1, max_size=4)),
    min_size=2, max_size=9, unique_by=lambda d: d[0])


@settings(max_examples=400, deadline=None)
@given(documents)
def test_merged_fact_is_the_fact_of_all_claims(spec: list[tuple[str, str | None, bool,
                                                                list[tuple[int, ...]]]]) -> None:
    docs = [Document(id=name, text="", published=date) for name, date, _, _ in spec]
    claims: dict[str, list[Claim]] = {}
    for name, _, _, stated in spec:
        by_start = {start: (value, qualifier) for start, value, qualifier in stated}
        claims[name] = [_claim(name, s, v, q) for s, (v, q) in by_start.items()]  # type: ignore
    old = [c for name, _, is_new, _ in spec if not is_new for c in claims[name]]
    new = [c for name, _, is_new, _ in spec if is_new for c in claims[name]]
    if not old or not new:
        return
    published = {d.id: d.published for d in docs}
    stored = _Stored(old, published)
    before = _fact(old, docs)
    merged = merge_fact(before, new, published, stored)
    assert _comparable(merged) == _comparable(_fact(old + new, docs))
    # whether a dated statement is above a later one: kept where worked out (always for a
    # conflict with dated statements), and then as all the claims say
    dated = [(period, c) for c in old + new
             if (period := period_of(published[c.doc])) is not None]
    if merged.status == "conflict" and dated:
        assert merged.falls is not None
    if merged.falls is not None:
        assert merged.falls == (rise(dated) == "falls")
    if before.falls:  # a fall stays, whatever is added: the earlier claims are not read
        assert stored.dated_reads == 0


def test_claim_position_reads_what_an_extracted_claim_holds(khojaly: Path, hathras: Path,
                                                             vocab: Vocab) -> None:
    from accord.clean import clean
    from accord.extract import extract
    from accord.ingest import ingest

    claims = [c for doc in ingest([str(khojaly), str(hathras)]).documents
              for c in extract(clean(doc, vocab), vocab)]
    assert len(claims) > 50
    for c in claims:
        assert claim_position(c.id) == c.position
        assert claim_document(c.id) == c.doc


def test_merging_reads_the_store_only_when_it_must() -> None:
    """New documents after every earlier one: no qualifier's first claim or undated statement
    is read; the earlier dated statements only while the fact may still rise."""
    docs = [Document(id=f"d{n}", text="", published=f"2024-07-0{n + 1}") for n in range(5)]
    published = {d.id: d.published for d in docs}
    old = [_claim("d0", 5, (10, None, None), "exact"), _claim("d1", 5, (10, None, None), "about"),
           _claim("d2", 5, (12, None, None), "exact")]
    new = [_claim("d3", 5, (10, None, None), "about"), _claim("d3", 9, (9, None, None), "exact")]
    stored = _Stored(old, published)
    before = _fact(old, docs)
    assert before.status == "grows_over_time" and before.falls is False
    merged = merge_fact(before, new, published, stored)
    assert stored.reads == 0
    assert stored.dated_reads == 1  # it rose: whether it still does needs every statement
    assert _comparable(merged) == _comparable(_fact(old + new, docs))
    assert merged.values[0].docs == ["d0", "d1", "d3"]
    assert merged.status == "conflict" and merged.falls  # 9 and 12 after 10: no rise

    stored = _Stored(old + new, published)  # once it falls, nothing is read
    again = merge_fact(merged, [_claim("d4", 5, (14, None, None), "exact")], published, stored)
    assert (stored.reads, stored.dated_reads) == (0, 0)
    assert again.status == "conflict" and again.falls


class _PeopleStore:
    """What _swap_candidates reads of a store, from a list of claims."""

    def __init__(self, claims: list[Claim]) -> None:
        self.stored = claims

    def claims_with_values(self, values: dict[tuple[str, str, str], set[int]]) -> list[str]:
        return [c.id for c in self.stored if c.value in values.get(c.key, set())]

    def claims(self, *, ids: list[str], text: bool) -> list[Claim]:
        return [c for c in self.stored if c.id in set(ids)]


people = st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]),
                            st.sampled_from(["killed", "injured", "missing", "deaths"]),
                            st.sampled_from(["all", "children"]),
                            st.sampled_from([3, 7, 12, None])),
                  min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(people, st.sets(st.sampled_from(["a", "b", "c", "d", "e"])))
def test_category_swaps_among_the_candidates_alone_are_those_among_all_claims(
        spec: list[tuple[str, str, str, int | None]], added: set[str]) -> None:
    """accord add looks for category swaps among a few claims: the same swaps, worded the
    same, as among every claim of the facts (the added documents' claims in memory, the
    others in the store)."""
    from accord.incremental import _swap_candidates
    from accord.reconcile import category_swaps, shared_people_values

    claims = []
    for n, (doc, category, group, value) in enumerate(spec):
        c = _claim(doc, n, (value, None, None), "exact")
        c.category, c.group = category, group
        claims.append(c)
    new = [c for c in claims if c.doc in added]
    old = [c for c in claims if c.doc not in added]
    facts = build_facts(sorted(claims, key=lambda c: c.position))
    every = category_swaps(sorted(claims, key=lambda c: c.position), facts)
    shared = [(c.id, c.event) for c in shared_people_values(old)]
    some = _swap_candidates(_PeopleStore(old), facts, new, shared)  # type: ignore[arg-type]
    assert category_swaps(some, facts) == every
