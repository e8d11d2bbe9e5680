"""Attribution: who a figure or a statement is attributed to, in the document's own words.

Finds "according to X", "X said", "said X", "X told Y", "X's report says", "X released a
statement", "described by X as", "recorded by X" and quoted statements. The source is kept
exactly as written, with its span; a claim's ``source`` is null when the document states the
figure in its own voice. An attribution covers its sentence, or the rest of a paragraph it
introduces ("The report notes ...", a sentence ending with a colon).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from accord.model import Document
from accord.vocab import Vocab, per_vocab

NAME = r"[A-Z][\w'\u2019().-]*"
BOUNDARY = re.compile(r"[,;:\"\u201c\u201d]|\b(?:and|but|while|as|that|which|who|when|what)\b")
NOUN_LIKE = {"states", "reports", "notes", "claims", "estimates", "posts", "quotes", "calls"}
ADVERBS = re.compile(r"(?:\s+(?:later|also|earlier|previously|then|first|again|further|have|has|"
                     r"had|will|would|had|reportedly))+$")
VERB_INSIDE = re.compile(r"\b(?:has|have|had|was|were|is|are|been|being|who|which)\b",
                         re.IGNORECASE)
LEAD = re.compile(r"^(?:the\s+)?(?:following\s+)?(?:words|remarks|comments|statements?)\s+"
                  r"(?:by|of|from)\s+", re.IGNORECASE)
QUOTE = re.compile(r"[\"\u201c]([^\"\u201c\u201d\n]{12,}?)[\"\u201d]")


@dataclass
class Attribution:
    """A source named in a document, with the span of its name and how it was found."""

    source: str
    start: int
    end: int
    method: str
    scope: str = "sentence"  # or "paragraph"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _trim(text: str, start: int) -> tuple[str, int, int]:
    stripped = text.strip(" ,.;:\"'\u201c\u201d")
    lead = text.find(stripped) if stripped else 0
    return stripped, start + lead, start + lead + len(stripped)


def _is_source(words: str, vocab: Vocab) -> bool:
    tokens = SOURCE_WORD.findall(words)
    if not tokens or len(tokens) > 14:
        return False
    lowered = [t.lower() for t in tokens]
    if lowered[0] in vocab.pronouns and len(tokens) == 1:
        return False
    return any(t[:1].isupper() for t in tokens) or any(t in vocab.source_nouns for t in lowered)


def _np_before(sentence: str, end: int) -> tuple[str, int]:
    """The noun phrase that ends at ``end``: back to a comma, quote or conjunction."""
    chunk = sentence[:end]
    cut = 0
    for m in BOUNDARY.finditer(chunk):
        if m.end() < end - 1:
            cut = m.end()
    return chunk[cut:], cut


def _plain_np_after(sentence: str, start: int, vocab: Vocab) -> str:
    """"by the district coroner": a lower-case source noun phrase."""
    m = PLAIN_NP.match(sentence[start:])
    return m.group(1) if m and m.group(2) in vocab.source_nouns else ""


def _np_after(sentence: str, start: int) -> str:
    """A name after a verb ("said Prashant Kumar, the director general of police",
    "described by the British journalist Thomas de Waal as")."""
    m = NAMED_NP.match(sentence[start:])
    return m.group(1) if m else ""


_WORDS = re.compile(r"[a-z]+")
SOURCE_WORD = re.compile(r"[\w'\u2019]+")
PLAIN_NP = re.compile(r"\s*((?:the|a|an)\s+(?:[a-z][\w-]*\s+){0,3}([a-z][\w-]*))")
NAMED_NP = re.compile(rf"\s*((?:(?:the|a|an)\s+)?(?:[a-z][\w-]*\s+){{0,3}}{NAME}"
                      rf"(?:\s+(?:[a-z][\w-]*\s+){{0,2}}{NAME})*"
                      rf"(?:,\s+(?:the|a|an)\s+[^,.;]+)?)")


REPORT_VERBS = ("says", "said", "notes", "noted", "states", "stated", "mentions", "found",
                "shows", "showed")
RELEASE_VERBS = ("released", "issued", "published")


class _Rules(NamedTuple):
    """A vocabulary's attribution patterns, and for each the words a sentence must hold for
    it to match: most sentences hold none, and a set lookup per word costs far less than
    trying a many-way pattern at every character."""

    report: re.Pattern[str]
    released: re.Pattern[str]
    verbs: re.Pattern[str]
    documents: frozenset[str]
    speech: frozenset[str]


def _parts(words: Iterable[str]) -> frozenset[str]:
    return frozenset(part for w in words for part in _WORDS.findall(w.lower()))


@per_vocab
def _patterns(vocab: Vocab) -> _Rules:
    """The vocabulary's attribution patterns, compiled once per vocabulary."""
    docs = "|".join(sorted((re.escape(d) for d in vocab.source_documents), key=len,
                           reverse=True))
    report = re.compile(rf"('s)?\s+({docs})\b(?:\s+on\b.{{0,200}}?)?\s+"
                        rf"(?:{'|'.join(REPORT_VERBS)})\b", re.IGNORECASE)
    released = re.compile(rf"\s+(?:{'|'.join(RELEASE_VERBS)})\s+an?\s+({docs})\b",
                          re.IGNORECASE)
    verbs = re.compile(rf"\b({'|'.join(sorted(vocab.speech_verbs))})\b")
    return _Rules(report, released, verbs, _parts(vocab.source_documents),
                  _parts(vocab.speech_verbs))


class _Gates(NamedTuple):
    """Which of the patterns can match a sentence, by the words it holds."""

    according: bool
    by: bool
    reports: bool
    releases: bool
    speech: bool


def _gates(present: set[str], rules: _Rules) -> _Gates:
    documents = not rules.documents.isdisjoint(present)
    return _Gates("according" in present, "by" in present,
                  documents and not present.isdisjoint(REPORT_VERBS),
                  documents and not present.isdisjoint(RELEASE_VERBS),
                  not rules.speech.isdisjoint(present))


def find_attributions(sentence: str, vocab: Vocab,
                      present: set[str] | None = None) -> list[Attribution]:
    """Sources named in one sentence (offsets relative to the sentence). ``present``: the
    sentence's lower-cased words ([a-z]+; other tokens may be in it), when the caller has
    them."""
    out: list[Attribution] = []
    rules = _patterns(vocab)
    low = sentence.lower()
    gates = _gates(set(_WORDS.findall(low)) if present is None else present, rules)
    if not any(gates):
        return out  # no word that attributes: most sentences
    for m in re.finditer(r"\baccording to\s+", low) if gates.according else ():
        rest = sentence[m.end():]
        stop = re.search(r"[,.;:]|\s(?:that|who|which|on|in)\s", rest)
        text, s, e = _trim(rest[:stop.start()] if stop else rest, m.end())
        if _is_source(text, vocab):
            out.append(Attribution(text, s, e, "according to"))
    for m in re.finditer(r"\b(?:described|recorded|reported|confirmed|cited|documented)\s+by\s+",
                         low) if gates.by else ():
        text = (_np_after(sentence, m.end()) or _plain_np_after(sentence, m.end(), vocab)).strip()
        text, s, e = _trim(text, m.end() + sentence[m.end():].find(text) if text else m.end())
        if text and _is_source(text, vocab):
            out.append(Attribution(text, s, e, low[m.start():m.end()].split()[0] + " by"))
    for m in rules.report.finditer(sentence) if gates.reports else ():
        words, cut = _np_before(sentence, m.start())
        text, s, e = _trim(words, cut)
        if text.lower() in ("the", "this", "that", "its", "their", ""):
            # "The report notes": a report named before; the caller resolves it
            start = m.start(2) - len(text) - (1 if text else 0)
            out.append(Attribution(sentence[max(0, start):m.end(2)], max(0, start), m.end(2),
                                   f"{m.group(2).lower()} says", "paragraph"))
            continue
        text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.IGNORECASE)
        if text and _is_source(text, vocab):
            out.append(Attribution(text, sentence.find(text, s), sentence.find(text, s)
                                   + len(text), f"{m.group(2).lower()} says", "paragraph"))
    for m in rules.released.finditer(sentence) if gates.releases else ():
        words, cut = _np_before(sentence, m.start())
        text, s, e = _trim(words, cut)
        if _is_source(text, vocab):
            out.append(Attribution(text, s, e, f"released a {m.group(1).lower()}", "paragraph"))
    for m in rules.verbs.finditer(sentence) if gates.speech else ():
        if any(a.start <= m.start() < a.end for a in out):
            continue
        if m.group(1) in NOUN_LIKE and not re.match(r"\s*(?:that\b|[:\"\u201c])",
                                                     sentence[m.end():]):
            continue  # "many states have recognised", "media reports": nouns, not verbs
        words, cut = _np_before(sentence, m.start())
        words = ADVERBS.sub("", words.rstrip())
        if set(re.findall(r"[a-z]+", words.lower())) & vocab.source_documents and re.search(
                r"\b(?:report|statement|study|survey)\b", words, re.IGNORECASE):
            continue  # "X's report says": read by the report pattern above
        lead = LEAD.match(words.lstrip())
        if lead:
            cut += len(words) - len(words.lstrip()) + lead.end()
            words = words.lstrip()[lead.end():]
        text, s, e = _trim(words, cut)
        if (text and _is_source(text, vocab) and len(text.split()) <= 12
                and not _numbered(text) and not VERB_INSIDE.search(text)):
            if text.lower() in vocab.pronouns:
                continue
            out.append(Attribution(text, s, e, f"X {m.group(1)}"))
            continue
        after = _np_after(sentence, m.end()).rstrip(". ")
        if after and _is_source(after, vocab) and m.group(1) in ("said", "says", "told"):
            s = m.end() + sentence[m.end():].find(after)
            out.append(Attribution(after.strip(), s, s + len(after.strip()),
                                   f"{m.group(1)} X"))
    return _dedupe(out)


def _numbered(text: str) -> bool:
    """"At least 12 people died, officials said": a clause with a figure is not a source."""
    return bool(re.search(r"\d", text)) and len(text.split()) > 3


def _dedupe(found: list[Attribution]) -> list[Attribution]:
    out: list[Attribution] = []
    for a in sorted(found, key=lambda a: (a.start, -(a.end - a.start))):
        if not any(b.start <= a.start < b.end for b in out):
            out.append(a)
    return out


def quotes(text: str) -> list[tuple[int, int, str]]:
    """Quoted passages of at least a few words on one line: (start, end, text)."""
    return [(m.start(1), m.end(1), m.group(1)) for m in QUOTE.finditer(text)
            if len(m.group(1).split()) >= 3 and "\n" not in m.group(1)]


def document_statements(doc: Document) -> list[dict[str, Any]]:
    """A document's attributions and quotes as statement records (what it says who said):
    they depend on the document alone, so the store writes them with it."""
    return ([{"kind": "attribution", "doc": doc.id, **a} for a in doc.meta.get("attributions", [])]
            + [{"kind": "quote", **q} for q in doc.meta.get("statements", [])])
