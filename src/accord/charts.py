"""Charts as inline SVG: the lineage graph of documents and timelines of changing counts.

The report must open with no network, so pictures are SVG written into the page. Positions
come from networkx's layout; every label is document data and is escaped.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

import networkx as nx

from accord.model import Document, Fact

WIDTH, HEIGHT, PAD = 760, 420, 60
#: above this many documents a lineage graph is unreadable (and its layout slow): the report
#: lists the pairs in its table instead
MAX_LINEAGE_DOCUMENTS = 300


def lineage_svg(docs: list[Document], pairs: list[dict[str, Any]],
                fingerprints: list[dict[str, Any]]) -> str:
    """Documents as nodes; shared text as arrows (earlier to later when dated), shared
    figures without shared wording as dashed lines."""
    if (not pairs and not fingerprints) or len(docs) > MAX_LINEAGE_DOCUMENTS:
        return ""
    graph = nx.Graph()
    graph.add_nodes_from(d.id for d in docs)
    for p in pairs:
        graph.add_edge(p["a"], p["b"], weight=2.0)
    for f in fingerprints:
        if not graph.has_edge(f["a"], f["b"]):
            graph.add_edge(f["a"], f["b"], weight=float(f["similarity"]))
    positions = nx.spring_layout(graph, seed=7, weight="weight")
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]

    def place(node: str) -> tuple[float, float]:
        x, y = positions[node]
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        return (PAD + (x - min(xs)) / span_x * (WIDTH - 2 * PAD),
                PAD + (y - min(ys)) / span_y * (HEIGHT - 2 * PAD))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="lineage graph">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="22" refY="5" markerWidth="8" '
             'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#555"/></marker></defs>']
    shared = {frozenset((p["a"], p["b"])) for p in pairs}
    for f in fingerprints:
        if frozenset((f["a"], f["b"])) in shared:
            continue
        (x1, y1), (x2, y2) = place(f["a"]), place(f["b"])
        parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
                     f'stroke="#9aa" stroke-dasharray="4 4"><title>same figures '
                     f'({f["shared"]} shared): {escape(f["a"])} and {escape(f["b"])}'
                     f'</title></line>')
    for p in pairs:
        a, b = (p["from"], p["to"]) if p.get("directed") else (p["a"], p["b"])
        (x1, y1), (x2, y2) = place(a), place(b)
        marker = ' marker-end="url(#arrow)"' if p.get("directed") else ""
        parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
                     f'stroke="#555" stroke-width="2"{marker}><title>shared text: '
                     f'{escape(a)} and {escape(b)}</title></line>')
    by_id = {d.id: d for d in docs}
    for node in graph.nodes:
        x, y = place(node)
        doc = by_id[node]
        label = escape(node if len(node) <= 24 else node[:22] + "…")
        parts.append(f'<g><circle cx="{x:.0f}" cy="{y:.0f}" r="9" fill="#1a56b0"><title>'
                     f'{escape(node)} · {escape(doc.publisher or "publisher unknown")} · '
                     f'{escape(doc.published or "undated")}</title></circle>'
                     f'<text x="{x:.0f}" y="{y + 24:.0f}" font-size="12" text-anchor="middle">'
                     f'{label}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _day(text: str | None) -> date | None:
    from accord.chronology import Period

    period = Period.parse(text)
    return period.first if period else None


def timeline_svg(fact: Fact) -> str:
    """Each dated statement of a fact as a point: publication date across, value up."""
    points = [(d, t) for t in fact.timeline if (d := _day(t.published)) is not None]
    if len(points) < 2:
        return ""
    days = [d.toordinal() for d, _ in points]
    values = [float(t.value if t.value is not None else t.low or 0) for _, t in points]
    lo_d, hi_d = min(days), max(days) or 1
    hi_v = max(values) or 1.0
    w, h, pad = 640, 240, 48

    def xy(day: int, value: float) -> tuple[float, float]:
        x = pad + (day - lo_d) / ((hi_d - lo_d) or 1) * (w - 2 * pad)
        return x, h - pad - value / hi_v * (h - 2 * pad)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
             f'height="{h}" role="img" aria-label="timeline">',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#888"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#888"/>',
             f'<text x="{pad}" y="{h - pad + 18}" font-size="11">'
             f'{escape(str(date.fromordinal(lo_d)))}</text>',
             f'<text x="{w - pad}" y="{h - pad + 18}" font-size="11" text-anchor="end">'
             f'{escape(str(date.fromordinal(hi_d)))}</text>',
             f'<text x="{pad - 6}" y="{pad + 4}" font-size="11" text-anchor="end">'
             f'{hi_v:,.0f}</text>']
    for (day, t), value in zip(points, values, strict=True):
        x, y = xy(day.toordinal(), value)
        open_ended = t.qualifier in ("at_least", "more_than")
        fill = "#fff" if open_ended else "#c0392b"
        parts.append(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="5" fill="{fill}" '
                     f'stroke="#c0392b" stroke-width="2"><title>{escape(t.doc)}: '
                     f'{value:,.0f} ({escape(str(t.qualifier))}), published '
                     f'{escape(str(t.published))}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)
