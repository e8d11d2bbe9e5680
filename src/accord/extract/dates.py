"""Dates in text, and what a document's own words say about when and by whom it was published.

Dates are found and read by rules for the forms news text uses ("26 February 2023", "the
night of 25-26 February 1992", "February 25-26, 1992", "July 3", "October 1991"); relative
ones ("last year", "yesterday", "Tuesday") are resolved from the publication date, with
dateparser for the phrases the rules do not resolve, and say so. Metadata found in the
text (datelines, agency sign-offs, bylines, anniversary
headlines) keeps the span it came from and how it was found; nothing is invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import dateparser

from accord.model import Document
from accord.text import view

MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
         r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
YEAR = r"(?:1[89]\d\d|20\d\d)"
DASH = r"\s*(?:-|to|and)\s*"
DATE_FORMS = [
    # 25-26 February 1992, between 25 and 26 February 1992, 26 February 2023
    ("day_month_year",
     rf"\b(?P<d1>{DAY})(?:{DASH}(?P<d2>{DAY}))?\s+(?:of\s+)?(?P<m>{MONTH}),?\s+(?P<y>{YEAR})\b"),
    # February 25-26, 1992, February 26, 1983
    ("month_day_year",
     rf"\b(?P<m>{MONTH})\s+(?P<d1>{DAY})(?:{DASH}(?P<d2>{DAY}))?,?\s+(?P<y>{YEAR})\b"),
    # October 1991, February, 1994
    ("month_year", rf"\b(?P<m>{MONTH}),?\s+(?P<y>{YEAR})\b"),
    # July 3, 3 July (no year)
    ("month_day", rf"\b(?P<m>{MONTH})\s+(?P<d1>{DAY})\b(?![,\s]*\d)"),
    ("day_month", rf"\b(?P<d1>{DAY})\s+(?:of\s+)?(?P<m>{MONTH})\b(?![,\s]*\d)"),
    # in 1992, since 2020 (a bare year, only after a word that makes it one)
    ("year", rf"\b(?:in|since|of|year|until|by|from|during)\s+(?P<y>{YEAR})\b(?!s)"),
]
_COUNT_WORDS = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several)"
RELATIVE_LOWER = re.compile(r"\b(the day before yesterday|yesterday|today|"
                      r"last (?:year|month|week)|this (?:year|month|week)|"
                      rf"{_COUNT_WORDS} (?:days?|weeks?|months?|years?) ago|"
                            r"(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
                            r"sunday))\b")
RELATIVE = re.compile(RELATIVE_LOWER.pattern, re.IGNORECASE)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
COMPILED = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in DATE_FORMS]
ANNIVERSARY = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\s+anniversary\b", re.IGNORECASE)
FUTURE = re.compile(r"\bwill\b", re.IGNORECASE)
#: the end of a sentence: a full stop (not a month's abbreviation), ! or ?, then a capital
SENTENCE_END = re.compile(
    r"(?<!\bJan)(?<!\bFeb)(?<!\bMar)(?<!\bApr)(?<!\bJun)(?<!\bJul)(?<!\bAug)(?<!\bSep)"
    r"(?<!\bSept)(?<!\bOct)(?<!\bNov)(?<!\bDec)[.!?][\"'\u201d)\]]*\s+(?=[\"'\u201c(]?[A-Z])")


@dataclass
class DateMention:
    """A date a text states: its span, its normalised value and how it was read."""

    start: int
    end: int
    text: str
    value: str  # ISO: "1992-02-26", "1992-02", "1992", or a range "1992-02-25/1992-02-26"
    year: int | None
    kind: str
    method: str
    relative: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "value": self.value,
                "year": self.year, "kind": self.kind, "method": self.method,
                "relative": self.relative}


MONTHS = {name: n for n, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}


def _parse_day(day: str | None, month: int, year: int | None) -> date | None:
    """The day the rules read, if it exists ("31 February" does not)."""
    if day is None:
        return None
    try:
        return date(year or 2000, month, int(re.sub(r"[a-z]+$", "", day.lower())))
    except ValueError:
        return None


def _month_number(month: str) -> int | None:
    return MONTHS.get(month.lower().rstrip("."))


MONTH_WORD_LOWER = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])")
YEAR_WORD = re.compile(r"\b(?:1[89]|20)\d\d\b")
RELATIVE_HINTS = ("day", "year", "month", "week")


def _lowered(plain: str) -> str | None:
    """The text lower-cased, for lower-case patterns (twice as fast as IGNORECASE), when that
    keeps every offset; None when it does not (a dotted capital I grows)."""
    lowered = plain.lower()
    return lowered if len(lowered) == len(plain) else None


def _find(lower_rx: re.Pattern[str], ignorecase_rx: re.Pattern[str], plain: str,
          lowered: str | None) -> Iterator[re.Match[str]]:
    return lower_rx.finditer(lowered) if lowered is not None else ignorecase_rx.finditer(plain)


# month names and years in one pass (letters and digits: their matches never overlap)
SPOT_LOWER = re.compile(f"{MONTH_WORD_LOWER.pattern}|{YEAR_WORD.pattern}")
SPOT = re.compile(SPOT_LOWER.pattern, re.IGNORECASE)


def _windows(plain: str, lowered: str | None) -> list[tuple[int, int]]:
    """Stretches of text around month names and years: the only places a date can be."""
    return _around([m.start() for m in _find(SPOT_LOWER, SPOT, plain, lowered)], 40,
                   len(plain))


def _around(spots: list[int], reach: int, length: int) -> list[tuple[int, int]]:
    """The stretches ``reach`` characters either side of the (sorted) spots, overlapping
    ones merged, within a text of ``length``."""
    out: list[tuple[int, int]] = []
    for spot in spots:
        a, b = max(0, spot - reach), min(length, spot + reach)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def find_dates(text: str, published: str | None = None) -> list[DateMention]:
    """Every date in ``text``, longest forms first, with relative ones anchored if possible."""
    plain = view(text)
    lowered = _lowered(plain)
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []
    windows = _windows(plain, lowered)
    for kind, rx in COMPILED:
        for a, b in windows:
            for m in rx.finditer(plain, a, b):
                if any(x < m.end() and m.start() < y for x, y in taken):
                    continue
                mention = _from_match(kind, m, text)
                if mention:
                    taken.append((m.start(), m.end()))
                    out.append(mention)
    base = _base_date(published)
    for m in _relatives(plain, lowered):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        out.append(_relative(m, text, base))
    return sorted(out, key=lambda d: d.start)


RELATIVE_REACH = 40  # more than the longest relative form ("the day before yesterday")


def _relatives(plain: str, lowered: str | None) -> Iterator[re.Match[str]]:
    """Relative dates ("yesterday", "three days ago", "on Monday"): each holds one of
    RELATIVE_HINTS, so the pattern runs only near those words (most of a text has none).
    A window reaches further than any form on both sides of its hint, so no match touches
    a window's edge and the matches are those of the whole text."""
    if lowered is None:  # lower-casing moved offsets: the whole text, as it is
        yield from RELATIVE.finditer(plain)
        return
    spots = sorted(at for hint in RELATIVE_HINTS for at in _occurrences(lowered, hint))
    for a, b in _around(spots, RELATIVE_REACH, len(lowered)):
        yield from RELATIVE_LOWER.finditer(lowered, a, b)


def _occurrences(text: str, word: str) -> Iterator[int]:
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def _from_match(kind: str, m: re.Match[str], text: str) -> DateMention | None:
    groups = m.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if kind == "year":
        return DateMention(m.start("y"), m.end("y"), text[m.start("y"):m.end("y")], str(year),
                           year, kind, "rule")
    month = _month_number(groups["m"])
    if month is None:
        return None
    first = _parse_day(groups.get("d1"), month, year)
    last = _parse_day(groups.get("d2"), month, year)
    if groups.get("d1") and first is None:
        return None  # "31 February": not a date
    if year is None:
        value = f"--{month:02d}-{first.day:02d}" if first else f"--{month:02d}"
    elif first is None:
        value = f"{year:04d}-{month:02d}"
    else:
        value = first.isoformat() + (f"/{last.isoformat()}" if last and last != first else "")
    return DateMention(m.start(), m.end(), text[m.start():m.end()], value, year, kind,
                       "rule")


def _base_date(published: str | None) -> date | None:
    if published and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", published):
        try:
            return date.fromisoformat(published[:10])
        except ValueError:
            return None
    return None


def _relative(m: re.Match[str], text: str, base: date | None) -> DateMention:
    phrase = m.group(0).lower().removeprefix("on ")
    span = (m.start(), m.end(), text[m.start():m.end()])
    if base is None:
        return DateMention(*span, "", None, "relative", "relative, no publication date to anchor",
                           relative=True)
    fixed = _fixed_relative(phrase, base)
    if fixed is not None:
        value, year = fixed
    else:
        parsed = _dateparser(phrase, base)
        if parsed is None:
            return DateMention(*span, "", None, "relative", "relative, unreadable", relative=True)
        value = str(parsed.year) if "year" in phrase else parsed.date().isoformat()
        value = value[:7] if "month" in phrase else value
        year = parsed.year
    return DateMention(*span, value, year, "relative",
                       f"relative, anchored on publication date {base.isoformat()}", relative=True)


def _fixed_relative(phrase: str, base: date) -> tuple[str, int] | None:
    """The relative phrases plain calendar arithmetic resolves; dateparser (about a
    millisecond a call, once per publication date) is left for counted ones ("three weeks
    ago")."""
    if phrase in WEEKDAYS:  # the latest such day on or before publication
        day = base - timedelta(days=(base.weekday() - WEEKDAYS.index(phrase)) % 7)
        return day.isoformat(), day.year
    if phrase == "today":
        return base.isoformat(), base.year
    if phrase == "yesterday":
        day = base - timedelta(days=1)
        return day.isoformat(), day.year
    if phrase in ("this year", "last year"):
        year = base.year - (phrase == "last year")
        return str(year), year
    if phrase in ("this month", "last month"):
        first = base.replace(day=1)
        month = first - timedelta(days=1) if phrase == "last month" else first
        return month.isoformat()[:7], month.year
    return None


@lru_cache(maxsize=4096)
def _dateparser(phrase: str, base: date) -> Any:
    """dateparser for what rules do not resolve ("last year" from a publication date)."""
    from datetime import datetime

    return dateparser.parse(phrase, settings={
        "RELATIVE_BASE": datetime(base.year, base.month, base.day),
        "PREFER_DATES_FROM": "past"})


# -- metadata from the text ---------------------------------------------------------------------
DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z .'\u2019-]{1,40}?),\s*"
    r"(?:(?P<date>[^():\n]{3,30}?)\s*)?(?:\((?P<agency>[^()\n]{2,40})\)\s*)?(?:[:\u2014-]|$)",
    re.MULTILINE)
BYLINE = re.compile(
    r"^By\s*[:\-]?\s+(?P<name>[A-Z][\w.'\u2019 -]{2,60}?)(?:,\s*(?P<role>[^\n]+))?$",
    re.MULTILINE)


def text_metadata(doc: Document) -> dict[str, dict[str, Any]]:
    """Publisher, publication date, place and author as the text itself states them.

    Each entry: value, span (start, end), method. Only what the words say: a dateline without
    a year gives a month and day, never a guessed year.
    """
    found: dict[str, dict[str, Any]] = {}
    plain = view(doc.text)
    head_end = _nth_line_end(plain, 6)
    for m in DATELINE.finditer(plain, 0, head_end):
        date_text = (m.group("date") or "").strip()
        dates = find_dates(date_text) if date_text else []
        if not (m.group("agency") or dates):
            continue
        found.setdefault("place", _entry(m.group("place"), m.start("place"), m.end("place"),
                                         "dateline"))
        if m.group("agency"):
            found.setdefault("publisher", _entry(doc.text[m.start("agency"):m.end("agency")],
                                                 m.start("agency"), m.end("agency"), "dateline"))
        if dates and dates[0].kind in ("day_month_year", "month_day_year", "month_day",
                                       "day_month"):
            d = dates[0]
            offset = m.start("date")
            found.setdefault("published", _entry(d.value, offset + d.start, offset + d.end,
                                                 "dateline"))
        break
    for span in doc.marked:
        if span.reason == "agency sign-off":
            found.setdefault("publisher", _entry(doc.text[span.start:span.end], span.start,
                                                 span.end, "agency sign-off"))
        elif span.reason == "wire slug":
            found.setdefault("agency", _entry(doc.text[span.start:span.end], span.start, span.end,
                                              "wire slug"))
    byline = BYLINE.search(plain, 0, head_end)
    if byline:
        found["author"] = _entry(byline.group("name").strip(), byline.start("name"),
                                 byline.end("name"), "byline")
        if byline.group("role"):
            found["author"]["role"] = byline.group("role").strip()
    headline = _anniversary_headline(doc.text, plain, head_end)
    if headline and "published" not in found:
        found["published"] = headline
    return found


def _nth_line_end(plain: str, n: int) -> int:
    pos = 0
    for _ in range(n):
        nxt = plain.find("\n", pos)
        if nxt < 0:
            return len(plain)
        pos = nxt + 1
        while pos < len(plain) and plain[pos] == "\n":
            pos += 1
    return pos


def _entry(value: str, start: int, end: int, method: str) -> dict[str, Any]:
    return {"value": value, "start": start, "end": end, "method": method}


def _anniversary_headline(text: str, plain: str, head_end: int) -> dict[str, Any] | None:
    """"February 26, 2021 marks the 29th anniversary": the text dates itself. The date is
    the one its sentence gives before the anniversary; a date after it ("the 26th
    anniversary of the flood of 3 March 1994"), or in another sentence, is the event's."""
    first = plain[:head_end]
    for m in ANNIVERSARY.finditer(first):
        line_start = first.rfind("\n", 0, m.start()) + 1
        ends = [e.end() for e in SENTENCE_END.finditer(first, line_start, m.start())]
        line_start = ends[-1] if ends else line_start
        line = first[line_start:m.start()]
        for d in find_dates(line):
            if d.year is None or d.kind == "year":
                continue
            future = bool(FUTURE.search(line))
            value = str(d.year) if future else d.value
            how = "anniversary headline" + (" (future tense: the year only)" if future else "")
            return _entry(value, line_start + d.start, line_start + d.end, how)
    return None


def anniversaries(text: str) -> list[tuple[int, int, int]]:
    """(start, end, years) of each "Nth anniversary" in the text."""
    if "nniversar" not in text and "NNIVERSAR" not in text:
        return []
    return [(m.start(), m.end(), int(m.group(1))) for m in ANNIVERSARY.finditer(view(text))]
