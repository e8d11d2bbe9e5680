"""Present: outputs keep the contract, and document text never becomes live markup."""

from __future__ import annotations

import csv
import html.parser
import io
import json

from accord.ingest import text_document
from accord.model import Result
from accord.pipeline import analyse
from accord.present import RENDERERS, anchor
from accord.vocab import Vocab

HOSTILE = ('<script>alert("x")</script> At least 7 people died.\n'
           '<img src=x onerror="alert(1)"> 3 were injured, officials said.\n'
           '<a href="javascript:alert(2)">click</a> 5 people are missing.\n'
           '=HYPERLINK("http://evil") 12 people fled.\n'
           "| pipes | in | text |\n")


class Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: dict[str, str] = {}
        self._open: list[str] = []
        self.text_by_id: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        self.tags.append((tag, data))
        if data.get("id"):
            self.text_by_id[str(data["id"])] = []
            self._open.append(str(data["id"]))

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag in ("mark", "section", "tr", "span"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for key in self._open:
            self.text_by_id[key].append(data)


def hostile_result(vocab: Vocab) -> Result:
    return analyse([text_document("evil<b>.txt", HOSTILE)], vocab)


def test_html_escapes_document_text(vocab: Vocab) -> None:
    page = RENDERERS["html"](hostile_result(vocab))
    parser = Collector()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "img" not in tags and "b" not in tags
    for _, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs)
        assert not any(v and v.strip().lower().startswith("javascript:") for v in attrs.values())
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=" in page
    assert "Content-Security-Policy" in page


def test_every_cell_link_resolves_to_its_sentence(vocab: Vocab) -> None:
    result = hostile_result(vocab)
    page = RENDERERS["html"](result)
    parser = Collector()
    parser.feed(page)
    links = [a["href"] for t, a in parser.tags if t == "a" and a.get("href", "").startswith("#")]
    assert links
    for claim in result.claims:
        key = anchor(claim.id)
        assert f"#{key}" in links
        assert "".join(parser.text_by_id[key]) == claim.stated


def test_csv_defuses_formulas_and_round_trips(vocab: Vocab) -> None:
    result = hostile_result(vocab)
    rows = list(csv.DictReader(io.StringIO(RENDERERS["csv"](result))))
    assert len(rows) == len(result.claims)
    for row in rows:
        assert not row["text"].startswith(("=", "+", "-", "@"))
    fled = next(r for r in rows if r["category"] == "displaced")
    assert fled["text"].startswith("'=HYPERLINK")


def test_markdown_escapes_markup_and_pipes(vocab: Vocab) -> None:
    md = RENDERERS["markdown"](hostile_result(vocab))
    assert "<script>" not in md and "<img" not in md
    assert "evil&lt;b&gt;.txt" in md


def test_json_outputs_keep_the_contract_keys(vocab: Vocab) -> None:
    result = hostile_result(vocab)
    facts = json.loads(RENDERERS["json"](result))
    assert {"documents", "facts", "anomalies"} <= set(facts)
    for f in facts["facts"]:
        assert {"event", "category", "group", "status", "best", "low", "high", "values"} <= set(f)
        for v in f["values"]:
            assert {"value", "low", "high", "docs", "claims"} <= set(v)
    for line in RENDERERS["jsonl"](result).splitlines():
        record = json.loads(line)
        assert {"doc", "event", "category", "group", "value", "low", "high", "qualifier", "start",
                "end", "text", "id"} <= set(record)


def test_a_large_corpus_lists_who_states_each_value_instead_of_a_column_each(
        vocab: Vocab) -> None:
    from accord.present import MAX_DOCUMENT_COLUMNS

    n = MAX_DOCUMENT_COLUMNS + 5
    docs = [text_document(f"r{k}.txt", f"Report {k}. In all {40 + k % 2} people were killed "
                          f"in the flood in Dorvale, officials said on Monday.") for k in range(n)]
    result = analyse(docs, vocab)
    page = RENDERERS["html"](result)
    parser = Collector()
    parser.feed(page)
    headers = [t for t, _ in parser.tags if t == "th"]
    assert len(headers) < n  # no column per document
    links = {a["href"] for t, a in parser.tags if t == "a" and a.get("href", "").startswith("#")}
    assert all(f"#{anchor(c.id)}" in links for c in result.claims)  # every claim still linked
    killed = next(f for f in result.facts if f.category == "killed" and f.group == "all")
    assert killed.status == "conflict" and {len(v.docs) for v in killed.values} == {22, 23}


def test_lineage_graph_is_left_out_above_its_limit_and_the_report_says_so(
        vocab: Vocab) -> None:
    from accord.charts import MAX_LINEAGE_DOCUMENTS, lineage_svg
    from accord.present import render_html

    docs = [text_document(f"d{k}.txt", "x") for k in range(MAX_LINEAGE_DOCUMENTS + 1)]
    pairs = [{"a": "d0.txt", "b": "d1.txt", "directed": False}]
    assert "<circle" in lineage_svg(docs[:MAX_LINEAGE_DOCUMENTS], pairs, [])
    assert lineage_svg(docs, pairs, []) == ""
    result = Result(docs, [], [], [], pairs=[{**pairs[0], "passages": 1, "a_in_b": 0.5,
                                              "b_in_a": 0.5, "near_duplicate": False,
                                              "basis": "publication dates unknown or equal"}])
    assert f"drawn for up to {MAX_LINEAGE_DOCUMENTS} documents" in render_html(result)


def test_markdown_counts_each_documents_claims(vocab: Vocab) -> None:
    docs = [text_document("a.txt", "At least 7 people died and 3 were injured on Monday."),
            text_document("b.txt", "Officials said 9 people died.")]
    result = analyse(docs, vocab)
    page = RENDERERS["markdown"](result)
    for doc in docs:
        count = sum(1 for c in result.claims if c.doc == doc.id)
        row = next(line for line in page.splitlines() if line.startswith(f"| {doc.id} |"))
        assert f"| {count} |" in row
    assert {sum(1 for c in result.claims if c.doc == d.id) for d in docs} == {1, 2}
