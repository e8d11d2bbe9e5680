"""Vocabularies: the words accord reads figures with, kept as data so users can extend them.

The shipped files in ``accord/data/`` are read once; a user file (``--vocab FILE``) is merged
over them key by key: mappings merge, lists are extended, scalars replaced. The merged result
is compiled into a :class:`Vocab` of lookup tables, so the hot path never touches YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml

from accord.errors import VocabError

VOCAB_FILES = ("numbers", "qualifiers", "categories", "nouns", "groups", "boilerplate", "events",
               "attribution")


class Phrases(dict[tuple[str, ...], Any]):
    """A table of word phrases that knows their first words, so a miss costs one lookup."""

    def __init__(self, items: dict[tuple[str, ...], Any] | None = None) -> None:
        super().__init__(items or {})
        self.firsts = frozenset(k[0] for k in self)
        self.longest = max((len(k) for k in self), default=0)

    def match(self, words: list[str], k: int, longest: int = 8) -> tuple[Any, int]:
        """The longest phrase starting at ``words[k]``: (value, length) or (None, 0)."""
        if k >= len(words) or words[k] not in self.firsts:
            return None, 0
        for length in range(min(longest, self.longest, len(words) - k), 0, -1):
            key = tuple(words[k:k + length])
            if key in self:
                return self[key], length
        return None, 0


@dataclass(frozen=True)
class Cue:
    """A phrase near a figure that says what the figure counts."""

    words: tuple[str, ...]
    category: str
    group: str | None = None
    priority: int = 1
    heads: frozenset[str] | None = None


@dataclass
class Vocab:
    """Compiled lookup tables; build with :func:`load_vocab`."""

    raw: dict[str, Any]
    units: dict[str, int] = field(default_factory=dict)
    tens: dict[str, int] = field(default_factory=dict)
    scales: dict[str, int] = field(default_factory=dict)
    number_phrases: Phrases = field(default_factory=Phrases)
    vague: Phrases = field(default_factory=Phrases)
    qualifiers_before: Phrases = field(default_factory=Phrases)
    qualifiers_after: Phrases = field(default_factory=Phrases)
    cues: dict[str, list[Cue]] = field(default_factory=dict)
    category_heads: dict[str, frozenset[str]] = field(default_factory=dict)
    group_cues: Phrases = field(default_factory=Phrases)
    facilities: Phrases = field(default_factory=Phrases)
    noun_kinds: Phrases = field(default_factory=Phrases)
    not_counts: frozenset[str] = frozenset()
    label_before: frozenset[str] = frozenset()
    currency_before: frozenset[str] = frozenset()
    singular_persons: Phrases = field(default_factory=Phrases)
    the_singular_persons: Phrases = field(default_factory=Phrases)
    kin: frozenset[str] = frozenset()
    kin_phrases: Phrases = field(default_factory=Phrases)
    months: frozenset[str] = frozenset()
    groups: Phrases = field(default_factory=Phrases)
    subgroups: frozenset[str] = frozenset()
    age_groups: dict[str, tuple[int, int]] = field(default_factory=dict)
    line_patterns: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    inline_patterns: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    masthead_words: frozenset[str] = frozenset()
    masthead_max_words: int = 8
    masthead_within_lines: int = 4
    cue_words: frozenset[str] = frozenset()
    number_firsts: frozenset[str] = frozenset()  # words a number in words can start with
    event_kinds: frozenset[str] = frozenset()
    commemoration: frozenset[str] = frozenset()
    time_bounds: frozenset[str] = frozenset()
    not_places: frozenset[str] = frozenset()
    speech_verbs: frozenset[str] = frozenset()
    source_nouns: frozenset[str] = frozenset()
    source_documents: frozenset[str] = frozenset()
    pronouns: frozenset[str] = frozenset()
    context_stopwords: frozenset[str] = frozenset()
    zero_words: frozenset[str] = frozenset()
    titles: frozenset[str] = frozenset()

    @property
    def categories(self) -> list[str]:
        return sorted(self.category_heads)


def _merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return base + [x for x in extra if x not in base]
    return extra


def _read_yaml(path: Path | str, text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise VocabError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise VocabError(f"{path}: a vocabulary file must be a mapping of keys")
    data.pop("version", None)
    return data


def shipped_vocab() -> dict[str, Any]:
    """The merged raw vocabulary shipped in ``accord/data``."""
    merged: dict[str, Any] = {}
    base = resources.files("accord") / "data"
    for name in VOCAB_FILES:
        resource = base / f"{name}.yaml"
        merged = _merge(merged, _read_yaml(f"accord/data/{name}.yaml", resource.read_text("utf-8")))
    return merged


def _words(phrase: object, where: str) -> tuple[str, ...]:
    if isinstance(phrase, bool) or not isinstance(phrase, str | int) or not str(phrase).strip():
        raise VocabError(f"{where}: expected a word or phrase, got {phrase!r}")
    return tuple(str(phrase).lower().split())


def _phrase_map(entries: dict[str, Any], where: str) -> Phrases:
    out: dict[tuple[str, ...], str] = {}
    for name, phrases in entries.items():
        if not isinstance(phrases, list):
            raise VocabError(f"{where}.{name}: expected a list of phrases")
        for phrase in phrases:
            out[_words(phrase, f"{where}.{name}")] = name
    return Phrases(out)


def _compile_cues(vocab: Vocab, categories: dict[str, Any]) -> None:
    for category, spec in categories.items():
        where = f"categories.{category}"
        if not isinstance(spec, dict):
            raise VocabError(f"{where}: expected a mapping with 'heads' and 'cues'")
        vocab.category_heads[category] = frozenset(spec.get("heads") or ["person", "unknown"])
        for entry in spec.get("cues") or []:
            if isinstance(entry, dict):
                if "phrase" not in entry:
                    raise VocabError(f"{where}: a cue mapping needs a 'phrase' key: {entry!r}")
                heads = entry.get("heads")
                cue = Cue(
                    words=_words(entry["phrase"], where),
                    category=category,
                    group=entry.get("group"),
                    priority=int(entry.get("priority", 1)),
                    heads=frozenset(heads) if heads else None,
                )
            else:
                cue = Cue(words=_words(entry, where), category=category)
            vocab.cues.setdefault(cue.words[0], []).append(cue)
    for bucket in vocab.cues.values():
        bucket.sort(key=lambda c: -len(c.words))
    vocab.cue_words = frozenset(
        w for bucket in vocab.cues.values() for c in bucket for w in c.words)


def _compile_patterns(entries: dict[str, str], where: str) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for name, pattern in entries.items():
        flags = 0 if str(pattern).startswith("(?-i)") else re.IGNORECASE
        text = str(pattern).removeprefix("(?-i)")
        try:
            out.append((name, re.compile(text, flags)))
        except re.error as exc:
            raise VocabError(f"{where}.{name}: bad regular expression: {exc}") from exc
    return out


def compile_vocab(raw: dict[str, Any]) -> Vocab:
    """Turn a merged raw vocabulary into lookup tables, checking its shape."""
    vocab = Vocab(raw=raw)
    try:
        vocab.units = {str(k).lower(): int(v) for k, v in raw["units"].items()}
        vocab.tens = {str(k).lower(): int(v) for k, v in raw["tens"].items()}
        vocab.scales = {str(k).lower(): int(v) for k, v in raw["scales"].items()}
        vocab.number_phrases = Phrases({_words(k, "phrases"): int(v)
                                        for k, v in raw["phrases"].items()})
        vocab.vague = Phrases({_words(k, "vague"): int(v) for k, v in raw["vague"].items()})
        vocab.qualifiers_before = _phrase_map(raw["qualifiers"], "qualifiers")
        vocab.qualifiers_after = _phrase_map(raw.get("after") or {}, "after")
        _compile_cues(vocab, raw["categories"])
        vocab.group_cues = _phrase_map(raw.get("group_cues") or {}, "group_cues")
        vocab.facilities = Phrases({_words(f, "facilities"): "facility"
                                    for f in raw.get("facilities", [])})
        vocab.noun_kinds = _phrase_map(raw["kinds"], "kinds")
        vocab.not_counts = frozenset(_words(w, "not_counts")[0] for w in raw["not_counts"])
        vocab.label_before = frozenset(_words(w, "label_before")[0] for w in raw["label_before"])
        vocab.currency_before = frozenset(str(w).lower() for w in raw["currency_before"])
        vocab.singular_persons = Phrases({_words(w, "singular_persons"): "person"
                                          for w in raw["singular_persons"]})
        kinds = dict(vocab.noun_kinds)
        for words in vocab.singular_persons:  # "one officer": a singular names a person too
            kinds.setdefault(words, "person")
        vocab.noun_kinds = Phrases(kinds)
        vocab.the_singular_persons = Phrases({_words(w, "the_singular_persons"): "person"
                                              for w in raw["the_singular_persons"]})
        vocab.kin = frozenset(str(w).lower() for w in raw["kin"])
        vocab.kin_phrases = Phrases({(w,): "kin" for w in vocab.kin})
        vocab.months = frozenset(str(w).lower() for w in raw["months"])
        vocab.groups = _phrase_map(raw["groups"], "groups")
        vocab.subgroups = frozenset(raw["subgroups"])
        vocab.age_groups = {k: (int(v[0]), int(v[1])) for k, v in raw["age_groups"].items()}
        vocab.line_patterns = _compile_patterns(raw["line_patterns"], "line_patterns")
        vocab.inline_patterns = _compile_patterns(raw.get("inline_patterns") or {},
                                                  "inline_patterns")
        vocab.event_kinds = frozenset(_words(w, "event_kinds")[0] for w in raw["event_kinds"])
        vocab.commemoration = frozenset(_words(w, "commemoration")[0]
                                        for w in raw["commemoration"])
        vocab.time_bounds = frozenset(_words(w, "time_bounds")[0] for w in raw["time_bounds"])
        vocab.not_places = frozenset(_words(w, "not_places")[0] for w in raw["not_places"])
        vocab.zero_words = frozenset(str(w).lower() for w in raw.get("zero_words") or [])
        vocab.number_firsts = frozenset(vocab.units) | frozenset(vocab.tens) | vocab.zero_words | (
            vocab.number_phrases.firsts | vocab.vague.firsts | {"between", "from"})
        vocab.speech_verbs = frozenset(_words(w, "speech_verbs")[0] for w in raw["speech_verbs"])
        vocab.source_nouns = frozenset(_words(w, "source_nouns")[0] for w in raw["source_nouns"])
        vocab.source_documents = frozenset(" ".join(_words(w, "documents"))
                                           for w in raw["documents"])
        vocab.pronouns = frozenset(_words(w, "pronouns")[0] for w in raw["pronouns"])
        vocab.context_stopwords = frozenset(str(w).lower()
                                            for w in raw.get("context_stopwords") or [])
        vocab.titles = frozenset(str(w).lower() for w in raw.get("titles") or [])
        masthead = raw.get("masthead") or {}
        vocab.masthead_words = frozenset(str(w).lower() for w in masthead.get("words", []))
        vocab.masthead_max_words = int(masthead.get("max_words", 8))
        vocab.masthead_within_lines = int(masthead.get("within_lines", 4))
    except KeyError as exc:
        raise VocabError(f"vocabulary is missing the key {exc.args[0]!r}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise VocabError(f"vocabulary has a value of the wrong shape: {exc}") from exc
    return vocab


@lru_cache(maxsize=16)
def _load(paths: tuple[str, ...]) -> Vocab:
    raw = shipped_vocab()
    for path in paths:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise VocabError(f"{path}: cannot read vocabulary file: {exc.strerror}") from exc
        raw = _merge(raw, _read_yaml(path, text))
    return compile_vocab(raw)


def load_vocab(*user_files: str | Path) -> Vocab:
    """The shipped vocabulary with ``user_files`` merged over it, compiled once per set of files.

    Example:
        >>> vocab = load_vocab()
        >>> "killed" in vocab.categories
        True
    """
    return _load(tuple(str(p) for p in user_files))


Built = TypeVar("Built")


def per_vocab(build: Callable[[Vocab], Built]) -> Callable[[Vocab], Built]:
    """``build(vocab)`` once per vocabulary object. A Vocab is a mutable dataclass (not
    hashable), so the cache holds it by id, and the object itself to be sure the id is its."""
    cache: dict[int, tuple[Vocab, Built]] = {}

    @wraps(build)
    def cached(vocab: Vocab) -> Built:
        hit = cache.get(id(vocab))
        if hit is None or hit[0] is not vocab:
            hit = cache[id(vocab)] = (vocab, build(vocab))
        return hit[1]
    return cached
