"""Ingest: every format, encodings, bad inputs kept as skipped with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord.errors import InputError
from accord.ingest import ingest


def test_folder_is_walked_sorted_and_ids_are_relative(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("Two people died.", "utf-8")
    (tmp_path / "1.txt").write_text("One man died.", "utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    batch = ingest([str(tmp_path)])
    assert [d.id for d in batch.documents] == ["1.txt", "b/2.txt"]
    assert batch.skipped == []


def test_windows_1252_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "cp.txt"
    path.write_bytes("Le café: 12 personnes sont mortes à Besançon, selon la préfecture.".encode(
        "cp1252"))
    doc = ingest([str(path)]).documents[0]
    assert "café" in doc.text and "Besançon" in doc.text
    assert doc.encoding and doc.encoding.lower() != "utf-8"


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffLine one.\r\nLine two.".encode())
    assert ingest([str(path)]).documents[0].text == "Line one.\nLine two."


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (tmp_path / "good.txt").write_text("Three people were injured.", "utf-8")
    batch = ingest([str(tmp_path)])
    assert [d.id for d in batch.documents] == ["good.txt"]
    reasons = {s.path: s.reason for s in batch.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]


def test_html_goes_through_trafilatura(tmp_path: Path) -> None:
    html = ("<html><head><title>Quake toll climbs</title>"
            '<meta property="og:site_name" content="Valley Herald">'
            '<meta name="date" content="2024-03-09"></head><body>'
            "<nav>Home | World | Sport</nav><article><h1>Quake toll climbs</h1>"
            "<p>The number of dead rose to 38 overnight as rescuers searched the rubble, "
            "the provincial governor said on Saturday morning.</p></article>"
            "<footer>Subscribe</footer></body></html>")
    path = tmp_path / "page.html"
    path.write_text(html, "utf-8")
    doc = ingest([str(path)]).documents[0]
    assert doc.format == "html"
    assert "rose to 38" in doc.text and "Home | World" not in doc.text
    assert doc.title == "Quake toll climbs"
    assert doc.publisher == "Valley Herald"
    assert doc.published == "2024-03-09"


def test_jsonl_lines_with_a_broken_one(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": "a", "text": "Five people died.", "publisher": "Wire",
                         "published": "2024-01-02", "url": "https://example.org/a"}),
             "{not json",
             json.dumps({"text": "Nine people were hurt."}),
             json.dumps({"title": "no body"})]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    batch = ingest([str(path)])
    assert [d.id for d in batch.documents] == ["a", "feed.jsonl#3"]
    assert batch.documents[0].publisher == "Wire"
    assert batch.documents[0].published == "2024-01-02"
    reasons = {s.path: s.reason for s in batch.skipped}
    assert reasons["feed.jsonl#2"].startswith("not a JSON line")
    assert "'text' or 'html'" in reasons["feed.jsonl#4"]


def test_a_jsonl_of_other_records_is_ignored_not_failed(khojaly: Path) -> None:
    batch = ingest([str(khojaly / "gold.jsonl")])
    assert batch.documents == []
    assert batch.skipped[0].reason.startswith("ignored:")


def test_glob_and_stdin(tmp_path: Path) -> None:
    for name in ("x1.txt", "x2.txt", "y.txt"):
        (tmp_path / name).write_text(f"{name}: 4 people died.", "utf-8")
    batch = ingest([str(tmp_path / "x*.txt"), "-"], stdin_text="Two were injured.")
    assert [d.id for d in batch.documents] == ["x1.txt", "x2.txt", "stdin"]


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.txt"):
        ingest([str(tmp_path / "nowhere.txt")])


def test_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r.txt").write_text("Six people died.", "utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    batch = ingest([str(tmp_path)])
    assert [d.id for d in batch.documents] == ["a/r.txt"]
