"""Numbers in a sentence: numerals, number words, ranges and qualifiers, and what is not a count.

A :class:`Mention` is a stated quantity with its bounds ("more than 100" is low 100, no
high). :func:`find_mentions` returns every mention with ``not_count`` set to a reason
when the number is a year, date, time, age, money sum, label or measure rather than a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.text import Token
from accord.vocab import Phrases, Vocab

CONNECT_RANGE = {"-", "to"}
LABEL = "a label or reference number"
SMALL_OR_MAX = 20  # "five or six bodies" is a range; "1 or 2,000" is not read as one


@dataclass
class Mention:
    """One stated quantity: tokens [i, j) hold the number, [qi, j) with its qualifier."""

    i: int
    j: int
    qi: int
    value: int | None
    low: int | None
    high: int | None
    qualifier: str
    vague: bool = False
    implicit: bool = False
    words: bool = False  # written in words ("eight"), not digits
    not_count: str | None = None

    def bounds(self) -> tuple[int | None, int | None]:
        return self.low, self.high


def _digits(token: Token) -> float | None:
    if token.kind != "num":
        return None
    try:
        return float(token.text.replace(",", ""))
    except ValueError:
        return None


def _scale_at(toks: list[Token], k: int, vocab: Vocab) -> int:
    if k < len(toks) and toks[k].kind == "word" and toks[k].lower in vocab.scales:
        return vocab.scales[toks[k].lower]
    return 0


def _phrase_at(toks: list[Token], k: int, table: Phrases) -> tuple[Any, int]:
    """Longest phrase of ``table`` starting at token k: (value, tokens used) or (0, 0); the
    value is the table's (a number, or a qualifier's name)."""
    if toks[k].lower not in table.firsts:
        return 0, 0
    value, used = table.match([t.lower for t in toks[k:k + table.longest]], 0)
    return (value, used) if used else (0, 0)


def _word_number(toks: list[Token], k: int, vocab: Vocab) -> tuple[int, int]:
    """A number in words from token k ("Twenty-four", "two hundred and fifty"): (value, end)."""
    total = current = 0
    end = k
    seen = False
    pos = k
    while pos < len(toks):
        word = toks[pos].lower
        if toks[pos].kind != "word":
            if word == "-" and seen and pos + 1 < len(toks) and toks[pos + 1].lower in vocab.units:
                pos += 1
                continue
            break
        if word in vocab.units:
            current += vocab.units[word]
        elif word in vocab.tens:
            current += vocab.tens[word]
        elif word in vocab.scales and seen:
            scale = vocab.scales[word]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        elif word == "and" and seen and pos + 1 < len(toks) and (
                toks[pos + 1].lower in vocab.units or toks[pos + 1].lower in vocab.tens):
            pos += 1
            continue
        else:
            break
        seen = True
        pos += 1
        end = pos
    if not seen:
        return 0, k
    return total + current, end


RELATIVE_WORDS = frozenset(["which", "whom", "where", "whose"])


def _zero_end(toks: list[Token], k: int, vocab: Vocab) -> int:
    """Where a zero count starting at token k ends, or 0 when it is none.

    "no one", "nobody", and "no" right before a word that counts people or names a category
    by itself ("no injured people", "no deaths") count zero; never "no figure for the dead",
    "no doubt", "no longer", nor inside a clause about others ("eight families in which no
    one survived": the figure is the families).
    """
    if k > 0 and toks[k - 1].lower in RELATIVE_WORDS:
        return 0
    word = toks[k].lower
    if word != "no":
        return k + 1  # "nobody", "none"
    if k + 1 >= len(toks) or toks[k + 1].kind != "word":
        return 0
    after = toks[k + 1].lower
    if after == "one":
        return k + 2
    single_cue = any(len(c.words) == 1 for c in vocab.cues.get(after, ()))
    return k + 1 if single_cue or vocab.noun_kinds.get((after,)) == "person" else 0


def parse_number(toks: list[Token], k: int, vocab: Vocab) -> tuple[int, int, bool, bool] | None:
    """The number starting at token k: (value, end, vague, in_words), or None."""
    if k >= len(toks):
        return None  # "between 20 and" at the end of a sentence
    tok = toks[k]
    digits = _digits(tok)
    if digits is not None:
        scale = _scale_at(toks, k + 1, vocab)
        if scale:
            return round(digits * scale), k + 2, False, False
        if "." in tok.text:
            return None  # "3.30", "7.5": a time or a measure, never a head count
        return int(digits), k + 1, False, False
    if tok.kind != "word":
        return None
    if tok.lower in vocab.zero_words:
        zero = _zero_end(toks, k, vocab)
        if zero:
            return 0, zero, False, True
    value, used = _phrase_at(toks, k, vocab.vague)
    if used:
        return value * 2, k + used, True, True
    value, used = _phrase_at(toks, k, vocab.number_phrases)
    words_value, words_end = _word_number(toks, k, vocab)
    if used and k + used >= words_end:  # "a dozen", but "one hundred and one" in full
        scale = _scale_at(toks, k + used, vocab)
        return (value * scale if scale else value), k + used + (1 if scale else 0), False, True
    if words_end > k:
        return words_value, words_end, False, True
    return None


def _qualifier_before(toks: list[Token], i: int, vocab: Vocab) -> tuple[str, int]:
    for length in (4, 3, 2, 1):
        if i - length < 0 or toks[i - length].lower not in vocab.qualifiers_before.firsts:
            continue
        words = tuple(t.lower for t in toks[i - length:i])
        if words in vocab.qualifiers_before:
            return vocab.qualifiers_before[words], i - length
    return "exact", i


def _qualifier_after(toks: list[Token], j: int, vocab: Vocab) -> tuple[str | None, int]:
    value, used = _phrase_at(toks, j, vocab.qualifiers_after) if j < len(toks) else (0, 0)
    return (str(value), j + used) if used else (None, j)


def _thousands_fix(low: int, low_tok: Token, high: int, high_tok: Token) -> int:
    """"2-4,000" means 2,000 to 4,000: scale a bare low end up to the high end's magnitude."""
    if "," in high_tok.text and "," not in low_tok.text and low * 1000 <= high:
        return low * 1000
    return low


def _range_after(toks: list[Token], first: int, end: int, vocab: Vocab) -> tuple[int, int] | None:
    """A second number joined to the first by "-", "to" or "or": (high, end) or None."""
    if end + 1 >= len(toks):
        return None
    joint = toks[end].lower
    if joint not in CONNECT_RANGE and joint != "or":
        return None
    spaced_before = toks[end].start != toks[end - 1].end
    if joint == "-" and spaced_before and toks[end + 1].start == toks[end].end:
        return None  # "20 -of": a dash of apposition, not a range
    parsed = parse_number(toks, end + 1, vocab)
    if parsed is None or parsed[2]:
        return None
    high, high_end, _, _ = parsed
    if joint == "or" and (high > SMALL_OR_MAX or first > SMALL_OR_MAX):
        return None
    if high <= first and not (joint == "-" and "," in toks[end + 1].text):
        return None
    return high, high_end


def find_mentions(toks: list[Token], vocab: Vocab) -> list[Mention]:
    """Every number in ``toks`` with its bounds and qualifier, not-counts flagged."""
    out: list[Mention] = []
    k = 0
    while k < len(toks):
        tok = toks[k]
        if tok.kind != "num" and (tok.kind != "word" or tok.lower not in vocab.number_firsts):
            k += 1
            continue
        between = tok.lower == "between" or tok.lower == "from"
        start = k + 1 if between else k
        if start >= len(toks):
            break
        parsed = parse_number(toks, start, vocab)
        if parsed is None:
            k += 1
            continue
        value, end, vague, in_words = parsed
        if in_words and value == 1 and toks[start].lower == "one" and not _counts_person(
                toks, end, vocab):
            k = end  # "one of the gravest", "lost one": not a head count
            continue
        if between:
            if end < len(toks) and toks[end].lower in ("and", "to", "-"):
                second = parse_number(toks, end + 1, vocab)
                if second is not None and not second[2] and second[0] > value:
                    out.append(_make(toks, start, second[1], None, value, second[0], "range",
                                     vocab, qi=k, words=in_words))
                    k = second[1]
                    continue
            k += 1
            continue
        rng = None if vague else _range_after(toks, value, end, vocab)
        if rng is not None:
            high, high_end = rng
            low = _thousands_fix(value, toks[start], high, toks[end + 1])
            high_scale = _scale_at(toks, high_end - 1, vocab)
            if high_scale and low < high_scale and not _scale_at(toks, end, vocab):
                low *= high_scale  # "2-3 million": the scale is said once, for both ends
            low_scale = _scale_at(toks, high_end, vocab)
            if low_scale and not _scale_at(toks, end, vocab):
                low, high = low * low_scale, high * low_scale
                high_end += 1
            out.append(_make(toks, start, high_end, None, low, high, "range", vocab,
                             words=in_words))
            k = high_end
            continue
        if vague:
            out.append(_make(toks, start, end, None, value, None, "at_least", vocab,
                             vague=True, words=True))
        else:
            out.append(_make(toks, start, end, value, value, value, "exact", vocab,
                             words=in_words))
        k = end
    _flag_not_counts(toks, out, vocab)
    return out


def _counts_person(toks: list[Token], k: int, vocab: Vocab) -> bool:
    """True when the words from k name people or bodies ("one man", "one injured person")."""
    for length in (2, 1):
        words = tuple(t.lower for t in toks[k:k + length])
        if words in vocab.noun_kinds or words in vocab.singular_persons or words in vocab.groups:
            return True
    return k + 1 < len(toks) and (toks[k + 1].lower,) in vocab.singular_persons


def _make(toks: list[Token], i: int, j: int, value: int | None, low: int | None,
          high: int | None, qualifier: str, vocab: Vocab, *, qi: int | None = None,
          vague: bool = False, words: bool = False) -> Mention:
    q_start = i if qi is None else qi
    if qualifier == "exact":
        qualifier, q_start = _qualifier_before(toks, i, vocab)
        after, after_end = _qualifier_after(toks, j, vocab)
        if after:
            qualifier, j = after, after_end
        if qualifier in ("at_least", "more_than"):
            high = None
        elif qualifier in ("up_to", "fewer_than"):
            low = None
    elif qualifier == "range" and qi is None:
        _, q_start = _qualifier_before(toks, i, vocab)
    return Mention(i, j, q_start, value, low, high, qualifier, vague=vague, words=words)


def _word(toks: list[Token], k: int) -> str:
    return toks[k].lower if 0 <= k < len(toks) else ""


def _prev_word(toks: list[Token], k: int) -> str:
    """The word before token k, skipping one period ("No. 366")."""
    k -= 1
    if k >= 0 and toks[k].text == ".":
        k -= 1
    return toks[k].lower.rstrip(".") if k >= 0 and toks[k].kind == "word" else ""


def _near_month(toks: list[Token], m: Mention, vocab: Vocab) -> bool:
    skip = {",", "of", "the", "-", "th", "st", "nd", "rd", "and"}
    for step in (-1, 1):
        k = m.i - 1 if step < 0 else m.j
        for _ in range(3):
            if not 0 <= k < len(toks):
                break
            word = toks[k].lower.rstrip(".")
            if word in vocab.months and toks[k].text[0].isupper():
                return True
            if word not in skip:
                break
            k += step
    return False


YEAR_BEFORE = {"in", "since", "by", "of", "from", "until", "till", "during", "before", "after",
               "year", "circa", "early", "late", "mid", "spring", "summer", "autumn", "winter"}


def _is_year(toks: list[Token], m: Mention, vocab: Vocab) -> bool:
    tok = toks[m.i]
    if m.j - m.i != 1 or tok.kind != "num" or "," in tok.text or len(tok.text) != 4:
        return False
    if not 1800 <= int(tok.text) <= 2100:
        return False
    if _prev_word(toks, m.i) in YEAR_BEFORE:
        return True
    nxt = _word(toks, m.j)
    return not ((nxt,) in vocab.noun_kinds or nxt in vocab.cue_words)


def _reason(toks: list[Token], m: Mention, vocab: Vocab) -> str | None:
    first = toks[m.i]
    prev = toks[m.i - 1] if m.i > 0 else None
    nxt = toks[m.j] if m.j < len(toks) else None
    nxt_word = _word(toks, m.j)
    after_dash = _word(toks, m.j + 1) if nxt_word == "-" else ""
    if (prev and prev.text in "/#") or (nxt and nxt.text in "/%"):
        return "a ratio, share or label"
    if (nxt_word in {":", "."} and m.j + 1 < len(toks) and toks[m.j + 1].kind == "num") or (
            prev is not None and prev.text in {":", "."} and m.i >= 2
            and toks[m.i - 2].kind == "num"):
        return "a time of day"
    if first.kind == "num" and len(first.text.replace(",", "")) > 10:
        return "a long code, not a count"
    if _near_month(toks, m, vocab):
        return "a date"
    if _is_year(toks, m, vocab):
        return "a year"
    if nxt_word in {"am", "pm", "a.m", "p.m", "o'clock", "hrs", "gmt", "ist", "utc"} or (
            nxt_word == "in" and _word(toks, m.j + 1) == "the"
            and _word(toks, m.j + 2) in {"morning", "afternoon", "evening", "night"}):
        return "a time"
    if prev and prev.text == "(" and nxt and nxt.text == ")" and m.i >= 2 and (
            toks[m.i - 2].text[:1].isupper()):
        return "an age after a name"
    if (nxt_word == "-" and after_dash in {"year", "month", "week", "day"}) or (
            nxt_word in {"year", "years"} and _word(toks, m.j + 1) == "old") or (
            _prev_word(toks, m.i) == "aged") or (
            _prev_word(toks, m.i) == "of" and _word(toks, m.i - 2) == "age"):
        return "an age or a duration"
    before = _prev_word(toks, m.qi)
    if (prev is not None and prev.text in "$€£¥₹") or before in vocab.currency_before:
        return "a sum of money"
    if before in vocab.label_before and not (m.words and before == "no"):
        return LABEL
    if prev is not None and prev.text == "-" and prev.start == first.start - 1 and m.i >= 2 and (
            toks[m.i - 2].kind == "word" and toks[m.i - 2].end == prev.start):
        return "part of a name (COVID-19)"
    if nxt_word in vocab.not_counts or after_dash in vocab.not_counts:
        return "a measure, duration or sum, not a count of people or things"
    return None


def _flag_not_counts(toks: list[Token], mentions: list[Mention], vocab: Vocab) -> None:
    previous: Mention | None = None
    for m in mentions:
        m.not_count = _reason(toks, m, vocab)
        if m.not_count is None and previous is not None and previous.not_count == LABEL and (
                _only_list_glue(toks, previous.j, m.qi)):
            m.not_count = previous.not_count  # "sections 105 (...), 110 (...)": the list's kind
        previous = m


def _only_list_glue(toks: list[Token], a: int, b: int) -> bool:
    depth = 0
    for tok in toks[a:b]:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        elif depth == 0 and tok.lower not in {",", "and", "or", ";"}:
            return False
    return b > a
