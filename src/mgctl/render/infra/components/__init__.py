"""One module per platform component; each exposes `build(platform) -> list[Component]`."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def all_modules() -> list[ModuleType]:
    """Every module of this package that exposes build(platform), in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "build", None)):
            found.append(module)
    return found
