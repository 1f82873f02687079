"""What the MTA-STS checks look at: the ``_mta-sts`` TXT record, the domain's MX, and the policy
file fetched over HTTPS from ``mta-sts.<domain>`` (all I/O through :mod:`preflight.net`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from preflight.checks.mta_sts.settings import TransportSettings
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.net.https import HttpsError, HttpsResponse, fetch_text
from preflight.rfc.mta_sts import sts_records as rfc_sts_records

POLICY_PATH = "/.well-known/mta-sts.txt"
"""RFC 8461 §3.3: the policy's fixed location on ``mta-sts.<domain>``."""


@dataclass(frozen=True)
class MtaStsFacts:
    """One domain's MTA-STS record, MX, and (when a record asks for it) the fetched policy."""

    domain: str
    record: DnsAnswer | DnsError
    mx: DnsAnswer | DnsError
    policy_host: str
    policy_address: DnsAnswer | DnsError | None = None
    """A (else AAAA) of ``mta-sts.<domain>``; None when no fetch was attempted."""
    policy: HttpsResponse | HttpsError | None = None
    mx_addresses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(MX host, its A/AAAA addresses) - kept once a policy was fetched, to see whether a current MX
    name already leads to the new server (a migration that keeps the MX name)."""


def sts_records(answer: DnsAnswer) -> list[str]:
    """TXT strings that claim to be MTA-STS records (RFC 8461 §3.1: :mod:`preflight.rfc.mta_sts`)."""
    return rfc_sts_records(answer.records)


def _address(dns: DnsClient, host: str) -> DnsAnswer | DnsError:
    answer: DnsAnswer | DnsError = DnsError(host, "A", "no query", "-")
    for rrtype in ("A", "AAAA"):
        answer = dns.ask(host, rrtype)
        if isinstance(answer, DnsError):
            return answer
        if answer.records:
            return answer
    return answer


MAX_MX_HOSTS = 10


def _mx_hosts(mx: DnsAnswer | DnsError) -> list[str]:
    if not isinstance(mx, DnsAnswer):
        return []
    return [h for _, h in mx.mx() if h not in ("", ".")][:MAX_MX_HOSTS]


def _mx_addresses(dns: DnsClient, mx: DnsAnswer | DnsError) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for host in _mx_hosts(mx):
        found: list[str] = []
        for rrtype in ("A", "AAAA"):
            try:
                found += [str(ipaddress.ip_address(a)) for a in dns.query(host, rrtype).records]
            except (DnsError, ValueError):
                continue
        out.append((host, tuple(found)))
    return tuple(out)


def collect(dns: DnsClient, domain: str, settings: TransportSettings,
            ready: Callable[[], bool] | None = None) -> MtaStsFacts:
    """Ask DNS, then fetch the policy when exactly one record asks senders to; nothing raises.

    Two waves before the fetch: the record with the MX, then the policy host's address with the
    MX hosts' addresses (wanted once a policy is fetched; the mx family asks them anyway).
    ``ready`` (the run's resolver probe) is asked before the HTTPS fetch: False skips it.
    """
    host = f"mta-sts.{domain}"
    record, mx = dns.gather([(f"_mta-sts.{domain}", "TXT"), (domain, "MX")])
    if not isinstance(record, DnsAnswer) or len(sts_records(record)) != 1:
        return MtaStsFacts(domain, record, mx, host)
    dns.gather([(host, "A")] + [(h, t) for h in _mx_hosts(mx) for t in ("A", "AAAA")])
    address = _address(dns, host)
    if not isinstance(address, DnsAnswer) or not address.records:
        return MtaStsFacts(domain, record, mx, host, address)
    if ready is not None and not ready():
        return MtaStsFacts(domain, record, mx, host, address)
    try:
        policy: HttpsResponse | HttpsError = fetch_text(
            host=host, path=POLICY_PATH, address=address.records[0], port=settings.https_port,
            ca_file=settings.ca_file, timeout=settings.timeout)
    except HttpsError as exc:
        return MtaStsFacts(domain, record, mx, host, address, exc)
    return MtaStsFacts(domain, record, mx, host, address, policy, _mx_addresses(dns, mx))
