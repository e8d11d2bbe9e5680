"""Review: a person's decisions over the evidence table, exported beside what sources state.

A reviewer may mark a claim as wrong (with a note), set a fact's accepted value, or merge two
facts. Each decision is stored in its own table; the reviewed table is computed from the
facts and the decisions, so the sources' statements are never overwritten.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from accord.model import Result
from accord.present import safe_cell


def fact_key(event: str, category: str, group: str) -> str:
    return f"{event}/{category}/{group}"


def reviewed_table(result: Result, reviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per fact: what the sources state, and what the reviewer decided about it."""
    wrong = {r["target"]: r.get("note") or "" for r in reviews if r["kind"] == "claim_wrong"}
    accepted = {r["target"]: r for r in reviews if r["kind"] == "accept_value"}
    merged = {r["target"]: r["value"] for r in reviews if r["kind"] == "merge_facts"}
    rows = []
    for f in result.facts:
        key = fact_key(f.event, f.category, f.group)
        claims = [cid for v in f.values for cid in v.claims]
        kept = [v for v in f.values if any(cid not in wrong for cid in v.claims)]
        decision = accepted.get(key)
        rows.append({
            "fact": key, "event": f.event, "category": f.category, "group": f.group,
            "status": f.status, "best": f.best, "low": f.low, "high": f.high,
            "stated_values": [v.value if v.value is not None else f"{v.low}-{v.high}"
                              for v in f.values],
            "claims": len(claims),
            "claims_marked_wrong": [{"claim": c, "note": wrong[c]} for c in claims if c in wrong],
            "values_after_review": [v.value if v.value is not None else f"{v.low}-{v.high}"
                                    for v in kept],
            "accepted_value": decision["value"] if decision else None,
            "accepted_note": decision.get("note") if decision else None,
            "merged_into": merged.get(key),
        })
    return rows


def reviewed_json(result: Result, reviews: list[dict[str, Any]]) -> str:
    return json.dumps({"reviews": reviews, "facts": reviewed_table(result, reviews)},
                      ensure_ascii=False, indent=1)


def reviewed_csv(result: Result, reviews: list[dict[str, Any]]) -> str:
    rows = reviewed_table(result, reviews)
    out = io.StringIO()
    columns = ["fact", "status", "best", "low", "high", "stated_values", "values_after_review",
               "claims_marked_wrong", "accepted_value", "accepted_note", "merged_into"]
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(json.dumps(row[c], ensure_ascii=False)
                                   if isinstance(row[c], list) else row[c]) for c in columns])
    return out.getvalue()
