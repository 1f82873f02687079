"""From answers to results (pure): blocklist.ip, blocklist.domain, blocklist.zone, blocklist.resolver.

One result per (subject, list) that is not clear, one summary per subject, one result per list
that could not be used (its self-test failed), and the ``blocklists`` report rows: one per
(subject, list) with state, codes, meaning, the TXT reason and the delisting URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from preflight.checks.blocklists import outcomes as o
from preflight.checks.blocklists.health import Answers, Health, Reading, evidence_of, read
from preflight.checks.blocklists.plan import LISTINGS, Plan, SubjectRef, roles_code, roles_text
from preflight.checks.blocklists.queries import ZoneRef, label_of, redact
from preflight.data.catalogue import Catalogue, ListState, Purpose, Requirement, Subject, ZoneKind
from preflight.i18n.messages import encode, piece, render_coded
from preflight.model import CheckResult, Evidence, Outcome
from preflight.net.dns import DnsAnswer
from preflight.textsafe import clean

CANNOT_CHECK = (ListState.REFUSED, ListState.UNREACHABLE, ListState.UNRELIABLE)
STATE_ORDER = {s: i for i, s in enumerate((
    ListState.LISTED, ListState.POLICY, ListState.REFUSED, ListState.UNRELIABLE,
    ListState.UNREACHABLE, ListState.ALLOWLISTED, ListState.CLEAR, ListState.NOT_APPLICABLE))}
CUSTOM_OPERATOR = "user-defined"
NOT_PUBLIC_RESOLVER = "not a known public resolver"
"""Evidence value for a resolver the catalogue does not name (shown as ``ui.evidence_not_public_resolver``)."""


@dataclass(frozen=True)
class _Words:
    listed: Outcome
    policy: Outcome
    allowlisted: Outcome
    cannot: Mapping[ListState, Outcome]
    clear: Outcome
    no_lists: Outcome
    non_mail: Outcome
    none_usable: Outcome


_IP = _Words(o.IP_LISTED, o.IP_POLICY, o.IP_ALLOWLISTED,
             {ListState.REFUSED: o.IP_REFUSED, ListState.UNREACHABLE: o.IP_UNREACHABLE,
              ListState.UNRELIABLE: o.IP_UNRELIABLE}, o.IP_CLEAR, o.IP_NO_LISTS,
             o.IP_LISTED_NON_MAIL, o.IP_NONE_USABLE)
_DOMAIN = _Words(o.DOMAIN_LISTED, o.DOMAIN_POLICY, o.DOMAIN_ALLOWLISTED,
                 {ListState.REFUSED: o.DOMAIN_REFUSED, ListState.UNREACHABLE: o.DOMAIN_UNREACHABLE,
                  ListState.UNRELIABLE: o.DOMAIN_UNRELIABLE}, o.DOMAIN_CLEAR, o.DOMAIN_NO_LISTS,
                 o.DOMAIN_LISTED_NON_MAIL, o.DOMAIN_NONE_USABLE)


def txt_reason(answer: object) -> str:
    """The TXT reason of a listing ("" when there is none)."""
    if isinstance(answer, DnsAnswer) and answer.records:
        return " / ".join(answer.records)
    return ""


def site(url: str | None) -> str:
    """An operator URL for a whole list: templated (per-IP) URLs are cut to their site."""
    if not url:
        return "the operator's web site"
    if "{" in url:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}/"
    return url


def blocklist_refs(plan: Plan) -> list[ZoneRef]:
    """The lists reported as blocklist rows (graded reputation zones go to reputation.score)."""
    return [r for r in plan.refs if r.zone.kind is not ZoneKind.REPUTATION]


def row(ref: ZoneRef, subject: SubjectRef, reading: Reading, reason: str, delist: str) -> dict[str, Any]:
    """One ``blocklists`` report row."""
    return {
        "subject": subject.subject, "subject_type": subject.kind.value,
        "roles": [roles_text([r]) for r in subject.roles], "roles_i18n": roles_code(subject.roles),
        "zone_id": ref.zone.id, "zone": ref.shown, "list": ref.zone.name, "kind": ref.zone.kind.value,
        "state": reading.state.value, "codes": list(reading.codes),
        "meaning": clean(reading.meaning, 300), "meaning_i18n": reading.meaning_i18n, "reason": clean(reason, 500), "delist_url": delist,
    }


def evaluate_subject(plan: Plan, subject: SubjectRef, answers: Answers,
                     health: Mapping[str, Health]) -> tuple[list[CheckResult], list[dict[str, Any]]]:
    """blocklist.ip / blocklist.domain results and report rows for one subject."""
    words = _DOMAIN if subject.kind is Subject.DOMAIN else _IP
    who: dict[str, str] = ({"domain": subject.subject, "roles": roles_text(subject.roles) or "-",
                            "roles_i18n": roles_code(subject.roles) if subject.roles else ""}
                           if subject.kind is Subject.DOMAIN else {"ip": subject.subject})
    if not subject.public:
        return [o.IP_NOT_PUBLIC(subject.subject, ip=subject.subject)], []
    refs = blocklist_refs(plan)
    if not any(r.zone.supports(subject.kind) for r in refs):
        extra = {} if subject.kind is Subject.DOMAIN else {"kind": subject.kind.value}
        return [words.no_lists(subject.subject, (), **who, **extra)], []
    label = label_of(subject.subject, subject.kind)
    results: list[CheckResult] = []
    rows: list[tuple[int, str, dict[str, Any]]] = []
    seen: list[Evidence] = []
    clear = checked = total = 0
    for ref in refs:
        zone = ref.zone
        if not zone.supports(subject.kind):
            said = [piece("blocklist_read_not_supported", list_name=zone.name, kind=subject.kind.value)]
            reading = Reading(ListState.NOT_APPLICABLE, (), render_coded(said), encode(said))
            rows.append((STATE_ORDER[reading.state], ref.shown, row(ref, subject, reading, "", "")))
            continue
        total += 1
        question = ref.question(label)
        answer = answers.get(question.key)
        state = health[zone.id]
        reading = read(ref, state, answer)
        evidence = [evidence_of(question, answer, plan.dqs_key)] if answer is not None else []
        seen.extend(evidence)
        reason = ""
        if reading.state in LISTINGS:
            txt_q = ref.question(label, "TXT")
            txt = answers.get(txt_q.key)
            if txt is not None:
                evidence.append(evidence_of(txt_q, txt, plan.dqs_key))
            reason = redact(txt_reason(txt), plan.dqs_key)
        delist = zone.delist_link(subject.subject) or ""
        rows.append((STATE_ORDER[reading.state], ref.shown, row(ref, subject, reading, reason, delist)))
        one = f"{subject.subject} in {ref.shown}"
        meaning = redact(reading.meaning, plan.dqs_key)
        coded = {"meaning": meaning, "meaning_i18n": redact(reading.meaning_i18n, plan.dqs_key)}
        names = {"list_name": zone.name, "zone": ref.shown}
        if reading.state in CANNOT_CHECK:
            if state.usable:  # an answer-level problem; list-wide ones are blocklist.zone results
                results.append(words.cannot[reading.state](one, evidence, **who, **names, **coded))
            continue
        checked += 1
        full = {**who, **names, "codes": ", ".join(reading.codes), **coded,
                "reason": reason or "none given", "delist_url": delist or "the operator's web site"}
        if reading.state is ListState.LISTED and zone.purpose is Purpose.NON_MAIL:
            results.append(words.non_mail(one, evidence, **full))
        elif reading.state is ListState.LISTED:
            results.append(words.listed(one, evidence, **full))
        elif reading.state is ListState.POLICY:
            results.append(words.policy(one, evidence, **full))
        elif reading.state is ListState.ALLOWLISTED:
            results.append(words.allowlisted(one, evidence, **who, **names, **coded))
        else:
            clear += 1
    if checked:
        results.insert(0, words.clear(subject.subject, seen[:60], **who, clear=clear, checked=checked))
    else:  # "0 of N usable" is could-not-check, never a pass
        results.insert(0, words.none_usable(subject.subject, seen[:60], **who, total=total))
    return results, [r for _, _, r in sorted(rows, key=lambda x: (x[0], x[1]))]


def evaluate_zones(plan: Plan, health: Mapping[str, Health], used: set[str]) -> list[CheckResult]:
    """blocklist.zone: lists that could not be used in this run, dead lists, a self-test summary."""
    results: list[CheckResult] = []
    tested = passed = usable = 0
    for ref in plan.refs:
        zone, state = ref.zone, health[ref.zone.id]
        if zone.id not in used:
            continue
        tested += state.tested
        if state.usable:
            passed += state.tested
            usable += 1
            continue
        names = {"list_name": zone.name, "zone": ref.shown, "why": state.why, "why_i18n": state.why_i18n}
        url = site(zone.lookup_url or zone.delist_url)
        if state.state is ListState.REFUSED:
            results.append(o.ZONE_REFUSED(ref.shown, state.evidence, **names, url=url))
        elif state.state is ListState.UNREACHABLE:
            results.append(o.ZONE_UNREACHABLE(ref.shown, state.evidence, **names))
        elif zone.operator == CUSTOM_OPERATOR:
            results.append(o.ZONE_CUSTOM_UNRELIABLE(ref.shown, state.evidence, **names))
        elif state.silent and Requirement.REGISTRATION in zone.requires:
            results.append(o.ZONE_UNREGISTERED(ref.shown, state.evidence, **names, url=url))
        elif state.silent and Requirement.OWN_RESOLVER in zone.requires:
            results.append(o.ZONE_SILENT(ref.shown, state.evidence, **names))
        else:
            results.append(o.ZONE_UNRELIABLE(ref.shown, state.evidence, **names))
    for zone in plan.dead:
        instead = "nothing: remove it"
        if zone.replaced_by:
            instead = zone.replaced_by
        results.append(o.ZONE_DEAD(zone.zone, [Evidence("catalogue", f"{zone.zone}: {zone.status.value}",
                                                        "preflight blocklist catalogue")],
                                   list_name=zone.name, zone=zone.zone, status=zone.status.value,
                                   since=zone.dead_since or "an unknown date",
                                   note=zone.dead_note or "", instead=instead))
    if used and usable:
        results.insert(0, o.ZONE_SELF_TESTS("all lists", passed=passed, total=len(used),
                                            untested=len(used) - tested))
    elif used:  # no list could be used: the self-tests did not pass, whatever the count says
        results.insert(0, o.ZONE_NONE_USABLE("all lists", total=len(used)))
    return results


def evaluate_resolver(catalogue: Catalogue, nameservers: Sequence[tuple[str, int]]) -> CheckResult:
    """blocklist.resolver: is the resolver a well-known public one the lists refuse?"""
    shown = ", ".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in nameservers)
    public = [(h, catalogue.public_resolver(h)) for h, _ in nameservers]
    named = [(h, p) for h, p in public if p]
    evidence = [Evidence(f"resolver {h}", p or NOT_PUBLIC_RESOLVER, "preflight catalogue")
                for h, p in public]
    if named:
        providers = ", ".join(dict.fromkeys(p for _, p in named if p))
        return o.RESOLVER_PUBLIC(shown, evidence, resolvers=shown, providers=providers)
    return o.RESOLVER_OWN(shown, evidence, resolvers=shown)


def used_zones(plan: Plan, subjects: Sequence[SubjectRef]) -> set[str]:
    """Ids of the zones at least one subject of this run was looked up on."""
    return {ref.zone.id for ref, _, _ in plan.lookups(subjects)}
