"""Benchmark: clean + extract throughput and peak memory on a generated corpus (not a test).

Builds a corpus of at least --mb megabytes by repeating the bundled example texts with
variations (figures changed, sentences shuffled, paragraphs dropped), then runs the clean and
extract stages on one core and prints documents/s, MB/s and peak RSS.

    python benchmarks/clean_extract.py --mb 20
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import time
from pathlib import Path

from accord.build import build_kind
from accord.clean import clean
from accord.extract import extract
from accord.ingest import text_document
from accord.vocab import Vocab, load_vocab

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\b")


def seed_texts() -> list[str]:
    return [p.read_text("utf-8") for p in sorted((ROOT / "examples").glob("*/0*.txt"))]


def vary(text: str, rng: random.Random) -> str:
    """A new report from an old one: figures nudged, paragraphs shuffled and dropped."""
    def nudge(m: re.Match[str]) -> str:
        n = int(m.group(0).replace(",", ""))
        if 1900 <= n <= 2030 or rng.random() < 0.6:
            return m.group(0)
        return f"{max(1, n + rng.randint(-3, 3)):,}"

    paragraphs = [p for p in text.split("\n") if p.strip()]
    rng.shuffle(paragraphs)
    keep = [p for p in paragraphs if rng.random() > 0.15] or paragraphs
    return NUMBER.sub(nudge, "\n".join(keep))


def build(megabytes: float, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    seeds = seed_texts()
    corpus: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        text = vary(rng.choice(seeds), rng)
        corpus.append(text)
        size += len(text.encode("utf-8"))
    return corpus


def clean_and_extract(corpus: list[str], vocab: Vocab) -> tuple[float, int]:
    """Seconds clean+extract takes over ``corpus`` in this process, and the claims found."""
    claims = 0
    start = time.perf_counter()
    for n, text in enumerate(corpus):
        doc = text_document(f"d{n}.txt", text)
        clean(doc, vocab)
        claims += len(extract(doc, vocab))
    return time.perf_counter() - start, claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB")
    args = parser.parse_args()
    vocab = load_vocab()
    t0 = time.perf_counter()
    corpus = build(args.mb)
    built = time.perf_counter() - t0
    total_bytes = sum(len(t.encode("utf-8")) for t in corpus)
    elapsed, claims = clean_and_extract(corpus, vocab)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {len(corpus)} documents, {total_bytes / 1e6:.1f} MB (built in {built:.1f} s)")
    print(f"clean+extract: {elapsed:.1f} s on one core, {claims} claims ({build_kind()})")
    print(f"documents/s: {len(corpus) / elapsed:.0f}")
    print(f"MB/s: {total_bytes / 1e6 / elapsed:.2f}")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
