"""Would the new server reject this client? A pure prediction from DNS answers and an RblPolicy.

Postfix semantics come from :meth:`preflight.inventory.rbl.RblPolicy.decide` (``reject_rbl_client``
with ``=filter``, ``permit_dnswl_client``, ``warn_if_reject``, postscreen weights, threshold and
action); DNSBL names, RFC 5782 self-tests and the reading of answers come from the blocklists
engine. This module adds what a prediction needs on top:

* Each list's answer is used as Postfix would use it (any A record, filtered by the rule), but
  only when our answer can stand for the server's: a list that failed its self-test, did not
  answer, answered with a refusal code (a resolver the list blocks) or outside 127.0.0.0/8 is
  *unknown*. Unknown lists are tried both ways — not listed, and listed with a code each rule on
  that list accepts — and the verdict stands only when every way agrees; otherwise we could not
  tell.
* ``reject_unknown_client_hostname`` (no PTR, or no PTR name that resolves back to the IP) and
  ``reject_unknown_reverse_client_hostname`` (no PTR), from the partner's reverse DNS.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from preflight.checks.blocklists import Answers, Health, Question, ZoneRef, read, with_rfc_test_points
from preflight.checks.rdns import PtrFacts
from preflight.data.catalogue import Catalogue, ListState
from preflight.data.loader import parse_custom_zone
from preflight.data.probes import kind_of, label_of
from preflight.inventory.parse import PostscreenOutcome, RblDecision, RblPolicy, redact_zone
from preflight.net.dns import DnsError

MAX_WORLDS = 4_096
_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_UNUSABLE = (ListState.REFUSED, ListState.UNREACHABLE, ListState.UNRELIABLE)


class Verdict(str, Enum):
    """The prediction for one partner address."""

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
        """``rbl_code`` and ``unknown_client_reject_code`` of main.cf (3-digit codes only)."""
        def code(name: str, default: str) -> str:
            value = str(params.get(name, "")).strip()
            return value if len(value) == 3 and value.isdigit() and value[0] in "45" else default

        return cls(rbl=code("rbl_code", "554"), unknown_client=code("unknown_client_reject_code", "450"))


@dataclass(frozen=True)
class ListRef:
    """A list of the policy as this run asks it: the configured name and the zone's description."""

    name: str
    """As configured (may hold an access key: only ever used as the query name)."""
    ref: ZoneRef | None
    """None when the name cannot be asked (not a valid DNS name)."""
    known: bool
    """True when the catalogue knows the list (its codes, refusal codes and delisting page)."""

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
        if zone is None:
            try:
                zone = with_rfc_test_points(parse_custom_zone(
                    {"zone": name, "subjects": ["ipv4", "ipv6"], "kind": "block"}))
            except ValueError:
                refs.append(ListRef(name, None, False))
                continue
        refs.append(ListRef(name, ZoneRef(zone, name, redact_zone(name)), known))
    return tuple(refs)


def lookup(ref: ListRef, ip: str, rdtype: str = "A") -> Question | None:
    """The question for ``ip`` on this list, or None when the list does not take its kind."""
    if ref.ref is None or not ref.ref.zone.supports(kind_of(ip)):
        return None
    return ref.ref.question(label_of(ip), rdtype)


@dataclass(frozen=True)
class ListReading:
    """One partner address on one list: what Postfix would see (``codes``), or why unknown."""

    list: ListRef
    state: ListState
    codes: tuple[str, ...]
    meaning: str
    usable: bool

    @property
    def listed(self) -> bool:
        """True when the list answered with at least one code we can use."""
        return self.usable and bool(self.codes)


def reading(ref: ListRef, health: Health | None, answers: Answers, ip: str) -> ListReading:
    """How ``ip`` reads on one list (pure)."""
    if ref.ref is None or health is None:
        return ListReading(ref, ListState.UNRELIABLE, (), "not a DNS name that can be asked", False)
    question = lookup(ref, ip)
    if question is None:
        return ListReading(ref, ListState.NOT_APPLICABLE, (), "this list does not take this kind of "
                           "address (Postfix finds nothing)", True)
    result = answers.get(question.key)
    found = read(ref.ref, health, result)
    if not health.usable or isinstance(result, DnsError) or result is None:
        state = found.state if found.state in _UNUSABLE else ListState.UNREACHABLE
        return ListReading(ref, state, found.codes, found.meaning, False)
    if found.state is ListState.REFUSED:
        return ListReading(ref, found.state, found.codes, found.meaning, False)
    if any(not _in_loopback(c) for c in found.codes):
        return ListReading(ref, ListState.UNRELIABLE, found.codes, found.meaning, False)
    return ListReading(ref, found.state, found.codes, found.meaning, True)


def _in_loopback(code: str) -> bool:
    try:
        return ipaddress.IPv4Address(code) in _LOOPBACK
    except ValueError:
        return False


class Hostname(str, Enum):
    """What the partner's reverse DNS means for ``reject_unknown_*_hostname``."""

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


def hostname_reading(policy: RblPolicy, facts: PtrFacts | None) -> HostnameReading:
    """FCrDNS of a partner address against ``reject_unknown_(reverse_)client_hostname`` (pure)."""
    strict, reverse = policy.reject_unknown_client_hostname, policy.reject_unknown_reverse_client_hostname
    if not (strict or reverse) or facts is None:
        return HostnameReading(Hostname.NOT_REQUIRED)
    if isinstance(facts.ptr, DnsError):
        return HostnameReading(Hostname.ERROR, detail=f"PTR: {facts.ptr.reason}")
    names = tuple(facts.ptr.records)
    if not names:
        why = "NXDOMAIN" if facts.ptr.nxdomain else "NODATA"
        rule = "reject_unknown_client_hostname" if strict else "reject_unknown_reverse_client_hostname"
        return HostnameReading(Hostname.NO_PTR, (), f"PTR {why}", rule)
    if not strict:
        return HostnameReading(Hostname.CONFIRMED, names, f"PTR {', '.join(names)}")
    failed = []
    for name, answer in facts.forward:
        if isinstance(answer, DnsError):
            failed.append(f"{name}: {answer.reason}")
            continue
        if facts.ip in {str(ipaddress.ip_address(r)) for r in answer.records if _is_ip(r)}:
            return HostnameReading(Hostname.CONFIRMED, names, f"PTR {name} → {facts.ip}")
    if failed:
        return HostnameReading(Hostname.ERROR, names, "; ".join(failed))
    shown = "; ".join(f"{n} → {', '.join(a.records) or 'no address'}" for n, a in facts.forward
                      if not isinstance(a, DnsError))
    return HostnameReading(Hostname.MISMATCH, names, f"PTR {shown}", "reject_unknown_client_hostname")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Prediction:
    """The fate of one partner address, and why."""

    ip: str
    verdict: Verdict
    readings: tuple[ListReading, ...]
    decision: RblDecision | None
    """The decision with unknown lists read as "not listed" (what the answers we have show)."""
    hostname: HostnameReading
    rbl: bool | None
    """Rejected for a listing: True, False, or None (depends on an unknown list)."""
    by: tuple[str, ...]
    """What rejects, in Postfix's words: ``reject_rbl_client zen.spamhaus.org → 127.0.0.2``."""
    code: str
    unknown: tuple[ListReading, ...]


def _candidates(policy: RblPolicy, zone: str) -> list[tuple[str, ...]]:
    """Answers an unknown list could give: nothing, or a code each rule on it accepts."""
    codes: list[str] = []
    filters = [r.filter for r in policy.rules if r.zone == zone and r.kind.queries_client_ip]
    filters += [s.filter for s in policy.postscreen_sites if s.zone == zone]
    for flt in filters:
        code = "127.0.0.2" if flt is None else ".".join(str(f[0][0]) for f in flt.fields)
        if code not in codes:
            codes.append(code)
    return [(), *((c,) for c in codes)]


def rbl_outcome(policy: RblPolicy, known: Mapping[str, Sequence[str]], unknown: Sequence[str]
                ) -> tuple[bool | None, RblDecision]:
    """Rejected for a listing in every possible world (True), in none (False), or it depends (None)."""
    base = policy.decide(known)
    choices = [_candidates(policy, zone) for zone in unknown]
    total = 1
    for options in choices:
        total *= len(options)
    if total > MAX_WORLDS:
        return None, base
    seen = {base.rejected}
    for world in itertools.product(*choices):
        answers = {**known, **{z: codes for z, codes in zip(unknown, world)}}
        seen.add(policy.decide(answers).rejected)
        if len(seen) > 1:
            return None, base
    return seen.pop(), base


def _rejecting(decision: RblDecision, policy: RblPolicy, codes: ReplyCodes,
               readings: Mapping[str, ListReading]) -> tuple[list[str], str]:
    by: list[str] = []
    code = ""
    screen = decision.postscreen_outcome
    if screen in (PostscreenOutcome.REJECTED, PostscreenOutcome.DROPPED):
        hits = " + ".join(f"{s.display_zone}*{s.weight}" for s in decision.postscreen_hits)
        code = codes.postscreen_drop if screen is PostscreenOutcome.DROPPED else codes.postscreen_enforce
        by.append(f"postscreen_dnsbl_sites: {hits} = {decision.postscreen_score} ≥ "
                  f"{policy.postscreen_threshold} (postscreen_dnsbl_action = {policy.postscreen_action.value})")
    for rule in decision.rejecting_rules:
        answer = readings.get(rule.zone)
        got = ", ".join(answer.codes) if answer else ""
        shown = rule.display_zone + (f"={rule.filter}" if rule.filter else "")
        by.append(f"{rule.kind.value} {shown} → {got} ({rule.stage.parameter})")
        code = code or codes.rbl
    return by, code


def predict(policy: RblPolicy, refs: Sequence[ListRef], health: Mapping[str, Health], answers: Answers,
            ip: str, ptr: PtrFacts | None, codes: ReplyCodes) -> Prediction:
    """The verdict for one partner address (pure: answers in, prediction out)."""
    readings = tuple(reading(ref, health.get(ref.name), answers, ip) for ref in refs)
    by_zone = {r.list.name: r for r in readings}
    known = {r.list.name: r.codes for r in readings if r.usable}
    unknown = [r for r in readings if not r.usable]
    rbl, decision = rbl_outcome(policy, known, [r.list.name for r in unknown])
    host = hostname_reading(policy, ptr)
    by, code = _rejecting(decision, policy, codes, by_zone) if rbl else ([], "")
    host_rejects = host.state in (Hostname.NO_PTR, Hostname.MISMATCH)
    if host_rejects:
        by.append(f"{host.rejected_by}: {host.detail}")
        code = code or codes.unknown_client
    if rbl or host_rejects:
        verdict = Verdict.REJECTED
    elif rbl is None or host.state is Hostname.ERROR:
        verdict = Verdict.UNKNOWN
    else:
        verdict = Verdict.ACCEPTED
    return Prediction(ip, verdict, readings, decision, host, rbl, tuple(by), code, tuple(unknown))

