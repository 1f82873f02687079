"""Reading DNSBL answers (pure): zone self-tests and the state of one subject on one zone.

RFC 5782 section 5: a zone's "listed" test entry must answer with a listing, its "not listed"
entry must not exist. A zone that fails is unusable for this run: its answers never count. This
is what tells a clean subject apart from a dead list, a wildcarding list, or a resolver the list
silently refuses (Spamhaus answers NXDOMAIN for everything through some public resolvers).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from preflight.checks.blocklists.queries import Question, ZoneRef, label_of, probe_points, redact
from preflight.checks.blocklists.settings import DqsKey
from preflight.data.catalogue import ListState
from preflight.model import Evidence
from preflight.net.dns import DnsAnswer, DnsError

Answers = Mapping[tuple[str, str], DnsAnswer | DnsError]
"""Every answer of the run, by ``(qname, rdtype)``."""

_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_PROBLEM_ORDER = (ListState.REFUSED, ListState.UNRELIABLE, ListState.UNREACHABLE)


@dataclass(frozen=True)
class Health:
    """Outcome of a zone's self-test: usable (``state`` None) or why not."""

    state: ListState | None
    why: str
    tested: bool
    silent: bool = False
    """The listed test entry was missing: a dead list or a resolver the list silently ignores."""
    evidence: tuple[Evidence, ...] = ()

    @property
    def usable(self) -> bool:
        """True when the zone's answers count."""
        return self.state is None


@dataclass(frozen=True)
class Reading:
    """One subject on one zone: state, the codes seen and what they mean."""

    state: ListState
    codes: tuple[str, ...] = ()
    meaning: str = ""


def evidence_of(question: Question, result: DnsAnswer | DnsError, key: DqsKey | None) -> Evidence:
    """An answer (or its absence) as evidence, under the shown (key-free) name."""
    if isinstance(result, DnsError):
        return Evidence(question.label, redact(f"no answer: {result.reason}", key), result.server)
    value = result.describe()
    if result.ttl is not None and result.records:
        value += f" (TTL {result.ttl})"
    return Evidence(question.label, redact(value, key), f"@ {result.server}")


def _outside(records: Sequence[str]) -> list[str]:
    bad = []
    for record in records:
        try:
            if ipaddress.IPv4Address(record) in _LOOPBACK:
                continue
        except ValueError:
            pass
        bad.append(record)
    return bad


def sorted_codes(records: Sequence[str]) -> tuple[str, ...]:
    """Answer records in address order (DNS gives them in any order; reports stay stable)."""

    def key(record: str) -> tuple[int, int | str]:
        try:
            return 0, int(ipaddress.IPv4Address(record))
        except ValueError:
            return 1, record

    return tuple(sorted(records, key=key))


def zone_health(ref: ZoneRef, answers: Answers, key: DqsKey | None = None) -> Health:
    """Judge a zone by its test entries (pure)."""
    points = probe_points(ref.zone)
    if not points:
        return Health(None, "no RFC 5782 test entries are known for this list", tested=False)
    evidence: list[Evidence] = []
    problems: list[tuple[ListState, str, bool]] = []
    for subject, kind, must_list in points:
        question = ref.question(label_of(subject, kind))
        result = answers.get(question.key)
        if result is None:
            continue
        evidence.append(evidence_of(question, result, key))
        if isinstance(result, DnsError):
            problems.append((ListState.UNREACHABLE,
                             f"the self-test query for {subject} got no answer ({result.reason})", False))
            continue
        records = result.records
        if must_list and not records:
            why = "NXDOMAIN" if result.nxdomain else "no A record"
            problems.append((ListState.UNRELIABLE, (f"its test entry {subject} is not listed ({why}): "
                             "the list is dead, or it silently ignores this resolver"), True))
            continue
        if not records:
            continue
        bad = _outside(records)
        state, meaning = ref.zone.classify_answers(records)
        if bad:
            problems.append((ListState.UNRELIABLE, (f"its test entry {subject} answered "
                             f"{', '.join(bad)}, outside 127.0.0.0/8: not DNSBL data (a resolver "
                             "that rewrites NXDOMAIN?)"), False))
        elif state is ListState.REFUSED:
            problems.append((ListState.REFUSED, meaning, False))
        elif not must_list:
            problems.append((ListState.UNRELIABLE, (f"it lists {subject} ({', '.join(records)}), "
                             "which must never be listed: a wildcard or dead list"), False))
    if not problems:
        return Health(None, "passed its RFC 5782 self-test", tested=True, evidence=tuple(evidence))
    for wanted in _PROBLEM_ORDER:
        for state, why, silent in problems:
            if state is wanted:
                return Health(state, redact(why, key), True, silent, tuple(evidence))
    raise AssertionError("unreachable")  # pragma: no cover


def read(ref: ZoneRef, health: Health, result: DnsAnswer | DnsError | None) -> Reading:
    """The state of one subject on one zone (pure). ``None``: the question was not asked."""
    if result is None:
        return Reading(ListState.NOT_APPLICABLE, (), "this list does not take this kind of subject")
    codes = sorted_codes(result.records) if isinstance(result, DnsAnswer) else ()
    if not health.usable:
        assert health.state is not None
        note = "; its answer does not count" if codes else ""
        return Reading(health.state, codes, f"the list failed its self-test: {health.why}{note}")
    if isinstance(result, DnsError):
        return Reading(ListState.UNREACHABLE, (), f"no answer: {result.reason}")
    if not codes:
        return Reading(ListState.CLEAR, (), "not listed")
    state, meaning = ref.zone.classify_answers(codes)
    return Reading(state, codes, meaning)
