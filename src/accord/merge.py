"""Stored facts brought up to date with new documents' claims, their earlier claims unread.

In a crawl the largest facts gain a few claims from each batch of added documents but hold
most of the store's claims: rebuilding them (reconcile.build_facts, chronology.order_facts)
reads all of those. The stored fact and the new claims are enough, because

- a fact lists claims by position (document, figure start, id), which a claim's id tells
  (extract.claim_position): new documents' claims go where they sort;
- adding claims never undoes a conflict, and a fact that was no conflict had no two
  incompatible statements from two documents: only pairs with a new claim can make one;
- a conflict is a count rising over time only if no dated statement is above one dated after
  it: once one is (the fact's ``falls``), no claims added can make it one.

Three things are read from the store, and only when needed: each qualifier's first claim for a
value stated with several qualifiers (when new claims come before some of its claims), the
dated statements of a conflict not known to fall, and the statements of undated documents
(for a conflict whose dated statements rise). Timelines are not kept with a stored fact (they
repeat its claims): the store makes them when read.

What the caller guarantees: the new claims' documents have no claims in the stored facts
(they are new, not replaced), and no earlier document's publication date changed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from itertools import groupby
from typing import Protocol

from accord.chronology import Period, period_of, rise, undated_fit
from accord.extract import claim_document, claim_position
from accord.model import Claim, Fact, FactValue, Statement
from accord.reconcile import Stated, compatible, fact_bounds

FactKey = tuple[str, str, str]
ValueKey = tuple[int | None, int | None, int | None]
Position = tuple[str, int, str]


class StoredClaims(Protocol):
    """What merging reads from the store's claims (accord.store.Store provides it)."""

    def qualifier_firsts(self, key: FactKey, value: ValueKey) -> dict[str, Position]:
        """For the value ``value`` of the fact ``key``, each qualifier's first claim's
        position."""
        ...

    def statements_of(self, key: FactKey, docs: Sequence[str]) -> list[Statement]:
        """What the documents ``docs`` state for the fact ``key``."""
        ...

    def dated_statements(self, key: FactKey) -> list[tuple[str, Statement]]:
        """What the dated documents state for the fact ``key``, each with its document's
        publication date."""
        ...


def merge_fact(old: Fact, new: Sequence[Claim], published: Mapping[str, str | None],
               stored: StoredClaims) -> Fact:
    """``old`` (as built from its claims) with the claims ``new`` added, as build_facts and
    order_facts would make it from all of them; independence is left to be counted again.
    ``published``: the new claims' documents' publication dates."""
    key = (old.event, old.category, old.group)
    new = sorted(new, key=by_position)
    values = {(v.value, v.low, v.high): FactValue(v.value, v.low, v.high, list(v.qualifiers),
                                                  v.docs, v.claims) for v in old.values}
    before = {(k, q) for k, v in values.items() for q in v.qualifiers}
    by_value: dict[ValueKey, list[Claim]] = defaultdict(list)
    for c in new:
        by_value[(c.value, c.low, c.high)].append(c)
    for k, claims in by_value.items():
        value = values.setdefault(k, FactValue(*k, [], [], []))
        value.qualifiers = _qualifiers(value, claims, partial(stored.qualifier_firsts, key, k))
        value.docs = sorted(value.docs + list(dict.fromkeys(c.doc for c in claims)))
        value.claims = _claims(value.claims, claims)
    ordered = sorted(values.values(), key=_value_order)
    docs = {d for v in ordered for d in v.docs}
    status = ("single_source" if len(docs) == 1
              else "conflict" if old.status in ("conflict", "grows_over_time")
              or _new_conflict(before, new) else "agree")
    new_undated = [c for c in new if period_of(published.get(c.doc)) is None]
    undated = sorted(set(old.undated) | {c.doc for c in new_undated})
    new_dated = [(period, c) for c in new
                 if (period := period_of(published.get(c.doc))) is not None]
    falls = old.falls if old.falls or not new_dated else None
    if status == "conflict" and not old.falls:  # a fall stays: then no need to read
        dated: list[tuple[Period, Stated]] = [
            (period, said) for text, said in stored.dated_statements(key)
            if (period := period_of(text)) is not None]
        dated += new_dated
        if dated:
            def undated_statements() -> Iterator[Stated]:
                if old.undated:
                    yield from stored.statements_of(key, old.undated)
                yield from new_undated

            trend = rise(dated)
            falls = trend == "falls"
            if trend == "rises" and undated_fit(dated, undated_statements()):
                status = "grows_over_time"
    return Fact(old.event, old.category, old.group, status, *fact_bounds(ordered), ordered,
                None, [], undated, falls)


def by_position(c: Claim) -> Position:
    """Claim.position, as a sort key."""
    return c.position


def _value_order(v: FactValue) -> tuple[int, int, Position]:
    """build_facts' order (most documents first, then the smaller value), ties in the order
    of the values' first claims, as its stable sort leaves them."""
    return (-len(v.docs), v.value if v.value is not None else v.low or 0,
            claim_position(v.claims[0]))


def _qualifiers(value: FactValue, claims: list[Claim],
                read_firsts: Callable[[], dict[str, Position]]) -> list[str]:
    """The value's qualifiers in the order of their first claims, the new ones included."""
    first_new: dict[str, Position] = {}
    for c in claims:
        first_new.setdefault(c.qualifier, c.position)
    if not value.claims:
        return list(first_new)
    if min(first_new.values()) > claim_position(value.claims[-1]):
        return value.qualifiers + [q for q in first_new if q not in value.qualifiers]
    if len(value.qualifiers) == 1:  # its first claim is the value's
        first = {value.qualifiers[0]: claim_position(value.claims[0])}
    else:
        first = dict(read_firsts())
    for qualifier, position in first_new.items():
        if qualifier not in first or position < first[qualifier]:
            first[qualifier] = position
    return sorted(first, key=first.__getitem__)


def _claims(old: list[str], claims: list[Claim]) -> list[str]:
    """Claim ids in position order: each new document's claims where its id sorts among the
    documents of ``old`` (none of them)."""
    out: list[str] = []
    at = 0
    for doc, of_doc in groupby(claims, key=lambda c: c.doc):
        end = bisect_left(old, doc, lo=at, key=claim_document)
        out += old[at:end]
        out += [c.id for c in of_doc]
        at = end
    return out + old[at:]


def _new_conflict(before: set[tuple[ValueKey, str]], new: list[Claim]) -> bool:
    """Whether the new claims make a conflict of a fact that had none: two statements that
    cannot both hold, stated by two documents. An earlier pair that cannot both hold had
    one document for both; a new document stating either makes it two."""
    new_docs: dict[tuple[ValueKey, str], set[str]] = defaultdict(set)
    for c in new:
        new_docs[((c.value, c.low, c.high), c.qualifier)].add(c.doc)
    statements = sorted(before | set(new_docs), key=repr)
    for i, a in enumerate(statements):
        for b in statements[i + 1:]:
            if compatible(Statement(*a[0], a[1]), Statement(*b[0], b[1])):
                continue
            stating = new_docs.get(a, set()) | new_docs.get(b, set())
            if ((a in before or b in before) and stating) or len(stating) > 1:
                return True
    return False
