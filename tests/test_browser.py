"""End to end in a real headless browser: Debian's chromium driven by Playwright.

Upload a document, see its claims in the evidence table, click a cell and see the sentence
highlighted, mark a claim wrong and see the export change. Also checks the static report of
the seed corpus and saves the screenshot shown in the README.
"""

from __future__ import annotations

import html.parser
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.pipeline import run
from accord.present import RENDERERS, anchor
from webserver import serving

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def test_upload_click_review_export(browser: object, tmp_path: Path, hathras: Path) -> None:
    db = tmp_path / "accord.db"
    run([str(hathras)], db)
    upload = tmp_path / "ferry.txt"
    upload.write_text("The ferry capsized off the coast on Sunday. At least 38 people drowned "
                      "and 54 were rescued by fishermen, the coast guard said.", "utf-8")
    with serving(db) as url:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(url + "/add")
        page.set_input_files("input[name=files]", str(upload))
        page.click("button[type=submit]")
        page.wait_for_selector("#added")
        assert "upload/ferry.txt" in page.inner_text("#added")

        page.goto(url + "/facts")
        cell = page.locator("#evidence a.cell", has_text="38").first
        assert cell.is_visible()
        cell.click()
        page.wait_for_selector("#cited")
        assert page.inner_text("#cited mark.figure") == "At least 38"
        assert "38 people drowned" in page.inner_text("#cited .sentence")
        assert "coast guard" in page.inner_text("#cited")
        target = page.evaluate("location.hash")
        assert page.locator(f"mark{target}").inner_text() == "At least 38"

        before = json.loads(page.request.get(url + "/export/reviewed.json").text())
        page.fill("tr:has(a:text-is('At least 38')) input[name=note]", "drowned, not killed?")
        page.click("tr:has(a:text-is('At least 38')) button.mark-wrong")
        page.wait_for_selector("text=marked wrong: drowned, not killed?")
        after = json.loads(page.request.get(url + "/export/reviewed.json").text())
        wrong_before = [w for r in before["facts"] for w in r["claims_marked_wrong"]]
        wrong_after = [w for r in after["facts"] for w in r["claims_marked_wrong"]]
        assert wrong_before == [] and [w["note"] for w in wrong_after] == ["drowned, not killed?"]
        page.close()


class Parser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, list[str]] = {}
        self.links: list[str] = []
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        if tag == "a" and (data.get("href") or "").startswith("#"):
            self.links.append(str(data["href"])[1:])
        if tag in ("mark", "span", "section"):
            key = data.get("id")
            if key:
                self.ids[key] = []
            self._open.append(key)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("mark", "span", "section") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for key in self._open:
            if key:
                self.ids[key].append(data)


def test_seed_report_is_complete_and_reads_well(browser: object, tmp_path: Path,
                                                khojaly: Path) -> None:
    result = run([str(khojaly)], tmp_path / "accord.db")
    report = tmp_path / "report.html"
    report.write_text(RENDERERS["html"](result), "utf-8")
    parser = Parser()
    parser.feed(report.read_text("utf-8"))
    for doc in result.documents:
        assert anchor(doc.id) in parser.ids, doc.id
    page_text = report.read_text("utf-8")
    for fact in result.facts:
        assert anchor(f"{fact.event}/{fact.category}/{fact.group}") in page_text
    claims = {anchor(c.id): c for c in result.claims}
    assert set(claims) <= set(parser.links)
    for link in parser.links:
        if link in claims:  # every cell link lands on the words it cites
            assert "".join(parser.ids[link]) == claims[link].stated
    page = browser.new_page(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page.goto(report.as_uri())
    assert page.locator("h1").inner_text() == "accord evidence report"
    table = page.locator("#facts + p + table")
    assert table.is_visible()
    shot = ROOT / "docs" / "report-evidence-table.png"
    page.locator("#facts").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "shot.png"), full_page=False)
    table.screenshot(path=str(tmp_path / "table.png"))
    if os.environ.get("ACCORD_UPDATE_SCREENSHOT"):
        shot.parent.mkdir(exist_ok=True)
        shot.write_bytes((tmp_path / "table.png").read_bytes())
    assert (tmp_path / "table.png").stat().st_size > 10_000
    page.close()
