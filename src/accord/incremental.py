"""Documents added to a finished store: the corpus stages for what they touch, nothing else.

A full finish reads every document's records and every claim of the store. When a store's
results cover all but a few documents (``accord add``), only these are redone:

- the new documents are routed to the stored events (the largest first: one naming its
  place, speaking of its year or stating its signature figures), the rest among
  themselves, as a full routing would;
- the dates of the events they join are summed from the per-document date records the
  store keeps (only the new documents are read whole);
- the facts their claims state take the new claims in (accord.merge: the stored fact and
  the new claims are enough), with the sibling counts of people a category swap compares;
  category swaps are looked for among the few claims that can be one. A replaced document
  (its earlier claims leave facts) or an earlier document whose publication year was just
  inferred (timelines move) has the facts rebuilt from all their claims, with every fact of
  an event a replaced document left. Facts whose documents' reuse groups merged have their
  independent groups counted again; an earlier document's own anomalies stay (its claims do
  not change);
- reuse candidates come from the band keys the store keeps: only the keys the new
  documents hold are bucketed, and only pairs with a new document are aligned;
- figure fingerprints are computed between the new documents and every other;
- their names are added to the stored entity clusters (their statements were stored with
  them).

What a full finish would do otherwise: earlier documents are never moved to another event,
and a new name form joins an entity cluster only with a form of the same spelling key
(look-alike and context joins need every name). ``accord add --full`` runs a full finish.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from typing import Any

import numpy as np

from accord.chronology import order_facts
from accord.extract import claim_document
from accord.extract.entities import names_of, skeleton
from accord.extract.events import (
    Event,
    Places,
    doc_years,
    event_id_of,
    route_documents,
    set_claim_events,
    states_signature,
    stored_places,
)
from accord.extract.events import skeleton as place_key
from accord.merge import FactKey, by_position, merge_fact
from accord.model import Anomaly, Claim, Document, Fact, FigureKey, ReuseLink
from accord.pipeline import (
    Reader,
    StoredTexts,
    date_event,
    event_record,
    in_background,
    reader,
    stage,
)
from accord.reconcile import (
    FINGERPRINT_MIN_SHARED,
    FINGERPRINT_MIN_SIMILARITY,
    MAX_POSTINGS,
    PEOPLE_CATEGORIES,
    build_facts,
    category_swaps,
    figure_key,
    independence,
    shared_people_values,
    subgroup_anomalies,
    within_document_conflicts,
)
from accord.reuse import (
    ReuseReport,
    ReuseSettings,
    align_pairs,
    bucket_candidates,
    components,
    document_keys,
    lineage_edge,
)
from accord.store import Store
from accord.vocab import Vocab

LOGGER = logging.getLogger(__name__)
SIEVE_MASK = np.uint64((1 << 24) - 1)  # low bits of band keys: a 16 MB table
#: past this share of new documents a full finish costs about as much, and is exact
MAX_NEW_SHARE = 0.2
DATE_KINDS = ("date_contradiction",)


@dataclass
class Increment:
    """What an incremental finish changes in the store, for Store.save_increment."""

    new: list[str]
    #: the new documents that replace a stored version (whose reuse rows are deleted)
    replaced: list[str]
    claims: list[Claim]  # the new documents' claims, their events set
    changed: list[Document]  # whole documents whose publication year was inferred
    left: list[str]  # events a replaced document left: all their facts are replaced
    fact_keys: list[tuple[str, str, str]]  # (event, category, group) of the facts replaced
    facts: list[Fact]
    anomalies: list[Anomaly]  # the anomalies found now (of the new documents and facts)
    #: stored anomalies (kind, doc, detail, claims JSON) the ones found now replace
    anomalies_gone: list[tuple[str, str, str, str]]
    links: list[ReuseLink]
    pairs: list[dict[str, Any]]  # pairs with a new document
    redated: list[dict[str, Any]]  # stored pairs whose lineage moved with a date
    groups: list[list[str]]
    fingerprints: list[dict[str, Any]]  # pairs with a new document
    events: list[dict[str, Any]]
    entities: list[dict[str, Any]]  # clusters without occurrences
    occurrences: list[tuple[Any, ...]]  # (cluster, form, doc, start, end) to add
    dropped: list[int]  # clusters no longer kept (a replaced document took their forms)
    date_records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    finished: dict[str, str] = field(default_factory=dict)  # the new documents' keys
    #: every (claim, event) of reconcile.shared_people_values, the new documents' included
    shared_people: list[tuple[str, str]] = field(default_factory=list)


def finish_added(store: Store, vocab: Vocab, keys: dict[str, str],
                 covered: dict[str, str] | None, read: Reader, keys_version: str,
                 settings: ReuseSettings | None = None, workers: int = 1,
                 earlier: set[FactKey] | None = None) -> bool:
    """Run the corpus stages for the documents whose finished key (``keys``: every stored
    document's) the stored results do not cover (``covered``: Store.finished_documents,
    read by the caller). ``earlier``: the facts (event, category,
    group) that replaced documents' earlier versions stated (their claims are gone from the
    store by now): rebuilt, or dropped, even where the new versions state nothing. Returns
    False, having changed nothing, when a full finish is needed instead: no results yet, a
    document gone, too many new ones, documents without kept band keys, or a store written
    by an earlier accord."""
    if covered is None or set(covered) - set(keys):
        return False
    new = sorted(i for i, key in keys.items() if covered.get(i) != key)
    if not new:
        return True
    clusters = store.entities(occurrences=False)
    stored_shared = store.shared_people()
    if (len(new) > MAX_NEW_SHARE * len(keys) or any("id" not in c for c in clusters)
            or stored_shared is None):
        return False  # (clusters without ids, no shared counts: a store of an earlier accord)
    settings = settings or ReuseSettings()
    ids = sorted(keys)
    fresh = set(new)
    published = store.publication_dates()
    dated = [Document(id=i, text="", published=published.get(i)) for i in ids]
    by_id = {d.id: d for d in dated}
    # reuse needs only the texts: with workers, it runs in a process of its own (its own
    # connection and pool) beside every stage below but the groups; the direction of its
    # pairs is set after, from publication years the dates stage may infer
    address = None if store.address == ":memory:" else store.address
    with stage("added: reuse (started)"):
        aligning = in_background(partial(_reuse_in, address, store, new, ids, dated, read,
                                         keys_version, settings, workers),
                                 enabled=address is not None and workers > 1, daemon=False)
    try:
        with stage("added: load and route"):
            docs = store.documents(new, text=False, all_meta=True)
            claims = store.claims(docs=new, text=False)
            stored_events = store.corpus("events")
            events, touched, left = _route(docs, claims, stored_events, vocab)
            shared = [(i, e) for i, e in stored_shared if claim_document(i) not in fresh]
        with stage("added: dates"):
            dates = _dated_events(store, events, touched, stored_events, fresh, vocab, read,
                                  by_id)
        with stage("added: facts"):
            recomputed = _fact_keys(store, claims, earlier or set())
            replaced = (any(i in covered for i in new)
                        or any(d.id not in fresh for d in dates.changed))
            if replaced:  # earlier claims leave facts, or earlier timelines move: rebuilt
                facts, swaps = _rebuilt_facts(store, claims, recomputed, left, fresh, by_id)
            else:
                facts, swaps = _merged_facts(store, claims, recomputed, by_id, shared)
            done = {(f.event, f.category, f.group) for f in facts} | recomputed
            found = (subgroup_anomalies(claims) + list(within_document_conflicts(claims)) + swaps
                     + dates.anomalies)
        with stage("added: fingerprints and records"):
            redated = _redated(store, dates.changed, by_id)
            gone = _anomalies_gone(store, recomputed, left, events, touched)
            fingerprints = _fingerprints(store, new, claims)
            entities, occurrences = _entities(store, clusters, docs, vocab)
        with stage("added: reuse"):
            reuse = aligning()
    except BaseException:
        aligning.cancel()
        raise
    if reuse is None:
        return False
    with stage("added: reuse groups"):
        links, pairs, edges = reuse
        for pair in pairs:  # as the dates stage left the documents' publication years
            pair.update(lineage_edge(by_id[pair["a"]], by_id[pair["b"]]))
        groups, recounted = _regrouped(store, ids, edges, fresh, bool(set(new) & set(covered)),
                                       facts, lambda key: key in done or key[0] in left)
        # fingerprint pairs all have a new document: whether its two share text is in the
        # pairs just aligned (the stored ones of a replaced version are gone with it)
        sharing = {frozenset((p["a"], p["b"])) for p in pairs}
        for pair in fingerprints:
            pair["shared_wording"] = frozenset((pair["a"], pair["b"])) in sharing
        increment = Increment(
            new=new, replaced=[i for i in new if i in covered], claims=claims,
            changed=dates.changed,
            left=sorted(left),
            fact_keys=sorted(done | {(f.event, f.category, f.group) for f in recounted}),
            facts=facts + recounted,
            anomalies=found, anomalies_gone=gone, links=links, pairs=pairs, redated=redated,
            groups=groups,
            fingerprints=fingerprints, events=dates.records,
            entities=entities, occurrences=occurrences,
            dropped=sorted({c["id"] for c in clusters} - {c["id"] for c in entities}),
            date_records=dates.date_records,
            finished={i: keys[i] for i in new},
            shared_people=sorted(shared + [(c.id, c.event)
                                           for c in shared_people_values(claims)]))
    with stage("added: save"):
        store.save_increment(increment)
    return True


@dataclass
class _Dated:
    """What the dates stage of an add gives: every event's record, the date records and
    anomalies of the events the new documents joined, and the earlier documents whose
    publication year it inferred."""

    records: list[dict[str, Any]] = field(default_factory=list)
    date_records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    changed: list[Document] = field(default_factory=list)


def _dated_events(store: Store, events: list[Event], touched: set[str],
                  stored_events: list[dict[str, Any]], fresh: set[str], vocab: Vocab,
                  read: Reader, by_id: dict[str, Document]) -> _Dated:
    """The dates of the events the new documents joined, summed from the date records the
    store keeps for their earlier documents (only the new ones are read); the other
    events' records as stored, with their documents now."""
    out = _Dated()
    before = {e["id"]: e for e in stored_events}
    for event in events:
        if event.main and event.id in touched:
            kept = store.date_records([i for i in event.docs if i not in fresh])
            stated, anomalies, dated_now = date_event(event, vocab, read, by_id, out.changed,
                                                      kept)
            out.anomalies += anomalies
            out.date_records += [(i, r) for i, r in dated_now if kept.get(i) != r]
            out.records.append(event_record(event, stated))
        elif event.id in before:
            out.records.append({**before[event.id], "documents": event.docs})
        else:
            out.records.append(event_record(event, []))
    return out


def _regrouped(store: Store, ids: list[str], edges: np.ndarray, fresh: set[str],
               replacing: bool, facts: list[Fact], done: Callable[[FactKey], bool]
               ) -> tuple[list[list[str]], list[Fact]]:
    """The reuse groups with the new pairs' ``edges``, and the stored facts (not ``done``)
    whose independent groups changed, recounted: merged groups change only the facts their
    documents state (counted on the stored facts, their claims not read). ``facts`` (the
    ones made now) are counted again too."""
    stored_groups = store.groups()
    stored = _stored_edges(store, stored_groups, ids, fresh, replacing=replacing)
    groups = components(ids, np.concatenate([edges, np.array(stored, dtype=np.int64)
                                             .reshape(-1, 2)]))
    recounted = store.facts(docs=sorted(_merged(stored_groups, groups, fresh)), leave_out=done,
                            timelines=False)
    independence(facts + recounted, groups)
    return groups, recounted


def _rebuilt_facts(store: Store, claims: list[Claim], recomputed: set[FactKey],
                   left: set[str], fresh: set[str], by_id: dict[str, Document]
                   ) -> tuple[list[Fact], list[Anomaly]]:
    """The facts ``recomputed`` and every fact of the events ``left``, built from all their
    claims (the earlier ones read), and their category swaps."""
    loaded = {c.id: c for c in store.claims(keys=sorted(recomputed), text=False)
              + store.claims(events=sorted(left), text=False) if c.doc not in fresh}
    loaded.update((c.id, c) for c in claims if c.key in recomputed or c.event in left)
    event_claims = sorted(loaded.values(), key=by_position)  # new ones among the rest
    facts = _built(event_claims, by_id)
    LOGGER.info("%d facts rebuilt from %d claims", len(facts), len(event_claims))
    return facts, category_swaps(event_claims, facts)


def _built(claims: list[Claim], by_id: dict[str, Document]) -> list[Fact]:
    """The facts of ``claims`` (in position order), built and dated from all of them."""
    facts = build_facts(claims)
    order_facts(facts, claims, [by_id[i] for i in {c.doc for c in claims}],
                timelines=False)  # the store keeps none
    return facts


def _merged_facts(store: Store, claims: list[Claim], recomputed: set[FactKey],
                  by_id: dict[str, Document], shared: list[tuple[str, str]]
                  ) -> tuple[list[Fact], list[Anomaly]]:
    """The facts ``recomputed``: stored ones with the new claims merged in (accord.merge),
    new ones built; and their category swaps, looked for among the few claims that can be
    one (a crawl's largest facts hold most of the store's claims)."""
    stored = {(f.event, f.category, f.group): f for f in store.facts(keys=sorted(recomputed),
                                                                     timelines=False)}
    new_of: dict[FactKey, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.key in recomputed:
            new_of[c.key].append(c)
    published = {c.doc: by_id[c.doc].published for c in claims}
    facts = [merge_fact(stored[key], new_of[key], published, store) if new_of[key]
             else stored[key] for key in sorted(recomputed) if key in stored]
    built = _built([c for c in claims if c.key in recomputed and c.key not in stored], by_id)
    facts += built
    LOGGER.info("%d facts: %d merged with new claims, %d new", len(facts),
                sum(1 for key in stored if new_of.get(key)), len(built))
    return facts, category_swaps(_swap_candidates(store, facts, claims, shared), facts)


def _swap_candidates(store: Store, facts: list[Fact], claims: list[Claim],
                     shared: list[tuple[str, str]]) -> list[Claim]:
    """Of the claims of ``facts``, those category_swaps can flag or compares with: counts of
    people whose value is another category's best in the same event and group (looked up
    in the database), or that their document also states for another category (``shared``:
    the stored ones, as reconcile.shared_people_values found them, with their events). The
    others cannot change its output; a crawl's largest facts hold most of the store's
    claims, and only the few kept are read."""
    bests: dict[tuple[str, str], dict[str, int | None]] = defaultdict(dict)
    for f in facts:
        if f.category in PEOPLE_CATEGORIES:
            bests[(f.event, f.group)][f.category] = f.best
    # per people fact: the values that are another category's best, not its own
    others = {(event, category, group): values
              for (event, group), best in bests.items() for category in best
              if (values := {b for other, b in best.items() if other != category
                             and b is not None and b != best[category]})}
    fresh = {c.doc for c in claims}
    wanted = {i for i in store.claims_with_values(others) if claim_document(i) not in fresh}
    events = {event for event, _ in bests}
    wanted.update(i for i, event in shared if event in events)
    new = shared_people_values(claims) + [
        c for c in claims if c.value is not None and c.value in others.get(c.key, ())]
    found = {c.id: c for c in chain(store.claims(ids=sorted(wanted), text=False), new)}
    return sorted((c for c in found.values() if (c.event, c.group) in bests), key=by_position)


def _route(docs: list[Document], claims: list[Claim], stored: list[dict[str, Any]],
           vocab: Vocab) -> tuple[list[Event], set[str], set[str]]:
    """The stored events with the new documents routed in; the events whose documents
    changed, and those of them that a replaced document left."""
    new = {d.id for d in docs}
    events: dict[str, Event] = {}
    left: set[str] = set()
    for record in stored:
        kept = [d for d in record["documents"] if d not in new]
        if len(kept) != len(record["documents"]):
            left.add(record["id"])  # a replaced document left it
        events[record["id"]] = Event(record["id"], record["year"], record["place"],
                                     record["main"], kept,
                                     [tuple(f) for f in record.get("signature", [])])
    mains = [e for e in events.values() if e.main and e.docs]  # stored order: largest first
    keys = {e.id: place_key(e.place) if e.place else None for e in mains}
    figures: dict[str, set[Any]] = defaultdict(set)
    for c in claims:
        figures[c.doc].add((c.category, c.low, c.high))
    event_of: dict[str, Event] = {}
    touched: set[str] = set()
    rest = []
    for doc in docs:
        named, years = set(stored_places(doc, vocab)), doc_years(doc)
        home = next((e for e in mains if keys[e.id] in named
                     or (e.year is not None and e.year in years)
                     or states_signature(figures[doc.id], set(e.signature))), None)
        if home is None:
            rest.append(doc)
        else:
            event_of[doc.id] = home
    places = Places()
    for doc in rest:
        places.add(doc.id, stored_places(doc, vocab))
    for route in route_documents(rest, [c for c in claims if c.doc not in event_of], vocab,
                                 places) if rest else []:
        event_id = event_id_of(route.place, route.year)
        event = events.get(event_id)
        if event is None or not event.main:
            event = events[event_id] = Event(event_id, route.year, route.place, True, [],
                                             route.signature)
        for doc in route.docs:
            event_of[doc.id] = event
    for doc in docs:  # in id order, as a full routing lists an event's documents
        bisect.insort(event_of[doc.id].docs, doc.id)
        touched.add(event_of[doc.id].id)
    set_claim_events(claims, event_of, events)
    touched |= left
    ordered = sorted(events.values(), key=lambda e: (not e.main, -len(e.docs), e.id))
    return [e for e in ordered if e.docs or not e.main], touched, left


def _reuse_in(address: str | None, store: Store, new: list[str], ids: list[str],
              dated: list[Document], read: Reader, keys_version: str, settings: ReuseSettings,
              workers: int
              ) -> tuple[list[ReuseLink], list[dict[str, Any]], np.ndarray] | None:
    """_reuse through ``store`` and ``read``, or (run in a process of its own) through a
    connection of its own to the store at ``address``."""
    if address is None:
        return _reuse(store, new, ids, dated, read, keys_version, settings, workers)
    with Store(address) as own:
        return _reuse(own, new, ids, dated, reader(own), keys_version, settings, workers)


def _reuse(store: Store, new: list[str], ids: list[str], dated: list[Document], read: Reader,
           keys_version: str, settings: ReuseSettings, workers: int
           ) -> tuple[list[ReuseLink], list[dict[str, Any]], np.ndarray] | None:
    """Links and pairs with the new documents, and their edges (by index in ``ids``).
    Only keys some new document holds are bucketed: other pairs cannot have changed."""
    position = {doc_id: k for k, doc_id in enumerate(ids)}
    fresh = set(new)
    own = dict(store.reuse_keys(keys_version, new))
    for doc in read([i for i in new if i not in own], "text"):
        own[doc.id] = document_keys(doc, settings)
    wanted = np.unique(np.concatenate(list(own.values()))) if own else np.zeros(0, np.uint64)
    kept = 0

    def keyed() -> Iterator[tuple[int, np.ndarray]]:
        nonlocal kept
        for doc_id, keys in own.items():
            yield position[doc_id], keys
        if not len(wanted):
            return
        sieve = np.zeros(int(SIEVE_MASK) + 1, dtype=bool)
        sieve[(wanted & SIEVE_MASK).astype(np.int64)] = True
        batch: list[tuple[int, np.ndarray]] = []
        for doc_id, keys in store.reuse_keys(keys_version):
            if doc_id in fresh or doc_id not in position:
                continue
            kept += 1
            batch.append((position[doc_id], keys))
            if len(batch) == 5000:
                yield from _holding(batch, wanted, sieve)
                batch = []
        yield from _holding(batch, wanted, sieve)

    candidates, _ = bucket_candidates(keyed(), settings)
    if len(wanted) and kept + len(own) < len(ids):
        return None  # documents without kept keys: a full finish hashes their texts
    news = np.array(sorted(position[i] for i in new), dtype=np.int64)
    mine = np.isin(candidates[:, 0], news) | np.isin(candidates[:, 1], news)
    report = ReuseReport()
    edges = align_pairs(StoredTexts(dated, read), candidates[mine], report, settings,
                        dated=dated, workers=workers)
    return report.links, report.pairs, edges


def _stored_edges(store: Store, groups: list[list[str]], ids: list[str], fresh: set[str],
                  replacing: bool) -> list[tuple[int, int]]:
    """Edges (by index in ``ids``) that connect the stored documents as the stored pairs
    do. The stored groups say it in fewer edges (each member to its group's first) when
    no stored document is replaced; a replaced one's earlier pairs are left out, which
    may split its group: then the pairs themselves are read."""
    position = {doc_id: k for k, doc_id in enumerate(ids)}
    if not replacing:
        return [(position[g[0]], position[d]) for g in groups for d in g[1:]]
    return [(position[a], position[b]) for a, b in store.reuse_edges()
            if a not in fresh and b not in fresh and a in position and b in position]


def _fact_keys(store: Store, claims: list[Claim], earlier: set[FactKey]
               ) -> set[tuple[str, str, str]]:
    """The facts to recompute: those the new claims state or the replaced documents'
    earlier versions stated (``earlier``), and for counts of people every sibling category
    of the same event and group (a category swap compares them)."""
    keys = {c.key for c in claims if c.event} | earlier
    people = {(e, g) for e, category, g in keys if category in PEOPLE_CATEGORIES}
    keys |= {k for k in store.fact_keys(sorted({e for e, _ in people}))
             if k[1] in PEOPLE_CATEGORIES and (k[0], k[2]) in people}
    return keys


def _merged(before: list[list[str]], after: list[list[str]], new: set[str]) -> set[str]:
    """The documents whose facts may count other independent groups now: a new document
    that shares text with two earlier groups makes them one, and a value stated in both
    counts one group less. Values stated within the largest of them alone do not change,
    so its documents are left out (a crawl's reuse has one giant group)."""
    group_of = {d: n for n, g in enumerate(before) for d in g}
    out: set[str] = set()
    for members in after:
        olds: dict[int, list[str]] = defaultdict(list)
        for d in members:
            if d not in new and d in group_of:
                olds[group_of[d]].append(d)
        if len(olds) >= 2:
            largest = max(olds, key=lambda n: (len(olds[n]), -n))
            out.update(d for n, docs in olds.items() if n != largest for d in docs)
    return out


def _holding(batch: list[tuple[int, np.ndarray]], wanted: np.ndarray, sieve: np.ndarray
             ) -> Iterator[tuple[int, np.ndarray]]:
    """Each document's keys that are among ``wanted`` (sorted), a batch in one lookup: the
    low bits of a key in ``sieve`` first (one array read), then the few that pass exactly;
    a key's document is found from where it sits, for those few only."""
    if not batch:
        return
    keys = np.concatenate([k for _, k in batch])
    ends = np.cumsum([len(k) for _, k in batch])
    at = np.flatnonzero(sieve[(keys & SIEVE_MASK).astype(np.int64)])
    found = keys[at]
    near = np.minimum(np.searchsorted(wanted, found), len(wanted) - 1)
    hit = wanted[near] == found
    at, found = at[hit], found[hit]
    place = np.searchsorted(ends, at, side="right")  # the batch entry each key is from
    cuts = np.flatnonzero(np.diff(place)) + 1
    for run_keys, run_place in zip(np.split(found, cuts), np.split(place, cuts), strict=True):
        if len(run_keys):
            yield batch[int(run_place[0])][0], run_keys


def _redated(store: Store, changed: list[Document], by_id: dict[str, Document]
             ) -> list[dict[str, Any]]:
    """Stored pairs of documents whose publication year was just inferred: their lineage."""
    out = []
    for pair in store.reuse_pairs_of(sorted({d.id for d in changed})):
        out.append({**pair, **lineage_edge(by_id[pair["a"]], by_id[pair["b"]])})
    return out


def _anomalies_gone(store: Store, recomputed: set[FactKey], left: set[str],
                    events: list[Event], touched: set[str]) -> list[tuple[str, str, str, str]]:
    """The stored anomalies (as stored) that the ones found now replace, beside those of the
    new documents: a category swap of a claim of a recomputed fact or of an event left, a
    date anomaly of an event whose dates were recomputed. An earlier document's own
    anomalies stay (its claims do not change): most of a crawl's are, and are not read."""
    stored = store.anomaly_rows(("category_swap", *DATE_KINDS))
    swaps = {row: json.loads(row[3]) for row in stored if row[0] == "category_swap"}
    swapped = store.claim_keys([claims[0] for claims in swaps.values() if claims])
    redone = {i for i, key in swapped.items() if key in recomputed or key[0] in left}
    redated = {d for e in events if e.id in touched for d in e.docs}
    return [row for row in stored
            if (row in swaps and swaps[row] and swaps[row][0] in redone)
            or (row[0] in DATE_KINDS and row[1] in redated)]


def _fingerprints(store: Store, new: list[str], claims: list[Claim]) -> list[dict[str, Any]]:
    """Fingerprint pairs between each new document and any other (reconcile.fingerprints'
    rule: rarest figures first; of a figure's documents, the first MAX_POSTINGS in id order
    and every new one). The store counts and lists a figure's documents (its claims_figure
    index): of the stored figures, only the candidates' are read. It holds the new
    documents' claims as extracted, before their events were set: those rows are taken out
    of its counts and lists, and the claims in memory counted instead. Whether a pair
    shares wording too is left False, for the caller to set (reuse may still be aligning)."""
    fresh = set(new)
    sets: dict[str, set[FigureKey]] = defaultdict(set)
    for c in claims:
        sets[c.doc].add(figure_key(c))
    stale: Counter[FigureKey] = Counter(f for s in store.figures_of(new).values() for f in s)
    current: Counter[FigureKey] = Counter(f for s in sets.values() for f in s)
    frequency = {f: n - stale[f] + current[f] for f, n in store.figure_counts(
        sorted(current, key=_figure_order)).items()}
    threshold = FINGERPRINT_MIN_SIMILARITY
    prefixes = {}
    for doc in new:
        items = sorted(sets.get(doc, ()), key=lambda f: (frequency[f], _figure_order(f)))
        prefixes[doc] = items[:len(items) - math.ceil(threshold * len(items)) + 1]
    wanted = sorted({f for p in prefixes.values() for f in p}, key=_figure_order)
    holders = {f: [d for d in docs if d not in fresh][:MAX_POSTINGS] for f, docs in
               store.figure_holders({f: MAX_POSTINGS + stale[f] for f in wanted}).items()}
    for doc in new:
        for item in sets.get(doc, ()):
            if item in holders:
                holders[item].append(doc)
    others_of = {doc: {o for item in prefixes[doc] for o in holders[item]} - {doc}
                 for doc in new}
    sets.update(store.figures_of(sorted({o for others in others_of.values() for o in others}
                                        - fresh)))
    out = []
    for doc in new:
        for other in sorted(others_of[doc]):
            if other in fresh and other < doc:
                continue  # the pair of two new documents is counted once
            shared = len(sets[doc] & sets[other])
            similarity = shared / (len(sets[doc]) + len(sets[other]) - shared)
            if shared >= FINGERPRINT_MIN_SHARED and similarity >= threshold:
                a, b = sorted((doc, other))
                out.append({"a": a, "b": b, "shared": shared,
                            "similarity": round(similarity, 3), "shared_wording": False})
    return sorted(out, key=lambda p: (p["a"], p["b"]))


def _figure_order(f: FigureKey) -> tuple[Any, ...]:
    """A total order of figures (bounds may be None)."""
    category, group, event, low, high = f
    return (category, group, event, low is None, low or 0, high is None, high or 0)


def _entities(store: Store, clusters: list[dict[str, Any]], docs: list[Document],
              vocab: Vocab) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """The stored clusters with the new documents' occurrences of their forms, or of a form
    with the same spelling key, added (a replaced version's occurrences removed); and the
    occurrence rows to add. The stored occurrences are not read: counts say enough."""
    fresh = {d.id for d in docs}
    gone = store.entity_counts(sorted(fresh))
    by_key: dict[str, dict[str, Any]] = {}
    for cluster in clusters:
        for form in cluster["forms"]:
            form["count"] -= gone[cluster["id"], form["form"]]
            by_key.setdefault(skeleton(form["form"]), cluster)
    rows: list[tuple[Any, ...]] = []
    for doc in docs:
        for name, start, end in names_of(doc, vocab):
            joined = by_key.get(skeleton(name))
            if joined is None:
                continue
            spelt = {f["form"]: f for f in joined["forms"]}
            if name not in spelt:
                spelt[name] = {"form": name, "count": 0}
                joined["forms"].append(spelt[name])
            spelt[name]["count"] += 1
            rows.append((joined["id"], name, doc.id, start, end))
    out = []
    for cluster in clusters:
        forms = sorted((f for f in cluster["forms"] if f["count"] > 0),
                       key=lambda f: -f["count"])
        if len(forms) >= 2:
            out.append({**cluster, "forms": forms})
    out.sort(key=lambda c: -sum(f["count"] for f in c["forms"]))
    kept = {c["id"] for c in out}
    return out, [r for r in rows if r[0] in kept]
