"""Which build of accord is running: compiled with mypyc (``ACCORD_COMPILE=1 pip install .``,
see setup.py) or pure Python. Their speeds differ by about a third, so figures that are
quoted should say which one made them."""

from __future__ import annotations

from importlib import import_module
from importlib.machinery import EXTENSION_SUFFIXES


def build_kind() -> str:
    """"compiled (mypyc)" when the per-document stages run as C extensions, else
    "pure Python"."""
    # by name: the package's attribute "figures" is the function, not the module
    path = import_module("accord.extract.figures").__file__ or ""
    return "compiled (mypyc)" if path.endswith(tuple(EXTENSION_SUFFIXES)) else "pure Python"
