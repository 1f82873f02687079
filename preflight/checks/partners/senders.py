"""Well-known large senders (``preflight/data/large_senders.toml``): summarised, never expanded."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class LargeSender:
    """One operator: the SPF includes and MX host suffixes that identify it."""

    id: str
    name: str
    spf_includes: tuple[str, ...]
    mx_suffixes: tuple[str, ...]


def _under(name: str, suffixes: tuple[str, ...]) -> bool:
    name = name.lower().rstrip(".")
    return any(name == s or name.endswith("." + s) for s in suffixes)


@dataclass(frozen=True)
class SenderTable:
    """The data file, validated."""

    senders: tuple[LargeSender, ...]

    def by_include(self, domain: str) -> LargeSender | None:
        """The operator an SPF ``include:``/``redirect=`` domain belongs to, if any."""
        return next((s for s in self.senders if _under(domain, s.spf_includes)), None)

    def by_mx(self, host: str) -> LargeSender | None:
        """The operator an MX host belongs to, if any."""
        return next((s for s in self.senders if _under(host, s.mx_suffixes)), None)


def parse(data: Mapping[str, Any]) -> SenderTable:
    """Validate the parsed TOML; raise ValueError naming the bad entry."""
    senders = []
    for index, item in enumerate(data.get("senders", [])):
        try:
            sender = LargeSender(
                id=str(item["id"]), name=str(item["name"]),
                spf_includes=tuple(str(s).lower().rstrip(".") for s in item.get("spf_includes", [])),
                mx_suffixes=tuple(str(s).lower().rstrip(".") for s in item.get("mx_suffixes", [])),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"large_senders.toml: senders[{index}]: {exc}") from None
        if not sender.spf_includes and not sender.mx_suffixes:
            raise ValueError(f"large_senders.toml: {sender.id} has neither spf_includes nor mx_suffixes")
        senders.append(sender)
    ids = [s.id for s in senders]
    if len(ids) != len(set(ids)):
        raise ValueError("large_senders.toml: duplicate sender id")
    return SenderTable(tuple(senders))


@functools.lru_cache(maxsize=1)
def load() -> SenderTable:
    """The shipped table (read once)."""
    text = (resources.files("preflight") / "data" / "large_senders.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text))
