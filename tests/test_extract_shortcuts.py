"""Extraction's shortcuts against the plain rules they stand in for.

To keep clean + extract near a megabyte a second per core, several rules run only where
they can match (attribution patterns gated by the words a sentence holds, relative dates
searched near their hint words, repeated sentences keyed by word ids). Each test here runs
the shortcut and the plain rule on random texts and asserts they find the same things.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord import clean as clean_module
from accord.extract import attribution, entities
from accord.extract.attribution import find_attributions
from accord.extract.dates import RELATIVE, _lowered, _relatives
from accord.ingest import text_document
from accord.text import view
from accord.vocab import load_vocab

VOCAB = load_vocab()

WORDS = ["the", "report", "said", "says", "according", "to", "police", "officials", "told",
         "by", "confirmed", "Human", "Rights", "Watch", "statement", "released", "a", "at",
         "least", "12", "people", "were", "killed", "on", "Monday", "yesterday", "day",
         "days", "ago", "three", "weeks", "last", "year", "month", "today", "week", "The",
         "Ministry", "notes", "issued", "study", "found", "Mr.", "Smith", "\u0130stanbul",
         "\u212aelvin", "before", "this", "Sunday", "yesterdays", "Yesterday", "DAY"]
SEPARATORS = [" ", " ", " ", ", ", ". ", ".\n", ": ", " \"", "\" ", "\n\n", "-"]


@st.composite
def texts(draw: st.DrawFn, max_words: int = 60) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=max_words))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words),
                         max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True))


@settings(max_examples=300, deadline=None)
@given(texts())
def test_relative_dates_near_hints_are_those_of_the_whole_text(text: str) -> None:
    plain = view(text)
    found = [m.span() for m in _relatives(plain, _lowered(plain))]
    assert found == [m.span() for m in RELATIVE.finditer(plain)]


def test_relative_dates_found_far_apart() -> None:
    plain = "Yesterday " + "x " * 200 + "three days ago " + "y " * 100 + "on Monday"
    spans = [plain[slice(*m.span())] for m in _relatives(plain, _lowered(plain))]
    assert spans == ["Yesterday", "three days ago", "on Monday"]


@settings(max_examples=300, deadline=None)
@given(texts(max_words=30))
def test_attribution_gates_never_hide_a_source(sentence: str) -> None:
    gated = find_attributions(sentence, VOCAB)
    open_gates = attribution._Gates(True, True, True, True, True)
    original = attribution._gates
    attribution._gates = lambda present, rules: open_gates  # type: ignore[assignment]
    try:
        assert find_attributions(sentence, VOCAB) == gated
    finally:
        attribution._gates = original


EVERY_PATTERN = [
    ("The figure was confirmed by the district coroner on Monday.", "confirmed by"),
    ("Deaths were recorded by Human Rights Watch, which said more.", "recorded by"),
    ("Human Rights Watch's report says 12 people died.", "report says"),
    ("The ministry released a statement on the deaths.", "released a statement"),
    ("According to police, 12 people died.", "according to"),
    ("Police said 12 people died.", "X said"),
    ("12 people died, said Prashant Kumar, the police chief.", "said X"),
]


@pytest.mark.parametrize(("sentence", "method"), EVERY_PATTERN)
def test_each_attribution_pattern_passes_its_gate(sentence: str, method: str) -> None:
    assert [a.method for a in find_attributions(sentence, VOCAB)] == [method]


def _plain_starts_sentence(plain: str, start: int) -> bool:
    before = plain[:start].rstrip()
    return not before or before[-1] in ".!?:\""


@settings(max_examples=300, deadline=None)
@given(texts(), st.data())
def test_sentence_start_by_stepping_back(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    assert entities._starts_sentence(text, start) == _plain_starts_sentence(text, start)


@st.composite
def repeating(draw: st.DrawFn) -> str:
    """A text whose sentences are often printed twice (case and punctuation changed)."""
    base = draw(texts(max_words=8)).rstrip(". \n")
    ends = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    pool = [f"{base} {end}. " for end in ends]  # alike but for the last word
    pool += draw(st.lists(texts(max_words=12), max_size=3))
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=10))
    return "".join(t.upper() if draw(st.booleans()) else t for t in chosen)


@settings(max_examples=300, deadline=None)
@given(repeating())
def test_repeated_sentences_by_word_ids_as_by_words(text: str) -> None:
    doc = text_document("d.txt", text)
    by_ids = clean_module._repeated_sentences(doc, [], None)
    by_words = clean_module._repeated_sentences(doc, [], None, by_words=True)
    assert [(s.start, s.end, s.source_start) for s in by_ids] == \
        [(s.start, s.end, s.source_start) for s in by_words]


def test_repeated_sentence_found_by_ids() -> None:
    sentence = "At least twelve people were killed in the attack on the village."
    doc = text_document("d.txt", f"{sentence} Then more.\n{sentence.upper()}")
    spans = clean_module._repeated_sentences(doc, [], None)
    assert [(doc.text[s.start:s.end], s.source_start) for s in spans] == \
        [(sentence.upper(), 0)]
    assert re.search("KILLED", doc.text[spans[0].start:spans[0].end])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.,;T \t\n\u00a0\u2003\u001c\u0130")),
               max_size=60), st.integers(0, 40))
def test_next_word_matched_in_place_is_the_first_word_of_the_window_split(text: str,
                                                                         at: int) -> None:
    """place_mentions reads the word after a name with one match in the text, not by
    copying 30 characters and splitting them."""
    from accord.extract.events import _NEXT_WORD

    at = min(at, len(text))
    plain = text[at:at + 30].lower().split()
    found = _NEXT_WORD.match(text, at, at + 30)
    assert (found.group(1).lower() if found else None) == (plain[0] if plain else None)
