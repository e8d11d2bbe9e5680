"""Clean: mark what is not the report's own text, without deleting a character.

Marks boilerplate lines (site furniture, links to other stories, sign-offs) and passages a
document prints twice. Extraction skips marked spans; reports show them greyed out, so a
user can always check what was set aside and why.
"""

from __future__ import annotations

import re

import numpy as np

from accord.model import Document, Span
from accord.reuse import self_repeats, word_ids
from accord.text import sentences, view
from accord.vocab import Vocab

_WORDS = re.compile(r"[a-z0-9]+")
MIN_REPEAT_WORDS = 6


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line, stripped of surrounding blanks."""
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(stripped)))
        pos += len(line) + 1
    return out


def _is_masthead(line: str, index: int, vocab: Vocab) -> bool:
    if index >= vocab.masthead_within_lines:
        return False
    words = _WORDS.findall(line.lower())
    return (
        0 < len(words) <= vocab.masthead_max_words
        and not any(ch.isdigit() for ch in line)
        and line.rstrip()[-1:] not in ".!?:\""
        and any(w in vocab.masthead_words for w in words)
        and not any(w in vocab.cue_words for w in words)
    )


def boilerplate_spans(doc: Document, vocab: Vocab, plain: str | None = None) -> list[Span]:
    """Spans of lines (and inline codes) that are site furniture, not the report."""
    plain = view(doc.text) if plain is None else plain
    spans: list[Span] = []
    for index, (start, end) in enumerate(_lines(plain)):
        line = plain[start:end]
        reason = next((name for name, rx in vocab.line_patterns if rx.search(line)), None)
        if reason is None and _is_masthead(line, index, vocab):
            reason = "site name or slogan"
        if reason:
            spans.append(Span(doc.id, start, end, "boilerplate", reason))
            continue
        for name, rx in vocab.inline_patterns:
            for m in rx.finditer(line):
                spans.append(Span(doc.id, start + m.start(), start + m.end(), "boilerplate", name))
    return spans


def _key(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def repeat_spans(doc: Document, skip: list[Span], plain: str | None = None) -> list[Span]:
    """Passages printed again later in the same document.

    Two finders, merged: whole sentences repeated word for word (short ones included), and
    the reuse stage's alignment of the document with itself (near-verbatim passages). The
    first copy is the one kept; each later copy is marked with where the first starts.
    """
    plain = view(doc.text) if plain is None else plain
    spans = _repeated_sentences(doc, skip, plain) + self_repeats(doc, skip=skip)
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start <= merged[-1].end:
            merged[-1].end = max(merged[-1].end, span.end)
        else:
            merged.append(span)
    return [part for span in merged for part in _outside(span, skip, plain)]


def _outside(span: Span, skip: list[Span], plain: str) -> list[Span]:
    """The parts of ``span`` not already set aside (a repeat never swallows boilerplate)."""
    parts = [(span.start, span.end)]
    for s in skip:
        parts = [piece for a, b in parts
                 for piece in ((a, min(b, s.start)), (max(a, s.end), b)) if piece[0] < piece[1]]
    out = []
    for a, b in parts:
        text = plain[a:b]
        a, b = a + len(text) - len(text.lstrip()), b - len(text) + len(text.rstrip())
        if a < b:
            out.append(Span(span.doc, a, b, span.kind, span.reason, span.source_start))
    return out


# the only characters outside [A-Za-z0-9] that lower() turns into [a-z0-9]: where a text
# holds one, its sentences are keyed by their lower-cased words, not by word ids
_LOWERS_TO_ASCII = ("\u0130", "\u212a")


def _repeated_sentences(doc: Document, skip: list[Span], plain: str | None,
                        by_words: bool = False) -> list[Span]:
    """Sentences of MIN_REPEAT_WORDS words or more printed again, word for word (case and
    punctuation aside). A sentence is keyed by its words' ids (the reuse stage's, already
    computed for the document), the same words ``_key`` reads, without a pass per sentence;
    by those words themselves where ids would differ from them, or given ``by_words``."""
    plain = view(doc.text) if plain is None else plain
    sents = sentences(doc.text)
    starts, _, ids = word_ids(plain)
    by_ids = not by_words and not any(char in plain for char in _LOWERS_TO_ASCII)
    # words never straddle a sentence's bounds: each sentence's words by their starts
    bounds = np.searchsorted(starts, [x for s in sents for x in (s.start, s.end)]).tolist()
    seen: dict[object, int] = {}
    spans: list[Span] = []
    for n, sent in enumerate(sents):
        if any(s.start <= sent.start and sent.end <= s.end for s in skip):
            continue
        key: object
        if by_ids:
            first, last = bounds[2 * n], bounds[2 * n + 1]
            if last - first < MIN_REPEAT_WORDS:
                continue
            key = ids[first:last].tobytes()
        else:
            words = _key(plain[sent.start:sent.end])
            if len(words.split()) < MIN_REPEAT_WORDS:
                continue
            key = words
        if key in seen:
            last_span = spans[-1] if spans else None
            if last_span and not plain[last_span.end:sent.start].strip():
                last_span.end = sent.end
            else:
                spans.append(Span(doc.id, sent.start, sent.end, "repeat",
                                  "printed again: this passage already appears earlier",
                                  source_start=seen[key]))
        else:
            seen[key] = sent.start
    return spans


def clean(doc: Document, vocab: Vocab) -> Document:
    """Mark boilerplate and repeated passages of ``doc`` (its text is left as it is)."""
    plain = view(doc.text)
    marked = boilerplate_spans(doc, vocab, plain)
    marked += repeat_spans(doc, marked, plain)
    doc.marked = sorted(marked, key=lambda s: (s.start, s.end))
    return doc


def is_marked(doc: Document, start: int, end: int) -> Span | None:
    """The marked span that holds [start, end), if any."""
    for span in doc.marked:
        if span.start <= start and end <= span.end:
            return span
    return None
