"""What the client checks look at: the service probes (through :mod:`preflight.net.mailclient`),
and the SRV (RFC 6186, RFC 8314) and autoconfig/autodiscover names of each domain (DNS layer)."""

from __future__ import annotations

from dataclasses import dataclass

from preflight.checks.client.settings import ClientSettings
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.net.mailclient import ClientProbe, ClientTarget, probe

SRV_SERVICES = ("_submission._tcp", "_submissions._tcp", "_imap._tcp", "_imaps._tcp", "_pop3._tcp",
                "_pop3s._tcp")
CONFIG_NAMES = ("autoconfig", "autodiscover")


@dataclass(frozen=True)
class Srv:
    """One SRV name's answer, and the addresses of its target host."""

    name: str
    answer: DnsAnswer | DnsError
    addresses: tuple[DnsAnswer | DnsError, ...] = ()


@dataclass(frozen=True)
class NameFacts:
    """A name that should lead to the new server, and its A/AAAA answers."""

    name: str
    addresses: tuple[DnsAnswer | DnsError, ...]


def srv_target(record: str) -> tuple[int, str] | None:
    """(port, host) of an SRV record in presentation form; None when malformed."""
    parts = record.split()
    if len(parts) != 4 or not parts[2].isdigit():
        return None
    return int(parts[2]), parts[3].rstrip(".").lower()


def _addresses(dns: DnsClient, host: str) -> tuple[DnsAnswer | DnsError, ...]:
    return tuple(dns.ask(host, rrtype) for rrtype in ("A", "AAAA"))


def collect_srv(dns: DnsClient, domain: str) -> list[Srv]:
    """Every client SRV name of ``domain`` that exists (or could not be asked)."""
    out = []
    for service in SRV_SERVICES:
        name = f"{service}.{domain}"
        answer = dns.ask(name, "SRV")
        if isinstance(answer, DnsError):
            out.append(Srv(name, answer))
            continue
        if not answer.records:
            continue
        hosts = [t[1] for t in (srv_target(r) for r in answer.records) if t and t[1] not in ("", ".")]
        out.append(Srv(name, answer, tuple(a for h in hosts[:4] for a in _addresses(dns, h))))
    return out


def collect_config_names(dns: DnsClient, domain: str) -> list[NameFacts]:
    """``autoconfig.<domain>`` and ``autodiscover.<domain>`` with their addresses."""
    return [NameFacts(f"{label}.{domain}", _addresses(dns, f"{label}.{domain}")) for label in CONFIG_NAMES]


def collect_probe(target: ClientTarget, settings: ClientSettings, server_name: str | None) -> ClientProbe:
    """One service probe (bounded; nothing raises)."""
    return probe(target.service, target.host, target.port, server_name=server_name, ca_file=settings.ca_file,
                 timeout=settings.timeout)
