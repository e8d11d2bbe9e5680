"""Benchmark: accord end to end at scale, on generated corpora (not a test).

Builds corpora of --sizes documents as JSONL.gz, streamed to disk: each document is a dateline
and about 20 sentences spliced from halves of real sentences of the bundled reports, half of
their longer words and names replaced (figures, cue and group words and months kept, so
claims occur at a realistic rate and shared wording mostly where it was planted), "Also
Read" and share lines between paragraphs, and 5% of documents given a 60-word passage of
another one.
Then, each in its own process (so peak RSS is its own):

- ``accord run`` (ingest, clean, extract, store, events, reuse, facts) on one process, and
  on the first size also with --workers 2 and --dask local: documents/s, MB/s, peak RSS,
  store size, and speed-ups;
- on the first size, the same documents through quantulum3's parser (number extraction
  only) and through accord's clean + extract: both throughputs and the ratio;
- incremental: 1% new documents added to the store of the last size with ``accord add``,
  against the full run's time.

    python benchmarks/scale.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = re.compile(r"[^.!?\n]+[.!?]")
CITIES = ["Baku", "Lagos", "Kyiv", "Lahore", "Quito", "Hanoi", "Nairobi", "Tbilisi"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
SYLLABLES = ["ka", "ro", "mi", "tel", "san", "dor", "vi", "lu", "pe", "ash", "ne", "gor"]


def _pools(seed: int = 5) -> tuple[list[str], list[str], set[str]]:
    from accord.vocab import load_vocab

    vocab = load_vocab()
    keep = set(vocab.cue_words) | set(vocab.units) | set(vocab.tens) | {
        w for k in vocab.groups for w in k} | {w for k in vocab.noun_kinds for w in k}
    sentences = []
    for path in sorted((ROOT / "examples").glob("*/0*.txt")):
        sentences += [s.strip() for s in SENTENCE.findall(path.read_text("utf-8"))
                      if len(s.split()) >= 6]
    rng = random.Random(seed)
    words = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30000)})
    return sentences, words, keep


def _mutate(token: str, rng: random.Random, words: list[str], keep: set[str]) -> str:
    """Half of a sentence's longer words replaced, names too (not figures, cue or group words,
    nor months): otherwise every report that drew the same list of names would share a
    passage with every other, far above any real crawl's rate of reuse."""
    core = token.strip(".,;:!?\"'()“”‘’")
    if (len(core) <= 3 or not core.isalpha() or core.lower() in keep or core in MONTHS
            or rng.random() >= 0.5):
        return token
    new = rng.choice(words)
    return token.replace(core, new.capitalize() if core[0].isupper() else new, 1)


def _document(n: int, seed: int, pools: tuple[list[str], list[str], set[str]]) -> str:
    sentences, words, keep = pools
    rng = random.Random(seed * 1_000_003 + n)
    lines = [f"{rng.choice(CITIES)}, {rng.randint(1, 28)} {rng.choice(MONTHS)} "
             f"{rng.randint(2015, 2025)} (Agency) -"]
    paragraph: list[str] = []
    for _ in range(20):
        first, second = rng.choice(sentences).split(), rng.choice(sentences).split()
        toks = first[:len(first) // 2] + second[len(second) // 2:]
        paragraph.append(" ".join(_mutate(t, rng, words, keep) for t in toks))
        if rng.random() < 0.25:
            lines.append(" ".join(paragraph))
            paragraph = []
            if rng.random() < 0.3:
                lines.append(rng.choice(["Also Read: " + rng.choice(sentences)[:60],
                                         "Share this article", "Subscribe to our newsletter"]))
    lines.append(" ".join(paragraph))
    return "\n".join(line for line in lines if line)


def build(path: Path, n: int, seed: int, start: int = 0) -> int:
    """Write n documents (ids start..start+n) to a JSONL.gz file; returns bytes of text."""
    pools = _pools()
    rng = random.Random(seed)
    total = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as f:
        for k in range(start, start + n):
            text = _document(k, seed, pools)
            if rng.random() < 0.05 and k > start:  # a passage of an earlier document
                other = _document(rng.randrange(start, k), seed, pools).split()
                cut = rng.randrange(max(1, len(other) - 60))
                text += "\n" + " ".join(other[cut:cut + 60])
            total += len(text.encode("utf-8"))
            f.write(json.dumps({"id": f"doc{k}", "text": text}) + "\n")
    return total


def _child(args: list[str]) -> dict[str, float]:
    """Run a function of this file in a fresh process; it prints one JSON line of figures."""
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def child_run(corpus: str, db: str, workers: int, dask: str | None) -> dict[str, float]:
    from accord.pipeline import run

    start = time.perf_counter()
    result = run([corpus], db, workers=workers, dask=dask, texts=False)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "documents": len(result.documents),
            "claims": len(result.claims), "facts": len(result.facts), "peak_mb": _peak_mb(),
            "store_mb": os.path.getsize(db) / 1e6}


def child_add(db: str, corpus: str) -> dict[str, float]:
    from accord.ingest import Batch, stream
    from accord.pipeline import add_documents
    from accord.store import Store

    start = time.perf_counter()
    with Store(db) as store:
        added = add_documents(store, stream([corpus], Batch()))
    return {"seconds": time.perf_counter() - start, "added": len(added), "peak_mb": _peak_mb()}


def child_quantulum(corpus: str) -> dict[str, float]:
    import warnings

    from accord.clean import clean
    from accord.extract import extract
    from accord.ingest import ingest
    from accord.vocab import load_vocab

    warnings.filterwarnings("ignore")
    from quantulum3 import parser

    docs = ingest([corpus]).documents
    size = sum(len(d.text.encode("utf-8")) for d in docs)
    vocab = load_vocab()
    start = time.perf_counter()
    ours = sum(len(extract(clean(d, vocab), vocab)) for d in docs)
    accord_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = sum(len(parser.parse(d.text)) for d in docs)
    quantulum_s = time.perf_counter() - start
    return {"documents": len(docs), "mb": size / 1e6, "accord_seconds": accord_s,
            "accord_found": ours, "quantulum_seconds": quantulum_s, "quantulum_found": theirs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes for the main run of each size")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip --workers 2, --dask local and quantulum3 on the first size")
    parser.add_argument("--no-quantulum", action="store_true",
                        help="skip the quantulum3 comparison (it takes ~15 minutes at 10k)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "run":
            figures = child_run(rest[0], rest[1], int(rest[2]), rest[3] if rest[3:] else None)
        elif kind == "add":
            figures = child_add(rest[0], rest[1])
        else:
            figures = child_quantulum(rest[0])
        print(json.dumps(figures))
        return
    print(f"machine: {multiprocessing.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="accord-scale-") as tmp:
        last: tuple[str, float] | None = None
        for k, n in enumerate(args.sizes):
            corpus = str(Path(tmp) / f"corpus{n}.jsonl.gz")
            started = time.perf_counter()
            size = build(Path(corpus), n, args.seed)
            print(f"n={n}: {size / 1e6:.0f} MB of text, built in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            db = str(Path(tmp) / f"accord{n}.db")
            one = _child(["run", corpus, db, str(args.workers)])
            print(f"  run, --workers {args.workers}: {one['seconds']:.1f} s, "
                  f"{n / one['seconds']:.0f} docs/s, "
                  f"{size / 1e6 / one['seconds']:.2f} MB/s, peak RSS {one['peak_mb']:.0f} MB, "
                  f"store {one['store_mb']:.0f} MB, {one['claims']:.0f} claims, "
                  f"{one['facts']:.0f} facts", flush=True)
            last = (db, one["seconds"])
            if k == 0 and not args.no_compare:
                for label, extra in (("--workers 2", ["2"]), ("--dask local", ["2", "local"])):
                    if label == f"--workers {args.workers}":
                        continue
                    other = str(Path(tmp) / f"accord{n}-{label[2:6]}.db")
                    got = _child(["run", corpus, other, *extra])
                    print(f"  run, {label}: {got['seconds']:.1f} s, "
                          f"{n / got['seconds']:.0f} docs/s, speed-up "
                          f"{one['seconds'] / got['seconds']:.2f}x, peak RSS "
                          f"{got['peak_mb']:.0f} MB", flush=True)
                if args.no_quantulum:
                    continue
                q = _child(["quantulum", corpus])
                print(f"  number extraction on {q['documents']:.0f} documents "
                      f"({q['mb']:.0f} MB): quantulum3 {q['quantulum_seconds']:.1f} s "
                      f"({q['mb'] / q['quantulum_seconds']:.2f} MB/s, "
                      f"{q['quantulum_found']:.0f} quantities); accord clean+extract "
                      f"{q['accord_seconds']:.1f} s ({q['mb'] / q['accord_seconds']:.2f} MB/s, "
                      f"{q['accord_found']:.0f} claims); accord is "
                      f"{q['quantulum_seconds'] / q['accord_seconds']:.1f}x faster", flush=True)
        if last:
            db, full = last
            n_new = max(1, args.sizes[-1] // 100)
            extra = str(Path(tmp) / "new.jsonl.gz")
            build(Path(extra), n_new, args.seed + 1, start=args.sizes[-1])
            got = _child(["add", db, extra])
            print(f"incremental: {n_new} new documents added to the {args.sizes[-1]} store in "
                  f"{got['seconds']:.1f} s = {100 * got['seconds'] / full:.1f}% of the full "
                  f"run ({full:.1f} s); peak RSS {got['peak_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
