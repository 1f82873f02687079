"""What one run is asked to check: the target and the run configuration (values only)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

from preflight.net.dns import DnsConfig, Nameserver
from preflight.values import IPAddress, Phase

S = TypeVar("S")


@dataclass(frozen=True)
class Target:
    """What is being migrated: the new server's IPs and name, the domains that send through it."""

    ips: tuple[IPAddress, ...] = ()
    hostname: str | None = None
    domains: tuple[str, ...] = ()
    dkim_selectors: tuple[str, ...] = ()
    old_ips: tuple[IPAddress, ...] = ()
    """The old server's addresses (after cutover: must leave SPF after a settling period)."""
    phase: Phase = Phase.BEFORE
    """``before`` cutover (default) or ``after`` it: after, MX must point at the new server."""
    cutover_date: str | None = None
    """The planned cutover day (``YYYY-MM-DD``): the report counts each fix's start-by date back from it."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "ips": [str(ip) for ip in self.ips],
            "hostname": self.hostname,
            "domains": list(self.domains),
            "dkim_selectors": list(self.dkim_selectors),
            "old_ips": [str(ip) for ip in self.old_ips],
            "phase": Phase(self.phase).value,
            **({"cutover_date": self.cutover_date} if self.cutover_date else {}),
        }


@dataclass(frozen=True)
class RunConfig:
    """Everything one ``preflight check`` run needs. Built by the CLI (or the demo)."""

    target: Target
    dns: DnsConfig = field(default_factory=DnsConfig)
    strict: bool = False
    propagation: tuple[Nameserver, ...] = ()
    """Resolvers to compare answers across (empty: no propagation check)."""
    settings: tuple[object, ...] = ()
    """The families' typed, frozen settings objects, at most one of each type (a family whose
    settings are absent does nothing, or uses its defaults)."""

    def settings_of(self, kind: type[S]) -> S | None:
        """The settings object of type ``kind`` in this run, or ``None``."""
        for value in self.settings:
            if isinstance(value, kind) and type(value) is kind:
                return value
        return None

    def with_settings(self, value: object) -> RunConfig:
        """This config with ``value`` as the settings of its type (replacing any earlier one)."""
        kept = tuple(v for v in self.settings if type(v) is not type(value))
        return dataclasses.replace(self, settings=(*kept, value))
