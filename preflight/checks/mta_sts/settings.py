"""Settings of the transport-security families (``mta_sts``, ``tls_rpt``, ``dane``): a frozen value
carried in the run config, read from the plan's ``[transport]`` table and the command line.

Safety by construction, as for the SMTP probe: a run config without these settings fetches
nothing and asks nothing (tests and library callers opt in); the CLI and the demo add them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from preflight.engine import RunConfig
from preflight.errors import InputError
from preflight.net.mailclient import ClientTarget
from preflight.values import (
    Validator,
    as_bool,
    as_number,
    as_str_list,
    checked,
    parse_hostname,
    parse_timeout,
)

EXTRAS_KEY = "transport"

DEFAULT_TIMEOUT = 10.0
"""Seconds allowed for one whole HTTPS policy fetch (connect, handshake, headers, body)."""


def parse_port(value: Any, what: str = "--https-port") -> int:
    """A TCP port number, 1-65535."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{what}: give a port number 1-65535")
    try:
        port = int(str(value).strip())
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535 or str(value).strip() != str(port):
        raise InputError(f"{what}: {value!r} is not a port number (1-65535)")
    return port


PLAN_TABLE: dict[str, Validator] = {
    "enabled": as_bool,
    "https_port": lambda v, key: parse_port(v, f"plan: {key}"),
    "timeout": checked(parse_timeout, as_number),
    "client": as_bool,
    "client_names": checked(lambda v: parse_hostname(v, "client name"), as_str_list),
    "client_targets": checked(ClientTarget.parse, as_str_list),
}
"""The plan's ``[transport]`` table (the ``client*`` keys are read by the ``client`` family)."""


@dataclass(frozen=True)
class TransportSettings:
    """How (and whether) to check MTA-STS, TLS-RPT and DANE."""

    enabled: bool = True
    https_port: int = 443
    """Port of the MTA-STS policy host (443 in the wild; the lab and tests use their own)."""
    ca_file: str | None = None
    """PEM file of CAs to verify the policy host against; None = the system CA store."""
    timeout: float = DEFAULT_TIMEOUT

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for the report section)."""
        return {"https_port": self.https_port, "ca_file": self.ca_file, "timeout": self.timeout}


def settings_of(config: RunConfig) -> TransportSettings | None:
    """The transport settings of a run, or None (check nothing)."""
    found = config.extras.get(EXTRAS_KEY)
    return found if isinstance(found, TransportSettings) else None


def with_settings(config: RunConfig, settings: TransportSettings) -> RunConfig:
    """``config`` with ``settings`` in its extras."""
    return dataclasses.replace(config, extras={**config.extras, EXTRAS_KEY: settings})


def from_options(plan: Mapping[str, Any], *, https_port: int | None = None, ca_file: str | None = None,
                 timeout: float | None = None) -> TransportSettings:
    """Merge ``[transport]`` of the plan with the flags (flags win). ``ca_file`` is the run's
    ``--ca-file`` (already checked by the SMTP settings)."""
    return TransportSettings(
        enabled=bool(plan.get("transport.enabled", True)),
        https_port=parse_port(https_port) if https_port is not None else plan.get("transport.https_port", 443),
        ca_file=ca_file,
        timeout=parse_timeout(timeout, "timeout") if timeout is not None
        else plan.get("transport.timeout", DEFAULT_TIMEOUT),
    )
