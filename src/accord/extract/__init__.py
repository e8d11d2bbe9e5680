"""Extract: every figure a document states, as Claims tied to their sentence.

``extract(doc, vocab)`` is a pure function of one cleaned document, so the pipeline can map it
over documents in any order, in processes or on a cluster. Which event a claim belongs to
needs the whole corpus; :func:`accord.extract.events.assign_events` sets it afterwards.
"""

from __future__ import annotations

from accord.clean import is_marked
from accord.extract.events import assign_events, contexts, sentence_years
from accord.extract.figures import figures
from accord.model import Claim, Document
from accord.text import sentences, tokens, view
from accord.vocab import Vocab

__all__ = ["assign_events", "extract"]


def extract(doc: Document, vocab: Vocab) -> list[Claim]:
    """Claims for every figure in ``doc`` outside its marked (boilerplate, repeated) spans."""
    plain = view(doc.text)
    sents = [s for s in sentences(doc.text) if not is_marked(doc, s.start, s.end)]
    toks_of = [tokens(plain, s.start, s.end) for s in sents]
    ctxs = contexts(sents, toks_of, vocab)
    years: set[int] = set()
    claims: list[Claim] = []
    used: set[str] = set()
    for sent, toks, ctx in zip(sents, toks_of, ctxs, strict=True):
        years.update(sentence_years(toks, vocab))
        toks = [t for t in toks if not is_marked(doc, t.start, t.end)]
        found = figures(toks, vocab)
        ids: list[str] = []
        for fig in found:
            claim_id = f"{doc.id}@{fig.start}-{fig.end}"
            while claim_id in used:
                claim_id += "+"
            used.add(claim_id)
            ids.append(claim_id)
        for claim_id, fig in zip(ids, found, strict=True):
            claims.append(Claim(
                id=claim_id, doc=doc.id, event="", category=fig.category, group=fig.group,
                value=fig.value, low=fig.low, high=fig.high, qualifier=fig.qualifier,
                start=sent.start, end=sent.end, text=doc.text[sent.start:sent.end],
                figure_start=fig.start, figure_end=fig.end, stated=doc.text[fig.start:fig.end],
                cue=fig.cue, parent=ids[fig.parent] if fig.parent is not None else None,
                context_year=ctx.year, context_kind=ctx.kind,
            ))
    doc.meta["years"] = sorted(years)
    return claims
