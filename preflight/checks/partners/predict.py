"""Would the new server reject this partner? The prediction, from DNS answers and the server's policy.

The simulation itself is :func:`preflight.checks.partners.screen.simulate` (postscreen, then
smtpd's restriction lists, as Postfix evaluates them). This module turns what this run saw into
the :class:`~preflight.checks.partners.smtpd.World` Postfix would see through the same resolver:

* each list's A answer is used as Postfix would use it — a dead or wildcarded list's answers
  included (it rejects everyone when it answers everything); a lookup that failed is a failed
  lookup for Postfix too (a ``reject_rbl_client`` lets the client through, a
  ``permit_dnswl_client`` defers it);
* an answer with a refusal code (the list refuses this resolver) is what Postfix gets through the
  same resolver: if a rule rejects on it, every client is rejected (the refusal risk); if not, the
  real listing is hidden and the list is tried both ways — not listed, and listed with a code
  each rule on it accepts; access tables that could not be read are tried empty, answering OK and
  answering REJECT. The verdict stands only when every way agrees; otherwise we could not tell;
* the partner's reverse DNS gives smtpd's client name (verified when the PTR name resolves back)
  and reverse name, the HELO name a partner is assumed to send, and the ``reject_rhsbl_*``
  subjects.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from preflight.checks.blocklists import Answers, Health, Question, ZoneRef, read, with_rfc_test_points
from preflight.checks.partners.screen import simulate
from preflight.checks.partners.smtpd import Client, Lookup, Reply, World
from preflight.checks.rdns import PtrFacts
from preflight.data.catalogue import Catalogue, ListState
from preflight.data.loader import parse_custom_zone
from preflight.data.probes import kind_of, label_of
from preflight.inventory.access import Table, parse_table
from preflight.inventory.parse import RblDecision, RblPolicy, redact_zone
from preflight.inventory.smtpdconfig import reply_code
from preflight.net.dns import DnsAnswer, DnsError

MAX_WORLDS = 512
_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_TABLE_CANDIDATES = ("OK", "REJECT")


class Verdict(str, Enum):
    """The prediction for one partner address (a 4xx is ``rejected`` with ``delayed`` set)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ReplyCodes:
    """The SMTP codes the server answers with (Postfix defaults unless main.cf sets them)."""

    rbl: str = "554"
    unknown_client: str = "450"
    postscreen_enforce: str = "550"
    postscreen_drop: str = "521"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ReplyCodes:
        """``maps_rbl_reject_code`` and ``unknown_client_reject_code`` (Postfix has no ``rbl_code``)."""
        return cls(rbl=reply_code(params, "maps_rbl_reject_code", "554"),
                   unknown_client=reply_code(params, "unknown_client_reject_code", "450"))


@dataclass(frozen=True)
class ListRef:
    """A list of the policy as this run asks it: the configured name and the zone's description."""

    name: str
    """As configured (may hold an access key: only ever used as the query name)."""
    ref: ZoneRef | None
    """None when the name cannot be asked (not a valid DNS name)."""
    known: bool
    """True when the catalogue knows the list (its codes, refusal codes and delisting page)."""
    dead: bool = False
    """True when the catalogue knows the list as dead or wildcarded."""

    @property
    def shown(self) -> str:
        """The name for people (access keys hidden)."""
        return redact_zone(self.name)


def list_refs(policy: RblPolicy, catalogue: Catalogue) -> tuple[ListRef, ...]:
    """Every IP-queried list of the policy, described by the catalogue (or as an RFC 5782 list)."""
    refs = []
    for name in policy.ip_zones:
        zone = catalogue.find_by_zone_name(name)
        known = zone is not None
        dead = zone is not None and not zone.is_active
        if zone is None:
            try:
                zone = with_rfc_test_points(parse_custom_zone(
                    {"zone": name, "subjects": ["ipv4", "ipv6"], "kind": "block"}))
            except ValueError:
                refs.append(ListRef(name, None, False))
                continue
        refs.append(ListRef(name, ZoneRef(zone, name, redact_zone(name)), known, dead))
    return tuple(refs)


def lookup(ref: ListRef, ip: str, rdtype: str = "A") -> Question | None:
    """The question for ``ip`` on this list, or None when the list does not take its kind."""
    if ref.ref is None or not ref.ref.zone.supports(kind_of(ip)):
        return None
    return ref.ref.question(label_of(ip), rdtype)


def name_question(zone: str, name: str) -> tuple[str, str]:
    """The A question of a ``reject_rhsbl_*`` list for a domain name."""
    return (f"{name.lower().rstrip('.')}.{zone}", "A")


@dataclass(frozen=True)
class ListReading:
    """One partner address on one list: what Postfix would see (``codes``), or why unknown."""

    list: ListRef
    state: ListState
    codes: tuple[str, ...]
    meaning: str
    usable: bool
    """False when the answer cannot stand for the real listing (refusal code)."""
    failed: bool = False
    """True when the lookup failed (Postfix: not listed for a blocklist, defer for an allowlist)."""

    @property
    def listed(self) -> bool:
        """True when the list answered with at least one code we can use."""
        return self.usable and bool(self.codes)


def reading(ref: ListRef, health: Health | None, answers: Answers, ip: str) -> ListReading:
    """How ``ip`` reads on one list (pure)."""
    if ref.ref is None:
        return ListReading(ref, ListState.UNRELIABLE, (), "not a DNS name that can be asked", True)
    question = lookup(ref, ip)
    if question is None:
        return ListReading(ref, ListState.NOT_APPLICABLE, (), "this list does not take this kind of "
                           "address (Postfix finds nothing)", True)
    result = answers.get(question.key)
    if isinstance(result, DnsError) or result is None:
        why = result.reason if isinstance(result, DnsError) else "not asked"
        return ListReading(ref, ListState.UNREACHABLE, (), f"no answer ({why})", True, failed=True)
    codes = tuple(str(r) for r in result.records)
    if health is None:
        return ListReading(ref, ListState.LISTED if codes else ListState.CLEAR, codes, "", True)
    found = read(ref.ref, health, result)
    if not health.usable and not ref.dead and found.state is not ListState.REFUSED:
        # A list failing its RFC 5782 self-test (not known dead): its answer may be this
        # resolver's trouble rather than what the list says. Tried both ways.
        return ListReading(ref, health.state or ListState.UNRELIABLE, codes, found.meaning, False)
    if found.state is ListState.REFUSED or (codes and ref.known and ref.ref.zone.classify(codes[0])[0]
                                              is ListState.REFUSED):
        return ListReading(ref, ListState.REFUSED, codes, found.meaning, False)
    if any(not _in_loopback(c) for c in codes):  # a resolver that lies (NXDOMAIN rewriting)
        return ListReading(ref, ListState.UNRELIABLE, codes, found.meaning, False)
    state = found.state if health.usable else (ListState.LISTED if codes else ListState.CLEAR)
    return ListReading(ref, state, codes, found.meaning, True)


def _in_loopback(code: str) -> bool:
    try:
        return ipaddress.IPv4Address(code) in _LOOPBACK
    except ValueError:
        return False


class Hostname(str, Enum):
    """What the partner's reverse DNS means for smtpd."""

    NOT_REQUIRED = "not_required"
    CONFIRMED = "confirmed"
    NO_PTR = "no_ptr"
    MISMATCH = "mismatch"
    ERROR = "error"


@dataclass(frozen=True)
class HostnameReading:
    """The reverse DNS of one partner address, judged as Postfix would."""

    state: Hostname
    ptr: tuple[str, ...] = ()
    detail: str = ""
    rejected_by: str = ""
    """The restriction that rejects (empty: none)."""


def client_of(ip: str, facts: PtrFacts | None, sender_domain: str | None = None) -> Client:
    """smtpd's view of the client: verified name (FCrDNS), reverse name, assumed HELO."""
    if facts is None:
        return Client(ip, sender_domain=sender_domain)
    if isinstance(facts.ptr, DnsError):
        return Client(ip, name_status="temp", reverse_status="temp", sender_domain=sender_domain)
    names = [n.lower().rstrip(".") for n in facts.ptr.records]
    if not names:
        return Client(ip, sender_domain=sender_domain)
    reverse = names[0]
    temp = False
    for name, answer in facts.forward:
        if isinstance(answer, DnsError):
            temp = True
            continue
        addrs = tuple(str(ipaddress.ip_address(r)) for r in answer.records if _is_ip(r))
        if str(ipaddress.ip_address(ip)) in addrs:
            clean = name.lower().rstrip(".")
            return Client(ip, clean, "ok", reverse, "ok", addrs, clean, sender_domain)
    return Client(ip, None, "temp" if temp else "unknown", reverse, "ok", (), reverse, sender_domain)


def hostname_reading(client: Client) -> HostnameReading:
    """The reverse DNS as shown in reports."""
    if client.name_status == "temp" and client.reverse_name is None:
        return HostnameReading(Hostname.ERROR, (), "PTR lookup failed")
    if client.reverse_name is None:
        return HostnameReading(Hostname.NO_PTR, (), "no PTR record")
    if client.name_status == "ok":
        return HostnameReading(Hostname.CONFIRMED, (client.reverse_name,), f"PTR {client.name} → {client.ip}")
    if client.name_status == "temp":
        return HostnameReading(Hostname.ERROR, (client.reverse_name,), f"PTR {client.reverse_name}: the "
                               "forward lookup failed")
    return HostnameReading(Hostname.MISMATCH, (client.reverse_name,),
                           f"PTR {client.reverse_name} does not resolve back to {client.ip}")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Policy:
    """What the simulation needs of the server: parameters, the parsed lists, the tables."""

    params: Mapping[str, str]
    rbl: RblPolicy
    tables: Mapping[str, Table] = field(default_factory=dict)
    unread: tuple[str, ...] = ()
    """Access tables named by the policy whose contents are not known."""


@dataclass(frozen=True)
class Prediction:
    """The fate of one partner address, and why."""

    ip: str
    verdict: Verdict
    readings: tuple[ListReading, ...]
    decision: RblDecision | None
    """The DNS-list view of the answers (postscreen score and hits, for the report)."""
    hostname: HostnameReading
    rbl: bool | None
    """Rejected by a DNS list: True, False, or None (depends on an unknown list or table)."""
    by: tuple[str, ...]
    """What rejects, in Postfix's words: ``reject_rbl_client zen.spamhaus.org → 127.0.0.2``."""
    code: str
    unknown: tuple[ListReading, ...]
    reply: Reply = field(default_factory=Reply)
    world: World | None = None
    unknown_tables: tuple[str, ...] = ()

    @property
    def delayed(self) -> bool:
        """True when the refusal is a 4xx: the partner's server retries (and bounces later)."""
        return self.verdict is Verdict.REJECTED and self.code.startswith("4")

    @property
    def refusal(self) -> bool:
        """True when the rejection comes from a refusal code: every client would be rejected."""
        return any(r.state is ListState.REFUSED and r.list.name == self.reply.zone for r in self.readings)

    @property
    def dead(self) -> bool:
        """True when a dead or wildcarded list decides the rejection."""
        return any(r.list.dead and r.list.name == self.reply.zone for r in self.readings)


def _candidates(policy: RblPolicy, zone: str) -> list[Lookup]:
    """Answers an unknown list could give: nothing, or a code each rule on it accepts."""
    codes: list[str] = []
    filters = [r.filter for r in policy.rules if r.zone == zone and r.kind.queries_client_ip]
    filters += [s.filter for s in policy.postscreen_sites if s.zone == zone]
    for flt in filters:
        code = "127.0.0.2" if flt is None else ".".join(str(f[0][0]) for f in flt.fields)
        if code not in codes:
            codes.append(code)
    return [(), *((c,) for c in codes)]


def _class(reply: Reply) -> str:
    return "accept" if reply.accepted else "defer" if reply.deferred else "reject"


def rhsbl_answers(policy: RblPolicy, client: Client, answers: Answers) -> dict[tuple[str, str], Lookup]:
    """``(zone, name)`` → answer for every ``reject_rhsbl_*``/``permit_rhswl_client`` rule."""
    out: dict[tuple[str, str], Lookup] = {}
    names = {client.name, client.reverse_name, client.helo, client.sender_domain} - {None}
    for rule in policy.rules:
        if rule.kind.queries_client_ip:
            continue
        for name in names:
            assert name is not None
            got = answers.get(name_question(rule.zone, name))
            if isinstance(got, DnsAnswer):
                out[(rule.zone, name)] = tuple(str(r) for r in got.records)
            elif isinstance(got, DnsError):
                out[(rule.zone, name)] = None
    return out


def predict(policy: Policy, refs: Sequence[ListRef], health: Mapping[str, Health], answers: Answers,
            ip: str, ptr: PtrFacts | None, sender_domain: str | None = None) -> Prediction:
    """The verdict for one partner address (pure: answers in, prediction out)."""
    readings = tuple(reading(ref, health.get(ref.name), answers, ip) for ref in refs)
    client = client_of(ip, ptr, sender_domain)
    dnsxl: dict[tuple[str, str], Lookup] = rhsbl_answers(policy.rbl, client, answers)
    for r in readings:
        dnsxl[(r.list.name, ip.lower())] = None if r.failed else r.codes
    base = World(client, dnsxl, policy.tables)
    reply = simulate(policy.params, policy.rbl, base)
    hidden = [r for r in readings if not r.usable and not (
        r.state is ListState.REFUSED and not reply.accepted and reply.zone == r.list.name)]
    unread = [t for t in policy.unread if t not in policy.tables]
    choices: list[list[tuple[str, object]]] = [[("zone", (r.list.name, c)) for c in _candidates(policy.rbl, r.list.name)]
                                                for r in hidden]
    choices += [[("table", (t, v)) for v in ("", *_TABLE_CANDIDATES)] for t in unread]
    total = 1
    for options in choices:
        total *= len(options)
    agreed: bool | None = True
    if total > MAX_WORLDS:
        agreed = None
    elif choices:
        seen = {_class(reply)}
        for world in itertools.product(*choices):
            zones = dict(dnsxl)
            tables = dict(policy.tables)
            for what, value in world:
                if what == "zone":
                    zone, codes = value  # type: ignore[misc]
                    zones[(zone, ip.lower())] = codes
                else:
                    name, answer = value  # type: ignore[misc]
                    tables[name] = Table.of_answers(name, {}) if not answer else _answering(name, answer)
            seen.add(_class(simulate(policy.params, policy.rbl, World(client, zones, tables))))
            if len(seen) > 1:
                agreed = None
                break
    decision = policy.rbl.decide({r.list.name: r.codes for r in readings if r.usable and not r.failed})
    uses = policy.rbl.reject_unknown_client_hostname or policy.rbl.reject_unknown_reverse_client_hostname
    host = hostname_reading(client) if uses else HostnameReading(Hostname.NOT_REQUIRED)
    by_list = bool(reply.zone) or reply.kind.startswith("postscreen_dnsbl")
    if agreed is None:
        verdict, rbl = Verdict.UNKNOWN, None
    elif reply.accepted:
        verdict, rbl = Verdict.ACCEPTED, False
    else:
        verdict, rbl = Verdict.REJECTED, by_list
    by = (f"{reply.by} ({reply.stage})" if reply.stage.startswith("smtpd_") else reply.by,) \
        if verdict is Verdict.REJECTED else ()
    return Prediction(ip, verdict, readings, decision, host, rbl, by,
                      reply.code if verdict is Verdict.REJECTED else "", tuple(hidden), reply, base,
                      tuple(unread))


def _answering(name: str, answer: str) -> Table:
    """A table that answers ``answer`` for every key (a cidr table for everything)."""
    return parse_table("cidr:" + name, f"0.0.0.0/0 {answer}\n::/0 {answer}\n")

