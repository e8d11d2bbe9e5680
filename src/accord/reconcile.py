"""Reconcile: group claims into facts and find values that are likely errors.

accord never decides what is true. A fact lists every distinct stated value with who states
it; ``best`` is only the most-stated value, ``low``/``high`` bound all of them, and each
anomaly names the claims it rests on and says in neutral words why it was flagged.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple, Protocol, cast

import numpy as np

from accord.claim_table import (
    NONE,
    claims_at,
    coded_column,
    figure_column,
    first_seen_numbers,
    picked_claims,
    referenced_rows,
    sorted_distinct,
)
from accord.model import Anomaly, Claim, Fact, FactValue, FigureKey

FINGERPRINT_MIN_SHARED = 3
FINGERPRINT_MIN_SIMILARITY = 0.3
MAX_POSTINGS = 100
SINK_BATCH = 10_000  # fingerprint pairs handed to a sink at a time
PAIR_BLOCK = 1 << 16  # candidate fingerprint pairs compared at once

#: categories whose figures are counts of what happened to people, compared for swaps
PEOPLE_CATEGORIES = ("killed", "injured", "missing", "hostage", "arrested", "displaced",
                     "rescued")


class Stated(Protocol):
    """A statement of a figure: a claim, a timeline entry, or a value (no qualifier)."""

    @property
    def value(self) -> int | None: ...
    @property
    def low(self) -> int | None: ...
    @property
    def high(self) -> int | None: ...


def interval(c: Stated) -> tuple[float, float]:
    """The range a statement allows: "more than 7,000" runs to infinity, "up to 50" from 0."""
    low = c.low if c.low is not None else (c.value if c.value is not None else 0)
    high = c.high if c.high is not None else (c.value if c.value is not None else float("inf"))
    qualifier = getattr(c, "qualifier", None)  # a fact's value has qualifiers, not one
    if qualifier in ("at_least", "more_than") and c.high is None:
        high = float("inf")
    if qualifier in ("up_to", "fewer_than"):
        low = 0
    return float(low), float(high)


def compatible(a: Stated, b: Stated) -> bool:
    """Two statements can both hold ("more than 7,000" and "7,000"; "50-60" and "over 50")."""
    a_low, a_high = interval(a)
    b_low, b_high = interval(b)
    return a_low <= b_high and b_low <= a_high


def _values(claims: list[Claim]) -> list[FactValue]:
    by_value: dict[tuple[int | None, int | None, int | None], FactValue] = {}
    stating: dict[tuple[int | None, int | None, int | None], set[str]] = defaultdict(set)
    for c in claims:
        key = (c.value, c.low, c.high)
        fv = by_value.get(key)
        if fv is None:
            fv = by_value[key] = FactValue(c.value, c.low, c.high, [], [], [])
        if c.qualifier not in fv.qualifiers:
            fv.qualifiers.append(c.qualifier)
        if c.doc not in stating[key]:  # a set: a value may be stated by 10,000 documents
            stating[key].add(c.doc)
            fv.docs.append(c.doc)
        fv.claims.append(c.id)
    values = list(by_value.values())
    values.sort(key=lambda v: (-len(v.docs), v.value if v.value is not None else v.low or 0))
    return values


def _distinct(claims: list[Claim]) -> dict[tuple[object, ...], list[Claim]]:
    """Claims by what they state (value, bounds, qualifier): comparisons need one of each."""
    out: dict[tuple[object, ...], list[Claim]] = defaultdict(list)
    for c in claims:
        out[(c.value, c.low, c.high, c.qualifier)].append(c)
    return out


def _status(claims: list[Claim]) -> str:
    docs = {c.doc for c in claims}
    if len(docs) == 1:
        return "single_source"
    stated = list(_distinct(claims).values())
    for i, a in enumerate(stated):
        for b in stated[i + 1:]:
            if not compatible(a[0], b[0]) and len({c.doc for c in a + b}) > 1:
                return "conflict"  # two values that cannot both hold, from two documents
    return "agree"


def build_facts(claims: Iterable[Claim]) -> list[Fact]:
    """One fact per (event, category, group), values ordered by how many documents state them."""
    grouped: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        grouped[c.key].append(c)
    facts = []
    for (event, category, group), members in sorted(grouped.items()):
        values = _values(members)
        facts.append(Fact(event, category, group, _status(members), *fact_bounds(values),
                          values))
    return facts


def fact_bounds(values: list[FactValue]) -> tuple[int | None, int | None, int | None]:
    """A fact's best (the first exact value in ``values``' order), low and high."""
    exact = [v for v in values if v.value is not None]
    best = exact[0].value if exact else None
    lows = [v.low if v.low is not None else v.value for v in values]
    highs = [v.high if v.high is not None else v.value for v in values
             if v.high is not None or ("at_least" not in v.qualifiers
             and "more_than" not in v.qualifiers)]
    low = min((x for x in lows if x is not None), default=None)
    high = max((x for x in highs if x is not None), default=None)
    return best, low, high


def _fmt(c: Claim) -> str:
    if c.value is None:
        return f"{c.low}-{c.high}"
    prefix = {"at_least": "at least ", "more_than": "more than ", "about": "about ",
              "up_to": "up to ", "fewer_than": "fewer than "}.get(c.qualifier, "")
    return f"{prefix}{c.value}"


def subgroup_anomalies(claims: Sequence[Claim]) -> list[Anomaly]:
    """A part larger than its total ("6313 children" of "613 killed")."""
    # compared on columns; only the claims of an anomaly are made (a crawl has millions)
    total_at = referenced_rows(claims, "parent")
    group, group_words = coded_column(claims, "group")
    (low_at, lows), (high_at, highs) = figure_column(claims, "low"), figure_column(claims, "high")
    none = NONE["q"]
    of_all = group_words.index("all") if "all" in group_words else -1
    parts = np.flatnonzero((total_at >= 0) & (group != of_all) & (lows != none)[low_at])
    totals = total_at[parts]
    high = highs[high_at[totals]]  # the figures of these rows only, not of every claim
    over = (high != none) & (lows[low_at[parts]] > high)
    out = []
    seen: set[str] = set()
    for c, total in zip(claims_at(claims, parts[over].tolist()),
                        claims_at(claims, totals[over].tolist()), strict=True):
        if c.id not in seen:
            seen.add(c.id)
            out.append(Anomaly(
                "subgroup_exceeds_total", c.doc,
                f"{c.low} {c.group} {c.category}, more than the {_fmt(total)} "
                f"{total.group if total.group != 'all' else 'in all'} stated as their total",
                [c.id, total.id]))
    return out


def within_document_conflicts(claims: Sequence[Claim]) -> Iterator[Anomaly]:
    """One document states two values for one fact in separate sentences: found a document
    at a time, as they are taken (a crawl has a million)."""
    # a fact a document states once holds no conflict: only the other claims are made
    stated_more = picked_claims(claims, ("event", "category", "group"), _stated_more)
    for doc, of_doc in groupby(stated_more, key=_doc):  # a document at a time
        grouped: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
        for c in of_doc:
            grouped[c.key].append(c)
        yield from _conflicts_in(doc, grouped)


def _stated_more(of_doc: list[tuple[int, tuple[Any, ...]]]) -> list[int]:
    """The rows of a document's claims of a fact (event, category, group) it states more than
    once."""
    counts = Counter(key for _, key in of_doc)
    return [n for n, key in of_doc if counts[key] > 1]


def _doc(c: Claim) -> str:
    return c.doc


def _conflicts_in(doc: str, grouped: dict[tuple[str, str, str], list[Claim]]) -> list[Anomaly]:
    out = []
    for (_event, category, group), members in sorted(grouped.items()):
        stated = list(_distinct(members).values())
        pairs = []
        for i, a in enumerate(stated):
            for b in stated[i + 1:]:
                if compatible(a[0], b[0]):
                    continue
                apart = [(x, y) for x in a[:3] for y in b[:3] if x.start != y.start]
                if apart:
                    pairs.append(apart[0])
        if pairs:
            found = sorted({c.id for pair in pairs for c in pair})
            shown = sorted({_fmt(c) for pair in pairs for c in pair})
            out.append(Anomaly("within_document_conflict", doc,
                               f"{category}/{group}: the same document states "
                               + " and ".join(shown), found))
    return out


class FactSummary(NamedTuple):
    """What category_swaps reads of a fact: a finish lets a crawl's facts go as made (its
    largest hold millions of claims)."""

    best: int | None
    status: str
    documents: int  # how many state it


def fact_summary(fact: Fact) -> FactSummary:
    return FactSummary(fact.best, fact.status,
                       len(set().union(*(v.docs for v in fact.values))))


def category_swaps(claims: list[Claim], facts: list[Fact]) -> list[Anomaly]:
    """A value for one category that is a sibling category's value ("487 killed", 487 injured)."""
    return swaps_among(claims, {(f.event, f.category, f.group): fact_summary(f) for f in facts})


def swaps_among(claims: list[Claim], best: dict[tuple[str, str, str], FactSummary]
                ) -> list[Anomaly]:
    """category_swaps, given each fact's summary."""
    order = {category: n for n, category in enumerate(PEOPLE_CATEGORIES)}
    # which people categories hold a value, as a fact's best or in one document: a claim's
    # siblings are then looked up once, not category by category (a crawl has a million)
    best_of: dict[tuple[str, str, int | None], set[str]] = defaultdict(set)
    for (event, category, group), f in best.items():
        if category in order and f.best is not None:
            best_of[(event, group, f.best)].add(category)

    def candidate(c: Claim) -> bool:
        """A people count that is not its fact's most-stated value, among several sources."""
        if c.category not in order or c.value is None:
            return False
        own = best.get(c.key)
        return own is not None and own.best != c.value and own.status != "single_source"

    candidates = [c for c in claims if candidate(c)]
    # what the documents of candidates state, indexed for those (document, value)s only
    wanted = {(c.doc, c.event, c.group, c.value) for c in candidates}
    by_doc_value: dict[tuple[str, str, str, str, int | None], list[Claim]] = defaultdict(list)
    in_doc: dict[tuple[str, str, str, int | None], set[str]] = defaultdict(set)
    for o in claims:
        if o.category in order and (o.doc, o.event, o.group, o.value) in wanted:
            by_doc_value[(o.doc, o.event, o.category, o.group, o.value)].append(o)
            in_doc[(o.doc, o.event, o.group, o.value)].add(o.category)
    out = []
    seen: set[tuple[str, str, str, str, int | None]] = set()
    for c in candidates:
        marker = (c.doc, c.event, c.category, c.group, c.value)
        if marker in seen:
            continue
        own = best[c.key]
        siblings = (best_of.get((c.event, c.group, c.value), set())
                    | in_doc.get((c.doc, c.event, c.group, c.value), set())) - {c.category}
        if not siblings:
            continue
        sibling = min(siblings, key=order.__getitem__)  # the first, as PEOPLE_CATEGORIES lists
        other = best.get((c.event, sibling, c.group))
        same_doc = by_doc_value.get((c.doc, c.event, sibling, c.group, c.value), [])
        seen.add(marker)
        out.append(swap_anomaly(c, sibling, other.documents if other else 1, same_doc,
                                own.best))
    return out


def swap_candidate_rows(facts: list[tuple[tuple[str, str, str], np.ndarray]],
                        columns: tuple[np.ndarray, np.ndarray, np.ndarray,
                                       tuple[np.ndarray, np.ndarray]],
                        best: dict[tuple[str, str, str], FactSummary]) -> list[int]:
    """Of an event's claims (the rows of each of its ``facts``, with its key), the rows of
    those category_swaps can flag or compares with, in order, found on ``columns`` (the
    claims' coded doc, coded category, coded group, and value as figure_column gives it):
    counts of people whose value is
    another category's best in the same group, or that their document also states for
    another category (as accord add picks them). A finish makes only these: a crawl's
    largest event holds millions of claims."""
    doc, category, group, (value_at, values) = columns

    def value(rows: np.ndarray) -> np.ndarray:
        return values[value_at[rows]]

    people = [(key, rows) for key, rows in facts if key[1] in PEOPLE_CATEGORIES]
    if not people:
        return []
    bests: dict[str, dict[str, int | None]] = defaultdict(dict)
    for key, _ in people:
        bests[key[2]][key[1]] = best[key].best
    picked = []
    for (_, name, of_group), rows in people:
        own = bests[of_group][name]
        others = [b for other, b in bests[of_group].items()
                  if other != name and b is not None and b != own]
        if others:
            picked.append(rows[np.isin(value(rows), others)])
    every = np.concatenate([rows for _, rows in people])
    v = value(every)
    every, v = every[v != NONE["q"]], v[v != NONE["q"]]
    order = np.lexsort((category[every], v, group[every], doc[every]))
    every, v = every[order], v[order]
    d, g, c = doc[every], group[every], category[every]
    starts = np.ones(len(every), dtype=bool)  # where a (document, group, value) starts
    starts[1:] = (d[1:] != d[:-1]) | (g[1:] != g[:-1]) | (v[1:] != v[:-1])
    run = np.cumsum(starts) - 1
    mixed = np.zeros(len(every) and int(run[-1]) + 1, dtype=bool)
    mixed[run[c != c[starts][run]]] = True  # a run of more than one category
    picked.append(every[mixed[run]])
    return np.unique(np.concatenate(picked)).tolist()


def shared_people_values(claims: Sequence[Claim]) -> list[Claim]:
    """The counts of people whose document states the same value, in the same event and
    group, for another people category: beside the counts equal to another category's best,
    the only claims category_swaps can flag or compare with. accord add keeps them (a
    document's own claims decide it) so that it looks for swaps without reading every
    claim of a crawl's largest events."""
    # only the people counts of a (event, group, value) a document states twice are made
    people = picked_claims(claims, ("category", "event", "group", "value"), _people_twice)
    out: list[Claim] = []
    for _, of_doc in groupby(people, key=_doc):  # a document at a time
        stating: dict[tuple[str, str, int | None], list[Claim]] = defaultdict(list)
        for c in of_doc:  # people counts with a value: _people_twice picked no other
            stating[(c.event, c.group, c.value)].append(c)
        out += [c for members in stating.values() if len({m.category for m in members}) > 1
                for c in members]
    return out


def _people_twice(of_doc: list[tuple[int, tuple[Any, ...]]]) -> list[int]:
    """The rows of a document's people counts of an (event, group, value) it states twice."""
    def key(fields: tuple[Any, ...]) -> tuple[Any, ...] | None:
        category, event, group, value = fields
        return (event, group, value) if category in PEOPLE_CATEGORIES and value is not None \
            else None
    counts = Counter(key(fields) for _, fields in of_doc)
    return [n for n, fields in of_doc if (k := key(fields)) is not None and counts[k] > 1]


def swap_anomaly(c: Claim, sibling: str, stated_by: int, same_doc: list[Claim],
                 best: int | None) -> Anomaly:
    """The category swap anomaly of claim ``c``, whose value is the ``sibling`` category's
    (stated by ``stated_by`` documents; ``same_doc``: c's document's claims of it)."""
    return Anomaly(
        "category_swap", c.doc,
        f"{c.doc} states {c.value} {c.category}; {c.value} is the {sibling} figure "
        f"stated by {stated_by} document(s)"
        + (", this one included" if same_doc else "")
        + f"; the {c.category} figure most stated is {best}",
        [c.id, *[o.id for o in same_doc[:3]]])


def independence(facts: list[Fact], groups: list[list[str]],
                 group_of: dict[str, int] | None = None) -> None:
    """Count, for every value and fact, the independent reuse groups that state it.

    Documents in one reuse group share text; five relays of one press release are one group.
    A document that shares text with no other is a group of its own. ``group_of``: each
    document's group (group_numbers), made from ``groups`` once by a caller that counts an
    event at a time.
    """
    if group_of is None:
        group_of = group_numbers(groups)
    for fact in facts:
        every: set[object] = set()  # the fact's groups: its values' (not Fact.docs, sorted)
        for value in fact.values:
            stating = {group_of.get(d, d) for d in value.docs}
            value.independent_groups = len(stating)
            value.single_lineage = value.independent_groups == 1
            every |= stating
        fact.independent_groups = len(every)


def group_numbers(groups: list[list[str]]) -> dict[str, int]:
    """The group of each document that shares text with another, by number: a document
    found in none is a group of its own (independence counts it so): a third of the
    benchmark's generated crawl shares no text, and an entry is ~70 bytes."""
    return {doc: n for n, members in enumerate(groups) if len(members) > 1 for doc in members}


FIGURE_FIELDS = ("category", "group", "event", "low", "high")


_FIGURE = attrgetter(*FIGURE_FIELDS)


def figure_key(c: Claim) -> FigureKey:
    """What fingerprints compare of a claim (its FIGURE_FIELDS)."""
    key: FigureKey = _FIGURE(c)
    return key


class FigureSets:
    """Each document's distinct figures (FIGURE_FIELDS), as numbers in the order they first
    come, in one array: document n's are ``items[bounds[n]:bounds[n + 1]]``, the documents
    in id order. A tuple each held 136 bytes for a dozen figures, and a dict of them keyed
    by id; a crawl has a million documents."""

    def __init__(self, ids: list[str], bounds: np.ndarray, items: np.ndarray) -> None:
        self.ids, self.bounds, self.items = ids, bounds, items
        self.sizes = np.diff(bounds)
        self.width = int(items.max(initial=0)) + 1  # room for a figure in a code

    def of(self, n: int) -> list[int]:
        return cast(list[int], self.items[self.bounds[n]:self.bounds[n + 1]].tolist())


def fingerprints(claims: Iterable[Claim],
                 pairs_with_reuse: Iterable[tuple[str, str]] | None = None,
                 sink: Callable[[list[dict[str, object]]], None] | None = None
                 ) -> list[dict[str, object]]:
    """Document pairs that state the same set of figures, whether or not they share wording.

    The same dozen figures in every report point to one upstream source even when each
    report is written anew; similarity is the Jaccard index of the two figure sets.
    ``pairs_with_reuse``: the pairs of documents that share wording, by id, either way
    round (read once). With ``sink``, the pairs go there a batch at a time as they are
    found (a store: a crawl's are millions) and none are returned.
    """
    return sets_fingerprints(figure_sets(claims if isinstance(claims, Sequence)
                                         else list(claims)), pairs_with_reuse, sink)


def sets_fingerprints(sets: FigureSets,
                      pairs_with_reuse: Iterable[tuple[str, str]] | np.ndarray | None = None,
                      sink: Callable[[list[dict[str, object]]], None] | None = None
                      ) -> list[dict[str, object]]:
    """fingerprints of the documents' figure sets (figure_sets): the claims are not read
    again, so a finish lets them go to disk while the sets are compared.
    ``pairs_with_reuse`` may be given as pair_codes made already."""
    sharing = pairs_with_reuse if isinstance(pairs_with_reuse, np.ndarray) else \
        _pair_codes(sets.ids, pairs_with_reuse or ())
    out: list[dict[str, object]] = []
    firsts, seconds = array("q"), array("q")  # candidates, compared a block at a time
    for a, b in _similar_set_pairs(sets.bounds, sets.items, FINGERPRINT_MIN_SIMILARITY):
        firsts.append(a)
        seconds.append(b)
        if len(firsts) >= PAIR_BLOCK:
            out += _similar_sets(sets, firsts, seconds, sharing)
            del firsts[:], seconds[:]
            while sink is not None and len(out) >= SINK_BATCH:
                sink(out[:SINK_BATCH])
                del out[:SINK_BATCH]
    out += _similar_sets(sets, firsts, seconds, sharing)
    if sink is not None:
        for start in range(0, len(out), SINK_BATCH):
            sink(out[start:start + SINK_BATCH])
        return []
    out.sort(key=lambda p: (p["a"], p["b"]))
    return out


def _similar_sets(sets: FigureSets, firsts: array[int], seconds: array[int],
                  sharing: np.ndarray) -> list[dict[str, object]]:
    """The candidate pairs (firsts[k], seconds[k]) whose sets share enough, as fingerprint
    pairs, in their order; ``sharing``: the pairs sharing wording, as _pair_codes gives
    them. The shared figures are counted on arrays: each set's figures are distinct, so
    a pair's shared figures are the codes (pair, figure) its two sets both give."""
    a, b = np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64)
    codes = np.concatenate([_pair_items(sets, a), _pair_items(sets, b)])
    codes.sort()
    twice = codes[1:][codes[1:] == codes[:-1]]
    shared = np.bincount(twice // sets.width, minlength=len(a))
    del codes, twice
    similarity = shared / (sets.sizes[a] + sets.sizes[b] - shared)
    keep = (shared >= FINGERPRINT_MIN_SHARED) & (similarity >= FINGERPRINT_MIN_SIMILARITY)
    a, b, shared, similarity = a[keep], b[keep], shared[keep], similarity[keep]
    wording = _among(a * len(sets.ids) + b, sharing)
    return [{"a": sets.ids[x], "b": sets.ids[y], "shared": n, "similarity": round(sim, 3),
             "shared_wording": w}
            for x, y, n, sim, w in zip(a.tolist(), b.tolist(), shared.tolist(),
                                       similarity.tolist(), wording.tolist(), strict=True)]


def _among(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is among ``sorted_values`` (np.isin sorts them again at
    every call)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return cast(np.ndarray, sorted_values[at] == values)


def _pair_items(sets: FigureSets, docs: np.ndarray) -> np.ndarray:
    """Each figure of each of ``docs``' sets, as the code k * sets.width + figure of its
    pair k."""
    lengths = sets.sizes[docs]
    ends = np.cumsum(lengths)
    at = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    at += np.repeat(sets.bounds[docs] - (ends - lengths), lengths)
    return np.repeat(np.arange(len(docs), dtype=np.int64) * sets.width, lengths) + \
        sets.items[at]


def _pair_codes(ids: list[str], pairs: Iterable[tuple[str, str]]) -> np.ndarray:
    """Pairs of the documents ``ids`` (in id order) as sorted 64-bit codes, first * len(ids)
    + second in that order; pairs naming another document are left out. A set of a crawl's
    millions of pairs sharing text, as tuples of ids, held hundreds of MB."""
    number = {doc_id: n for n, doc_id in enumerate(ids)}
    firsts, seconds = array("q"), array("q")
    for a, b in pairs:
        x, y = number.get(a), number.get(b)
        if x is not None and y is not None:
            firsts.append(x)
            seconds.append(y)
    del number
    return pair_codes(np.frombuffer(firsts, dtype=np.int64),
                      np.frombuffer(seconds, dtype=np.int64), len(ids))


def pair_codes(firsts: np.ndarray, seconds: np.ndarray, count: int) -> np.ndarray:
    """Pairs of sets by number (of ``count``), either way round, as the sorted distinct
    64-bit codes that sets_fingerprints compares with (smaller * count + larger); a pair
    with a number below 0 (no set) is left out."""
    keep = (firsts >= 0) & (seconds >= 0)
    low, high = np.minimum(firsts[keep], seconds[keep]), np.maximum(firsts[keep],
                                                                     seconds[keep])
    low *= count
    low += high
    return sorted_distinct(low)


def figure_sets(claims: Sequence[Claim]) -> FigureSets:
    """Each document's distinct figures (see FigureSets), found by sorting columns."""
    figure_at = first_seen_numbers(claims, FIGURE_FIELDS)
    codes, words = coded_column(claims, "doc")
    present = np.flatnonzero(np.bincount(codes, minlength=len(words)))
    ids = cast(list[str], words)  # the doc column's words are ids
    in_id_order = sorted(present.tolist(), key=ids.__getitem__)
    number = np.full(len(words), -1, dtype=np.int64)  # a word's document number
    number[in_id_order] = np.arange(len(in_id_order))
    size = int(figure_at.max(initial=-1)) + 1
    # each distinct (document, figure) as one sorted code: figures by document in id order
    pairs = number[codes]
    pairs *= size
    pairs += figure_at
    del figure_at
    pairs = sorted_distinct(pairs)
    bounds = np.searchsorted(pairs, np.arange(len(in_id_order) + 1, dtype=np.int64) * size)
    items = (pairs % max(size, 1)).astype(np.int32)
    return FigureSets([ids[code] for code in in_id_order], bounds, items)


def _similar_set_pairs(bounds: np.ndarray, items: np.ndarray, threshold: float
                       ) -> Iterator[tuple[int, int]]:
    """Pairs (first, second) of sets (n: ``items[bounds[n]:bounds[n + 1]]``, distinct numbers
    from 0) that may reach Jaccard ``threshold``, without comparing all pairs (each once, as
    it is found, by the second's number: the candidates of 100k documents are millions).

    Prefix filtering (as in AllPairs / PPJoin): order every set's items rarest first; two
    sets with Jaccard >= t share an item among the first |s| - ceil(t * |s|) + 1 of each.
    Where thousands of documents state the same figures, a set is compared with about
    MAX_POSTINGS of the latest sets that share a prefix item: they still form one connected
    cluster, and the work and the output stay linear. The posting lists are one array (the
    sets' prefix items sorted by item, then set): the sets that had an item in their prefix
    before set n are those before n's own place in its item's list.
    """
    sizes = np.diff(bounds)
    count = len(sizes)
    if not len(items):
        return
    # items ranked rarest first, then by number
    frequency = np.bincount(items)
    rank = np.empty(len(frequency), dtype=np.int64)
    rank[np.lexsort((np.arange(len(frequency)), frequency))] = np.arange(len(frequency))
    del frequency
    # each set's items in rank order: one sorted code of (set, rank) each (a prefix of
    # ranks: they stand for their items one to one)
    ranked = np.repeat(np.arange(count, dtype=np.int64) << 32, sizes)
    ranked |= rank[items]
    del rank
    ranked.sort()
    ranked &= 0xFFFFFFFF
    # the prefixes, set by set: where each set's items begin, up to its prefix length
    kept = np.minimum(sizes - np.ceil(threshold * sizes).astype(np.int64) + 1, sizes)
    marks = np.zeros(len(ranked) + 1, dtype=np.int8)
    np.add.at(marks, bounds[:-1], 1)
    np.add.at(marks, bounds[:-1] + kept, -1)
    prefix = ranked[np.cumsum(marks[:-1], dtype=np.int8).astype(bool)].astype(np.int32)
    del ranked, marks
    prefix_bounds = np.concatenate(([0], np.cumsum(kept)))
    owner = np.repeat(np.arange(count, dtype=np.int32), kept)
    # the posting lists: prefix entries by rank, then by set (a stable sort of set order)
    index = np.int32 if len(prefix) < 2 ** 31 else np.int64
    by_item = np.argsort(prefix, kind="stable")
    posted = owner[by_item]
    del owner
    place = np.empty(len(prefix), dtype=index)  # each entry's place in the posting lists
    place[by_item] = np.arange(len(prefix), dtype=index)
    del by_item
    lists = np.bincount(prefix)
    first = (np.cumsum(lists) - lists).astype(index)[prefix]  # where its item's list begins
    del prefix, lists
    step = 1 << 14
    for lo in range(0, count, step):
        hi = min(lo + step, count)
        a, b = int(prefix_bounds[lo]), int(prefix_bounds[hi])
        starts, places = first[a:b].tolist(), place[a:b].tolist()
        at = 0
        for doc, length in enumerate(kept[lo:hi].tolist(), start=lo):
            others: set[int] = set()
            for start, here in zip(starts[at:at + length], places[at:at + length],
                                   strict=True):
                if len(others) < MAX_POSTINGS:
                    others.update(posted[max(start, here - MAX_POSTINGS + len(others)):
                                         here].tolist())
            at += length
            for other in sorted(others):
                yield other, doc


def reconcile(claims: list[Claim], groups: list[list[str]] | None = None
              ) -> tuple[list[Fact], list[Anomaly]]:
    """Facts and anomalies for every claim of a corpus (independence when groups are given)."""
    facts = build_facts(claims)
    if groups is not None:
        independence(facts, groups)
    anomalies = subgroup_anomalies(claims) + list(within_document_conflicts(claims))
    anomalies += category_swaps(claims, facts)
    return facts, anomalies
