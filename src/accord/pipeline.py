"""The pipeline: ingest -> clean -> extract -> (events) -> store -> reconcile.

``process_document`` is the per-document part (pure: one Document in, its Claims out), so it
can be mapped over documents in any order or place. Everything that needs the whole corpus
(event ids, facts, anomalies) runs on what the store holds, so a store is always consistent
with itself, however many runs wrote to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from accord.chronology import (
    Period,
    anniversary_anomalies,
    event_dates,
    infer_publication_years,
    order_facts,
)
from accord.clean import clean
from accord.extract import assign_events, extract
from accord.extract.entities import entity_variants
from accord.extract.events import Event
from accord.ingest import DEFAULT_MAX_BYTES, Batch, ingest
from accord.model import Claim, Document, Result
from accord.reconcile import fingerprints, reconcile
from accord.reuse import ReuseSettings, find_reuse
from accord.store import Store
from accord.vocab import Vocab, load_vocab

LOGGER = logging.getLogger(__name__)

Progress = Callable[[Document], None]


def process_document(doc: Document, vocab: Vocab) -> tuple[Document, list[Claim]]:
    """Clean one document and extract its claims (event ids are set later, corpus-wide)."""
    clean(doc, vocab)
    return doc, extract(doc, vocab)


def corpus_stages(docs: list[Document], claims: list[Claim], vocab: Vocab,
                  reuse_settings: ReuseSettings | None = None) -> Result:
    """What needs the whole corpus: event ids, reuse groups, facts, anomalies, fingerprints."""
    events = assign_events(docs, claims, vocab)
    infer_publication_years(docs, events)
    report = find_reuse(docs, reuse_settings)
    facts, anomalies = reconcile(claims, report.groups)
    order_facts(facts, claims, docs)
    dates, date_anomalies = event_dates(docs, events, vocab)
    anomalies += date_anomalies + anniversary_anomalies(docs, events)
    sharing = {frozenset((p["a"], p["b"])) for p in report.pairs}
    return Result(docs, claims, facts, anomalies, reuse=report.links, groups=report.groups,
                  pairs=report.pairs, fingerprints=fingerprints(claims, sharing),
                  events=[_event_record(e, dates) for e in events],
                  statements=[{"kind": "attribution", "doc": d.id, **a}
                              for d in docs for a in d.meta.get("attributions", [])]
                  + [{"kind": "quote", **q} for d in docs for q in d.meta.get("statements", [])],
                  entities=entity_variants(docs, vocab))


def _event_record(event: Event, dates: list[dict[str, Any]]) -> dict[str, Any]:
    stated = dates if event.main else []
    status = "undated" if not stated else "agree" if len(stated) == 1 or all(
        _overlap(a["value"], b["value"]) for a in stated for b in stated) else "conflict"
    return {"id": event.id, "year": event.year, "place": event.place, "main": event.main,
            "dates": stated, "date_status": status}


def _overlap(a: str, b: str) -> bool:
    pa, pb = Period.parse(a), Period.parse(b)
    return bool(pa and pb and pa.first <= pb.last and pb.first <= pa.last)


def analyse(docs: list[Document], vocab: Vocab, *, progress: Progress | None = None) -> Result:
    """Run every stage in memory, without a store: the library's one-call entry point."""
    claims: list[Claim] = []
    for doc in docs:
        _, found = process_document(doc, vocab)
        claims.extend(found)
        if progress:
            progress(doc)
    return corpus_stages(docs, claims, vocab)


def finish(store: Store, vocab: Vocab) -> Result:
    """Run the corpus stages over everything the store holds; save and return the result."""
    result = corpus_stages(store.documents(), store.claims(), vocab)
    result.skipped = store.skipped()
    store.save_results(result)
    return result


def vocab_fingerprint(vocab: Vocab) -> str:
    """What a stored document's claims were extracted with: accord's version and vocabulary."""
    import hashlib
    import json
    from importlib.metadata import version

    raw = json.dumps(vocab.raw, sort_keys=True, default=str)
    return hashlib.sha256(f"{version('accord')}\n{raw}".encode()).hexdigest()[:16]


def run(paths: Iterable[str], db: str | Path, *, vocab_files: Iterable[str] = (),
        stdin_text: str | None = None, progress: Progress | None = None,
        batch: Batch | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Result:
    """Read ``paths`` into the store at ``db`` and reconcile the corpus the store holds.

    A document already stored with the same text and the same vocabulary is not extracted
    again, so a run killed part way resumes where it stopped and ends as an uninterrupted
    run would.

    Example:
        >>> result = run(["examples/khojaly"], "accord.db")  # doctest: +SKIP
        >>> len(result.documents)  # doctest: +SKIP
        5
    """
    vocab = load_vocab(*vocab_files)
    if batch is None:
        batch = ingest(paths, stdin_text=stdin_text, max_bytes=max_bytes)
    fingerprint = vocab_fingerprint(vocab)
    with Store(db) as store:
        done = store.fingerprints()
        for doc in batch.documents:
            if done.get(doc.id) == (doc.sha256, fingerprint):
                if progress:
                    progress(doc)
                continue
            _, claims = process_document(doc, vocab)
            doc.meta["extracted_with"] = fingerprint
            store.save_document(doc, claims)
            if progress:
                progress(doc)
        store.save_skipped(batch.skipped)
        result = finish(store, vocab)
    return result
