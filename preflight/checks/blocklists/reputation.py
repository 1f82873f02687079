"""Reputation of the new IPs (pure): network identity, graded scores, the /24 neighbourhood.

* Network identity comes from Team Cymru's DNS interface: TXT at ``<reversed>.origin.asn.cymru.com``
  (``origin6`` for IPv6) gives ``ASN | prefix | CC | registry | allocated``; ``AS<n>.asn.cymru.com``
  gives the AS name. It explains hosting-ASN refusals and range-wide (collateral) listings.
* Graded zones (Mailspike reputation, SenderScore) and allowlists (dnswl.org trust level) say how
  receivers already rate the IP.
* The neighbourhood counts how many other addresses of the IP's /24 are on a block list: lists
  such as UCEPROTECT level 2 and Spamhaus CSS escalate from neighbours to whole ranges.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from preflight.checks.blocklists import outcomes as o
from preflight.checks.blocklists.health import Answers, Health, evidence_of, read, read_state
from preflight.checks.blocklists.plan import Plan, SubjectRef
from preflight.checks.blocklists.queries import Question, kind_of, label_of, neighbours, network_of
from preflight.data.catalogue import Catalogue, ListState, Subject, ZoneKind
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsAnswer, DnsError
from preflight.textsafe import clean

CROWDED_SHARE = 0.05
"""Share of listed neighbours (on a block list) from which the /24 is a collateral risk."""

UNCHECKED = frozenset({ListState.UNREACHABLE, ListState.REFUSED, ListState.UNRELIABLE})
"""A neighbour with one of these on any list could not be checked (unless another lists it)."""

_GRADE = {ListState.LISTED: "poor", ListState.CLEAR: "neutral", ListState.ALLOWLISTED: "good",
          ListState.POLICY: "neutral"}


@dataclass(frozen=True)
class Origin:
    """One Team Cymru origin record."""

    asns: tuple[str, ...]
    prefix: str
    country: str = ""
    registry: str = ""
    allocated: str = ""


def _lookup_query(catalogue: Catalogue, subject: str) -> tuple[str, str]:
    for lookup in catalogue.lookups:
        if lookup.subject == subject:
            return lookup.query, lookup.record_type
    raise KeyError(f"the catalogue has no {subject} lookup")


def origin_question(catalogue: Catalogue, ip: str) -> Question:
    """TXT ``<reversed>.origin.asn.cymru.com`` (or ``origin6``) for an IP."""
    kind = kind_of(ip)
    template, rdtype = _lookup_query(catalogue, kind.value)
    name = template.replace("{reversed_ipv4}", label_of(ip, kind)).replace(
        "{reversed_ipv6_nibbles}", label_of(ip, kind))
    return Question(name, rdtype, name)


def asn_question(catalogue: Catalogue, asn: str) -> Question:
    """TXT ``AS<n>.asn.cymru.com``."""
    template, rdtype = _lookup_query(catalogue, "asn")
    name = template.replace("{asn}", asn)
    return Question(name, rdtype, name)


def parse_origin(records: Iterable[str]) -> Origin | None:
    """The most specific origin among TXT records (None when none parses). Never raises."""
    best: Origin | None = None
    best_len = -1
    for record in records:
        fields = [f.strip() for f in str(record).split("|")]
        if len(fields) < 2:
            continue
        asns = tuple(a for a in fields[0].split() if a.isdigit() and len(a) <= 10)
        try:
            network = ipaddress.ip_network(fields[1], strict=False)
        except ValueError:
            continue
        if not asns or network.prefixlen <= best_len:
            continue
        rest = [*fields[2:5], "", "", ""]
        best, best_len = Origin(asns, str(network), rest[0], rest[1], rest[2]), network.prefixlen
    return best


def parse_as_name(records: Iterable[str]) -> str | None:
    """The AS name (fifth field) of an ``AS<n>.asn.cymru.com`` TXT answer. Never raises."""
    for record in records:
        fields = [f.strip() for f in str(record).split("|")]
        if len(fields) >= 5 and fields[4]:
            return fields[4]
    return None


def origins(catalogue: Catalogue, ips: Sequence[SubjectRef], answers: Answers) -> dict[str, Origin]:
    """Parsed origin of each IP that has one."""
    found = {}
    for ip in ips:
        answer = answers.get(origin_question(catalogue, ip.subject).key)
        if isinstance(answer, DnsAnswer):
            parsed = parse_origin(answer.records)
            if parsed is not None:
                found[ip.subject] = parsed
    return found


def evaluate_network(catalogue: Catalogue, ip: SubjectRef, answers: Answers
                     ) -> tuple[CheckResult, dict[str, Any] | None]:
    """reputation.network for one IP, and its report row."""
    if not ip.public:
        return o.NET_NOT_PUBLIC(ip.subject, ip=ip.subject), None
    question = origin_question(catalogue, ip.subject)
    answer = answers.get(question.key)
    if answer is None:
        return o.NET_ERROR(ip.subject, ip=ip.subject, reason="not asked"), None
    evidence = [evidence_of(question, answer, None)]
    if isinstance(answer, DnsError):
        return o.NET_ERROR(ip.subject, evidence, ip=ip.subject, reason=answer.reason), None
    origin = parse_origin(answer.records)
    if origin is None and answer.records:
        return o.NET_ERROR(ip.subject, evidence, ip=ip.subject,
                           reason="the answer is not in Team Cymru's format"), None
    if origin is None:
        return o.NET_NOT_ANNOUNCED(ip.subject, evidence, ip=ip.subject), None
    as_name = ""
    as_answer = answers.get(asn_question(catalogue, origin.asns[0]).key)
    if as_answer is not None:
        evidence.append(evidence_of(asn_question(catalogue, origin.asns[0]), as_answer, None))
        if isinstance(as_answer, DnsAnswer):
            as_name = parse_as_name(as_answer.records) or ""
    asn = " ".join(f"AS{a}" for a in origin.asns)
    row = {"ip": ip.subject, "asn": clean(asn, 120), "prefix": origin.prefix,
           "country": clean(origin.country, 20), "registry": clean(origin.registry, 40),
           "allocated": clean(origin.allocated, 40), "as_name": clean(as_name, 200)}
    result = o.NET_FOUND(ip.subject, evidence, ip=ip.subject, asn=asn, prefix=origin.prefix,
                         country=origin.country or "?", registry=origin.registry or "?",
                         as_name=as_name or "unknown")
    return result, row


def evaluate_scores(plan: Plan, ip: SubjectRef, answers: Answers, health: Mapping[str, Health]
                    ) -> tuple[list[CheckResult], list[dict[str, Any]]]:
    """reputation.score for one IP: graded zones and allowlists, one result each."""
    if not ip.public:
        return [], []
    refs = [r for r in plan.refs if r.zone.kind in (ZoneKind.REPUTATION, ZoneKind.ALLOW)
            and r.zone.supports(ip.kind)]
    if not refs:
        return [o.SCORE_NO_LISTS(ip.subject, ip=ip.subject)], []
    results: list[CheckResult] = []
    rows: list[dict[str, Any]] = []
    label = label_of(ip.subject, ip.kind)
    for ref in refs:
        zone, question = ref.zone, ref.question(label)
        result = answers.get(question.key)
        state = health[zone.id]
        reading = read(ref, state, result)
        subject = f"{ip.subject} in {ref.shown}"
        evidence = [evidence_of(question, result, plan.dqs_key)] if result is not None else []
        names = {"ip": ip.subject, "list_name": zone.name, "zone": ref.shown}
        if reading.state in (ListState.REFUSED, ListState.UNREACHABLE, ListState.UNRELIABLE):
            if state.usable and zone.kind is ZoneKind.REPUTATION:
                results.append(o.SCORE_ERROR(subject, evidence, **names, reason=reading.meaning,
                                                 reason_i18n=reading.meaning_i18n))
            continue
        if not reading.codes:
            results.append(o.SCORE_UNSCORED(subject, evidence, **names))
            grade = "none"
        else:
            grade = _GRADE[reading.state]
            params = {**names, "codes": ", ".join(reading.codes), "meaning": reading.meaning,
                      "meaning_i18n": reading.meaning_i18n}
            if grade == "poor":
                url = zone.lookup_link(ip.subject) or zone.delist_link(ip.subject) or zone.name
                results.append(o.SCORE_POOR(subject, evidence, **params, url=url))
            elif grade == "good":
                results.append(o.SCORE_GOOD(subject, evidence, **params))
            else:
                results.append(o.SCORE_NEUTRAL(subject, evidence, **params))
        rows.append({"ip": ip.subject, "zone_id": zone.id, "zone": ref.shown, "list": zone.name,
                     "kind": zone.kind.value, "grade": grade, "codes": list(reading.codes),
                     "meaning": clean(reading.meaning, 300), "meaning_i18n": reading.meaning_i18n})
    return results, rows


def evaluate_neighbourhood(plan: Plan, ip: SubjectRef, answers: Answers,
                           health: Mapping[str, Health]
                           ) -> tuple[CheckResult, dict[str, Any] | None]:
    """reputation.neighbourhood for one IP: how many /24 neighbours the block lists list."""
    if not ip.public:
        return o.HOOD_NOT_PUBLIC(ip.subject, ip=ip.subject), None
    if ip.kind is not Subject.IPV4:
        return o.HOOD_NOT_IPV4(ip.subject, ip=ip.subject), None
    if not plan.neighbourhood:
        return o.HOOD_NOT_REQUESTED(ip.subject, ip=ip.subject), None
    network = network_of(ip.subject)
    refs = plan.neighbour_refs(health)
    if not refs:
        return o.HOOD_ERROR(ip.subject, ip=ip.subject, network=network,
                            reason="no block list passed its self-test"), None
    listed = policy = checked = unanswered = 0
    by_list: Counter[str] = Counter()
    checked_refs = [(ref, health[ref.zone.id]) for ref in refs]
    for other in neighbours(ip.subject):
        label = label_of(other, Subject.IPV4)
        states = []
        for ref, zone_health in checked_refs:
            state = read_state(ref, zone_health, answers.get(ref.key(label)))
            states.append(state)
            if state is ListState.LISTED:
                by_list[ref.zone.name] += 1
        if ListState.LISTED in states:  # listed is known even if another list was silent
            checked += 1
            listed += 1
        elif any(s in UNCHECKED for s in states):  # "not listed" needs every list's answer
            unanswered += 1
        else:
            checked += 1
            policy += int(ListState.POLICY in states)
    if checked == 0:
        return o.HOOD_ERROR(ip.subject, ip=ip.subject, network=network,
                            reason="no neighbour lookup was answered"), None
    if listed / checked < CROWDED_SHARE <= (listed + unanswered) / (checked + unanswered):
        # the unanswered neighbours alone could make the range crowded: "clean" is not known
        return o.HOOD_ERROR(ip.subject, ip=ip.subject, network=network,
                            reason=f"{unanswered} of {checked + unanswered} neighbours could not be "
                                   f"checked on every list"), None
    lists = ", ".join(f"{name} {n}" for name, n in sorted(by_list.items(), key=lambda x: (-x[1], x[0])))
    row = {"ip": ip.subject, "network": network, "checked": checked, "listed": listed,
           "policy": policy, "unanswered": unanswered, "lists": dict(sorted(by_list.items())),
           "zones": [r.shown for r in refs]}
    evidence = [Evidence("neighbours checked", f"{checked} of {checked + unanswered} on "
                         f"{len(refs)} block lists", "preflight"),
                Evidence("listed per list", lists or "none", "preflight")]
    params = {"ip": ip.subject, "network": network, "checked": checked, "listed": listed,
              "policy": policy, "lists": lists or "none"}
    share = listed / checked
    if share >= CROWDED_SHARE:
        return o.HOOD_CROWDED(ip.subject, evidence, **params, share=f"{share:.0%}"), row
    return o.HOOD_CLEAN(ip.subject, evidence, **params), row
