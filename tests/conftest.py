"""Shared fixtures: the bundled corpora, a real SQLite path, the CLI runner, case loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from accord.vocab import Vocab, load_vocab

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CASES = Path(__file__).resolve().parent / "cases"


def load_cases(stage: str) -> list[Any]:
    """Every case of ``cases/<stage>/*.yaml`` as a pytest param named file::case."""
    params = []
    for path in sorted((CASES / stage).glob("*.yaml")):
        for case in yaml.safe_load(path.read_text("utf-8")):
            params.append(pytest.param(case, id=f"{path.stem}::{case['name']}"))
    return params


@pytest.fixture(scope="session")
def vocab() -> Vocab:
    return load_vocab()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "accord.db"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def first_and_later(tmp_path: Path, khojaly: Path, hathras: Path) -> tuple[Path, Path]:
    """The two seed corpora split in two folders: all but the last report of each, and the
    last report of each (documents to add to a finished store)."""
    return _held_back(tmp_path, (khojaly, hathras), -1)


@pytest.fixture
def all_but_first(tmp_path: Path, khojaly: Path, hathras: Path) -> tuple[Path, Path]:
    """As first_and_later, the first report of each held back: added documents whose ids
    sort before those of the store."""
    return _held_back(tmp_path, (khojaly, hathras), 0)


def _held_back(tmp_path: Path, corpora: tuple[Path, ...], held: int) -> tuple[Path, Path]:
    import shutil

    first, later = tmp_path / "first", tmp_path / "later"
    for corpus in corpora:
        texts = sorted(corpus.glob("0*.txt"))
        for path in texts:
            folder = (later if path == texts[held] else first) / corpus.name
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / path.name)
    return first, later


@pytest.fixture(scope="session")
def khojaly() -> Path:
    return EXAMPLES / "khojaly"


@pytest.fixture(scope="session")
def hathras() -> Path:
    return EXAMPLES / "hathras-stampede-2024"
