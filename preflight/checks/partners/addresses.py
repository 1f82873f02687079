"""A partner domain's sending addresses: MX hosts and SPF, walked with bounds through the run's DNS.

Every query goes through :class:`~preflight.net.dns.DnsClient` (never the system resolver). The
SPF walk follows ``include:`` and ``redirect=`` up to the RFC 7208 limit of ten DNS-querying
terms, resolves ``a`` and ``mx``, takes ``ip4``/``ip6`` hosts as they are and, for ranges of at
most 256 addresses (``/24`` and narrower; ``/120`` for IPv6), their first host address as a
sample; wider ranges, ``exists`` and ``ptr`` are noted, not expanded. Mechanisms that do not
authorise (``-`` and ``~``) are skipped. Well-known large senders (Google, Microsoft, ...) are
summarised by their include or MX name and never resolved.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from preflight.checks.partners.senders import LargeSender, SenderTable
from preflight.data.probes import is_public
from preflight.i18n.messages import DEFAULT_LANG, encode, piece, ui
from preflight.model import Evidence
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.rfc.spf import is_spf_record

MAX_LOOKUPS = 10
"""DNS-querying SPF terms followed per domain (RFC 7208 section 4.6.4)."""
MAX_MX_HOSTS = 5
MAX_ADDRESSES = 16
"""Addresses kept per partner domain; the rest are noted."""
SAMPLE_MAX_ADDRESSES = 256


@dataclass(frozen=True)
class Origin:
    """Where a partner address came from: ``kind`` mx, spf, log or given; ``via`` the name or
    mechanism (``include:_spf.x.example → ip4:192.0.2.0/28``); ``sample`` for a range's first host;
    ``count`` the connections in the old server's log."""

    kind: str
    via: str = ""
    sample: bool = False
    count: int | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"kind": self.kind, "via": self.via, "sample": self.sample, "count": self.count}


@dataclass(frozen=True)
class SenderHit:
    """A large sender a partner domain uses, and the name that shows it."""

    sender: LargeSender
    via: str


@dataclass(frozen=True)
class DomainFacts:
    """What DNS said about one partner domain's senders."""

    domain: str
    addresses: tuple[tuple[str, tuple[Origin, ...]], ...] = ()
    senders: tuple[SenderHit, ...] = ()
    notes: tuple[str, ...] = ()
    notes_i18n: tuple[str, ...] = ()
    """``notes`` as coded text, one each (rendered in the report's language)."""
    errors: tuple[DnsError, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    nxdomain: bool = False

    def count(self, kind: str) -> int:
        """Addresses with at least one origin of ``kind``."""
        return sum(1 for _, origins in self.addresses if any(o.kind == kind for o in origins))


@dataclass
class _Walk:
    dns: DnsClient
    table: SenderTable
    lookups: int = 0
    found: dict[str, list[Origin]] = field(default_factory=dict)
    senders: dict[str, SenderHit] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    notes_i18n: list[str] = field(default_factory=list)
    errors: list[DnsError] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def ask(self, name: str, rdtype: str) -> DnsAnswer | None:
        answer = self.dns.ask(name, rdtype)
        if isinstance(answer, DnsError):
            self.errors.append(answer)
            self.evidence.append(answer.evidence())
            return None
        self.evidence.append(answer.evidence())
        return answer

    def add(self, ip: str, origin: Origin) -> None:
        if not is_public(ip):
            self.note("partners_note_not_public", via=origin.via or origin.kind, ip=ip)
            return
        if ip not in self.found and len(self.found) >= MAX_ADDRESSES:
            self.note("partners_note_too_many", max=MAX_ADDRESSES, ip=ip)
            return
        origins = self.found.setdefault(ip, [])
        if origin not in origins:
            origins.append(origin)

    def note(self, key: str, **params: object) -> None:
        """A note in words (English, for the JSON) and as coded text (ui ``key``: words at render time)."""
        text = ui(key, DEFAULT_LANG, **params)
        if text not in self.notes and len(self.notes) < 40:
            self.notes.append(text)
            self.notes_i18n.append(encode([piece(key, **params)]))

    def hosts(self, name: str, kind: str, via: str) -> None:
        for rdtype in ("A", "AAAA"):
            answer = self.ask(name, rdtype)
            for ip in answer.records if answer else ():
                self.add(ip, Origin(kind, via))

    def mx(self, domain: str, kind: str, via_prefix: str = "") -> bool | None:
        """MX hosts of ``domain`` and their addresses; None when MX could not be asked."""
        answer = self.ask(domain, "MX")
        if answer is None:
            return None
        for _, host in answer.mx()[:MAX_MX_HOSTS]:
            if not host or host == ".":
                self.note("partners_note_null_mx", domain=domain)
                continue
            big = self.table.by_mx(host)
            if big is not None:
                self.senders.setdefault(big.id, SenderHit(big, f"{via_prefix}MX {host}"))
                continue
            self.hosts(host, kind, f"{via_prefix}{host}")
        return not answer.nxdomain

    def spf(self, domain: str, chain: str = "", depth: int = 0) -> bool | None:
        """Walk the SPF record of ``domain``; None when TXT could not be asked."""
        answer = self.ask(domain, "TXT")
        if answer is None:
            return None
        records = [r for r in answer.records if is_spf_record(r)]
        if not records:
            if depth == 0:
                self.note("partners_note_no_spf", domain=domain)
            else:
                self.note("partners_note_no_spf_at", via=chain or domain, domain=domain)
            return not answer.nxdomain
        if len(records) > 1:
            self.note("partners_note_many_spf", domain=domain, count=len(records))
        self.terms(domain, records[0].split()[1:], chain, depth)
        return True

    def terms(self, domain: str, terms: list[str], chain: str, depth: int) -> None:
        redirect = None
        for raw in terms[:64]:
            term = raw.strip()
            qualifier = term[0] if term and term[0] in "+-~?" else ""
            body = term[1:] if qualifier else term
            head, _, arg = body.partition(":")
            if "=" in head:  # modifiers: redirect=, exp= and unknown ones
                if head.lower().startswith("redirect="):
                    redirect = body.split("=", 1)[1]
                continue
            name = head.split("/", 1)[0].lower()
            if name == "all":
                redirect = None  # RFC 7208: redirect is ignored when "all" is present
                break
            if qualifier in ("-", "~"):
                continue
            via = f"{chain}{term}"
            if name in ("ip4", "ip6"):
                self.literal(arg, via)
            elif name in ("a", "mx", "include", "exists", "ptr"):
                self.lookup(domain, name, arg, via, chain, depth)
            elif name:
                self.note("partners_note_unknown_term", via=via)
        if redirect:
            self.follow(redirect, f"{chain}redirect={redirect}", depth)

    def literal(self, arg: str, via: str) -> None:
        try:
            network = ipaddress.ip_network(arg.strip(), strict=False)
        except ValueError:
            self.note("partners_note_not_address", via=via)
            return
        if network.num_addresses == 1:
            self.add(str(network.network_address), Origin("spf", via))
        elif network.num_addresses <= SAMPLE_MAX_ADDRESSES:
            first = network.network_address + (1 if network.num_addresses > 2 else 0)
            self.add(str(first), Origin("spf", via, sample=True))
        else:
            self.note("partners_note_range", via=via, count=f"{network.num_addresses:,}")

    def lookup(self, domain: str, name: str, arg: str, via: str, chain: str, depth: int) -> None:
        if self.lookups >= MAX_LOOKUPS:
            self.note("partners_note_lookups", via=via, max=MAX_LOOKUPS)
            return
        self.lookups += 1
        target = (arg.split("/", 1)[0] if name in ("a", "mx") else arg) or domain
        if "%" in target:
            self.note("partners_note_macros", via=via)
            return
        if name in ("exists", "ptr"):
            self.note("partners_note_no_address", via=via, term=name)
        elif name == "a":
            self.hosts(target, "spf", via)
        elif name == "mx":
            self.mx(target, "spf", f"{via} → ")
        else:
            self.follow(target, via, depth)

    def follow(self, target: str, via: str, depth: int) -> None:
        big = self.table.by_include(target)
        if big is not None:
            self.senders.setdefault(big.id, SenderHit(big, via))
            return
        if depth >= MAX_LOOKUPS:
            self.note("partners_note_too_deep", via=via)
            return
        self.spf(target.lower().rstrip("."), f"{via} → ", depth + 1)


def discover(dns: DnsClient, domain: str, table: SenderTable) -> DomainFacts:
    """The sending addresses of ``domain``: its MX hosts' addresses and what its SPF authorises."""
    walk = _Walk(dns, table)
    mx = walk.mx(domain, "mx")
    spf = walk.spf(domain)
    return DomainFacts(
        domain=domain,
        addresses=tuple((ip, tuple(origins)) for ip, origins in walk.found.items()),
        senders=tuple(walk.senders.values()),
        notes=tuple(walk.notes),
        notes_i18n=tuple(walk.notes_i18n),
        errors=tuple(walk.errors),
        evidence=tuple(walk.evidence),
        nxdomain=mx is False and spf is False,
    )


def origins_text(origins: Iterable[Origin]) -> str:
    """Origins as one line for evidence: ``MX mx.example.net; SPF ip4:192.0.2.7; log 1,234``."""
    parts = []
    for origin in origins:
        if origin.kind == "mx":
            parts.append(f"MX {origin.via}")
        elif origin.kind == "spf":
            parts.append(f"SPF {origin.via}" + (" (first address)" if origin.sample else ""))
        elif origin.kind == "log":
            parts.append(f"log: {origin.count:,} connections")
        else:
            parts.append("given")
    return "; ".join(parts)
