"""The web app over a real SQLite store, served by uvicorn on 127.0.0.1, spoken to by httpx."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from accord.pipeline import run
from accord.store import Store
from webserver import serving


@pytest.fixture
def site(tmp_path: Path, khojaly: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "accord.db"
    run([str(khojaly)], db)
    with serving(db) as url:
        yield url, db


def test_pages_and_headers(site: tuple[str, Path]) -> None:
    url, _ = site
    for path in ("/", "/facts", "/conflicts", "/search?category=killed&min=600&max=700",
                 "/documents/004_19ece03c8a006e98.txt", "/add", "/openapi.json"):
        response = httpx.get(url + path)
        assert response.status_code == 200, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
    search = httpx.get(url + "/search?category=killed&min=600&max=700").text
    figures = re.findall(r'<td class="num">([^<]+)</td>', search)
    assert figures and set(figures) == {"613"}
    assert f"<p>{len(figures)} claims</p>" in search


def test_api_matches_facts_json(site: tuple[str, Path]) -> None:
    url, db = site
    data = httpx.get(url + "/api/facts").json()
    with Store(db) as store:
        assert len(data["facts"]) == len(store.facts())
    assert {"documents", "facts", "anomalies", "reuse", "groups", "statements"} <= set(data)
    claims = httpx.get(url + "/api/claims", params={"category": "missing", "min": 100}).json()
    assert {c["value"] for c in claims} == {150}
    spec = httpx.get(url + "/openapi.json").json()
    assert {"/api/facts", "/api/claims", "/api/documents"} <= set(spec["paths"])


def test_dns_rebinding_and_cross_origin_posts_are_refused(site: tuple[str, Path]) -> None:
    url, db = site
    assert httpx.get(url + "/", headers={"Host": "attacker.example"}).status_code == 421
    before = Store(db).counts()
    response = httpx.post(url + "/add", data={"text": "Nine people died in a fire."},
                          headers={"Origin": "http://attacker.example"})
    assert response.status_code == 403
    assert Store(db).counts() == before


def test_bad_upload_changes_nothing(site: tuple[str, Path]) -> None:
    url, db = site
    with Store(db) as store:
        before = store.counts()
    files = [("files", ("good.txt", b"Four people were injured.", "text/plain")),
             ("files", ("scan.txt", b"\x00\x01PDF binary" * 20, "text/plain"))]
    response = httpx.post(url + "/add", files=files)
    assert response.status_code == 400
    assert "scan.txt" in response.text and "binary" in response.text
    with Store(db) as store:
        assert store.counts() == before


def test_upload_and_paste_update_the_pages(site: tuple[str, Path]) -> None:
    url, db = site
    files = [("files", ("../../etc/quake<1>.txt",
                        b"An earthquake killed 31 people and injured 112 on Monday.",
                        "text/plain"))]
    response = httpx.post(url + "/add", files=files,
                          data={"text": "Officials said 640 people were killed.",
                                "name": "../notes.txt"})
    assert response.status_code == 200
    with Store(db) as store:
        ids = {d.id for d in store.documents()}
    assert "upload/quake<1>.txt" in ids and "paste/notes.txt" in ids
    assert not any(".." in i for i in ids)
    page = httpx.get(url + "/facts").text
    assert "quake&lt;1&gt;.txt" in page and "<1>" not in page
    again = httpx.post(url + "/add", data={"text": "Officials said 640 people were killed.",
                                           "name": "notes.txt"})
    assert "already in the store" in again.text


def test_review_is_stored_apart_and_exported(site: tuple[str, Path]) -> None:
    url, db = site
    with Store(db) as store:
        claim = next(c for c in store.claims() if c.value == 487 and c.category == "killed")
        facts_before = [(f.event, f.category, f.group, f.best) for f in store.facts()]
    before = json.loads(httpx.get(url + "/export/reviewed.json").text)
    response = httpx.post(url + "/review", data={"kind": "claim_wrong", "target": claim.id,
                                                 "note": "the injured figure"},
                          follow_redirects=False)
    assert response.status_code == 303
    httpx.post(url + "/review", data={"kind": "accept_value",
                                      "target": f"{claim.event}/killed/all", "value": "613"})
    after = json.loads(httpx.get(url + "/export/reviewed.json").text)
    row = next(r for r in after["facts"] if r["fact"] == f"{claim.event}/killed/all")
    old = next(r for r in before["facts"] if r["fact"] == f"{claim.event}/killed/all")
    assert old["claims_marked_wrong"] == [] and old["accepted_value"] is None
    assert row["claims_marked_wrong"] == [{"claim": claim.id, "note": "the injured figure"}]
    assert row["accepted_value"] == "613" and 487 not in row["values_after_review"]
    assert 487 in row["stated_values"]  # what the sources state is kept
    csv_text = httpx.get(url + "/export/reviewed.csv").text
    assert "the injured figure" in csv_text
    with Store(db) as store:
        assert [(f.event, f.category, f.group, f.best) for f in store.facts()] == facts_before
        assert len(store.claims()) > 0 and any(c.id == claim.id for c in store.claims())


def test_merge_facts_is_recorded_and_exported(site: tuple[str, Path]) -> None:
    url, db = site
    with Store(db) as store:
        event = store.facts()[0].event
    source, target = f"{event}/displaced/all", f"{event}/other/remained"
    page = httpx.get(url + f"/facts/{event}/displaced/all").text
    assert 'name="kind" value="merge_facts"' in page
    httpx.post(url + "/review", data={"kind": "merge_facts", "target": source, "value": target,
                                      "note": "same people counted"})
    rows = {r["fact"]: r for r in httpx.get(url + "/export/reviewed.json").json()["facts"]}
    assert rows[source]["merged_into"] == target
    assert rows[target]["merged_into"] is None
    assert httpx.post(url + "/review", data={"kind": "delete_everything", "target": source}
                      ).status_code == 400
