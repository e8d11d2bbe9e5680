"""accord: turn a pile of reports about one event into a source-attributed evidence table."""

import logging

from accord.errors import AccordError, InputError, StoreError, VocabError
from accord.ingest import ingest
from accord.model import Anomaly, Claim, Document, Fact, FactValue, ReuseLink, Span
from accord.pipeline import analyse, run
from accord.store import Store
from accord.vocab import load_vocab

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AccordError", "Anomaly", "Claim", "Document", "Fact", "FactValue", "InputError",
    "ReuseLink", "Span", "Store", "StoreError", "VocabError", "analyse", "ingest", "load_vocab",
    "run",
]
