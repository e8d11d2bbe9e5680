"""The bundled corpora end to end: the gates of the core pipeline issue.

Pinned floors, not exact figures: the corpora are fixtures, and a rule that only fits them is
a defect, so these check what a correct reconciliation must show, as expected.json says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord.evaluate import evaluate, load_gold
from accord.model import Result
from accord.pipeline import run
from accord.reconcile import compatible

F1_FLOOR = 0.95
# Readings where accord and the gold differ on purpose, each with why. Kept short and visible:
# a rule added only to remove one of these would fit the fixture, not reports in general.
KNOWN_MISSES = {
    ("hostage", "all", "000_d81f6fe6f56a1bac.txt"):
        "'arrested and detained 1,275 civilians' is read as arrested; the gold reads hostage",
    ("orphaned", "lost_one_parent", "004_19ece03c8a006e98.txt"):
        "'25 children lost both parents and 130 parents' (garbled): 130 is read as orphaned/all",
}


@pytest.fixture(scope="module")
def khojaly_result(tmp_path_factory: pytest.TempPathFactory, khojaly: Path) -> Result:
    return run([str(khojaly)], tmp_path_factory.mktemp("k") / "accord.db")


@pytest.fixture(scope="module")
def hathras_result(tmp_path_factory: pytest.TempPathFactory, hathras: Path) -> Result:
    return run([str(hathras)], tmp_path_factory.mktemp("h") / "accord.db")


def test_khojaly_f1(khojaly_result: Result, khojaly: Path) -> None:
    score = evaluate(khojaly_result.claims, load_gold(khojaly / "gold.jsonl"))
    assert score.f1 >= F1_FLOOR, score.to_dict()
    assert score.separation_precision == 1.0 and score.separation_recall == 1.0
    assert score.unrelated_claimed == 0


def test_hathras_f1(hathras_result: Result, hathras: Path) -> None:
    score = evaluate(hathras_result.claims, load_gold(hathras / "gold.jsonl"))
    assert score.f1 >= F1_FLOOR, score.to_dict()


def test_no_claim_from_also_read_lines(khojaly_result: Result) -> None:
    docs = {d.id: d for d in khojaly_result.documents}
    for claim in khojaly_result.claims:
        line_start = docs[claim.doc].text.rfind("\n", 0, claim.start) + 1
        assert not docs[claim.doc].text[line_start:].lower().startswith("also read")
    assert 59 not in {c.value for c in khojaly_result.claims}


def test_twice_printed_body_counted_once(khojaly_result: Result) -> None:
    claims = [c for c in khojaly_result.claims if c.doc == "001_7b68217e28d426c6.txt"]
    assert [c.value for c in claims if c.category == "killed" and c.group == "all"] == [613, 100]


def test_expected_facts_found(khojaly_result: Result, khojaly: Path) -> None:
    expected = json.loads((khojaly / "expected.json").read_text("utf-8"))
    main = next(f.event for f in khojaly_result.facts if f.category == "killed")
    events = {e["event"]: e for e in expected["facts"]}
    other = {f.event for f in khojaly_result.facts} - {main}
    assert len(other) == 1  # the 2020 war, told apart from the 1992 event
    ids = {"khojaly-1992": main, next(e for e in events if e != "khojaly-1992"): other.pop()}
    facts = {(f.event, f.category, f.group): f for f in khojaly_result.facts}
    for want in expected["facts"]:
        fact = facts[(ids[want["event"]], want["category"], want["group"])]
        stated = {d for v in fact.values for d in v.docs}
        agree = {d for d in want["agree"]
                 if (want["category"], want["group"], d) not in KNOWN_MISSES}
        assert agree <= stated, want
        if want["consensus"] is not None:
            consensus = min((v for v in fact.values if v.value == want["consensus"]),
                            key=lambda v: v.qualifiers != ["exact"])
            holders = {d for v in fact.values if compatible(v, consensus) for d in v.docs}
            assert agree <= holders, want
        for also in want.get("also_stated", []):
            assert also["doc"] in stated, want


def test_expected_anomalies_found(khojaly_result: Result, khojaly: Path) -> None:
    expected = json.loads((khojaly / "expected.json").read_text("utf-8"))
    found = {(a.kind, a.doc, a.detail.split(":")[0]) for a in khojaly_result.anomalies}
    kinds = {(a.kind, a.doc) for a in khojaly_result.anomalies}
    for want in expected["anomalies"]:
        if want["kind"] == "date_contradiction":
            continue  # dates are a later issue
        assert (want["kind"], want["doc"]) in kinds, want
        if want["kind"] == "within_document_conflict":
            assert (want["kind"], want["doc"], want["detail"].split(":")[0]) in found, want


def test_expected_boilerplate_marked(khojaly_result: Result, khojaly: Path) -> None:
    expected = json.loads((khojaly / "expected.json").read_text("utf-8"))
    docs = {d.id: d for d in khojaly_result.documents}
    for want in expected["boilerplate"]:
        doc = docs[want["doc"]]
        starts = [doc.text[s.start:s.end] for s in doc.marked if s.kind == "boilerplate"]
        prefix = " ".join(want["line_starts"].split())
        assert any(" ".join(t.split()).startswith(prefix) for t in starts), want
