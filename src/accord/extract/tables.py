"""Tables of figures ("| District | Dead | Injured |"): each cell a claim.

trafilatura writes an HTML table as pipe-separated rows. A column's header says what its
figures count (through the same cue words as sentences); a row's first cell says whose
figures they are: a group word ("Women"), a total ("Total") or a named part ("North").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accord.extract.figures import Figure, _cue_occurrences
from accord.extract.numbers import find_mentions
from accord.text import slug, tokens
from accord.vocab import Vocab

ROW = re.compile(r"^\s*\|.*\|\s*$")
SEPARATOR = re.compile(r"^\s*\|(\s*:?-{2,}:?\s*\|)+\s*$")
TOTAL_WORDS = {"total", "all", "overall", "sum", "grand total"}


@dataclass
class Cell:
    start: int
    end: int
    text: str


def _cells(plain: str, start: int, end: int) -> list[Cell]:
    out = []
    pos = plain.index("|", start) + 1
    while pos < end:
        nxt = plain.find("|", pos, end)
        if nxt < 0:
            break
        raw = plain[pos:nxt]
        lead = len(raw) - len(raw.lstrip())
        out.append(Cell(pos + lead, pos + lead + len(raw.strip()), raw.strip()))
        pos = nxt + 1
    return out


def table_blocks(plain: str) -> list[list[tuple[int, int]]]:
    """Runs of consecutive pipe rows, each row as (start, end)."""
    blocks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    pos = 0
    for line in plain.split("\n"):
        if ROW.match(line):
            current.append((pos, pos + len(line)))
        elif current:
            blocks.append(current)
            current = []
        pos += len(line) + 1
    if current:
        blocks.append(current)
    return [b for b in blocks if len(b) >= 2]


def _header_category(text: str, vocab: Vocab) -> tuple[str, str | None, str] | None:
    toks = tokens(text.lower())
    for _, _, cues in _cue_occurrences(toks, vocab, set()):
        cue = max(cues, key=lambda c: c.priority)
        return cue.category, cue.group, " ".join(cue.words)
    return None


def _row_group(label: str, vocab: Vocab) -> str:
    words = tuple(label.lower().split())
    if not words or label.lower().strip() in TOTAL_WORDS:
        return "all"
    return vocab.groups.get(words) or slug(label) or "all"


Row = tuple[int, int]


def table_figures(plain: str, block: list[Row], vocab: Vocab) -> list[tuple[Row, Figure]]:
    """Figures of one table with their row: a header row, an optional separator, data rows."""
    rows = [(s, e) for s, e in block if not SEPARATOR.match(plain[s:e])]
    header = _cells(plain, *rows[0])
    columns = [_header_category(c.text, vocab) for c in header]
    out: list[tuple[Row, Figure]] = []
    for row_start, row_end in rows[1:]:
        cells = _cells(plain, row_start, row_end)
        if not cells:
            continue
        group = _row_group(cells[0].text, vocab)
        for index, cell in enumerate(cells[1:], start=1):
            if index >= len(columns) or columns[index] is None:
                continue
            category, cue_group, cue = columns[index]  # type: ignore[misc]
            toks = tokens(plain, cell.start, cell.end)
            mentions = [m for m in find_mentions(toks, vocab) if m.not_count is None]
            if len(mentions) != 1:
                continue
            m = mentions[0]
            out.append(((row_start, row_end), Figure(
                toks[m.qi].start, toks[m.j - 1].end, m.value, m.low, m.high, m.qualifier,
                category, cue_group if group == "all" and cue_group else group, cue, None)))
    return out
