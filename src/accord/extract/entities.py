"""Entities: names of places, people and organisations, and their spelling variants.

Names are runs of capitalised words outside set-aside text. Two forms are variants when their
transliteration skeletons match (vowels dropped, h after a consonant dropped, j/g, y/i and
w/v folded, doubled letters single) and rapidfuzz finds them close, unless one is the other
with a grammatical ending (Armenia / Armenian). A cluster keeps every form as written, with
where each appears: accord never rewrites a source's spelling.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from rapidfuzz import fuzz

from accord.model import Document
from accord.text import view
from accord.vocab import Vocab

NAME = re.compile(r"\b[A-Z][a-z\u00e0-\u024f'\u2019-]+(?:\s+(?:de|van|von|al|el|bin|of|the)?"
                  r"\s*[A-Z][a-z\u00e0-\u024f'\u2019-]+)*")
SUFFIXES = ("s", "n", "i", "an", "ian", "ese", "is", "ans", "'s", "\u2019s")
MIN_SIMILARITY = 65
MIN_SKELETON = 3


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
    short, long = sorted((a.lower(), b.lower()), key=len)
    return long.startswith(short) and long[len(short):] in SUFFIXES


def gather(docs: list[Document], vocab: Vocab) -> dict[str, list[dict[str, Any]]]:
    """Every capitalised name form with its occurrences (doc, start, end)."""
    forms: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        plain = view(doc.text)
        marked = [(s.start, s.end) for s in doc.marked]
        for m in NAME.finditer(plain):
            start, end = m.start(), m.end()
            lead = re.match(r"The\s+", plain[start:end])
            if lead and " " in plain[start:end][lead.end():]:
                start += lead.end()  # "The Khojaly tragedy": the name is what follows
            elif lead:
                start += lead.end()
            tail = re.search(r"['\u2019]s$", plain[start:end])
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
            before = plain[:m.start()].rstrip()
            if len(words) == 1 and not lead and (not before or before[-1] in ".!?:\"\n"):
                continue  # a capital starting a sentence is not a name by itself
            forms[form].append({"doc": doc.id, "start": start, "end": end})
    return forms


def cluster(forms: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Spelling-variant clusters (two or more forms), most mentioned first."""
    names = sorted(forms)
    keys = {n: skeleton(n) for n in names}
    parent = {n: n for n in names}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_key: dict[str, list[str]] = defaultdict(list)
    for n in names:
        if len(keys[n]) >= MIN_SKELETON:
            by_key[keys[n]].append(n)
    members: dict[str, list[str]] = {n: [n] for n in names}
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                ra, rb = find(a), find(b)
                if ra == rb or fuzz.ratio(view(a).lower(), view(b).lower()) < MIN_SIMILARITY:
                    continue
                if any(_derived(x, y) for x in members[ra] for y in members[rb]):
                    continue  # Armenia ~ Armina, but Armenian is another word
                parent[ra] = rb
                members[rb].extend(members.pop(ra))
    clusters = {root: forms_ for root, forms_ in members.items() if find(root) == root}
    out = []
    for group_forms in clusters.values():
        if len({view(m) for m in group_forms}) < 2:
            continue
        out.append({"forms": [{"form": m, "count": len(forms[m]), "occurrences": forms[m]}
                              for m in sorted(group_forms, key=lambda m: -len(forms[m]))],
                    "documents": sorted({o["doc"] for m in group_forms for o in forms[m]})})
    out.sort(key=lambda c: -sum(f["count"] for f in c["forms"]))
    return out


def entity_variants(docs: list[Document], vocab: Vocab) -> list[dict[str, Any]]:
    """The spelling-variant clusters of the names a corpus uses."""
    return cluster(gather(docs, vocab))
