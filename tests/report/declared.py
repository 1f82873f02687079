"""Helper for the report tests: every check id some module declares an Outcome for."""

from __future__ import annotations

import functools
import importlib
import pkgutil

import preflight
from preflight.model import Outcome


@functools.lru_cache(maxsize=1)
def declared_check_ids() -> frozenset[str]:
    """Check ids of all Outcome constants in the preflight package (the lab excepted)."""
    ids = set()
    for info in pkgutil.walk_packages(preflight.__path__, "preflight."):
        if info.name.startswith("preflight.lab"):
            continue
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, Outcome):
                ids.add(value.check_id)
    return frozenset(ids)
