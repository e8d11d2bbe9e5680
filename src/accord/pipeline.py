"""The pipeline: ingest -> clean -> extract -> (events) -> store -> reconcile.

``process_document`` is the per-document part (pure: one Document in, its Claims out), so it
can be mapped over documents in any order or place. Everything that needs the whole corpus
(event ids, facts, anomalies) runs on what the store holds, so a store is always consistent
with itself, however many runs wrote to it.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import resource
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from functools import lru_cache, partial
from itertools import pairwise
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar, cast

import numpy as np

from accord.chronology import Period, date_record, order_facts, tally_dates
from accord.claim_table import (
    ClaimTable,
    claim_values,
    claims_at,
    coded_column,
    fact_order,
    figure_column,
    in_order,
    places_in,
    release_sealed,
)
from accord.clean import clean
from accord.extract import claim_position, extract
from accord.extract.attribution import document_statements
from accord.extract.entities import NameIndex, entity_variants
from accord.extract.events import (
    DocumentFigures,
    Event,
    Places,
    document_figures,
    documents_events,
    listed_events,
    route_events,
    set_claim_events,
    stored_places,
)
from accord.fact_stream import FACT_FIELDS, streamed_fact
from accord.ingest import DEFAULT_MAX_BYTES, Batch, stream
from accord.model import Anomaly, Claim, Document, Fact, Result, Skipped
from accord.reconcile import (
    FactSummary,
    fact_summary,
    figure_sets,
    group_numbers,
    independence,
    pair_codes,
    reconcile,
    sets_fingerprints,
    subgroup_anomalies,
    swap_candidate_rows,
    swaps_among,
    within_document_conflicts,
)
from accord.reuse import (
    KnownReuse,
    ReuseSettings,
    document_keys,
    find_reuse,
    keys_version,
)
from accord.store import (
    Store,
    anomalies_in_order,
    finished_key,
    finished_key_from,
    spill_occurrences,
)
from accord.vocab import Vocab, load_vocab

LOGGER = logging.getLogger(__name__)

Progress = Callable[[Document], None]


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Log a corpus stage's time and the process's peak memory (``accord -v``): at scale the
    corpus stages, not extraction, decide whether a run fits the machine."""
    start = time.perf_counter()
    yield
    _give_back()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    LOGGER.info("%s: %.1f s, peak RSS %.0f MB%s", name, time.perf_counter() - start, peak,
                _now_rss())


def _give_back() -> None:
    """Hand the memory a stage let go back to the system (glibc's malloc_trim; elsewhere
    nothing). glibc keeps freed memory for the process, and the next stages' arrays did not
    fit in what it kept: a finish of 100k documents peaked at 577 MB without this, 530 MB
    with it (each call well under a second). The pages of the sealed claim tables that the
    stage mapped in are handed back too (ClaimTable.seal)."""
    release_sealed()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def _now_rss() -> str:
    """The process's resident memory at this moment, where the system tells it (Linux): the
    peak alone cannot show what a stage let go."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return ""
    return f", now {pages * resource.getpagesize() / 2**20:.0f} MB"


@contextmanager
def paused_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the corpus stages run. They hold millions of
    objects for their whole run (claims, facts, band keys), which the collector walks again
    each time the heap grows by a quarter: a fifth of a finish of 100k documents (80.7 ->
    63.6 s, the same peak memory) and of an add. Their objects form no cycles that matter:
    reference counting frees what they drop, and the collector frees any cycle once back on.
    Nested uses leave it as the outermost found it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


Value = TypeVar("Value")


class _Forked(Generic[Value]):
    """The items of the generator ``job`` made in a forked process, started at once and read
    from a pipe as they come (items()); the job's error is raised by items(), and cancel()
    ends the process. What Background and forked_stream share."""

    def __init__(self, job: Callable[[], Iterable[Value]], daemon: bool = True) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)

        def target() -> None:
            try:
                for item in job():
                    send.send((True, item))
                send.send((None, None))
            except BaseException as exc:  # handed to the parent as it is
                send.send((False, exc))

        self.process = context.Process(target=target, daemon=daemon)
        self.process.start()
        send.close()

    def items(self) -> Iterator[Value]:
        while True:
            try:
                ok, item = self.receive.recv()
            except EOFError:
                self.process.join()
                raise RuntimeError(f"a forked stage ended without its results (exit code "
                                   f"{self.process.exitcode})") from None
            if ok is None:
                self.process.join()
                return
            if not ok:
                self.process.join()
                raise item
            yield cast(Value, item)

    def cancel(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.receive.close()


def _forks() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class Background(Generic[Value]):
    """A job running in a forked process: calling it waits for its result (or raises its
    error); cancel() ends it, for a caller that failed before it needed the result (the job
    may write to the store: it must not outlive the finish that started it)."""

    def __init__(self, job: Callable[[], Value], enabled: bool = True,
                 daemon: bool = True) -> None:
        self.process: Any = None
        if not enabled or not _forks():
            self.done = job()
            return
        self.forked = _Forked(lambda: (job(),), daemon)
        self.process = self.forked.process

    def __call__(self) -> Value:
        if self.process is None:
            return self.done
        try:
            (value,) = self.forked.items()  # the one result, then the end of the job
        finally:
            self.forked.cancel()  # ended by then: its pipe closed
        return value

    def cancel(self) -> None:
        if self.process is not None:
            self.forked.cancel()


def in_background(job: Callable[[], Value], enabled: bool = True,
                  daemon: bool = True) -> Background[Value]:
    """Start ``job`` in a forked process (when ``enabled`` and the platform forks); returns
    what waits for its result. A corpus stage that needs nothing the next stages make runs
    beside them on a core they leave idle. The job must not use the parent's database
    connection: it opens its own. A job that starts processes of its own (a pool) must
    not be a daemon (multiprocessing forbids it): cancel() it when the caller fails."""
    return Background(job, enabled, daemon)


def forked_stream(job: Callable[[], Iterator[Value]], enabled: bool = True
                  ) -> Generator[Value, None, None]:
    """The items of the generator ``job`` makes in a forked process (when ``enabled`` and the
    platform forks), as they come: what a stage allocates and lets go then never enters this
    process's heap. Its error is raised here; the process is ended when the caller stops
    early or fails. As in_background, the job opens its own database connection."""
    if not enabled or not _forks():
        yield from job()
        return
    forked = _Forked(job)
    try:
        yield from forked.items()
    finally:
        forked.cancel()


def process_document(doc: Document, vocab: Vocab) -> tuple[Document, list[Claim]]:
    """Clean one document and extract its claims (event ids are set later, corpus-wide)."""
    clean(doc, vocab)
    return doc, extract(doc, vocab)


class Processed(NamedTuple):
    """One document as the per-document stage leaves it: cleaned, its claims, and its reuse
    band keys (version, bytes), so that the corpus stage finds candidates without texts."""

    doc: Document
    claims: list[Claim]
    reuse_keys: tuple[str, bytes]


def _process(doc: Document, vocab_files: tuple[str, ...]) -> Processed:
    """The per-document stage as a worker runs it: the vocabulary is loaded once per process."""
    doc, claims = process_document(doc, load_vocab(*vocab_files))
    return Processed(doc, claims, (KEYS_VERSION, document_keys(doc, DEFAULT_REUSE).tobytes()))


DEFAULT_REUSE = ReuseSettings()
KEYS_VERSION = keys_version(DEFAULT_REUSE)


def _process_chunk(docs: list[Document], vocab_files: tuple[str, ...]) -> list[Processed]:
    return [_process(doc, vocab_files) for doc in docs]


Item = TypeVar("Item")


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_order(submit: Callable[[list[Document]], Any], chunks: Iterable[list[Document]],
              depth: int) -> Iterator[Processed]:
    """Chunks submitted as the stream is read, ``depth`` of them in flight; results in the
    order of the stream (a process pool's or a Dask cluster's futures alike)."""
    from collections import deque

    pending: deque[Any] = deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        if len(pending) >= depth:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()


CHUNK = 16  # documents a worker takes at once
IN_FLIGHT = 4  # chunks per worker queued ahead: enough to keep it busy, never the corpus


def process_all(docs: Iterable[Document], vocab_files: tuple[str, ...] = (), *,
                workers: int = 1, dask: str | None = None) -> Iterator[Processed]:
    """The per-document stage over many documents, in order: in this process, in ``workers``
    local processes, or on a Dask cluster (``dask="local"`` starts one on this machine).
    The same function runs everywhere, so the results are the same. ``docs`` is consumed as
    it goes (only a few chunks ahead), so a stream of millions of documents is never held."""
    if dask:
        yield from _on_dask(docs, vocab_files, dask, workers)
    elif workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from _in_order(lambda chunk: pool.submit(_process_chunk, chunk, vocab_files),
                                 _chunks(docs, CHUNK), workers * IN_FLIGHT)
    else:
        for doc in docs:
            yield _process(doc, vocab_files)


def _on_dask(docs: Iterable[Document], vocab_files: tuple[str, ...], address: str,
             workers: int) -> Iterator[Processed]:
    from distributed import Client, LocalCluster

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        # as with local processes: the cluster never holds the corpus
        yield from _in_order(
            lambda chunk: client.submit(_process_chunk, chunk, vocab_files, pure=False),
            _chunks(docs, CHUNK * 4), max(1, workers) * IN_FLIGHT)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


#: documents by id, in one of READ_PARTS' parts
Reader = Callable[[list[str], str], list[Document]]
#: what a Reader's part gives: (the texts?, the metadata keys; None: all of them)
READ_PARTS: dict[str, tuple[bool, tuple[str, ...] | None]] = {
    "whole": (True, None),
    "text": (True, ()),  # without metadata
    "places": (False, ("places",)),  # what routing reads
    "names": (False, ("names",)),  # what entity clusters read
    "names and places": (False, ("names", "places")),
    "dating": (True, ("metadata", "dates", "anniversaries")),  # what date records read
}
BATCH = 500  # whole documents a streaming stage holds at once
FACT_BATCH = 50_000  # claims whose facts a finish stages at once


def corpus_stages(docs: list[Document], claims: Sequence[Claim], vocab: Vocab,
                  reuse_settings: ReuseSettings | None = None,
                  known_reuse: KnownReuse | None = None,
                  read: Reader | None = None,
                  stored_keys: Iterable[tuple[str, Any]] | None = None,
                  workers: int = 1, statements: bool = True,
                  staging: Store | None = None,
                  entities: Background[list[dict[str, Any]]] | None = None,
                  reopen: Callable[[], Reader] | None = None) -> Result:
    """What needs the whole corpus: event ids, reuse groups, facts, anomalies, fingerprints.

    ``docs`` may come without their texts (as ``finish`` reads a store): ``read`` then gives
    whole documents by id, and every stage that reads text takes them a batch or an event
    at a time. ``changed`` on the result lists the documents a stage changed (a publication
    year inferred), for the store to rewrite. ``stored_keys``: documents' reuse band keys
    as the per-document stage kept them (see find_reuse); ``workers``: local processes
    that align reuse candidates; ``statements``: gather the documents' attributions and
    quotes (a store keeps them with each document, so ``finish`` does not); ``staging``: a
    store whose staging tables take the reuse links and pair records, the facts (a few at a
    time), the date records (an event at a time), the anomalies and the fingerprint pairs as
    they are found, instead of the result: at 1M documents they are gigabytes of objects
    (Store.save_results(staged=True) takes them in); ``entities``: the entity clusters
    being made in a process of their own (start_entities: a finish starts it before it
    reads the claims and documents, so that the process holds no copy of them, and ends it
    if the finish fails), which then are not made here; ``reopen``: a reader over a
    connection of its own, with which the stages from the documents' metadata to their
    dates run in a forked process, given ``entities`` and without ``statements`` (see
    _routed_and_dated)."""
    by_id = {d.id: d for d in docs}
    texts: Sequence[Document] = docs if read is None else StoredTexts(docs, read)
    read = read or (lambda ids, _part: [by_id[i] for i in ids])

    # given entities, a process of its own reads the names and clusters them, beside the
    # stages below; the names never enter this process
    background = entities is not None
    names = None if background else NameIndex()
    said: list[dict[str, Any]] = []

    def also(doc: Document) -> None:  # what the metadata pass reads for this process
        if names is not None:
            names.add(doc, vocab)
        if statements:
            said.extend(document_statements(doc))

    reads_more = not background or statements  # than the places
    fork_with = reopen if not reads_more else None  # a forked process's reader
    with stage("figures"):  # what routing reads of the claims
        figures = document_figures(docs, claims)
    # the places, routing, dates and reuse read no claim: the claims wait on disk until the
    # facts
    with _set_aside(claims):
        # closed on an error here: a forked stage is ended then, not when collected
        with closing(forked_stream(partial(
                _routed_and_dated, docs, figures, vocab, fork_with or (lambda: read), by_id,
                also if reads_more else None, forked=fork_with is not None),
                enabled=fork_with is not None)) as messages:
            dated = _Dated(messages, docs, by_id, staging)
            dated.take(until="read")  # the documents' metadata: the name index is complete
            if entities is None:
                with stage("entities"):  # now, so that the name index is let go before reuse
                    clusters = _entity_clusters(cast(NameIndex, names), vocab, read)
                entities = in_background(partial(list, clusters), enabled=False)
            names = None
            dated.take()
        del figures
        routed, dates = dated.routed, dated.dates
        with stage("reuse"):
            report = find_reuse(texts, reuse_settings, known_reuse, dated=docs,
                                stored_keys=stored_keys
                                if reuse_settings in (None, DEFAULT_REUSE) else None,
                                workers=workers, sink=staging.stage_reuse if staging else None)
    with stage("claims' events"):
        set_claim_events(claims, documents_events(routed), routed)  # adds events mentioned
    events = listed_events(routed)
    anomalies: list[Anomaly] = []
    with stage("facts"):
        if staging is None:
            facts, anomalies = reconcile(list(claims), report.groups)
            order_facts(facts, list(claims), docs)
        else:  # handed to the store a few at a time: not all held at once
            facts = []
            _staged_facts(claims, report.groups, by_id, staging)
    with stage("fingerprints"):
        sets = figure_sets(claims)
        with _set_aside(claims):  # the pairs of sets read no claim
            shared_figures = sets_fingerprints(
                sets, _sharing_codes(docs, sets.ids, report.sharing),
                staging.stage_fingerprints if staging else None)
        del sets
    with stage("entities (waited for)"):
        clusters = entities()
    result = Result(docs, claims, facts, anomalies + dated.anomalies, reuse=report.links,
                    groups=report.groups, pairs=report.pairs, fingerprints=shared_figures,
                    events=[event_record(e, dates.get(e.id, [])) for e in events],
                    statements=sorted(said, key=_quote_last), entities=clusters,
                    changed=dated.changed, date_records=dated.records)
    return result


Message = tuple[str, Any]


def _routed_and_dated(docs: list[Document], figures: DocumentFigures, vocab: Vocab,
                      read_with: Callable[[], Reader], by_id: dict[str, Document],
                      also: Callable[[Document], None] | None, forked: bool = False
                      ) -> Iterator[Message]:
    """The stages of corpus_stages between the claims' figures and reuse, as messages for
    _Dated: the documents' places read (each document also handed to ``also``), then the
    events routed (their place index let go), then each event's dates (its date anomalies
    and date records, a few at a time, then what it states and the documents whose
    publication year was inferred), then the events. A finish over a store runs them in a
    process of their own: they read every document's places and dating parts and hold the
    place index (~0.5 GB at 1M documents); where a finish made them, what they let go stayed
    in its heap, pinned by the few objects that lived on (+391 MB of RSS at 1M, no more
    live objects). ``forked``: the events' documents sent as positions in ``docs``, and the
    stages logged as the forked process's (its peak RSS counts the pages it shares)."""
    read = read_with()
    places = Places()
    where = " (forked)" if forked else ""
    with stage(f"metadata{where}"):  # one pass for what routing, entities and statements need
        ids = [d.id for d in docs]
        for k in range(0, len(ids), BATCH):
            for doc in _with_meta(read, ids[k:k + BATCH],
                                  "places" if also is None else "names and places"):
                # the id as ``docs`` hold it: the one read here is a second copy
                places.add(by_id[doc.id].id, stored_places(doc, vocab))
                if also is not None:
                    also(doc)
    yield "read", None
    with stage(f"events{where}"):
        routed = route_events(docs, (), vocab, places, figures)
    del places
    with stage(f"dates{where}"):
        for event in listed_events(routed):
            if event.main:
                changed: list[Document] = []
                stated, found, records = date_event(event, vocab, read, by_id, changed)
                for k in range(0, max(len(records), 1), BATCH):
                    yield "found", (found if k == 0 else [], records[k:k + BATCH])
                yield "dated", (event.id, stated, changed)
    positions: dict[str, np.ndarray] = {}
    if forked:  # a crawl's every document id, a second copy: its place in ``docs``
        place = {doc.id: n for n, doc in enumerate(docs)}
        for event in routed.values():
            positions[event.id] = np.array([place[i] for i in event.docs], dtype=np.int32)
            event.docs = []
    yield "routed", (routed, positions)


class _Dated:
    """What _routed_and_dated found, taken in as its messages come (take). The date anomalies and
    records go to ``staging`` when given, not here (a record per document: gigabytes of
    dicts at 1M documents); the documents whose publication year was inferred are set on
    ``by_id``'s."""

    def __init__(self, messages: Iterator[Message], docs: list[Document],
                 by_id: dict[str, Document], staging: Store | None) -> None:
        self.messages, self.docs, self.by_id, self.staging = messages, docs, by_id, staging
        self.routed: dict[str, Event] = {}
        self.dates: dict[str, list[dict[str, Any]]] = {}
        self.anomalies: list[Anomaly] = []
        self.changed: list[Document] = []
        self.records: list[tuple[str, dict[str, Any]]] = []

    def take(self, until: str | None = None) -> None:
        """Take the messages in, up to the first of kind ``until`` (all when None)."""
        for kind, payload in self.messages:
            if kind == until:
                return
            if kind == "found":
                found, records = payload
                if self.staging is None:
                    self.anomalies += found
                    self.records += records
                else:
                    self.staging.stage_anomalies(found, dates=True)
                    self.staging.stage_date_records(records)
            elif kind == "dated":
                event_id, self.dates[event_id], changed = payload
                for whole in changed:
                    _inferred(self.by_id[whole.id], whole)
                self.changed += changed
            elif kind == "routed":
                self.routed, positions = payload
                for event_id, at in positions.items():
                    self.routed[event_id].docs = [self.docs[n].id for n in at.tolist()]


def _sharing_codes(docs: list[Document], ids: list[str], pairs: np.ndarray) -> np.ndarray:
    """The pairs of places in ``docs`` (an array of two columns) as pair_codes of the
    figure sets of ``ids`` (in id order), made on arrays: as ids, a crawl's millions of
    pairs sharing text were read one by one through a dict of every id."""
    number = places_in([d.id for d in docs], ids)  # each document's set, or none
    pairs = pairs.reshape(-1, 2)
    return pair_codes(number[pairs[:, 0]], number[pairs[:, 1]], len(ids))


@contextmanager
def _set_aside(claims: Sequence[Claim], names: tuple[str, ...] = ()) -> Iterator[None]:
    """A ClaimTable's columns ``names`` (all when none are named) on disk for the while
    (ClaimTable.set_aside); a list stays."""
    if isinstance(claims, ClaimTable):
        with stage(f"claims set aside{' (' + ', '.join(names) + ')' if names else ''}"), \
                claims.set_aside(names):
            yield
    else:
        yield


def _staged_facts(claims: Sequence[Claim], groups: list[list[str]], by_id: dict[str, Document],
                  staging: Store) -> None:
    """reconcile and order_facts a fact at a time (a fact, its independence and whether it
    rises over time need only its claims; its category swaps, its event's summaries and
    candidates), the facts handed to ``staging`` as made, and the anomalies, in reconcile's
    order: a crawl's largest event holds a fifth of its claims, its largest fact fewer."""
    # found on columns, and staged as found: a crawl's are a million
    staging.stage_anomalies(subgroup_anomalies(claims))
    release_sealed()  # the columns it read whole: not held through the next passes
    staging.stage_anomalies(within_document_conflicts(claims))
    with anomalies_in_order() as (keep_swaps, swaps_in_order):
        _stage_facts(claims, groups, by_id, staging, keep_swaps)
        staging.stage_anomalies(swaps_in_order())  # as one pass over all claims lists them


def _stage_facts(claims: Sequence[Claim], groups: list[list[str]], by_id: dict[str, Document],
                 staging: Store,
                 keep_swaps: Callable[[Iterable[tuple[tuple[str, int, str], Anomaly]]], None]
                 ) -> None:
    """_staged_facts' pass over the facts, an event at a time; each event's category swaps
    handed to ``keep_swaps`` with their first claim's position. The claims are read in fact
    order (fact_order, in_order): a sealed table then maps in a few pages at a time, where
    a fact's claims, scattered over the table, mapped in all of it."""
    group_of = group_numbers(groups)

    def published(doc: str) -> str | None:
        return by_id[doc].published
    order, bounds = fact_order(claims)
    release_sealed()  # the key columns it sorted by
    ordered = in_order(claims, order)
    columns = (coded_column(ordered, "doc")[0], coded_column(ordered, "category")[0],
               coded_column(ordered, "group")[0], figure_column(ordered, "value"))
    held: list[Fact] = []  # staged FACT_BATCH claims' facts at a time
    held_claims = 0
    for edges in bounds:
        best: dict[tuple[str, str, str], FactSummary] = {}
        keyed = []
        for a, b in pairwise(edges.tolist()):
            # made from the claims' fields, not the claims (a crawl's largest fact has
            # 420k); no timeline: the store keeps none
            key = cast(tuple[str, str, str],
                       next(iter(_values_of(ordered, ("event", "category", "group"), a, a + 1))))
            facts = [streamed_fact(key, _values_of(ordered, FACT_FIELDS, a, b), published)]
            independence(facts, groups, group_of)
            best[key] = fact_summary(facts[0])
            keyed.append((key, np.arange(a, b)))
            held += facts
            held_claims += b - a
            if held_claims >= FACT_BATCH:
                staging.stage_facts(held)
                held, held_claims = [], 0
                release_sealed()  # the pages these facts' claims were read from
        picked = np.array(swap_candidate_rows(keyed, columns, best), dtype=np.int64)
        picked = picked[np.argsort(order[picked], kind="stable")]  # in the table's order
        candidates = claims_at(ordered, picked.tolist())
        keep_swaps((claim_position(a.claims[0]), a) for a in swaps_among(candidates, best))
    staging.stage_facts(held)


def _values_of(claims: Sequence[Claim], names: tuple[str, ...], a: int, b: int
               ) -> Iterator[tuple[Any, ...]]:
    """The fields ``names`` of the claims at rows a:b, a tuple each (a table's are read from
    its columns, a block at a time)."""
    return claim_values(claims.rows(np.arange(a, b)) if isinstance(claims, ClaimTable)
                        else claims[a:b], names)


def start_entities(ids: list[str], vocab: Vocab, reopen: Callable[[], Reader],
                   staging: Store | None) -> Background[list[dict[str, Any]]]:
    """Make the entity clusters of the documents ``ids`` in a process of their own, which
    reads their names through ``reopen`` and, given ``staging``, writes their occurrences
    to its spill file (see corpus_stages)."""
    with stage("entities (started)"):
        keep = None if staging is None else partial(spill_occurrences,
                                                    staging.occurrences_spill())
        return in_background(partial(_entities_of_store, ids, vocab, reopen, keep))


def _entity_clusters(names: NameIndex, vocab: Vocab, read: Reader, lazy: bool = False,
                     again: Callable[[], Iterable[Document]] | None = None
                     ) -> list[dict[str, Any]]:
    return entity_variants(names, vocab, lambda i: read([i], "text")[0].text, lazy, again)


def _entities_of_store(ids: list[str], vocab: Vocab, reopen: Callable[[], Reader],
                       keep: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None
                       = None) -> list[dict[str, Any]]:
    """The entity clusters of the documents ``ids``, their names and texts read through a
    new connection (this runs in a process of its own); given ``keep``, what it returns of
    them (a crawl's occurrences are millions: written where they are kept, not sent
    back). The names are read twice, first to number the forms, then for the occurrences
    of the forms the clusters need: this process runs beside the finish's other stages,
    and at 1M documents every occurrence held was ~380 MB more at its peak."""
    read = reopen()

    def names_read() -> Iterator[Document]:
        for k in range(0, len(ids), BATCH):
            yield from _with_meta(read, ids[k:k + BATCH], "names")

    names = NameIndex(occurrences=False)
    for doc in names_read():
        names.add(doc, vocab)
    if keep is None:
        return _entity_clusters(names, vocab, read, again=names_read)
    # not sent: no tuples
    return keep(_entity_clusters(names, vocab, read, lazy=True, again=names_read))


def _quote_last(statement: dict[str, Any]) -> bool:
    return statement["kind"] == "quote"  # attributions first, each kind in document order


def date_event(event: Event, vocab: Vocab, read: Reader, by_id: dict[str, Document],
               changed: list[Document], kept: dict[str, dict[str, Any]] | None = None
               ) -> tuple[list[dict[str, Any]], list[Anomaly], list[tuple[str, dict[str, Any]]]]:
    """The dates an event's documents state, the date anomalies among them, and each
    document's date record (see chronology.date_record). A document's record is taken from
    ``kept`` when it holds one for this event; the others are read a batch at a time.
    Publication years inferred on the way are set on ``by_id``'s documents and the whole
    documents added to ``changed``."""
    mark = f"{event.year}|{event.place}"
    kept = {i: r for i, r in (kept or {}).items() if r.get("event") == mark}
    records: list[tuple[str, dict[str, Any]]] = []
    for k in range(0, len(event.docs), BATCH):
        ids = event.docs[k:k + BATCH]
        read_now = {d.id: d for d in _with_meta(read, [i for i in ids if i not in kept],
                                                "dating")} \
            if any(i not in kept for i in ids) else {}
        for doc_id in ids:
            doc = read_now.get(doc_id)
            if doc is None:
                records.append((doc_id, kept[doc_id]))
                continue
            undated = not doc.published
            records.append((doc_id, date_record(doc, event, vocab)))
            if undated and doc.published:
                whole = read([doc_id], "whole")[0]  # the store rewrites all its metadata
                whole.published, whole.meta["metadata"] = doc.published, doc.meta["metadata"]
                _inferred(by_id[doc_id], whole)
                changed.append(whole)
    stated, anomalies = tally_dates(records, event)
    return stated, anomalies, records


def _inferred(light: Document, whole: Document) -> None:
    """The publication year inferred for ``whole`` set on ``light``, the same document as
    the stages hold it (its metadata may be shared, store.SharedMeta: a new one)."""
    if light.published != whole.published:
        light.published = whole.published
        light.meta = {**light.meta, "metadata": whole.meta["metadata"]}


def _with_meta(read: Reader, ids: list[str], part: str) -> list[Document]:
    """Documents as ``part`` reads them, unless one lacks a record of its keys (extracted by
    a version that did not keep them): then whole, to read them from their texts."""
    docs = read(ids, part)
    keys = READ_PARTS[part][1] or ()
    if any(k not in d.meta for d in docs for k in keys):
        docs = read(ids, "whole")
    return docs


class StoredTexts(Sequence[Document]):
    """Whole documents by position, read from the store a batch at a time in order (reuse
    reads every text once in turn, then the two of each candidate pair; accord add, the
    pairs with a new document), with the publication dates the corpus stages gave them."""

    def __init__(self, docs: list[Document], read: Reader) -> None:
        self.docs, self.read = docs, read
        self.first, self.batch = 0, []  # type: tuple[int, list[Document]]
        self.fetched: dict[int, Document] = {}

    def __len__(self) -> int:
        return len(self.docs)

    def prefetch(self, positions: Iterable[int]) -> None:
        """Read the documents at these positions in one go (the next candidate pairs')."""
        wanted = sorted({int(i) for i in positions})
        self.fetched = dict(zip(wanted, self.read([self.docs[i].id for i in wanted], "text"),
                                strict=True))

    def __getitem__(self, i: int) -> Document:  # type: ignore[override]
        if i in self.fetched:
            return self._whole(self.fetched[i], i)
        if not self.first <= i < self.first + len(self.batch):
            if i != self.first + len(self.batch):  # not the next in turn: this one alone
                return self._whole(self.read([self.docs[i].id], "text")[0], i)
            self.first = i
            self.batch = self.read([d.id for d in self.docs[i:i + BATCH]], "text")
        return self._whole(self.batch[i - self.first], i)

    def _whole(self, doc: Document, i: int) -> Document:
        doc.published = self.docs[i].published  # as the corpus stages inferred it
        return doc


def event_record(event: Event, stated: list[dict[str, Any]]) -> dict[str, Any]:
    status = "undated" if not stated else "agree" if len(stated) == 1 or all(
        _overlap(a["value"], b["value"]) for a in stated for b in stated) else "conflict"
    return {"id": event.id, "year": event.year, "place": event.place, "main": event.main,
            "documents": event.docs, "dates": stated, "date_status": status,
            "signature": [list(f) for f in event.signature]}


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
    with paused_cycle_collection():
        return corpus_stages(docs, claims, vocab)


def finish(store: Store, vocab: Vocab, workers: int = 1) -> Result:
    """Run the corpus stages over everything the store holds; save and return the result.

    The stages hold every document's metadata and every claim, never every text: texts are
    read from the store a batch at a time. The returned result's documents come without
    their text, path, title, url and encoding, its claims without their sentence, and
    without its facts and anomalies, the statements the store keeps with each document, the
    reuse links and pair records, the fingerprint pairs, and (when its entity clusters are
    made in a process of their own) the clusters' occurrences: these go to the store as
    they are found (``Store.result()`` reads everything, for a report). Pairs of
    documents that the last finished results already covered, with the same text, keep the
    reuse the store holds for them instead of being aligned again. Documents stored without
    reuse band keys (by an earlier accord) get them here, once."""
    with paused_cycle_collection():
        return _finish(store, vocab, workers)


def _finish(store: Store, vocab: Vocab, workers: int) -> Result:
    with stage("keys"):
        missing = store.without_reuse_keys(KEYS_VERSION)
        for k in range(0, len(missing), BATCH):
            store.save_reuse_keys([(d.id, KEYS_VERSION, document_keys(d, DEFAULT_REUSE))
                                   for d in reader(store)(missing[k:k + BATCH], "text")])
    store.clear_staged()
    reopen = None if store.address == ":memory:" else lambda: reader(Store(store.address))
    # the entity process starts before the claims and documents are read: forked after, it
    # held a copy of them (a crawl's are gigabytes) for its whole run
    entities = (start_entities(store.document_ids(), vocab, reopen, store)
                if reopen is not None and workers > 1 else None)
    try:
        return _finish_with(store, vocab, workers, entities, reopen)
    except BaseException:  # the entity process writes to the store: not after this
        if entities is not None:
            entities.cancel()
        raise


def _finish_with(store: Store, vocab: Vocab, workers: int,
                 entities: Background[list[dict[str, Any]]] | None,
                 reopen: Callable[[], Reader] | None = None) -> Result:
    with stage("load"):
        docs = store.documents(text=False)
        store.stage_finished()  # what the results will cover, noted in the store
        changed = store.unfinished_documents()
        known = None if changed is None else KnownReuse(changed, store.reuse_of_pairs)
        # columns: a crawl's claims as objects are gigabytes
        claims = store.claim_table([d.id for d in docs])
        events = claims.events()  # to rewrite only the claims that move
    result = corpus_stages(docs, claims, vocab, known_reuse=known, read=reader(store),
                           stored_keys=store.reuse_keys(KEYS_VERSION), workers=workers,
                           statements=False, staging=store, entities=entities,
                           reopen=reopen)
    result.skipped = store.skipped()
    with stage("save"):
        moved = claims.rows(claims.moved(events))  # only events change here
        del events
        store.save_results(result, changed=result.changed, moved=moved, staged=True)
    return result


def reader(store: Store) -> Reader:
    """Read whole documents, or the parts a stage needs (READ_PARTS), by id from ``store``."""
    def read(ids: list[str], part: str) -> list[Document]:
        text, keys = READ_PARTS[part]
        return store.documents(ids, text=text, all_meta=True, meta=keys != (),
                               meta_keys=keys)
    return read


def add_documents(store: Store, docs: Iterable[Document], vocab_files: tuple[str, ...] = (), *,
                  workers: int = 1, dask: str | None = None, full: bool = False
                  ) -> list[dict[str, Any]]:
    """Add documents to a store: the same id and text is left as it is; the same id with new
    text replaces it, the old version kept in the store's history. The corpus results are
    then brought up to date for what the new documents touch (see accord.incremental), or
    recomputed over everything the store holds when ``full``, when the store's results do
    not allow it, or when an earlier add stored documents and stopped before its results.
    ``docs`` is consumed as it is read."""
    from accord.incremental import finish_added  # it builds on this module's stages

    vocab = load_vocab(*vocab_files)
    stored = store.fingerprints()
    existing = {doc_id: sha for doc_id, (sha, _) in stored.items()}
    keys = {doc_id: finished_key_from(sha, used) for doc_id, (sha, used) in stored.items()}
    del stored
    report: list[dict[str, Any]] = []

    def todo() -> Iterator[Document]:
        for doc in docs:
            if existing.get(doc.id) == doc.sha256:
                report.append({"id": doc.id, "claims": None, "note": "already in the store"})
            else:
                yield doc

    covered = store.finished_documents()
    # documents an interrupted add stored but did not finish: what their earlier versions
    # stated is not known any more, so a full finish brings the results up to date
    unfinished = covered is not None and any(covered.get(i) != key for i, key in keys.items())
    fingerprint = vocab_fingerprint(vocab)
    added = 0
    earlier: set[tuple[str, str, str]] = set()
    for done_now in _chunks(process_all(todo(), vocab_files, workers=workers, dask=dask),
                            SAVE_BATCH):
        for doc, _, _ in done_now:
            doc.meta["extracted_with"] = fingerprint
        # the facts the versions about to be replaced state: their claims are deleted now
        earlier |= store.stated_facts([doc.id for doc, _, _ in done_now if doc.id in existing])
        store.save_documents(done_now, keep_history=True)
        for doc, claims, _ in done_now:
            keys[doc.id] = finished_key(doc)
            added += 1
            report.append({"id": doc.id, "claims": len(claims),
                           "note": "replaced (the old version is kept in history)"
                           if doc.id in existing else "added"})
    existing.clear()
    with paused_cycle_collection():
        if added or unfinished:
            done = not (full or unfinished) and finish_added(
                store, vocab, keys, covered, reader(store), KEYS_VERSION, workers=workers,
                earlier=earlier)
            # a crawl's every document, a million entries each: not held through a finish
            del covered, keys
            if not done:
                finish(store, vocab, workers=workers)
    return report


SAVE_BATCH = 32  # documents written in one transaction (a killed run redoes at most these)


def vocab_fingerprint(vocab: Vocab) -> str:
    """What a stored document's claims were extracted with: accord's version and vocabulary."""
    import hashlib
    import json
    from importlib.metadata import version

    raw = json.dumps(vocab.raw, sort_keys=True, default=str)
    return hashlib.sha256(f"{version('accord')}\n{raw}".encode()).hexdigest()[:16]


def run(paths: Iterable[str], db: str | Path, *, vocab_files: Iterable[str] = (),
        stdin_text: str | None = None, progress: Progress | None = None,
        batch: Batch | None = None, max_bytes: int = DEFAULT_MAX_BYTES, workers: int = 1,
        dask: str | None = None, texts: bool = True,
        skipped: list[Skipped] | None = None) -> Result:
    """Read ``paths`` into the store at ``db`` and reconcile the corpus the store holds.

    A document already stored with the same text and the same vocabulary is not extracted
    again, so a run killed part way resumes where it stopped and ends as an uninterrupted
    run would. Inputs are read as they are processed (unless a ``batch`` read already is
    given); the inputs that could not be read are added to ``skipped``. With
    ``texts=False`` the result's documents come without their texts, and the result
    without its facts, anomalies, reuse and fingerprint pairs (the store has them): a run over
    a large corpus then never holds them all.

    Example:
        >>> result = run(["examples/khojaly"], "accord.db")  # doctest: +SKIP
        >>> len(result.documents)  # doctest: +SKIP
        5
    """
    vocab_files = tuple(str(v) for v in vocab_files)
    vocab = load_vocab(*vocab_files)
    if batch is None:  # read as processed: the store, not memory, holds the corpus
        batch = Batch()
        documents: Iterable[Document] = stream(paths, batch, stdin_text=stdin_text,
                                               max_bytes=max_bytes)
    else:
        documents = batch.documents
    fingerprint = vocab_fingerprint(vocab)
    with Store(db) as store:
        done = store.fingerprints()

        def todo() -> Iterator[Document]:
            for doc in documents:
                if done.get(doc.id) == (doc.sha256, fingerprint):
                    if progress:
                        progress(doc)
                    continue
                yield doc

        for done_now in _chunks(process_all(todo(), vocab_files, workers=workers, dask=dask),
                                SAVE_BATCH):
            for doc, _, _ in done_now:
                doc.meta["extracted_with"] = fingerprint
            store.save_documents(done_now)
            for doc, _, _ in done_now:
                if progress:
                    progress(doc)
        store.save_skipped(batch.skipped)
        if skipped is not None:
            skipped.extend(batch.skipped)
        # the store holds them now: not twice in memory during finish (the caller's batch
        # is emptied too)
        batch.documents = documents = []
        done.clear()
        result = finish(store, vocab, workers=workers)
        if texts:  # the documents, sentences, statements and reuse as renderers take them
            result.documents, result.claims = store.documents(), store.claims()
            result.facts = store.facts(claims=result.claims)
            result.anomalies = store.anomalies()
            result.statements = store.statements()
            result.reuse, result.pairs = store.reuse(), store.reuse_pairs()
            result.fingerprints = store.fingerprint_pairs()
            result.entities = store.entities()
    return result
