"""Tables of figures in HTML pages: a header says the category, a row label the group."""

from __future__ import annotations

from accord.ingest import html_document
from accord.pipeline import analyse
from accord.vocab import Vocab

PAGE = """<html><head><title>Cyclone toll by district</title></head><body><article>
<h1>Cyclone toll by district</h1>
<p>The cyclone that struck on Thursday left a trail of damage across three districts,
the disaster management agency said in its evening bulletin.</p>
<table><tr><th>District</th><th>Deaths</th><th>Injured</th><th>Houses destroyed</th></tr>
<tr><td>Coastal</td><td>14</td><td>51</td><td>1,200</td></tr>
<tr><td>Hill</td><td>3</td><td>9</td><td>310</td></tr>
<tr><td>Total</td><td>17</td><td>60</td><td>1,510</td></tr></table>
</article></body></html>"""


def test_table_cells_become_claims(vocab: Vocab) -> None:
    doc = html_document("cyclone.html", PAGE)
    claims = analyse([doc], vocab).claims
    got = {(c.category, c.group, c.value) for c in claims}
    assert {("killed", "coastal", 14), ("injured", "coastal", 51), ("killed", "hill", 3),
            ("killed", "all", 17), ("injured", "all", 60),
            ("damaged_buildings", "all", 1510), ("damaged_buildings", "hill", 310)} <= got
    for c in claims:
        assert doc.text[c.figure_start:c.figure_end] == c.stated
        assert c.text.startswith("|")
