"""A folder with one of each kind of bad input next to good documents (used by the tests and
by benchmarks/robustness.py). Returns what each bad input must be reported as."""

from __future__ import annotations

import json
import os
from pathlib import Path

GOOD = {
    "good/flood.txt": "Floods killed 14 people and displaced 2,300 families in the delta.",
    "good/quake.html": ("<html><head><title>Quake</title></head><body><article><p>The earthquake "
                        "killed 52 people and injured 310, the disaster agency said on Sunday "
                        "evening after rescue teams reached the last villages.</p></article>"
                        "</body></html>"),
    "good/cp1252.txt": "The café fire in Besançon killed 9 people, the préfecture said.",
}


def build(folder: Path, *, big_bytes: int = 2 * 1024 * 1024) -> dict[str, str]:
    """Write the corpus; return {bad input path (as reported): what its reason must say}."""
    for name, text in GOOD.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("cp1252.txt"):
            path.write_bytes(text.encode("cp1252"))
        else:
            path.write_text(text, "utf-8")
    bad = folder / "bad"
    bad.mkdir(exist_ok=True)
    (bad / "report.pdf.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" * 5)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "blank.txt").write_bytes(b"   \n\n  ")
    (bad / "huge.txt").write_bytes(b"Nine people died. " * (big_bytes // 18 + 1))
    (bad / "nobody.html").write_text("<html><head><title>x</title></head><body></body></html>",
                                     "utf-8")
    (bad / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (bad / "feed.jsonl").write_text("\n".join([
        json.dumps({"id": "feed-ok", "text": "Three miners died in the collapse."}),
        '{"id": "broken", "text": "unterminated',
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "feed-empty", "text": "   "}),
    ]) + "\n", "utf-8")
    (bad / "latin1-mojibake.txt").write_bytes(bytes(range(0x80, 0x100)) * 3 + b" 12 died.")
    secret = bad / "unreadable.txt"
    secret.write_text("Two people died.", "utf-8")
    os.chmod(secret, 0)
    loop = bad / "loop"
    loop.mkdir(exist_ok=True)
    if not (loop / "again").exists():
        (loop / "again").symlink_to(loop)
    (bad / "dangling.txt").symlink_to(folder / "nowhere.txt")
    expected = {
        "bad/report.pdf.txt": "PDF",
        "bad/empty.txt": "empty",
        "bad/blank.txt": "empty",
        "bad/huge.txt": "over the limit",
        "bad/nobody.html": "text",
        "bad/image.html": "PNG",
        "bad/feed.jsonl#2": "JSON",
        "bad/feed.jsonl#3": "object",
        "bad/feed.jsonl#4": "'text' or 'html'",
        "bad/dangling.txt": "cannot read",
    }
    if os.geteuid() != 0:  # root reads any file: the permission case only exists for others
        expected["bad/unreadable.txt"] = "cannot read"
    return expected
