"""Mailbox provider requirements (Google, Yahoo, Microsoft) judged from a report dict.

The rules are data (``preflight/data/provider_requirements.toml``): each published requirement
names the proofs (sets of check ids) that show it is met. :func:`evaluate` is pure — a report
dict in, one :class:`RuleResult` per rule out — so it is table-tested, and a saved report can be
judged again when the rules change.

A rule is **met** or **not met** from the results of its checks, **unknown** when a proving
check could not run (error, skipped, or not part of this run), and **not checkable** when no
DNS or SMTP query can show it (spam rate; one-click unsubscribe and message format unless a
received test message was analysed: ``message.*`` proofs are optional).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCOPES = ("all", "bulk", "recommended")


class ReqState(str, Enum):
    """How a requirement stands."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    """A proving check could not run (error, skipped, or not part of this run)."""
    NOT_CHECKABLE = "not_checkable"
    """No query can show it (spam rate, one-click unsubscribe)."""


@dataclass(frozen=True)
class Provider:
    """A mailbox provider and where its rules are published."""

    id: str
    name: str
    effective: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Proof:
    """A named set of checks that together show one thing (e.g. "SPF authorizes the new IPs")."""

    id: str
    checks: tuple[str, ...]
    outcomes: frozenset[str] | None = None
    warn_met: bool = False
    optional: bool = False
    veto: bool = False
    """When it ran and is not met, the rule is not met whatever its other proofs say (a received
    test message showing it is direct evidence)."""


@dataclass(frozen=True)
class Rule:
    """One published requirement and the proofs that show it."""

    id: str
    provider: str
    scope: str
    mode: str | None = None
    """``all`` (every proof), ``any`` (one proof), or None: not checkable by preflight."""
    proofs: tuple[str, ...] = ()
    per_domain: bool = False
    note: str | None = None

    @property
    def text_key(self) -> str:
        """The catalogue ui key of the requirement's words."""
        return "req_" + self.id.replace(".", "_")


@dataclass(frozen=True)
class Requirements:
    """The whole data file, validated."""

    providers: Mapping[str, Provider]
    proofs: Mapping[str, Proof]
    rules: tuple[Rule, ...]

    def checks_of(self, rule: Rule) -> tuple[str, ...]:
        """Every check id that can prove ``rule``."""
        return tuple(c for p in rule.proofs for c in self.proofs[p].checks)


@dataclass(frozen=True)
class RuleResult:
    """A rule's state, with the results that decided it (failing or not run)."""

    rule: Rule
    state: ReqState
    deciding: tuple[dict[str, Any], ...] = ()


# -- loading -------------------------------------------------------------------------------------


def parse(data: Mapping[str, Any]) -> Requirements:
    """Validate the parsed TOML; raise ValueError naming the bad entry."""
    providers = {}
    for pid, raw in data.get("providers", {}).items():
        sources = raw.get("sources", [])
        if not raw.get("name") or not raw.get("effective") or not sources:
            raise ValueError(f"providers.{pid}: name, effective and sources are required")
        if not all(str(s).startswith("https://") for s in sources):
            raise ValueError(f"providers.{pid}: sources must be https:// URLs")
        providers[pid] = Provider(pid, str(raw["name"]), str(raw["effective"]), tuple(map(str, sources)))
    proofs = {}
    for name, raw in data.get("proofs", {}).items():
        checks = tuple(raw.get("checks", ()))
        if not checks:
            raise ValueError(f"proofs.{name}: no checks")
        outcomes = raw.get("outcomes")
        proofs[name] = Proof(name, checks, frozenset(outcomes) if outcomes else None,
                             bool(raw.get("warn_met", False)), bool(raw.get("optional", False)),
                             bool(raw.get("veto", False)))
    rules = []
    seen = set()
    for raw in data.get("rules", []):
        rid = str(raw.get("id", ""))
        if not rid or rid in seen:
            raise ValueError(f"rules: missing or duplicate id {rid!r}")
        seen.add(rid)
        if raw.get("provider") not in providers:
            raise ValueError(f"rules.{rid}: unknown provider {raw.get('provider')!r}")
        if raw.get("scope") not in SCOPES:
            raise ValueError(f"rules.{rid}: scope must be one of {SCOPES}")
        if "all" in raw and "any" in raw:
            raise ValueError(f"rules.{rid}: give either all or any, not both")
        mode = "all" if "all" in raw else "any" if "any" in raw else None
        names = tuple(raw.get(mode, ())) if mode else ()
        unknown = [n for n in names if n not in proofs]
        if unknown or (mode and not names):
            raise ValueError(f"rules.{rid}: unknown or missing proofs {unknown}")
        rules.append(Rule(rid, str(raw["provider"]), str(raw["scope"]), mode, names,
                          bool(raw.get("per_domain", False)), raw.get("note")))
    return Requirements(providers, proofs, tuple(rules))


@functools.lru_cache(maxsize=1)
def load() -> Requirements:
    """The shipped data file."""
    text = (resources.files("preflight") / "data" / "provider_requirements.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text))


# -- judging -------------------------------------------------------------------------------------


def _all(states: Iterable[ReqState]) -> ReqState:
    seen = set(states)
    if ReqState.NOT_MET in seen:
        return ReqState.NOT_MET
    if ReqState.UNKNOWN in seen or not seen:
        return ReqState.UNKNOWN
    return ReqState.MET


def _any(states: Iterable[ReqState]) -> ReqState:
    seen = set(states)
    if ReqState.MET in seen:
        return ReqState.MET
    if ReqState.UNKNOWN in seen or not seen:
        return ReqState.UNKNOWN
    return ReqState.NOT_MET


def _check_state(proof: Proof, results: Sequence[dict[str, Any]]) -> ReqState | None:
    """State of one check within a proof; None when it produced no (counted) result."""
    if not results:
        return None
    statuses = {r["status"] for r in results}
    if "fail" in statuses or ("warn" in statuses and not proof.warn_met):
        return ReqState.NOT_MET
    if "error" in statuses or statuses == {"skip"}:
        return ReqState.UNKNOWN
    return ReqState.MET


def proof_state(proof: Proof, results: Sequence[dict[str, Any]]) -> ReqState | None:
    """A proof is met when each of its checks is; None when none of its checks ran."""
    per_check = []
    for check_id in proof.checks:
        mine = [r for r in results if r["check_id"] == check_id
                and (proof.outcomes is None or r["outcome"] in proof.outcomes)]
        per_check.append(_check_state(proof, mine))
    if all(s is None for s in per_check):
        return None
    return _all(ReqState.UNKNOWN if s is None else s for s in per_check)


def _rule_state(rule: Rule, reqs: Requirements, results: Sequence[dict[str, Any]]) -> ReqState:
    states, vetoed = [], False
    for name in rule.proofs:
        proof = reqs.proofs[name]
        state = proof_state(proof, results)
        if state is None:
            if proof.optional:
                continue
            state = ReqState.UNKNOWN
        vetoed = vetoed or (proof.veto and state is ReqState.NOT_MET)
        states.append(state)
    if vetoed:
        return ReqState.NOT_MET
    return _all(states) if rule.mode == "all" else _any(states)


def _only_optional_unrun(rule: Rule, reqs: Requirements, results: Sequence[dict[str, Any]]) -> bool:
    """Every proof of ``rule`` is optional and none ran: only a by-hand check can tell."""
    proofs = [reqs.proofs[p] for p in rule.proofs]
    return all(p.optional for p in proofs) and all(proof_state(p, results) is None for p in proofs)


def _domain(result: dict[str, Any]) -> str | None:
    params = result.get("params") or {}
    value = params.get("domain") if isinstance(params, dict) else None
    return str(value) if value else None


def judge(rule: Rule, reqs: Requirements, results: Sequence[dict[str, Any]]) -> RuleResult:
    """One rule against the report's results."""
    if rule.mode is None:
        return RuleResult(rule, ReqState.NOT_CHECKABLE)
    mine = [r for r in results if _counts_for(r, reqs, rule)]
    if _only_optional_unrun(rule, reqs, mine):
        return RuleResult(rule, ReqState.NOT_CHECKABLE)
    domains = sorted({d for d in map(_domain, mine) if d}) if rule.per_domain else []
    if domains:
        per_domain = {d: _rule_state(rule, reqs, [r for r in mine if _domain(r) in (d, None)])
                      for d in domains}
        state = _all(per_domain.values())
        bad = {d for d, s in per_domain.items() if s is state}
        deciding = [r for r in mine if _domain(r) in bad]
    else:
        state = _rule_state(rule, reqs, mine)
        deciding = mine
    wanted = {ReqState.NOT_MET: ("fail", "warn"), ReqState.UNKNOWN: ("error", "skip")}.get(state, ())
    shown = tuple(r for r in deciding if r["status"] in wanted
                  and not (r["status"] == "warn" and _warn_ok(r, reqs, rule)))
    return RuleResult(rule, state, shown)


def _counts_for(result: dict[str, Any], reqs: Requirements, rule: Rule) -> bool:
    for name in rule.proofs:
        proof = reqs.proofs[name]
        if result.get("check_id") in proof.checks and (
                proof.outcomes is None or result.get("outcome") in proof.outcomes):
            return True
    return False


def _warn_ok(result: dict[str, Any], reqs: Requirements, rule: Rule) -> bool:
    return all(reqs.proofs[p].warn_met for p in rule.proofs if result["check_id"] in reqs.proofs[p].checks)


def evaluate(data: Mapping[str, Any], reqs: Requirements | None = None) -> list[RuleResult]:
    """Every rule judged against a report dict (the canonical JSON), in data-file order."""
    reqs = reqs or load()
    results = [r for r in data.get("results", []) if isinstance(r, dict) and "check_id" in r]
    return [judge(rule, reqs, results) for rule in reqs.rules]
