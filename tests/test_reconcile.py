"""Reconcile: facts, agreement and conflict, low/best/high, anomalies."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.ingest import text_document
from accord.pipeline import analyse
from accord.reconcile import compatible
from accord.vocab import Vocab

REPORTS = {
    "a.txt": "The ferry sank off the island on Friday. Officials said 86 people died "
             "and 140 were rescued. The dead included 30 children.",
    "b.txt": "At least 86 passengers were killed when the ferry sank, and 140 were rescued "
             "by fishermen. Among the dead were 31 children.",
    "c.txt": "The ferry disaster killed 92 people, including 930 children, the coast guard said. "
             "Later the agency said 86 people died. It added that 140 people were killed "
             "and 140 were rescued.",
}


def result_of(vocab: Vocab) -> object:
    docs = [text_document(name, text) for name, text in REPORTS.items()]
    return analyse(docs, vocab)


def fact(result: object, category: str, group: str) -> object:
    return next(f for f in result.facts if (f.category, f.group) == (category, group))


def test_facts_values_and_status(vocab: Vocab) -> None:
    result = result_of(vocab)
    killed = fact(result, "killed", "all")
    assert killed.status == "conflict"
    assert killed.best == 86
    assert (killed.low, killed.high) == (86, 140)
    # "86" and "at least 86" are different statements, each with who states it
    by_stated = {(v.value, v.high): v for v in killed.values}
    assert sorted(by_stated[(86, 86)].docs) == ["a.txt", "c.txt"]
    assert by_stated[(86, None)].docs == ["b.txt"] and by_stated[(86, None)].qualifiers == [
        "at_least"]
    assert by_stated[(92, 92)].docs == ["c.txt"]
    rescued = fact(result, "rescued", "all")
    assert rescued.status == "agree" and rescued.best == 140


def test_anomalies(vocab: Vocab) -> None:
    result = result_of(vocab)
    kinds = {(a.kind, a.doc) for a in result.anomalies}
    assert ("subgroup_exceeds_total", "c.txt") in kinds
    assert ("within_document_conflict", "c.txt") in kinds
    assert ("category_swap", "c.txt") in kinds
    assert not any(a.doc in ("a.txt", "b.txt") for a in result.anomalies)
    swap = next(a for a in result.anomalies if a.kind == "category_swap")
    assert "140 killed" in swap.detail and "rescued" in swap.detail
    claims = {c.id: c for c in result.claims}
    assert all(cid in claims for a in result.anomalies for cid in a.claims)


def test_single_source_and_compatibility(vocab: Vocab) -> None:
    docs = [text_document("only.txt", "The blaze destroyed 12 houses."),
            text_document("x.txt", "More than 7,000 people lived in the town."),
            text_document("y.txt", "About 7,000 people lived in the town.")]
    result = analyse(docs, vocab)
    assert fact(result, "damaged_buildings", "all").status == "single_source"
    assert fact(result, "population", "all").status == "agree"
    a, b = (c for c in result.claims if c.category == "population")
    assert compatible(a, b)


def _similar_pairs(sets: dict[str, set[int]], threshold: float) -> set[tuple[str, str]]:
    """_similar_set_pairs on sets keyed by id, the pairs by id."""
    from accord.reconcile import _similar_set_pairs

    ids = sorted(sets)
    bounds = np.cumsum([0, *(len(sets[i]) for i in ids)])
    items = np.array([x for i in ids for x in sorted(sets[i])], dtype=np.int32)
    return {(ids[a], ids[b]) for a, b in _similar_set_pairs(bounds, items, threshold)}


def _prefix_pairs_with_dicts(sets: dict[str, set[int]], threshold: float, cap: int
                             ) -> list[tuple[str, str]]:
    """Prefix filtering as a dict of posting lists does it, item by item: what the arrays
    of _similar_set_pairs must give, cap (MAX_POSTINGS) included."""
    frequency = Counter(x for items in sets.values() for x in items)
    rank = {x: n for n, x in enumerate(sorted(frequency, key=lambda x: (frequency[x], x)))}
    seen: dict[int, list[str]] = defaultdict(list)
    out = []
    for doc in sorted(sets):
        items = sorted(sets[doc], key=rank.__getitem__)
        others: set[str] = set()
        for item in items[:len(items) - math.ceil(threshold * len(items)) + 1]:
            if len(others) < cap:
                others.update(seen[item][-(cap - len(others)):])
            seen[item].append(doc)
        out += [(other, doc) for other in sorted(others)]
    return out


def test_prefix_filter_finds_every_pair_all_pairs_finds() -> None:
    import itertools
    import random

    rng = random.Random(4)
    sets = {f"d{n}": {rng.randrange(40) for _ in range(rng.randint(1, 12))} for n in range(80)}
    for t in (0.3, 0.5, 0.8):
        brute = {(a, b) for a, b in itertools.combinations(sorted(sets), 2)
                 if len(sets[a] & sets[b]) / len(sets[a] | sets[b]) >= t}
        found = _similar_pairs(sets, t)
        assert brute and brute <= found
        assert len(found) < 80 * 79 // 2  # and it did not compare all pairs


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text("abc", min_size=1, max_size=4),
                       st.sets(st.integers(0, 30), min_size=1, max_size=9), max_size=40),
       st.sampled_from([0.0, 0.3, 0.5, 0.9]), st.integers(1, 6))
def test_posting_lists_as_arrays_give_the_pairs_dicts_give_in_their_order(
        sets: dict[str, set[int]], threshold: float, cap: int) -> None:
    """The posting lists are one array: the same candidates as dicts of lists give, in the
    same order, the cap on a set's candidates (MAX_POSTINGS) included."""
    from accord import reconcile

    ids = sorted(sets)
    bounds = np.cumsum([0, *(len(sets[i]) for i in ids)])
    items = np.array([x for i in ids for x in sorted(sets[i])], dtype=np.int32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reconcile, "MAX_POSTINGS", cap)
        found = [(ids[a], ids[b])
                 for a, b in reconcile._similar_set_pairs(bounds, items, threshold)]
    assert found == _prefix_pairs_with_dicts(sets, threshold, cap)


def test_many_documents_with_one_figure_set_give_linear_pairs() -> None:
    from accord.reconcile import MAX_POSTINGS

    sets = {f"d{n:04d}": {1, 2, 3, 4, n % 3 + 10} for n in range(1500)}
    found = _similar_pairs(sets, 0.3)
    assert len(found) <= 1500 * MAX_POSTINGS
    linked = {d for pair in found for d in pair}
    assert linked == set(sets)  # every document is still paired with others of its cluster
