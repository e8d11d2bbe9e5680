"""Events: which event a figure belongs to, and stable ids for events.

Per document, each sentence gets a *context*: the year it speaks of (its own, or one set by an
earlier sentence of the same paragraph) and the kind of event named near it ("war"). Across
the corpus, the main event is the year most documents speak of and the place they name most;
figures whose context is another year belong to another event. Ids are built from words of
the texts ("khojaly-1992", "war-2020"): stable across runs, never numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

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


def skeleton(word: str) -> str:
    """A spelling-tolerant key: Khojaly/Khojali, Aghdam/Agdam share one."""
    w = word.lower()
    w = re.sub(r"(?<=[bcdfgjklmnpqrstvwxz])h", "", w)
    w = re.sub(r"y\b", "i", w)
    w = re.sub(r"(.)\1+", r"\1", w)
    return w


def main_place(docs: list[Document], vocab: Vocab) -> str | None:
    """The place most documents name most often, weighted up when an event word follows it."""
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for doc in docs:
        text = view(doc.text)
        seen = set()
        for m in _CAPITAL.finditer(text):
            word = m.group(0)
            if word.lower() in vocab.not_places or word.lower() in vocab.months:
                continue
            after = text[m.end():m.end() + 30].lower().split()
            named_event = bool(after) and after[0].strip(".,:;") in vocab.event_kinds
            key = skeleton(word)
            seen.add(key)  # named in this document, wherever
            before = text[:m.start()].rstrip()
            if not named_event and (not before or before[-1] in ".!?:\"'\n|"):
                continue  # for salience, a capital starting a sentence says nothing
            tf[key] += 3 if named_event else 1
            forms.setdefault(key, Counter())[word] += 1
        df.update(seen)
    if not df:
        return None
    best = max((k for k in df if tf[k]), key=lambda k: (df[k] * math.log1p(tf[k]), k),
               default=None)
    if best is None:
        return None
    return forms[best].most_common(1)[0][0]


def main_year(year_docs: dict[int, set[str]], docs: list[Document]) -> int | None:
    """The year most documents speak of; else the year most documents were published in."""
    if year_docs:
        return max(year_docs, key=lambda y: (len(year_docs[y]), -y))
    published = Counter(d.published[:4] for d in docs if d.published and d.published[:4].isdigit())
    if published:
        return int(published.most_common(1)[0][0])
    return None


@dataclass
class Event:
    """An event the corpus speaks of: its id, its year and place when known."""

    id: str
    year: int | None
    place: str | None
    main: bool


def assign_events(docs: list[Document], claims: list[Claim], vocab: Vocab) -> list[Event]:
    """Set each claim's ``event`` from its context and the corpus's main event."""
    year_docs: dict[int, set[str]] = {}
    for doc in docs:
        for year in doc.meta.get("years", []):
            year_docs.setdefault(int(year), set()).add(doc.id)
    year = main_year(year_docs, docs)
    place = main_place(docs, vocab)
    main_id = "-".join(p for p in (slug(place) if place else "", str(year) if year else "") if p)
    main_id = main_id or "event"
    events = {main_id: Event(main_id, year, place, True)}
    for claim in claims:
        ctx_year = claim.context_year
        if ctx_year is None or year is None or ctx_year == year:
            claim.event = main_id
        else:
            claim.event = f"{slug(claim.context_kind or 'event')}-{ctx_year}"
            events.setdefault(claim.event, Event(claim.event, ctx_year, None, False))
    return list(events.values())
