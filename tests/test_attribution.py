"""Attribution, quoted statements and entity variants, on texts of our own."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.extract.attribution import find_attributions
from accord.extract.entities import (
    NameIndex,
    Occurrences,
    _word_skeletons,
    cluster,
    entity_variants,
    names_of,
    skeleton,
)
from accord.ingest import text_document
from accord.model import Document
from accord.pipeline import analyse, run
from accord.vocab import Vocab


@pytest.mark.parametrize(("sentence", "source"), [
    ("Nine people died, according to the regional health ministry.",
     "the regional health ministry"),
    ("Twelve were injured, police said.", "police"),
    ("At least 30 died, said Amina Yusuf, a spokeswoman for the Red Crescent.",
     "Amina Yusuf, a spokeswoman for the Red Crescent"),
    ("Governor Lee told reporters that 14 homes burned.", "Governor Lee"),
    ("The Red Cross released a statement on the 40 missing.", "The Red Cross"),
    ("The UN Human Rights Office report says 300 civilians died.", "UN Human Rights Office"),
    ("The attack was described by Amnesty International as a war crime.",
     "Amnesty International"),
    ("The deaths were recorded by the district coroner.", "the district coroner"),
])
def test_sources(sentence: str, source: str, vocab: Vocab) -> None:
    assert [a.source for a in find_attributions(sentence, vocab)] == [source]


@pytest.mark.parametrize("sentence", [
    "Many states have recognised the massacre.", "He said nothing.",
    "Media reports (The Times, The Guardian) covered it.",
])
def test_no_source(sentence: str, vocab: Vocab) -> None:
    assert find_attributions(sentence, vocab) == []


def test_claim_sources_and_paragraph_scope(vocab: Vocab) -> None:
    text = ("The Hill Monitoring Group report on the raid says that 45 villagers were killed.\n"
            "The report notes that 12 children were among the dead.\n"
            "Our correspondent counted 20 injured.\n"
            "\"We buried 45 people in two days,\" said Imam Karim Haddad.\n")
    result = analyse([text_document("a.txt", text)], vocab)
    sources = {(c.value, c.category): c.source for c in result.claims}
    assert sources[(45, "killed")] == "Hill Monitoring Group"
    assert sources[(12, "killed")] == "Hill Monitoring Group"
    assert sources[(20, "injured")] is None
    quote = next(s for s in result.statements if s["kind"] == "quote")
    assert quote["speaker"] == "Imam Karim Haddad"
    assert text[quote["start"]:quote["end"]] == "We buried 45 people in two days,"


def test_a_report_carries_through_the_account_that_follows_it(vocab: Vocab) -> None:
    text = ("The Valley Rights Group report on the raid says that 300 people lived there.\n"
            "The report notes that soldiers arrived at dawn.\n"
            "Advertisement: subscribe now\n"
            "By noon about 40 residents had fled to the hills.\n"
            "The army has declined to comment on the 12 missing.\n"
            "Another 9 people were injured in a later raid.\n")
    result = analyse([text_document("a.txt", text)], vocab)
    sources = {c.stated: c.source for c in result.claims}
    assert sources["300"] == sources["about 40"] == "Valley Rights Group"
    assert sources["12"] is None and sources["9"] is None  # present tense ends the account
    other = ("The Valley Rights Group report says that 300 people lived there.\n"
             "By noon 40 residents had fled, police said.\n"
             "Later 9 people were injured.\n")
    result = analyse([text_document("b.txt", other)], vocab)
    sources = {c.stated: c.source for c in result.claims}
    assert sources["40"] == "police" and sources["9"] is None  # a new voice ends it


def test_skeleton_and_clusters() -> None:
    assert skeleton("Khojaly") == skeleton("Khojali") == skeleton("Khojlay")
    assert skeleton("Aghdam") == skeleton("Agdam")
    forms = {name: [{"doc": "d", "start": 0, "end": 1}] * n for name, n in [
        ("Srebrenica", 5), ("Srebrenitsa", 1), ("Bosnia", 4), ("Bosnian", 3), ("Tuzla", 2),
        ("Tusla", 1), ("Torture", 1), ("Tartar", 1)]}
    got = [[f["form"] for f in c["forms"]] for c in cluster(forms)]
    assert ["Srebrenica", "Srebrenitsa"] in got and ["Tuzla", "Tusla"] in got
    assert not any("Bosnian" in g and "Bosnia" in g for g in got)
    assert not any("Torture" in g for g in got)


def test_seed_corpus_attributions_and_entities(khojaly: Path, tmp_path: Path) -> None:
    result = run([str(khojaly)], tmp_path / "accord.db")
    by_doc = {(s["doc"][:3], s.get("source")) for s in result.statements
              if s["kind"] == "attribution"}
    assert ("004", "Memorial Human Rights Center") in by_doc
    assert ("003", "the Human Rights Watch") in by_doc
    assert ("002", "the British journalist Thomas de Waal") in by_doc
    assert any(d == "002" and "Ministry of Foreign Affairs" in (s or "") for d, s in by_doc)
    memorial = [c for c in result.claims if c.source == "Memorial Human Rights Center"]
    assert [(c.low, c.high) for c in memorial] == [(2000, 4000), (200, 300)]
    carried = next(a for s in result.statements if s["kind"] == "attribution"
                   and s["doc"].startswith("004") and s.get("scope") == "carried"
                   for a in [s])
    assert "carried into the paragraphs" in carried["method"]
    clusters = [{f["form"] for f in c["forms"]} for c in result.entities]
    for want in ({"Khojaly", "Khojali", "Khojlay"}, {"Agdam", "Aghdam"}, {"Ganja", "Janja"},
                 {"Terter", "Tartar"}, {"Thomas de Waal", "Thomas Diwal"},
                 {"Garadagli", "Garadaghli"}, {"Armenia", "Armina"},
                 {"Serzh Sargsyan", "Shearer Sergean"}):
        assert want in clusters, want


def _docs(*texts: str) -> list[Document]:
    return [text_document(f"d{n}.txt", t) for n, t in enumerate(texts)]


def test_garbled_names_join_on_context_and_say_why(vocab: Vocab) -> None:
    docs = _docs(
        "The former defence minister Radovan Karadzic said the siege of the city was over.",
        "Yevgeny Prigozhin, the founder of the mercenary group, spoke on Friday.",
        "Once defence minister, President Rodovan Karadich told the city its siege was over.",
        "Evgeni Prigojin, founder of a mercenary group, was reported dead.")
    got = {frozenset(f["form"] for f in c["forms"]): c["method"]
           for c in entity_variants(docs, vocab)}
    karadzic = got[frozenset({"Radovan Karadzic", "Rodovan Karadich"})]
    assert "shared context" in karadzic and "defence" in karadzic and "siege" in karadzic
    assert frozenset({"Yevgeny Prigozhin", "Evgeni Prigojin"}) in got


def test_lazy_occurrences_read_as_the_eager_ones(vocab: Vocab) -> None:
    """A finish's entity process keeps occurrences as rows of its name index until written:
    read, they must be the tuples an eager run makes, in the same order."""
    docs = _docs(
        "The former defence minister Radovan Karadzic said the siege of Khojaly was over.",
        "Once defence minister, President Rodovan Karadich told Khojali its siege was over.",
        "In Khojaly and in Khodjaly, Radovan Karadzic spoke twice; Khojali listened.")
    index = NameIndex.of(docs, vocab)
    texts = {d.id: d.text for d in docs}
    eager = entity_variants(index, vocab, texts.__getitem__)
    lazy = entity_variants(index, vocab, texts.__getitem__, lazy=True)
    assert len(eager) >= 2 and len(lazy) == len(eager)
    for e, z in zip(eager, lazy, strict=True):
        assert {k: v for k, v in e.items() if k != "forms"} == \
            {k: v for k, v in z.items() if k != "forms"}
        for fe, fz in zip(e["forms"], z["forms"], strict=True):
            assert isinstance(fz["occurrences"], Occurrences)
            assert fe["count"] == fz["count"] == len(fz["occurrences"])
            assert list(fz["occurrences"]) == fe["occurrences"]
            assert fz["occurrences"][-1] == fe["occurrences"][-1]
            assert fz["occurrences"][1:] == fe["occurrences"][1:]
            doc, start, end = fz["occurrences"][0]
            assert texts[doc][start:end] == fe["form"]


def test_similar_names_stay_apart_without_shared_context_or_in_one_text(vocab: Vocab) -> None:
    same_text = _docs("Jane Smith, a nurse, and John Smith, her husband, were injured.")
    apart = _docs("Jane Smith, a teacher from the north, won the award.",
                  "John Smith was arrested after the march in the capital.")
    for docs in (same_text, apart):
        assert not any({"Jane Smith", "John Smith"} <= {f["form"] for f in c["forms"]}
                       for c in entity_variants(docs, vocab))
        # as a finish reads them: the occurrences as rows of a name index, not tuples
        texts = {d.id: d.text for d in docs}
        assert not any({"Jane Smith", "John Smith"} <= {f["form"] for f in c["forms"]}
                       for c in entity_variants(NameIndex.of(docs, vocab), vocab,
                                                texts.__getitem__, lazy=True))


def test_close_words_by_index_equal_every_pair_compared() -> None:
    """The deletion index must find every pair a full comparison finds, and no other."""
    import random

    from rapidfuzz import fuzz

    from accord.extract.entities import MIN_WORD_SKELETON, close_words

    rng = random.Random(3)
    words = {rng.choice("ksv") + "".join(rng.choices("krmtlsnd", k=rng.randint(1, 9)))
             for _ in range(400)}
    found = close_words(words)
    for a in words:
        assert found[a] == {b for b in words if fuzz.ratio(a, b) >= MIN_WORD_SKELETON}


def test_forms_numbered_first_then_recorded_give_the_same_clusters(vocab: Vocab) -> None:
    """A finish's entity process numbers the forms in a first pass and records only the
    occurrences its clusters need in a second: the same clusters as one pass keeping every
    occurrence, and fewer occurrences held."""
    docs = _docs(
        "The former defence minister Radovan Karadzic said the siege of Khojaly was over.",
        "Once defence minister, President Rodovan Karadich told Khojali its siege was over.",
        "In Khojaly and in Khodjaly, Radovan Karadzic spoke twice; Khojali listened.",
        "Ann Lee met Bo Wu in Baku, where Mary Stone and Peter Hall live.")
    texts = {d.id: d.text for d in docs}
    whole = NameIndex.of(docs, vocab)
    for lazy in (False, True):
        numbered = NameIndex(occurrences=False)
        for doc in docs:
            numbered.add(doc, vocab)
        assert not numbered.forms and set(numbered.number) == set(whole.number)
        two_pass = entity_variants(numbered, vocab, texts.__getitem__, lazy,
                                   again=lambda: iter(docs))
        one_pass = entity_variants(whole, vocab, texts.__getitem__, lazy)
        assert len(two_pass) >= 2
        assert [[(f["form"], f["count"], list(f["occurrences"])) for f in c["forms"]]
                for c in two_pass] == \
            [[(f["form"], f["count"], list(f["occurrences"])) for f in c["forms"]]
             for c in one_pass]
        assert [c["method"] for c in two_pass] == [c["method"] for c in one_pass]
        assert numbered.doc_ids == whole.doc_ids
        assert 0 < len(numbered.forms) < len(whole.forms)  # Ann Lee, Bo Wu...: not kept
    with pytest.raises(ValueError, match="documents again"):
        entity_variants(NameIndex(occurrences=False), vocab, texts.__getitem__)


def _alike_by_definition(forms: list[str]) -> tuple[set[tuple[str, str]], set[str]]:
    """What _spelled_alike's docstring says it finds, by comparing every two shapes; and
    the forms left out for their many look-alikes."""
    from rapidfuzz import fuzz

    from accord.extract.entities import MAX_LOOKALIKES, MIN_WORD_SKELETON, _derived

    shapes: dict[tuple[str, ...], list[str]] = {}
    for f in forms:
        shapes.setdefault(tuple(_word_skeletons(f)), []).append(f)

    def close(a: str, b: str) -> bool:
        return fuzz.ratio(a, b) >= MIN_WORD_SKELETON

    pairs, crowded = set(), set()
    for shape in shapes:
        alike = [o for o in shapes if len(o) == len(shape)]
        fewest = min(sum(close(w, o[i]) for o in alike) for i, w in enumerate(shape))
        if fewest > MAX_LOOKALIKES:
            crowded.update(shapes[shape])
            continue
        for other in alike:
            if (other >= shape and other[-1][:1] == shape[-1][:1]
                    and all(close(a, b) for a, b in zip(shape, other, strict=True))):
                pairs |= {(fa, fb) for fa in shapes[shape] for fb in shapes[other]
                          if fa != fb and not any(_derived(x, y) for x, y in
                                                  zip(fa.split(), fb.split(), strict=False))}
    return pairs, crowded


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spelled_alike_finds_what_comparing_every_pair_finds(seed: int) -> None:
    """The shapes as integer matrices, close words as one flat array: the same pairs as
    comparing every two shapes, a name with too many look-alikes left out (which these
    forms, from a few letters, make happen) and one with few kept."""
    import random

    from accord.extract.entities import MAX_LOOKALIKES, _spelled_alike

    rng = random.Random(seed)

    def word() -> str:
        return (rng.choice("KSTBD") + "".join(rng.choices("aeiourtlmnsh", k=rng.randint(2, 7))))

    forms = sorted({" ".join(word() for _ in range(rng.choice((2, 2, 3, 4))))
                    for _ in range(700)})

    def mutant(base: str) -> str:  # one letter changed: close to the base, not to each other
        k = rng.randrange(1, len(base))
        return base[:k] + rng.choice("bdfgkp") + base[k + 1:]

    # a name with more look-alikes than the limit at every word, each look-alike fewer
    crowd = {f"{mutant('Brmtlnd')} {mutant('Grvnmrt')}" for _ in range(4 * MAX_LOOKALIKES)}
    forms = sorted({*forms, *(f + "s" for f in forms[:40]), "Brmtlnd Grvnmrt", *crowd,
                    *(f.replace("a", "ah", 1) for f in forms[::7])})  # distinct, as a corpus's
    found = _spelled_alike(forms)
    expected, crowded = _alike_by_definition(forms)
    assert len(found) == len(set(found))
    assert set(found) == expected
    assert any({a, b} & crowd for a, b in found)  # some pairs: the test compares something
    assert "Brmtlnd Grvnmrt" in crowded  # the limit bites


def test_a_name_index_reads_back_each_documents_occurrences(vocab: Vocab) -> None:
    """A name index holds a document's occurrences together, as a start and a length: a
    document without names between others, and a name longer than 16 bits count, read back
    as names_of gave them, eagerly and lazily."""
    long = "Ab" + "c" * 70_000
    docs = _docs("Ann Lee met Bo Wu in Baku.", "nothing here at all.",
                 f"Yesterday President {long} Smith told Ann Lee so.", "none either.")
    index = NameIndex.of(docs, vocab)
    expected: dict[str, list[tuple[str, int, int]]] = {}
    for doc in docs:
        for form, start, end in names_of(doc, vocab):
            expected.setdefault(form, []).append((doc.id, start, end))
    assert any(end - start > 2 ** 16 for found in expected.values() for _, start, end in found)
    assert index.lengths.typecode == "i"  # widened for it
    assert index.occurrences(set(expected)) == expected
    lazy = index.occurrences(set(expected), lazy=True)
    assert {form: list(found) for form, found in lazy.items()} == expected
    assert [list(found)[-1] for found in lazy.values()] == \
        [found[-1] for found in expected.values()]


def _same_skeleton_by_dict(names: list[str]) -> list[list[str]]:
    """The names sharing a skeleton as spelling_groups found them before it went through
    sorted hashes: a dict of a list per skeleton (the reference)."""
    from collections import defaultdict

    from accord.extract.entities import MIN_SKELETON, skeleton

    by_key: dict[str, list[str]] = defaultdict(list)
    for n in names:
        if len(skeleton(n)) >= MIN_SKELETON:
            by_key[skeleton(n)].append(n)
    return [group for group in by_key.values() if len(group) >= 2]


@settings(max_examples=200, deadline=None)
@given(forms=st.lists(st.sampled_from([
    "Khojaly", "Khojali", "Xocali", "Khojalу", "Hojaly", "Khodjaly", "Armenia", "Armina",
    "Armenian", "Aghdam", "Agdam", "Ali", "Aly", "Srebrenica", "Srebrenitsa", "Tuzla",
    "Tusla", "Tuzlla", "Ivan Petrov", "Iwan Petrow", "Ivan Petrovs", "Al", "Ed"]),
    unique=True), seed=st.integers(0, 2 ** 62 - 1))
def test_spelling_groups_found_through_hashes_are_those_a_dict_finds(forms: list[str],
                                                                     seed: int) -> None:
    """Grouping by sorted skeleton hashes finds the names sharing a skeleton, in the order,
    that a dict of every skeleton found, also when every skeleton's hash is the same
    (collisions are split by the skeletons themselves); the spelling groups join only
    names of one skeleton, and the same whatever the hashes."""
    from accord.extract import entities

    names = sorted(forms)
    expected = _same_skeleton_by_dict(names)
    assert entities._same_skeleton(names) == expected
    groups = entities.spelling_groups(forms)
    assert all(any(set(g) <= set(e) for e in expected) for g in groups)
    if {"Khojaly", "Khojali"} <= set(forms):
        assert any({"Khojaly", "Khojali"} <= set(g) for g in groups)
    real = entities._skeleton_hash
    entities._skeleton_hash = (  # type: ignore[assignment]  # every hash the same
        lambda name: seed if len(entities.skeleton(name)) >= entities.MIN_SKELETON
        else entities.SHORT_SKELETON)
    try:
        assert entities._same_skeleton(names) == expected
        assert entities.spelling_groups(forms) == groups
    finally:
        entities._skeleton_hash = real  # type: ignore[assignment]
