"""What one run is asked to check: the target and the run configuration (values only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from preflight.net.dns import DnsConfig, Nameserver
from preflight.values import IPAddress


@dataclass(frozen=True)
class Target:
    """What is being migrated: the new server's IPs and name, the domains that send through it."""

    ips: tuple[IPAddress, ...] = ()
    hostname: str | None = None
    domains: tuple[str, ...] = ()
    dkim_selectors: tuple[str, ...] = ()
    old_ips: tuple[IPAddress, ...] = ()
    """The old server's addresses (after cutover: must leave SPF after a settling period)."""
    phase: str = "before"
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
            "phase": self.phase,
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
    extras: Mapping[str, Any] = field(default_factory=dict)
    """Validated plan sections of later check families (``smtp``, ``ssh``, ...), by name."""
