"""Benchmark: accord end to end at scale, on generated corpora (not a test).

Builds corpora of --sizes documents as JSONL.gz, streamed to disk, reporting many events as
a crawl does (one per 40 documents on average, sizes falling off as 1/rank): each document is
a dateline and about 20 sentences spliced from halves of real sentences of one bundled
report set, with its story's own names and years and half of the other longer words
replaced (figures, cue and group words and months kept, so claims occur at a realistic rate
and shared wording mostly where it was planted), "Also Read" and share lines between
paragraphs, and 5% of documents given a 60-word passage of another one.
Then, each in its own process (so peak RSS is its own):

- ``accord run`` (ingest, clean, extract, store, events, reuse, facts) on one process, and
  on the first size also with --workers 2 and --dask local: documents/s, MB/s, peak RSS,
  store size, and speed-ups;
- on the first size, the same documents through quantulum3's parser (number extraction
  only) and through accord's clean + extract: both throughputs and the ratio;
- incremental: 1% new documents added to the store of the last size with ``accord add``
  (as many workers as the main run), against the full run's time.

    python benchmarks/scale.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = re.compile(r"[^.!?\n]+[.!?]")
CITIES = ["Baku", "Lagos", "Kyiv", "Lahore", "Quito", "Hanoi", "Nairobi", "Tbilisi"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
SYLLABLES = ["ka", "ro", "mi", "tel", "san", "dor", "vi", "lu", "pe", "ash", "ne", "gor"]


def _mutate(token: str, rng: random.Random, words: list[str], keep: set[str],
            plain: set[str], story: Story) -> str:
    """Names and figures become the story's own (each story renames every name its way and
    scales every figure, so its reports agree on them and other stories' do not); years
    move by the story's offset; half of
    the other longer words are replaced (not figures, cue or group words, nor months):
    otherwise every report that drew the same sentence would share a passage with every
    other, far above any real crawl's rate of reuse."""
    if YEAR.match(token.strip(".,;:!?()")):
        year = token.strip(".,;:!?()")
        return token.replace(year, str(min(2025, int(year) + story.offset)), 1)
    token = FIGURE.sub(story.figure, token)

    def word(m: re.Match[str]) -> str:
        core = m.group(0)
        if core.lower() in keep or core in MONTHS or (len(core) < 4 and core.islower()):
            return core
        if core[0].isupper() and core.lower() not in plain:  # a name, not "According"
            return story.name(core, words)
        if rng.random() >= 0.5:
            return core
        new = rng.choice(words)
        return new.capitalize() if core[0].isupper() else new

    return LONG_WORD.sub(word, token)


LONG_WORD = re.compile(r"[A-Za-z]{3,}")
FIGURE = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d{2,}\b")
YEAR = re.compile(r"^(19[5-9]\d|20[0-2]\d)$")
DOCS_PER_STORY = 40  # on average: a crawl reports many events, a few of them at length
#: disk a generated document takes in a run, at most: its store (22.4 GB for 1M documents),
#: its share of the compressed corpus (1.24 GB) and of the finish's temporary files (reuse
#: band keys 3.3 GB, the claims' mapped columns and their fact-order copy, spills), rounded up
DISK_PER_DOCUMENT = 30_000


class Story:
    """One event of the generated crawl: which bundled report set its sentences come from,
    how it names things, how far its years are moved and how its figures are scaled."""

    def __init__(self, number: int, seed: int, sources: int) -> None:
        rng = random.Random(seed * 7919 + number)
        self.number = number
        self.source = rng.randrange(sources)
        self.offset = -rng.randrange(0, 26)
        self.salt = rng.getrandbits(32)
        self.scale = rng.uniform(0.3, 3.0)

    def figure(self, m: re.Match[str]) -> str:
        """The story's own figures: every count scaled alike, so its reports agree and
        disagree as the originals did, and other stories' figures are others."""
        value = round(int(m.group(0).replace(",", "")) * self.scale)
        return f"{value:,}" if "," in m.group(0) else str(value)

    def name(self, original: str, words: list[str]) -> str:
        pick = zlib.crc32(f"{self.salt}:{original}".encode()) % len(words)
        return words[pick].capitalize()


Pools = tuple[list[list[str]], list[str], set[str], set[str]]


def _pools(seed: int = 5) -> Pools:
    """Sentences of each bundled report set, made-up words, the words kept as they are, and
    the words the reports write in lower case (a capitalised one is a name)."""
    from accord.vocab import load_vocab

    vocab = load_vocab()
    keep = set(vocab.cue_words) | set(vocab.units) | set(vocab.tens) | {
        w for k in vocab.groups for w in k} | {w for k in vocab.noun_kinds for w in k}
    sources = []
    for folder in sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir()):
        sentences = []
        for path in sorted(folder.glob("0*.txt")):
            sentences += [s.strip() for s in SENTENCE.findall(path.read_text("utf-8"))
                          if len(s.split()) >= 6]
        if sentences:
            sources.append(sentences)
    rng = random.Random(seed)
    words = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30000)})
    plain = {w for sentences in sources for s in sentences for w in re.findall(r"\b[a-z]+\b", s)}
    return sources, words, keep, plain


def _story_of(k: int, seed: int, stories: int) -> int:
    """Story sizes fall off as 1/rank (a few events reported at length, most briefly)."""
    rng = random.Random(seed * 1_000_033 + k)
    return min(stories - 1, int(stories ** rng.random()) - 1)


def _document(n: int, seed: int, pools: Pools, story: Story) -> str:
    sources, words, keep, plain = pools
    sentences = sources[story.source]
    rng = random.Random(seed * 1_000_003 + n)
    lines = [f"{rng.choice(CITIES)}, {rng.randint(1, 28)} {rng.choice(MONTHS)} "
             f"{rng.randint(2015, 2025)} (Agency) -"]
    paragraph: list[str] = []
    for _ in range(20):
        first, second = rng.choice(sentences).split(), rng.choice(sentences).split()
        toks = first[:len(first) // 2] + second[len(second) // 2:]
        paragraph.append(" ".join(_mutate(t, rng, words, keep, plain, story) for t in toks))
        if rng.random() < 0.25:
            lines.append(" ".join(paragraph))
            paragraph = []
            if rng.random() < 0.3:
                lines.append(rng.choice(["Also Read: " + rng.choice(sentences)[:60],
                                         "Share this article", "Subscribe to our newsletter"]))
    lines.append(" ".join(paragraph))
    return "\n".join(line for line in lines if line)


def build(path: Path, n: int, seed: int, start: int = 0, stories: int | None = None) -> int:
    """Write n documents (ids start..start+n) to a JSONL.gz file; returns bytes of text.
    Documents are about ``stories`` events (default: one per DOCS_PER_STORY documents);
    the stories depend on ``stories`` only, so documents added later report the same
    events as the corpus they join."""
    pools = _pools()
    stories = stories or max(1, n // DOCS_PER_STORY)
    cast = [Story(s, STORY_SEED, len(pools[0])) for s in range(stories)]
    rng = random.Random(seed)
    total = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as f:
        for k in range(start, start + n):
            story = cast[_story_of(k, seed, stories)]
            text = _document(k, seed, pools, story)
            if rng.random() < 0.05 and k > start:  # a passage of an earlier report
                earlier = rng.randrange(start, k)
                other = _document(earlier, seed, pools,
                                  cast[_story_of(earlier, seed, stories)]).split()
                cut = rng.randrange(max(1, len(other) - 60))
                text += "\n" + " ".join(other[cut:cut + 60])
            total += len(text.encode("utf-8"))
            f.write(json.dumps({"id": f"doc{k}", "text": text}) + "\n")
    return total


STORY_SEED = 11


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
    from accord.store import Store

    start = time.perf_counter()
    result = run([corpus], db, workers=workers, dask=dask, texts=False)
    elapsed = time.perf_counter() - start
    with Store(db) as store:  # the facts went to the store as they were made
        facts = store.counts()["facts"]
    return {"seconds": elapsed, "documents": len(result.documents),
            "claims": len(result.claims), "facts": facts, "peak_mb": _peak_mb(),
            "store_mb": os.path.getsize(db) / 1e6}


def child_add(db: str, corpus: str, workers: int) -> dict[str, float]:
    from accord.ingest import Batch, stream
    from accord.pipeline import add_documents
    from accord.store import Store

    start = time.perf_counter()
    with Store(db) as store:
        added = add_documents(store, stream([corpus], Batch()), workers=workers)
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


def calibrate(megabytes: float = 3.0) -> float:
    """Clean+extract MB/s on one core now, on a fixed corpus: read beside each figure, it
    tells a change of code from a change of the machine's speed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from clean_extract import build as build_varied
    from clean_extract import clean_and_extract

    from accord.vocab import load_vocab

    texts = build_varied(megabytes)
    elapsed, _ = clean_and_extract(texts, load_vocab())
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6 / elapsed


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
            figures = child_add(rest[0], rest[1], int(rest[2]))
        else:
            figures = child_quantulum(rest[0])
        print(json.dumps(figures))
        return
    if not (args.no_compare or args.no_quantulum) and \
            importlib.util.find_spec("quantulum3") is None:
        parser.error("the quantulum3 comparison needs quantulum3: pip install -e '.[bench]', "
                     "or pass --no-quantulum")
    needed = DISK_PER_DOCUMENT * (sum(args.sizes) + (0 if args.no_compare else
                                                     2 * args.sizes[0]))
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if free < needed:  # found out only when a store's write fails, an hour in at 1M
        parser.error(f"these sizes need ~{needed / 1e9:.1f} GB free in "
                     f"{tempfile.gettempdir()}, which has {free / 1e9:.1f} GB: free some, or set "
                     "TMPDIR to a folder on a larger disk")
    from accord.build import build_kind

    print(f"accord build: {build_kind()}", flush=True)
    print(f"machine: {multiprocessing.cpu_count()} cores; its speed now: clean+extract "
          f"{calibrate():.2f} MB/s on one core (benchmarks/clean_extract.py's corpus, 3 MB: "
          "this shared machine's speed varies by a third from hour to hour)", flush=True)
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
            build(Path(extra), n_new, args.seed + 1, start=args.sizes[-1],
                  stories=max(1, args.sizes[-1] // DOCS_PER_STORY))
            got = _child(["add", db, extra, str(args.workers)])
            print(f"incremental: {n_new} new documents added (--workers {args.workers}) to the "
                  f"{args.sizes[-1]} store in "
                  f"{got['seconds']:.1f} s = {100 * got['seconds'] / full:.1f}% of the full "
                  f"run ({full:.1f} s); peak RSS {got['peak_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
