"""The data model every stage reads and returns: Document, Span, Claim, Fact, Anomaly, ReuseLink.

Plain dataclasses and nothing else, so that a stage can run in a worker process or on a
cluster and hand its result back unchanged. Offsets are always character offsets into
``Document.text``, the text as ingested, so that every cell of every output can be traced
to the exact characters a source wrote.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

#: Qualifiers a claim may carry (see ``data/qualifiers.yaml`` for the words behind them).
QUALIFIERS = ("exact", "at_least", "more_than", "about", "up_to", "fewer_than", "range")


@dataclass(slots=True)  # slots: a corpus holds millions of spans and claims
class Span:
    """A stretch of one document's text, with why it was marked.

    ``kind`` is what the span is (``sentence``, ``boilerplate``, ``repeat``); ``reason`` says,
    in words a reader can check, why the clean stage set it aside.
    """

    doc: str
    start: int
    end: int
    kind: str
    reason: str = ""
    #: for a ``repeat`` span: where the first copy starts.
    source_start: int | None = None


@dataclass(slots=True)  # slots: a corpus stage holds every document (a million)
class Document:
    """One report, as ingested. ``text`` is never rewritten after ingest."""

    id: str
    text: str
    path: str = ""
    format: str = "txt"
    title: str | None = None
    url: str | None = None
    published: str | None = None
    publisher: str | None = None
    encoding: str | None = None
    #: spans set aside by the clean stage (boilerplate, repeated passages).
    marked: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sha256"] = self.sha256
        data.pop("text")
        return data


#: a figure as fingerprints compare them: (category, group, event, low, high)
FigureKey = tuple[str, str, str, int | None, int | None]


@dataclass(slots=True)
class Claim:
    """One figure one document states: what it counts, for which event, with its sentence.

    ``start``/``end``/``text`` are the sentence; ``figure_start``/``figure_end``/``stated``
    are the figure itself inside it. ``parent`` is the id of the total this figure is a
    breakdown of ("613 people, including 63 children").
    """

    id: str
    doc: str
    event: str
    category: str
    group: str
    value: int | None
    low: int | None
    high: int | None
    qualifier: str
    start: int
    end: int
    text: str
    figure_start: int
    figure_end: int
    stated: str
    cue: str = ""
    parent: str | None = None
    source: str | None = None
    #: the year and kind of event the sentence speaks of, when it names one
    context_year: int | None = None
    context_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.event, self.category, self.group)

    @property
    def position(self) -> tuple[str, int, str]:
        """Where the claim stands in the corpus: the order facts list documents and claims
        in, whatever order the claims were found or added in."""
        return (self.doc, self.figure_start or 0, self.id)


@dataclass(slots=True)  # slots: a crawl's facts hold hundreds of thousands of values
class FactValue:
    """One distinct value of a fact and everyone who states it."""

    value: int | None
    low: int | None
    high: int | None
    qualifiers: list[str]
    docs: list[str]
    claims: list[str]
    #: how many independent reuse groups (documents that share no text) state this value
    independent_groups: int | None = None
    single_lineage: bool = False

    def to_dict(self) -> dict[str, Any]:
        # not asdict: it deep-copies every list, and a fact of a crawl lists 10,000 claims
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


class Statement(NamedTuple):
    """What a claim states, without who states it: facts compare these."""

    value: int | None
    low: int | None
    high: int | None
    qualifier: str


class TimelineEntry(NamedTuple):
    """What one dated claim states, as a fact's timeline lists it. A tuple, not a dict: a
    crawl's timelines hold an entry for every dated claim (a million at 100k documents)."""

    published: str | None
    doc: str
    value: int | None
    low: int | None
    high: int | None
    qualifier: str
    claim: str


@dataclass
class Fact:
    """Everything the documents state about one (event, category, group).

    accord does not pick a true value: ``best`` is the most-stated value, ``low``/``high``
    bound every stated value, and ``status`` says whether the sources agree.
    """

    event: str
    category: str
    group: str
    status: str
    best: int | None
    low: int | None
    high: int | None
    values: list[FactValue]
    independent_groups: int | None = None
    #: what each dated document states, in order of publication
    timeline: list[TimelineEntry] = field(default_factory=list)
    #: documents with no usable publication date: never guessed into the timeline
    undated: list[str] = field(default_factory=list)
    #: whether a dated statement is above one dated after it, so that no documents added
    #: can make the fact a count rising over time; None where not worked out (it is for
    #: conflicts)
    falls: bool | None = field(default=None, compare=False)

    @property
    def docs(self) -> list[str]:
        return sorted({d for v in self.values for d in v.docs})

    def to_dict(self) -> dict[str, Any]:
        # not asdict: it would copy every list and keep timeline entries as tuples
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data["values"] = [v.to_dict() for v in self.values]
        data["timeline"] = [t._asdict() for t in self.timeline]
        data["undated"] = list(self.undated)
        data["docs"] = self.docs
        del data["falls"]  # how accord.merge keeps a status up to date, not a finding
        return data


@dataclass(slots=True)  # slots: a finish holds every anomaly of a crawl (a million)
class Anomaly:
    """A value that is likely an error, with the claims it rests on and why."""

    kind: str
    doc: str
    detail: str
    claims: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)  # slots: a crawl's reuse holds hundreds of thousands
class ReuseLink:
    """A passage two documents share: a span in each and how alike they are."""

    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Skipped:
    """An input accord could not read, kept so that no source disappears silently."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Result:
    """What one run produces: the input of the store and of every renderer."""

    documents: list[Document]
    #: a list, or a ClaimTable where a finish holds a store's every claim
    claims: Sequence[Claim]
    facts: list[Fact]
    anomalies: list[Anomaly]
    skipped: list[Skipped] = field(default_factory=list)
    reuse: list[ReuseLink] = field(default_factory=list)
    #: reuse groups: documents connected by shared passages
    groups: list[list[str]] = field(default_factory=list)
    #: document pairs that share text: share of each in the other, near-duplicate, lineage
    pairs: list[dict[str, Any]] = field(default_factory=list)
    #: document pairs stating the same set of figures, shared wording or not
    fingerprints: list[dict[str, Any]] = field(default_factory=list)
    #: the events of the corpus, with the dates the documents state for them
    events: list[dict[str, Any]] = field(default_factory=list)
    #: attributed statements and quotes, and entity spelling variants
    statements: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    #: documents whose metadata the corpus stages set (a publication year inferred)
    changed: list[Document] = field(default_factory=list)
    #: each document's date record for its event (chronology.date_record): kept by the
    #: store, so that adding documents to an event does not read the others again
    date_records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
