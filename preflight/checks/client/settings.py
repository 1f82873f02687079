"""Settings of the ``client`` family: which client ports to probe and which names users configured.

Read from the plan's ``[transport]`` table (``client``, ``client_names``, ``client_targets``,
``timeout``) and the flags ``--client-name``, ``--client``, ``--no-client``. A run config without
these settings probes nothing (tests and library callers opt in); the CLI adds them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from preflight.engine import RunConfig
from preflight.errors import UsageError
from preflight.net.mailclient import ClientTarget, Service
from preflight.values import IPAddress, parse_hostname

EXTRAS_KEY = "client"

DEFAULT_SERVICES = (Service.SUBMISSION, Service.SUBMISSIONS, Service.IMAPS, Service.POP3S)
"""Probed on each new IP unless told otherwise (143/110 with STARTTLS only when named)."""

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ClientSettings:
    """How (and whether) to probe the ports users' mail clients use."""

    targets: tuple[ClientTarget, ...] = ()
    enabled: bool = True
    names: tuple[str, ...] = ()
    """Names users configured (``imap.example.com``...); empty: the new server's ``--hostname``."""
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for the report section)."""
        return {"targets": [str(t) for t in self.targets], "names": list(self.names), "timeout": self.timeout}


def settings_of(config: RunConfig) -> ClientSettings | None:
    """The client settings of a run, or None (probe nothing)."""
    found = config.extras.get(EXTRAS_KEY)
    return found if isinstance(found, ClientSettings) else None


def with_settings(config: RunConfig, settings: ClientSettings) -> RunConfig:
    """``config`` with ``settings`` in its extras."""
    return dataclasses.replace(config, extras={**config.extras, EXTRAS_KEY: settings})


def from_options(plan: Mapping[str, Any], *, ips: Iterable[IPAddress], names: Sequence[str] = (),
                 targets: Sequence[str] = (), disabled: bool = False, ca_file: str | None = None) -> ClientSettings:
    """Merge the plan's ``[transport]`` client keys with the flags (flags win)."""
    if disabled and targets:
        raise UsageError("--client and --no-client contradict each other")
    enabled = not disabled and bool(plan.get("transport.client", True))
    chosen = tuple(ClientTarget.parse(t) for t in targets) if targets else tuple(plan.get("transport.client_targets", ()))
    if not chosen:
        chosen = tuple(ClientTarget(s, str(ip), s.port) for ip in ips for s in DEFAULT_SERVICES)
    chosen_names = tuple(parse_hostname(n, "--client-name") for n in names) if names \
        else tuple(plan.get("transport.client_names", ()))
    return ClientSettings(
        targets=tuple(dict.fromkeys(chosen)) if enabled else (),
        enabled=enabled,
        names=tuple(dict.fromkeys(chosen_names)),
        timeout=float(plan.get("transport.timeout", DEFAULT_TIMEOUT)),
        ca_file=ca_file,
    )
