"""The local web app: browse, search, add documents and review, over one accord store.

FastAPI serves HTML pages and a JSON API (under ``/api/``, documented at ``/docs``) from the
SQLite store. It binds 127.0.0.1 by default, refuses requests whose Host header is not the
one it serves (DNS rebinding), refuses cross-origin form posts, and sends a
Content-Security-Policy: document text is data, escaped on every page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from accord.errors import AccordError, InputError
from accord.ingest import HTML_SUFFIXES, decode_bytes, html_document, text_document
from accord.model import Claim, Document, Result
from accord.pipeline import add_documents
from accord.present import (
    anchor,
    document_parts,
    facts_record,
    shared_passages,
    stated,
    table_context,
)
from accord.review import fact_key, reviewed_csv, reviewed_json
from accord.store import REVIEW_KINDS, Store
from accord.vocab import load_vocab

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
APP_JS = """
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("[data-progress]")) return;
  var bar = document.getElementById("progress");
  if (bar) { bar.hidden = false; }
  var button = form.querySelector("button[type=submit]");
  if (button) { button.disabled = true; button.textContent = "Processing…"; }
});
"""


class Guard(BaseHTTPMiddleware):
    """Host and Origin checks, and security headers on every response."""

    def __init__(self, app: Any, allowed_hosts: set[str]) -> None:
        super().__init__(app)
        self.allowed_hosts = allowed_hosts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        host = request.headers.get("host", "")
        if host not in self.allowed_hosts:
            return PlainTextResponse("refused: this server answers to "
                                     f"{', '.join(sorted(self.allowed_hosts))} only",
                                     status_code=421)
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and urlsplit(origin).netloc != host:
            return PlainTextResponse("refused: cross-origin form", status_code=403)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        # same-origin: other sites learn nothing, and our own form posts carry our Origin
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response


def allowed_hosts_for(host: str, port: int) -> set[str]:
    """The Host headers this server answers to: its own address (any loopback name for a
    loopback bind), never another name that happens to resolve to it."""
    names = {f"[{host}]" if ":" in host else host}
    if host in ("127.0.0.1", "localhost", "::1"):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    return {f"{name}:{port}" for name in names} | (names if port == 80 else set())


def _env() -> Environment:
    env = Environment(loader=PackageLoader("accord", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals["stated"] = stated
    env.filters["anchor"] = anchor
    env.filters["url"] = lambda value: quote(str(value), safe="")
    env.filters["path"] = lambda value: quote(str(value), safe="/")
    return env


def upload_document(name: str, data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Document:
    """A Document from an uploaded file, or InputError; the name never becomes a path."""
    clean_name = PurePosixPath(name.replace("\\", "/")).name.strip()
    if not clean_name or clean_name in (".", ".."):
        raise InputError(f"{name!r}: not a usable file name")
    if len(data) > max_bytes:
        raise InputError(f"{clean_name}: {len(data)} bytes, over the upload limit of {max_bytes}")
    if not data.strip():
        raise InputError(f"{clean_name}: empty file")
    text, encoding = decode_bytes(data, clean_name)
    doc_id = f"upload/{clean_name}"
    if PurePosixPath(clean_name).suffix.lower() in HTML_SUFFIXES:
        return html_document(doc_id, text, path=doc_id, encoding=encoding)
    return text_document(doc_id, text, path=doc_id, encoding=encoding)


def create_app(db: str | Path, *, host: str = "127.0.0.1", port: int = 8765,
               vocab_files: tuple[str, ...] = (), max_upload_bytes: int = MAX_UPLOAD_BYTES
               ) -> FastAPI:
    """The app over the store at ``db`` (created if missing)."""
    db = str(db)
    Store(db).close()
    load_vocab(*vocab_files)  # a bad vocabulary fails here, not on the first upload
    env = _env()
    app = FastAPI(title="accord", description="Source-attributed evidence over an accord store. "
                  "Values are what the documents state; accord does not decide which is true.")
    app.add_middleware(Guard, allowed_hosts=allowed_hosts_for(host, port))

    def result() -> Result:
        with Store(db) as store:
            return store.result()

    def page(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(f"web/{name}.html").render(**context))

    @app.get("/static/app.js", include_in_schema=False)
    def app_js() -> Response:
        return Response(APP_JS, media_type="application/javascript")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview() -> HTMLResponse:
        res = result()
        return page("index", result=res,
                    conflicts=[f for f in res.facts if f.status == "conflict"])

    @app.get("/facts", response_class=HTMLResponse, include_in_schema=False)
    def evidence() -> HTMLResponse:
        res = result()
        with Store(db) as store:
            reviews = store.reviews()
        return page("facts", reviews=reviews, **table_context(res))

    @app.get("/facts/{event}/{category}/{group}", response_class=HTMLResponse,
             include_in_schema=False)
    def fact_page(event: str, category: str, group: str) -> HTMLResponse:
        res = result()
        fact = next((f for f in res.facts if (f.event, f.category, f.group)
                     == (event, category, group)), None)
        if fact is None:
            raise HTTPException(404, "no such fact")
        with Store(db) as store:
            reviews = [r for r in store.reviews()
                       if r["target"] == fact_key(event, category, group)]
        claims = {c.id: c for c in res.claims}
        return page("fact", fact=fact, claims=claims, reviews=reviews,
                    others=[f for f in res.facts if f is not fact and f.event == fact.event],
                    key=fact_key(event, category, group))

    @app.get("/documents/{doc_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(doc_id: str, claim: str | None = None) -> HTMLResponse:
        res = result()
        doc = next((d for d in res.documents if d.id == doc_id), None)
        if doc is None:
            raise HTTPException(404, "no such document")
        claims = [c for c in res.claims if c.doc == doc_id]
        with Store(db) as store:
            wrong = {r["target"]: r for r in store.reviews() if r["kind"] == "claim_wrong"}
        cited = next((c for c in claims if c.id == claim), None)
        return page("document", doc=doc, parts=document_parts(doc, claims), cited=cited,
                    claims=claims, wrong=wrong,
                    paragraph=_paragraph(doc, cited) if cited else None,
                    shared=shared_passages(res).get(doc_id, []))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        params = dict(request.query_params)
        res = result()
        return page("search", params=params, claims=filter_claims(res.claims, params),
                    categories=sorted({c.category for c in res.claims}),
                    docs=[d.id for d in res.documents])

    @app.get("/conflicts", response_class=HTMLResponse, include_in_schema=False)
    def conflicts_page() -> HTMLResponse:
        res = result()
        return page("conflicts", result=res, claims_by_id={c.id: c for c in res.claims},
                    conflicts=[f for f in res.facts if f.status == "conflict"])

    @app.get("/add", response_class=HTMLResponse, include_in_schema=False)
    def add_form() -> HTMLResponse:
        return page("add", error=None, added=[])

    @app.post("/add", response_class=HTMLResponse, include_in_schema=False)
    async def add_documents(files: list[UploadFile] | None = File(default=None),  # noqa: B008
                            text: str = Form(default=""), name: str = Form(default="")
                            ) -> HTMLResponse:
        try:
            docs = []
            total = 0
            for upload in files or []:
                if not upload.filename:
                    continue
                data = await upload.read(max_upload_bytes + 1)
                total += len(data)
                if total > max_upload_bytes:
                    raise InputError(f"{upload.filename}: the upload is over the limit of "
                                     f"{max_upload_bytes} bytes")
                docs.append(upload_document(upload.filename, data, max_bytes=max_upload_bytes))
            if text.strip():
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
                label = PurePosixPath((name or "").strip() or f"pasted-{digest}.txt").name
                docs.append(text_document(f"paste/{label}", text, path=f"paste/{label}"))
            if not docs:
                raise InputError("nothing to add: choose a file or paste some text")
            added = add_to_store(db, docs, vocab_files)
        except (AccordError, UnicodeDecodeError) as exc:
            return HTMLResponse(env.get_template("web/add.html").render(error=str(exc),
                                                                         added=[]),
                                status_code=400)
        return page("add", error=None, added=added)

    @app.post("/review", include_in_schema=False)
    def review(kind: str = Form(...), target: str = Form(...), value: str = Form(default=""),
               note: str = Form(default=""), back: str = Form(default="/facts")) -> Response:
        if kind not in REVIEW_KINDS:
            raise HTTPException(400, f"unknown review kind; choose one of {REVIEW_KINDS}")
        with Store(db) as store:
            store.add_review(kind, target, value or None, note or None)
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//")
                                else "/facts", status_code=303)

    @app.get("/export/reviewed.json", include_in_schema=False)
    def export_json() -> Response:
        with Store(db) as store:
            data = reviewed_json(store.result(), store.reviews())
        return Response(data, media_type="application/json")

    @app.get("/export/reviewed.csv", include_in_schema=False)
    def export_csv() -> Response:
        with Store(db) as store:
            data = reviewed_csv(store.result(), store.reviews())
        return Response(data, media_type="text/csv",
                        headers={"Content-Disposition": "attachment; filename=reviewed.csv"})

    # -- JSON API ---------------------------------------------------------------------------
    @app.get("/api/facts", summary="Everything facts.json holds")
    def api_facts() -> JSONResponse:
        return JSONResponse(facts_record(result()))

    @app.get("/api/claims", summary="Claims, filtered")
    def api_claims(category: str | None = None, group: str | None = None,
                   doc: str | None = None, q: str | None = None, min: int | None = None,
                   max: int | None = None) -> JSONResponse:
        params: dict[str, Any] = {"category": category, "group": group, "doc": doc, "q": q,
                                  "min": min, "max": max}
        found = filter_claims(result().claims, {k: v for k, v in params.items() if v is not None})
        return JSONResponse([c.to_dict() for c in found])

    @app.get("/api/documents", summary="Documents with their metadata")
    def api_documents() -> JSONResponse:
        return JSONResponse([d.to_dict() for d in result().documents])

    @app.get("/api/documents/{doc_id:path}", summary="One document, with its text")
    def api_document(doc_id: str) -> JSONResponse:
        doc = next((d for d in result().documents if d.id == doc_id), None)
        if doc is None:
            raise HTTPException(404, "no such document")
        return JSONResponse({**doc.to_dict(), "text": doc.text})

    @app.get("/api/reviews", summary="Review decisions")
    def api_reviews() -> JSONResponse:
        with Store(db) as store:
            return JSONResponse(store.reviews())

    return app


def _paragraph(doc: Document, claim: Claim) -> dict[str, Any]:
    """The paragraph around a cited sentence, cut into before / sentence / after."""
    start = doc.text.rfind("\n", 0, claim.start) + 1
    end = doc.text.find("\n", claim.end)
    end = len(doc.text) if end < 0 else end
    return {"before": doc.text[start:claim.start],
            "sentence_before": doc.text[claim.start:claim.figure_start],
            "figure": doc.text[claim.figure_start:claim.figure_end],
            "sentence_after": doc.text[claim.figure_end:claim.end],
            "after": doc.text[claim.end:end]}


def filter_claims(claims: Sequence[Claim], params: dict[str, Any]) -> list[Claim]:
    """Claims matching a search: category, group, value range, document, words of the text."""
    def number(key: str) -> int | None:
        try:
            return int(str(params[key]).replace(",", "")) if params.get(key) not in (None, "") \
                else None
        except ValueError:
            return None

    low, high = number("min"), number("max")
    words = str(params.get("q") or "").lower().split()
    out = []
    for c in claims:
        if params.get("category") and c.category != params["category"]:
            continue
        if params.get("group") and c.group != params["group"]:
            continue
        if params.get("doc") and c.doc != params["doc"]:
            continue
        point = c.value if c.value is not None else c.low
        if low is not None and (point is None or point < low):
            continue
        if high is not None and (point is None or point > high):
            continue
        if words and not all(w in c.text.lower() for w in words):
            continue
        out.append(c)
    return out


def add_to_store(db: str, docs: list[Document], vocab_files: tuple[str, ...]
                 ) -> list[dict[str, Any]]:
    """Run the pipeline on new documents and refresh the corpus results."""
    with Store(db) as store:
        return add_documents(store, docs, vocab_files)
