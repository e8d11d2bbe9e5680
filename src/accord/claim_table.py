"""Claims as columns: how a finish holds every claim of a store at once.

A Claim object is ~290 bytes with its id (2.7 GB for the 9.4 million claims of a million
documents); as columns, recurring words and figures as numbers into lists of the distinct
ones, a claim is ~57 bytes (56.7 measured by tracemalloc on a store of 100k documents; 85.9
with 64-bit figures and a lookup of every document and parent, 130.7 when the ids were held,
packed in one buffer, and every column 32 or 64 bits wide). The corpus stages read a
ClaimTable like a list of claims: each claim read is made then, from the columns, and let go
after. So a claim read from it is a copy: the one column a corpus stage sets, the event, is
set through ``set_events``.

A column is as narrow as what it holds allows, and widens when a claim needs it: a
crawl's categories, groups and qualifiers are a few dozen words (a byte each), its
documents a million. An id is not held where it is the one extract gives
(``{doc}@{figure_start}-{figure_end}`` and a "+" for each earlier claim of that span): it
is made again from those columns when read. Other ids are held as given.

Only what the corpus stages read is kept: a claim's sentence, figure as written and cue are
empty strings, as in ``Store.claims(text=False)``.
"""

from __future__ import annotations

import mmap
import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby, pairwise
from operator import attrgetter
from typing import Any, BinaryIO, TypeAlias, cast, overload

import numpy as np

from accord.model import Claim

#: columns of recurring words, each kept as numbers into its own list of words
WORDS = ("doc", "event", "category", "group", "qualifier", "parent", "source", "context_kind")
#: word columns whose words belong to one document (its id; the id of one of its claims, a
#: breakdown's total): while claims come in document order and each such word is its row's
#: document's own (_own_word), a table looks them up among the current document's words
#: only. A lookup of every word of these was ~12 bytes a claim (its dict and codes; 113 MB
#: at a million documents) and served no later row.
OWN_WORDS = ("doc", "parent")
#: columns of numbers that may be None
NUMBERS = ("value", "low", "high", "start", "end", "figure_start", "figure_end", "context_year")
#: the number columns held as codes, like words, into one list of the distinct figures the
#: three share: a crawl's figures recur (9,777 distinct in 945,601 claims of 100k generated
#: reports; low and high are the value in 90-96%), and as 64-bit numbers they were 24 bytes
#: a claim. Read as numbers, they are made (ClaimTable.numbers), or taken as codes
#: (figure_column) or ranks (figure_ranks) by the passes over every claim.
FIGURES = NUMBERS[:3]
OTHER_NUMBERS = NUMBERS[len(FIGURES):]  # held as numbers, each as narrow as it allows
#: the array type a number column starts with (a word column's codes start as bytes, "B",
#: and so do the figures'); years fit 16 bits
TYPECODES = {"context_year": "h"}
#: the type a column widens to when a value does not fit
WIDER = {"B": "H", "H": "i", "h": "i", "i": "q"}
#: None, in a column of numbers of this type (the one value such a column cannot hold)
NONE = {"q": -(2 ** 63), "i": -(2 ** 31), "h": -(2 ** 15)}
CLAIM_FIELDS = tuple(Claim.__dataclass_fields__)  # Claim's arguments, in order
COLUMNS = ("id", *WORDS, *NUMBERS)  # a table's columns, as set_aside names them
KEPT = frozenset(COLUMNS)  # the others (sentence, stated, cue) are empty
#: numpy's types of the columns' array typecodes
DTYPES = {"B": np.uint8, "H": np.uint16, "h": np.int16, "i": np.int32, "q": np.int64}
TYPECODE_OF = {np.dtype(dtype): typecode for typecode, dtype in DTYPES.items()}
#: a column: an array while the table grows, a read-only view of its file once sealed
Column: TypeAlias = "array[Any] | np.ndarray"
#: a sealed column's pages are handed back once reads have mapped in about this many of
#: them since the last time (see ClaimTable.seal): a pass over a crawl's claims read in
#: order, or a block at a time (the claims a pass picks), mapped in every page of the
#: columns it read until its stage ended (+37 MB at 100k documents in each of the facts
#: stage's two anomaly passes)
RELEASE_PAGES = 1 << 11
PAGE = mmap.PAGESIZE
#: the advice that hands mapped pages back (none on Windows: there the system alone does)
DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)
#: where an id's parts are among a row's words and numbers (as append_row takes them)
DOC, FIGURE_START, FIGURE_END = 0, NUMBERS.index("figure_start"), NUMBERS.index("figure_end")
PARENT = WORDS.index("parent")
BLOCK = 8192  # claims made at once as a table is read in order
SPILL_ROWS = 1 << 18  # rows a table grows by in memory before sealed_from writes them out
#: the sealed tables alive, whose pages release_sealed hands back at a stage's end
_SEALED: weakref.WeakSet[ClaimTable] = weakref.WeakSet()


class _MadeClaims(Sequence[Claim]):
    """Claims made when read, by position: what a ClaimTable and a selection of its rows
    share."""

    def _taken(self, positions: Sequence[int]) -> list[Claim]:
        raise NotImplementedError

    @overload
    def __getitem__(self, k: int) -> Claim: ...
    @overload
    def __getitem__(self, k: slice) -> list[Claim]: ...

    def __getitem__(self, k: int | slice) -> Claim | list[Claim]:
        at = range(len(self))[k]  # negative positions, and IndexError, as a list has them
        return self._taken(at) if isinstance(at, range) else self._taken([at])[0]


class ClaimTable(_MadeClaims):
    """Claims in the order given, as columns (see the module docstring)."""

    def __init__(self, claims: Iterable[Claim] = ()) -> None:
        self._words: dict[str, list[str | None]] = {name: [] for name in WORDS}
        self._number_of: dict[str, dict[str | None, int]] = {name: {} for name in WORDS}
        self._coded: dict[str, Column] = {name: array("B") for name in (*WORDS, *FIGURES)}
        self._numbers: dict[str, Column] = {name: array(TYPECODES.get(name, "i"))
                                            for name in OTHER_NUMBERS}
        self._figures: list[int | None] = []  # the distinct figures, as FIGURES' codes name
        self._figure_of: dict[int | None, int] = {}
        self._plus: Column = array("B")  # each id's "+"s, where it is the one extract gives
        self._other_ids: dict[int, str] = {}  # by row: the ids that are not
        self._doc_sorted = True
        self._last_doc = ""
        self._aside: set[str] = set()  # the columns on disk (see set_aside)
        self._own = set(OWN_WORDS)  # the columns looked up a document at a time
        self._map: mmap.mmap | None = None  # the sealed columns' file (see seal)
        self._spans: dict[str, tuple[int, int]] = {}  # each sealed column's bytes in it
        self._mapped: dict[str, int] = {}  # pages each read mapped in since its release
        self._size = 0
        for c in claims:
            self.append(c)

    def append(self, claim: Claim) -> None:
        self.append_row(claim.id, [getattr(claim, name) for name in WORDS],
                        [getattr(claim, name) for name in NUMBERS])

    def append_row(self, claim_id: str, words: Sequence[str | None],
                   numbers: Sequence[int | None]) -> None:
        """A claim from its id, its WORDS and its NUMBERS (as a store reads them)."""
        self._held()
        if self._map is not None:
            raise RuntimeError("a sealed claim table takes no more claims")
        doc = words[DOC] or ""
        self._next_doc(doc)
        if "parent" in self._own and not _own_word(words[PARENT], doc):  # ("doc": always)
            self._look_up_all("parent")
        self._append_id(claim_id, words[DOC], numbers[FIGURE_START], numbers[FIGURE_END])
        self._size += 1
        codes = [self._number(name, word) for name, word in zip(WORDS, words, strict=True)]
        codes += map(self._figure, numbers[:len(FIGURES)])
        # arrays while the table grows (a sealed one takes no claim: see above)
        coded: dict[str, array[Any]] = self._coded  # type: ignore[assignment]
        for name, code in zip((*WORDS, *FIGURES), codes, strict=True):
            try:
                coded[name].append(code)
            except OverflowError:
                coded[name] = _widened(coded[name], code)
        columns: dict[str, array[Any]] = self._numbers  # type: ignore[assignment]
        for name, number in zip(OTHER_NUMBERS, numbers[len(FIGURES):], strict=True):
            column = columns[name]
            none = NONE[column.typecode]
            if number is None:
                column.append(none)
                continue
            try:
                if number == none:
                    raise OverflowError  # the one value a column of its type cannot hold
                column.append(number)
            except OverflowError:
                columns[name] = _widened(column, number)

    def _next_doc(self, doc: str) -> None:
        """Before a row of document ``doc``: a new document's own words start afresh (see
        OWN_WORDS), unless the claims left document order, when every word is looked up
        from then on."""
        if doc == self._last_doc:
            return
        if doc < self._last_doc and self._doc_sorted:
            self._doc_sorted = False
            for name in list(self._own):
                self._look_up_all(name)
        for name in self._own:
            lookup = self._number_of[name]
            kept = {word: lookup[word] for word in (None, "") if word in lookup}
            lookup.clear()  # but for the words of no document: none, or empty
            lookup.update(kept)
        self._last_doc = doc

    def _look_up_all(self, name: str) -> None:
        """Look every word of column ``name`` up from now on (its words held so far are
        distinct: each was its own document's, and that document's rows are behind)."""
        self._number_of[name] = {word: code for code, word in enumerate(self._words[name])}
        self._own.discard(name)

    def _append_id(self, claim_id: str, doc: str | None, start: int | None,
                   end: int | None) -> None:
        made = _made_id(doc, start, end)
        plus = len(claim_id) - len(made)
        ids: array[Any] = self._plus  # type: ignore[assignment]  # (growing: see append_row)
        if claim_id.startswith(made) and claim_id.endswith("+" * plus) and plus < 256:
            ids.append(plus)
        else:
            ids.append(0)
            self._other_ids[self._size] = claim_id

    def _figure(self, value: int | None) -> int:
        code = self._figure_of.get(value)
        if code is None:
            if value is not None and not NONE["q"] < value < 2 ** 63:
                raise OverflowError(f"{value} does not fit a claim's 64-bit column")
            code = self._figure_of[value] = len(self._figures)
            self._figures.append(value)
        return code

    def _number(self, name: str, word: str | None) -> int:
        number_of = self._number_of[name]
        n = number_of.get(word)
        if n is None:
            words = self._words[name]
            n = number_of[word] = len(words)
            words.append(word)
        return n

    def __len__(self) -> int:
        return self._size

    def _held(self, *names: str) -> None:
        """An error if any of the columns ``names`` (every column when none are named) is set
        aside."""
        aside = [name for name in names or COLUMNS if name in self._aside]
        if aside:
            raise RuntimeError(f"the claims' {', '.join(aside)} are set aside on disk until "
                               "set_aside's block ends")

    @contextmanager
    def set_aside(self, names: Sequence[str] = ()) -> Iterator[None]:
        """The columns ``names`` (every column when none are named; "id" is the ids) in a
        temporary file for the while (the words stay): the corpus stages that read no claim
        (dates, reuse) then run without a crawl's claims in memory (a GB at a million
        documents), and those before the facts without their ids (routing's peak at 1M fell
        by ~200 MB). Reading one of these columns meanwhile is an error. Blocks may nest: a
        column already aside stays aside until the block that set it aside ends. A sealed
        column is on disk already: it is only marked aside, and its pages handed back."""
        chosen = [name for name in names or COLUMNS if name not in self._aside]
        in_memory = [name for name in chosen if isinstance(self._part(name), array)]
        self.release()
        with tempfile.TemporaryFile(prefix="accord-claims-") as spill:
            layout: list[tuple[str, int]] = []
            for name in in_memory:  # every column written before any is let go
                column = self._part(name)
                spill.write(_read_only(column).data)
                layout.append((_typecode(column), len(column)))
            for name in in_memory:
                self._set_part(name, array(_typecode(self._part(name))))
            self._aside.update(chosen)
            try:
                yield
            finally:
                spill.seek(0)
                for name, (typecode, length) in zip(in_memory, layout, strict=True):
                    column = array(typecode)
                    column.fromfile(spill, length)
                    self._set_part(name, column)
                self._aside.difference_update(chosen)

    def seal(self) -> None:
        """Move every column to a temporary file, mapped read-only: the table then takes no
        more claims, and a pass maps in the pages of only the columns and rows it reads,
        which ``release`` (and reads, column by column, once they mapped in RELEASE_PAGES)
        hands back. The system keeps the file in its page cache while memory allows
        and can drop it and read it again when not, as it does a store's pages: a finish
        held a crawl's columns from its load to its end (~0.5 GB at a million documents),
        though each pass reads a few of them. An empty table stays as it is."""
        if self._map is not None or not self._size:
            return
        self._map_columns((name, _read_only(self._part(name))) for name in COLUMNS)

    @classmethod
    def sealed_from(cls, rows: Iterable[tuple[str, Sequence[str | None],
                                               Sequence[int | None]]],
                    spill_every: int = SPILL_ROWS) -> ClaimTable:
        """A sealed table of ``rows`` (append_row's arguments), its columns written to disk
        every ``spill_every`` rows as it grows: a crawl's whole table in memory before it
        was sealed was the peak of a finish's load (887 MB at a million documents, 445 MB
        once sealed). The table is never seen part on disk: sealed, its columns are joined
        (each column at once, in the widest type its parts took)."""
        table = cls()
        with tempfile.TemporaryFile(prefix="accord-claims-") as chunks:
            parts: dict[str, list[tuple[str, int, int]]] = {name: [] for name in COLUMNS}
            for claim_id, words, numbers in rows:
                table.append_row(claim_id, words, numbers)
                if table._size % spill_every == 0:
                    for name in COLUMNS:
                        column = cast("array[Any]", table._part(name))
                        parts[name].append((column.typecode, chunks.tell(), len(column)))
                        chunks.write(column)
                        table._set_part(name, array(column.typecode))
            if not parts["id"]:
                table.seal()
                return table
            table._map_columns((name, table._joined(name, chunks, parts[name]))
                               for name in COLUMNS)
        return table

    def _joined(self, name: str, chunks: BinaryIO, parts: list[tuple[str, int, int]]
                ) -> np.ndarray:
        """Column ``name`` whole: its ``parts`` (typecode, offset, rows) in ``chunks``, then
        the rows still in memory (let go), in the type of these last (the widest: a column
        only widens)."""
        rest = cast("array[Any]", self._part(name))
        whole = np.empty(self._size, dtype=DTYPES[rest.typecode])
        at = 0
        for typecode, offset, size in parts:
            chunks.seek(offset)
            dtype = np.dtype(DTYPES[typecode])
            part = np.frombuffer(chunks.read(size * dtype.itemsize), dtype=dtype)
            whole[at:at + size] = _converted(part, typecode, rest.typecode)
            at += size
        whole[at:] = _read_only(rest)
        self._set_part(name, array(rest.typecode))
        return whole

    def _map_columns(self, columns: Iterable[tuple[str, np.ndarray]]) -> None:
        """Write ``columns`` (each let go once written) to a temporary file, and take the
        mapped file's views of them as the table's columns."""
        with tempfile.TemporaryFile(prefix="accord-claims-") as spill:
            spans: dict[str, tuple[int, int]] = {}
            typecodes: dict[str, str] = {}
            offset = 0
            for name, column in columns:
                size = column.nbytes
                spill.write(column.data)
                pad = -size % mmap.PAGESIZE  # each column starts on a page: released alone
                spill.write(bytes(pad))
                spans[name], typecodes[name] = (offset, size), _typecode(column)
                offset += size + pad
                del column
            spill.flush()
            self._map = mmap.mmap(spill.fileno(), offset, access=mmap.ACCESS_READ)
        # the mapping keeps the file (unlinked when made) until it is let go
        for name, (start, _) in spans.items():
            self._set_part(name, np.frombuffer(self._map, dtype=DTYPES[typecodes[name]],
                                               count=self._size, offset=start))
        self._spans = spans
        _SEALED.add(self)

    def reordered(self, order: np.ndarray) -> ClaimTable:
        """The claims at rows ``order``, in that order, as a sealed table of their own that
        shares this one's words and figures: read in its order, a pass maps in a few pages
        at a time. The facts read a crawl's claims a fact at a time, and a fact's claims lie
        scattered over every page of a table in document order: read there, every page of
        every column was mapped in at once. Its columns are made a column at a time (what
        it holds at most: one column and its copy)."""
        self._held()
        table = ClaimTable()
        # the same words, figures and lookups: a code means the same in both, and an event
        # set on either is numbered in both (neither takes a claim: both are sealed)
        table._words, table._number_of = self._words, self._number_of
        table._figures, table._figure_of = self._figures, self._figure_of
        table._doc_sorted, table._own, table._size = False, set(self._own), len(order)
        if self._other_ids:
            moved = np.flatnonzero(np.isin(order, np.fromiter(self._other_ids, dtype=np.int64)))
            table._other_ids = {int(new): self._other_ids[int(order[new])] for new in moved}

        def columns() -> Iterator[tuple[str, np.ndarray]]:
            for name in COLUMNS:
                column = _read_only(self._part(name))[order]
                self.release(name)
                yield name, column

        if len(order):
            table._map_columns(columns())
        else:  # nothing to map: empty columns of the same types
            for name in COLUMNS:
                table._set_part(name, array(_typecode(self._part(name))))
        return table

    def release(self, name: str | None = None) -> None:
        """Hand back the pages of the sealed column ``name`` (of every sealed column when
        None) that passes mapped in: they stay in the system's page cache, and a later read
        maps them in again. An unsealed table holds its columns: nothing to hand back."""
        if self._map is None or DONTNEED is None:
            return
        if name is None:
            self._mapped.clear()
            self._map.madvise(DONTNEED)
        elif name in self._spans and isinstance(self._part(name), np.ndarray):
            self._mapped.pop(name, None)
            start, size = self._spans[name]
            if size:
                self._map.madvise(DONTNEED, start, size)

    @property
    def sealed(self) -> bool:
        """Whether the columns are in their file (see seal)."""
        return self._map is not None

    def _part(self, name: str) -> Column:
        """The array that holds column ``name`` ("id": the ids' "+"s; the other ids, a few
        where any, stay)."""
        if name == "id":
            return self._plus
        return self._coded[name] if name in self._coded else self._numbers[name]

    def _set_part(self, name: str, column: Column) -> None:
        if name == "id":
            self._plus = column
        else:
            (self._coded if name in self._coded else self._numbers)[name] = column

    def _taken(self, positions: Sequence[int]) -> list[Claim]:
        return self.take(positions)

    def __iter__(self) -> Iterator[Claim]:
        for start in range(0, len(self), BLOCK):
            yield from self.take(range(start, min(start + BLOCK, len(self))))

    def take(self, rows: Sequence[int]) -> list[Claim]:
        """The claims at ``rows``, made from the columns (a run of rows a column slice at a
        time: a finish reads a crawl's every claim a few times)."""
        self._held()
        empty = [""] * len(rows)  # the sentence, the figure as written, the cue
        columns = {name: self._column(name, rows) for name in KEPT if name != "id"}
        columns["id"] = self._ids(rows, _run_start(rows), columns)
        shared: dict[int | None, int | None] = {}
        for name in NUMBERS:  # one int object a value: a fact's claims repeat its figures,
            # and offsets recur, where each was an object of its own (28 bytes, five to
            # seven a claim: two fifths of a claim made in a crawl's largest fact)
            columns[name] = list(map(shared.setdefault, columns[name], columns[name]))
        return list(map(Claim, *(columns.get(name, empty) for name in CLAIM_FIELDS)))

    def values(self, names: Sequence[str], rows: np.ndarray | None = None
               ) -> Iterator[tuple[Any, ...]]:
        """The columns ``names`` of every claim (or of ``rows``), a tuple per claim, without
        making the claims: what a pass over a crawl's claims reads of them."""
        for start in range(0, len(self) if rows is None else len(rows), BLOCK):
            at = (range(start, min(start + BLOCK, len(self))) if rows is None
                  else rows[start:start + BLOCK].tolist())
            yield from zip(*(self._column(name, at) for name in names), strict=True)

    def _column(self, name: str, at: Sequence[int]) -> list[Any]:
        """The column ``name`` at the rows ``at``: a run of rows (a range, step 1) sliced."""
        self._held(name)
        run = _run_start(at)
        if name == "id":
            return self._ids(at, run)
        if name in self._coded:
            words: Sequence[Any] = self._figures if name in FIGURES else self._words[name]
            return list(map(words.__getitem__, self._gather(name, at, run)))
        none = NONE[_typecode(self._numbers[name])]
        values = self._gather(name, at, run)
        return [None if v == none else v for v in values] if none in values else values

    def _gather(self, name: str, at: Sequence[int], run: int | None) -> list[int]:
        """Column ``name``'s values at rows ``at`` (see _gather); a sealed column's pages
        handed back once reads mapped in RELEASE_PAGES of them (a row read in a run maps in
        its bytes, a row read alone as much as a page)."""
        column = self._part(name)
        values = _gather(column, at, run)
        if self._map is not None:
            self._mapped[name] = self._mapped.get(name, 0) + (
                len(at) if run is None else len(at) * column.itemsize // PAGE + 1)
            if self._mapped[name] >= RELEASE_PAGES:
                self.release(name)
        return values

    def _ids(self, at: Sequence[int], run: int | None,
             columns: dict[str, list[Any]] | None = None) -> list[str]:
        """The ids at rows ``at``, made from the columns (``columns``: those already read
        there, by name)."""
        got = columns or {name: self._column(name, at)
                          for name in ("doc", "figure_start", "figure_end")}
        ids = [f"{doc}@{start}-{end}" for doc, start, end in
               zip(got["doc"], got["figure_start"], got["figure_end"], strict=True)]
        plus = self._gather("id", at, run)
        if any(plus):
            ids = [made + "+" * n if n else made for made, n in zip(ids, plus, strict=True)]
        if self._other_ids:
            other = self._other_ids.get
            ids = [other(row, made) for row, made in zip(at, ids, strict=True)]
        return ids

    def coded(self, name: str) -> tuple[np.ndarray, list[str | None]]:
        """The word column ``name`` as numbers (unsigned, 8 to 32 bits: as wide as the column
        is) and the words they stand for: what a pass over a crawl's claims compares without
        making a string per claim. The numbers are a read-only view of the column, not a copy
        (each copy was 38 MB at a million documents, and a pass holds several): the table
        takes no claim while one is held."""
        self._held(name)
        return _read_only(self._coded[name]), self._words[name]

    def referenced_rows(self, name: str) -> np.ndarray:
        """For each claim, the row of the claim whose id its word column ``name`` holds (a
        breakdown's "parent": its total), -1 where none does; a later claim of the same id
        wins, as in a dict."""
        self._held("id", name)
        words = self._words[name]
        number_of = ({word: code for code, word in enumerate(words)} if name in self._own
                     else self._number_of[name])  # made for the while: see OWN_WORDS
        row_of_word = np.full(len(words), -1, dtype=np.int32)  # rows: fewer than 2**31
        for row, (claim_id,) in enumerate(self.values(("id",))):
            code = number_of.get(claim_id)
            if code is not None:
                row_of_word[code] = row
        del number_of
        return row_of_word[self.coded(name)[0]]

    def figure_codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The FIGURES column ``name`` as codes (a read-only view, 8 to 32 bits), and the
        figures they stand for as 64-bit integers, None as NONE["q"] (the same for the three
        columns): values[codes] is the column, made only where a pass needs it."""
        self._held(name)
        codes = _read_only(self._coded[name])
        none = NONE["q"]
        return codes, np.fromiter((none if v is None else v for v in self._figures),
                                  dtype=np.int64, count=len(self._figures))

    def numbers(self, name: str) -> np.ndarray:
        """The number column ``name`` as 64-bit integers, None as NONE["q"] (made: a crawl's
        is 75 MB; see figure_column for the figures)."""
        if name in FIGURES:
            codes, values = self.figure_codes(name)
            return values[codes]
        self._held(name)
        column = self._numbers[name]
        typecode = _typecode(column)
        if typecode == "q":
            return _read_only(column)
        values = _read_only(column).astype(np.int64)
        values[values == NONE[typecode]] = NONE["q"]
        return values

    @property
    def doc_sorted(self) -> bool:
        """Whether the claims come in document order (as a store reads them)."""
        return self._doc_sorted

    def events(self) -> np.ndarray:
        """Each claim's event, as a number (a copy, as narrow as the column: to tell later
        which claims moved)."""
        self._held("event")
        return self.coded("event")[0].copy()

    def set_events(self, events: Iterable[str]) -> None:
        """Every claim's event, in order (what routing sets)."""
        self._held("event")
        # 32-bit as read (a list of a crawl's codes was 36 bytes a claim), then narrowed
        codes = array("i", (self._number("event", e) for e in events))
        if len(codes) != len(self):
            raise ValueError(f"{len(codes)} events for {len(self)} claims")
        typecode = _narrowest("B", len(self._words["event"]) - 1)
        self._coded["event"] = array(typecode, np.frombuffer(codes, dtype=np.int32)
                                     .astype(DTYPES[typecode]).tobytes())

    def moved(self, before: np.ndarray) -> np.ndarray:
        """The rows whose event differs from ``before`` (an earlier ``events()``)."""
        self._held("event")
        return np.flatnonzero(self.coded("event")[0] != before)

    def rows(self, rows: np.ndarray) -> Sequence[Claim]:
        """The claims at ``rows``, made as they are read (a fresh finish moves them all)."""
        return _Rows(self, rows)


def places_in(items: Sequence[str | None], among: Sequence[str]) -> np.ndarray:
    """Each of ``items``' place in ``among`` (-1 where it is not there; ``among``'s are
    distinct), walked side by side where both are in order (a finish's documents and a
    table's document words are in id order): a dict of a crawl's million ids was ~100 MB."""
    place = np.full(len(items), -1, dtype=np.int64)
    words = cast(Sequence[str], items)
    if None not in items and all(a < b for a, b in pairwise(words)) and \
            all(a < b for a, b in pairwise(among)):
        k = 0
        for n, item in enumerate(words):
            while k < len(among) and among[k] < item:
                k += 1
            if k < len(among) and among[k] == item:
                place[n] = k
        return place
    at = {word: k for k, word in enumerate(among)}
    place[:] = [at.get(item, -1) if item is not None else -1 for item in items]
    return place


def release_sealed() -> None:
    """Hand back the pages every sealed table's passes mapped in (ClaimTable.release): a
    finish's stages call it as they end."""
    for table in list(_SEALED):
        table.release()


def _own_word(word: str | None, doc: str) -> bool:
    """Whether ``word`` is none, empty, or the id of a claim of document ``doc`` as
    extract makes them (``{doc}@...``, no other "@" after: the one document it can be)."""
    if not word:
        return True
    return word.startswith(doc) and word[len(doc):len(doc) + 1] == "@" and \
        "@" not in word[len(doc) + 1:]


def _made_id(doc: str | None, start: int | None, end: int | None) -> str:
    """The id extract gives the first claim of a figure (extract._new_id; ClaimTable._ids
    makes them so, inline)."""
    return f"{doc}@{start}-{end}"


def _run_start(at: Sequence[int]) -> int | None:
    """Where rows ``at`` start, if they are a run (a range, step 1)."""
    return at.start if isinstance(at, range) and at.step == 1 else None


def _widened(column: array[Any], value: int) -> array[Any]:
    """``column`` in the narrowest wider type that holds ``value``, with ``value`` appended
    (in a column of numbers, None as the wider type holds it)."""
    typecode = _narrowest(column.typecode, value)  # a wider one: this one does not hold it
    narrow = np.frombuffer(column, dtype=DTYPES[column.typecode])
    values = _converted(narrow, column.typecode, typecode)
    del narrow  # the column cannot be let go while a view of it is held
    wider = array(typecode, values.tobytes())
    wider.append(value)
    return wider


def _converted(values: np.ndarray, typecode: str, wider: str) -> np.ndarray:
    """A column's ``values`` of ``typecode`` as the type ``wider`` (in a column of numbers,
    None as the wider type holds it)."""
    out = values.astype(DTYPES[wider])
    if typecode in NONE and typecode != wider:
        out[values == NONE[typecode]] = NONE[wider]
    return out


def _narrowest(typecode: str, value: int) -> str:
    """``typecode``, or the first type WIDER than it, that holds ``value``."""
    while not _holds(typecode, value):
        if typecode not in WIDER:
            raise OverflowError(f"{value} does not fit a claim's 64-bit column")
        typecode = WIDER[typecode]
    return typecode


def _holds(typecode: str, value: int) -> bool:
    """Whether a column of ``typecode`` can hold ``value`` (not as its None)."""
    try:
        array(typecode, [value])
    except OverflowError:
        return False
    return value != NONE.get(typecode)


class _Rows(_MadeClaims):
    """Some rows of a table (ClaimTable.rows)."""

    __slots__ = ("at", "table")

    def __init__(self, table: ClaimTable, at: np.ndarray) -> None:
        self.table, self.at = table, at

    def __len__(self) -> int:
        return len(self.at)

    def _taken(self, positions: Sequence[int]) -> list[Claim]:
        return self.table.take(self.at[list(positions)].tolist())

    def __iter__(self) -> Iterator[Claim]:
        for start in range(0, len(self.at), BLOCK):
            yield from self.table.take(self.at[start:start + BLOCK].tolist())


def _gather(column: Column, at: Sequence[int], run: int | None) -> list[int]:
    """A column's values at rows ``at``: sliced where they are a run (starting at ``run``),
    else gathered through numpy (a fact's rows are scattered over a crawl's table)."""
    if run is not None:
        return column[run:run + len(at)].tolist()
    if len(at) < 64 and isinstance(column, array):
        return [column[k] for k in at]
    values: list[int] = _read_only(column)[np.asarray(at, dtype=np.int64)].tolist()
    return values


def _typecode(column: Column) -> str:
    """A column's array typecode (a sealed column is a numpy view: by its dtype)."""
    return column.typecode if isinstance(column, array) else TYPECODE_OF[column.dtype]


def _read_only(column: Column) -> np.ndarray:
    """A column as a read-only numpy view, not a copy."""
    if isinstance(column, np.ndarray):
        return column  # a sealed column: a view of a read-only mapping
    view = np.frombuffer(column, dtype=DTYPES[column.typecode])
    view.flags.writeable = False
    return view


def rows_by_doc(claims: Sequence[Claim], names: Sequence[str]
                ) -> Iterator[list[tuple[int, tuple[Any, ...]]]]:
    """Each document's claims as (row, their fields ``names``), documents in order (stable),
    without making a ClaimTable's claims: a pass picks the rows it needs, claims_at makes
    those."""
    if isinstance(claims, ClaimTable) and claims.doc_sorted:
        numbered: Iterable[tuple[int, tuple[Any, ...]]] = enumerate(
            claims.values(("doc", *names)))
    else:
        get = attrgetter("doc", *names)
        numbered = ((n, get(claims[n])) for n in sorted(range(len(claims)),
                                                         key=lambda n: claims[n].doc))
    for _, of_doc in groupby(numbered, key=lambda item: item[1][0]):
        yield [(n, values[1:]) for n, values in of_doc]


def picked_claims(claims: Sequence[Claim], names: Sequence[str],
                  pick: Callable[[list[tuple[int, tuple[Any, ...]]]], Iterable[int]]
                  ) -> Iterator[Claim]:
    """The claims ``pick`` chooses of each document's (row, fields ``names``) (rows_by_doc),
    documents in order: a ClaimTable makes them a block at a time, never all at once."""
    rows: list[int] = []
    for of_doc in rows_by_doc(claims, names):
        rows += pick(of_doc)
        if len(rows) >= BLOCK:
            yield from claims_at(claims, rows)
            rows = []
    yield from claims_at(claims, rows)


def claims_at(claims: Sequence[Claim], rows: Sequence[int]) -> list[Claim]:
    """The claims at ``rows``: a ClaimTable makes only these."""
    if isinstance(claims, ClaimTable):
        return claims.take(rows)
    return [claims[n] for n in rows]


def coded_column(claims: Sequence[Claim], name: str) -> tuple[np.ndarray, list[str | None]]:
    """A word field of every claim as numbers, and the words they stand for (see
    ClaimTable.coded; a list of claims is coded here)."""
    if isinstance(claims, ClaimTable):
        return claims.coded(name)
    number_of: dict[str | None, int] = {}
    codes = np.fromiter((number_of.setdefault(getattr(c, name), len(number_of)) for c in claims),
                        dtype=np.int32, count=len(claims))
    return codes, list(number_of)


def run_starts(columns: Sequence[np.ndarray], order: np.ndarray | None = None) -> np.ndarray:
    """Where the rows of ``columns``, taken in ``order`` (as they are when None), begin a new
    run of equal values in any column: compared RUN_BLOCK rows at a time (a sorted copy of
    a whole 64-bit column was 75 MB at a million documents' claims)."""
    size = len(columns[0]) if order is None else len(order)
    first = np.zeros(size, dtype=bool)
    first[:1] = True
    for column in columns:
        for start in range(0, max(size - 1, 0), RUN_BLOCK):
            stop = min(size, start + RUN_BLOCK + 1)  # each block overlaps the next by a row
            ordered = column[start:stop] if order is None else column[order[start:stop]]
            first[start + 1:stop] |= ordered[1:] != ordered[:-1]
    return first


RUN_BLOCK = 1 << 20  # rows run_starts compares at once


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, sorted: ``values`` is sorted in place (np.unique hashes, or
    sorts a copy, and holds more copies of a crawl's millions)."""
    values.sort()
    return values[run_starts((values,))]


def first_seen_numbers(claims: Sequence[Claim], names: Sequence[str]) -> np.ndarray:
    """Each claim's values of the fields ``names`` as a number, the distinct values numbered
    in the order they first come (as a dict's setdefault numbers them), 32-bit: found by
    sorting columns, where a dict of a crawl's millions of distinct tuples held hundreds of
    megabytes."""
    if not len(claims):
        return np.zeros(0, dtype=np.int32)
    columns = [coded_column(claims, name)[0] if name in WORDS else
               figure_ranks(*figure_column(claims, name)) if name in FIGURES
               else number_column(claims, name) for name in names]
    order = np.lexsort(columns[::-1])  # stable: each value's rows in order, the first first
    first = run_starts(columns, order)  # where a value begins, in that order
    del columns
    firsts = order[first]  # each value's first row, values in sorted order
    number = np.empty(len(firsts), dtype=np.int32)
    number[np.argsort(firsts)] = np.arange(len(firsts), dtype=np.int32)
    del firsts
    # each row's value (its place among the sorted values), then that value's number, in
    # one 32-bit array: the flags, their running count and its numbers were three more
    held = np.cumsum(first, dtype=np.int32)
    del first
    held -= 1
    np.take(number, held, out=held, mode="clip")  # each in range: clip changes none
    out = np.empty(len(order), dtype=np.int32)
    out[order] = held
    return out


def referenced_rows(claims: Sequence[Claim], name: str) -> np.ndarray:
    """See ClaimTable.referenced_rows (a list of claims is looked up here)."""
    if isinstance(claims, ClaimTable):
        return claims.referenced_rows(name)
    row_of = {c.id: row for row, c in enumerate(claims)}
    return np.fromiter((row_of.get(getattr(c, name), -1) for c in claims), dtype=np.int64,
                       count=len(claims))


def figure_column(claims: Sequence[Claim], name: str) -> tuple[np.ndarray, np.ndarray]:
    """A FIGURES field of every claim as (codes, values), values[codes] the field as 64-bit
    integers, None as NONE["q"] (ClaimTable.figure_codes; a list's codes are its rows)."""
    if isinstance(claims, ClaimTable):
        return claims.figure_codes(name)
    return np.arange(len(claims)), number_column(claims, name)


def figure_ranks(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A FIGURES field as figure_column gives it, as numbers that sort and compare as its
    values do (None, as NONE["q"], first): ranks, 16 or 32 bits, where its values made
    were 64 bits a claim."""
    ranks = np.unique(values, return_inverse=True)[1]  # each code's value's rank
    return ranks.astype(np.uint16 if len(values) <= 2 ** 16 else np.int32)[codes]


def number_column(claims: Sequence[Claim], name: str) -> np.ndarray:
    """A number field of every claim as 64-bit integers, None as NONE["q"] (ClaimTable.numbers)."""
    if isinstance(claims, ClaimTable):
        return claims.numbers(name)
    none = NONE["q"]
    return np.fromiter((none if (v := getattr(c, name)) is None else v for c in claims),
                       dtype=np.int64, count=len(claims))


def claim_values(claims: Iterable[Claim], names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The fields ``names`` of each claim, a tuple each: a ClaimTable's read from its columns
    without making the claims."""
    if isinstance(claims, ClaimTable):
        return claims.values(names)
    if isinstance(claims, _Rows):
        return claims.table.values(names, claims.at)
    return map(attrgetter(*names), claims) if len(names) > 1 else ((getattr(c, names[0]),)
                                                                  for c in claims)


def fact_rows(claims: Sequence[Claim]) -> Iterator[list[np.ndarray]]:
    """The rows of each fact's claims (an event, category and group), an event at a time:
    events in the order they first come, each event's facts in the order build_facts lists
    them, each fact's rows in order. A finish makes a fact's claims at a time: a crawl's
    largest event holds a fifth of its claims. The rows are sorted by event for the whole
    table, and by category and group an event at a time: a sort of the whole table by all
    three held three key columns and its buffers at once (~250 MB at 1M documents)."""
    event = coded_column(claims, "event")[0]
    if not len(event):
        return
    by_event = _first_rows(event)[event]  # an event's first row stands for it
    # each event's rows stay in order; 32-bit, as held through the facts (rows are fewer
    # than 2**31)
    order = np.argsort(by_event, kind="stable").astype(np.int32)
    ordered = by_event[order]
    del by_event
    event_starts = [*np.flatnonzero(run_starts((ordered,))).tolist(), len(order)]
    del ordered
    category_rank, category = _word_ranks(claims, "category")
    group_rank, group = _word_ranks(claims, "group")
    for a, b in pairwise(event_starts):
        rows = order[a:b]
        keys = (category_rank[category[rows]], group_rank[group[rows]])
        within = np.lexsort(keys[::-1])  # stable: each fact's rows stay in order
        rows = rows[within]
        starts = [*np.flatnonzero(run_starts(keys, within)).tolist(), len(rows)]
        yield [rows[x:y] for x, y in pairwise(starts)]


def fact_order(claims: Sequence[Claim]) -> tuple[np.ndarray, list[np.ndarray]]:
    """fact_rows as one order of every row (32-bit), and for each event where its facts
    start in that order and where the last ends: to read the claims in fact order
    (ClaimTable.reordered), a fact's claims one run of rows."""
    parts: list[np.ndarray] = []
    bounds: list[np.ndarray] = []
    at = 0
    for of_event in fact_rows(claims):
        sizes = np.array([len(rows) for rows in of_event], dtype=np.int64)
        bounds.append(at + np.concatenate(([0], np.cumsum(sizes))))
        parts.append(np.concatenate(of_event))
        at += int(sizes.sum())
    # 32-bit as fact_rows gives them: no copy (a crawl's is 38 MB)
    order = np.concatenate(parts).astype(np.int32, copy=False) if parts else np.zeros(0, np.int32)
    return order, bounds


def in_order(claims: Sequence[Claim], order: np.ndarray) -> Sequence[Claim]:
    """The claims at rows ``order``, in that order: a ClaimTable's as a table of their own
    (ClaimTable.reordered), a list's as a list."""
    if isinstance(claims, ClaimTable):
        return claims.reordered(order)
    return [claims[n] for n in order.tolist()]


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """For each code, the first row that holds it (32-bit: rows are fewer than 2**31; -1
    for codes held nowhere), a block of rows at a time (np.unique of the whole column
    holds a 64-bit sort order of it)."""
    first = np.full(int(codes.max()) + 1, -1, dtype=np.int32)
    for start in range(0, len(codes), BLOCK * 128):
        present, at = np.unique(codes[start:start + BLOCK * 128], return_index=True)
        new = first[present] < 0
        first[present[new]] = at[new] + start
    return first


def _word_ranks(claims: Sequence[Claim], name: str) -> tuple[np.ndarray, np.ndarray]:
    """Each word of column ``name`` (by number) as its rank among the column's words in
    string order (a table's codes come in the order words were first met), and the column
    as numbers: the rank of row r's word is ``ranks[codes[r]]``."""
    codes, words = coded_column(claims, name)
    present = np.flatnonzero(np.bincount(codes)) if len(codes) else np.zeros(0, np.int64)
    ranked = sorted(present.tolist(), key=lambda code: words[code] or "")
    rank = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.int32)
    rank[ranked] = np.arange(len(ranked))
    return rank, codes
