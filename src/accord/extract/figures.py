"""Figures: decide what each number in a sentence counts, and how figures relate.

For every count (a :class:`~accord.extract.numbers.Mention`, or an implicit one such as
"a man") it finds the noun it counts, the cue that says what happened (killed, injured, ...),
the group (women, children, ...), and the total it is a breakdown of. The rules are about the
shape of news sentences, not about any text:

* a cue just before a number belongs to it ("killing 3", "the deaths of 27"); any other cue
  belongs to the nearest figure before it that it can describe ("613 people ... murdered");
* figures in a list share what the list says ("106 women, 63 children and 70 elderly");
* figures after "including", "of whom", "out of which", a dash or a bracket are parts of
  the figure before ("613 people, including 63 children");
* figures that add up exactly to a total stated just before are its parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from accord.extract.numbers import Mention, find_mentions
from accord.text import Token, slug
from accord.vocab import Cue, Phrases, Vocab

HARD = {";", ":", "(", ")", "[", "]", "|"}
GLUE = {",", "and", "or", "as", "well", "plus"}
AUX = {"were", "was", "are", "is", "have", "has", "had", "been", "be", "being", "will", "would",
       "could", "may", "might", "also", "reportedly", "allegedly", "later", "all", "who",
       "still", "already", "now", "then"}
NP_STOP = AUX | {"in", "at", "on", "from", "to", "by", "with", "for", "during", "after", "before",
                 "as", "and", "or", "but", "while", "of", "the", "a", "an", "that", "which",
                 "when", "where", "into", "across", "since", "this", "these", "their", "his",
                 "her", "its", "our", "than", "including", "among", "out", "whose", "whom",
                 "if", "so", "said", "says", "say", "according", "not", "no", "there"}
BREAKDOWN = [("including",), ("include",), ("included",), ("among", "them"),
             ("among", "whom"), ("among", "those"), ("of", "whom"), ("of", "which"),
             ("out", "of", "which"), ("out", "of", "whom"), ("comprising",),
             ("consisting", "of"), ("namely",), ("(",), ("-",)]
COPULA = {"are", "were", "is", "was"}
PRONOUN_HEADS = {"them", "those", "whom", "these"}
DETERMINERS = {"a", "an"}
POSSESSIVES = {"their", "his", "her", "its", "our", "my"}


@dataclass
class Item:
    """A count in a sentence and what has been worked out about it."""

    m: Mention
    np_end: int
    head: str = "none"
    group: str | None = None
    np_words: list[str] = field(default_factory=list)
    cues: list[tuple[Cue, int, bool]] = field(default_factory=list)  # cue, distance, follows
    category: str | None = None
    cue_group: str | None = None
    cue_text: str = ""
    status_group: str | None = None
    parent: int | None = None
    chain: int = -1
    verb_after: bool = False
    inherited: bool = False
    part_name: str | None = None
    facility: str | None = None
    after_of: bool = False  # "a crowd of thousands": a description, not a count
    partitive: bool = False  # "Of the 80 passengers, 12 ...": the part says nothing of the whole
    np_of: bool = False  # "five of the injured": the noun is after "of"
    whole: bool = False  # "12 of the 200 passengers": 200 is what the 12 are counted from


@dataclass
class Figure:
    """A count the extract stage turns into a claim: offsets into the sentence's text."""

    start: int
    end: int
    value: int | None
    low: int | None
    high: int | None
    qualifier: str
    category: str
    group: str
    cue: str
    parent: int | None  # index into the sentence's figures


def _phrase(toks: list[Token], k: int, table: Phrases,
            longest: int = 4) -> tuple[str | None, int]:
    if k >= len(toks) or toks[k].lower not in table.firsts:
        return None, 0
    value, used = table.match([t.lower for t in toks[k:k + longest]], 0, longest)
    return (value, used) if used else (None, 0)


def _noun_phrase(toks: list[Token], item: Item, vocab: Vocab) -> None:
    """The words a figure counts: head kind and group ("innocent citizens" -> person, all)."""
    k = item.m.j
    words: list[str] = []
    head = "none"
    group = None
    scanned = 0
    while k < len(toks) and scanned < 5:
        tok = toks[k]
        if tok.kind != "word":
            if tok.text == "-" and words and k + 1 < len(toks) and toks[k + 1].kind == "word":
                k += 1
                continue
            break
        lower = tok.lower
        if lower == "of" and not words and k + 1 < len(toks) and (
                toks[k + 1].lower in PRONOUN_HEADS or toks[k + 1].lower == "the"):
            nxt = k + 2 if toks[k + 1].lower == "the" else k + 1
            kind, used = _phrase(toks, nxt, vocab.noun_kinds, 2)
            if kind:
                head, k = kind, nxt + used
                words.append(" ".join(t.lower for t in toks[nxt:nxt + used]))
                item.np_of = True
            break
        if lower in COPULA and not words and k + 1 < len(toks):
            grp, used = _phrase(toks, k + 1 + (toks[k + 1].lower in DETERMINERS), vocab.groups)
            if grp:
                group = grp
                head = "person"
                k = k + 1 + (toks[k + 1].lower in DETERMINERS) + used
                words.append("are " + grp)
            break
        if lower == "and" and words and k + 1 < len(toks) and toks[k + 1].kind == "word":
            grp, used = _phrase(toks, k + 1, vocab.groups)
            if grp and grp == group:  # "70 elderly and elderly": one group said twice
                k += 1 + used
                continue
            break
        if lower in NP_STOP:
            break
        grp, glen = _phrase(toks, k, vocab.groups)
        kind, klen = _phrase(toks, k, vocab.noun_kinds, 2)
        if grp and not kind:
            kind = vocab.noun_kinds.get((toks[k + glen - 1].lower,))
        if lower in vocab.not_counts and not grp and not kind:
            head = "not_count"
            break
        if not grp and not kind and lower in vocab.cue_words:
            break  # "25 children lost both parents": the verb is not part of the noun
        if grp:
            group = grp
        if kind:
            head = kind
        elif not grp and tok.text[:1].isupper() and lower.endswith("s") and len(lower) > 3:
            head = "person"  # "28 Pakistanis", "12 Palestinians"
        used = max(glen, klen, 1)
        words.extend(t.lower for t in toks[k:k + used])
        k += used
        scanned += used
        if (kind or grp) and not (k < len(toks) and (
                _phrase(toks, k, vocab.noun_kinds, 2)[0] or _phrase(toks, k, vocab.groups)[0]
                or (toks[k].lower == "and" and group is not None
                and _phrase(toks, k + 1, vocab.groups)[0] == group))):
            break  # the head noun ends the phrase ("613 innocent citizens")
    if words and head == "none":
        head = "unknown"
    item.np_end = k
    item.head = head
    item.group = group
    item.np_words = words
    item.verb_after = k < len(toks) and toks[k].lower in AUX


def _implicit_items(toks: list[Token], taken: set[int], vocab: Vocab) -> list[Item]:
    """"a man", "a 3-year-old boy", "the gunman", "their father": a count of one."""
    out: list[Item] = []
    for k, tok in enumerate(toks):
        if k in taken or tok.kind != "word":
            continue
        lower = tok.lower
        table: Phrases
        if lower in DETERMINERS:
            table = vocab.singular_persons
        elif lower == "the":
            table = vocab.the_singular_persons
        elif lower in POSSESSIVES:
            table = vocab.kin_phrases
        else:
            continue
        j = k + 1
        age = None
        # skip an age ("3-year-old") and up to two adjectives
        while j < len(toks) and j - k <= 6:
            if toks[j].kind == "num" and j + 4 < len(toks) and toks[j + 2].lower in (
                    "year", "month") and toks[j + 4].lower == "old":
                age = int(toks[j].text) if toks[j + 2].lower == "year" else 0
                j += 5
                continue
            kind, used = _phrase(toks, j, table, 2)
            if kind:
                m = Mention(k, k + 1, k, 1, 1, 1, "exact", implicit=True)
                item = Item(m=m, np_end=j + used, head="person" if kind != "kin" else "kin")
                words = tuple(t.lower for t in toks[j:j + used])
                item.group = vocab.groups.get(words) or vocab.groups.get(words[-1:])
                if age is not None:
                    for name, (lo, hi) in vocab.age_groups.items():
                        if lo <= age <= hi:
                            item.group = name
                item.np_words = list(words)
                item.verb_after = j + used < len(toks) and toks[j + used].lower in AUX
                out.append(item)
                break
            if toks[j].kind != "word" or toks[j].lower in NP_STOP:
                break
            j += 1
    return out


def _cue_occurrences(toks: list[Token], vocab: Vocab,
                     blocked: set[int]) -> list[tuple[int, int, list[Cue]]]:
    """Every cue phrase in the sentence: (start, end, cues for that phrase), longest first."""
    out = []
    lowers = [t.lower for t in toks]
    k = 0
    while k < len(lowers):
        bucket = vocab.cues.get(lowers[k]) if k not in blocked else None
        found = 0
        cues: list[Cue] = []
        for cue in bucket or ():  # longest phrases first
            n = len(cue.words)
            if n < found:
                break
            if n == 1 or tuple(lowers[k:k + n]) == cue.words:
                found = n
                cues.append(cue)
        if found:
            out.append((k, k + found, cues))
            k += found
        else:
            k += 1
    return out


def _compatible(item: Item, cue: Cue, vocab: Vocab) -> bool:
    head = "person" if item.head == "kin" else item.head
    if head == "not_count":
        return False
    if head == "none":
        return True  # "another 1,200 damaged": the noun is understood from before
    if cue.heads is not None:
        return head in cue.heads
    return head in vocab.category_heads.get(cue.category, frozenset())


LINKING = {"the", "of", "to", "at", "by", "for", "a", "total", "some", "least", "around"}


def _immediately_before(toks: list[Token], end: int, item: Item) -> bool:
    """"killing 3", "the deaths of 27", "rose to 116": nothing but a preposition between."""
    between = toks[end:item.m.qi]
    return len(between) <= 2 and all(t.lower in LINKING for t in between)


def _hard_between(toks: list[Token], a: int, b: int,
                  transparent: frozenset[int] = frozenset()) -> bool:
    return any(toks[k].text in HARD for k in range(a, b) if k not in transparent)


def _part_brackets(toks: list[Token], items: list[Item]) -> frozenset[int]:
    """Brackets and dashes that only enclose a list of parts ("181 corpses (130 men, ...)")."""
    out: set[int] = set()
    for n, it in enumerate(items):
        kids = [c for c in items if c.parent == n]
        if not kids:
            continue
        first = min(c.m.qi for c in kids)
        last = max(c.np_end for c in kids)
        for k in range(it.np_end, first):
            if toks[k].text in HARD or toks[k].text == "-":
                out.add(k)
        if last < len(toks) and toks[last].text in (")", "]", "-"):
            out.add(last)
    return frozenset(out)


def _attach_cues(toks: list[Token], items: list[Item], vocab: Vocab) -> None:
    """Give each cue occurrence to the figure it describes (see the module docstring)."""
    blocked = {k for it in items if not it.m.implicit for k in range(it.m.i, it.m.j)}
    transparent = _part_brackets(toks, items)
    for start, end, cues in _cue_occurrences(toks, vocab, blocked):
        inside = [it for it in items if it.m.j <= start < it.np_end and not it.whole]
        if inside:
            for cue in cues:
                if _compatible(inside[0], cue, vocab):
                    # "five of the injured later died": the verb says more than the noun
                    inside[0].cues.append((cue, 3 if inside[0].np_of else 0, True))
            continue
        right = [it for it in items if it.m.qi >= end and not it.whole]
        left = [it for it in items if it.np_end <= start and not it.whole]
        candidates: list[tuple[Item, int, bool]] = []
        if right and _immediately_before(toks, end, right[0]):
            candidates.append((right[0], 0, False))
        for it in reversed(left):
            if _hard_between(toks, it.np_end, start, transparent):
                break
            candidates.append((it, start - it.np_end, True))
        if right and not _hard_between(toks, end, right[0].m.qi, transparent):
            candidates.append((right[0], right[0].m.qi - end + 1, False))
        for cue in cues:
            for it, distance, follows in candidates:
                if _compatible(it, cue, vocab):
                    it.cues.append((cue, distance, follows))
                    break


def _marker_before(toks: list[Token], qi: int) -> bool:
    k = qi
    for marker in BREAKDOWN:
        n = len(marker)
        if tuple(t.lower for t in toks[k - n:k]) == marker and k - n >= 0:
            # a dash counts only with a space before it ("121 people - 113 women")
            return marker != ("-",) or toks[k - 1].start > toks[k - 2].end
    return False


def _link(toks: list[Token], items: list[Item]) -> None:
    """Lists (chains) of figures, and which figures are parts of which total."""
    for n, item in enumerate(items):
        item.chain = n
    for n in range(1, len(items)):
        p = n - 1
        if items[p].whole and p > 0:  # "4 of the 9 suspects ..., including 2 women": the 4
            p -= 1
        prev, cur = items[p], items[n]
        between = toks[prev.np_end:cur.m.qi]
        same_kind = (prev.head in ("body", "family", "building", "polity")) == (
            cur.head in ("body", "family", "building", "polity"))
        if _partitive(toks, prev, cur):
            cur.parent = p
            cur.partitive = True
            continue
        if between and all(t.lower in GLUE for t in between) and not prev.verb_after and same_kind:
            cur.chain = prev.chain
            cur.parent = prev.parent
            continue
        if _marker_before(toks, cur.m.qi) or _marker_after_words(toks, prev, cur):
            cur.parent = p


def _marker_after_words(toks: list[Token], prev: Item, cur: Item) -> bool:
    """"24 US state assemblies, including parliaments from 17 countries": a part, a few words in."""
    between = [t.lower for t in toks[prev.np_end:cur.m.qi]]
    return (len(between) <= 5 and "including" in between[:2]
            and not any(t in HARD for t in between))


def _partitive(toks: list[Token], prev: Item, cur: Item) -> bool:
    """"Of the 121 victims, 72 ...", "Among the 200 passengers, 12 ...": the second figure is
    a part of the first."""
    q = prev.m.qi
    return (q >= 2 and toks[q - 1].lower == "the" and toks[q - 2].lower in ("of", "among")
            and [t.text for t in toks[prev.np_end:cur.m.qi]] == [","])


def _choose(item: Item) -> None:
    if not item.cues:
        return
    cue, _, _ = max(item.cues, key=lambda c: (c[0].priority, -c[1]))
    item.category = cue.category
    item.cue_group = cue.group
    item.cue_text = " ".join(cue.words)


def _status_groups(toks: list[Token], items: list[Item], vocab: Vocab) -> None:
    for n, item in enumerate(items):
        stop = items[n + 1].m.qi if n + 1 < len(items) else len(toks)
        for k in range(item.m.j, stop):
            grp, _ = _phrase(toks, k, vocab.group_cues, 4)
            if grp:
                item.status_group = grp
                break


def _inherit(toks: list[Token], items: list[Item]) -> None:
    """Figures with no cue of their own take one from their list, their total or parts."""
    for _ in range(3):
        for n, item in enumerate(items):
            if item.category:
                continue
            donors = [o for o in items if o.chain == item.chain and o.category and o is not item]
            if not donors and item.parent is not None and items[item.parent].category:
                donors = [items[item.parent]]
            if not donors:
                donors = [o for o in items if o.parent == n and o.category and not o.partitive]
            if (not donors and n > 0 and items[n - 1].category and not items[n - 1].m.implicit
                    and not item.verb_after):  # "... and 12,000 were moved": its own verb
                prev = items[n - 1]
                cue_end = max((k for k in range(prev.np_end, item.m.qi)
                               if toks[k].lower in prev.cue_text.split()), default=-1)
                if cue_end >= 0 and all(t.lower in GLUE for t in toks[cue_end + 1:item.m.qi]):
                    donors = [prev]
            if donors:
                item.category = donors[0].category
                item.cue_text = donors[0].cue_text
                item.inherited = True


def _facility(toks: list[Token], vocab: Vocab) -> str | None:
    """"in Etah hospital": the place a toll was counted at, as a group name."""
    firsts = vocab.facilities.firsts
    for k in [k for k, t in enumerate(toks) if t.lower in firsts]:
        kind, used = _phrase(toks, k, vocab.facilities, 3)
        if not kind:
            continue
        name_start = k
        while name_start > 0 and toks[name_start - 1].text[:1].isupper() and (
                toks[name_start - 1].lower not in ("in", "at", "the")):
            name_start -= 1
        if name_start > 0 and toks[name_start - 1].lower in ("in", "at", "to", "the") and (
                name_start < k):
            return slug(" ".join(t.text for t in toks[name_start:k + used]))
    return None


def _descends(items: list[Item], n: int, ancestor: int) -> bool:
    seen = 0
    parent = items[n].parent
    while parent is not None and seen < len(items):
        if parent == ancestor:
            return True
        parent = items[parent].parent
        seen += 1
    return False


def _sum_parts(toks: list[Token], items: list[Item]) -> None:
    """Figures that add up exactly to a total stated before them are its parts."""
    for t_idx, total in enumerate(items):
        if total.m.value is None or total.category is None or total.m.implicit:
            continue
        start = t_idx + 1
        while start < len(items) and _descends(items, start, t_idx):
            start += 1
        run, acc = [], 0
        for n in range(start, len(items)):
            it = items[n]
            if it.m.value is None or it.parent is not None or it.m.implicit:
                break
            run.append(n)
            acc += it.m.value
            if acc >= total.m.value:
                break
        if len(run) >= 2 and acc == total.m.value:
            for n in run:
                part = items[n]
                part.parent = t_idx
                part.category = total.category
                part.cue_text = total.cue_text
                stop = items[n + 1].m.qi if n + 1 < len(items) else len(toks)
                words = [t.lower for t in toks[part.np_end:stop]
                         if t.kind == "word" and t.lower not in GLUE][:4]
                part.part_name = slug(" ".join(words)) or f"part_{n - start + 1}"


def figures(toks: list[Token], vocab: Vocab) -> list[Figure]:
    """The counts in one sentence's tokens, each with category, group and parent."""
    mentions = [m for m in find_mentions(toks, vocab) if m.not_count is None]
    items = [Item(m=m, np_end=m.j, after_of=m.qi > 0 and toks[m.qi - 1].lower == "of")
             for m in mentions]
    for item in items:
        _noun_phrase(toks, item, vocab)
    items = [it for it in items if it.head != "not_count"]
    _part_of_whole(toks, items)
    taken = {k for it in items for k in range(it.m.qi, it.np_end)}
    items += _implicit_items(toks, taken, vocab)
    items.sort(key=lambda it: it.m.i)
    _link(toks, items)
    _attach_cues(toks, items, vocab)
    for item in items:
        _choose(item)
    _status_groups(toks, items, vocab)
    facility = _facility(toks, vocab)
    for item in items:
        if facility and item.head == "body" and item.parent is None and (
                item.category in ("other", "killed")):
            item.category, item.cue_group = "killed", facility  # bodies at a hospital
    _inherit(toks, items)
    _sum_parts(toks, items)
    return _to_figures(toks, items, facility, vocab)


def _part_of_whole(toks: list[Token], items: list[Item]) -> None:
    """"12 of the 200 passengers were injured": the first figure counts the noun after the
    second and takes what is said of them; the second is the whole they are counted from,
    not a count of the injured (as in "Of the 200 passengers, 12 were injured")."""
    for part, whole in pairwise(items):
        j = part.m.j
        if (part.head == "none" and whole.m.qi == j + 2 and j + 1 < len(toks)
                and toks[j].lower == "of" and toks[j + 1].lower == "the"):
            part.head, part.group, part.np_words = whole.head, whole.group, list(whole.np_words)
            part.np_end, part.verb_after = whole.np_end, whole.verb_after
            whole.whole = True


def _said_after(item: Item) -> bool:
    """A cue after the figure ("a man was killed", "dozens were wounded")."""
    return any(follows and distance <= 4 for _, distance, follows in item.cues)


def _keep(item: Item, items: list[Item]) -> bool:
    if item.category is None:
        return False
    if item.m.vague:
        return not item.inherited and _said_after(item) and not item.after_of
    if item.m.implicit:
        if item.head == "kin":
            return False  # "their father" counts only inside a sum
        numeric_siblings = [o for o in items if o.chain == item.chain and not o.m.implicit]
        return bool(numeric_siblings) or (not item.inherited and _said_after(item))
    return True


def _subject_sum(toks: list[Token], items: list[Item], chain: list[int]) -> bool:
    """"a man and a woman were wounded": a bare list of people that a verb follows directly."""
    members = [items[n] for n in chain]
    if len(members) < 2 or not any(it.m.implicit for it in members):
        return False
    if any(it.parent is not None for it in members):
        return False
    first = members[0]
    if first.m.qi > 0 and toks[first.m.qi - 1].lower in {"including", "barring", "are", "were",
                                                         "among", "except", "besides"}:
        return False
    last = members[-1]
    return last.verb_after or (last.np_end < len(toks) and toks[last.np_end].lower in (
        {c for it in members for c in it.cue_text.split()}))


def _to_figures(toks: list[Token], items: list[Item], facility: str | None,
                vocab: Vocab) -> list[Figure]:
    out: list[Figure] = []
    index: dict[int, int] = {}
    chains: dict[int, list[int]] = {}
    for n, it in enumerate(items):
        chains.setdefault(it.chain, []).append(n)
    summed: set[int] = set()
    for members in chains.values():
        if _subject_sum(toks, items, members) and all(items[n].category for n in members):
            first, last = items[members[0]], items[members[-1]]
            total = sum(items[n].m.value or 0 for n in members)
            out.append(Figure(toks[first.m.qi].start, toks[last.np_end - 1].end, total, total,
                              total, "exact", last.category or "", "all", last.cue_text, None))
            summed.update(members)
    for n, it in enumerate(items):
        if n in summed or not _keep(it, items):
            continue
        group = _group(it, items, facility)
        parent = index.get(it.parent) if it.parent is not None else None
        if parent is not None and (out[parent].category != it.category or group == "all"):
            parent = None
        if parent is None and it.group in vocab.subgroups:
            totals = [p for p in chains[it.chain] if p != n and items[p].group is None
                      and items[p].category == it.category and not items[p].m.implicit]
            if len(totals) == 1 and totals[0] > n:
                parent = -1 - totals[0]  # resolved once the total is placed
        if parent is None and it.group in vocab.subgroups:
            parent = next((index[p] for p in range(n - 1, -1, -1) if p in index
                           and out[index[p]].group == "all"
                           and out[index[p]].category == it.category), None)
        index[n] = len(out)
        start = toks[it.m.qi].start
        end = toks[it.m.j - 1].end if not it.m.implicit else toks[it.np_end - 1].end
        out.append(Figure(start, end, it.m.value, it.m.low, it.m.high, it.m.qualifier,
                          it.category or "", group, it.cue_text, parent))
    for fig in out:
        if fig.parent is not None and fig.parent < 0:
            fig.parent = index.get(-1 - fig.parent)
    return out


def _group(it: Item, items: list[Item], facility: str | None) -> str:
    if it.part_name and not it.group:
        return it.part_name
    if it.cue_group and not it.inherited:
        return it.cue_group
    if it.group:
        return it.group
    if it.status_group:
        return it.status_group
    if facility and it.parent is None and (it.head == "body" or it.category in ("killed",
                                                                                  "injured")):
        return facility
    return "all"
