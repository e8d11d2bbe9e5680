"""Events: which event a figure belongs to, and stable ids for events.

Per document, each sentence gets a *context*: the year it speaks of (its own, or one set by an
earlier sentence of the same paragraph) and the kind of event named near it ("war").

Across the corpus, documents are routed to events, so a crawl that mixes many events is not
read as one: the place most documents name (most often, most as "X tragedy") is an event,
dated by the year the documents naming it speak of most (else their publication year); a
document that does not name it joins it when it speaks of that year or most of its figures
are the event's; the documents left are routed again the same way. A corpus about one event
is one event. Figures whose context is another year belong to another event. Ids are built
from words of the texts ("khojaly-1992", "war-2020"): stable across runs, never numbers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from accord.model import Claim, Document
from accord.text import Sentence, Token, slug, view
from accord.vocab import Vocab

YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")


@dataclass
class Context:
    """What a sentence speaks of: a year other than the corpus's may mean another event."""

    year: int | None = None
    kind: str | None = None
    own_years: tuple[int, ...] = ()  # the years the sentence itself names


def sentence_years(toks: list[Token], vocab: Vocab,
                   skip: list[tuple[int, int]] | None = None) -> list[int]:
    """Years a sentence places events in (not "since 1991", not "marks the 29th anniversary",
    not the dateline's publication date, given as ``skip`` spans)."""
    words = {t.lower for t in toks}
    if words & vocab.commemoration:
        return []
    years = []
    for k, tok in enumerate(toks):
        if skip and any(a <= tok.start < b for a, b in skip):
            continue
        if tok.kind == "num" and YEAR.match(tok.text):
            back = k - 1
            while back >= 0 and (toks[back].lower in vocab.months or toks[back].text == ","
                                 or toks[back].kind == "num"):
                back -= 1  # "since October 1991", "until 5 May, 2020"
            if back >= 0 and toks[back].lower in vocab.time_bounds:
                continue
            nxt = toks[k + 1].lower if k + 1 < len(toks) else ""
            if (nxt,) in vocab.noun_kinds:
                continue  # "2000 people": a count, not a year
            years.append(int(tok.text))
    return years


def contexts(sents: list[Sentence], toks_of: list[list[Token]], vocab: Vocab,
             skip: list[tuple[int, int]] | None = None) -> list[Context]:
    """The context of each sentence: a year carries on to the end of its paragraph."""
    out: list[Context] = []
    paragraph = -1
    current = Context()
    for sent, toks in zip(sents, toks_of, strict=True):
        if sent.paragraph != paragraph:
            paragraph = sent.paragraph
            current = Context()
        years = sentence_years(toks, vocab, skip)
        kind = next((t.lower for t in toks if t.lower in vocab.event_kinds), None)
        if years:
            current = Context(years[0], kind)
        elif kind and current.year is not None and current.kind is None:
            current = Context(current.year, kind)
        out.append(Context(current.year, current.kind or kind, tuple(years)))
    return out


_CAPITAL = re.compile(r"\b[A-Z][a-z\u00e0-\u024f]{2,}(?:[-'][A-Z]?[a-z]+)?\b")


@lru_cache(maxsize=65536)  # names repeat across a corpus: each is keyed once
def skeleton(word: str) -> str:
    """A spelling-tolerant key: Khojaly/Khojali, Aghdam/Agdam share one."""
    w = word.lower()
    w = re.sub(r"(?<=[bcdfgjklmnpqrstvwxz])h", "", w)
    w = re.sub(r"y\b", "i", w)
    w = re.sub(r"(.)\1+", r"\1", w)
    return w


@dataclass
class PlaceMentions:
    """The capitalised words one document names: where (seen), how saliently (tf), how spelt."""

    seen: set[str] = field(default_factory=set)
    tf: Counter[str] = field(default_factory=Counter)
    forms: dict[str, Counter[str]] = field(default_factory=dict)


def place_mentions(doc: Document, vocab: Vocab) -> PlaceMentions:
    """Names in one document, by spelling-blind key; a name followed by an event word
    ("Khojaly tragedy") counts three times, one starting a sentence not at all."""
    found = PlaceMentions()
    text = view(doc.text)
    for m in _CAPITAL.finditer(text):
        word = m.group(0)
        if word.lower() in vocab.not_places or word.lower() in vocab.months:
            continue
        after = text[m.end():m.end() + 30].lower().split()
        named_event = bool(after) and after[0].strip(".,:;") in vocab.event_kinds
        key = skeleton(word)
        found.seen.add(key)  # named in this document, wherever
        before = text[:m.start()].rstrip()
        if not named_event and (not before or before[-1] in ".!?:\"'\n|"):
            continue  # for salience, a capital starting a sentence says nothing
        found.tf[key] += 3 if named_event else 1
        found.forms.setdefault(key, Counter())[word] += 1
    return found


def mentions_record(found: PlaceMentions) -> dict[str, list[Any]]:
    """A document's place mentions as its stored metadata keeps them, so routing a corpus
    reads no text: key -> [salience, the document's most used spelling, its count]."""
    out: dict[str, list[Any]] = {}
    for k in sorted(found.seen):
        spelt = found.forms.get(k)
        form, count = spelt.most_common(1)[0] if spelt else ("", 0)
        out[k] = [found.tf[k], form, count]
    return out


def stored_places(doc: Document, vocab: Vocab) -> dict[str, list[Any]]:
    """The place mentions extraction recorded for ``doc`` (read from its text when it was
    extracted by a version that did not record them)."""
    stored = doc.meta.get("places")
    if stored is None:
        return mentions_record(place_mentions(doc, vocab))
    return dict(stored)


class Places:
    """Every document's place mentions as two small arrays of key numbers (which keys, how
    salient): routing a crawl holds no set or counter per document."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.number: dict[str, int] = {}
        self.seen: dict[str, np.ndarray] = {}
        self.tf: dict[str, np.ndarray] = {}

    def add(self, doc_id: str, places: dict[str, list[Any]]) -> None:
        for k in places:
            if k not in self.number:
                self.number[k] = len(self.keys)
                self.keys.append(k)
        self.seen[doc_id] = np.array([self.number[k] for k in places], dtype=np.int32)
        self.tf[doc_id] = np.array([v[0] for v in places.values()], dtype=np.int32)

    def names(self, doc_id: str, key: str) -> bool:
        n = self.number.get(key)
        return n is not None and bool((self.seen[doc_id] == n).any())

    def main_key(self, doc_ids: list[str]) -> str | None:
        """The key of the place most documents name, weighted up when an event word follows
        (document frequency x log(1 + salience); ties to the greater key)."""
        if not doc_ids or not self.keys:
            return None
        seen = np.concatenate([self.seen[i] for i in doc_ids])
        tf = np.bincount(seen, weights=np.concatenate([self.tf[i] for i in doc_ids]),
                         minlength=len(self.keys))
        df = np.bincount(seen, minlength=len(self.keys))
        score = np.where(tf > 0, df * np.log1p(tf), -1.0)
        best = score.max()
        if best < 0:
            return None
        return max(self.keys[n] for n in np.flatnonzero(score == best))


def places_of(docs: list[Document], vocab: Vocab) -> Places:
    places = Places()
    for doc in docs:
        places.add(doc.id, stored_places(doc, vocab))
    return places


SPELLING_SAMPLE = 200  # documents read to choose how an event's place is spelt
#: reads the recorded places of some documents (their metadata), by id
PlaceReader = Callable[[list[str]], list[dict[str, list[Any]]]]


def spelling(key: str, naming: list[str], read: PlaceReader) -> str | None:
    """How most of the documents naming a place spell it (the first SPELLING_SAMPLE read)."""
    forms: Counter[str] = Counter()
    for places in read(naming[:SPELLING_SAMPLE]):
        entry = places.get(key)
        if entry and entry[2]:
            forms[entry[1]] += entry[2]
    return forms.most_common(1)[0][0] if forms else None


@dataclass
class Event:
    """An event the corpus speaks of: its id, its year and place when known, and the
    documents routed to it (empty for an event only mentioned inside others)."""

    id: str
    year: int | None
    place: str | None
    main: bool
    docs: list[str] = field(default_factory=list)


MIN_SHARED_FIGURES = 2


def route_documents(docs: list[Document], claims: list[Claim], vocab: Vocab,
                    places: Places | None = None, read: PlaceReader | None = None
                    ) -> list[tuple[list[Document], int | None, str | None]]:
    """Documents grouped by the event they report: (documents, year, place), largest first.
    See the module docstring for the rule. ``places`` and ``read`` (the recorded places of
    documents by id, to spell a place) default to reading ``docs`` themselves."""
    year_df: Counter[int] = Counter(y for d in docs for y in _years(d))
    figures: dict[str, set[tuple[str, int | None, int | None]]] = defaultdict(set)
    for c in claims:
        figures[c.doc].add((c.category, c.low, c.high))
    if places is None or read is None:
        by_id = {d.id: d for d in docs}
        places = places or places_of(docs, vocab)
        read = read or (lambda ids: [stored_places(by_id[i], vocab) for i in ids])
    routed: list[tuple[list[Document], int | None, str | None]] = []
    remaining = list(docs)
    while remaining:
        key = places.main_key([d.id for d in remaining])
        naming = [d for d in remaining if places.names(d.id, key)] if key else []
        core = naming or remaining
        year = _event_year(core, year_df)
        stated: set[tuple[str, int | None, int | None]] = set().union(
            *(figures[d.id] for d in core))
        in_core = {d.id for d in core}  # ids: comparing Documents is slow, and quadratic
        mine = [d for d in remaining if d.id in in_core
                or (year is not None and year in _years(d))
                or _states_its_figures(figures[d.id], stated)]
        routed.append((mine, year, spelling(key, [d.id for d in naming], read)
                       if key else None))
        taken = {d.id for d in mine}
        remaining = [d for d in remaining if d.id not in taken]
    return sorted(routed, key=lambda r: -len(r[0]))


def _states_its_figures(own: set[tuple[str, int | None, int | None]],
                        event: set[tuple[str, int | None, int | None]]) -> bool:
    """At least two of the document's figures, and half of them, are the event's: a relay
    that names no place. Two figures in common by chance ("27 killed") are not enough."""
    shared = len(own & event)
    return shared >= MIN_SHARED_FIGURES and shared >= len(own) / 2


def _years(doc: Document) -> set[int]:
    return {int(y) for y in doc.meta.get("years", [])}


def _event_year(docs: list[Document], year_df: Counter[int]) -> int | None:
    """The year most of these documents speak of (the whole corpus breaks ties); else the
    year most of them were published in."""
    here: Counter[int] = Counter(y for d in docs for y in _years(d))
    if here:
        return max(here, key=lambda y: (here[y], year_df[y], -y))
    published = Counter(d.published[:4] for d in docs if d.published and d.published[:4].isdigit())
    return int(published.most_common(1)[0][0]) if published else None


def assign_events(docs: list[Document], claims: list[Claim], vocab: Vocab,
                  places: Places | None = None, read: PlaceReader | None = None
                  ) -> list[Event]:
    """Route documents to events and set each claim's ``event``: its document's event, or
    another one when its context is another year (``places``, ``read``: see
    route_documents)."""
    events: dict[str, Event] = {}
    event_of: dict[str, Event] = {}
    for group, year, place in route_documents(docs, claims, vocab, places, read):
        event_id = "-".join(p for p in (slug(place) if place else "", str(year) if year else "")
                            if p) or "event"
        event = events.setdefault(event_id, Event(event_id, year, place, True))
        for doc in group:
            event.docs.append(doc.id)
            event_of[doc.id] = event
    for claim in claims:
        home = event_of.get(claim.doc)
        if home is None:
            continue
        ctx_year = claim.context_year
        if ctx_year is None or home.year is None or ctx_year == home.year:
            claim.event = home.id
        else:
            claim.event = f"{slug(claim.context_kind or 'event')}-{ctx_year}"
            if claim.event not in events:
                events[claim.event] = Event(claim.event, ctx_year, None, False)
    return sorted(events.values(), key=lambda e: (not e.main, -len(e.docs), e.id))
