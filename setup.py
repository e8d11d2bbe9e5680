"""Build hook: with ACCORD_COMPILE=1, the per-document stages are compiled with mypyc.

Cleaning and extraction are pure Python over many small strings and lists. Compiled to C by
mypyc (which mypy, black and others ship their wheels with), the same source runs about a
third faster, with the same results: the test suite runs against both builds. The default
build, and every editable install, stays pure Python, so an edited module is never
shadowed by a stale compiled copy of it.

    ACCORD_COMPILE=1 pip install .
"""

from __future__ import annotations

import os
import sys

from setuptools import setup

#: the modules a document passes through in clean and extract (their hot paths)
COMPILED = [
    "src/accord/text.py",
    "src/accord/clean.py",
    "src/accord/extract/__init__.py",
    "src/accord/extract/attribution.py",
    "src/accord/extract/dates.py",
    "src/accord/extract/entities.py",
    "src/accord/extract/events.py",
    "src/accord/extract/figures.py",
    "src/accord/extract/numbers.py",
    "src/accord/extract/tables.py",
]


WANTED = os.environ.get("ACCORD_COMPILE", "0") not in ("", "0")


#: what setuptools runs for an editable install (pip install -e): never compiled, so that a
#: compiled copy of a module cannot hide an edit to its source
EDITABLE = ("editable_wheel", "develop")


def compiled_modules() -> list[object]:
    if not WANTED:
        return []
    if any(command in sys.argv for command in EDITABLE):
        print("accord: an editable install is not compiled (ACCORD_COMPILE is for pip install .)",
              file=sys.stderr)
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        if "egg_info" in sys.argv:  # pip asking what the build needs: mypy, installed next
            return []
        raise SystemExit("ACCORD_COMPILE=1 needs mypy (mypyc) where accord is built: "
                         "pip install mypy, or build with pip's build isolation") from None
    return list(mypycify(COMPILED, opt_level="3"))


if __name__ == "__main__":  # as pip's build runs it (tests/test_build.py reads the list)
    setup(ext_modules=compiled_modules(), setup_requires=["mypy>=1.10"] if WANTED else [])
