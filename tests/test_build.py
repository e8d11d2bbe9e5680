"""The build under test: pure Python, or every per-document module compiled (setup.py)."""

from __future__ import annotations

import importlib
import os
import runpy
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from accord.build import build_kind

ROOT = Path(__file__).resolve().parent.parent


def test_every_listed_module_is_built_the_same_way() -> None:
    """A build with some modules compiled and others not would be neither of the two that
    the suite is run on (CI runs it on both): setup.py's list, as the installed modules."""
    listed = runpy.run_path(str(ROOT / "setup.py"), run_name="not_main")["COMPILED"]
    names = [p.removeprefix("src/").removesuffix(".py").replace("/", ".")
             .removesuffix(".__init__") for p in listed]
    compiled = {str(importlib.import_module(n).__file__).endswith(tuple(EXTENSION_SUFFIXES))
                for n in names}
    assert compiled == {build_kind() == "compiled (mypyc)"}
    expected = os.environ.get("ACCORD_EXPECT_BUILD")  # CI says which build it installed
    assert expected in (None, build_kind())
