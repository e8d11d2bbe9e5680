"""Text helpers every stage shares: a same-length normalised view, sentences and tokens.

The view maps typographic characters to plain ones one-for-one (curly quotes, dashes,
no-break and zero-width spaces), so that rules see one form while every offset still points
into the original text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_VIEW_TABLE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
    "\u200b": " ", "\u200c": " ", "\u200d": " ", "\ufeff": " ", "\u2060": " ", "\t": " ",
    "\u2026": ".",
})

_VIEW_PAIRS = [(chr(k), v) for k, v in _VIEW_TABLE.items()]


@lru_cache(maxsize=16)
def view(text: str) -> str:
    """The text with typographic characters replaced one-for-one (same length). Cached: every
    stage looks at the same few documents in turn."""
    if text.isascii():  # nothing to map but tabs
        return text.replace("\t", " ")
    # one replace() per mapped character the text holds: translate() with a table does a
    # dict lookup for every character, several times slower on a news page
    for char, plain in _VIEW_PAIRS:
        if char in text:
            text = text.replace(char, plain)
    return text


ABBREVIATIONS = frozenset([
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "nos", "gen", "lt", "col", "sgt", "capt",
    "maj", "rev", "jr", "sr", "inc", "ltd", "co", "corp", "vs", "etc", "e.g", "i.e", "u.s",
    "u.k", "u.n", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "fig", "p", "pp", "approx", "est", "dept", "govt", "gov", "sen", "rep",
    "mt", "ft", "hon", "adv", "ph.d",
])

_END_SPACED = re.compile(r"""[.!?]+["')\]]*(?=\s+["'(\[]?[A-Z0-9])""")
_END_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z]|\d)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)[.!?]+[\"')\]]*$")


class Sentence(NamedTuple):
    start: int
    end: int
    paragraph: int


def _is_abbreviation(before: str) -> bool:
    """True when the period ending ``before`` belongs to "No.", "Dr.", "U.S." or an initial."""
    match = _WORD_BEFORE.search(before)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _ends(line: str) -> list[int]:
    ends = [m.end() for m in _END_SPACED.finditer(line)
            if not (line[m.start()] == "."
                    and _is_abbreviation(line[max(0, m.end() - 40):m.end()]))]
    ends += [m.start() for m in _END_GLUED.finditer(line)]
    return sorted(set(ends))


def sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` as offsets; a line break always ends one (a news line is a
    paragraph). Cached per text: clean and extract both need them."""
    return list(_sentences(text))


@lru_cache(maxsize=16)
def _sentences(text: str) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    plain = view(text)
    paragraph = 0
    pos = 0
    for line in plain.split("\n"):
        offset = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        start = 0
        for end in [*_ends(line), len(line)]:
            chunk = line[start:end]
            s = offset + start + (len(chunk) - len(chunk.lstrip()))
            e = offset + end - (len(chunk) - len(chunk.rstrip()))
            if e > s:
                out.append(Sentence(s, e, paragraph))
            start = end
        paragraph += 1
    return tuple(out)


def mark_before(text: str, start: int) -> str:
    """The last character before ``start`` that is not white space ("" at the text's start):
    found by stepping back, not by copying the text before it (documents can be long)."""
    back = start - 1
    while back >= 0 and text[back].isspace():
        back -= 1
    return text[back] if back >= 0 else ""


class Token:
    """A word, number or mark. A class with slots, not a NamedTuple: a document makes
    thousands, and such a class is made and read faster (compiled by mypyc, it is a C
    struct; a NamedTuple is made through Python code there)."""

    __slots__ = ("end", "kind", "lower", "start", "text")

    text: str
    lower: str
    start: int
    end: int
    kind: str  # "num", "word", "ordnum" (29th, 1990s), "punct"

    def __init__(self, text: str, lower: str, start: int, end: int, kind: str) -> None:
        self.text, self.lower, self.start, self.end, self.kind = text, lower, start, end, kind

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.start}, {self.end}, {self.kind!r})"


_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|\d+(?:\.\d+)?)(?P<suffix>[A-Za-z]+)?"
    r"|(?P<word>[A-Za-z\u00c0-\u024f]+(?:(?:\.|'(?!s\b))[A-Za-z\u00c0-\u024f]+)*)"
    r"|(?P<punct>[^\sA-Za-z\d])"
)


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` (a view is expected), offsets into the whole text."""
    out: list[Token] = []
    append = out.append
    for m in _TOKEN.finditer(text, start, len(text) if end is None else end):
        kind = m.lastgroup
        s, e = m.span()
        if kind == "word":
            word = m.group("word")
            append(Token(word, word.lower(), s, e, "word"))
        elif kind == "punct":
            mark = m.group(0)
            append(Token(mark, mark, s, e, "punct"))
        elif kind == "suffix":
            whole = m.group(0)
            append(Token(whole, whole.lower(), s, e, "ordnum"))
        else:
            num = m.group(0)
            append(Token(num, num, s, e, "num"))
    return out


def slug(text: str) -> str:
    """A lower-case identifier from words ("Etah Hospital" -> "etah_hospital")."""
    return "_".join(re.findall(r"[a-z0-9]+", view(text).lower()))
