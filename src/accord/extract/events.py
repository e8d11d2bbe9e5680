"""Events: which event a figure belongs to, and stable ids for events.

Per document, each sentence gets a *context*: the year it speaks of (its own, or one set by an
earlier sentence of the same paragraph) and the kind of event named near it ("war").

Across the corpus, documents are routed to events, so a crawl that mixes many events is not
read as one: the place most documents name (most often, most as "X tragedy") is an event,
dated by the year the documents naming it speak of most (else their publication year); a
document that does not name it joins it when it speaks of that year or most of its figures
are the event's signature figures (those a tenth of its reports state); the documents left
are routed again the same way. A corpus about one event is one event. Figures whose context
is another year belong to another event. Ids are built from words of the texts
("khojaly-1992", "war-2020"): stable across runs, never numbers.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, cast

import numpy as np

from accord.claim_table import (
    NONE,
    ClaimTable,
    claim_values,
    coded_column,
    figure_column,
    figure_ranks,
    places_in,
    run_starts,
    sorted_distinct,
)
from accord.model import Claim, Document
from accord.text import Sentence, Token, mark_before, slug, view
from accord.vocab import Vocab, per_vocab

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
        if tok.kind == "num" and YEAR.match(tok.text):
            if skip and any(a <= tok.start < b for a, b in skip):
                continue
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


_LOWER = re.compile(r"\b[a-z][a-z\u00e0-\u024f]{2,}(?:[-'][a-z]+)?\b")
_NEXT_WORD = re.compile(r"\s*(\S+)")


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


@per_vocab
def _not_places(vocab: Vocab) -> frozenset[str]:
    return frozenset(vocab.not_places) | frozenset(vocab.months)


def place_mentions(doc: Document, vocab: Vocab) -> PlaceMentions:
    """Names in one document, by spelling-blind key; a name followed by an event word
    ("Khojaly tragedy") counts three times, one starting a sentence not at all. A word the
    same document also writes in lower case ("Relief Fund" and "relief") is a common word,
    not a place: in a crawl, such words would otherwise gather unrelated reports."""
    found = PlaceMentions()
    text = view(doc.text)
    lower = set(_LOWER.findall(text))
    common = _not_places(vocab)
    keys: dict[str, str | None] = {}  # a name recurs: looked up once (None: not a place)
    for m in _CAPITAL.finditer(text):
        word = m.group(0)
        if word not in keys:
            low = word.lower()
            keys[word] = None if low in common or low in lower else skeleton(word)
        key = keys[word]
        if key is None:
            continue
        after = _NEXT_WORD.match(text, m.end(), m.end() + 30)  # the next word, 30 chars on
        named_event = (after is not None
                       and after.group(1).lower().strip(".,:;") in vocab.event_kinds)
        found.seen.add(key)  # named in this document, wherever
        before = mark_before(text, m.start())
        if not named_event and (not before or before in ".!?:\"'|"):
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


SATURATED = 2 ** 16 - 1  # the most a place's salience or count in one document holds


class Places:
    """Every document's place mentions as rows of flat arrays of key numbers (which keys,
    how salient, which spelling how often): routing a crawl holds no set, counter or array
    per document (three small arrays each were 1.3 GB at 1M documents), and reads no
    document again to spell a place."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.number: dict[str, int] = {}
        self.forms: list[str] = []
        self.form_number: dict[str, int] = {}
        #: the documents in the order added: row r's entries run bounds[r]:bounds[r+1] (a
        #: list of the ids given, not a dict of them: at 1M documents a dict of ids to rows
        #: was ~100 MB, and its keys, read again from the store, a second copy of every id)
        self.ids: list[str] = []
        self.bounds = array("q", [0])
        # per entry: the key, its salience, the document's spelling of it and how often
        # salience and count in 16 bits, held at SATURATED (a document naming one place
        # 65,535 times is past telling apart): a crawl's entries are tens of millions
        self.key_at, self.tf_at = array("i"), array("H")
        self.form_at, self.count_at = array("i"), array("H")

    def add(self, doc_id: str, places: dict[str, list[Any]]) -> None:
        for k, mention in places.items():  # [salience, spelling, its count]
            if k not in self.number:
                self.number[k] = len(self.keys)
                self.keys.append(k)
            self.key_at.append(self.number[k])
            self.tf_at.append(min(mention[0], SATURATED))
            self.form_at.append(self._form(mention[1]))
            self.count_at.append(min(mention[2], SATURATED))
        self.ids.append(doc_id)
        self.bounds.append(len(self.key_at))

    def _form(self, form: str) -> int:
        if form not in self.form_number:
            self.form_number[form] = len(self.forms)
            self.forms.append(form)
        return self.form_number[form]

    def rows(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The rows of ``doc_ids``, in that order."""
        if doc_ids == self.ids:  # every document in the order added (a finish): no index
            return np.arange(len(doc_ids), dtype=np.int64)
        row = {d: r for r, d in enumerate(self.ids)}
        return np.array([row[d] for d in doc_ids], dtype=np.int64)

    def entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries of the documents at ``rows`` (see ``rows``), in that order: where each
        document's run of entries starts (and the end), and each entry's key number (32-bit)
        and salience (16-bit)."""
        bounds = np.frombuffer(self.bounds, dtype=np.int64)
        keys = np.frombuffer(self.key_at, dtype=np.int32)
        tf = np.frombuffer(self.tf_at, dtype=np.uint16)
        if len(rows) == len(bounds) - 1 and np.array_equal(rows, np.arange(len(rows))):
            # every document in the order added (a finish): the arrays as they are (views,
            # not copies), without an index of every entry (a crawl's are tens of millions)
            return bounds, keys, tf
        starts = bounds[rows]
        lengths = bounds[rows + 1] - starts
        ends = np.cumsum(lengths)
        at = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64) + np.repeat(
            starts - (ends - lengths), lengths)
        return np.concatenate(([0], ends)).astype(np.int64), keys[at], tf[at]

    def spelling(self, key: str, naming: Iterable[int]) -> str | None:
        """How most of the documents naming a place (their rows) spell it."""
        n = self.number[key]
        forms: Counter[str] = Counter()
        for row in naming:
            for i in range(self.bounds[row], self.bounds[row + 1]):
                if self.key_at[i] == n and self.count_at[i]:
                    forms[self.forms[self.form_at[i]]] += self.count_at[i]
        return forms.most_common(1)[0][0] if forms else None


def places_of(docs: list[Document], vocab: Vocab) -> Places:
    places = Places()
    for doc in docs:
        places.add(doc.id, stored_places(doc, vocab))
    return places


@dataclass
class Event:
    """An event the corpus speaks of: its id, its year and place when known, and the
    documents routed to it (empty for an event only mentioned inside others)."""

    id: str
    year: int | None
    place: str | None
    main: bool
    docs: list[str] = field(default_factory=list)
    #: the figures (category, low, high) a tenth of its reports state: how a relay that
    #: names no place is recognised, now and when documents are added later
    signature: list[Figure] = field(default_factory=list)


Figure = tuple[str, int | None, int | None]


class Route(NamedTuple):
    docs: list[Document]
    year: int | None
    place: str | None
    signature: list[Figure]


MIN_SHARED_FIGURES = 2
#: a relay joins an event by the figures that a tenth of its reports state: the union of
#: everything a large event's reports say covers most small figures of unrelated reports
SIGNATURE_SHARE = 0.1


class _Postings:
    """Which documents hold each item (a key, a year, a figure), as two flat arrays (the
    holders as 32-bit numbers: a crawl's place mentions are tens of millions): item i's
    holders are ``docs[bounds[i]:bounds[i + 1]]``."""

    def __init__(self, docs: np.ndarray, bounds: np.ndarray) -> None:
        self.docs, self.bounds = docs, bounds

    @classmethod
    def of_entries(cls, items: np.ndarray, docs: np.ndarray, size: int) -> _Postings:
        """From (item, holder) entries."""
        if len(docs) and bool(np.all(docs[1:] >= docs[:-1])):
            # holders in order (as routing gives them): a sparse matrix transposed in C, not
            # a 64-bit sort order of every entry (a crawl's place entries are tens of millions)
            rows = np.searchsorted(docs, np.arange(int(docs[-1]) + 2, dtype=docs.dtype))
            return cls.of_rows(items, rows, size)
        order = np.argsort(items, kind="stable")
        return cls(np.asarray(docs, dtype=np.int32)[order],
                   np.searchsorted(items[order], np.arange(size + 1)))

    @classmethod
    def of_rows(cls, items: np.ndarray, rows: np.ndarray, size: int) -> _Postings:
        """From each holder's items (holder h's are ``items[rows[h]:rows[h + 1]]``): the
        columns of the holders x items matrix, each column's holders in order."""
        from scipy.sparse import csr_matrix

        matrix = csr_matrix((np.ones(len(items), dtype=bool), np.asarray(items, dtype=np.int32),
                             rows), shape=(len(rows) - 1, size)).tocsc()
        return cls(matrix.indices.astype(np.int32, copy=False), matrix.indptr.astype(np.int64))

    def of(self, item: int) -> np.ndarray:
        return self.docs[self.bounds[item]:self.bounds[item + 1]]


def _held(doc_at: np.ndarray, figure_at: np.ndarray, width: int) -> np.ndarray:
    """Each (document, figure) stated, once, as document x width + figure, in order; made in
    ``doc_at`` (used up): np.unique of the sum held four copies of a crawl's claims."""
    doc_at *= width
    doc_at += figure_at
    return sorted_distinct(doc_at)


def _counts(items: np.ndarray, weights: np.ndarray | None, size: int) -> np.ndarray:
    """How often each item occurs (or its summed weights), a block at a time: bincount
    copies every 32-bit item to 64 bits, and every weight to a 64-bit float, at once."""
    total = np.zeros(size, dtype=np.int64)
    for k in range(0, len(items), COUNTED_AT_ONCE):
        block = slice(k, k + COUNTED_AT_ONCE)
        total += np.bincount(items[block], weights=None if weights is None else weights[block],
                             minlength=size).astype(np.int64)
    return total


COUNTED_AT_ONCE = 1 << 20


class DocumentFigures(NamedTuple):
    """What routing reads of the claims: each document's distinct figures (by number), the
    documents stating each figure, and the figures by number."""

    figures_of: _Postings
    stating: _Postings
    figure_of: list[Figure]


def document_figures(docs: list[Document], claims: Sequence[Claim]) -> DocumentFigures:
    """The figures of the documents ``docs`` (by position) that ``claims`` state: a finish
    reads them before it gathers the places, and routes with its claims on disk (the
    benchmark's crawl: 85 bytes of claims and ~680 bytes of place entries a document)."""
    doc_at, figure_at, figure_of = claim_figures(docs, claims)
    width = max(1, len(figure_of))
    held = _held(doc_at, figure_at, width)
    del doc_at, figure_at
    # each document's figures (its run of ``held``), and the documents stating each figure
    figures_of = _Postings((held % width).astype(np.int32),
                           np.searchsorted(held, np.arange(len(docs) + 1, dtype=np.int64)
                                           * width))
    del held
    stating = _Postings.of_rows(figures_of.docs, figures_of.bounds, len(figure_of))
    return DocumentFigures(figures_of, stating, figure_of)


def route_documents(docs: list[Document], claims: Sequence[Claim], vocab: Vocab,
                    places: Places | None = None, figures: DocumentFigures | None = None
                    ) -> list[Route]:
    """Documents grouped by the event they report (documents, year, place, signature
    figures), largest first.
    See the module docstring for the rule. ``places`` defaults to reading ``docs``;
    ``figures`` (document_figures), to reading ``claims``.

    Each round looks only at the documents it could take (through lists of the documents
    naming each place, speaking of each year, stating each figure), so a crawl of many
    events routes in time that grows with its documents, not with documents x events."""
    places = places or places_of(docs, vocab)
    n = len(docs)
    year_df: Counter[int] = Counter(y for d in docs for y in doc_years(d))
    figures_of, stating, figure_of = figures or document_figures(docs, claims)
    own_figures = np.diff(figures_of.bounds)
    year_at, year_doc = array("q"), array("i")  # (year, document) of each year spoken of
    for k, d in enumerate(docs):
        for y in doc_years(d):
            year_at.append(y)
            year_doc.append(k)
    found_years, year_item = np.unique(np.frombuffer(year_at, dtype=np.int64),
                                       return_inverse=True)
    year_number = {y: i for i, y in enumerate(found_years.tolist())}
    speaking = _Postings.of_entries(year_item, np.frombuffer(year_doc, dtype=np.int32),
                                    len(year_number))
    del year_at, year_doc
    rows = places.rows([d.id for d in docs])
    entry_start, entry_key, entry_tf = places.entries(rows)  # document k's: start[k]:start[k+1]
    naming_of = _Postings.of_rows(entry_key, entry_start, len(places.keys))
    df_total = _counts(entry_key, None, len(places.keys))
    tf_total = _counts(entry_key, entry_tf, len(places.keys))
    left = np.ones(n, dtype=bool)
    routed: list[Route] = []
    while left.any():
        key = _main_key(places.keys, df_total, tf_total)
        naming = [] if key is None else [
            k for k in naming_of.of(places.number[key]).tolist() if left[k]]
        core = naming or np.flatnonzero(left).tolist()
        year = _event_year([docs[k] for k in core], year_df)
        mine = set(core)
        if year is not None and year in year_number:
            mine.update(k for k in speaking.of(year_number[year]).tolist() if left[k])
        signature = _signature(core, figures_of)
        mine.update(_relays(signature, stating, own_figures, left))
        taken = sorted(mine)
        left[taken] = False
        for k in taken:  # these documents' places no longer count
            own = slice(entry_start[k], entry_start[k + 1])
            np.subtract.at(df_total, entry_key[own], 1)
            np.subtract.at(tf_total, entry_key[own], entry_tf[own])
        routed.append(Route([docs[k] for k in taken], year,
                            places.spelling(key, rows[naming].tolist()) if key else None,
                            [figure_of[f] for f in signature.tolist()]))
    return sorted(routed, key=lambda r: -len(r.docs))


def claim_figures(docs: list[Document], claims: Sequence[Claim]
                  ) -> tuple[np.ndarray, np.ndarray, list[Figure]]:
    """Each claim's document (its position in ``docs``) and figure (a number for each
    (category, low, high) stated), claims of other documents left out; and the figures by
    number. Found by sorting columns: a crawl's millions of claims numbered through a dict
    of (category, low, high) tuples held hundreds of megabytes of small objects."""
    doc_codes, doc_words = coded_column(claims, "doc")
    doc_at = places_in(doc_words, [d.id for d in docs])[doc_codes]
    del doc_codes
    category, category_words = coded_column(claims, "category")
    # sorted by ranks (a table's figures are codes: their values made were 8 bytes a claim)
    (low_at, lows), (high_at, highs) = figure_column(claims, "low"), figure_column(claims, "high")
    low, high = figure_ranks(low_at, lows), figure_ranks(high_at, highs)
    kept = doc_at >= 0
    if not kept.all():
        doc_at, category, low, high = doc_at[kept], category[kept], low[kept], high[kept]
        low_at, high_at = low_at[kept], high_at[kept]
    order = np.lexsort((high, low, category))
    first = run_starts((category, low, high), order)  # where a figure begins, in that order
    figure_at = np.empty(len(order), dtype=np.int32)  # figures are fewer than claims
    figure_at[order] = np.cumsum(first, dtype=np.int32) - 1
    firsts = order[first]
    none = int(NONE["q"])
    figures: list[Figure] = [
        (cast(str, category_words[c]), None if a == none else a, None if b == none else b)
        for c, a, b in zip(category[firsts].tolist(), lows[low_at[firsts]].tolist(),
                           highs[high_at[firsts]].tolist(), strict=True)]
    return doc_at, figure_at, figures


def _main_key(keys: list[str], df: np.ndarray, tf: np.ndarray) -> str | None:
    """The key of the place most documents left name, weighted up when an event word follows
    (document frequency x log(1 + salience); ties to the greater key)."""
    if not keys:
        return None
    score = np.where(tf > 0, df * np.log1p(tf), -1.0)
    best = score.max()
    if best < 0:
        return None
    return max(keys[n] for n in np.flatnonzero(score == best))


def _signature(core: list[int], figures_of: _Postings) -> np.ndarray:
    """The figures SIGNATURE_SHARE of the core documents state (each at least once)."""
    held = np.concatenate([figures_of.of(k) for k in core]) if core else np.zeros(0, np.int64)
    figures, count = np.unique(held, return_counts=True)
    return figures[count >= max(1, SIGNATURE_SHARE * len(core))]


def _relays(signature: np.ndarray, stating: _Postings, own_figures: np.ndarray,
            left: np.ndarray) -> list[int]:
    """Documents left of which at least two figures, and half of all they state, are the
    event's signature figures: a relay that names no place. Two figures in common by chance
    ("27 killed") are not enough."""
    if not len(signature):
        return []
    holders = np.concatenate([stating.of(int(f)) for f in signature])
    holders = holders[left[holders]]
    who, shared = np.unique(holders, return_counts=True)
    keep = (shared >= MIN_SHARED_FIGURES) & (shared >= own_figures[who] / 2)
    return who[keep].tolist()


def states_signature(own: set[Figure], signature: set[Figure]) -> bool:
    """The relay rule of _relays for one document (as documents added later are routed)."""
    shared = len(own & signature)
    return shared >= MIN_SHARED_FIGURES and shared >= len(own) / 2


def doc_years(doc: Document) -> set[int]:
    return {int(y) for y in doc.meta.get("years", [])}


def _event_year(docs: list[Document], year_df: Counter[int]) -> int | None:
    """The year most of these documents speak of (the whole corpus breaks ties); else the
    year most of them were published in."""
    here: Counter[int] = Counter(y for d in docs for y in doc_years(d))
    if here:
        return max(here, key=lambda y: (here[y], year_df[y], -y))
    published = Counter(d.published[:4] for d in docs if d.published and d.published[:4].isdigit())
    return int(published.most_common(1)[0][0]) if published else None


def assign_events(docs: list[Document], claims: Sequence[Claim], vocab: Vocab,
                  places: Places | None = None) -> list[Event]:
    """Route documents to events and set each claim's ``event``: its document's event, or
    another one when its context is another year (``places``: see route_documents)."""
    events = route_events(docs, claims, vocab, places)
    set_claim_events(claims, documents_events(events), events)
    return listed_events(events)


def route_events(docs: list[Document], claims: Sequence[Claim], vocab: Vocab,
                 places: Places | None = None, figures: DocumentFigures | None = None
                 ) -> dict[str, Event]:
    """The events documents report, by id, each with its documents (see route_documents):
    assign_events without setting the claims' events (set_claim_events does, later)."""
    events: dict[str, Event] = {}
    for route in route_documents(docs, claims, vocab, places, figures):
        event_id = event_id_of(route.place, route.year)
        event = events.setdefault(event_id, Event(event_id, route.year, route.place, True))
        event.signature = sorted(set(event.signature) | set(route.signature), key=str)
        event.docs += (doc.id for doc in route.docs)
    return events


def documents_events(events: dict[str, Event]) -> dict[str, Event]:
    """The event each document was routed to, by document id."""
    return {doc: event for event in events.values() for doc in event.docs}


def listed_events(events: dict[str, Event]) -> list[Event]:
    """Events as a run lists them: those routed to, largest first, then those only
    mentioned."""
    return sorted(events.values(), key=lambda e: (not e.main, -len(e.docs), e.id))


def event_id_of(place: str | None, year: int | None) -> str:
    return "-".join(p for p in (slug(place) if place else "", str(year) if year else "")
                    if p) or "event"


def set_claim_events(claims: Sequence[Claim], event_of: dict[str, Event],
                     events: dict[str, Event]) -> None:
    """Each claim's event: its document's, or the event of another year when the claim's
    context is that year (added to ``events`` when new). A ClaimTable's claims are copies:
    its events are set all at once."""
    found = (_claim_event(doc, event, year, kind, event_of, events)
             for doc, event, year, kind in claim_values(
                 claims, ("doc", "event", "context_year", "context_kind")))
    if isinstance(claims, ClaimTable):
        claims.set_events(found)
        return
    for claim, event in zip(claims, found, strict=True):
        claim.event = event


def _claim_event(doc: str, event: str, ctx_year: int | None, ctx_kind: str | None,
                 event_of: dict[str, Event], events: dict[str, Event]) -> str:
    home = event_of.get(doc)
    if home is None:
        return event
    if ctx_year is None or home.year is None or ctx_year == home.year:
        return home.id
    event = f"{slug(ctx_kind or 'event')}-{ctx_year}"
    if event not in events:
        events[event] = Event(event, ctx_year, None, False)
    return event
