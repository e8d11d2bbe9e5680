"""Chronology: when each document was published, when the event happened, what follows.

* A document that gives no publication date but says "29th anniversary" gets an inferred
  year once the event's year is known, marked as inferred.
* Event dates are the dates the documents state for the event, with agreement and conflict
  like any fact; a date that contradicts the same text's other dates or its anniversary
  arithmetic is the anomaly ``date_contradiction``.
* A count that rises as the documents' dates advance is ``grows_over_time``, not a
  conflict; documents without a usable date are listed as undated, never guessed into order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from accord.extract.events import Event
from accord.model import Anomaly, Claim, Document, Fact, TimelineEntry
from accord.reconcile import Stated, interval
from accord.text import view
from accord.vocab import Vocab

EVENT_DATE_KINDS = ("day_month_year", "month_day_year", "month_year", "relative")
EVENT_WORD_WINDOW = 12


@dataclass(frozen=True)
class Period:
    """A stated date as an interval: "2024-07" runs from 1 to 31 July."""

    first: date
    last: date

    @classmethod
    def parse(cls, text: str | None) -> Period | None:
        if not text:
            return None
        part = text.split("/")
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", part[0][:10])
        if not m:
            return None
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        try:
            if day:
                first = date(year, int(month or 1), int(day))
                last = first
            elif month:
                first = date(year, int(month), 1)
                nxt = date(year + (int(month) == 12), int(month) % 12 + 1, 1)
                last = date.fromordinal(nxt.toordinal() - 1)
            else:
                first, last = date(year, 1, 1), date(year, 12, 31)
            if len(part) > 1:
                end = cls.parse(part[1])
                if end:
                    last = end.last
        except ValueError:
            return None
        return cls(first, last)

    def before(self, other: Period) -> bool:
        return self.last < other.first


def infer_publication_years(docs: list[Document], main: Event) -> None:
    """"29th anniversary" with no date: the publication year is the event year plus 29.
    ``docs`` are the documents routed to the event ``main``."""
    if main.year is None:
        return
    for doc in docs:
        marks = doc.meta.get("anniversaries") or []
        if doc.published or not marks:
            continue
        start, end, years = marks[0]
        doc.published = str(main.year + years)
        doc.meta.setdefault("metadata", {})["published"] = {
            "value": doc.published, "start": start, "end": end, "inferred": True,
            "method": f"inferred: '{doc.text[start:end]}' of an event in {main.year}"}


PLACE_WINDOW = 5


def _near_event_word(plain: str, start: int, end: int, words: set[str],
                     place: str | None) -> bool:
    """A date of the event: an event word within a dozen words, or its place within five."""
    before = re.findall(r"[a-z]+", plain[max(0, start - 160):start].lower())[-EVENT_WORD_WINDOW:]
    after = re.findall(r"[a-z]+", plain[end:end + 160].lower())[:EVENT_WORD_WINDOW]
    if words & set(before + after):
        return True
    return bool(place) and place in before[-PLACE_WINDOW:] + after[:PLACE_WINDOW]


def _publication_spans(doc: Document) -> list[tuple[int, int]]:
    meta = doc.meta.get("metadata") or {}
    return [(m["start"], m["end"]) for m in meta.values()
            if isinstance(m, dict) and "start" in m]


def date_record(doc: Document, main: Event, vocab: Vocab) -> dict[str, Any]:
    """What one document of the event ``main`` says of its date, kept per document so that
    adding documents to an event does not read its other documents again: the dates it
    states for the event (the event's year), the dates near the event with another year
    (checked against the event's dates once all are known), and its anniversary anomalies.
    Infers the document's publication year first (see infer_publication_years)."""
    record: dict[str, Any] = {"event": f"{main.year}|{main.place}", "stated": [],
                              "suspects": [], "anomalies": []}
    if main.year is None:
        return record
    infer_publication_years([doc], main)
    record["anomalies"] = [a.to_dict() for a in anniversary_anomalies([doc], main)]
    words = set(vocab.event_kinds) | {"incident", "tragedy"}
    place = main.place.lower() if main.place else None
    plain = view(doc.text)
    skip = _publication_spans(doc)
    for d in doc.meta.get("dates", []):
        if d["kind"] not in EVENT_DATE_KINDS or not d["value"] or d["year"] is None:
            continue
        if any(a <= d["start"] < b for a, b in skip):
            continue
        if not _near_event_word(plain, d["start"], d["end"], words, place):
            continue
        if d["year"] == main.year:
            record["stated"].append({"value": d["value"], "text": d["text"],
                                     "start": d["start"], "end": d["end"]})
        elif not d.get("relative"):  # "today" is anchored on publication: no contradiction
            record["suspects"].append(d)
    if record["suspects"]:
        record["published"] = doc.published
        record["anniversaries"] = doc.meta.get("anniversaries")
    return record


def tally_dates(records: Iterable[tuple[str, dict[str, Any]]], main: Event
                ) -> tuple[list[dict[str, Any]], list[Anomaly]]:
    """The dates an event's documents state for it (most stated first) and the date
    anomalies among them, from each document's date_record in the event's order."""
    if main.year is None:
        return [], []
    stated: dict[str, dict[str, Any]] = {}
    suspects: list[tuple[Document, dict[str, Any]]] = []
    anomalies: list[Anomaly] = []
    for doc_id, record in records:
        for d in record["stated"]:
            entry = stated.setdefault(d["value"], {"value": d["value"], "docs": [],
                                                   "stated": []})
            if not entry["docs"] or entry["docs"][-1] != doc_id:  # docs come in turn
                entry["docs"].append(doc_id)
            entry["stated"].append({"doc": doc_id, "text": d["text"], "start": d["start"],
                                    "end": d["end"]})
        if record["suspects"]:
            holder = Document(doc_id, "", published=record.get("published"),
                              meta={"anniversaries": record.get("anniversaries")})
            suspects += [(holder, d) for d in record["suspects"]]
        anomalies += [Anomaly(**a) for a in record["anomalies"]]
    values = sorted(stated.values(), key=lambda v: (-len(v["docs"]), v["value"]))
    month_days = _month_days(values)
    contradictions = [a for doc, d in suspects
                      if (a := _contradiction(doc, d, main, values, month_days)) is not None]
    return values, contradictions + anomalies


def event_dates(docs: Iterable[Document], main: Event, vocab: Vocab
                ) -> tuple[list[dict[str, Any]], list[Anomaly]]:
    """The dates the documents routed to ``main`` state for it, and dates that contradict
    their text (publication years inferred on the way). ``docs`` is read once, in turn (a
    stream of an event's many documents)."""
    return tally_dates(((d.id, date_record(d, main, vocab)) for d in docs), main)


def _month_days(values: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for v in values:
        if not re.match(r"\d{4}-\d{2}-\d{2}", v["value"]):
            continue  # "1992" or "February 1992" names no day and month
        period = Period.parse(v["value"])
        if period and period.first.year == period.last.year:
            day = period.first
            while day <= period.last and len(out) < 400:
                out.add(day.strftime("%m-%d"))
                day = date.fromordinal(day.toordinal() + 1)
    return out


def _contradiction(doc: Document, d: dict[str, Any], main: Event,
                   values: list[dict[str, Any]], month_days: set[str]) -> Anomaly | None:
    """A date with the event's day and month but another year, in a text that elsewhere
    (its own dates, or "Nth anniversary" from its publication year) gives the event's year."""
    period = Period.parse(d["value"])
    if period is None or period.first.strftime("%m-%d") not in month_days:
        return None
    own = [v for v in values if doc.id in v["docs"]]
    reasons = [s["text"] for v in own for s in v["stated"] if s["doc"] == doc.id][:1]
    pub_year = int(doc.published[:4]) if doc.published and doc.published[:4].isdigit() else None
    for _, _, years in doc.meta.get("anniversaries") or []:
        if pub_year and pub_year - years == main.year:
            reasons.append(f"a {_ordinal(years)} anniversary in {pub_year}")
            break
    if not reasons:
        return None
    return Anomaly("date_contradiction", doc.id,
                   f"'{d['text']}' while the same text says " + " and ".join(reasons)
                   + f" (an event in {main.year})", [])


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def anniversary_anomalies(docs: list[Document], main: Event) -> list[Anomaly]:
    """"The 31st anniversary" in a text published in a year that makes the event not its year."""
    out: list[Anomaly] = []
    if main.year is None:
        return out
    for doc in docs:
        meta = (doc.meta.get("metadata") or {}).get("published") or {}
        if meta.get("inferred") or not doc.published or not doc.published[:4].isdigit():
            continue
        for start, end, years in doc.meta.get("anniversaries") or []:
            implied = int(doc.published[:4]) - years
            if abs(implied - main.year) > 1:
                out.append(Anomaly("date_contradiction", doc.id,
                                   f"'{doc.text[start:end]}' in a text published "
                                   f"{doc.published} points to {implied}; the event is dated "
                                   f"{main.year}", []))
    return out


def order_facts(facts: list[Fact], claims: list[Claim], docs: list[Document],
                timelines: bool = True) -> None:
    """Mark conflicts that are counts rising with the documents' dates as grows_over_time;
    list each fact's undated documents and (``timelines``) its timeline. A store keeps no
    timelines (they repeat its claims: half of a crawl's fact records) and makes them when
    read."""
    published: dict[str, Period] = {}
    for d in docs:
        period = period_of(d.published)
        if period is not None:
            published[d.id] = period
    by_key: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        by_key[c.key].append(c)
    in_order = _in_timeline_order(claims, published)
    stated_date = {d.id: d.published for d in docs}
    for fact in facts:
        key = (fact.event, fact.category, fact.group)
        members = by_key[key]
        dated = [(published[c.doc], c) for c in in_order.get(key, [])]
        fact.undated = sorted({c.doc for c in members if c.doc not in published})
        if timelines:
            fact.timeline = [timeline_entry(c, stated_date[c.doc]) for _, c in dated]
        if fact.status != "conflict" or not dated:
            continue
        trend = rise(dated)
        fact.falls = trend == "falls"
        undated = set(fact.undated)
        if trend == "rises" and undated_fit(dated, (c for c in members if c.doc in undated)):
            fact.status = "grows_over_time"


def timelines_of(claims: Iterable[Claim], published: dict[str, str | None]
                 ) -> dict[tuple[str, str, str], list[TimelineEntry]]:
    """Each fact's timeline, made from its claims (in position order) and the documents'
    publication dates, as order_facts makes it."""
    periods = {doc: period for doc, text in published.items()
               if (period := period_of(text)) is not None}
    return {key: [timeline_entry(c, published[c.doc]) for c in dated]
            for key, dated in _in_timeline_order(claims, periods).items()}


def timeline_entry(c: Claim, published: str | None) -> TimelineEntry:
    return TimelineEntry(published, c.doc, c.value, c.low, c.high, c.qualifier, c.id)


def _in_timeline_order(claims: Iterable[Claim], published: dict[str, Period]
                       ) -> dict[tuple[str, str, str], list[Claim]]:
    """Each fact's dated claims in timeline order: every dated claim sorted once by its
    document's publication (a stable sort: ties keep the claims' order), then split by
    fact."""
    when = {doc: (period.first, period.last) for doc, period in published.items()}
    in_order: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for c in sorted((c for c in claims if c.doc in when), key=lambda c: when[c.doc]):
        in_order[c.key].append(c)
    return in_order


@lru_cache(maxsize=4096)
def period_of(published: str | None) -> Period | None:
    """Period.parse, once per date: a crawl's timelines repeat a few thousand dates."""
    return Period.parse(published)


def _point(c: Stated) -> float:
    return float(c.value if c.value is not None else (c.low or 0))


def rise(dated: Sequence[tuple[Period, Stated]]) -> str:
    """"falls" when a statement is above one dated after it (more statements never undo
    that: a fact's record keeps it, so adding documents need not read its timeline again),
    "rises" when none is and some is below one dated after it, "flat" otherwise. One sweep in
    date order (a fact may hold thousands of statements)."""
    by_last = sorted(dated, key=lambda pc: pc[0].last)
    before = 0
    highest, lowest = float("-inf"), float("inf")
    increase = False
    for period, claim in sorted(dated, key=lambda pc: pc[0].first):
        while before < len(by_last) and by_last[before][0].last < period.first:
            point = _point(by_last[before][1])
            highest, lowest = max(highest, point), min(lowest, point)
            before += 1
        if highest > _point(claim):
            return "falls"
        increase = increase or lowest < _point(claim)
    return "rises" if increase else "flat"


def undated_fit(dated: Sequence[tuple[Period, Stated]], undated: Iterable[Stated]) -> bool:
    """Undated statements are not placed; they must not contradict the latest dated ones.
    Statements are intervals, so they all fit one another when the highest low is under the
    lowest high: no need to compare every pair."""
    latest_start = max(p.first for p, _ in dated)
    latest = [interval(c) for p, c in dated if p.first >= latest_start]  # not month-precise
    low, high = max(lo for lo, _ in latest), min(hi for _, hi in latest)
    if low > high:
        return False  # the latest sources disagree among themselves: a conflict, not growth
    return all(u_low <= high and low <= u_high for u_low, u_high in map(interval, undated))
