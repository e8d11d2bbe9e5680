"""Reconcile's checks, indexed to hold little at scale, against their plain definitions.

category_swaps, within_document_conflicts and subgroup_anomalies index only what they need,
and order_facts sorts every dated claim once (a crawl has a million claims); here random
corpora check that they find exactly what a straightforward reading of each rule finds, in
the same order.
"""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.chronology import Period, order_facts
from accord.claim_table import claims_at, coded_column, fact_rows, figure_column
from accord.fact_stream import FACT_FIELDS, streamed_fact
from accord.model import Anomaly, Claim, Document, Fact
from accord.reconcile import (
    PEOPLE_CATEGORIES,
    _distinct,
    _fmt,
    build_facts,
    category_swaps,
    compatible,
    fact_summary,
    independence,
    subgroup_anomalies,
    swap_anomaly,
    swap_candidate_rows,
    swaps_among,
    within_document_conflicts,
)

CATEGORIES = (*PEOPLE_CATEGORIES[:3], "population")
QUALIFIERS = ("exact", "at_least", "about", "up_to")


@st.composite
def corpora(draw: st.DrawFn) -> list[Claim]:
    claims: list[Claim] = []
    for d in range(draw(st.integers(1, 5))):
        doc = f"d{d}"
        for n in range(draw(st.integers(0, 10))):
            value = draw(st.sampled_from((None, 5, 7, 7, 40)))  # values often coincide
            low, high = (value, value) if value is not None else (2, 9)
            qualifier = draw(st.sampled_from(QUALIFIERS)) if value is not None else "range"
            start = draw(st.integers(0, 3)) * 50
            parent = draw(st.sampled_from([None, *(c.id for c in claims if c.doc == doc)]))
            claims.append(Claim(
                f"{doc}@{n}", doc, draw(st.sampled_from(("e1", "e2"))),
                draw(st.sampled_from(CATEGORIES)), draw(st.sampled_from(("all", "children"))),
                value, low, high, qualifier, start, start + 40, "", start + n, start + n + 1,
                "", parent=parent))
    return claims


def plain_swaps(claims: list[Claim], facts: list[Fact]) -> list[Anomaly]:
    """The rule as first written: every claim indexed, every sibling compared."""
    best = {(f.event, f.category, f.group): f for f in facts}
    order = {category: n for n, category in enumerate(PEOPLE_CATEGORIES)}
    by_doc_value: dict[tuple[object, ...], list[Claim]] = defaultdict(list)
    for o in claims:
        if o.value is not None:
            by_doc_value[(o.doc, o.event, o.category, o.group, o.value)].append(o)
    out, seen = [], set()
    for c in claims:
        if c.category not in order or c.value is None:
            continue
        marker = (c.doc, c.event, c.category, c.group, c.value)
        own = best.get(c.key)
        if marker in seen or own is None or own.best == c.value or \
                own.status == "single_source":
            continue
        siblings = {k[1] for k, f in best.items() if k[0] == c.event and k[2] == c.group
                    and k[1] in order and f.best == c.value}
        siblings |= {o.category for o in claims if o.category in order and
                     (o.doc, o.event, o.group, o.value) == (c.doc, c.event, c.group, c.value)}
        siblings.discard(c.category)
        if not siblings:
            continue
        sibling = min(siblings, key=order.__getitem__)
        other = best.get((c.event, sibling, c.group))
        same_doc = by_doc_value.get((c.doc, c.event, sibling, c.group, c.value), [])
        seen.add(marker)
        out.append(swap_anomaly(c, sibling, len(other.docs) if other else 1, same_doc,
                                own.best))
    return out


def plain_conflicts(claims: list[Claim]) -> list[Anomaly]:
    grouped: dict[tuple[str, str, str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        grouped[(c.doc, *c.key)].append(c)
    out = []
    for (doc, _event, category, group), members in sorted(grouped.items()):
        stated = list(_distinct(members).values())
        pairs = []
        for i, a in enumerate(stated):
            for b in stated[i + 1:]:
                apart = [(x, y) for x in a[:3] for y in b[:3] if x.start != y.start]
                if not compatible(a[0], b[0]) and apart:
                    pairs.append(apart[0])
        if pairs:
            out.append(Anomaly(
                "within_document_conflict", doc,
                f"{category}/{group}: the same document states "
                + " and ".join(sorted({_fmt(c) for pair in pairs for c in pair})),
                sorted({c.id for pair in pairs for c in pair})))
    return out


def plain_subgroups(claims: list[Claim]) -> list[tuple[str, str]]:
    by_id = {c.id: c for c in claims}
    return [(c.id, c.parent) for c in claims
            if c.group != "all" and c.low is not None and c.parent in by_id
            and by_id[c.parent].high is not None and c.low > by_id[c.parent].high]


@settings(max_examples=300, deadline=None)
@given(corpora())
def test_indexed_checks_find_what_the_plain_rules_find(claims: list[Claim]) -> None:
    facts = build_facts(claims)
    assert category_swaps(claims, facts) == plain_swaps(claims, facts)
    assert list(within_document_conflicts(claims)) == plain_conflicts(claims)
    found = subgroup_anomalies(claims)
    assert [(a.claims[0], a.claims[1]) for a in found] == plain_subgroups(claims)


@settings(max_examples=300, deadline=None)
@given(corpora())
def test_swaps_among_an_events_candidate_rows_are_those_among_all_claims(
        claims: list[Claim]) -> None:
    """A finish makes only the claims swap_candidate_rows picks, a fact's claims at a time
    (fact_rows), and gives category_swaps' summaries of the facts, not the facts."""
    facts = build_facts(claims)
    best = {(f.event, f.category, f.group): fact_summary(f) for f in facts}
    columns = (coded_column(claims, "doc")[0], coded_column(claims, "category")[0],
               coded_column(claims, "group")[0], figure_column(claims, "value"))
    found = []
    for of_event in fact_rows(claims):
        keyed = [(claims[int(rows[0])].key, rows) for rows in of_event]
        assert all(claims[int(n)].key == key for key, rows in keyed for n in rows)
        found += swaps_among(claims_at(claims, swap_candidate_rows(keyed, columns, best)), best)
    position = {c.id: n for n, c in enumerate(claims)}
    assert sorted(found, key=lambda a: position[a.claims[0]]) == \
        sorted(category_swaps(claims, facts), key=lambda a: position[a.claims[0]])


def test_the_generator_makes_swaps_and_conflicts() -> None:
    """The property above bites: a fixed corpus in its shape yields both kinds."""
    def claim(n: int, doc: str, category: str, value: int, start: int) -> Claim:
        return Claim(f"{doc}@{n}", doc, "e1", category, "all", value, value, value, "exact",
                     start, start + 40, "", start, start + 1, "")

    claims = [claim(0, "d0", "killed", 5, 0), claim(1, "d1", "killed", 5, 0),
              claim(2, "d2", "killed", 7, 0), claim(3, "d2", "injured", 7, 50),
              claim(4, "d3", "injured", 7, 0), claim(5, "d2", "killed", 40, 100)]
    facts = build_facts(claims)
    assert [a.kind for a in category_swaps(claims, facts)] == ["category_swap"]
    assert plain_swaps(claims, facts) == category_swaps(claims, facts)
    assert [a.doc for a in within_document_conflicts(claims)] == ["d2"]


@settings(max_examples=200, deadline=None)
@given(corpora(), st.lists(st.sampled_from((None, "2020", "2020-03", "2020-03-02",
                                            "2021-01-05")), min_size=5, max_size=5))
def test_timelines_follow_publication_then_claim_order(claims: list[Claim],
                                                       dates: list[str | None]) -> None:
    """Each fact's timeline is its dated claims sorted by publication (first day, last day),
    ties in claim order; undated documents are listed, never placed."""
    docs = [Document(id=f"d{n}", text="", published=date) for n, date in enumerate(dates)]
    facts = build_facts(claims)
    order_facts(facts, claims, docs)
    published = {d.id: Period.parse(d.published) for d in docs}
    for f in facts:
        members = [c for c in claims if c.key == (f.event, f.category, f.group)]
        dated = sorted((c for c in members if published[c.doc] is not None),
                       key=lambda c: (published[c.doc].first, published[c.doc].last))
        assert [t.claim for t in f.timeline] == [c.id for c in dated]
        assert f.undated == sorted({c.doc for c in members if published[c.doc] is None})


@settings(max_examples=300, deadline=None)
@given(corpora(), st.lists(st.sampled_from((None, "2020", "2020-03", "2020-03-02",
                                            "2021-01-05")), min_size=5, max_size=5))
def test_a_fact_made_from_its_claims_fields_is_the_one_its_claims_make(
        claims: list[Claim], dates: list[str | None]) -> None:
    """A finish makes each fact from its claims' fields read from the claim table
    (streamed_fact), not from the claims: the same values, status (rising counts
    included), bounds, undated documents, fall and independence as build_facts,
    independence and order_facts give."""
    docs = [Document(id=f"d{n}", text="", published=date) for n, date in enumerate(dates)]
    published = {d.id: d.published for d in docs}
    groups = [["d0", "d1"], ["d2"], ["d3", "d4"]]
    facts = build_facts(claims)
    independence(facts, groups)
    order_facts(facts, claims, docs, timelines=False)
    for fact in facts:
        key = (fact.event, fact.category, fact.group)
        rows = [tuple(getattr(c, name) for name in FACT_FIELDS) for c in claims if c.key == key]
        made = streamed_fact(key, rows, published.__getitem__)  # type: ignore[arg-type]
        independence([made], groups)
        assert made == fact and made.falls == fact.falls


def test_the_facts_made_from_fields_rise_fall_and_conflict() -> None:
    """The property above bites: a fixed corpus in its shape gives each status and fall."""
    def row(n: int, doc: str, value: int) -> tuple[str, str, int, int, int, str]:
        return (f"{doc}@{n}", doc, value, value, value, "exact")

    dates = {"d0": "2020-01-02", "d1": "2020-01-05", "d2": None, "d3": "2020-01-09"}
    key = ("e1", "killed", "all")
    rising = streamed_fact(key, [row(0, "d0", 5), row(1, "d1", 7), row(2, "d2", 7)],
                           dates.__getitem__)
    falling = streamed_fact(key, [row(0, "d0", 9), row(1, "d1", 7)], dates.__getitem__)
    apart = streamed_fact(key, [row(0, "d0", 5), row(1, "d1", 7), row(2, "d2", 40)],
                          dates.__getitem__)
    alone = streamed_fact(key, [row(0, "d3", 5), row(1, "d3", 7)], dates.__getitem__)
    agreeing = streamed_fact(key, [row(0, "d0", 5), row(1, "d3", 5)], dates.__getitem__)
    assert (rising.status, rising.falls, rising.undated) == ("grows_over_time", False, ["d2"])
    assert (falling.status, falling.falls) == ("conflict", True)
    assert (apart.status, apart.falls) == ("conflict", False)
    assert (alone.status, agreeing.status) == ("single_source", "agree")
    assert [v.value for v in rising.values] == [7, 5] and rising.values[0].docs == ["d1", "d2"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), unique=True, max_size=25), st.data())
def test_pairs_sharing_text_coded_from_places_as_from_ids(numbers: list[int],
                                                          data: st.DataObject) -> None:
    """A finish codes the pairs sharing text from their places in its documents (walked
    beside the figure sets' ids when the documents are in id order, else looked up): the
    codes are those made from the pairs' ids, pairs with a document without figures left
    out."""
    import numpy as np

    from accord.pipeline import _sharing_codes
    from accord.reconcile import _pair_codes

    docs = [Document(f"d{n:03d}", "") for n in numbers]
    if data.draw(st.booleans()):
        docs.sort(key=lambda d: d.id)
    with_figures = sorted(d.id for d in docs if data.draw(st.booleans()))
    places = st.integers(0, max(len(docs) - 1, 0))
    pairs = data.draw(st.lists(st.tuples(places, places), max_size=40)) if docs else []
    codes = _sharing_codes(docs, with_figures,
                           np.array(pairs, dtype=np.int64).reshape(-1, 2))
    by_ids = _pair_codes(with_figures, [(docs[a].id, docs[b].id) for a, b in pairs])
    number = {doc_id: n for n, doc_id in enumerate(with_figures)}
    expected = sorted({min(x, y) * len(number) + max(x, y) for a, b in pairs
                       if (x := number.get(docs[a].id)) is not None
                       and (y := number.get(docs[b].id)) is not None})
    assert codes.tolist() == by_ids.tolist() == expected
