"""Present: the outputs other tools and people read (JSON, JSONL, CSV, Markdown, HTML).

Renderers are registered by name in ``RENDERERS`` so a caller picks one by format. Document
text is data: the HTML goes through Jinja2 with autoescaping, and CSV cells that a
spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from accord.charts import MAX_LINEAGE_DOCUMENTS, lineage_svg, timeline_svg
from accord.extract.entities import occurrence_record
from accord.model import Claim, Document, Result

CLAIM_KEYS = ("id", "doc", "event", "category", "group", "value", "low", "high", "qualifier",
              "start", "end", "text", "stated", "figure_start", "figure_end", "cue", "parent",
              "source")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def claim_record(c: Claim) -> dict[str, Any]:
    return {k: getattr(c, k) for k in CLAIM_KEYS}


def facts_record(result: Result) -> dict[str, Any]:
    """The facts.json object (the output contract)."""
    return {
        "documents": [d.to_dict() for d in result.documents],
        "facts": [f.to_dict() for f in result.facts],
        "anomalies": [a.to_dict() for a in result.anomalies],
        "skipped": [s.to_dict() for s in result.skipped],
        "reuse": [r.to_dict() for r in result.reuse],
        "groups": result.groups,
        "reuse_pairs": result.pairs,
        "fingerprints": result.fingerprints,
        "events": result.events,
        "statements": result.statements,
        "entities": [{**c, "forms": [{**f, "occurrences": [occurrence_record(o)
                                                            for o in f.get("occurrences", [])]}
                                     for f in c["forms"]]} for c in result.entities],
        "boilerplate": [
            {"doc": s.doc, "start": s.start, "end": s.end, "kind": s.kind, "reason": s.reason}
            for d in result.documents for s in d.marked],
    }


def render_json(result: Result) -> str:
    return json.dumps(facts_record(result), ensure_ascii=False, indent=1)


def render_jsonl(result: Result) -> str:
    return "".join(json.dumps(claim_record(c), ensure_ascii=False) + "\n" for c in result.claims)


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will show, not run ("=HYPERLINK(...)" gets a leading quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def render_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CLAIM_KEYS)
    for c in result.claims:
        writer.writerow([safe_cell(v) for v in claim_record(c).values()])
    return out.getvalue()


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: no HTML, pipes or line breaks."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " ").replace("`", "\\`"))


QUALIFIER_WORDS = {"at_least": "at least ", "more_than": "more than ", "about": "about ",
                   "up_to": "up to ", "fewer_than": "fewer than "}


def stated(value: int | None, low: int | None, high: int | None,
           qualifiers: list[str] | str | None = None) -> str:
    """A value as a reader says it: "more than 7,000", "2,000-4,000", "613"."""
    if value is None:
        if low is not None and high is not None:
            return f"{low:,}-{high:,}"
        return f"at least {low:,}" if low is not None else f"up to {high:,}"
    first = qualifiers if isinstance(qualifiers, str) else (qualifiers or ["exact"])[0]
    return f"{QUALIFIER_WORDS.get(first, '')}{value:,}"


def anchor(key: str) -> str:
    """An HTML id for a claim or document id (ids hold any character; anchors must not)."""
    return "a" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _env() -> Environment:
    env = Environment(loader=PackageLoader("accord", "templates"),
                      autoescape=select_autoescape(["html", "htm", "xml"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["stated"] = stated
    env.filters["md"] = md_escape
    env.filters["anchor"] = anchor
    env.tests["match"] = lambda value, prefix: str(value).startswith(prefix)
    return env


def table_context(result: Result) -> dict[str, Any]:
    """What the evidence table needs: cells by fact and document, columns by reuse group."""
    docs = {d.id: d for d in result.documents}
    cells: dict[tuple[str, str, str], dict[str, list[Claim]]] = defaultdict(
        lambda: defaultdict(list))
    for c in result.claims:
        cells[c.key][c.doc].append(c)
    grouped = [g for g in result.groups if len(g) > 1] + [g for g in result.groups if len(g) == 1]
    ordered = [d for g in grouped for d in g if d in docs]
    placed = set(ordered)
    ordered += [d.id for d in result.documents if d.id not in placed]
    column_groups = [(f"reuse group {n + 1}" if len(g) > 1 else "", g)
                     for n, g in enumerate(grouped)] if result.groups else [("", ordered)]
    return {"result": result, "docs": docs, "claims_by_id": {c.id: c for c in result.claims},
            "cells": cells, "doc_ids": ordered, "column_groups": column_groups,
            "wide": len(ordered) <= MAX_DOCUMENT_COLUMNS, "max_columns": MAX_DOCUMENT_COLUMNS,
            "flagged": {cid for a in result.anomalies for cid in a.claims},
            # counted once: a template filtering every claim per document is quadratic
            "claim_counts": Counter(c.doc for c in result.claims)}


#: the evidence table has a column per document up to this many; above, each value lists
#: the documents that state it (a table thousands of columns wide helps nobody)
MAX_DOCUMENT_COLUMNS = 40


def shared_passages(result: Result) -> dict[str, list[dict[str, Any]]]:
    """For each document, the passages it shares with others (its own offsets)."""
    shared: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in result.reuse:
        shared[r.a].append({"other": r.b, "start": r.a_start, "end": r.a_end,
                            "similarity": r.similarity})
        shared[r.b].append({"other": r.a, "start": r.b_start, "end": r.b_end,
                            "similarity": r.similarity})
    return shared


def document_parts(doc: Document, claims: list[Claim]) -> list[dict[str, Any]]:
    """A document's text cut into plain, set-aside and figure pieces."""
    return _segments(doc.text, doc.marked, claims)


def _context(result: Result, charts: bool = True) -> dict[str, Any]:
    """Everything the full report shows (the markdown report draws no charts)."""
    by_doc: dict[str, list[Claim]] = defaultdict(list)
    for c in result.claims:
        by_doc[c.doc].append(c)
    return {**table_context(result),
            "doc_parts": {d.id: document_parts(d, by_doc[d.id]) for d in result.documents},
            "shared_by_doc": shared_passages(result),
            # charts are built from escaped text in charts.py
            "lineage_svg": Markup(lineage_svg(result.documents, result.pairs,
                                              result.fingerprints)) if charts else "",
            "lineage_omitted": len(result.documents) > MAX_LINEAGE_DOCUMENTS,
            "max_lineage": MAX_LINEAGE_DOCUMENTS,
            "timelines": {(f.event, f.category, f.group): Markup(timeline_svg(f))
                          for f in result.facts if f.status == "grows_over_time"}
            if charts else {}}


def _segments(text: str, marked: list[Any], claims: list[Claim]) -> list[dict[str, Any]]:
    """The document text cut into plain, marked (set aside) and figure pieces, in order."""
    cuts = {0, len(text)}
    for s in marked:
        cuts.update((s.start, s.end))
    for c in claims:
        cuts.update((c.figure_start, c.figure_end))
    points = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(points):
        if a == b:
            continue
        mark = next((s for s in marked if s.start <= a and b <= s.end), None)
        covering = [c for c in claims if c.figure_start <= a and b <= c.figure_end]
        starting = [c for c in covering if c.figure_start == a]
        out.append({"text": text[a:b], "mark": mark, "claim": covering[0] if covering else None,
                    "anchors": [c for c in starting if not covering or c is not covering[0]]})
    return out


def render_markdown(result: Result) -> str:
    return _env().get_template("report.md").render(**_context(result, charts=False))


def render_html(result: Result) -> str:
    return _env().get_template("report.html").render(**_context(result))


RENDERERS: dict[str, Callable[[Result], str]] = {
    "json": render_json,
    "jsonl": render_jsonl,
    "csv": render_csv,
    "markdown": render_markdown,
    "html": render_html,
}
