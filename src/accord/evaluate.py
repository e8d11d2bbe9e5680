"""Evaluate: compare extracted claims with a gold file of every figure each document states.

A gold row and a claim match on document, figure (value, or low-high for a range), category
and group. Groups that name a place or a free-form subgroup ("etah_hospital",
"bodies_examined_men") only say the figure is a part of a total, so such a gold group matches
any claim group other than ``all``. Each gold row and each claim is counted once.
Event separation asks whether claims of one gold event share a predicted event and claims of
different gold events do not (pairwise precision and recall over matched claims).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.model import Claim

STANDARD_GROUPS = {"all", "women", "children", "elderly", "men", "foreigners"}
UNRELATED = {"unrelated", "none", ""}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    false_negatives: list[dict[str, Any]] = field(default_factory=list)
    separation_precision: float = 1.0
    separation_recall: float = 1.0
    unrelated_claimed: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "event_separation": {"precision": round(self.separation_precision, 4),
                                     "recall": round(self.separation_recall, 4)},
                "unrelated_claimed": self.unrelated_claimed,
                "false_positives": self.false_positives,
                "false_negatives": self.false_negatives}


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read gold file: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}#{number}: not a JSON line: {exc}") from exc
        missing = {"doc", "category", "group"} - set(row)
        if missing:
            raise InputError(f"{path}#{number}: missing keys {sorted(missing)}")
        rows.append(row)
    return rows


def _figure(row: dict[str, Any] | Claim) -> tuple[Any, Any, Any]:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    if get("value") is not None:
        return ("v", get("value"), None)
    return ("r", get("low"), get("high"))


def _group_matches(gold: str, claim: str) -> bool:
    return gold == claim or (gold not in STANDARD_GROUPS and claim != "all")


def _key(x: dict[str, Any] | Claim) -> tuple[Any, ...]:
    get = x.get if isinstance(x, dict) else lambda k: getattr(x, k)
    return (get("doc"), _figure(x), get("category"))


def evaluate(claims: Sequence[Claim], gold_rows: list[dict[str, Any]]) -> Score:
    """Precision, recall and F1 of ``claims`` against gold rows (see the module docstring)."""
    score = Score()
    docs = {r["doc"] for r in gold_rows}
    related = [r for r in gold_rows if r.get("event") not in UNRELATED]
    unrelated = [r for r in gold_rows if r.get("event") in UNRELATED]
    gold: list[dict[str, Any]] = []
    seen = set()
    for r in related:
        k = (*_key(r), r["group"])
        if k not in seen:
            seen.add(k)
            gold.append(r)
    preds: list[Claim] = []
    seen_pred = set()
    for c in claims:
        if c.doc not in docs:
            continue
        k = (*_key(c), c.group)
        if k not in seen_pred:
            seen_pred.add(k)
            preds.append(c)
    matched_gold: set[int] = set()
    pairs: list[tuple[dict[str, Any], Claim]] = []
    for c in sorted(preds, key=lambda c: c.group == "all"):
        hit = next((i for i, r in enumerate(gold) if i not in matched_gold
                    and _key(r) == _key(c) and _group_matches(r["group"], c.group)), None)
        if hit is None:
            score.fp += 1
            score.false_positives.append({"doc": c.doc, "category": c.category,
                                          "group": c.group, "stated": c.stated,
                                          "text": c.text[:160]})
            if any(_key(r) == _key(c) for r in unrelated):
                score.unrelated_claimed += 1
        else:
            matched_gold.add(hit)
            score.tp += 1
            pairs.append((gold[hit], c))
    for i, r in enumerate(gold):
        if i not in matched_gold:
            score.fn += 1
            score.false_negatives.append({k: r.get(k) for k in
                                          ("doc", "category", "group", "value", "low", "high",
                                           "evidence")})
    same_both = same_gold = same_pred = 0
    for (g1, c1), (g2, c2) in combinations(pairs, 2):
        sg, sp = g1.get("event") == g2.get("event"), c1.event == c2.event
        same_gold += sg
        same_pred += sp
        same_both += sg and sp
    score.separation_precision = same_both / same_pred if same_pred else 1.0
    score.separation_recall = same_both / same_gold if same_gold else 1.0
    return score
