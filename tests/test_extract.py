"""Extract: exact claims, figure spans and categories for sentences in many wordings."""

from __future__ import annotations

from typing import Any

import pytest

from accord.clean import clean
from accord.extract import extract
from accord.ingest import text_document
from accord.vocab import Vocab
from conftest import load_cases


def claims_of(text: str, vocab: Vocab) -> list[Any]:
    doc = text_document("case.txt", text)
    clean(doc, vocab)
    return extract(doc, vocab)


@pytest.mark.parametrize("case", load_cases("extract"))
def test_case(case: dict[str, Any], vocab: Vocab) -> None:
    text = case["text"]
    got = claims_of(text, vocab)
    expected = case["expected"]
    summary = [(c.stated, c.category, c.group, c.value) for c in got]
    assert len(got) == len(expected), summary
    for claim, want in zip(got, expected, strict=True):
        assert claim.stated == want["stated"], summary
        assert text[claim.figure_start:claim.figure_end] == want["stated"]
        assert claim.category == want["category"], summary
        assert claim.group == want["group"], summary
        assert claim.value == want["value"], summary
        for key in ("low", "high", "qualifier"):
            if key in want:
                assert getattr(claim, key) == want[key], (key, summary)
        if "parent" in want:
            assert claim.parent == got[want["parent"]].id
        # the sentence span holds the figure and is the claim's text
        assert claim.start <= claim.figure_start < claim.figure_end <= claim.end
        assert text[claim.start:claim.end] == claim.text
