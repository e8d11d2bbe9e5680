"""Reuse: passages documents share, near-duplicates, lineage and independent groups.

Candidate pairs come from MinHash LSH over windows of word shingles, so partial reprints are
found without comparing all pairs. Windows start at content-defined anchors (shingles whose
hash has a given residue), so a passage copied anywhere into another text yields the same
windows in both, and near-identical signatures: the LSH bands can then be strict, and chance
overlap (common phrases) rarely makes a candidate. Bands and rows follow from the Jaccard
threshold through datasketch's own optimiser. The banding itself is a sort over numpy arrays
rather than datasketch's MinHashLSH index: that index keeps a Python set per bucket, measured
at 10.6 GB for 100,000 documents, where sorted arrays take 12 bytes an entry. Each candidate
pair is then aligned at passage level: shared word n-grams are seeds, seeds on one diagonal
joined across small gaps become a passage (as passim does for newspaper reprints), so a
changed word, re-punctuation or a misspelling does not break a passage, and reordered
sentences give one passage each. The same alignment of a document with itself finds passages
it prints twice.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from datasketch import MinHashLSH

from accord.model import Document, ReuseLink, Span
from accord.text import view

MERSENNE = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)


@dataclass(frozen=True)
class ReuseSettings:
    """Knobs of reuse detection; defaults suit news reports of a few KB.

    Args:
        shingle: words per shingle (seed n-gram).
        window: shingles per LSH window; a window starts at each anchor.
        anchor_every: one shingle in this many (by hash, on average) starts a window.
        threshold: Jaccard similarity of two windows the LSH bands aim at.
        num_perm: MinHash permutations.
        bands: LSH bands; None lets datasketch's optimiser pick bands and rows for threshold.
        max_bucket: documents a window may be shared by before its documents are paired
            with the first of them only (a wire story in 500 outlets is not 125,000 pairs).
        min_hits: buckets a pair of documents must share (over bands and windows) to be
            sure to be aligned: a copied window agrees in every band, a chance likeness in
            one. Pairs with fewer hits are aligned too while they number at most
            weak_budget times the documents (a short quote retyped with other spellings
            shares one bucket); past that, they are skipped and the report says how many.
        memory_entries: band keys held in memory before they are spilled to temporary
            files, one per key range, each then joined on its own: memory stays flat
            however many documents come (12 bytes an entry).
        max_gap: words a passage may skip on either side and still be one passage.
        min_words: words a passage needs to be reported.
        min_similarity: share of a passage's shingles found in both copies for it to be
            reported (stock phrases strung together by chance score low).
        near_duplicate: share of a document inside another that makes them near-duplicates.
    """

    shingle: int = 4
    window: int = 16
    anchor_every: int = 6
    threshold: float = 0.6
    num_perm: int = 16
    bands: int | None = None
    max_bucket: int = 50
    min_hits: int = 2
    weak_budget: float = 1.0
    memory_entries: int = 1 << 21
    max_gap: int = 8
    min_words: int = 12
    min_similarity: float = 0.5
    near_duplicate: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0.0, 1.0]")
        if self.shingle < 1 or self.window < 2 or self.anchor_every < 1:
            raise ValueError("shingle, window and anchor_every must be positive")
        if self.bands is not None and not 1 <= self.bands <= self.num_perm:
            raise ValueError("bands must be between 1 and num_perm")

    def bands_and_rows(self) -> tuple[int, int]:
        """(bands, rows per band): given, or datasketch's optimum for the threshold."""
        if self.bands is not None:
            return self.bands, self.num_perm // self.bands
        return _optimal_bands(self.threshold, self.num_perm)


@lru_cache(maxsize=32)
def _optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


@dataclass
class Words:
    """A document's words (lower-cased, outside skipped spans) with their offsets."""

    doc: Document
    starts: np.ndarray  # character offset of each word (int32: compact for large corpora)
    ends: np.ndarray
    hashes: np.ndarray  # one 64-bit hash per shingle starting at each word


@dataclass
class Passage:
    a_start: int  # word indexes, end exclusive
    a_end: int
    b_start: int
    b_end: int
    matched: int


@dataclass
class ReuseReport:
    """Everything the reuse stage found for a corpus."""

    links: list[ReuseLink] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    #: one entry per pair sharing text: a, b, a_in_b, b_in_a, near_duplicate, lineage
    pairs: list[dict[str, Any]] = field(default_factory=list)
    candidate_pairs: int = 0
    #: pairs that shared fewer than min_hits buckets, not aligned (over the weak budget)
    weak_pairs_skipped: int = 0
    #: where links and pair records go instead of ``links`` and ``pairs``, a block of pairs
    #: at a time (a store: a crawl's are gigabytes as objects); ``sharing`` lists the pairs
    sink: Callable[[list[ReuseLink], list[dict[str, Any]]], None] | None = None
    #: every pair sharing text, in either case: an (m, 2) array of the pairs' places in the
    #: documents (``dated``) find_reuse was given (a crawl's are millions: as tuples of ids,
    #: hundreds of MB)
    sharing: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0x27D4EB2F165667C5, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)


_POLY = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_POLY_INVERSE = pow(_POLY, -1, 1 << 64)
_powers = np.ones(1, dtype=np.uint64)
_inverse_powers = np.ones(1, dtype=np.uint64)


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """POLY**k and POLY**-k modulo 2**64 for k < n, grown on demand and kept."""
    global _powers, _inverse_powers
    if len(_powers) < n:
        size = max(n, 2 * len(_powers), 1 << 14)
        with np.errstate(over="ignore"):
            one = np.ones(1, dtype=np.uint64)
            _powers = np.concatenate(
                (one, np.cumprod(np.full(size - 1, _POLY, dtype=np.uint64), dtype=np.uint64)))
            _inverse_powers = np.concatenate(
                (one, np.cumprod(np.full(size - 1, _POLY_INVERSE, dtype=np.uint64),
                                 dtype=np.uint64)))
    return _powers, _inverse_powers


@lru_cache(maxsize=4)
def word_ids(plain: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, end and a 64-bit id of each word ([A-Za-z0-9]+, case-folded), computed on arrays
    of character codes: no Python step per word, and the same ids in every process. Cached
    (read-only arrays): clean aligns a document with itself, then its band keys are taken."""
    codes = np.frombuffer(plain.encode("utf-32-le"), dtype=np.uint32)
    upper = (codes >= 65) & (codes <= 90)
    is_word = upper | ((codes >= 97) & (codes <= 122)) | ((codes >= 48) & (codes <= 57))
    edges = np.diff(np.concatenate(([0], is_word.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    powers, inverse = _power_tables(len(codes) + 1)
    folded = codes.astype(np.uint64) + upper.astype(np.uint64) * np.uint64(32)
    with np.errstate(over="ignore"):
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(folded * powers[:len(codes)],
                                                           dtype=np.uint64)))
        ids = (prefix[ends] - prefix[starts]) * inverse[starts]  # as if each word began at 0
        ids ^= ids >> np.uint64(33)
        ids *= np.uint64(0xFF51AFD7ED558CCD)
        ids ^= ids >> np.uint64(29)
    found = starts.astype(np.int32), ends.astype(np.int32), ids
    for array in found:
        array.flags.writeable = False
    return found


def shingle_hashes(ids: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit hash for each run of n word ids."""
    if len(ids) < n:
        return np.zeros(0, dtype=np.uint64)
    out = np.zeros(len(ids) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out ^= (ids[k:len(ids) - n + 1 + k] + np.uint64(k + 1)) * _MIX[k % len(_MIX)]
        out ^= out >> np.uint64(29)
        out *= np.uint64(0xBF58476D1CE4E5B9)
    return out


SET_ASIDE = ("boilerplate", "repeat")


def words_of(doc: Document, settings: ReuseSettings,
             skip: Iterable[Span] | None = None) -> Words:
    """The words reuse compares, leaving out ``skip`` (by default, what clean set aside)."""
    if skip is None:
        skip = [s for s in doc.marked if s.kind in SET_ASIDE]
    return _kept(doc, word_ids(view(doc.text)), skip, settings)


def _kept(doc: Document, found: tuple[np.ndarray, np.ndarray, np.ndarray],
          skip: Iterable[Span], settings: ReuseSettings) -> Words:
    starts, ends, ids = found
    skipped = sorted((s.start, s.end) for s in skip)
    if skipped:
        keep = ~_inside_any(starts, np.array(skipped, dtype=np.int64))
        starts, ends, ids = starts[keep], ends[keep], ids[keep]
    return Words(doc, starts, ends, shingle_hashes(ids, settings.shingle))


def _inside_any(starts: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """True for each position inside any of the (start, end) spans, sorted by start (spans
    may nest or overlap)."""
    reach = np.maximum.accumulate(bounds[:, 1])  # furthest end of any span starting so far
    k = np.searchsorted(bounds[:, 0], starts, side="right") - 1
    return (k >= 0) & (starts < reach[np.maximum(k, 0)])


class _Permutations:
    def __init__(self, num_perm: int, seed: int = 1) -> None:
        rng = np.random.RandomState(seed)
        self.a = rng.randint(1, int(MERSENNE), size=num_perm, dtype=np.uint64)
        self.b = rng.randint(0, int(MERSENNE), size=num_perm, dtype=np.uint64)
        self.num_perm = num_perm

    def window_signatures(self, hashes: np.ndarray, settings: ReuseSettings) -> np.ndarray:
        """MinHash signatures (one row per window) of the windows that start at anchors.

        A text shorter than a window is one window; a text with no anchor that fits, too.
        """
        n = len(hashes)
        if n == 0:
            return np.zeros((0, self.num_perm), dtype=np.uint64)
        h = (hashes & MAX_HASH)[:, None]
        with np.errstate(over="ignore"):
            values = ((h * self.a + self.b) % MERSENNE) & MAX_HASH
        if n <= settings.window:
            return values.min(axis=0)[None, :]
        anchors = np.flatnonzero((hashes >> np.uint64(40)) % np.uint64(settings.anchor_every)
                                 == 0)
        anchors = anchors[anchors <= n - settings.window]
        if len(anchors) == 0:
            anchors = np.zeros(1, dtype=np.int64)
        windows = np.lib.stride_tricks.sliding_window_view(values, settings.window, axis=0)
        return windows[anchors].min(axis=2)


_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (window, band): windows agreeing on every row of a band share it.
    Shape (windows, bands)."""
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = np.full(len(signatures), band + 1, dtype=np.uint64) * _BAND_MIX
            for row in range(band * rows, band * rows + rows):
                key = (key ^ signatures[:, row]) * _BAND_MIX
                key ^= key >> np.uint64(31)
            keys[:, band] = key
    return keys


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> _Permutations:
    return _Permutations(num_perm)


def keys_version(settings: ReuseSettings) -> str:
    """What a document's band keys depend on: keys kept under another version are redone."""
    bands, rows = settings.bands_and_rows()
    return (f"{settings.shingle}:{settings.window}:{settings.anchor_every}:"
            f"{settings.num_perm}:{bands}x{rows}:1")


def document_keys(doc: Document, settings: ReuseSettings | None = None) -> np.ndarray:
    """A document's band keys, flat: computed where the document is processed (in parallel)
    and kept in the store, so finding a corpus's candidate pairs reads no text."""
    settings = settings or ReuseSettings()
    return _keys(words_of(doc, settings).hashes, settings).ravel()


def _keys(hashes: np.ndarray, settings: ReuseSettings) -> np.ndarray:
    bands, rows = settings.bands_and_rows()
    return band_keys(_permutations(settings.num_perm).window_signatures(hashes, settings),
                     bands, rows)


def bucket_candidates(keyed: Iterable[tuple[int, np.ndarray]], settings: ReuseSettings
                      ) -> tuple[np.ndarray, int]:
    """Pairs of documents (by index, i < j) with windows in the same bucket of some band, as
    an (m, 2) array, and how many weak pairs were left out (see ReuseSettings.min_hits),
    from each document's band keys given as (index, keys) in any order.

    Only the band keys are kept (no words); the keys are sorted and runs of equal keys are
    the buckets: O(n log n) time, 12 bytes per window and band, spilled to disk by key
    range past ``memory_entries``. The pairs' hits (one per bucket a pair shares) are
    spilled the same way, by range of the pair's first document, and counted a range at a
    time: a crawl's hits are tens of millions, most of them weak pairs that are left out.
    """
    documents = 0
    with _KeyStore(settings.memory_entries) as store, \
            _HitStore(settings.memory_entries) as hits:
        for d, keys in keyed:
            store.add(d, keys)
            documents += 1
        hits.documents = store.size
        for keys, owners in store.parts():
            pairs = _bucket_pairs(keys, owners, settings.max_bucket)
            del keys, owners
            pairs.sort(axis=1)  # i < j, whatever order the documents came in
            hits.add((pairs[:, 0].astype(np.uint64) << np.uint64(32))
                     | pairs[:, 1].astype(np.uint64))
            del pairs
        kept, skipped = _counted(hits.parts(), settings.min_hits,
                                 settings.weak_budget * documents)
        index = np.int32 if hits.documents < 2**31 else np.int64
    return _pairs_of(kept, index), skipped


def _counted(parts: Iterable[np.ndarray], min_hits: int, budget: float
             ) -> tuple[list[np.ndarray], int]:
    """From sorted runs of pair codes (``parts``, ranges of pairs in order): every distinct
    pair, and 0; or, once the pairs with fewer than ``min_hits`` hits number more than
    ``budget``, the pairs with that many hits or more, and how many were left out. The
    distinct pairs are let go as soon as the weak ones pass the budget."""
    strong: list[np.ndarray] = []
    distinct: list[np.ndarray] | None = []
    weak = 0
    for every in parts:
        first = np.empty(len(every), dtype=bool)  # where each pair's run of hits begins
        first[:1] = True
        np.not_equal(every[1:], every[:-1], out=first[1:])
        long = _long_runs(every, first, min_hits)
        weak += int(first.sum()) - int(long.sum())
        strong.append(every[long])
        if distinct is not None:
            distinct.append(every[first])
            if weak > budget:
                distinct = None
        del every, first, long
    return (strong, weak) if distinct is None else (distinct, 0)


def _pairs_of(codes: list[np.ndarray], index: type = np.int64) -> np.ndarray:
    """The (m, 2) array of the pairs coded i << 32 | j in ``codes``, as ``index`` integers
    (32-bit where the documents are fewer than 2**31: a crawl's pairs are held through
    the alignment, the facts and the fingerprints), each part let go as it is copied in:
    one array of every code and its two halves beside the result were a spike of their
    own."""
    out: np.ndarray = np.empty((sum(len(c) for c in codes), 2), dtype=index)
    at = 0
    codes.reverse()
    while codes:
        part = codes.pop()
        out[at:at + len(part), 0] = part >> np.uint64(32)
        out[at:at + len(part), 1] = part & np.uint64(0xFFFFFFFF)
        at += len(part)
        del part
    return out


def _long_runs(every: np.ndarray, first: np.ndarray, length: int) -> np.ndarray:
    """Where a run of equal values of sorted ``every`` begins (``first``) and is ``length``
    long or longer: a flag a value, not each run's length (64-bit positions, then their
    differences, were four more arrays of a crawl's tens of millions of candidate pairs)."""
    long = first.copy()
    if length > 1:
        upto = max(0, len(every) - length + 1)  # a run beginning past it is too short
        long[upto:] = False
        long[:upto] &= every[length - 1:] == every[:upto]
    return long


class _RangeSpill:
    """Rows of parallel arrays, held in memory up to a limit, then appended to temporary
    files, one per range of the first array's values (``range_of``), so that each range
    can be read and sorted alone, the ranges coming in the order of their values."""

    PARTS = 64

    def __init__(self, memory_entries: int, dtypes: tuple[type, ...]) -> None:
        self.limit = memory_entries
        self.dtypes = dtypes
        self.held: list[list[np.ndarray]] = [[] for _ in dtypes]
        self.entries = 0
        self.folder: tempfile.TemporaryDirectory[str] | None = None

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None:
            self.folder.cleanup()

    def range_of(self, values: np.ndarray) -> np.ndarray:
        """The range (0 to PARTS - 1) of each value, growing with the values."""
        raise NotImplementedError

    def hold(self, *arrays: np.ndarray) -> None:
        for kept, array in zip(self.held, arrays, strict=True):
            kept.append(array)
        self.entries += len(arrays[0])
        if self.entries > self.limit:
            self._spill()

    def _spill(self) -> None:
        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="accord-reuse-")
        arrays = self._take()
        part = self.range_of(arrays[0])
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(self.PARTS + 1))
        for p in range(self.PARTS):
            chosen = order[bounds[p]:bounds[p + 1]]
            if len(chosen):
                for n, array in enumerate(arrays):
                    with open(self._path(p, n), "ab") as f:
                        array[chosen].tofile(f)

    def _take(self) -> list[np.ndarray]:
        taken = [np.concatenate(kept) if kept else np.zeros(0, dtype=dtype)
                 for kept, dtype in zip(self.held, self.dtypes, strict=True)]
        self.held = [[] for _ in self.dtypes]
        self.entries = 0
        return taken

    def _path(self, part: int, n: int) -> str:
        assert self.folder is not None
        return os.path.join(self.folder.name, f"{part:02d}.{n}")

    def ranges(self) -> Iterator[list[np.ndarray]]:
        """The arrays of each range in order; all of them at once if nothing was spilled."""
        if self.folder is None:
            yield self._take()
            return
        self._spill()
        for p in range(self.PARTS):
            if os.path.exists(self._path(p, 0)):
                yield [np.fromfile(self._path(p, n), dtype=dtype)
                       for n, dtype in enumerate(self.dtypes)]


class _KeyStore(_RangeSpill):
    """Band keys and the document each came from, spilled by range of key values."""

    def __init__(self, memory_entries: int) -> None:
        super().__init__(memory_entries, (np.uint64, np.uint32))
        self.size = 0  # one past the highest document index

    def __enter__(self) -> _KeyStore:
        return self

    def add(self, doc: int, keys: np.ndarray) -> None:
        flat = keys.ravel()
        self.size = max(self.size, doc + 1)
        self.hold(flat, np.full(len(flat), doc, dtype=np.uint32))

    def range_of(self, values: np.ndarray) -> np.ndarray:
        return (values >> np.uint64(58)).astype(np.int64)  # top 6 bits: PARTS ranges

    def parts(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(keys, owners) of each key range."""
        return ((keys, owners) for keys, owners in self.ranges())


class _HitStore(_RangeSpill):
    """Candidate pairs coded i << 32 | j (i < j), one per bucket they share, spilled by
    range of i: each range, sorted, holds every hit of its pairs."""

    def __init__(self, memory_entries: int) -> None:
        super().__init__(memory_entries, (np.uint64,))
        self.documents = 1  # one past the highest document index, to size the ranges

    def __enter__(self) -> _HitStore:
        return self

    def add(self, codes: np.ndarray) -> None:
        self.hold(codes)

    def range_of(self, values: np.ndarray) -> np.ndarray:
        first = (values >> np.uint64(32)).astype(np.int64)
        return first * self.PARTS // max(1, self.documents)

    def parts(self) -> Iterator[np.ndarray]:
        """The hits of each range of pairs, sorted."""
        for (codes,) in self.ranges():
            codes.sort()
            yield codes


def _bucket_pairs(column: np.ndarray, owner: np.ndarray, max_bucket: int) -> np.ndarray:
    """Document pairs that share a band key (keys of every band, or of one key range).

    A document's own overlapping windows often share a key: (key, document) is made unique
    first, so buckets hold distinct documents. Buckets of two, the most common, are paired
    with array operations; larger ones one by one.
    """
    if len(column) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((owner, column))
    keys, docs = column[order], owner[order]
    fresh = np.r_[True, (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])]
    keys, docs = keys[fresh], docs[fresh]
    same = keys[1:] == keys[:-1]
    if not same.any():
        return np.zeros((0, 2), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, ~same])
    sizes = np.diff(np.r_[starts, len(keys)])
    two = starts[sizes == 2]
    found = [np.stack([docs[two], docs[two + 1]], axis=1).astype(np.int64)]
    out: list[tuple[int, int]] = []
    for start, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist(), strict=True):
        members = docs[start:start + size].tolist()
        if len(members) > max_bucket:  # shared by very many: pair each with the first only
            out.extend((members[0], m) for m in members[1:])
        else:
            out.extend((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    found.append(np.array(out, dtype=np.int64).reshape(-1, 2))
    return np.concatenate(found)


MAX_SEED_REPEATS = 20


class HashIndex(NamedTuple):
    """A shingle-hash sequence sorted, with how often each position's hash occurs in it:
    made once per document, not once per pair the document is aligned in."""

    order: np.ndarray
    sorted: np.ndarray
    repeats: np.ndarray


def hash_index(hashes: np.ndarray) -> HashIndex:
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    repeats = np.empty(len(hashes), dtype=np.int64)  # counted in sorted order, as _seeds does
    repeats[order] = (np.searchsorted(ordered, ordered, side="right")
                      - np.searchsorted(ordered, ordered, side="left"))
    return HashIndex(order, ordered, repeats)


def _seeds(a: np.ndarray, b: np.ndarray, same: bool, a_index: HashIndex | None = None,
           b_index: HashIndex | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i in a, j in b) of n-grams found in both, as two arrays. An n-gram repeated
    more than MAX_SEED_REPEATS times in either text ("nine people died nine" in a spam page)
    seeds nothing: it would make the work quadratic and says nothing about who copied whom."""
    b_index = b_index or hash_index(b)
    a_index = a_index or hash_index(a)
    order, sorted_b = b_index.order, b_index.sorted
    # a's hashes looked up in sorted order (each search starts where the last ended: several
    # times faster than in text order), the answers put back at a's positions
    lo, many = np.empty(len(a), dtype=np.int64), np.empty(len(a), dtype=np.int64)
    lo[a_index.order] = np.searchsorted(sorted_b, a_index.sorted, side="left")
    many[a_index.order] = np.searchsorted(sorted_b, a_index.sorted, side="right")
    many -= lo
    ia = np.flatnonzero(many)
    if len(ia) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    # how often a's n-gram occurs in a (every occurrence of a hash found in b is in ia)
    in_a = a_index.repeats[ia]
    ia = ia[(many[ia] <= MAX_SEED_REPEATS) & (in_a <= MAX_SEED_REPEATS)]
    many, lo = many[ia], lo[ia]
    total = int(many.sum())
    i = np.repeat(ia, many)
    first = np.repeat(np.cumsum(many) - many, many)
    j = order[np.arange(total) - first + np.repeat(lo, many)]
    if same:
        later = j > i
        i, j = i[later], j[later]
    return i, j


def align(a: np.ndarray, b: np.ndarray, settings: ReuseSettings, *,
          same: bool = False, a_index: HashIndex | None = None,
          b_index: HashIndex | None = None) -> list[Passage]:
    """Passages shared by two shingle-hash sequences (word indexes), longest first.
    ``a_index``/``b_index``: their hash_index, when the caller keeps them."""
    n = settings.shingle
    seeds_i, seeds_j = _seeds(a, b, same, a_index, b_index)
    order = np.lexsort((seeds_i, seeds_j - seeds_i))  # by diagonal, then along it
    # join seeds along a diagonal; let a run drift to a nearby diagonal (an inserted word)
    runs: list[Passage] = []
    for i, j in zip(seeds_i[order].tolist(), seeds_j[order].tolist(), strict=True):
        last = runs[-1] if runs else None
        if (last and abs((j - i) - (last.b_end - last.a_end)) <= settings.max_gap
                and 0 <= i - (last.a_end - n) <= settings.max_gap + n
                and 0 <= j - (last.b_end - n) <= settings.max_gap + n):
            last.a_end, last.b_end = max(last.a_end, i + n), max(last.b_end, j + n)
            last.matched += 1
        else:
            runs.append(Passage(i, i + n, j, j + n, 1))
    runs = _merge_runs(runs, settings)
    passages = [p for p in runs if p.a_end - p.a_start >= settings.min_words
                and _similarity(p, n) >= settings.min_similarity]
    return _drop_overlaps(passages)


def _merge_runs(runs: list[Passage], settings: ReuseSettings) -> list[Passage]:
    """Runs on nearby diagonals that follow each other are one passage with an edit."""
    runs.sort(key=lambda p: (p.a_start, p.b_start))
    merged: list[Passage] = []
    for p in runs:
        for q in reversed(merged[-6:]):
            if (0 <= p.a_start - q.a_end <= settings.max_gap
                    and -settings.max_gap <= p.b_start - q.b_end <= settings.max_gap
                    and p.b_start >= q.b_start):
                q.a_end, q.b_end = max(q.a_end, p.a_end), max(q.b_end, p.b_end)
                q.matched += p.matched
                break
        else:
            merged.append(p)
    return merged


def _drop_overlaps(passages: list[Passage]) -> list[Passage]:
    kept: list[Passage] = []
    for p in sorted(passages, key=lambda p: p.a_start - p.a_end):
        if not any(p.a_start < q.a_end and q.a_start < p.a_end and p.b_start < q.b_end
                   and q.b_start < p.b_end for q in kept):
            kept.append(p)
    return sorted(kept, key=lambda p: p.a_start)


def _similarity(p: Passage, n: int) -> float:
    """Share of the passage's shingles found in both (1.0 for a verbatim copy)."""
    length = max(p.a_end - p.a_start, p.b_end - p.b_start) - n + 1
    return round(min(1.0, p.matched / max(1, length)), 3)


def _link(a: Words, b: Words, p: Passage, n: int) -> ReuseLink:
    return ReuseLink(a.doc.id, b.doc.id, int(a.starts[p.a_start]), int(a.ends[p.a_end - 1]),
                     int(b.starts[p.b_start]), int(b.ends[p.b_end - 1]), _similarity(p, n))


DIGITS = re.compile(r"\d+")
REPEAT_PROBE = 8


def _has_repeated_run(ids: np.ndarray) -> bool:
    """A quick look before aligning a text with itself: does any run of 8 words occur twice?"""
    runs = shingle_hashes(ids, REPEAT_PROBE)
    return len(np.unique(runs)) < len(runs)


REPRINT_SIMILARITY = 0.8


def self_repeats(doc: Document, settings: ReuseSettings | None = None,
                 skip: list[Span] | None = None) -> list[Span]:
    """Passages a document prints again later: the later copy, marked with the first's start.

    Only a near-verbatim copy with the same figures counts: a passage that restates the
    text with other numbers ("6313 children" then "63 children") is not set aside.
    """
    settings = settings or ReuseSettings()
    found = word_ids(view(doc.text))  # one pass over the words, for the look and the copy
    if not _has_repeated_run(found[2]):
        return []
    words = _kept(doc, found, [s for s in skip or [] if s.kind == "boilerplate"], settings)
    spans: list[Span] = []
    if len(np.unique(words.hashes)) == len(words.hashes):
        return spans  # no n-gram occurs twice: nothing can be printed twice
    index = hash_index(words.hashes)  # the text against itself: one index for both sides
    for p in align(words.hashes, words.hashes, settings, same=True, a_index=index,
                   b_index=index):
        if p.b_start < p.a_end:  # overlapping copies ("ha ha ha"): not a reprint
            continue
        a_start, a_end = int(words.starts[p.a_start]), int(words.ends[p.a_end - 1])
        b_start, b_end = int(words.starts[p.b_start]), int(words.ends[p.b_end - 1])
        first, second = doc.text[a_start:a_end], doc.text[b_start:b_end]
        if (_similarity(p, settings.shingle) < REPRINT_SIMILARITY
                or DIGITS.findall(first) != DIGITS.findall(second)):
            continue
        spans.append(Span(doc.id, b_start, b_end, "repeat",
                          "printed again: this passage already appears earlier",
                          source_start=a_start))
    return spans


def components(nodes: list[str], edges: np.ndarray | list[tuple[int, int]]
               ) -> list[list[str]]:
    """Reuse groups: documents connected by shared passages, directly or through others
    (``edges``: pairs of indexes into ``nodes``). scipy's sparse graph: a million documents
    are a million integers, not graph nodes."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    groups: dict[int, list[str]] = {}
    for node, group in zip(nodes, label.tolist(), strict=True):
        groups.setdefault(group, []).append(node)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


#: what an earlier run stored for some pairs of documents (ids): the passages and pair
#: record of each that shares text, by the two ids (Store.reuse_of_pairs)
StoredReuse = Callable[[list[tuple[str, str]]],
                       dict[frozenset[str], tuple[list[ReuseLink], dict[str, Any]]]]


@dataclass
class KnownReuse:
    """What an earlier run found, so that pairs of unchanged documents are not aligned again:
    which documents changed since, and ``stored``, which reads what was found for a block of
    candidate pairs at a time (a crawl's links and records, held at once, are gigabytes)."""

    changed: set[str]
    stored: StoredReuse


EDGE_BLOCK = 100_000  # pairs turned into Python objects at a time
PREFETCH_PAIRS = 2000
ALIGN = object()  # a candidate pair to align (not one whose result the store holds)
KEEP = object()  # one whose result the store holds (read a block at a time)


def find_reuse(docs: Sequence[Document], settings: ReuseSettings | None = None,
               known: KnownReuse | None = None,
               dated: Sequence[Document] | None = None,
               stored_keys: Iterable[tuple[str, np.ndarray]] | None = None,
               workers: int = 1,
               sink: Callable[[list[ReuseLink], list[dict[str, Any]]], None] | None = None
               ) -> ReuseReport:
    """Shared passages, shares, near-duplicates, lineage and reuse groups of a corpus.

    ``docs`` only needs indexing: a sequence that builds or loads each document when asked
    keeps memory flat (the store, not RAM, holds the corpus). With ``known``, a candidate
    pair of two unchanged documents keeps what the earlier run found for it (a pair's
    passages depend on its two texts only) and only pairs touching a changed document are
    aligned: adding a few documents to a large store does not realign it. ``dated``: the
    same documents as their publication dates are known (without their texts), for the
    direction of the pairs kept from ``known``. ``stored_keys``: (id, band keys) of
    documents as ``document_keys`` gave them with these settings, in any order; the keys of
    the other documents are computed from their texts. ``workers``: local processes that
    align the candidate pairs. ``sink``: see ReuseReport.sink.
    """
    dated = dated if dated is not None else docs
    settings = settings or ReuseSettings()
    report = ReuseReport(sink=sink)
    ids = [d.id for d in dated]

    def keyed() -> Iterator[tuple[int, np.ndarray]]:
        position = {doc_id: i for i, doc_id in enumerate(ids)}
        done = np.zeros(len(ids), dtype=bool)
        for doc_id, keys in stored_keys or ():
            i = position.get(doc_id)
            if i is not None and not done[i]:
                done[i] = True
                yield i, keys
        for i in np.flatnonzero(~done).tolist():
            yield i, document_keys(docs[i], settings)

    pairs, report.weak_pairs_skipped = bucket_candidates(keyed(), settings)
    report.candidate_pairs = len(pairs)
    edges = align_pairs(docs, pairs, report, settings, known, dated, workers)
    report.groups = components(ids, edges)
    return report


def align_pairs(docs: Sequence[Document], pairs: np.ndarray, report: ReuseReport,
                settings: ReuseSettings, known: KnownReuse | None = None,
                dated: Sequence[Document] | None = None, workers: int = 1
                ) -> np.ndarray:
    """Align candidate pairs (indexes into ``docs``, sorted by the first), adding the
    passages and pair records found to ``report``; returns the pairs that share text.
    See find_reuse for ``known`` and ``dated``. With ``workers`` > 1 the pairs are aligned
    a block at a time in that many local processes (the texts a block needs are sent with
    it), the results taken in order: the same report as one process gives. The pairs that
    share text are returned as an (m, 2) array of indexes."""
    dated = dated if dated is not None else docs
    edges: list[np.ndarray] = []
    prefetch = getattr(docs, "prefetch", None)  # a store-backed sequence reads in batches
    order = locality_order(pairs, len(dated))
    # by each pair's place in pairs: whether it shares text, and (without a sink) what it
    # gave; a crawl's pairs are tens of millions, and a list of them was 8 bytes a pair
    shares = np.zeros(len(pairs), dtype=bool)
    found_at: list[Any] | None = [None] * len(pairs) if report.sink is None else None

    def blocks() -> Iterator[tuple[list[tuple[int, int, int, Any]], dict[int, Document]]]:
        """Each block of pairs (in ``order``), each pair with its place in ``pairs`` and
        what to do: ALIGN it, or what the store holds for the same two texts (None: aligned
        before and nothing found), read for the block's pairs at once; and the texts the
        pairs to align need."""
        for n in range(0, len(pairs), PREFETCH_PAIRS):
            todo: list[tuple[int, int, int, Any]] = []
            kept: list[tuple[str, str]] = []
            chosen = order[n:n + PREFETCH_PAIRS]
            for k, (i, j) in zip(chosen.tolist(), pairs[chosen].tolist(), strict=True):
                if known is not None and dated[i].id not in known.changed and \
                        dated[j].id not in known.changed:
                    kept.append((dated[i].id, dated[j].id))
                    todo.append((k, i, j, KEEP))
                else:
                    todo.append((k, i, j, ALIGN))
            if kept:
                assert known is not None  # (pairs are kept only with it)
                stored = known.stored(kept)
                todo = [(k, i, j, stored.get(frozenset((dated[i].id, dated[j].id)))
                         if what is KEEP else what) for k, i, j, what in todo]
            wanted = sorted({x for _, i, j, what in todo if what is ALIGN for x in (i, j)})
            if prefetch is not None and wanted:
                prefetch(wanted)
            yield todo, {x: docs[x] for x in wanted}

    def take(todo: list[tuple[int, int, int, Any]], aligned: list[Any]) -> None:
        results = iter(aligned)
        if report.sink is not None:  # handed on now, in the block's order: not kept here
            links: list[ReuseLink] = []
            records: list[dict[str, Any]] = []
            for k, i, j, what in todo:
                found = next(results) if what is ALIGN else what
                if found is not None:
                    links += found[0]
                    records.append({**found[1], **lineage_edge(dated[i], dated[j])})
                    shares[k] = True
            report.sink(links, records)
            return
        assert found_at is not None  # (no sink)
        for k, _, _, what in todo:
            found_at[k] = found = next(results) if what is ALIGN else what
            shares[k] = found is not None

    def to_align(todo: list[tuple[int, int, int, Any]]) -> list[tuple[int, int]]:
        return [(i, j) for _, i, j, what in todo if what is ALIGN]

    if workers > 1 and len(pairs) > PREFETCH_PAIRS:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            pending: list[tuple[list[tuple[int, int, int, Any]], Any]] = []
            for todo, texts in blocks():
                pending.append((todo, pool.submit(_align_block, to_align(todo), texts,
                                                  settings)))
                if len(pending) >= 2 * workers:
                    first, future = pending.pop(0)
                    take(first, future.result())
            for todo, future in pending:
                take(todo, future.result())
    else:
        for todo, texts in blocks():
            take(todo, _align_block(to_align(todo), texts, settings))
    # in the pairs' order, a block at a time: a crawl's pairs are millions, and as Python
    # lists or tuples of two numbers each they took hundreds of MB
    for start in range(0, len(pairs), EDGE_BLOCK):
        sharing = pairs[start:start + EDGE_BLOCK][shares[start:start + EDGE_BLOCK]]
        if found_at is not None:
            found_here = [f for f in found_at[start:start + EDGE_BLOCK] if f is not None]
            for (i, j), (links, record) in zip(sharing.tolist(), found_here, strict=True):
                report.links.extend(links)
                report.pairs.append({**record, **lineage_edge(dated[i], dated[j])})
        edges.append(sharing)
    if edges:
        report.sharing = np.concatenate(edges)
    return report.sharing


def locality_order(pairs: np.ndarray, size: int) -> np.ndarray:
    """An order of the pairs in which a block of them names few documents: pairs sorted by
    their documents' places in a reverse Cuthill-McKee order of the candidate graph (each
    document near those it is paired with). Each block reads and hashes the texts it names,
    so this order reads each text fewer times (100k generated reports: 171k texts read for
    384k pairs, against 412k in the pairs' own order)."""
    if len(pairs) <= PREFETCH_PAIRS:
        return np.arange(len(pairs))
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
                       shape=(size, size)).tocsr()
    rank = np.empty(size, dtype=np.int32 if size < 2**31 else np.int64)
    rank[reverse_cuthill_mckee((graph + graph.T).tocsr(), symmetric_mode=True)] = \
        np.arange(size)
    del graph
    placed = rank[pairs]  # as narrow as the ranks: a crawl's pairs are millions
    order = np.lexsort((placed.max(axis=1), placed.min(axis=1)))
    del placed
    # held through the alignment: 32-bit where the pairs are fewer than 2**31
    return order.astype(np.int32) if len(pairs) < 2**31 else order


def _align_block(block: list[tuple[int, int]], texts: dict[int, Document],
                 settings: ReuseSettings) -> list[tuple[list[ReuseLink], dict[str, Any]] | None]:
    """Align each pair of a block (a worker's unit): its passages and the pair's record
    (without lineage, which needs dates only the corpus stage knows), or None."""
    words: dict[int, tuple[Words, HashIndex]] = {}
    out: list[tuple[list[ReuseLink], dict[str, Any]] | None] = []
    for i, j in block:
        for x in (i, j):
            if x not in words:
                found = words_of(texts[x], settings)
                words[x] = found, hash_index(found.hashes)
        (a, a_index), (b, b_index) = words[i], words[j]
        passages = align(a.hashes, b.hashes, settings, a_index=a_index, b_index=b_index)
        if not passages:
            out.append(None)
            continue
        share_a = _covered([(p.a_start, p.a_end) for p in passages]) / max(1, len(a.starts))
        share_b = _covered([(p.b_start, p.b_end) for p in passages]) / max(1, len(b.starts))
        out.append(([_link(a, b, p, settings.shingle) for p in passages], {
            "a": a.doc.id, "b": b.doc.id, "passages": len(passages),
            "a_in_b": round(share_a, 3), "b_in_a": round(share_b, 3),
            "near_duplicate": max(share_a, share_b) >= settings.near_duplicate}))
    return out


def _covered(ranges: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(ranges):
        if e > end:
            total += e - max(s, end)
            end = e
    return total


def lineage_edge(a: Document, b: Document) -> dict[str, Any]:
    """Earlier -> later when both dates are known and one ends before the other begins;
    undirected otherwise (never guessed): "2020" (a year inferred from an anniversary) and
    "2020-03-03" do not say which came first."""
    from accord.chronology import period_of  # here: chronology -> extract -> clean -> reuse

    if a.published and b.published and a.published != b.published:
        span_a, span_b = period_of(a.published), period_of(b.published)
        if span_a and span_b and (span_a.last < span_b.first or span_b.last < span_a.first):
            first, second = (a, b) if span_a.last < span_b.first else (b, a)
            return {"from": first.id, "to": second.id, "directed": True,
                    "basis": f"published {first.published} before {second.published}"}
        return {"from": a.id, "to": b.id, "directed": False,
                "basis": f"publication dates {a.published} and {b.published} do not say "
                         "which came first"}
    return {"from": a.id, "to": b.id, "directed": False,
            "basis": "publication dates unknown or equal"}
