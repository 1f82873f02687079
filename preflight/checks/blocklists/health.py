"""Reading DNSBL answers (pure): zone self-tests and the state of one subject on one zone.

RFC 5782 section 5: a zone's "listed" test entry must answer with a listing, its "not listed"
entry must not exist. A zone that fails is unusable for this run: its answers never count. This
is what tells a clean subject apart from a dead list, a wildcarding list, or a resolver the list
silently refuses (Spamhaus answers NXDOMAIN for everything through some public resolvers).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from preflight.checks.blocklists.queries import (
    Question,
    ZoneRef,
    label_of,
    probe_points,
    redact,
)
from preflight.checks.blocklists.settings import DqsKey
from preflight.data.catalogue import Code, CodeState, ListState, Zone
from preflight.data.probes import needs_plausibility
from preflight.i18n.messages import Piece, encode, piece, render_coded, text_piece
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
    plausible: bool = False
    """No RFC 5782 self-test, but a random label stayed unlisted in this run (plausibility probe)."""
    evidence: tuple[Evidence, ...] = ()
    why_i18n: str = ""
    """``why`` as coded text (:func:`preflight.i18n.messages.render_coded`), for other languages."""

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
    meaning_i18n: str = ""
    """``meaning`` as coded text (:func:`preflight.i18n.messages.render_coded`), for other languages."""


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


def _coded(pieces: list[Piece], key: DqsKey | None) -> tuple[str, str]:
    """Coded text as ``(English, stored code)``, both with the DQS key redacted."""
    return redact(render_coded(pieces, "en"), key), redact(encode(pieces), key)


def zone_meaning(zone: Zone, records: Sequence[str]) -> tuple[ListState, Piece]:
    """What ``records`` mean on ``zone``: the state and the catalogue's words (en, and ja if known)."""
    state, meaning = zone.classify_answers(records)
    return state, text_piece(en=meaning, ja=zone.classify_answers(records, "ja")[1])


def _expected(zone: Zone, records: Sequence[str]) -> bool:
    """True when the test entry answered exactly what the catalogue documents for it."""
    wanted = zone.test_points.listed_answers if zone.test_points is not None else ()
    if not wanted:
        return True
    codes = [Code(code, "test answer", CodeState.LISTED) for code in wanted]
    for record in records:
        try:
            address = ipaddress.IPv4Address(record)
        except ValueError:
            return False
        if not any(code.matches(address) for code in codes):
            return False
    return True


def _check_point(zone: Zone, subject: str, must_list: bool, result: DnsAnswer | DnsError
                 ) -> tuple[ListState, Piece, bool] | None:
    """The problem one test answer reveals, if any: ``(state, why, silent)``."""
    if isinstance(result, DnsError):
        return ListState.UNREACHABLE, piece("blocklist_why_no_answer", subject=subject, reason=result.reason), False
    records = result.records
    if must_list and not records:
        which = "blocklist_why_missing_nxdomain" if result.nxdomain else "blocklist_why_missing_no_a"
        return ListState.UNRELIABLE, piece(which, subject=subject), True
    if not records:
        return None
    bad = _outside(records)
    state, meaning = zone_meaning(zone, records)
    if bad:
        return ListState.UNRELIABLE, piece("blocklist_why_outside", subject=subject, records=", ".join(bad)), False
    if state is ListState.REFUSED:
        return ListState.REFUSED, meaning, False
    if not must_list:
        return ListState.UNRELIABLE, piece("blocklist_why_wildcard", subject=subject, records=", ".join(records)), False
    if not _expected(zone, records):
        assert zone.test_points is not None
        return ListState.UNRELIABLE, piece("blocklist_why_test_unexpected", subject=subject,
                                           records=", ".join(records),
                                           expected=", ".join(zone.test_points.listed_answers)), False
    return None


def zone_health(ref: ZoneRef, answers: Answers, key: DqsKey | None = None,
                nonce: str | None = None) -> Health:
    """Judge a zone by its test entries, and by the random ``nonce`` label where it has no
    "must not be listed" entry (pure).

    A "listed" entry must answer inside 127.0.0.0/8 without a refusal (exactly ``listed_answers``
    when the catalogue gives them: RFC 5782 fixes the entry, not its code); a "not listed" entry
    and the random label must not be listed.
    """
    points = probe_points(ref.zone)
    plausibility = nonce is not None and needs_plausibility(ref.zone)
    if not points and not plausibility:
        why, code = _coded([piece("blocklist_why_untested")], key)
        return Health(None, why, tested=False, why_i18n=code)
    evidence: list[Evidence] = []
    problems: list[tuple[ListState, Piece, bool]] = []
    asked = [(ref.question(label_of(subject, kind)), subject, must_list) for subject, kind, must_list in points]
    if plausibility:
        assert nonce is not None
        asked.append((ref.question(nonce), nonce, False))
    for question, subject, must_list in asked:
        result = answers.get(question.key)
        if result is None:
            continue
        evidence.append(evidence_of(question, result, key))
        problem = _check_point(ref.zone, subject, must_list, result)
        if problem is not None:
            problems.append(problem)
    if not problems:
        which = "blocklist_why_passed" if points else "blocklist_why_plausible"
        why, code = _coded([piece(which)], key)
        return Health(None, why, tested=bool(points), evidence=tuple(evidence), why_i18n=code,
                      plausible=not points)
    for wanted in _PROBLEM_ORDER:
        for state, said, silent in problems:
            if state is wanted:
                why, code = _coded([said], key)
                return Health(state, why, bool(points), silent=silent, evidence=tuple(evidence),
                              why_i18n=code)
    raise AssertionError("unreachable")  # pragma: no cover


def _reading(state: ListState, codes: tuple[str, ...], pieces: list[Piece],
             key: DqsKey | None = None) -> Reading:
    meaning, code = _coded(pieces, key)
    return Reading(state, codes, meaning, code)


def read_state(ref: ZoneRef, health: Health, result: DnsAnswer | DnsError | None) -> ListState:
    """The state :func:`read` gives, without composing its words (pure): the neighbourhood
    reads a /24 on every block list and needs only the states."""
    if result is None:
        return ListState.NOT_APPLICABLE
    if not health.usable:
        assert health.state is not None
        return health.state
    if isinstance(result, DnsError):
        return ListState.UNREACHABLE
    if not result.records:
        return ListState.CLEAR
    return ref.zone.classify_answers(sorted_codes(result.records))[0]


def read(ref: ZoneRef, health: Health, result: DnsAnswer | DnsError | None,
         key: DqsKey | None = None) -> Reading:
    """The state of one subject on one zone (pure). ``None``: the question was not asked."""
    if result is None:
        return _reading(ListState.NOT_APPLICABLE, (), [piece("blocklist_read_not_asked")])
    codes = sorted_codes(result.records) if isinstance(result, DnsAnswer) else ()
    if not health.usable:
        assert health.state is not None
        which = "blocklist_read_self_test_failed_answer" if codes else "blocklist_read_self_test_failed"
        why = json.loads(health.why_i18n) if health.why_i18n else [text_piece(en=health.why)]
        return _reading(health.state, codes, [piece(which, why=why)], key)
    if isinstance(result, DnsError):
        return _reading(ListState.UNREACHABLE, (), [piece("blocklist_read_no_answer", reason=result.reason)],
                        key)
    if not codes:
        return _reading(ListState.CLEAR, (), [piece("blocklist_read_not_listed")])
    state, meaning = zone_meaning(ref.zone, codes)
    return _reading(state, codes, [meaning], key)
