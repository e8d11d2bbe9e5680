"""PostgreSQL behind the Store's small connection interface, for many writers on one store.

The Store speaks the sqlite3 connection protocol (``execute``, ``executemany``,
``executescript``, ``with conn:`` for a transaction, rows readable by name and by position);
this module gives a psycopg connection that protocol, with the same schema translated to
PostgreSQL types. psycopg is an optional dependency: ``pip install -e ".[postgres]"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from accord.errors import StoreError

URL_PREFIXES = ("postgresql://", "postgres://")


def is_postgres(target: str) -> bool:
    """True when a store address names a PostgreSQL database rather than a SQLite file."""
    return target.startswith(URL_PREFIXES)


def translate_schema(schema: str) -> str:
    """SQLite's schema in PostgreSQL's types (64-bit integers, as SQLite stores them)."""
    schema = schema.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    schema = re.sub(r"\bINTEGER\b", "BIGINT", schema)
    schema = re.sub(r"\bREAL\b", "DOUBLE PRECISION", schema)
    schema = re.sub(r"\bBLOB\b", "BYTEA", schema)
    return schema.replace("DEFAULT (datetime('now'))",
                          "DEFAULT (to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD HH24:MI:SS'))")


class Row(tuple):
    """A result row readable by column name and by position, like sqlite3.Row."""

    names: tuple[str, ...] = ()

    def __new__(cls, names: tuple[str, ...], values: Sequence[Any]) -> Row:
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any) -> Any:
    names = tuple(c.name for c in cursor.description or ())
    return lambda values: Row(names, values)


def _params(sql: str) -> str:
    return sql.replace("?", "%s")  # the Store's SQL holds no literal question marks


class Connection:
    """A psycopg connection that takes the Store's sqlite3-style calls."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError(f"{_safe(url)}: PostgreSQL needs psycopg "
                             '(pip install -e ".[postgres]")') from exc
        self.errors: tuple[type[Exception], ...] = (psycopg.Error,)
        try:
            self.raw = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
        except psycopg.Error as exc:
            raise StoreError(f"{_safe(url)}: cannot connect: {exc}".strip()) from exc
        self._transactions: list[Any] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(_params(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(_params(sql), rows)

    def executescript(self, script: str) -> None:
        for statement in translate_schema(script).split(";"):
            if statement.strip():
                self.raw.execute(statement)

    def __enter__(self) -> Connection:
        transaction = self.raw.transaction()
        transaction.__enter__()
        self._transactions.append(transaction)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._transactions.pop().__exit__(*exc)

    def close(self) -> None:
        self.raw.close()

    def __iter__(self) -> Iterator[Any]:  # pragma: no cover - not a cursor
        raise TypeError("iterate over execute(...), not the connection")


def _safe(url: str) -> str:
    """The address without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
