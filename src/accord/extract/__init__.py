"""Extract: every figure a document states, as Claims tied to their sentence.

``extract(doc, vocab)`` is a pure function of one cleaned document, so the pipeline can map it
over documents in any order, in processes or on a cluster. Which event a claim belongs to
needs the whole corpus; :func:`accord.extract.events.assign_events` sets it afterwards.
"""

from __future__ import annotations

from accord.clean import is_marked
from accord.extract.dates import anniversaries, find_dates, text_metadata
from accord.extract.events import Context, assign_events, contexts, sentence_years
from accord.extract.figures import Figure, figures
from accord.extract.tables import table_blocks, table_figures
from accord.model import Claim, Document
from accord.text import sentences, tokens, view
from accord.vocab import Vocab

__all__ = ["assign_events", "extract"]


def _claim(doc: Document, fig: Figure, claim_id: str, start: int, end: int,
           parent: str | None = None, ctx: Context | None = None) -> Claim:
    return Claim(
        id=claim_id, doc=doc.id, event="", category=fig.category, group=fig.group,
        value=fig.value, low=fig.low, high=fig.high, qualifier=fig.qualifier, start=start,
        end=end, text=doc.text[start:end], figure_start=fig.start, figure_end=fig.end,
        stated=doc.text[fig.start:fig.end], cue=fig.cue, parent=parent,
        context_year=ctx.year if ctx else None, context_kind=ctx.kind if ctx else None)


def _new_id(doc: Document, fig: Figure, used: set[str]) -> str:
    claim_id = f"{doc.id}@{fig.start}-{fig.end}"
    while claim_id in used:
        claim_id += "+"
    used.add(claim_id)
    return claim_id


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
    sents = [s for s in sentences(doc.text, plain)
             if not is_marked(doc, s.start, s.end) and s.start not in in_tables]
    toks_of = [tokens(plain, s.start, s.end) for s in sents]
    years: set[int] = set()
    for sent, toks, ctx in zip(sents, toks_of, contexts(sents, toks_of, vocab), strict=True):
        years.update(sentence_years(toks, vocab))
        found = figures([t for t in toks if not is_marked(doc, t.start, t.end)], vocab)
        ids = [_new_id(doc, fig, used) for fig in found]
        for claim_id, fig in zip(ids, found, strict=True):
            parent = ids[fig.parent] if fig.parent is not None else None
            claims.append(_claim(doc, fig, claim_id, sent.start, sent.end, parent, ctx))
    doc.meta["years"] = sorted(years)
    return claims
