"""Robustness figures (not a test): bad inputs tried, kill points survived, fuzz examples run.

    python benchmarks/robustness.py --fuzz 2000 --kills 1 10 40 finish
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from accord.clean import clean  # noqa: E402
from accord.errors import InputError  # noqa: E402
from accord.extract import extract  # noqa: E402
from accord.ingest import decode_bytes, text_document  # noqa: E402
from accord.pipeline import run  # noqa: E402
from accord.vocab import load_vocab  # noqa: E402
from bad_inputs import build  # noqa: E402
from test_robustness import test_sigkill_then_resume_gives_the_same_store  # noqa: E402

ALPHABET = [*"0123456789 ,.-–()\"“”\n", "killed", "injured", "at least", "more than", "people",
            "women", "children", "Also Read:", "including", "and", "a man", "dozens"]


def bad_inputs() -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        expected = build(Path(tmp) / "corpus", big_bytes=600 * 1024)
        result = run([str(Path(tmp) / "corpus")], Path(tmp) / "accord.db",
                     max_bytes=512 * 1024)
        reported = {s.path for s in result.skipped}
        return len(expected), sum(1 for path in expected if path in reported)


def fuzz(examples: int, seed: int = 1) -> tuple[int, int]:
    rng = random.Random(seed)
    vocab = load_vocab()
    crashes = 0
    for _ in range(examples):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2048)))
        try:
            decode_bytes(data, "fuzz.bin")
        except InputError:
            pass
        except Exception:
            crashes += 1
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 80)))
        try:
            doc = clean(text_document("fuzz.txt", text), vocab)
            for c in extract(doc, vocab):
                assert text[c.figure_start:c.figure_end] == c.stated
                assert text[c.start:c.end] == c.text
        except Exception:
            crashes += 1
    return examples * 2, crashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=2000, help="random inputs of each kind")
    parser.add_argument("--kills", nargs="*", default=["1", "10", "40", "finish"])
    args = parser.parse_args()
    tried, reported = bad_inputs()
    print(f"bad inputs: {tried} tried, {reported} reported with a reason, the good documents "
          f"stored")
    survived = 0
    for point in args.kills:
        with tempfile.TemporaryDirectory() as tmp:
            test_sigkill_then_resume_gives_the_same_store(
                Path(tmp), point if point == "finish" else int(point))
            survived += 1
            where = "all documents, during the corpus stages" if point == "finish" else (
                f"{point} documents")
            print(f"SIGKILL after {where}: store intact, resumed to the same result",
                  flush=True)
    print(f"kill points: {len(args.kills)} tried, {survived} survived")
    examples, crashes = fuzz(args.fuzz)
    print(f"fuzz: {examples} examples (random bytes into decoding, random text into "
          f"clean+extract), {crashes} crashes or span errors")


if __name__ == "__main__":
    main()
