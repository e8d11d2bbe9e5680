"""Benchmark: reuse detection on generated corpora with planted reuse (not a test).

Documents of about --kb kilobytes are made by splicing halves of real sentences from the
bundled corpora and replacing a share of their words, so that chance overlap is rare. A share
of documents then receives a planted passage of 40-120 words copied from another document,
with 2% of its words changed. Prints, per size: documents/s, candidate pairs, peak RSS, and
recall / precision of the planted pairs; then a brute-force all-pairs baseline (exact shingle
overlap between every pair) on a sample, with its measured time and the ratio.

    python benchmarks/reuse.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import resource
import time
from pathlib import Path

from accord.ingest import text_document
from accord.model import Document
from accord.reuse import ReuseSettings, find_reuse, words_of

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = re.compile(r"[^.!?\n]+[.!?]")


SYLLABLES = ["ka", "ro", "mi", "tel", "san", "dor", "vi", "lu", "pe", "ash", "ne", "gor", "ti",
             "bra", "mol", "zen", "qui", "har", "po", "el"]


def pools(seed: int = 5) -> tuple[list[list[str]], list[str]]:
    """Real sentences, and a vocabulary as large as a news archive's (real + made-up words)."""
    sentences, words = [], set()
    for path in sorted((ROOT / "examples").glob("*/0*.txt")):
        for s in SENTENCE.findall(path.read_text("utf-8")):
            toks = s.split()
            if len(toks) >= 6:
                sentences.append(toks)
                words.update(toks)
    rng = random.Random(seed)
    made_up = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(60000)}
    return sentences, sorted(words | made_up)


def make_doc(rng: random.Random, sentences: list[list[str]], words: list[str],
             kb: float) -> str:
    out: list[str] = []
    size = 0
    while size < kb * 1000:
        a, b = rng.choice(sentences), rng.choice(sentences)
        spliced = a[: len(a) // 2] + b[len(b) // 2:]
        mutated = [rng.choice(words) if rng.random() < 0.5 else w for w in spliced]
        sentence = " ".join(mutated)
        out.append(sentence)
        size += len(sentence) + 1
    return " ".join(out)


def corpus(n: int, kb: float, share: float, seed: int = 11) -> tuple[list[Document],
                                                                   list[tuple[int, int, int]]]:
    """Documents and planted reuse as (source, target, start of the passage in target)."""
    rng = random.Random(seed)
    sentences, words = pools()
    texts = [make_doc(rng, sentences, words, kb) for _ in range(n)]
    planted = []
    for target in rng.sample(range(n), k=int(n * share)):
        source = rng.randrange(n)
        if source == target:
            continue
        src_words = texts[source].split()
        length = rng.randint(40, 120)
        start = rng.randrange(max(1, len(src_words) - length))
        passage = [rng.choice(words) if rng.random() < 0.02 else w
                   for w in src_words[start:start + length]]
        tgt = texts[target].split()
        cut = rng.randrange(len(tgt))
        prefix = " ".join(tgt[:cut])
        texts[target] = " ".join([prefix, *passage, *tgt[cut:]]).strip()
        planted.append((source, target, len(prefix) + 1))
    return [text_document(f"d{i}", t) for i, t in enumerate(texts)], planted


def score(docs: list[Document], planted: list[tuple[int, int, int]],
          found: set[frozenset[str]]) -> tuple[float, float]:
    want = {frozenset((docs[s].id, docs[t].id)) for s, t, _ in planted}
    recall = len(want & found) / len(want) if want else 1.0
    precision = len(want & found) / len(found) if found else 1.0
    return recall, precision


def run_size(n: int, kb: float, share: float) -> None:
    t0 = time.perf_counter()
    docs, planted = corpus(n, kb, share)
    built = time.perf_counter() - t0
    start = time.perf_counter()
    report = find_reuse(docs)
    elapsed = time.perf_counter() - start
    found = {frozenset((p["a"], p["b"])) for p in report.pairs}
    recall, precision = score(docs, planted, found)
    mb = sum(len(d.text) for d in docs) / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"n={n}: {mb:.0f} MB built in {built:.0f} s; reuse {elapsed:.1f} s, "
          f"{n / elapsed:.0f} docs/s, {report.candidate_pairs} candidate pairs, "
          f"{len(report.pairs)} pairs with passages, planted {len(planted)}: "
          f"recall {recall:.3f}, precision {precision:.3f}, peak RSS {peak:.0f} MB", flush=True)


def baseline(n: int, kb: float, share: float) -> None:
    """All pairs compared by exact shingle-set overlap: the cost reuse's LSH avoids."""
    docs, planted = corpus(n, kb, share)
    settings = ReuseSettings()
    start = time.perf_counter()
    sets = [set(words_of(d, settings).hashes.tolist()) for d in docs]
    found = set()
    for i, j in itertools.combinations(range(len(docs)), 2):
        if len(sets[i] & sets[j]) >= settings.min_words - settings.shingle + 1:
            found.add(frozenset((docs[i].id, docs[j].id)))
    elapsed = time.perf_counter() - start
    lsh_start = time.perf_counter()
    find_reuse(docs)
    lsh = time.perf_counter() - lsh_start
    recall, precision = score(docs, planted, found)
    print(f"all-pairs baseline on n={n}: {elapsed:.1f} s ({n * (n - 1) // 2} pairs; recall "
          f"{recall:.3f}, precision {precision:.3f}); accord reuse on the same: {lsh:.1f} s; "
          f"ratio {elapsed / lsh:.1f}x; at n=10000 the baseline would take about "
          f"{elapsed * (10000 / n) ** 2:.0f} s (quadratic)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--kb", type=float, default=4.0)
    parser.add_argument("--share", type=float, default=0.05, help="documents given a reprint")
    parser.add_argument("--baseline", type=int, default=2000, help="documents for all-pairs")
    args = parser.parse_args()
    for n in args.sizes:
        run_size(n, args.kb, args.share)
    if args.baseline:
        baseline(args.baseline, args.kb, args.share)


if __name__ == "__main__":
    main()
