"""One fact made from its claims' fields as a finish reads them from a claim table, a block
of rows at a time, never its claims as objects.

A crawl's largest fact is large: 420,701 claims and 3,794 values in the benchmark's 1M
generated documents. Made into Claim objects (~270 bytes each, twice that while made) to
build it, they roughly doubled what making the fact needs (tracemalloc at 100k: 18 MB
against 10 MB for its largest fact); at 1M the facts stage's peak stayed where it was
(1,747 MB against 1,736 MB): the rest of that stage's memory is elsewhere. The fact is the one
``build_facts``, ``independence`` and ``order_facts(..., timelines=False)`` make from the
same claims in the same order (tests/test_reconcile_properties.py compares them): what each
claim adds is kept once per value and once per distinct statement, and each dated claim
as its period and its statement (shared).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from accord.chronology import Period, period_of, rise, undated_fit
from accord.model import Fact, FactValue, Statement
from accord.reconcile import compatible, fact_bounds

#: the fields of a claim a fact is made of, in the order ``streamed_fact`` reads them
FACT_FIELDS = ("id", "doc", "value", "low", "high", "qualifier")

Row = tuple[str, str, int | None, int | None, int | None, str]
ValueKey = tuple[int | None, int | None, int | None]


class _Statement:
    """A distinct statement of a fact (value, bounds, qualifier), the first document that
    makes it and whether another one does: what _status compares."""

    __slots__ = ("doc", "several", "stated")

    def __init__(self, stated: Statement, doc: str) -> None:
        self.stated, self.doc, self.several = stated, doc, False

    def conflicts(self, other: _Statement) -> bool:
        """Two values that cannot both hold, from two documents."""
        return not compatible(self.stated, other.stated) and (
            self.several or other.several or self.doc != other.doc)


def streamed_fact(key: tuple[str, str, str], rows: Iterable[Row],
                  published: Callable[[str], str | None]) -> Fact:
    """The fact ``key`` (event, category, group) of the claims whose FACT_FIELDS ``rows``
    gives, in the claims' order; ``published``: a document's publication date. Its
    independence is not counted (reconcile.independence does, from its values)."""
    values: dict[ValueKey, FactValue] = {}
    stating: dict[ValueKey, set[str]] = {}  # each value's documents, to list each once
    statements: dict[Statement, _Statement] = {}
    dated: list[tuple[Period, Statement]] = []
    undated: list[Statement] = []
    undated_docs: set[str] = set()
    for claim_id, doc, value, low, high, qualifier in rows:
        at = (value, low, high)
        fact_value = values.get(at)
        if fact_value is None:
            fact_value = values[at] = FactValue(value, low, high, [], [], [])
            stating[at] = set()
        if qualifier not in fact_value.qualifiers:
            fact_value.qualifiers.append(qualifier)
        if doc not in stating[at]:
            stating[at].add(doc)
            fact_value.docs.append(doc)
        fact_value.claims.append(claim_id)
        said = Statement(value, low, high, qualifier)
        statement = statements.get(said)
        if statement is None:
            statement = statements[said] = _Statement(said, doc)
        elif doc != statement.doc:
            statement.several = True
        period = period_of(published(doc))
        if period is None:
            undated_docs.add(doc)
            undated.append(statement.stated)
        else:
            dated.append((period, statement.stated))
    del stating
    listed = sorted(values.values(), key=lambda v: (-len(v.docs), v.value if v.value is not None
                                                    else v.low or 0))
    fact = Fact(*key, _status(list(statements.values())), *fact_bounds(listed), listed)
    fact.undated = sorted(undated_docs)
    if fact.status == "conflict" and dated:  # (rise sorts them by date: no timeline here)
        trend = rise(dated)
        fact.falls = trend == "falls"
        if trend == "rises" and undated_fit(dated, undated):
            fact.status = "grows_over_time"
    return fact


def _status(statements: list[_Statement]) -> str:
    # one document when every statement's first is the same and none has a second
    if len({s.doc for s in statements}) == 1 and not any(s.several for s in statements):
        return "single_source"
    for i, a in enumerate(statements):
        for b in statements[i + 1:]:
            if a.conflicts(b):
                return "conflict"
    return "agree"
