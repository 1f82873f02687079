"""The ``partners`` report section: the prediction per partner address, in a documented JSON shape.

Shape (``schema`` 1; also in ``preflight/schema/report.schema.json``)::

    partners = {
      "schema": 1,
      "summary": {"partners", "addresses", "rejected", "unknown", "accepted", "rejected_partners": [name],
                  "unknown_partners": [name], "large_sender_partners": [name]},
      "policy": {"source": "ssh" | "plan", "server", "lines": [...], "available": bool, "error",
                 "rbl_policy": RBL_POLICY | null, "reply_codes": {"rbl", "unknown_client",
                 "postscreen_enforce", "postscreen_drop"},
                 "lists": [{"zone", "list", "known", "usable", "state", "why"}]},
      "log": {"server", "days", "top", "where", "state", "connections", "clients",
              "error"} | null,
      "domains": [{"domain", "addresses", "senders": [{"id", "name", "via"}], "notes": [...],
                   "notes_i18n": [...]}],             # notes as coded text, one each (when there are notes)
      "entries": [ENTRY],               # one per partner address, partners in the order given
      "senders": [{"partner", "sender", "name", "via"}],
      "settings": {...PartnerSettings.to_dict()...}
    }
    ENTRY = {"partner", "partner_kind": "domain" | "ip" | "log", "ip",
             "verdict": "accepted" | "rejected" | "unknown", "reason", "code",
             "origins": [{"kind": "mx" | "spf" | "log" | "given", "via", "sample", "count"}],
             "log_count": int | null, "lists": [{"zone", "list", "state", "codes", "usable", "meaning",
             "delist_url"}], "postscreen": {"score", "threshold", "outcome"} | null,
             "hostname": {"state", "ptr": [...], "detail"}, "rejected_by": [...],
             "fix": [...], "delist": [{"zone", "where", "link"}], "unknown_lists": [...],
             "delayed": bool, "reply": {"code", "stage", "by", "notes": [...]}}
    # reply: Postfix's simulated answer with the DNS answers this run saw (the "could not tell"
    # cases included); delayed: the refusal is a 4xx (the partner's server retries).
    # delist: "where" is the catalogue's delisting page ("link": true) or, for a list preflight
    # does not know, its TXT reason as the list answered it ("link": false: never made a link).

``RBL_POLICY`` is :func:`preflight.checks.server.section.rbl_policy_to_dict` (keys hidden).
:func:`preflight.engine.compare.partner_items` reads ``entries`` (``partner``, ``ip``, ``verdict``,
``reason``) to tell a partner that newly would be rejected from one that was fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from preflight.checks.partners.addresses import DomainFacts
from preflight.checks.partners.collect import PartnerFacts
from preflight.checks.partners.evaluate import Judged, partner_verdict
from preflight.checks.partners.predict import ReplyCodes, Verdict
from preflight.checks.partners.settings import PartnerSettings
from preflight.checks.server import rbl_policy_to_dict
from preflight.data.catalogue import ListState
from preflight.inventory.rbl import redact_text
from preflight.textsafe import clean

SCHEMA = 1



def _domain(d: DomainFacts) -> dict[str, Any]:
    """One partner domain; ``notes_i18n`` (the notes as coded text) only when it has notes."""
    out: dict[str, Any] = {
        "domain": d.domain,
        "addresses": [ip for ip, _ in d.addresses],
        "senders": [{"id": h.sender.id, "name": h.sender.name, "via": h.via} for h in d.senders],
        "notes": [clean(n, 300) for n in d.notes],
    }
    if d.notes and len(d.notes_i18n) == len(d.notes):
        out["notes_i18n"] = list(d.notes_i18n)
    return out

def _reason(judged: Judged) -> str:
    p = judged.prediction
    if p.verdict is Verdict.REJECTED:
        return redact_text("; ".join(p.by))
    if p.verdict is Verdict.UNKNOWN:
        return "could not use: " + ", ".join([f"{r.list.shown} ({r.state.value})" for r in p.unknown]
                                             + [f"{t} (not read)" for t in p.unknown_tables])
    listed = [f"{r.list.shown} ({' '.join(r.codes)})" for r in p.readings if r.listed]
    return f"listed on {', '.join(listed)}, not rejected: {judged.why}" if listed else "not listed"


def _is_page(judged: Judged, zone: str, where: str) -> bool:
    """True when ``where`` is the catalogue's delisting page of ``zone`` (not text from DNS)."""
    return any(r.list.shown == zone and r.list.known and r.list.ref is not None
               and r.list.ref.zone.delist_link(judged.ip) == where for r in judged.prediction.readings)


def entry(judged: Judged, threshold: int) -> dict[str, Any]:
    """One partner address in JSON form (``threshold``: the policy's postscreen threshold)."""
    p = judged.prediction
    origins = [dict(o.to_dict()) for ip, origins in judged.partner.addresses if ip == judged.ip for o in origins]
    counts = [int(o["count"]) for o in origins if o.get("count") is not None]  # type: ignore[call-overload]
    decision = p.decision
    screen = None
    if decision is not None and decision.postscreen_hits:
        screen = {"score": decision.postscreen_score, "threshold": threshold,
                  "outcome": decision.postscreen_outcome.value}
    return {
        "partner": judged.partner.name,
        "partner_kind": judged.partner.kind,
        "ip": judged.ip,
        "verdict": p.verdict.value,
        "reason": clean(_reason(judged), 600),
        "code": p.code or None,
        "origins": origins,
        "log_count": counts[0] if counts else None,
        "lists": [{
            "zone": r.list.shown,
            "list": r.list.ref.zone.name if r.list.ref is not None and r.list.known else r.list.shown,
            "state": r.state.value,
            "codes": list(r.codes),
            "usable": r.usable,
            "meaning": clean(r.meaning, 300),
            "delist_url": r.list.ref.zone.delist_link(judged.ip)
            if r.listed and r.list.known and r.list.ref is not None else None,
        } for r in p.readings],
        "postscreen": screen,
        "hostname": {"state": p.hostname.state.value, "ptr": list(p.hostname.ptr),
                     "detail": clean(p.hostname.detail, 300)},
        "rejected_by": [clean(redact_text(b), 300) for b in p.by],
        "listed": [f"{r.list.shown} ({' '.join(r.codes)})" for r in p.readings if r.listed],
        "accepted_why": judged.why or None,
        "fix": list(judged.fix),
        "delist": [{"zone": zone, "where": clean(where, 300), "link": _is_page(judged, zone, where)}
                   for zone, where in judged.delist],
        "unknown_lists": [r.list.shown for r in p.unknown],
        "delayed": p.delayed,
        "reply": {"code": p.reply.code, "stage": p.reply.stage, "by": clean(redact_text(p.reply.by), 300),
                  "notes": [clean(redact_text(n), 300) for n in p.reply.notes[:20]]},
    }


def _list_state(facts: PartnerFacts, name: str) -> dict[str, str]:
    """A list's self-test state; ``why_i18n`` renders ``why`` in the report's language."""
    ref = next((r for r in facts.refs if r.name == name), None)
    if ref is not None and ref.dead and ref.ref is not None:
        zone = ref.ref.zone
        return {"state": "dead", "why": clean(zone.dead_note or f"{zone.name} is {zone.status.value}", 300)}
    health = facts.health.get(name)
    if health is None:
        return {"state": ListState.UNRELIABLE.value, "why": "not a DNS name that can be asked"}
    return {"state": health.state.value if health.state is not None else "usable",
            "why": clean(health.why, 300), "why_i18n": health.why_i18n}


def partners_section(facts: PartnerFacts, settings: PartnerSettings, judged: Sequence[Judged]) -> dict[str, Any]:
    """The documented ``partners`` section."""
    policy = facts.policy
    threshold = policy.policy.postscreen_threshold if policy.policy is not None else 0
    entries = [entry(j, threshold) for j in judged]
    names = [p.name for p in facts.partners if p.addresses]
    verdicts = {name: partner_verdict([j.prediction.verdict for j in judged if j.partner.name == name])
                for name in names}
    senders = [{"partner": d.domain, "sender": hit.sender.id, "name": hit.sender.name, "via": hit.via}
               for d in facts.domains for hit in d.senders]
    codes = ReplyCodes.from_params(policy.params)
    log = facts.log
    return {
        "schema": SCHEMA,
        "summary": {
            "partners": len(names),
            "addresses": sum(len(p.addresses) for p in facts.partners),
            "rejected": sum(1 for v in verdicts.values() if v is Verdict.REJECTED),
            "unknown": sum(1 for v in verdicts.values() if v is Verdict.UNKNOWN or v is None),
            "accepted": sum(1 for v in verdicts.values() if v is Verdict.ACCEPTED),
            "rejected_partners": [n for n, v in verdicts.items() if v is Verdict.REJECTED],
            "unknown_partners": [n for n, v in verdicts.items() if v is Verdict.UNKNOWN or v is None],
            "large_sender_partners": list(dict.fromkeys(s["partner"] for s in senders)),
        },
        "policy": {
            "source": policy.source,
            "server": policy.server or None,
            "lines": list(policy.plan_lines),
            "available": policy.policy is not None,
            "error": clean(policy.error, 300) or None,
            "rbl_policy": rbl_policy_to_dict(policy.policy) if policy.policy is not None else None,
            "reply_codes": {"rbl": codes.rbl, "unknown_client": codes.unknown_client,
                            "postscreen_enforce": codes.postscreen_enforce,
                            "postscreen_drop": codes.postscreen_drop},
            "lists": [{
                "zone": ref.shown,
                "list": ref.ref.zone.name if ref.ref is not None and ref.known else ref.shown,
                "known": ref.known,
                "usable": bool(facts.health.get(ref.name) and facts.health[ref.name].usable) and not ref.dead,
                **_list_state(facts, ref.name),
            } for ref in facts.refs],
        },
        "log": None if log is None else {
            "server": str(log.server), "days": log.days, "top": log.top, "where": log.where,
            "state": "error" if log.counts is None else "read" if log.counts.clients else
            "denied" if (log.counts.denied and not log.counts.files) or log.counts.journal_denied else "empty",
            "connections": log.counts.connections if log.counts else 0,
            "clients": log.counts.distinct if log.counts else 0,
            "error": clean(log.error, 300) or None,
        },
        "domains": [_domain(d) for d in facts.domains],
        "entries": entries,
        "senders": senders,
        "settings": settings.to_dict(),
    }
