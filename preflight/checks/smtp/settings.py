"""SMTP probe settings: a frozen value carried in ``RunConfig.extras["smtp"]``.

Safety by construction: a :class:`~preflight.config.RunConfig` without these settings probes
nothing. Only the CLI applies the user-facing default (each ``--ip`` on port 25), in
:func:`from_options`; tests and the demo name their loopback targets explicitly.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from preflight.engine import RunConfig
from preflight.errors import UsageError
from preflight.net.smtp import SmtpTarget, parse_mailbox
from preflight.values import IPAddress, Validator, as_bool, as_number, as_str, as_str_list, checked, parse_hostname, parse_timeout

EXTRAS_KEY = "smtp"

DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for each reply (and for the TCP connection and the TLS handshake)."""

DEFAULT_HELO = "preflight.invalid"
"""The name preflight gives in EHLO. Under ``.invalid`` (RFC 2606): never a real host, and never
the server's own name (servers often reject clients that claim to be them)."""

DEFAULT_RELAY_RECIPIENT = "relay-test@preflight.invalid"
"""Outside address for the open-relay probe. ``.invalid`` (RFC 2606 §2, RFC 6761 §6.4) can never
be a domain a server hosts or relays for, so accepting it can only mean relaying; and no message
could ever reach anyone. (``example.com`` is a real domain, and the lab's own local domain.)"""

PLAN_TABLE: dict[str, Validator] = {
    "targets": checked(SmtpTarget.parse, as_str_list),
    "enabled": as_bool,
    "timeout": checked(parse_timeout, as_number),
    "ca_file": as_str,
    "helo_name": checked(parse_hostname, as_str),
    "mail_from": checked(lambda v: parse_mailbox(v, "address", allow_null=True), as_str),
    "relay_test_recipient": checked(parse_mailbox, as_str),
}
"""The plan's ``[smtp]`` table."""

MAX_POSTMASTER_DOMAINS = 20
"""Most ``postmaster@<domain>`` recipients tried in one session."""


@dataclass(frozen=True)
class SmtpSettings:
    """How (and whether) to probe SMTP servers."""

    targets: tuple[SmtpTarget, ...] = ()
    enabled: bool = True
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str | None = None
    """PEM file of CA certificates to verify against; None = the system CA store."""
    helo_name: str = DEFAULT_HELO
    mail_from: str = ""
    """Reverse-path of the probe transaction; "" = the null sender ``<>``, which RFC 5321 requires
    servers to accept and which no sender-domain check can refuse."""
    relay_test_recipient: str = DEFAULT_RELAY_RECIPIENT

    @property
    def deadline(self) -> float:
        """Seconds allowed for everything said to one target (both connections)."""
        return self.timeout * 6

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for the report section)."""
        return {
            "timeout": self.timeout,
            "ca_file": self.ca_file,
            "helo_name": self.helo_name,
            "mail_from": self.mail_from,
            "relay_test_recipient": self.relay_test_recipient,
        }


def settings_of(config: RunConfig) -> SmtpSettings | None:
    """The SMTP settings of a run, or None (probe nothing)."""
    found = config.extras.get(EXTRAS_KEY)
    return found if isinstance(found, SmtpSettings) else None


MAX_CA_FILE_BYTES = 16 * 1024 * 1024
"""A CA bundle is at most a few hundred kilobytes; a larger file is a mistake (or a device)."""


def check_ca_file(path: str, what: str = "--ca-file") -> str:
    """A readable PEM file holding at least one CA certificate."""
    from preflight.inputfile import read_text

    pem = read_text(path, what, MAX_CA_FILE_BYTES)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cadata=pem)
    except (ssl.SSLError, OSError, ValueError):
        raise UsageError(f"{what}: {path} is not a PEM file of CA certificates") from None
    if not context.get_ca_certs():
        raise UsageError(f"{what}: {path} holds no CA certificate")
    return path


def from_options(
    plan: Mapping[str, Any],
    *,
    ips: Iterable[IPAddress],
    domains: Sequence[str] = (),
    targets: Sequence[str] = (),
    disabled: bool = False,
    timeout: float | None = None,
    ca_file: str | None = None,
) -> SmtpSettings:
    """Merge ``[smtp]`` of the plan with the flags (flags win); default: each IP on port 25."""
    if disabled and targets:
        raise UsageError("--smtp and --no-smtp contradict each other")
    enabled = not disabled and bool(plan.get("smtp.enabled", True))
    chosen = tuple(SmtpTarget.parse(t) for t in targets) if targets \
        else tuple(plan.get("smtp.targets", ()))
    if not chosen:
        chosen = tuple(SmtpTarget(str(ip), 25) for ip in ips)
    ca = ca_file if ca_file is not None else plan.get("smtp.ca_file")
    what = "--ca-file" if ca_file is not None else "plan: smtp.ca_file"
    settings = SmtpSettings(
        targets=tuple(dict.fromkeys(chosen)) if enabled else (),
        enabled=enabled,
        timeout=parse_timeout(timeout, "--smtp-timeout") if timeout is not None
        else plan.get("smtp.timeout", DEFAULT_TIMEOUT),
        ca_file=check_ca_file(ca, what) if ca and enabled else ca,
        helo_name=plan.get("smtp.helo_name", DEFAULT_HELO),
        mail_from=plan.get("smtp.mail_from", ""),
        relay_test_recipient=plan.get("smtp.relay_test_recipient", DEFAULT_RELAY_RECIPIENT),
    )
    relay_domain = settings.relay_test_recipient.rpartition("@")[2]
    if relay_domain in domains:
        raise UsageError(
            f"plan: smtp.relay_test_recipient must be outside the migrated domains, not @{relay_domain}"
        )
    return settings


def with_settings(config: RunConfig, settings: SmtpSettings) -> RunConfig:
    """``config`` with ``settings`` in its extras."""
    return dataclasses.replace(config, extras={**config.extras, EXTRAS_KEY: settings})

