"""The store on a real PostgreSQL server: same results as SQLite, and two writers at once.

`bash .ci/run` starts a server from Debian's packages and sets ACCORD_TEST_POSTGRES; without
one, these tests are skipped and say why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.pipeline import run
from accord.store import Store

SERVER = os.environ.get("ACCORD_TEST_POSTGRES", "")
pytestmark = pytest.mark.skipif(
    not SERVER, reason="no PostgreSQL server: set ACCORD_TEST_POSTGRES to a postgresql:// URL "
                       "(bash .ci/run starts one from Debian's packages)")


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"accord_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = SERVER.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _state(result: object) -> dict[str, object]:
    r = result  # a Result
    return {
        "claims": sorted((c.id, c.event, c.category, c.group, c.value, c.low, c.high, c.source)
                         for c in r.claims),  # type: ignore[attr-defined]
        "facts": [(f.event, f.category, f.group, f.status, f.best, f.low, f.high,
                   [v.to_dict() for v in f.values]) for f in r.facts],  # type: ignore[attr-defined]
        "anomalies": sorted((a.kind, a.doc, a.detail) for a in r.anomalies),  # type: ignore[attr-defined]
        "reuse": [x.to_dict() for x in r.reuse],  # type: ignore[attr-defined]
        "entities": r.entities,  # type: ignore[attr-defined]
    }


def test_postgres_store_holds_what_sqlite_holds(database: str, khojaly: Path,
                                                tmp_path: Path) -> None:
    on_sqlite = run([str(khojaly)], tmp_path / "accord.db")
    on_postgres = run([str(khojaly)], database)
    assert _state(on_postgres) == _state(on_sqlite)
    with Store(database) as store:  # and read back from the server, as report/serve do
        assert _state(store.result()) == _state(on_sqlite)
        review = store.add_review("claim_wrong", on_sqlite.claims[0].id, note="typo")
        assert store.reviews()[0]["id"] == review
        assert store.counts()["documents"] == 5
    again = run([str(khojaly)], database)  # a second run replaces, never duplicates
    assert _state(again) == _state(on_sqlite)


def test_two_writers_add_to_one_postgres_store(database: str, khojaly: Path,
                                               tmp_path: Path) -> None:
    halves = [tmp_path / "a", tmp_path / "b"]
    for n, path in enumerate(sorted(khojaly.glob("0*.txt"))):
        folder = halves[n % 2]
        folder.mkdir(exist_ok=True)
        (folder / path.name).write_text(path.read_text("utf-8"), "utf-8")
    Store(database).close()  # create the schema once, then two processes write at once
    procs = [subprocess.Popen([sys.executable, "-m", "accord", "add", database, str(h)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for h in halves]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with Store(database) as store:
        assert sorted(d.id for d in store.documents()) == sorted(
            p.name for p in khojaly.glob("0*.txt"))
        assert store.facts()


def test_a_bad_postgres_address_is_a_clear_error() -> None:
    from accord.errors import StoreError

    with pytest.raises(StoreError, match="cannot connect") as exc:
        Store("postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(exc.value)


def test_a_save_on_postgres_builds_no_index_and_one_on_sqlite_does(
        database: str, khojaly: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several writers save to one PostgreSQL store at once: an index dropped or built in a
    save takes its table's lock until the save ends, and two `accord add` at once
    deadlocked on it. SQLite has one writer: there a save rebuilds indexes of the tables it
    fills, as that is faster."""
    import sqlite3

    from accord import postgres

    said: list[str] = []
    saving: list[bool] = []
    execute, save = postgres.Connection.execute, Store.save_results

    def recording(self: postgres.Connection, sql: str, params: object = ()) -> object:
        if saving:
            said.append(sql)
        return execute(self, sql, params)  # type: ignore[arg-type]

    def watched(self: Store, *args: object, **kwargs: object) -> None:
        saving.append(True)
        try:
            save(self, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            saving.pop()

    monkeypatch.setattr(postgres.Connection, "execute", recording)
    monkeypatch.setattr(Store, "save_results", watched)
    on_postgres = run([str(khojaly)], database)
    assert any(sql.startswith("DELETE FROM facts") for sql in said)  # the save was seen
    assert [sql for sql in said if "INDEX" in sql.upper()] == []
    monkeypatch.undo()
    from accord.reconcile import figure_key

    figure = figure_key(on_postgres.claims[0])
    stating = {c.doc for c in on_postgres.claims if figure_key(c) == figure}
    with Store(database) as store:  # the figure index is made once, outside a save
        assert store.figure_counts([figure]) == {figure: len(stating)}
        assert store.conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = "
                                  "'claims_figure'").fetchone()[0] == 1

    db = tmp_path / "accord.db"
    run([str(khojaly)], db)
    traced: list[str] = []
    with Store(db) as store:
        assert isinstance(store.conn, sqlite3.Connection)
        store.conn.set_trace_callback(traced.append)
        store.save_results(store.result())
    assert any(sql.startswith("DROP INDEX") for sql in traced)


def test_cli_runs_reports_and_lists_events_on_postgres(database: str, khojaly: Path,
                                                       tmp_path: Path) -> None:
    from click.testing import CliRunner

    from accord.cli import cli

    runner = CliRunner()
    done = runner.invoke(cli, ["run", str(khojaly), "--out", str(tmp_path / "out"),
                               "--db", database])
    assert done.exit_code == 0, done.output
    assert not (tmp_path / "out" / "accord.db").exists()  # the store is on the server
    events = runner.invoke(cli, ["events", database, "--format", "json"])
    assert events.exit_code == 0, events.output
    assert "khojaly-1992" in events.output
    report = runner.invoke(cli, ["report", database, "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    assert "Khojaly" in (tmp_path / "r.html").read_text("utf-8")


@pytest.mark.parametrize("workers", [1, 2])
def test_an_incremental_add_on_postgres_ends_as_on_sqlite(
        database: str, first_and_later: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """accord add's incremental stage (kept band keys as BYTEA, date records, entity rows,
    keyed fact deletes, figures looked up by their index) writes on PostgreSQL what it
    writes on SQLite; with workers, its reuse process reads through a connection of its
    own."""
    from accord import pipeline
    from accord.ingest import ingest

    first, later = first_and_later

    def full_finish(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full finish ran")

    states = []
    for target in (str(tmp_path / "accord.db"), database):
        run([str(first)], target)
        with monkeypatch.context() as patched:
            patched.setattr(pipeline, "finish", full_finish)
            with Store(target) as store:
                pipeline.add_documents(store, ingest([str(later)]).documents,
                                       workers=workers)
        with Store(target) as store:
            states.append(_state(store.result()))
    assert states[0] == states[1]
    assert len(states[0]["facts"]) > 10  # type: ignore[arg-type]
