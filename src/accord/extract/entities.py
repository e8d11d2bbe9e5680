"""Entities: names of places, people and organisations, and their spelling variants.

Names are runs of capitalised words outside set-aside text. Two forms are variants when their
transliteration skeletons match (vowels dropped, h after a consonant dropped, j/g, y/i and
w/v folded, doubled letters single) and rapidfuzz finds them close, unless one is the other
with a grammatical ending (Armenia / Armenian). A cluster keeps every form as written, with
where each appears: accord never rewrites a source's spelling.

Names of two or more words garbled beyond one skeleton (a transcribed "Shearer Sergean" for
"Serzh Sargsyan") are joined on weaker evidence, and say so: every word's skeleton close, the
two forms never used in one document (a text that writes both means two people), and the
words around them sharing descriptors ("former president", "minister of defence").
"""

from __future__ import annotations

import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, cast, overload

import numpy as np
from rapidfuzz import fuzz, process

from accord.model import Document
from accord.text import mark_before, view
from accord.vocab import Vocab

NAME = re.compile(r"\b[A-Z][a-z\u00e0-\u024f'\u2019-]+(?:\s+(?:de|van|von|al|el|bin|of|the)?"
                  r"\s*[A-Z][a-z\u00e0-\u024f'\u2019-]+)*")
SUFFIXES = ("s", "n", "i", "an", "ian", "ese", "is", "ans", "'s", "\u2019s")
MIN_SIMILARITY = 65
MIN_SKELETON = 3
MIN_WORD_SKELETON = 75  # each word of a garbled multi-word name, as skeletons
MIN_SHARED_CONTEXT = 2  # descriptors shared by the words around the two forms
#: a context word around more than this many candidate names (and this share of them) is
#: not a descriptor of one person
MIN_COMMON_CONTEXT, COMMON_CONTEXT_SHARE = 5, 0.05
MAX_LOOKALIKES = 50  # names spelled like more than this many others are not joined on context
CONTEXT_WORDS = 12
CONTEXT_WORD = re.compile(r"[a-z]{4,}")
# compiled once: names_in tries them at every capitalised name of every document
LEAD_THE = re.compile(r"The\s+")
POSSESSIVE = re.compile(r"['\u2019]s$")
NOT_SPACE = re.compile(r"\S+")


@lru_cache(maxsize=65536)  # names repeat across a corpus: each is keyed once
def skeleton(name: str) -> str:
    """A spelling-blind key: Khojaly, Khojali and Khojlay share one; so do
    Srebrenica and Srebrenitsa (ts/tz as c), Tuzla and Tusla (z as s)."""
    w = re.sub(r"[^a-z]", "", view(name).lower())
    w = re.sub(r"t[sz]|ck|ph|q", lambda m: {"ph": "f", "ck": "k", "q": "k"}.get(m.group(0), "c"),
               w)
    w = re.sub(r"(?<=[bcdfgjklmnpqrstvwxz])h", "", w)
    w = w.replace("j", "g").replace("w", "v").replace("y", "i").replace("z", "s")
    w = w[:1] + re.sub(r"[aeiou]", "", w[1:])
    return re.sub(r"(.)\1+", r"\1", w)


def _derived(a: str, b: str) -> bool:
    """One form is the other with an ending (Armenia/Armenian, Azerbaijan/Azerbaijani)."""
    a, b = (POSSESSIVE.sub("", w.lower()) for w in (a, b))
    short, long = sorted((a, b), key=len)
    if short == long:
        return False
    return long.startswith(short) and long[len(short):] in SUFFIXES


def names_in(doc: Document, vocab: Vocab) -> list[list[Any]]:
    """Every capitalised name form ``doc`` uses, as [form, start, end]: extraction records
    them per document, so the corpus stage reads no text to gather them."""
    found: list[list[Any]] = []
    plain = view(doc.text)
    marked = [(s.start, s.end) for s in doc.marked]
    for m in NAME.finditer(plain):
        start, end = m.start(), m.end()
        lead = LEAD_THE.match(plain[start:end])
        if lead:
            start += lead.end()  # "The Khojaly tragedy": the name is what follows
        start = _after_titles(plain, start, end, vocab)
        tail = POSSESSIVE.search(plain[start:end])
        if tail:
            end -= 2  # "Armenia's": the name without the possessive
        if end - start < 2:
            continue
        form = doc.text[start:end]
        words = form.lower().split()
        if words[0] in vocab.not_places and len(words) == 1:
            continue
        if words[0] in vocab.months or any(a <= start < b for a, b in marked):
            continue
        if len(words) == 1 and not lead and _starts_sentence(plain, m.start()):
            continue  # a capital starting a sentence is not a name by itself
        found.append([form, start, end])
    return found


def _starts_sentence(plain: str, start: int) -> bool:
    """Whether only white space stands between ``start`` and the text's start or a sentence's
    end."""
    before = mark_before(plain, start)
    return not before or before in ".!?:\""


def gather(docs: Iterable[Document], vocab: Vocab) -> dict[str, list[dict[str, Any]]]:
    """Every capitalised name form with its occurrences {doc, start, end}."""
    index = NameIndex.of(docs, vocab)
    return {form: [occurrence_record(o) for o in found]
            for form, found in index.occurrences(set(index.number)).items()}


def names_of(doc: Document, vocab: Vocab) -> list[list[Any]]:
    names = doc.meta.get("names")
    return names if names is not None else names_in(doc, vocab)


def _after_titles(plain: str, start: int, end: int, vocab: Vocab) -> int:
    """Where a name starts once the titles before it ("President", "Prime Minister") are
    left out; a run of titles only ("Prime Minister") is kept whole."""
    first = plain[start:end].split(None, 1)
    if not first or first[0].lower().rstrip(".") not in vocab.titles:
        return start  # most names: no title before them
    pos = start
    for m in NOT_SPACE.finditer(plain[start:end]):
        if m.group(0).lower().rstrip(".") not in vocab.titles:
            return pos if m.start() + start < end else start
        pos = start + m.end()
        while pos < end and plain[pos].isspace():
            pos += 1
    return start


Occurrence = tuple[str, int, int] | dict[str, Any]  # (doc, start, end), or as output


def _context(text_of: Callable[[str], str], occurrences: Iterable[Occurrence],
             vocab: Vocab) -> dict[str, str]:
    """Descriptor words around a form's occurrences ("former", "president", "defence")."""
    words: set[str] = set()
    for o in occurrences:
        doc, start, end = occurrence_at(o)
        text = text_of(doc)
        before = CONTEXT_WORD.findall(view(text[max(0, start - 120):start]).lower())
        after = CONTEXT_WORD.findall(view(text[end:end + 120]).lower())
        words.update(before[-CONTEXT_WORDS:] + after[:CONTEXT_WORDS])
    return {_stem(w): w for w in sorted(words - vocab.context_stopwords)}


def occurrence_at(o: Occurrence) -> tuple[str, int, int]:
    # a tuple is returned as it is: a crawl's clusters hold millions, a copy each adds up
    if isinstance(o, tuple):
        return o
    return (o["doc"], o["start"], o["end"]) if isinstance(o, dict) else (o[0], o[1], o[2])


def occurrence_record(o: Occurrence) -> dict[str, Any]:
    """An occurrence as output formats write it (clusters hold (doc, start, end): a crawl's
    clusters hold millions)."""
    doc, start, end = occurrence_at(o)
    return {"doc": doc, "start": start, "end": end}


def _stem(word: str) -> str:
    """"defence"/"defense", "armenian"/"armenia": a crude key, for context overlap only."""
    return skeleton(word)[:4]


def cluster(forms: Mapping[str, Sequence[Occurrence]]) -> list[dict[str, Any]]:
    """Spelling-variant clusters (two or more forms), most mentioned first."""
    return _clusters_out(forms, spelling_groups(forms), {})


def _root(parent: Any, x: Any) -> Any:
    """Union-find with path halving, over a dict (forms) or a list (group numbers): joins
    here are conditional (one text must not use both forms), so scipy's components do not
    fit."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def spelling_groups(forms: Iterable[str]) -> list[list[str]]:
    """Forms that share a transliteration skeleton and are close, grouped (groups of one
    left out)."""
    names = sorted(forms)
    parent: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for group in _same_skeleton(names):
        parent.update((n, n) for n in group)
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                ra, rb = _root(parent, a), _root(parent, b)
                if ra == rb or fuzz.ratio(view(a).lower(), view(b).lower()) < MIN_SIMILARITY:
                    continue
                in_a, in_b = members.get(ra, [ra]), members.get(rb, [rb])
                if any(_derived(x, y) for x in in_a for y in in_b):
                    continue  # Armenia ~ Armina, but Armenian is another word
                parent[ra] = rb
                members[rb] = in_b + in_a
                members.pop(ra, None)
    return [m for root, m in members.items() if _root(parent, root) == root and len(m) > 1]


def _same_skeleton(names: list[str]) -> list[list[str]]:
    """The names (sorted) that share a skeleton of MIN_SKELETON letters or more with another,
    a list per skeleton, each in the names' order, the lists in the order of their first
    name. Found through a sorted array of the skeletons' hashes (a hash shared by chance
    is split by the skeletons themselves): a dict of every name's skeleton and a list per
    skeleton held a crawl's millions of forms several times over."""
    if not names:
        return []
    hashes = np.fromiter((_skeleton_hash(n) for n in names), dtype=np.int64, count=len(names))
    order = np.argsort(hashes, kind="stable")  # equal hashes keep the names' order
    ordered = hashes[order]
    del hashes
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    shared = (ends - starts >= 2) & (ordered[starts] != SHORT_SKELETON)
    del ordered
    found: list[tuple[int, list[str]]] = []
    for start, end in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
        by_skeleton: dict[str, list[int]] = defaultdict(list)
        for k in order[start:end].tolist():
            by_skeleton[skeleton(names[k])].append(k)
        found += [(rows[0], [names[k] for k in rows])
                  for rows in by_skeleton.values() if len(rows) >= 2]
    found.sort(key=lambda item: item[0])
    return [group for _, group in found]


SHORT_SKELETON = -1  # the hash of a skeleton too short to group (the others' are >= 0)


def _skeleton_hash(name: str) -> int:
    key = skeleton(name)
    return hash(key) & (2 ** 62 - 1) if len(key) >= MIN_SKELETON else SHORT_SKELETON


def _clusters_out(forms: Mapping[str, Sequence[Occurrence]], groups: list[list[str]],
                  why: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for group_forms in groups:
        if len({view(m) for m in group_forms}) < 2:
            continue
        reasons = sorted({why[m] for m in group_forms if m in why})
        out.append({"forms": [{"form": m, "count": len(forms[m]),
                               "occurrences": _held(forms[m])}
                              for m in sorted(group_forms, key=lambda m: -len(forms[m]))],
                    "documents": sorted({occurrence_at(o)[0]
                                         for m in group_forms for o in forms[m]}),
                    "method": "; ".join(reasons) or "same transliteration skeleton"})
    out.sort(key=lambda c: -sum(f["count"] for f in c["forms"]))
    return out


def _held(occurrences: Sequence[Occurrence]) -> Sequence[Occurrence]:
    """A form's occurrences as a cluster keeps them: tuples, or the index's rows as they are."""
    if isinstance(occurrences, Occurrences):
        return occurrences
    return [occurrence_at(o) for o in occurrences]


def _word_skeletons(form: str) -> list[str]:
    return [skeleton(w) for w in form.split() if w[:1].isupper()]


def _deletions(word: str) -> set[str]:
    """The word and what is left of it after deleting up to 40% of its letters: two skeletons
    with a ratio of at least MIN_WORD_SKELETON always share one, so close words are found by
    lookup instead of by comparing every pair."""
    out, frontier = {word}, {word}
    for _ in range(int(len(word) * 0.4)):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def close_words(words: set[str]) -> dict[str, set[str]]:
    """Each word skeleton's close ones (itself included): rapidfuzz ratio at least
    MIN_WORD_SKELETON. (The names' joins read them as CloseWords.)"""
    close = CloseWords(sorted(words))
    return {w: {close.words[k] for k in close.of(n).tolist()}
            for n, w in enumerate(close.words)}


class CloseWords:
    """The close word skeletons of a sorted list of them, as rows of one flat array (CSR):
    word k's close ones (itself included, as numbers) are ``indices[indptr[k]:indptr[k+1]]``,
    in order. A crawl's names have ~50k word skeletons with 4 million close pairs, which as
    a dict of sets of strings took ~500 MB at 1M documents; here 4 bytes a pair."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        first, second = _close_pairs(words)
        n = len(words)
        rows = np.concatenate((first, second, np.arange(n, dtype=np.int32)))
        cols = np.concatenate((second, first, np.arange(n, dtype=np.int32)))
        del first, second
        order = np.lexsort((cols, rows))
        self.indices = cols[order]
        self.indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n))))

    def of(self, k: int) -> np.ndarray:
        return self.indices[self.indptr[k]:self.indptr[k + 1]]

    def keys(self) -> np.ndarray:
        """Every close pair (a, b) as a * len(words) + b, sorted: for testing many at once."""
        n = len(self.words)
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        return rows * n + self.indices

    def sums(self, words: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """For each of ``words`` (numbers, distinct), the sum of ``counts`` over its close
        ones."""
        starts, ends = self.indptr[words], self.indptr[words + 1]
        values = counts[self.indices[_ranges(starts, ends - starts)]]
        return np.add.reduceat(values, np.concatenate(([0], np.cumsum(ends - starts)[:-1])))


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenated ranges starts[k]:starts[k] + lengths[k]."""
    ends = np.cumsum(lengths)
    if not len(ends):
        return np.zeros(0, dtype=np.int64)
    return (np.arange(int(ends[-1]), dtype=np.int64)
            + np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths))


SORT_CHUNK = 1 << 20  # deletion keys compared with their neighbours at once


def _close_pairs(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (a < b, as numbers of ``words``) of ratio at least MIN_WORD_SKELETON.

    Two such skeletons always share a deletion (_deletions), so candidates are found by
    lookup: one flat array of 64-bit keys, a deletion's hash in the high bits and its
    word's number in the low ones, sorted in place so that equal hashes are neighbours (a
    crawl's names give tens of millions of deletions). A hash shortened to fit, like any
    hash collision, only adds a candidate, which the ratio then rejects. Each word is then
    compared once with every later word sharing a bucket with it: a pair shares many."""
    owner_bits = max(1, len(words).bit_length())
    owner_mask = (1 << owner_bits) - 1
    hash_mask = (1 << (63 - owner_bits)) - 1
    keys = array("q")
    for n, w in enumerate(words):
        for d in _deletions(w):
            keys.append(((hash(d) & hash_mask) << owner_bits) | n)
    k = np.frombuffer(keys, dtype=np.int64)
    k.sort()
    shared = np.zeros(len(k), dtype=bool)  # in a bucket of two or more, a chunk at a time
    for lo in range(0, max(0, len(k) - 1), SORT_CHUNK):
        h = k[lo:lo + SORT_CHUNK + 1] >> owner_bits
        same = h[1:] == h[:-1]
        shared[lo:lo + len(same)] |= same
        shared[lo + 1:lo + 1 + len(same)] |= same
    found = k[shared]
    del k, keys, shared
    owner = (found & owner_mask).astype(np.int32)
    found >>= owner_bits
    new = np.r_[True, found[1:] != found[:-1]]  # where a bucket of equal hashes starts
    del found
    bucket_start = np.flatnonzero(new)
    bucket = (np.cumsum(new) - 1).astype(np.int32)  # each entry's bucket
    del new
    bucket_end = np.r_[bucket_start[1:], len(owner)]
    by_owner = np.argsort(owner, kind="stable")
    owner_start = np.searchsorted(owner[by_owner], np.arange(len(words) + 1, dtype=np.int32))
    first, second = array("i"), array("i")
    for a in range(len(words)):
        buckets = bucket[by_owner[owner_start[a]:owner_start[a + 1]]]
        if not len(buckets):
            continue
        others = np.unique(owner[_ranges(bucket_start[buckets],
                                         bucket_end[buckets] - bucket_start[buckets])])
        others = others[others > a].tolist()
        if not others:
            continue
        scores = process.cdist([words[a]], [words[b] for b in others], scorer=fuzz.ratio,
                               score_cutoff=MIN_WORD_SKELETON, dtype=np.float64)[0]
        for b, score in zip(others, scores.tolist(), strict=True):
            if score >= MIN_WORD_SKELETON:
                first.append(a)
                second.append(b)
    return (np.frombuffer(first, dtype=np.int32).copy(),
            np.frombuffer(second, dtype=np.int32).copy())


def _spelled_alike(forms: list[str]) -> list[tuple[str, str]]:
    """Pairs of multi-word forms with as many words, each word's skeleton close to the other's,
    the last (the family name, mostly) beginning alike, and no word the other's with an
    ending (Armenia / Armenian).

    A form's shape is its words' skeletons. For each shape, the position whose close words
    hold the fewest other shapes gives the candidates; a name with more than MAX_LOOKALIKES
    look-alikes there is not joined on context at all (the evidence is weak). The shapes are
    rows of integer matrices, one per word count, sorted: a crawl has millions of names,
    which as tuples of strings in dicts took ~470 MB at 1M documents."""
    words, flat, starts, lengths = _word_numbers(forms)
    if not len(lengths):
        return []
    close = CloseWords(words)
    close_keys = close.keys()
    initial = np.array([ord(w[:1] or " ") for w in words], dtype=np.int32)
    pairs: list[tuple[str, str]] = []
    for n in np.unique(lengths[lengths > 0]).tolist():
        rows = np.flatnonzero(lengths == n)
        matrix = flat[starts[rows][:, None] + np.arange(n)]
        order = np.lexsort(matrix.T[::-1])  # stable: a shape's forms in the forms' order
        matrix, rows = matrix[order], rows[order]
        new = np.r_[True, (matrix[1:] != matrix[:-1]).any(axis=1)]
        shapes = matrix[new]  # distinct, in order: shape s < o as their words' tuples
        bounds = np.r_[np.flatnonzero(new), len(rows)]
        del matrix, new, order
        for s, o in _alike_shapes(shapes, close, close_keys, initial):
            theirs = [forms[k] for k in rows[bounds[o]:bounds[o + 1]].tolist()]
            for fa in (forms[k] for k in rows[bounds[s]:bounds[s + 1]].tolist()):
                pairs += [(fa, fb) for fb in theirs
                          if fa != fb and not any(_derived(x, y) for x, y in
                                                  zip(fa.split(), fb.split(), strict=False))]
    return pairs


def _word_numbers(forms: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The forms' word skeletons: the distinct ones sorted, and each form's as numbers into
    them (one flat array, with each form's start and word count)."""
    number: dict[str, int] = {}
    flat, lengths = array("i"), array("i")
    for f in forms:
        skeletons = _word_skeletons(f)
        flat.extend(number.setdefault(w, len(number)) for w in skeletons)
        lengths.append(len(skeletons))
    words = sorted(number)
    rank = np.empty(len(words), dtype=np.int32)
    rank[np.fromiter((number[w] for w in words), dtype=np.int64, count=len(words))] = \
        np.arange(len(words), dtype=np.int32)
    lengths_array = np.frombuffer(lengths, dtype=np.int32).copy()
    starts = np.concatenate(([0], np.cumsum(lengths_array)[:-1])).astype(np.int64)
    return words, rank[np.frombuffer(flat, dtype=np.int32)], starts, lengths_array


ALIKE_CHUNK = 1 << 21  # (shape, close word) and (shape, candidate) pairs expanded at once


def _alike_shapes(shapes: np.ndarray, close: CloseWords, close_keys: np.ndarray,
                  initial: np.ndarray) -> Iterator[tuple[int, int]]:
    """The pairs (s <= o) of rows of ``shapes`` (sorted distinct shapes of one word count)
    that _spelled_alike joins, in order."""
    count, width = shapes.shape
    n_words = len(close.words)
    by_word: list[tuple[np.ndarray, np.ndarray]] = []  # per position: shapes by word there
    lookalikes = np.empty(shapes.shape, dtype=np.int64)
    for i in range(width):
        column = shapes[:, i]
        held = np.bincount(column, minlength=n_words)  # shapes with each word here
        present = np.flatnonzero(held)
        lookalikes[:, i] = close.sums(present, held)[np.searchsorted(present, column)]
        by_word.append((np.argsort(column, kind="stable"),
                        np.concatenate(([0], np.cumsum(held)))))
    best = lookalikes.argmin(axis=1)  # the first position with the fewest
    few = lookalikes[np.arange(count), best] <= MAX_LOOKALIKES
    found: list[np.ndarray] = []
    for i in range(width):
        mine = np.flatnonzero(few & (best == i))
        if not len(mine):
            continue
        ordered, word_start = by_word[i]
        word = shapes[mine, i]
        spans = close.indptr[word + 1] - close.indptr[word]
        weight = spans + lookalikes[mine, i]  # what a shape expands to, both steps
        reach = np.cumsum(weight)
        lo = 0
        while lo < len(mine):
            hi = int(np.searchsorted(reach, reach[lo] - weight[lo] + ALIKE_CHUNK, side="right"))
            hi = max(hi, lo + 1)
            part = slice(lo, hi)
            near = close.indices[_ranges(close.indptr[word[part]], spans[part])]
            shape_of = np.repeat(mine[part], spans[part])
            sizes = word_start[near + 1] - word_start[near]
            other = ordered[_ranges(word_start[near], sizes)]
            shape_of = np.repeat(shape_of, sizes)
            keep = ((other >= shape_of)
                    & (initial[shapes[other, -1]] == initial[shapes[shape_of, -1]]))
            for j in range(width):
                if not keep.any():
                    break
                pair = shapes[shape_of, j].astype(np.int64) * n_words + shapes[other, j]
                at = np.minimum(np.searchsorted(close_keys, pair), len(close_keys) - 1)
                keep &= close_keys[at] == pair
            found.append(np.stack((shape_of[keep], other[keep]), axis=1))
            lo = hi
    if not found:
        return iter(())
    joined = np.concatenate(found)
    joined = joined[np.lexsort((joined[:, 1], joined[:, 0]))]
    return ((int(s), int(o)) for s, o in joined.tolist())


def join_by_context(forms: Mapping[str, Sequence[Occurrence]], groups: list[list[str]],
                    singles: Iterable[str], vocab: Vocab,
                    text_of: Callable[[str], str]) -> list[dict[str, Any]]:
    """Join spelling groups (and single forms) of multi-word names whose spelling differs
    beyond one skeleton, on the weaker evidence the module docstring lists; each join names
    the shared words. ``forms`` needs the occurrences of grouped and candidate forms only."""
    groups = [list(g) for g in groups]
    grouped = {f for g in groups for f in g}
    groups += [[f] for f in sorted(singles) if f not in grouped]
    group_of = {f: n for n, g in enumerate(groups) for f in g}
    multi = [f for f in group_of if len(_word_skeletons(f)) >= 2]
    candidates = sorted({tuple(sorted((group_of[a], group_of[b])))
                         for a, b in _spelled_alike(multi) if group_of[a] != group_of[b]})
    parent = list(range(len(groups)))

    # each group's own context: joins do not pool it (no snowball); words around most
    # candidate names ("killed", the event's place) describe the event, not a person
    near = {g: _context(text_of, [o for f in groups[g] for o in forms[f]], vocab)
            for g in sorted({g for pair in candidates for g in pair})}
    around = Counter(stem for words in near.values() for stem in words)
    common = {stem for stem, n in around.items()
              if n > max(MIN_COMMON_CONTEXT, COMMON_CONTEXT_SHARE * len(near))}
    # each joined group's documents, as sorted numbers (a crawl's common names are in
    # hundreds of thousands of documents: as sets of ids, gigabytes)
    documents_of = _document_numbers(forms)
    seen: dict[int, np.ndarray] = {}
    why: dict[int, set[str]] = {}
    for a, b in candidates:
        ra, rb = _root(parent, a), _root(parent, b)
        if ra == rb:
            continue
        for r in (ra, rb):
            if r not in seen:
                seen[r] = np.unique(np.concatenate([documents_of(f) for f in groups[r]]))
        if _share_any(seen[ra], seen[rb]):
            continue  # one text writes both: it names two people
        shared = {near[a][k] for k in (near[a].keys() & near[b].keys()) - common}
        if len(shared) < MIN_SHARED_CONTEXT:
            continue
        parent[rb] = ra
        groups[ra] += groups[rb]
        seen[ra] = np.union1d(seen[ra], seen.pop(rb))
        why[ra] = why.pop(ra, set()) | why.pop(rb, set()) | shared
    reasons = {}
    for r, words in why.items():
        said = (f"spelled alike word by word, never both in one document, and shared context "
                f"({', '.join(sorted(words))})")
        reasons.update(dict.fromkeys(groups[r], said))
    return _clusters_out(forms, [groups[r] for r in range(len(groups)) if _root(parent, r) == r],
                         reasons)


def _document_numbers(forms: Mapping[str, Sequence[Occurrence]]
                      ) -> Callable[[str], np.ndarray]:
    """A form's documents as numbers, the same number for the same document: their places
    in the name index where the occurrences are its rows (NameIndex.occurrences), else
    numbered as met."""
    if all(isinstance(found, Occurrences) for found in forms.values()):
        return lambda form: cast(Occurrences, forms[form]).documents()
    number: dict[str, int] = {}
    return lambda form: np.array([number.setdefault(occurrence_at(o)[0], len(number))
                                  for o in forms[form]], dtype=np.int64)


def _share_any(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two sorted arrays of distinct numbers hold a number in common."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    at = np.searchsorted(large, small)
    return bool(np.any(large[np.minimum(at, len(large) - 1)] == small)) if len(large) else False


def join_candidates(forms: Iterable[str], groups: list[list[str]]) -> set[str]:
    """The forms a context join could touch: those of a spelling group, and multi-word forms
    spelled like another multi-word form."""
    out = {f for g in groups for f in g}
    for a, b in _spelled_alike([f for f in forms if len(_word_skeletons(f)) >= 2]):
        out.update((a, b))
    return out


class NameIndex:
    """Every name occurrence of a corpus in flat integer arrays: each occurrence's form,
    start and length, and where each document's occurrences begin (a document's come
    together, in the order added). 100k generated reports' 3.8 million occurrences take
    38 MB (62 MB with a document, start and end of 32 bits each; several hundred as a dict
    each).

    ``occurrences=False``: the forms are numbered, no occurrence is kept (a first pass);
    ``record`` then reads the documents again for the occurrences of the forms the clusters
    need. A crawl's 1M documents have 38 million occurrences (~380 MB here), of which the
    clusters need those of their common forms (at 100k, 2.2 of 3.8 million)."""

    def __init__(self, occurrences: bool = True) -> None:
        self.number: dict[str, int] = {}
        self.doc_ids: list[str] = []
        self.forms, self.starts = array("i"), array("i")
        self.lengths = array("H")  # a name is short; widened where one is not
        self.first = array("i", [0])  # document k's occurrences: rows first[k]:first[k + 1]
        self.recording = occurrences
        self.only: set[int] | None = None  # the form numbers recorded (None: every one)

    @classmethod
    def of(cls, docs: Iterable[Document], vocab: Vocab) -> NameIndex:
        index = cls()
        for doc in docs:
            index.add(doc, vocab)
        return index

    def add(self, doc: Document, vocab: Vocab) -> None:
        if not self.recording:
            for form, _, _ in names_of(doc, vocab):
                self.number.setdefault(form, len(self.number))
            return
        self.doc_ids.append(doc.id)
        only = self.only
        for form, start, end in names_of(doc, vocab):
            n = self.number.setdefault(form, len(self.number))
            if only is not None and n not in only:
                continue
            self.forms.append(n)
            self.starts.append(start)
            try:
                self.lengths.append(end - start)
            except OverflowError:
                self.lengths = array("i", self.lengths)
                self.lengths.append(end - start)
        self.first.append(len(self.forms))

    def record(self, docs: Iterable[Document], vocab: Vocab, wanted: Iterable[str]) -> None:
        """Read ``docs`` (the documents numbered, again, in the same order) for the
        occurrences of the forms ``wanted`` only."""
        if self.recording:
            raise ValueError("this name index records every occurrence already")
        self.recording = True
        self.only = {self.number[f] for f in wanted if f in self.number}
        for doc in docs:
            self.add(doc, vocab)

    def counts(self) -> Counter[str]:
        by_number = np.bincount(np.asarray(self.forms, dtype=np.int32),
                                minlength=len(self.number)).tolist()
        return Counter({form: by_number[n] for form, n in self.number.items()})

    def occurrences(self, wanted: set[str], lazy: bool = False
                    ) -> dict[str, Sequence[tuple[str, int, int]]]:
        """(doc, start, end) of each wanted form, in the order the documents were added;
        ``lazy``: as views of this index, made into tuples only when read (a crawl's clusters
        have tens of millions, written out once and let go)."""
        numbers = {self.number[f]: f for f in wanted if f in self.number}
        form_col = np.frombuffer(self.forms, dtype=np.int32)  # a view: no copy of the column
        if self.only is not None and self.only <= numbers.keys():  # every row is wanted
            rows = np.argsort(form_col, kind="stable")
        else:
            rows = np.flatnonzero(np.isin(form_col, np.fromiter(numbers, np.int32,
                                                                len(numbers))))
            rows = rows[np.argsort(form_col[rows], kind="stable")]
        # by form, each in added order; 32-bit, as the index's columns (a crawl's recorded
        # occurrences are tens of millions, held while the clusters are joined and written)
        rows = rows.astype(np.int32)
        starts: list[int] = np.flatnonzero(np.diff(form_col[rows], prepend=-1)).tolist()
        views: dict[str, Sequence[tuple[str, int, int]]] = {
            numbers[int(form_col[rows[k]])]: Occurrences(self, rows[k:k_end])
            for k, k_end in zip(starts, starts[1:] + [len(rows)] * bool(starts), strict=True)}
        if lazy:
            return views
        offsets: dict[int, int] = {}  # one int object per offset: millions of occurrences
        return {form: [(doc, offsets.setdefault(start, start), offsets.setdefault(end, end))
                       for doc, start, end in found] for form, found in views.items()}


class Occurrences(Sequence[tuple[str, int, int]]):
    """A form's occurrences as rows of a NameIndex: 8 bytes each instead of a tuple's ~70,
    until read."""

    __slots__ = ("names", "rows")

    def __init__(self, names: NameIndex, rows: np.ndarray) -> None:
        self.names, self.rows = names, rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, k: int) -> tuple[str, int, int]: ...
    @overload
    def __getitem__(self, k: slice) -> list[tuple[str, int, int]]: ...

    def __getitem__(self, k: int | slice) -> tuple[str, int, int] | list[tuple[str, int, int]]:
        if isinstance(k, slice):
            return list(self._tuples(self.rows[k].tolist()))
        return next(self._tuples([int(self.rows[k])]))

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        return self._tuples(self.rows.tolist())

    def documents(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The place of each occurrence's document in the index (NameIndex.doc_ids), or of
        the occurrences at ``rows``."""
        # the rows as 32-bit, as the index: numpy casts the side of other width, and here
        # that was a 64-bit copy of the whole index's document bounds (8 MB at 1M
        # documents) for each form read, a millisecond each
        found: np.ndarray = np.searchsorted(
            np.frombuffer(self.names.first, dtype=np.int32),
            np.asarray(self.rows if rows is None else rows, dtype=np.int32), side="right") - 1
        return found

    def _tuples(self, rows: list[int]) -> Iterator[tuple[str, int, int]]:
        names = self.names
        docs = self.documents(np.asarray(rows, dtype=np.int32)).tolist()
        doc_ids, starts, lengths = names.doc_ids, names.starts, names.lengths
        return ((doc_ids[d], starts[r], starts[r] + lengths[r])
                for d, r in zip(docs, rows, strict=True))


def entity_variants(docs: Iterable[Document] | NameIndex, vocab: Vocab,
                    text_of: Callable[[str], str] | None = None,
                    lazy: bool = False,
                    again: Callable[[], Iterable[Document]] | None = None
                    ) -> list[dict[str, Any]]:
    """The spelling-variant clusters of the names a corpus uses.

    ``docs`` may be a NameIndex a streaming pass over a store filled, ``text_of`` then
    reading a document's text for the words around a candidate name; ``lazy``: the
    clusters' occurrences are views of that index (NameIndex.occurrences), for a caller
    that writes them out and does not send them elsewhere. An index that numbered the
    forms only (NameIndex(occurrences=False)) records the occurrences the clusters need
    from the documents ``again`` gives (the same, in the same order)."""
    if not isinstance(docs, NameIndex):
        held = list(docs)
        texts = {d.id: d.text for d in held}
        text_of = text_of or texts.__getitem__
        docs = NameIndex.of(held, vocab)
    assert text_of is not None
    # the forms as the index numbers them: a Counter of them (what counts() gives) held
    # every form again beside the index, while the groups and candidates were found
    forms = docs.number.keys()
    groups = spelling_groups(forms)
    wanted = join_candidates(forms, groups)
    if not docs.recording:
        if again is None:
            raise ValueError("an index of forms only needs the documents again")
        docs.record(again(), vocab, wanted)
    return join_by_context(docs.occurrences(wanted, lazy), groups, sorted(wanted), vocab, text_of)
