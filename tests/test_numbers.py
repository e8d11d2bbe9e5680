"""The number parser: numerals, words, ranges, qualifiers; property tests with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.extract.numbers import find_mentions
from accord.text import tokens, view
from accord.vocab import Vocab, load_vocab

VOCAB = load_vocab()
UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words(n: int) -> str:
    """English words for 1..999,999 (an independent writer to check the parser against)."""
    if n >= 1000:
        rest = n % 1000
        return f"{words(n // 1000)} thousand" + (f" {words(rest)}" if rest else "")
    if n >= 100:
        rest = n % 100
        return f"{UNITS[n // 100]} hundred" + (f" and {words(rest)}" if rest else "")
    if n >= 20:
        return TENS[n // 10] + (f"-{UNITS[n % 10]}" if n % 10 else "")
    return UNITS[n]


Stated = tuple[int | None, int | None, int | None, str]


def mentions(text: str, vocab: Vocab = VOCAB) -> list[Stated]:
    toks = tokens(view(text))
    return [(m.value, m.low, m.high, m.qualifier) for m in find_mentions(toks, vocab)
            if m.not_count is None]


@given(st.integers(min_value=0, max_value=10**9))
def test_numeral_with_separators(n: int) -> None:
    assert mentions(f"{n:,} people were affected") == [(n, n, n, "exact")]


@given(st.integers(min_value=2, max_value=999_999))
def test_number_words(n: int) -> None:
    text = f"{words(n)} people were affected"
    assert mentions(text) == [(n, n, n, "exact")], text


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_ranges(low: int, gap: int) -> None:
    high = low + gap
    assert mentions(f"between {low} and {high} people") == [(None, low, high, "range")]
    assert mentions(f"{low} to {high} people") == [(None, low, high, "range")]


@given(st.sampled_from([("at least", "at_least"), ("more than", "more_than"), ("over", "more_than"),
                        ("about", "about"), ("nearly", "about"), ("up to", "up_to"),
                        ("fewer than", "fewer_than"), ("some", "about")]),
       st.integers(min_value=2, max_value=99_999))
def test_qualifiers(qualifier: tuple[str, str], n: int) -> None:
    phrase, name = qualifier
    (value, low, high, got), = mentions(f"{phrase} {n} people died")
    assert (value, got) == (n, name)
    assert low == (None if name in ("up_to", "fewer_than") else n)
    assert high == (None if name in ("at_least", "more_than") else n)


@pytest.mark.parametrize(("text", "expected"), [
    ("2-4,000 people", [(None, 2000, 4000, "range")]),
    ("120-130 bodies", [(None, 120, 130, "range")]),
    ("five or six bodies", [(None, 5, 6, "range")]),
    ("1.2 million people", [(1_200_000, 1_200_000, 1_200_000, "exact")]),
    ("more than 2.5 lakh people", [(250_000, 250_000, None, "more_than")]),
    ("a dozen people", [(12, 12, 12, "exact")]),
    ("more than a dozen people", [(12, 12, None, "more_than")]),
    ("dozens of people", [(None, 24, None, "at_least")]),
    ("Twenty-four states", [(24, 24, 24, "exact")]),
    ("100 or more people", [(100, 100, None, "at_least")]),
])
def test_forms(text: str, expected: list[tuple[int | None, int | None, int | None, str]]) -> None:
    assert mentions(text) == expected


@pytest.mark.parametrize("text", [
    "on 26 February 1992", "February 25-26, 1992", "in 2020", "at 3.30 pm", "at 07:00",
    "the 29th anniversary", "the 366th regiment", "Regiment No. 366", "a 44-day war",
    "for 31 years", "Rs 2 lakh", "$5 million", "24/7", "the 1990s", "COVID-19 cases",
    "Priya (20) from Agra", "a 16-year-old girl", "40 percent", "62% of voters", "200 km away",
    "sections 105 (murder), 110 (attempt)", "one of the gravest crimes",
])
def test_not_counts(text: str) -> None:
    assert mentions(text) == [], text
