"""Package attributes imported on first use (PEP 562), so that start-up does not pay for them.

A package's ``__init__`` names what it offers and the module each name lives in; importing
the package costs nothing, ``from package import name`` imports that one module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_attributes(package: str, homes: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` serving each name of ``homes`` from ``package.<its module>``."""
    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)
    return __getattr__
