"""Judge the partners (pure): facts in, ``partners.*`` results out. No sockets, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from preflight.checks.blocklists import evidence_of
from preflight.checks.partners import outcomes as o
from preflight.checks.partners.addresses import DomainFacts, origins_text
from preflight.checks.partners.collect import Partner, PartnerFacts, PolicyFacts
from preflight.checks.partners.logread import LogFacts, summary
from preflight.checks.partners.fixes import fix_for, without_zones
from preflight.checks.partners.predict import (
    Hostname,
    ListReading,
    Prediction,
    Verdict,
    lookup,
    predict,
)
from preflight.data.catalogue import Catalogue, ListState
from preflight.inventory.parse import PostscreenOutcome, RblPolicy, redact_zone
from preflight.inventory.rbl import redact_text
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsAnswer

NONE = "—"


@dataclass(frozen=True)
class Judged:
    """One partner address: its partner, the prediction and the result."""

    partner: Partner
    ip: str
    prediction: Prediction
    result: CheckResult
    fix: tuple[str, ...]
    delist: tuple[tuple[str, str], ...]
    """``(list, delisting URL or the list's TXT reason)`` for each list that rejects."""
    why: str = ""
    """Why a listed address is still accepted, in Postfix's words (``postscreen 2 < 3``)."""


# -- the policy -----------------------------------------------------------------------------------


def policy_texts(policy: RblPolicy) -> dict[str, str]:
    """The policy in Postfix's words: ``lists``, ``postscreen``, ``hostname``."""
    lists = [f"{r.kind.value} {r.display_zone}" + (f"={r.filter}" if r.filter else "")
             + (" (warn_if_reject)" if r.warn_only else "")
             for r in policy.rules if r.kind.queries_client_ip]
    screen = ""
    if policy.postscreen_sites:
        sites = " ".join(f"{s.display_zone}*{s.weight}" for s in policy.postscreen_sites)
        screen = (f"{sites}, postscreen_dnsbl_threshold = {policy.postscreen_threshold}, "
                  f"postscreen_dnsbl_action = {policy.postscreen_action.value}")
        if policy.postscreen_enabled is False:
            screen += " (postscreen does not listen on port 25)"
    hostname = [name for name, on in (
        ("reject_unknown_client_hostname", policy.reject_unknown_client_hostname),
        ("reject_unknown_reverse_client_hostname", policy.reject_unknown_reverse_client_hostname)) if on]
    return {"lists": ", ".join(lists) or NONE, "postscreen": screen or NONE,
            "hostname": ", ".join(hostname) or NONE}


def evaluate_policy(facts: PolicyFacts, ignored_plan: bool = False) -> CheckResult:
    """``partners.policy``: what the prediction is based on."""
    if facts.policy is None:
        return o.POLICY_UNAVAILABLE("new server", server=facts.server or NONE, reason=facts.error)
    evidence = [Evidence("postfix", line, "plan [partners] server_rbls") for line in facts.plan_lines]
    evidence += [Evidence("access table not read", redact_text(p), facts.server or "plan") for p in facts.table_problems]
    if facts.model is not None:
        evidence += [Evidence("access table", f"{t}: contents unknown (tried both ways)", facts.server or "plan")
                     for t in facts.model.unread]
    if ignored_plan:
        evidence.append(Evidence("server_rbls", "not used: the new server's own configuration wins",
                                 "plan [partners]"))
    if facts.source == "ssh":
        return o.POLICY_SSH(f"new server {facts.server}", evidence, server=facts.server,
                            **policy_texts(facts.policy))
    return o.POLICY_PLAN("plan [partners] server_rbls", evidence, **policy_texts(facts.policy))


# -- sources ----------------------------------------------------------------------------------------


def evaluate_log(log: LogFacts) -> CheckResult:
    """``partners.source``: the old server's mail log."""
    server = str(log.server)
    subject = f"mail log of {server}"
    evidence = [Evidence("command", log.command.command, server)] if log.command else []
    counts = log.counts
    if counts is None:
        return o.LOG_FAILED(subject, evidence, server=server, reason=log.error)
    evidence.append(Evidence("clients", summary(counts.clients), f"last {log.days} days"))
    if counts.denied:
        evidence.append(Evidence("not readable", ", ".join(counts.denied), server))
    if counts.clients:
        return o.LOG_READ(subject, evidence, server=server, where=log.where, days=log.days,
                          connections=f"{counts.connections:,}", clients=counts.distinct,
                          top=len(counts.clients))
    if (counts.denied and not counts.files) or counts.journal_denied:
        return o.LOG_DENIED(subject, evidence, server=server, where=log.where)
    return o.LOG_EMPTY(subject, evidence, server=server, where=log.where, days=log.days)


def evaluate_domain(facts: DomainFacts) -> CheckResult:
    """``partners.domain``: where a partner domain sends from."""
    evidence = list(facts.evidence[:40])
    evidence += [Evidence(ip, origins_text(origins), facts.domain) for ip, origins in facts.addresses]
    evidence += [Evidence("large sender", f"{hit.sender.name} ({hit.via})", facts.domain) for hit in facts.senders]
    evidence += [Evidence("note", note, facts.domain) for note in facts.notes]
    count = len(facts.addresses)
    names = ", ".join(f"{hit.sender.name} ({hit.via})" for hit in facts.senders)
    if facts.errors:
        reason = "; ".join(f"{e.rdtype} {e.qname}: {e.reason}" for e in facts.errors[:4])
        if count or facts.senders:
            return o.DOMAIN_PARTIAL(facts.domain, evidence, domain=facts.domain, count=count, reason=reason)
        return o.DOMAIN_ERROR(facts.domain, evidence, domain=facts.domain, reason=reason)
    if facts.nxdomain:
        return o.DOMAIN_NXDOMAIN(facts.domain, evidence, domain=facts.domain)
    if not count:
        if facts.senders:
            return o.DOMAIN_LARGE_ONLY(facts.domain, evidence, domain=facts.domain, senders=names)
        return o.DOMAIN_NONE(facts.domain, evidence, domain=facts.domain)
    mx, spf = facts.count("mx"), facts.count("spf")
    if facts.senders:
        return o.DOMAIN_FOUND_LARGE(facts.domain, evidence, domain=facts.domain, count=count, mx=mx,
                                    spf=spf, senders=names)
    return o.DOMAIN_FOUND(facts.domain, evidence, domain=facts.domain, count=count, mx=mx, spf=spf)


# -- one partner address --------------------------------------------------------------------------


def fix_lines(prediction: Prediction, facts: PartnerFacts) -> tuple[str, ...]:
    """The main.cf and table lines that let the partner in (proven by simulating them)."""
    model = facts.policy.model
    if model is None or prediction.world is None:
        return ()
    dead = {r.list.name for r in prediction.readings if r.list.dead} | set(facts.dead_zones)
    refused = {r.list.name for r in prediction.readings if r.state is ListState.REFUSED}
    lines = fix_for(model.params, model.rbl, model.tables, prediction.world, dead, refused).lines
    return tuple(redact_text(line) for line in lines)  # an access key shows as <key>: put yours back


def _delist(prediction: Prediction, facts: PartnerFacts) -> tuple[tuple[str, str], ...]:
    decision = prediction.decision
    if not prediction.rbl or decision is None:
        return ()
    zones = [prediction.reply.zone] if prediction.reply.zone else []
    if prediction.reply.kind == "postscreen_dnsbl_sites":
        zones += [s.zone for s in decision.postscreen_hits if s.weight > 0]
    out: dict[str, str] = {}
    for reading in prediction.readings:
        ref = reading.list
        if ref.name not in zones or ref.shown in out or ref.ref is None or ref.dead:
            continue
        url = ref.ref.zone.delist_link(prediction.ip) if ref.known else None
        txt = lookup(ref, prediction.ip, "TXT")
        answer = facts.answers.get(txt.key) if txt is not None else None
        reason = answer.records[0][:200] if isinstance(answer, DnsAnswer) and answer.records else ""
        out[ref.shown] = url or reason or ref.shown
    return tuple(out.items())


def _listed(readings: Sequence[ListReading]) -> str:
    return ", ".join(f"{r.list.shown} ({' '.join(r.codes)})" for r in readings if r.listed)


def _why_accepted(prediction: Prediction, policy: RblPolicy) -> str:
    decision = prediction.decision
    if decision is None:
        return NONE
    why = [*prediction.reply.permits, *prediction.reply.warnings]
    score, limit = decision.postscreen_score, policy.postscreen_threshold
    if decision.postscreen_outcome is PostscreenOutcome.LOGGED:
        why.append(f"postscreen {score} ≥ {limit}, postscreen_dnsbl_action = ignore")
    elif decision.postscreen_outcome is PostscreenOutcome.DISABLED and decision.postscreen_hits:
        why.append("postscreen does not listen on port 25")
    elif decision.postscreen_hits:
        why.append(f"postscreen {score} < {limit}")
    return "; ".join(why) or "no rule's filter matches these codes"


def _evidence(partner: Partner, ip: str, origins: str, prediction: Prediction, facts: PartnerFacts
              ) -> list[Evidence]:
    out = [Evidence("partner address", origins, partner.name)]
    for reading in prediction.readings:
        question = lookup(reading.list, ip)
        result = facts.answers.get(question.key) if question is not None else None
        if question is not None and result is not None:
            out.append(evidence_of(question, result, None))
        txt = lookup(reading.list, ip, "TXT")
        answer = facts.answers.get(txt.key) if txt is not None else None
        if txt is not None and isinstance(answer, DnsAnswer) and answer.records:
            out.append(evidence_of(txt, answer, None))
        if not reading.usable:
            out.append(Evidence(f"{reading.list.shown}", f"{reading.state.value}: {reading.meaning}",
                                "could not be used"))
    decision = prediction.decision
    if decision is not None and decision.postscreen_hits:
        out.append(Evidence("postscreen score", f"{decision.postscreen_score} "
                            f"({decision.postscreen_outcome.value})", "postscreen_dnsbl_sites"))
    host = prediction.hostname
    if host.state is not Hostname.NOT_REQUIRED:
        out.append(Evidence("reverse DNS", f"{host.state.value}: {host.detail}", "PTR"))
    reply = prediction.reply
    out.append(Evidence("Postfix's answer", redact_text(f"{reply.code} {reply.by}".strip()), reply.stage or "smtpd"))
    out += [Evidence("assumed", redact_text(note), "not modelled") for note in reply.notes[:20]]
    out += [Evidence("logged only", redact_text(w), "warn_if_reject") for w in reply.warnings[:20]]
    return out


def judge(partner: Partner, ip: str, origins: str, facts: PartnerFacts) -> Judged:
    """Predict one partner address and name the outcome."""
    policy = facts.policy.policy
    model = facts.policy.model
    assert policy is not None and model is not None
    sender = partner.name if partner.kind == "domain" else None
    prediction = predict(model, facts.refs, facts.health, facts.answers, ip, facts.ptrs.get(ip), sender)
    subject = ip if partner.name == ip else f"{partner.name} {ip}"
    evidence = _evidence(partner, ip, origins, prediction, facts)
    fix: tuple[str, ...] = ()
    delist: tuple[tuple[str, str], ...] = ()
    if prediction.verdict is Verdict.REJECTED:
        fix, delist = fix_lines(prediction, facts), _delist(prediction, facts)
        args = {"partner": partner.name, "ip": ip, "by": redact_text("; ".join(prediction.by)),
                "code": prediction.code, "fix": " | ".join(fix) or NONE}
        if prediction.dead or (prediction.reply.zone and prediction.reply.zone in facts.dead_zones):
            result = o.REJECTED_DEAD(subject, evidence, **args)
        elif prediction.refusal:
            result = o.REJECTED_REFUSAL(subject, evidence, **args)
        elif prediction.delayed:
            result = o.DELAYED(subject, evidence, **args)
        elif prediction.rbl:
            result = o.REJECTED(subject, evidence, **args,
                                delist="; ".join(f"{zone}: {where}" for zone, where in delist) or NONE)
        elif prediction.reply.kind.startswith("reject_unknown"):
            result = o.REJECTED_HOSTNAME(subject, evidence, **args)
        else:
            result = o.REJECTED_RULE(subject, evidence, **args)
    elif prediction.verdict is Verdict.UNKNOWN:
        zones = [f"{r.list.shown} ({r.state.value}: {r.meaning[:160]})" for r in prediction.unknown]
        zones += [f"{t} (not read)" for t in prediction.unknown_tables]
        result = o.UNKNOWN(subject, evidence, partner=partner.name, ip=ip, zones=", ".join(zones) or NONE)
    elif any(r.failed and not r.list.dead and (r.list.name, ip.lower()) in (prediction.world.dnsxl if
             prediction.world else {}) for r in prediction.readings):
        silent = ", ".join(r.list.shown for r in prediction.readings if r.failed)
        result = o.ACCEPTED_UNANSWERED(subject, evidence, partner=partner.name, ip=ip, zones=silent)
    elif any(r.listed for r in prediction.readings):
        why = _why_accepted(prediction, policy)
        result = o.ACCEPTED_LISTED(subject, evidence, partner=partner.name, ip=ip,
                                   listed=_listed(prediction.readings), why=why)
        return Judged(partner, ip, prediction, result, fix, delist, why)
    else:
        checked = [r.list.shown for r in prediction.readings]
        if prediction.hostname.state is not Hostname.NOT_REQUIRED:
            checked.append(prediction.hostname.detail)
        result = o.ACCEPTED(subject, evidence, partner=partner.name, ip=ip, checked=", ".join(checked) or NONE)
    return Judged(partner, ip, prediction, result, fix, delist)


def evaluate_lists(facts: PartnerFacts, catalogue: Catalogue, judged: Sequence[Judged]) -> list[CheckResult]:
    """``partners.list``: dead or wildcarded lists in the policy (every mode), and refusal risks."""
    policy, model = facts.policy.policy, facts.policy.model
    if policy is None or model is None:
        return []
    out: list[CheckResult] = []
    for zone in policy.zones:
        known = catalogue.find_by_zone_name(zone)
        if known is None or known.is_active:
            continue
        shown = redact_zone(zone)
        note = known.dead_note or f"{known.name} is {known.status.value}"
        fix = " | ".join(redact_text(line) for line in _removal(model.params, zone)) or NONE
        ev = [Evidence("catalogue", f"{known.name}: {known.status.value}"
                       + (f" since {known.dead_since}" if known.dead_since else ""),
                       "; ".join(known.sources[:2]) or "preflight/data/blocklists.toml")]
        outcome = o.LIST_WILDCARD if known.status.value == "wildcard" else o.LIST_DEAD
        out.append(outcome(shown, ev, zone=shown, name=known.name, note=note, fix=fix))
    refused: dict[str, tuple[str, str]] = {}
    for j in judged:
        p = j.prediction
        if p.refusal and p.reply.zone not in refused:
            codes = next((" ".join(r.codes) for r in p.readings if r.list.name == p.reply.zone), "")
            refused[p.reply.zone] = (codes, p.reply.by.split(" → ")[0])
    for zone, (codes, rule) in refused.items():
        shown = redact_zone(zone)
        out.append(o.LIST_REFUSAL(shown, [Evidence("answer", codes, shown)], zone=shown, codes=codes, rule=rule))
    return out


def _removal(params: Mapping[str, str], zone: str) -> list[str]:
    """main.cf lines without ``zone`` (restriction lists, classes, postscreen_dnsbl_sites)."""
    lines = [f"{name} = {value}" for name, value in without_zones(params, {zone}).items()]
    return [*lines, "postfix reload"] if lines else []


# -- summary --------------------------------------------------------------------------------------


def partner_verdict(verdicts: Sequence[Verdict]) -> Verdict | None:
    """A partner is rejected when any of its addresses is; unknown when any is; None without any."""
    if not verdicts:
        return None
    if Verdict.REJECTED in verdicts:
        return Verdict.REJECTED
    return Verdict.UNKNOWN if Verdict.UNKNOWN in verdicts else Verdict.ACCEPTED


def evaluate_summary(partners: Sequence[Partner], judged: Sequence[Judged], policy_ok: bool) -> CheckResult:
    """``partners.summary``: how many partners the new server would turn away."""
    checked = [p for p in partners if p.addresses]
    if not checked:
        return o.SUMMARY_NONE("partners")
    if not policy_ok:
        return o.SUMMARY_NO_POLICY("partners", partners=len(checked))
    by_partner = {p.name: partner_verdict([j.prediction.verdict for j in judged if j.partner.name == p.name])
                  for p in checked}
    rejected = [n for n, v in by_partner.items() if v is Verdict.REJECTED]
    # A partner none of whose addresses was judged was not checked: never "accepted".
    unknown = [n for n, v in by_partner.items() if v is not Verdict.REJECTED and v is not Verdict.ACCEPTED]
    if rejected:
        return o.SUMMARY_REJECTED("partners", rejected=len(rejected), partners=len(checked),
                                  names=", ".join(rejected))
    if unknown:
        return o.SUMMARY_UNKNOWN("partners", unknown=len(unknown), partners=len(checked), names=", ".join(unknown))
    return o.SUMMARY_ACCEPTED("partners", partners=len(checked), ips=len(judged))
