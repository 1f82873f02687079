"""A bounded thread pool for independent I/O: ``concurrent_map``."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def concurrent_map(fn: Callable[[T], R], items: Iterable[T], workers: int = 8) -> list[R]:
    """``[fn(x) for x in items]`` on a small thread pool, keeping order."""
    items = list(items)
    if len(items) <= 1:
        return [fn(x) for x in items]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
