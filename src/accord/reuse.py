"""Reuse: passages documents share, near-duplicates, lineage and independent groups.

Candidate pairs come from MinHash LSH (datasketch) over overlapping windows of word
shingles, so partial reprints are found without comparing all pairs. Each candidate pair is
then aligned at passage level: shared word n-grams are seeds, seeds on one diagonal joined
across small gaps become a passage (as passim does for newspaper reprints), so a changed word,
re-punctuation or a misspelling does not break a passage, and reordered sentences give one
passage each. The same alignment of a document with itself finds passages it prints twice.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from accord.model import Document, ReuseLink, Span
from accord.text import view

WORD = re.compile(r"[a-z0-9]+")
CASED_WORD = re.compile(r"[A-Za-z0-9]+")
MERSENNE = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)


@dataclass(frozen=True)
class ReuseSettings:
    """Knobs of reuse detection; defaults suit news reports of a few KB.

    Args:
        shingle: words per shingle (seed n-gram).
        window: words per LSH window; stride is half of it.
        threshold: LSH Jaccard threshold between windows.
        num_perm: MinHash permutations.
        bands: LSH bands (rows per band = num_perm // bands); fewer bands, smaller index.
        max_gap: words a passage may skip on either side and still be one passage.
        min_words: words a passage needs to be reported.
        near_duplicate: share of a document inside another that makes them near-duplicates.
    """

    shingle: int = 4
    window: int = 60
    threshold: float = 0.2
    num_perm: int = 32
    bands: int = 16
    max_gap: int = 8
    min_words: int = 12
    near_duplicate: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0.0, 1.0]")
        if self.shingle < 1 or self.window <= self.shingle:
            raise ValueError("shingle must be >= 1 and window larger than shingle")


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



_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0x27D4EB2F165667C5, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)


def shingle_hashes(tokens: list[str], n: int) -> np.ndarray:
    """A 64-bit hash for each run of n words, the same in every process (no hash seed)."""
    if len(tokens) < n:
        return np.zeros(0, dtype=np.uint64)
    crc = {t: zlib.crc32(t.encode("utf-8")) for t in set(tokens)}  # each distinct word once
    ids = np.fromiter(map(crc.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    out = np.zeros(len(tokens) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out ^= (ids[k:len(ids) - n + 1 + k] + np.uint64(k + 1)) * _MIX[k % len(_MIX)]
        out ^= out >> np.uint64(29)
        out *= np.uint64(0xBF58476D1CE4E5B9)
    return out


def words_of(doc: Document, settings: ReuseSettings, skip_kinds: tuple[str, ...] = (
        "boilerplate", "repeat")) -> Words:
    """The words reuse compares, leaving out what clean set aside."""
    plain = view(doc.text)  # not lower-cased here: that may change its length and offsets
    matches = list(CASED_WORD.finditer(plain))
    starts = np.fromiter(map(_start, matches), dtype=np.int32, count=len(matches))
    ends = np.fromiter(map(_end, matches), dtype=np.int32, count=len(matches))
    tokens = " ".join(CASED_WORD.findall(plain)).lower().split()
    skipped = sorted((s.start, s.end) for s in doc.marked if s.kind in skip_kinds)
    if skipped:
        keep = ~_inside_any(starts, np.array(skipped, dtype=np.int64))
        starts, ends = starts[keep], ends[keep]
        tokens = [t for t, kept in zip(tokens, keep.tolist(), strict=True) if kept]
    return Words(doc, starts, ends, shingle_hashes(tokens, settings.shingle))


def _start(m: re.Match[str]) -> int:
    return m.start()


def _end(m: re.Match[str]) -> int:
    return m.end()


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

    def window_signatures(self, hashes: np.ndarray, window: int) -> list[np.ndarray]:
        """MinHash signatures of overlapping windows (stride window/2) of shingle hashes."""
        if len(hashes) == 0:
            return []
        h = (hashes & MAX_HASH)[:, None]
        with np.errstate(over="ignore"):
            values = ((h * self.a + self.b) % MERSENNE) & MAX_HASH
        stride = max(1, window // 2)
        starts = list(range(0, max(1, len(hashes) - window + stride), stride))
        return [values[s:s + window].min(axis=0) for s in starts]


def candidate_pairs(corpus: list[Words], settings: ReuseSettings) -> set[tuple[int, int]]:
    """Pairs of documents (by index) with at least one pair of similar windows.

    Each window is queried against the windows inserted before it, then inserted, so no
    signature is kept beyond its own step: memory is the LSH index alone.
    """
    perms = _Permutations(settings.num_perm)
    lsh = MinHashLSH(num_perm=settings.num_perm,
                     params=(settings.bands, settings.num_perm // settings.bands))
    pairs: set[tuple[int, int]] = set()
    for d, words in enumerate(corpus):
        mine = []
        for w, values in enumerate(perms.window_signatures(words.hashes, settings.window)):
            mh = LeanMinHash(seed=1, hashvalues=values, scheme="legacy")
            for other in lsh.query(mh):
                pairs.add((other >> 16, d))
            mine.append(((d << 16) | w, mh))  # an int key: far smaller than a tuple
        for key, mh in mine:  # after querying, so a document is not its own candidate
            lsh.insert(key, mh, check_duplication=False)
    return pairs


MAX_SEED_REPEATS = 20


def _seeds(a: np.ndarray, b: np.ndarray, same: bool) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i in a, j in b) of n-grams found in both, as two arrays. An n-gram repeated
    more than MAX_SEED_REPEATS times in either text ("nine people died nine" in a spam page)
    seeds nothing: it would make the work quadratic and says nothing about who copied whom."""
    ua, count_a = np.unique(a, return_counts=True)
    ub, count_b = np.unique(b, return_counts=True)
    common = np.intersect1d(ua[count_a <= MAX_SEED_REPEATS], ub[count_b <= MAX_SEED_REPEATS],
                            assume_unique=True)
    ia = np.nonzero(np.isin(a, common))[0]
    ib = np.nonzero(np.isin(b, common))[0]
    ib = ib[np.argsort(b[ib], kind="stable")]
    hb = b[ib]
    lo = np.searchsorted(hb, a[ia], side="left")
    many = np.searchsorted(hb, a[ia], side="right") - lo
    total = int(many.sum())
    i = np.repeat(ia, many)
    first = np.repeat(np.cumsum(many) - many, many)
    j = ib[np.arange(total) - first + np.repeat(lo, many)]
    if same:
        later = j > i
        i, j = i[later], j[later]
    return i, j


def align(a: np.ndarray, b: np.ndarray, settings: ReuseSettings, *,
          same: bool = False) -> list[Passage]:
    """Passages shared by two shingle-hash sequences (word indexes), longest first."""
    n = settings.shingle
    seeds_i, seeds_j = _seeds(a, b, same)
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
    passages = [p for p in runs if p.a_end - p.a_start >= settings.min_words]
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


def _has_repeated_run(plain: str) -> bool:
    """A quick look before aligning a text with itself: does any run of 8 words occur twice?"""
    words = WORD.findall(plain.lower())
    runs = list(zip(*(words[k:] for k in range(REPEAT_PROBE)), strict=False))
    return len(set(runs)) < len(runs)
REPRINT_SIMILARITY = 0.8


def self_repeats(doc: Document, settings: ReuseSettings | None = None,
                 skip: list[Span] | None = None) -> list[Span]:
    """Passages a document prints again later: the later copy, marked with the first's start.

    Only a near-verbatim copy with the same figures counts: a passage that restates the
    text with other numbers ("6313 children" then "63 children") is not set aside.
    """
    settings = settings or ReuseSettings()
    if not _has_repeated_run(view(doc.text)):
        return []
    original = doc.marked
    doc.marked = list(skip or [])
    words = words_of(doc, settings, ("boilerplate",))
    doc.marked = original
    spans: list[Span] = []
    if len(np.unique(words.hashes)) == len(words.hashes):
        return spans  # no n-gram occurs twice: nothing can be printed twice
    for p in align(words.hashes, words.hashes, settings, same=True):
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


def _components(nodes: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Reuse groups: documents connected by shared passages, directly or through others."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda g: g[0])


def find_reuse(docs: list[Document], settings: ReuseSettings | None = None) -> ReuseReport:
    """Shared passages, shares, near-duplicates, lineage and reuse groups of a corpus."""
    settings = settings or ReuseSettings()
    corpus = [words_of(d, settings) for d in docs]
    report = ReuseReport()
    pairs = candidate_pairs(corpus, settings)
    report.candidate_pairs = len(pairs)
    edges: list[tuple[str, str]] = []
    for i, j in sorted(pairs):
        a, b = corpus[i], corpus[j]
        passages = align(a.hashes, b.hashes, settings)
        if not passages:
            continue
        report.links.extend(_link(a, b, p, settings.shingle) for p in passages)
        share_a = _covered([(p.a_start, p.a_end) for p in passages]) / max(1, len(a.starts))
        share_b = _covered([(p.b_start, p.b_end) for p in passages]) / max(1, len(b.starts))
        report.pairs.append({
            "a": a.doc.id, "b": b.doc.id, "passages": len(passages),
            "a_in_b": round(share_a, 3), "b_in_a": round(share_b, 3),
            "near_duplicate": max(share_a, share_b) >= settings.near_duplicate,
            **_lineage_edge(a.doc, b.doc)})
        edges.append((a.doc.id, b.doc.id))
    report.groups = _components([d.id for d in docs], edges)
    return report


def _covered(ranges: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(ranges):
        if e > end:
            total += e - max(s, end)
            end = e
    return total


def _lineage_edge(a: Document, b: Document) -> dict[str, Any]:
    """Earlier -> later when both dates are known; undirected otherwise (never guessed)."""
    if a.published and b.published and a.published != b.published:
        first, second = (a, b) if a.published < b.published else (b, a)
        return {"from": first.id, "to": second.id, "directed": True,
                "basis": f"published {first.published} before {second.published}"}
    return {"from": a.id, "to": b.id, "directed": False,
            "basis": "publication dates unknown or equal"}
