"""One memo primitive: work done once per key, concurrent askers wait for the first one's value.

Used for a run's shared work (:class:`preflight.engine.RunMemo`: the new server's inventory feeds
both the server and partners families) and meant for the DNS layer's answer cache too (a value
that is an error — ``DnsAnswer | DnsError`` — is remembered like any other value).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Thread-safe ``once(key, compute)``: the first caller computes, later callers wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[Hashable, tuple[threading.Event, list[Any]]] = {}

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` for the first caller of ``key``; its value for every caller.

        An exception is not remembered: it reaches the first caller, and a later caller computes
        again. (To remember a failure, return it as a value.)
        """
        with self._lock:
            slot = self._slots.get(key)
            owner = slot is None
            if slot is None:
                slot = self._slots[key] = (threading.Event(), [])
        done, value = slot
        if owner:
            try:
                value.append(compute())
            except BaseException:
                with self._lock:
                    del self._slots[key]
                raise
            finally:
                done.set()
            return value[0]  # type: ignore[no-any-return]
        done.wait()
        if not value:
            return self.once(key, compute)
        return value[0]  # type: ignore[no-any-return]

    def __contains__(self, key: Hashable) -> bool:
        """True when ``key`` has a value (or is being computed)."""
        with self._lock:
            return key in self._slots
