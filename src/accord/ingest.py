"""Ingest: turn files, folders, globs and stdin into Documents, never losing one silently.

Every input that cannot be read becomes a :class:`~accord.model.Skipped` with the file (and
line) and the reason, so the run goes on and the user sees what was left out.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from accord.errors import InputError
from accord.model import Document, Skipped

LOGGER = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".jsonl.zst", ".ndjson.zst"}
WARC_SUFFIXES = {".warc", ".warc.gz"}
MANIFEST_SUFFIXES = {".json"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | MANIFEST_SUFFIXES | WARC_SUFFIXES


def suffix_of(path: Path) -> str:
    """The suffix that says how to read a file, compression included (".jsonl.gz")."""
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def open_stream(path: Path) -> Any:
    """A binary stream over a file, decompressed as its name says (gz, zst); never read whole."""
    name = path.name.lower()
    if name.endswith(".gz"):
        import gzip

        return gzip.open(path, "rb")
    if name.endswith(".zst"):
        import io

        import zstandard

        handle = path.open("rb")
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(handle,
                                                                            closefd=True))
    return path.open("rb")
MANIFEST_FIELDS = {"published": ("published", "date"),
                   "publisher": ("publisher", "outlet", "sitename"),
                   "url": ("url",), "title": ("title",)}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Batch:
    """What ingest read: the documents, and the inputs it had to skip (with reasons)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: metadata a crawl recorded, by document id (from manifest files)
    manifest: dict[str, dict[str, Any]] = field(default_factory=dict)


SIGNATURES = [(b"%PDF", "a PDF"), (b"PK\x03\x04", "a ZIP archive (or an Office file)"),
              (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
              (b"\xff\xd8\xff", "a JPEG image"),
              (b"\x1f\x8b", "a gzip file"), (b"\xd0\xcf\x11\xe0", "an old Office file"),
              (b"SQLite format 3", "an SQLite database"), (b"\x7fELF", "a program"),
              (b"{\\rtf", "an RTF file")]


def decode_bytes(data: bytes, where: str) -> tuple[str, str]:
    """Decode ``data`` as UTF-8, else as the encoding charset-normalizer finds, else as UTF-8
    with undecodable bytes replaced (said so in the encoding): never a crash.

    Raises InputError for data that is not text at all (a PDF renamed .txt, NUL bytes).
    """
    head = data[:16]
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            raise InputError(f"{where}: looks like {kind}, not text")
    if b"\x00" in data[:8192]:
        raise InputError(f"{where}: looks like a binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        best = from_bytes(data).best()
    except Exception:  # a detector failure must not stop the run
        best = None
    if best is not None and best.encoding is not None:
        return str(best), best.encoding
    return data.decode("utf-8", errors="replace"), "utf-8 (undecodable bytes replaced)"


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_document(doc_id: str, text: str, **meta: Any) -> Document:
    """A Document from plain text (newlines normalised, nothing else changed)."""
    return Document(id=doc_id, text=_normalise_newlines(text), **meta)


def html_document(doc_id: str, html: str, **meta: Any) -> Document:
    """A Document from HTML: trafilatura's main text, plus title, date and site name."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_tables=True, include_comments=False, favor_recall=True
    )
    if extracted is None:
        raise InputError(f"{meta.get('path') or doc_id}: no main text found in the HTML")
    data = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    text = data.get("text") or ""
    if not text.strip():
        raise InputError(f"{meta.get('path') or doc_id}: the HTML has no text")
    title = data.get("title")
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    meta.setdefault("title", title)
    meta.setdefault("published", data.get("date"))
    meta.setdefault("publisher", data.get("sitename"))
    meta.setdefault("url", data.get("url"))
    return Document(id=doc_id, text=_normalise_newlines(text), format="html", **meta)


def _jsonl_line_document(record: Any, where: str, default_id: str) -> Document:
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    meta = {
        "title": record.get("title"),
        "url": record.get("url"),
        "published": record.get("published") or record.get("date"),
        "publisher": record.get("publisher") or record.get("sitename"),
        "path": where,
    }
    doc_id = str(record.get("id") or default_id)
    if isinstance(record.get("text"), str) and record["text"].strip():
        doc = text_document(doc_id, record["text"], **meta)
        doc.format = "jsonl"
        return doc
    if isinstance(record.get("html"), str) and record["html"].strip():
        return html_document(doc_id, record["html"], **meta)
    raise InputError(f"{where}: no non-empty 'text' or 'html' field")


def _read_jsonl_line(raw: bytes, where: str, skipped: list[Skipped]) -> Document | None:
    if not raw.strip():
        return None
    try:
        line, _ = decode_bytes(raw, where)
        record = json.loads(line)
    except (InputError, json.JSONDecodeError) as exc:
        skipped.append(Skipped(where, f"not a JSON line: {exc}"))
        return None
    try:
        return _jsonl_line_document(record, where, where)
    except InputError as exc:
        skipped.append(Skipped(where, str(exc).split(": ", 1)[-1]))
        return None


def read_jsonl(path: Path, rel: str, batch: Batch) -> Iterator[Document]:
    """One document a line, as the lines are read; a bad line is skipped with its number."""
    skipped: list[Skipped] = []
    number = found = 0
    try:
        with open_stream(path) as handle:
            for number, raw in enumerate(handle, start=1):
                doc = _read_jsonl_line(raw, f"{rel}#{number}", skipped)
                if doc is not None:
                    found += 1
                    yield doc
    except (OSError, EOFError, ValueError) as exc:  # truncated or corrupt compressed stream
        skipped.append(Skipped(f"{rel}#{number + 1}", f"unreadable from here on: {exc}"))
    if not found and skipped and all("'text' or 'html'" in s.reason for s in skipped):
        # A JSONL of something else (gold labels, metadata) sitting in a corpus folder.
        LOGGER.info("%s: ignored, no line has a 'text' or 'html' field", rel)
        batch.skipped.append(Skipped(rel, "ignored: not a document file "
                                          "(no line has a 'text' or 'html' field)"))
        return
    batch.skipped.extend(skipped)


def read_manifest(path: Path, rel: str, batch: Batch) -> None:
    """A JSON list of records naming corpus files ("file" or "id") with what a crawl recorded.

    Any other JSON (a gold or expected file, a config) is ignored with a notice.
    """
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        batch.skipped.append(Skipped(rel, f"ignored: not a metadata manifest ({exc})"))
        return
    records = data if isinstance(data, list) else []
    if not records or not all(isinstance(r, dict) and (r.get("file") or r.get("id"))
                              for r in records):
        batch.skipped.append(Skipped(rel, "ignored: not a metadata manifest (a list of "
                                          "records with a 'file' or 'id' key)"))
        return
    folder = Path(rel).parent.as_posix()
    for record in records:
        key = str(record.get("file") or record.get("id"))
        doc_id = key if folder in ("", ".") else f"{folder}/{key}"
        meta = {}
        for name, keys in MANIFEST_FIELDS.items():
            value = next((record[k] for k in keys if record.get(k)), None)
            if value:
                meta[name] = str(value)
        batch.manifest[doc_id] = {**meta, "from": rel}


def apply_manifest(doc: Document, manifest: dict[str, dict[str, Any]]) -> None:
    """Fill a document's missing metadata from the manifest; say where it came from."""
    meta = manifest.get(doc.id)
    if not meta:
        return
    found = doc.meta.setdefault("metadata", {})
    for name in MANIFEST_FIELDS:
        if meta.get(name) and not getattr(doc, name):
            setattr(doc, name, meta[name])
            found[name] = {"value": meta[name], "method": f"manifest {meta['from']}"}


def read_warc(path: Path, rel: str, batch: Batch, *, max_bytes: int = DEFAULT_MAX_BYTES
              ) -> Iterator[Document]:
    """HTML responses of a WARC file, one document a record (id FILE#N, the record's URL and
    date as metadata). A bad record is skipped with its number; a truncated file keeps every
    record read before the break."""
    from warcio.archiveiterator import ArchiveIterator

    number = 0
    try:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type != "response":
                    continue
                number += 1
                where = f"{rel}#{number}"
                content_type = (record.http_headers.get_header("Content-Type") or ""
                                if record.http_headers else "")
                if "html" not in content_type.lower():
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                date = (record.rec_headers.get_header("WARC-Date") or "")[:10] or None
                try:
                    data = record.content_stream().read(max_bytes + 1)
                    if len(data) > max_bytes:
                        raise InputError(f"{where}: over the limit of {max_bytes} bytes")
                    text, encoding = decode_bytes(data, where)
                    doc = html_document(where, text, path=where, url=url, published=date,
                                        encoding=encoding)
                except InputError as exc:
                    batch.skipped.append(Skipped(where, str(exc).split(": ", 1)[-1]))
                    continue
                yield doc
    except Exception as exc:  # a truncated or corrupt archive: keep what was read
        batch.skipped.append(Skipped(f"{rel}#{number + 1}",
                                     f"unreadable WARC record ({type(exc).__name__}: {exc}); "
                                     f"{number} records before it were read"))
        return
    if path.name.lower().endswith(".gz") and not _gzip_complete(path):
        batch.skipped.append(Skipped(f"{rel}#{number + 1}",
                                     f"unreadable WARC record: the archive is truncated; "
                                     f"{number} records before the break were read"))


def _gzip_complete(path: Path) -> bool:
    """True when a gzip file reaches its end marker (warcio stops quietly at a cut)."""
    import gzip

    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except (OSError, EOFError):
        return False
    return True


def read_file(path: Path, rel: str, batch: Batch, *, max_bytes: int = DEFAULT_MAX_BYTES
              ) -> Iterator[Document]:
    """The documents of one file as they are read (a WARC or JSONL file holds many); what
    cannot be read goes to ``batch.skipped`` with the reason."""
    suffix = suffix_of(path)
    try:
        if suffix in WARC_SUFFIXES:
            yield from read_warc(path, rel, batch, max_bytes=max_bytes)
            return
        if suffix in MANIFEST_SUFFIXES:
            read_manifest(path, rel, batch)
            return
        if suffix in JSONL_SUFFIXES:
            yield from read_jsonl(path, rel, batch)
            return
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{rel}: {size} bytes, over the limit of {max_bytes} bytes a document")
        data = path.read_bytes()
        if not data.strip():
            raise InputError(f"{rel}: empty file")
        text, encoding = decode_bytes(data, rel)
        if suffix in HTML_SUFFIXES:
            doc = html_document(rel, text, path=str(path), encoding=encoding)
        else:
            doc = text_document(rel, text, path=str(path), encoding=encoding)
    except InputError as exc:
        batch.skipped.append(Skipped(rel, str(exc).split(": ", 1)[-1]))
        return
    except OSError as exc:
        batch.skipped.append(Skipped(rel, f"cannot read: {exc.strerror or exc}"))
        return
    yield doc


def _walk(folder: Path) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        try:
            st = os.stat(root)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop: do not walk it twice
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and suffix_of(Path(name)) in SUFFIXES:
                yield Path(root) / name


def expand(paths: Iterable[str]) -> Iterator[tuple[Path, str]]:
    """Each input file with its document id: relative to the folder given, else its name."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in _walk(path):
                yield file, file.relative_to(path).as_posix()
        elif path.exists():
            yield path, path.name
        else:
            matches = sorted(glob.glob(given, recursive=True))
            if not matches:
                raise InputError(f"{given}: no such file, folder or matching glob")
            for match in matches:
                if Path(match).is_file():
                    yield Path(match), Path(match).name


def stream(paths: Iterable[str], batch: Batch, *, stdin_text: str | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document]:
    """Every input's documents one at a time, as they are read, so a corpus of millions of
    documents (a folder, a JSONL dump, a WARC file) is never held whole; what cannot be read,
    and repeated ids, go to ``batch.skipped``. Manifests are read first, so each document
    carries what a crawl recorded for it as it streams."""
    paths = list(paths)
    for given in paths:
        if given != "-":
            for path, rel in expand([given]):
                if suffix_of(path) in MANIFEST_SUFFIXES:
                    read_manifest(path, rel, batch)
    seen: set[str] = set()
    for given in paths:
        if given == "-":
            text = stdin_text if stdin_text is not None else sys.stdin.read()
            found: Iterable[Document] = [text_document("stdin", text, path="-")]
        else:
            found = (doc for path, rel in expand([given])
                     if suffix_of(path) not in MANIFEST_SUFFIXES
                     for doc in read_file(path, rel, batch, max_bytes=max_bytes))
        for doc in found:
            if doc.id in seen:
                batch.skipped.append(Skipped(doc.id, "a document with this id was already read"))
                continue
            seen.add(doc.id)
            apply_manifest(doc, batch.manifest)
            yield doc


def ingest(paths: Iterable[str], *, stdin_text: str | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES) -> Batch:
    """Read every input into Documents, all in memory; ``-`` reads one document from stdin
    (``stream`` gives them one at a time).

    Example:
        >>> batch = ingest(["examples/khojaly"])  # doctest: +SKIP
        >>> [d.id for d in batch.documents][:1]  # doctest: +SKIP
        ['000_d81f6fe6f56a1bac.txt']
    """
    batch = Batch()
    batch.documents = list(stream(paths, batch, stdin_text=stdin_text, max_bytes=max_bytes))
    return batch
