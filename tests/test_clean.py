"""Clean: boilerplate and repeated passages are marked, never deleted."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.clean import boilerplate_spans, clean
from accord.extract import extract
from accord.ingest import text_document
from accord.vocab import Vocab, load_vocab
from conftest import load_cases


@pytest.mark.parametrize("case", load_cases("clean"))
def test_boilerplate_lines(case: dict[str, Any], vocab: Vocab) -> None:
    text = f"Storm batters the coast\n\nThe storm hit at dawn, officials said.\n{case['line']}\n"
    doc = text_document("d.txt", text)
    spans = boilerplate_spans(doc, vocab)
    reasons = [s.reason for s in spans if text[s.start:s.end] == case["line"]]
    if case["reason"] is None:
        assert reasons == []
    else:
        assert reasons == [case["reason"]]


def test_masthead_near_the_top(vocab: Vocab) -> None:
    text = "Kenya's Leading Independent Daily Newspaper\n\nFloods kill 9 in Nairobi\n"
    doc = clean(text_document("d.txt", text), vocab)
    assert [text[s.start:s.end] for s in doc.marked] == [
        "Kenya's Leading Independent Daily Newspaper"]


def test_repeated_body_is_marked_once_and_counted_once(vocab: Vocab) -> None:
    body = ("A landslide buried 23 homes in the hill village on Monday night.\n"
            "Rescuers said 11 people died and 40 were evacuated from nearby houses.\n")
    text = "Landslide hits village\n" + body + body
    doc = clean(text_document("d.txt", text), vocab)
    repeats = [s for s in doc.marked if s.kind == "repeat"]
    assert len(repeats) == 1
    assert text[repeats[0].start:repeats[0].end] == body.strip()
    assert repeats[0].start == len("Landslide hits village\n") + len(body)
    assert repeats[0].source_start == len("Landslide hits village\n")
    claims = extract(doc, vocab)
    assert sorted(c.value for c in claims) == [11, 40]
    assert all(c.figure_start < repeats[0].start for c in claims)


def test_claims_in_boilerplate_are_not_made(vocab: Vocab) -> None:
    text = ("Bridge collapse kills 6\n"
            "Six people died when the bridge gave way.\n"
            "Also Read: 59 migrants drown off the coast\n")
    doc = clean(text_document("d.txt", text), vocab)
    assert [c.value for c in extract(doc, vocab)] == [6, 6]


lines = st.lists(st.sampled_from([
    "Also Read: Something else happened", "The river rose overnight.",
    "At least 4 people died.", "Share this story", "AFP", "The river rose overnight.",
    "  ", "", "Pakistan's Premier Multilingual News Agency", "He said 3 were hurt."]),
    max_size=12)


@settings(max_examples=200, deadline=None)
@given(lines)
def test_marking_never_loses_or_changes_text(parts: list[str]) -> None:
    vocab = load_vocab()
    text = "\n".join(parts)
    doc = clean(text_document("d.txt", text), vocab)
    assert doc.text == text
    for span in doc.marked:
        assert 0 <= span.start <= span.end <= len(text)
    ordered = sorted(doc.marked, key=lambda s: s.start)
    for a, b in itertools.pairwise(ordered):
        assert a.end <= b.start or (a.kind == "boilerplate" and b.kind == "boilerplate")
