"""The command line: parse, call one library function, print. Errors become one-line messages.

Exit status: 0 when every input was read, 3 when some inputs were skipped (listed on stderr,
in the store and in the report), 1 on an error that stopped the run.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from accord.build import build_kind
from accord.errors import AccordError
from accord.evaluate import evaluate, load_gold
from accord.ingest import DEFAULT_MAX_BYTES, Batch, ingest, stream
from accord.model import Result, Skipped
from accord.pipeline import run as run_pipeline
from accord.postgres import is_postgres
from accord.present import RENDERERS, claim_record, stated
from accord.store import Store
from accord.vocab import load_vocab

EXIT_SKIPPED = 3
FORMATS = {"claims": ["jsonl", "json", "csv", "table"], "facts": ["json", "table", "markdown"]}

err = Console(stderr=True)


class StoreAddress(click.ParamType):
    """A SQLite file, or a postgresql:// URL (PostgreSQL, for many writers on one store)."""

    name = "store"

    def __init__(self, exists: bool = False) -> None:
        self.path = click.Path(exists=exists, dir_okay=False)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        if isinstance(value, str) and is_postgres(value):
            return value
        return str(self.path.convert(value, param, ctx))


def vocab_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--vocab", "vocab_files", multiple=True,
                        type=click.Path(exists=True, dir_okay=False),
                        help="A YAML vocabulary merged over the shipped one (repeatable).")(f)


def _real_skips(batch_or_result: Batch | Result) -> list[Any]:
    return [s for s in batch_or_result.skipped if not s.reason.startswith("ignored:")]


def _report_skips(batch: Batch) -> None:
    for s in batch.skipped:
        if s.reason.startswith("ignored:"):
            err.print(f"ignored {s.path}: {s.reason.removeprefix('ignored: ')}", highlight=False,
                      style="dim")
        else:
            err.print(f"skipped {s.path}: {s.reason}", highlight=False, style="yellow")


def _analyse(paths: tuple[str, ...], vocab_files: tuple[str, ...], db: str | None) -> Result:
    """Run the pipeline into ``db`` (or a temporary store) and return what it holds; an
    AccordError becomes the one-line message click prints."""
    try:
        batch = ingest(paths)
        _report_skips(batch)
        if db:
            return run_pipeline(paths, db, vocab_files=vocab_files, batch=batch)
        with tempfile.TemporaryDirectory() as tmp:
            return run_pipeline(paths, Path(tmp) / "accord.db", vocab_files=vocab_files,
                                batch=batch)
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.version_option(package_name="accord",
                      message=f"%(prog)s, version %(version)s, {build_kind()}")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
def cli(verbose: bool) -> None:
    """accord: a source-attributed evidence table from a pile of reports about one event."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="accord-out",
              show_default=True, help="Folder for the store and every output.")
@click.option("--db", type=StoreAddress(), default=None,
              help="Store to write: a SQLite file (default: OUT/accord.db) or a postgresql:// URL.")
@vocab_option
@click.option("--strict", is_flag=True, help="Stop at the first input that cannot be read.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True,
              help="Skip (and list) any document file larger than this.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local processes for the per-document stages.")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Run the per-document stages on a Dask cluster ('local' starts one).")
def run(paths: tuple[str, ...], out_dir: str, db: str | None, vocab_files: tuple[str, ...],
        strict: bool, max_bytes: int, workers: int, dask_address: str | None) -> None:
    """Read PATHS (files, folders, globs or - for stdin) and write the store and all outputs.

    Example:

        accord run examples/khojaly --out report/
    """
    try:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        db_path = db or str(out / "accord.db")
        batch: Batch | None = None
        skipped: list[Skipped] = []
        if strict:  # every input read before anything is stored
            batch = ingest(paths, max_bytes=max_bytes)
            _report_skips(batch)
            if _real_skips(batch):
                first = _real_skips(batch)[0]
                raise click.ClickException(f"{first.path}: {first.reason} (--strict)")
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=err, transient=True, disable=not err.is_terminal) as bar:
            # streamed: the number of documents is known at the end only
            task = bar.add_task("extracting", total=len(batch.documents) if batch else None)
            result = run_pipeline(paths, db_path, vocab_files=vocab_files, batch=batch,
                                  progress=lambda _doc: bar.advance(task), workers=workers,
                                  dask=dask_address, skipped=skipped, max_bytes=max_bytes)
        if batch is None:
            batch = Batch(skipped=skipped)
            _report_skips(batch)
        files = {"claims.jsonl": "jsonl", "claims.csv": "csv", "facts.json": "json",
                 "report.md": "markdown", "report.html": "html"}
        for name, fmt in files.items():
            (out / name).write_text(RENDERERS[fmt](result), encoding="utf-8")
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc
    conflicts = sum(1 for f in result.facts if f.status == "conflict")
    err.print(f"{len(result.documents)} documents, {len(result.claims)} claims, "
              f"{len(result.facts)} facts ({conflicts} in conflict), "
              f"{len(result.anomalies)} anomalies -> {out}/ (store: {db_path})", highlight=False)
    if _real_skips(batch):
        sys.exit(EXIT_SKIPPED)


def _claims_table(result: Result) -> Table:
    table = Table("doc", "event", "category", "group", "stated", "value", "qualifier", "sentence")
    for c in result.claims:
        table.add_row(c.doc, c.event, c.category, c.group, c.stated,
                      stated(c.value, c.low, c.high), c.qualifier, c.text[:80])
    return table


def _facts_table(result: Result) -> Table:
    table = Table("event", "category", "group", "status", "best", "low", "high", "values")
    for f in result.facts:
        values = "; ".join(f"{stated(v.value, v.low, v.high, v.qualifiers)} ({len(v.docs)} docs)"
                           for v in f.values)
        table.add_row(f.event, f.category, f.group, f.status, str(f.best or ""),
                      str(f.low if f.low is not None else ""),
                      str(f.high if f.high is not None else ""), values)
    return table


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS["claims"]), default="jsonl",
              show_default=True)
@click.option("--db", type=StoreAddress(), default=None,
              help="Also keep the store here.")
@vocab_option
def claims(paths: tuple[str, ...], fmt: str, db: str | None, vocab_files: tuple[str, ...]) -> None:
    """Print one claim a line (or a table) for every figure in PATHS.

    Example:

        accord claims examples/khojaly --format jsonl
    """
    result = _analyse(paths, vocab_files, db)
    if fmt == "table":
        Console().print(_claims_table(result))
    elif fmt == "json":
        click.echo(json.dumps([claim_record(c) for c in result.claims], ensure_ascii=False,
                              indent=1))
    else:
        click.echo(RENDERERS[fmt](result), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS["facts"]), default="json",
              show_default=True)
@click.option("--db", type=StoreAddress(), default=None,
              help="Also keep the store here.")
@vocab_option
def facts(paths: tuple[str, ...], fmt: str, db: str | None, vocab_files: tuple[str, ...]) -> None:
    """Print the reconciled facts of PATHS: values, who states them, conflicts, anomalies.

    Example:

        accord facts examples/khojaly --format json
    """
    result = _analyse(paths, vocab_files, db)
    if fmt == "table":
        Console().print(_facts_table(result))
    else:
        click.echo(RENDERERS[fmt](result), nl=False)


@cli.command(name="eval")
@click.argument("paths", nargs=-1, required=True)
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False),
              help="gold.jsonl: one row per figure each document states.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--show-errors", is_flag=True, help="List false positives and negatives.")
@vocab_option
def eval_(paths: tuple[str, ...], gold: str, as_json: bool, show_errors: bool,
          vocab_files: tuple[str, ...]) -> None:
    """Score the claims of PATHS against a gold file: precision, recall, F1, event separation.

    Example:

        accord eval examples/khojaly --gold examples/khojaly/gold.jsonl
    """
    result = _analyse(paths, vocab_files, None)
    try:
        score = evaluate(result.claims, load_gold(gold))
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc
    data = score.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    click.echo(f"precision {data['precision']:.3f}  recall {data['recall']:.3f}  "
               f"F1 {data['f1']:.3f}  (tp {score.tp}, fp {score.fp}, fn {score.fn})")
    sep = data["event_separation"]
    click.echo(f"event separation: precision {sep['precision']:.3f}  recall {sep['recall']:.3f}"
               f"; claims from unrelated stories: {score.unrelated_claimed}")
    if show_errors:
        for row in score.false_positives:
            click.echo(f"FP {row['doc']} {row['category']}/{row['group']} {row['stated']!r}: "
                       f"{row['text']}")
        for row in score.false_negatives:
            click.echo(f"FN {row['doc']} {row['category']}/{row['group']} "
                       f"{row['value'] if row['value'] is not None else (row['low'], row['high'])}"
                       f": {row['evidence']}")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@vocab_option
def reuse(paths: tuple[str, ...], fmt: str, vocab_files: tuple[str, ...]) -> None:
    """Print the pairs of documents that share passages, with the share of each in the other.

    Example:

        accord reuse examples/khojaly --format table
    """
    result = _analyse(paths, vocab_files, None)
    if fmt == "json":
        click.echo(json.dumps({"pairs": result.pairs, "groups": result.groups,
                               "reuse": [r.to_dict() for r in result.reuse],
                               "fingerprints": result.fingerprints},
                              ensure_ascii=False, indent=1))
        return
    table = Table("a", "b", "passages", "a inside b", "b inside a", "near-duplicate", "lineage")
    for p in result.pairs:
        arrow = f"{p['from']} -> {p['to']}" if p["directed"] else "undated: no direction"
        table.add_row(p["a"], p["b"], str(p["passages"]), f"{p['a_in_b']:.0%}",
                      f"{p['b_in_a']:.0%}", "yes" if p["near_duplicate"] else "", arrow)
    console = Console()
    console.print(table)
    console.print(f"{len(result.groups)} reuse groups: "
                  + "; ".join(", ".join(g) for g in result.groups), highlight=False)
    if result.fingerprints:
        prints = Table("a", "b", "shared figures", "similarity", "shared wording")
        for f in result.fingerprints:
            prints.add_row(f["a"], f["b"], str(f["shared"]), f"{f['similarity']:.2f}",
                           "yes" if f["shared_wording"] else "no")
        console.print("Documents stating the same set of figures:")
        console.print(prints)


@cli.command()
@click.argument("db", type=StoreAddress())
@click.argument("paths", nargs=-1, required=True)
@vocab_option
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS")
@click.option("--full", is_flag=True,
              help="Recompute every corpus result, not only what the new documents touch.")
def add(db: str, paths: tuple[str, ...], vocab_files: tuple[str, ...], workers: int,
        dask_address: str | None, full: bool) -> None:
    """Add documents to an existing store; unchanged ones are skipped, changed ones replaced
    (the old version kept in history); the events, facts, dates, reuse and fingerprints the
    new documents touch are then recomputed (--full: all of them).

    Example:

        accord add report/accord.db new-reports/
    """
    from accord.pipeline import add_documents

    try:
        batch = Batch()
        with Store(db) as store:
            report = add_documents(store, stream(paths, batch), vocab_files, workers=workers,
                                   dask=dask_address, full=full)
        _report_skips(batch)
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in report:
        claims = "" if row["claims"] is None else f", {row['claims']} claims"
        click.echo(f"{row['id']}: {row['note']}{claims}")
    if _real_skips(batch):
        sys.exit(EXIT_SKIPPED)


@cli.command()
@click.argument("db", type=StoreAddress(exists=True))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def events(db: str, fmt: str) -> None:
    """List the events of a store with their documents, claims and stated dates.

    Example:

        accord events report/accord.db
    """
    try:
        with Store(db) as store:
            result = store.result()
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = []
    for event in result.events:
        claims = [c for c in result.claims if c.event == event["id"]]
        rows.append({"id": event["id"], "main": event["main"], "year": event["year"],
                     "place": event["place"], "documents": len({c.doc for c in claims}),
                     "claims": len(claims),
                     "dates": [d["value"] for d in event.get("dates", [])]})
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("event", "documents", "claims", "year", "place", "dates stated")
    for row in rows:
        table.add_row(row["id"], str(row["documents"]), str(row["claims"]),
                      str(row["year"] or ""), row["place"] or "", ", ".join(row["dates"]))
    Console().print(table)


@cli.command()
@click.argument("db", type=StoreAddress(exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="File to write.")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="html",
              show_default=True)
def report(db: str, output: str, fmt: str) -> None:
    """Render a report from an existing store.

    Example:

        accord report report/accord.db -o report.html
    """
    try:
        with Store(db) as store:
            result = store.result()
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc
    Path(output).write_text(RENDERERS[fmt](result), encoding="utf-8")
    err.print(f"wrote {output}")


@cli.command()
@click.argument("db", required=False, default="accord-out/accord.db", type=StoreAddress())
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; keep 127.0.0.1 unless you mean to share the store.")
@click.option("--port", default=8765, show_default=True, type=int)
@vocab_option
def serve(db: str, host: str, port: int, vocab_files: tuple[str, ...]) -> None:
    """Serve the local web app over a store: browse, search, add documents, review.

    Example:

        accord serve report/accord.db --port 8765
    """
    import uvicorn

    from accord.web import create_app

    try:
        app = create_app(db, host=host, port=port, vocab_files=vocab_files)
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc
    err.print(f"accord serving {db} at http://{host}:{port}/", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.command()
@vocab_option
@click.option("--show", is_flag=True, help="Print the merged vocabulary as JSON.")
def vocab(vocab_files: tuple[str, ...], show: bool) -> None:
    """Check the vocabulary (shipped, plus any --vocab files) and summarise or print it.

    Example:

        accord vocab --vocab my-words.yaml --show
    """
    try:
        v = load_vocab(*vocab_files)
    except AccordError as exc:
        raise click.ClickException(str(exc)) from exc
    if show:
        click.echo(json.dumps(v.raw, ensure_ascii=False, indent=1, default=str))
        return
    n_cues = sum(len(b) for b in v.cues.values())
    click.echo(f"{len(v.categories)} categories, {n_cues} cues, {len(v.groups)} group phrases, "
               f"{len(v.line_patterns)} boilerplate patterns")


def main() -> None:  # pragma: no cover
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
