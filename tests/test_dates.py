"""Dates, publication metadata, chronology: texts of our own, misses included."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.extract.dates import find_dates, text_metadata
from accord.ingest import ingest, text_document
from accord.model import Result
from accord.pipeline import analyse, run
from accord.vocab import Vocab


@pytest.mark.parametrize(("text", "value"), [
    ("The quake struck on 6 February 2023 at dawn.", "2023-02-06"),
    ("Fighting raged on the night of 13-14 March 2015.", "2015-03-13/2015-03-14"),
    ("The siege began on March 3, 2011, officials said.", "2011-03-03"),
    ("Between 9 and 11 July 1995 the town fell.", "1995-07-09/1995-07-11"),
    ("The flood of August 2002 displaced thousands.", "2002-08"),
    ("Kabul, May 4: the blast killed six.", "--05-04"),
])
def test_dates_in_text(text: str, value: str) -> None:
    assert [d.value for d in find_dates(text)] == [value]


@pytest.mark.parametrize("text", [
    "Some 2000 people marched.", "The helpline runs 24/7.", "Cases rose in the 1990s.",
    "It marks the 10th anniversary of the flood.", "He scored 1995 points.",
])
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_relative_dates_are_anchored_on_publication() -> None:
    text = "The bridge collapsed on Tuesday; last year a similar crash killed four."
    got = {d.text: d for d in find_dates(text, "2024-07-04")}
    assert got["on Tuesday"].value == "2024-07-02" and got["on Tuesday"].relative
    assert got["last year"].value == "2023"
    assert "anchored on publication date 2024-07-04" in got["last year"].method
    unanchored = find_dates(text, None)
    assert all(d.value == "" for d in unanchored if d.relative)


def test_counted_relative_dates_go_through_dateparser() -> None:
    text = "The dam broke three weeks ago; yesterday the toll rose, 29 years ago a flood hit."
    got = {d.text: d.value for d in find_dates(text, "2024-03-04")}
    assert got == {"three weeks ago": "2024-02-12", "yesterday": "2024-03-03",
                   "29 years ago": "1995"}


def test_metadata_from_the_text(vocab: Vocab) -> None:
    text = ("Kyiv, 12 March 2024 (Ukrinform): At least 11 people were killed overnight.\n"
            "By: Olena Petrenko, Correspondent\n"
            "Rescuers worked through the night.\n"
            "Ukrinform News Agency (UKR)\n")
    doc = analyse([text_document("a.txt", text)], vocab).documents[0]
    assert doc.published == "2024-03-12" and doc.publisher == "Ukrinform"
    meta = doc.meta["metadata"]
    assert meta["published"]["method"] == "dateline"
    assert text[meta["published"]["start"]:meta["published"]["end"]] == "12 March 2024"
    assert meta["author"]["value"] == "Olena Petrenko"
    assert meta["author"]["role"] == "Correspondent"


def test_recorded_metadata_wins_and_the_text_is_kept(vocab: Vocab) -> None:
    doc = text_document("a.txt", "Lagos, 3 June 2021 (NAN): Nine people died.",
                        publisher="Daily Trust", published="2021-06-04")
    analyse([doc], vocab)
    assert (doc.publisher, doc.published) == ("Daily Trust", "2021-06-04")
    assert doc.meta["metadata"]["publisher_in_text"]["value"] == "NAN"


CORPUS = {
    "early.txt": ("Mosul, 10 July 2017 (Agency): The battle for the old city killed at least "
                  "900 civilians, monitors said. The fighting began on 17 October 2016."),
    "later.txt": ("Baghdad, 20 July 2018 (Wire): A year on, monitors said at least 1,400 "
                  "civilians were killed in the battle, which began on 17 October 2016."),
    "typo.txt": ("The battle for Mosul, which began on 17 October 2006, killed many civilians. "
                 "The 2nd anniversary of the battle that began on 17 October 2016 falls in 2018."
                 "\nMosul, 17 October 2018 (Desk): The battle marks its 2nd anniversary today."),
    "undated.txt": "Monitors said 1,100 civilians were killed in the battle for Mosul.",
    "anniversary.txt": "Mosul remembers: the 5th anniversary of the battle for Mosul.",
}


@pytest.fixture(scope="module")
def mosul(tmp_path_factory: pytest.TempPathFactory) -> Result:
    folder = tmp_path_factory.mktemp("mosul")
    for name, text in CORPUS.items():
        (folder / name).write_text(text, "utf-8")
    return run([str(folder)], folder / "accord.db")


def _mosul_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mosul"
    folder.mkdir()
    for name, text in CORPUS.items():
        (folder / name).write_text(text, "utf-8")
    return folder


def _stored_dates(db: Path) -> tuple[object, ...]:
    from accord.store import Store

    with Store(db) as store:
        whole = store.result()
        records = store.date_records([d.id for d in whole.documents])
    return ([(d.id, d.published, d.meta) for d in whole.documents], whole.events, records,
            sorted((a.kind, a.doc, a.detail, tuple(a.claims)) for a in whole.anomalies),
            [(f.event, f.category, f.group, f.status, f.best, f.low, f.high)
             for f in whole.facts])


def test_a_finish_routes_and_dates_in_a_process_of_its_own_with_one_process_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A finish with workers (and its entities in a process of their own) reads the places,
    routes the events and dates them in a forked process, so that what these stages let go
    never enters its heap. What they find is what one process finds: the year inferred
    from an anniversary is set on the documents the later stages read, not only stored."""
    import os

    from accord import pipeline

    folder = _mosul_folder(tmp_path)
    dated_in = tmp_path / "dated_in"
    real = pipeline.date_event

    def recording(*args: object, **kwargs: object) -> object:
        with dated_in.open("a") as out:  # the forked process's list would not come back
            out.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "date_event", recording)
    found = {}
    for workers in (1, 2):
        dated_in.write_text("")
        result = run([str(folder)], tmp_path / f"{workers}.db", workers=workers, texts=False)
        published = {d.id: d.published for d in result.documents}  # as the stages held them
        assert published["anniversary.txt"] == "2021"
        assert published["undated.txt"] is None
        pids = set(dated_in.read_text().split())
        assert pids and (pids == {str(os.getpid())}) == (workers == 1)
        found[workers] = _stored_dates(tmp_path / f"{workers}.db")
    assert found[1] == found[2]
    assert any(e["dates"] for e in found[2][1])  # type: ignore[union-attr, index]


@pytest.mark.parametrize("where", ["the forked process", "the finish"])
def test_a_failure_while_the_events_are_dated_ends_the_finish_and_its_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """The forked stage's error is raised in the finish; an error in the finish while it
    takes the stage's results in ends the process there and then (it is still dating the
    next event); the stored results stay as they were."""
    import multiprocessing
    import time

    from accord import pipeline
    from accord.store import Store
    from accord.vocab import load_vocab

    db = tmp_path / "accord.db"
    folder = _mosul_folder(tmp_path)
    (folder / "aleppo.txt").write_text("Aleppo, 3 March 2012 (Agency): Shelling killed 20 "
                                       "people in the old city on 2 March 2012.", "utf-8")
    run([str(folder)], db)
    before = _stored_dates(db)
    assert sum(1 for e in before[1] if e["dates"]) >= 2  # type: ignore[union-attr, index]
    real = pipeline.date_event
    dated: list[str] = []

    def failing(*args: object, **kwargs: object) -> object:
        raise OSError("the calendar is gone")

    def slow(*args: object, **kwargs: object) -> object:
        dated.append("event")  # in the forked process: its own list
        if len(dated) > 1:  # still at work when the finish fails on the first event's
            time.sleep(3)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    if where == "the finish":
        monkeypatch.setattr(Store, "stage_date_records", failing)
        monkeypatch.setattr(pipeline, "date_event", slow)
    else:
        monkeypatch.setattr(pipeline, "date_event", failing)
    with Store(db) as store, pytest.raises(OSError, match="the calendar is gone"):
        pipeline.finish(store, load_vocab(), workers=2)
    assert not multiprocessing.active_children()
    assert _stored_dates(db) == before


def test_inferred_year_from_anniversary(mosul: Result) -> None:
    docs = {d.id: d for d in mosul.documents}
    meta = docs["anniversary.txt"].meta["metadata"]["published"]
    assert docs["anniversary.txt"].published == "2021" and meta["inferred"] is True
    assert docs["undated.txt"].published is None
    # dates are read with part of the metadata; the store rewrites all of it
    assert {"names", "places", "dates", "attributions", "years"} <= set(
        docs["anniversary.txt"].meta)


def test_date_contradiction(mosul: Result) -> None:
    found = [a for a in mosul.anomalies if a.kind == "date_contradiction"]
    assert [a.doc for a in found] == ["typo.txt"]
    assert "17 October 2006" in found[0].detail
    event = next(e for e in mosul.events if e["main"])
    assert event["year"] == 2016 and event["dates"][0]["value"] == "2016-10-17"


def test_grows_over_time_and_undated(mosul: Result) -> None:
    killed = next(f for f in mosul.facts if f.category == "killed" and f.group == "all")
    assert killed.status == "conflict"  # 1,100 (undated) does not fit the latest 1,400
    assert killed.undated == ["undated.txt"]
    assert [t.published for t in killed.timeline] == ["2017-07-10", "2018-07-20"]


def test_grows_over_time_when_undated_fits(tmp_path: Path, vocab: Vocab) -> None:
    docs = [text_document("a.txt", "At least 900 civilians were killed.", published="2017-07"),
            text_document("b.txt", "At least 1,400 civilians were killed.", published="2018-07"),
            text_document("c.txt", "At least 1,400 civilians were killed in all.")]
    killed = next(f for f in analyse(docs, vocab).facts if f.category == "killed")
    assert killed.status == "agree"  # open-ended lower bounds never conflict
    exact = [text_document("a.txt", "Officials said 17 states adopted resolutions.",
                           published="2021-02-26"),
             text_document("b.txt", "Officials said 18 states adopted resolutions.",
                           published="2023-02-26")]
    fact = next(f for f in analyse(exact, vocab).facts if f.category == "recognition")
    assert fact.status == "grows_over_time"
    assert [t.value for t in fact.timeline] == [17, 18]


def test_seed_corpus_metadata_and_chronology(khojaly: Path, tmp_path: Path) -> None:
    import json

    result = run([str(khojaly)], tmp_path / "accord.db")
    expected = json.loads((khojaly / "expected.json").read_text("utf-8"))
    docs = {d.id: d for d in result.documents}
    for doc_id, want in expected["documents"].items():
        assert docs[doc_id].published == want["published"], doc_id
        publisher = docs[doc_id].publisher
        assert (publisher and publisher.replace("\u2019", "'")) == want["publisher"], doc_id
    countries = next(f for f in result.facts if f.group == "countries")
    assert countries.status == "grows_over_time"
    contradiction = [a for a in result.anomalies if a.kind == "date_contradiction"]
    assert [a.doc for a in contradiction] == ["002_73aa8233258ea768.txt"]
    assert "1983" in contradiction[0].detail


def test_manifest_supplies_recorded_dates(hathras: Path) -> None:
    batch = ingest([str(hathras)])
    docs = {d.id: d for d in batch.documents}
    assert docs["000_zeenews.txt"].published == "2024-07-02"
    assert docs["006_amutv.txt"].published is None  # the manifest records no date: none made up
    assert docs["000_zeenews.txt"].meta["metadata"]["published"]["method"].startswith("manifest")


def test_offsets_hold_when_lower_casing_changes_length() -> None:
    text = "\u0130STANBUL \u0130\u0130: the fire started yesterday and on 3 March 2024."
    got = {d.text: d for d in find_dates(text, "2024-03-05")}
    assert got["yesterday"].value == "2024-03-04"
    assert text[got["yesterday"].start:got["yesterday"].end] == "yesterday"
    assert got["3 March 2024"].value == "2024-03-03"


def test_rising_counts_sweep_matches_all_pairs() -> None:
    import random

    from accord.chronology import Period, _point, rise
    from accord.model import Claim

    rng = random.Random(9)
    for _ in range(300):
        dated = []
        for n in range(rng.randint(1, 7)):
            day = f"2024-07-{rng.randint(1, 6):02d}"
            period = Period.parse(day if rng.random() < 0.8 else day[:7])
            assert period is not None
            value = rng.choice([100, 116, 121, 121, 130])
            dated.append((period, Claim(id=f"c{n}", doc=f"d{n}", event="e", category="killed",
                                        group="all", value=value, low=value, high=value,
                                        qualifier="exact", start=0, end=1, text="",
                                        figure_start=0, figure_end=1, stated="")))
        pairs = [(a, b) for a in dated for b in dated if a[0].before(b[0])]
        falls = any(_point(a[1]) > _point(b[1]) for a, b in pairs)
        increase = any(_point(a[1]) < _point(b[1]) for a, b in pairs)
        assert rise(dated) == ("falls" if falls else "rises" if increase else "flat")


@pytest.mark.parametrize(("text", "published"), [
    ("February 26, 2021 marks the 29th anniversary of the massacre.", "2021-02-26"),
    ("Feb. 26, 2021 marks the 29th anniversary of the massacre.", "2021-02-26"),
    ("Today, 3 March 2020, marks the 26th anniversary of the flood of 3 March 1994.",
     "2020-03-03"),
    ("March 1, 2022 will mark the 30th anniversary of the siege.", "2022"),
    # the event's own date, after the anniversary or in another sentence: not the text's
    ("Riverton marks the 26th anniversary of the flood. Floodwaters swept through Riverton "
     "on 3 March 1994, killing 214 people.", None),
    ("On 3 March 1994 the river burst its banks. Today marks its 26th anniversary.", None),
    ("The 2nd anniversary of the battle that began on 17 October 2016 falls in 2018.", None),
])
def test_a_text_dated_by_its_anniversary_sentence(text: str, published: str | None) -> None:
    """"<date> marks the Nth anniversary" dates the text; a date the anniversary's sentence
    gives after it, or another sentence gives, is the event's, not the publication's."""
    found = text_metadata(text_document("a.txt", text)).get("published")
    assert (found["value"] if found else None) == published
