"""Benchmark: reuse detection on generated corpora with planted reuse (not a test).

Documents of about --kb kilobytes are made by splicing halves of real sentences from the
bundled corpora and replacing half of their words from a vocabulary of 60,000, so that chance
overlap is rare but present (common phrases recur, as in news). A share of documents then
receives a planted passage of 40-120 words copied from another document, with 2% of its words
changed. Documents are built when asked (the corpus is a lazy sequence), so a million of them
need no memory.

Prints, per size (each in its own process, so peak RSS is that size's own): documents/s,
candidate pairs, weak pairs skipped, peak RSS, and recall / precision of the planted pairs.
Then a plain all-pairs baseline on the --baseline corpus: every pair of documents compared by
exact shingle-set overlap (Python sets, two processes), its time, recall, and the ratio.

    python benchmarks/reuse.py --sizes 10000 100000 1000000 --baseline 10000
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np

from accord.ingest import text_document
from accord.model import Document
from accord.reuse import ReuseSettings, find_reuse, words_of

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = re.compile(r"[^.!?\n]+[.!?]")
SYLLABLES = ["ka", "ro", "mi", "tel", "san", "dor", "vi", "lu", "pe", "ash", "ne", "gor", "ti",
             "bra", "mol", "zen", "qui", "har", "po", "el"]


@lru_cache(maxsize=1)
def pools(seed: int = 5) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Halves of real sentences as arrays of word ids, and the vocabulary (real + made-up)."""
    sentences = []
    for path in sorted((ROOT / "examples").glob("*/0*.txt")):
        sentences += [s.split() for s in SENTENCE.findall(path.read_text("utf-8"))
                      if len(s.split()) >= 6]
    rng = np.random.default_rng(seed)
    made_up = {"".join(rng.choice(SYLLABLES, size=rng.integers(2, 5))) for _ in range(60000)}
    vocabulary = sorted({w for s in sentences for w in s} | made_up)
    index = {w: k for k, w in enumerate(vocabulary)}
    firsts = [np.array([index[w] for w in s[: len(s) // 2]]) for s in sentences]
    seconds = [np.array([index[w] for w in s[len(s) // 2:]]) for s in sentences]
    return firsts, seconds, np.array(vocabulary, dtype=object)


class Corpus(Sequence[Document]):
    """n generated documents with planted reuse, each built on demand from its index."""

    def __init__(self, n: int, kb: float, share: float, seed: int = 11) -> None:
        self.n, self.kb, self.seed = n, kb, seed
        firsts, seconds, vocabulary = pools()
        self.firsts, self.seconds, self.vocabulary = firsts, seconds, vocabulary
        mean_chars = np.mean([6.0 * (len(a) + len(b))
                              for a, b in zip(firsts, seconds, strict=True)])
        self.per_doc = max(1, int(kb * 1000 / mean_chars))
        rng = np.random.default_rng(seed)
        targets = rng.choice(n, size=int(n * share), replace=False)
        sources = rng.integers(0, n, size=len(targets))
        self.plan = {int(t): (int(s), int(rng.integers(40, 121)), float(rng.random()),
                              float(rng.random()))
                     for t, s in zip(targets, sources, strict=True) if t != s}
        self.planted = [(s, t) for t, (s, _, _, _) in self.plan.items()]
        self.build_seconds = 0.0  # time spent making documents, not finding reuse

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> Document: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Document]: ...

    def __getitem__(self, i: int | slice) -> Document | Sequence[Document]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.n))]
        started = time.perf_counter()
        doc = self._build(i)
        self.build_seconds += time.perf_counter() - started
        return doc

    def _build(self, i: int) -> Document:
        words = self._base(i)
        if i in self.plan:
            source, length, where, cut = self.plan[i]
            src = self._base(source)
            start = int(where * max(1, len(src) - length))
            passage = src[start:start + length].copy()
            rng = np.random.default_rng([self.seed, i, 1])
            edits = rng.random(len(passage)) < 0.02
            passage[edits] = rng.integers(0, len(self.vocabulary), int(edits.sum()))
            at = int(cut * len(words))
            words = np.concatenate([words[:at], passage, words[at:]])
        return text_document(f"d{i}", " ".join(self.vocabulary[words].tolist()))

    def _base(self, i: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, i])
        a = rng.integers(0, len(self.firsts), self.per_doc)
        b = rng.integers(0, len(self.seconds), self.per_doc)
        ids = np.concatenate([part for x, y in zip(a.tolist(), b.tolist(), strict=True)
                              for part in (self.firsts[x], self.seconds[y])])
        mutate = rng.random(len(ids)) < 0.5
        ids[mutate] = rng.integers(0, len(self.vocabulary), int(mutate.sum()))
        return ids


def score(corpus: Corpus, found: set[frozenset[str]]) -> tuple[float, float]:
    want = {frozenset((f"d{s}", f"d{t}")) for s, t in corpus.planted}
    recall = len(want & found) / len(want) if want else 1.0
    precision = len(want & found) / len(found) if found else 1.0
    return recall, precision


def run_size(n: int, kb: float, share: float) -> None:
    corpus = Corpus(n, kb, share)
    start = time.perf_counter()
    report = find_reuse(corpus)
    elapsed = time.perf_counter() - start - corpus.build_seconds
    recall, precision = score(corpus, {frozenset((p["a"], p["b"])) for p in report.pairs})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"n={n}: ~{n * kb / 1000:.0f} MB; reuse {elapsed:.1f} s (building the documents, "
          f"{corpus.build_seconds:.0f} s, left out), {n / elapsed:.0f} docs/s, "
          f"{n * kb / 1000 / elapsed:.1f} MB/s, {report.candidate_pairs} candidate pairs, "
          f"{report.weak_pairs_skipped} weak pairs skipped, {len(report.pairs)} pairs with "
          f"passages, planted {len(corpus.planted)}: recall {recall:.3f}, precision "
          f"{precision:.3f}, peak RSS {peak:.0f} MB", flush=True)


_SETS: list[set[int]] = []


def _compare_rows(rows: range) -> list[tuple[int, int]]:
    need = ReuseSettings().min_words - ReuseSettings().shingle + 1
    sets = _SETS
    return [(i, j) for i in rows for j in range(i + 1, len(sets))
            if len(sets[i] & sets[j]) >= need]


def baseline(n: int, kb: float, share: float) -> None:
    """Every pair compared by exact shingle-set overlap: the cost reuse's LSH avoids."""
    corpus = Corpus(n, kb, share)
    settings = ReuseSettings()
    docs = [corpus[i] for i in range(n)]  # built before the clock starts, as for accord
    start = time.perf_counter()
    _SETS[:] = [set(words_of(d, settings).hashes.tolist()) for d in docs]
    chunks = [range(k, n, 64) for k in range(64)]  # interleaved: even work per chunk
    with multiprocessing.get_context("fork").Pool(2) as pool:
        found = {frozenset((f"d{i}", f"d{j}")) for part in pool.map(_compare_rows, chunks)
                 for i, j in part}
    elapsed = time.perf_counter() - start
    corpus.build_seconds = 0.0
    lsh_start = time.perf_counter()
    find_reuse(corpus)
    lsh = time.perf_counter() - lsh_start - corpus.build_seconds
    recall, precision = score(corpus, found)
    print(f"all-pairs baseline on n={n}: {elapsed:.1f} s on 2 processes ({n * (n - 1) // 2} "
          f"pairs; recall {recall:.3f}, precision {precision:.3f}); accord reuse on the same "
          f"corpus: {lsh:.1f} s on one; ratio {elapsed / lsh:.1f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--kb", type=float, default=4.0)
    parser.add_argument("--share", type=float, default=0.05, help="documents given a reprint")
    parser.add_argument("--baseline", type=int, default=10000, help="documents for all-pairs")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_size(args.sizes[0], args.kb, args.share)
        return
    print(f"machine: {multiprocessing.cpu_count()} cores", flush=True)
    for n in args.sizes:  # each size in a fresh process: its own peak RSS
        subprocess.run([sys.executable, __file__, "--one", "--sizes", str(n), "--kb",
                        str(args.kb), "--share", str(args.share)], check=True)
    if args.baseline:
        baseline(args.baseline, args.kb, args.share)


if __name__ == "__main__":
    main()
