"""Extract: every figure a document states, as Claims tied to their sentence.

``extract(doc, vocab)`` is a pure function of one cleaned document, so the pipeline can map it
over documents in any order, in processes or on a cluster. Which event a claim belongs to
needs the whole corpus; :func:`accord.extract.events.assign_events` sets it afterwards.
"""

from __future__ import annotations

import re

from accord.clean import is_marked
from accord.extract.attribution import Attribution, find_attributions, quotes
from accord.extract.dates import anniversaries, find_dates, text_metadata
from accord.extract.entities import names_in
from accord.extract.events import (
    Context,
    assign_events,
    contexts,
    mentions_record,
    place_mentions,
)
from accord.extract.figures import Figure, figures
from accord.extract.tables import table_blocks, table_figures
from accord.model import Claim, Document
from accord.text import sentences, tokens, view
from accord.vocab import Vocab, per_vocab

__all__ = ["assign_events", "extract"]


_WORD_OR_DIGIT = re.compile(r"[a-z]+|\d")


@per_vocab
def _could_count(vocab: Vocab) -> frozenset[str]:
    """Words without which a sentence holds no figure, year or event name: a sentence with
    none of them (and no digit) is not tokenised at all (most sentences of a report). A set,
    not one regex alternation: a set lookup per word is many times faster than trying
    hundreds of alternatives at every character."""
    numbers = (set(vocab.units) | set(vocab.tens) | set(vocab.scales)
               | {w for k in vocab.vague for w in k}
               | {w for k in vocab.number_phrases for w in k}
               | vocab.zero_words) - {"a", "an", "of", "the"}
    words = (numbers | set(vocab.event_kinds)
             | {w for k in vocab.singular_persons for w in k}
             | {w for k in vocab.the_singular_persons for w in k} | set(vocab.kin))
    parts = {part for w in words for part in _WORD_OR_DIGIT.findall(w.lower())}
    return frozenset(parts | set("0123456789"))


def _words(sentence: str) -> set[str]:
    """A sentence's lower-cased words and digits: what decides whether it is tokenised and
    which attribution patterns are tried on it."""
    return set(_WORD_OR_DIGIT.findall(sentence.lower()))


def _claim(doc: Document, fig: Figure, claim_id: str, start: int, end: int,
           parent: str | None = None, ctx: Context | None = None) -> Claim:
    return Claim(
        id=claim_id, doc=doc.id, event="", category=fig.category, group=fig.group,
        value=fig.value, low=fig.low, high=fig.high, qualifier=fig.qualifier, start=start,
        end=end, text=doc.text[start:end], figure_start=fig.start, figure_end=fig.end,
        stated=doc.text[fig.start:fig.end], cue=fig.cue, parent=parent,
        context_year=ctx.year if ctx else None, context_kind=ctx.kind if ctx else None)


def _new_id(doc: Document, fig: Figure, used: set[str]) -> str:
    claim_id = f"{doc.id}@{fig.start}-{fig.end}"  # read back by claim_position
    while claim_id in used:
        claim_id += "+"
    used.add(claim_id)
    return claim_id


def claim_position(claim_id: str) -> tuple[str, int, str]:
    """A claim's position (Claim.position: document, figure start, id) from its id alone:
    facts list claim ids, and accord add places new claims among them without reading the
    earlier ones."""
    doc, _, where = claim_id.rpartition("@")
    return doc, int(where.split("-", 1)[0]), claim_id


def claim_document(claim_id: str) -> str:
    """The document of a claim, from its id alone (see claim_position)."""
    return claim_id.rpartition("@")[0]


def read_metadata(doc: Document) -> None:
    """Publisher, date and author from the text where ingest found none; dates in the text.

    What the text says never overrides what the source file recorded; both are kept, each
    with how it was found.
    """
    found = text_metadata(doc)
    recorded = doc.meta.setdefault("metadata", {})
    for name in ("published", "publisher"):
        if name in found:
            if getattr(doc, name) is None:
                setattr(doc, name, found[name]["value"])
                recorded[name] = found[name]
            else:
                recorded.setdefault(name, {"value": getattr(doc, name),
                                           "method": f"{doc.format} metadata"})
                recorded[f"{name}_in_text"] = found[name]
    for name in ("place", "author", "agency"):
        if name in found:
            recorded[name] = found[name]
    doc.meta["dates"] = [d.to_dict() for d in find_dates(doc.text, doc.published)]
    doc.meta["anniversaries"] = anniversaries(doc.text)


def extract(doc: Document, vocab: Vocab) -> list[Claim]:
    """Claims for every figure in ``doc`` outside its marked (boilerplate, repeated) spans."""
    read_metadata(doc)
    plain = view(doc.text)
    claims: list[Claim] = []
    used: set[str] = set()
    in_tables: set[int] = set()
    for block in table_blocks(plain):
        in_tables.update(start for start, _ in block)
        if is_marked(doc, block[0][0], block[-1][1]):
            continue
        for (row_start, row_end), fig in table_figures(plain, block, vocab):
            claims.append(_claim(doc, fig, _new_id(doc, fig, used), row_start, row_end))
    sents = [s for s in sentences(doc.text)
             if not is_marked(doc, s.start, s.end) and s.start not in in_tables]
    wanted = _could_count(vocab)
    words_of = [_words(plain[s.start:s.end]) for s in sents]
    toks_of = [tokens(plain, s.start, s.end) if not wanted.isdisjoint(words) else []
               for s, words in zip(sents, words_of, strict=True)]
    years: set[int] = set()
    voices = Voices(doc, vocab)
    dateline = [(m["start"], m["end"]) for m in doc.meta.get("metadata", {}).values()
                if isinstance(m, dict) and "start" in m]
    ctxs = contexts(sents, toks_of, vocab, dateline)
    for ctx in ctxs:
        if ctx.own_years:
            years.update(ctx.own_years)
    for sent, toks, ctx, words in zip(sents, toks_of, ctxs, words_of, strict=True):
        if any(m.start < sent.end and sent.start < m.end for m in doc.marked):
            toks = [t for t in toks if not is_marked(doc, t.start, t.end)]
        found = figures(toks, vocab) if toks else []
        ids = [_new_id(doc, fig, used) for fig in found]
        source = voices.read(sent.start, sent.end, sent.paragraph, words)
        for claim_id, fig in zip(ids, found, strict=True):
            parent = ids[fig.parent] if fig.parent is not None else None
            claim = _claim(doc, fig, claim_id, sent.start, sent.end, parent, ctx)
            if source is not None:
                claim.source = str(source["source"])
                voices.claimed(source, claim_id)
            claims.append(claim)
    doc.meta["years"] = sorted(years)
    doc.meta["places"] = mentions_record(place_mentions(doc, vocab))
    doc.meta["names"] = names_in(doc, vocab)
    voices.read_quotes()
    doc.meta["attributions"] = voices.attributions
    doc.meta["statements"] = voices.statements
    return claims


MAX_CARRIED_PARAGRAPHS = 6
# a sentence in the present or future, or in the writer's own first person: the text has
# left the report's past account
NOT_NARRATIVE = re.compile(r"\b(?:[Ii]s|[Aa]re|am|[Hh]as|[Hh]ave|[Ww]ill|shall|remains|continues|"
                           r"[Tt]oday|[Nn]ow|[Oo]ur|[Ww]e|us|I)\b")


class Voices:
    """Who speaks in each sentence of a document: attributions carried through paragraphs."""

    def __init__(self, doc: Document, vocab: Vocab) -> None:
        self.doc = doc
        self.vocab = vocab
        self.plain = view(doc.text)
        self.attributions: list[dict[str, object]] = []
        self.statements: list[dict[str, object]] = []
        self._carry: tuple[int, dict[str, object]] | None = None  # (paragraph, attribution)
        self._last_document_source: dict[str, object] | None = None
        self._narrative: tuple[int, dict[str, object]] | None = None  # (from paragraph, report)
        self._carried_records: dict[int, dict[str, object]] = {}
        self._report_methods = tuple(f"{d} says" for d in vocab.source_documents)

    def read(self, start: int, end: int, paragraph: int,
             words: set[str] | None = None) -> dict[str, object] | None:
        """The attribution that covers this sentence: its own, its paragraph's, or a report's
        whose account the paragraphs after it carry on (see :meth:`_carried`). ``words``:
        the sentence's lower-cased words, when the caller has them."""
        sentence = self.plain[start:end]
        own = [r for a in find_attributions(sentence, self.vocab, words)
               if (r := self._record(a, start)) is not None]
        if self._carry and self._carry[0] != paragraph:
            if str(self._carry[1]["method"]).startswith(self._report_methods) and not own:
                self._narrative = (paragraph, self._carry[1])
            self._carry = None
        if own:
            self._narrative = None
        current = own[0] if own else (self._carry[1] if self._carry else None)
        for found in own:
            if found["scope"] == "paragraph":
                self._carry = (paragraph, found)
                self._last_document_source = found
        if current is None and self._narrative is not None:
            current = self._carried(sentence, paragraph)
        return current

    def _carried(self, sentence: str, paragraph: int) -> dict[str, object] | None:
        """A report's account often runs on past its paragraph ("The report notes ...", then
        what happened that night, paragraph by paragraph) with no marker. The report stays
        the source while the text keeps telling that past account: up to a sentence in the
        present or future ("has declined", "are still", "will") or in the writer's own first
        person ("our correspondent"), another attribution, or MAX_CARRIED_PARAGRAPHS. Such
        claims say they were carried, and from where."""
        assert self._narrative is not None
        first, report = self._narrative
        if NOT_NARRATIVE.search(sentence) or paragraph - first >= MAX_CARRIED_PARAGRAPHS:
            self._narrative = None
            return None
        key = id(report)
        if key not in self._carried_records:
            record = dict(report, scope="carried", claims=[],
                          method=f"{report['method']}, carried into the paragraphs that "
                                 "continue its account (no attribution marker there)")
            self._carried_records[key] = record
            self.attributions.append(record)
        return self._carried_records[key]

    def read_quotes(self) -> None:
        """Quoted statements, each with the attribution nearest to it on its line."""
        for q_start, q_end, _ in quotes(self.plain):
            line_start = self.plain.rfind("\n", 0, q_start) + 1
            line_end = self.plain.find("\n", q_end)
            line_end = len(self.plain) if line_end < 0 else line_end
            near = [a for a in self.attributions
                    if line_start <= int(str(a["start"])) < line_end
                    and not q_start <= int(str(a["start"])) < q_end]
            speaker = min(near, key=lambda a: min(abs(int(str(a["start"])) - q_start),
                                                  abs(int(str(a["start"])) - q_end)),
                          default=None)
            self.statements.append({
                "doc": self.doc.id, "quote": self.doc.text[q_start:q_end],
                "start": q_start, "end": q_end,
                "speaker": speaker["source"] if speaker else None,
                "method": speaker["method"] if speaker else "quote with no named speaker"})

    def _record(self, a: Attribution, offset: int) -> dict[str, object] | None:
        source = self.doc.text[offset + a.start:offset + a.end]
        method = a.method
        lowered = view(source).lower()
        for det in ("the ", "this ", "that ", "its ", "their "):
            lowered = lowered.removeprefix(det)
        lowered = lowered.strip()
        if lowered in self.vocab.source_documents or lowered in self.vocab.pronouns:
            if self._last_document_source is None:
                return None  # "the report says" with no report named before: no source
            source = str(self._last_document_source["source"])
            method = f"{a.method}, referring to {self._last_document_source['source']}"
        record: dict[str, object] = {"source": source, "start": offset + a.start,
                                     "end": offset + a.end, "method": method,
                                     "scope": a.scope, "claims": []}
        self.attributions.append(record)
        return record

    def claimed(self, attribution: dict[str, object], claim_id: str) -> None:
        claims = attribution["claims"]
        if isinstance(claims, list):
            claims.append(claim_id)
