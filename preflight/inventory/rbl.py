"""The DNS block/allow-list policy of a Postfix server, and what it means for a client IP.

:class:`RblPolicy` holds the ``reject_rbl_client``-family rules of every ``smtpd_*_restrictions``
stage, the weighted ``postscreen_dnsbl_sites`` with their threshold and action, and whether
postscreen really listens on port 25. :func:`preflight.inventory.rblconfig.parse_rbl_config`
builds one from ``postconf`` output.

:meth:`RblPolicy.decide` is a pure prediction: given the A answers of each zone for one client
IP, would this server refuse that client? It is reused to predict which partners the new server
will reject. Semantics follow Postfix (smtpd_check.c, postscreen_dnsbl.c, postscreen_early.c).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from preflight.inventory.codefilter import CodeFilter

MAX_ANSWER_ZONES = 1_000
_SECRET_ZONE = re.compile(r"^[^.]+\.(?=[^.]+\.(dq\.spamhaus\.net|mail\.abusix\.zone)$)")


class RblKind(str, Enum):
    """Postfix restrictions that consult a DNS list."""

    REJECT_RBL_CLIENT = "reject_rbl_client"
    REJECT_RHSBL_CLIENT = "reject_rhsbl_client"
    REJECT_RHSBL_REVERSE_CLIENT = "reject_rhsbl_reverse_client"
    REJECT_RHSBL_HELO = "reject_rhsbl_helo"
    REJECT_RHSBL_SENDER = "reject_rhsbl_sender"
    REJECT_RHSBL_RECIPIENT = "reject_rhsbl_recipient"
    PERMIT_DNSWL_CLIENT = "permit_dnswl_client"
    PERMIT_RHSWL_CLIENT = "permit_rhswl_client"

    @property
    def queries_client_ip(self) -> bool:
        """True when the list is queried with the reversed client IP (not a domain name)."""
        return self in (RblKind.REJECT_RBL_CLIENT, RblKind.PERMIT_DNSWL_CLIENT)

    @property
    def is_permit(self) -> bool:
        """True for allowlist restrictions."""
        return self in (RblKind.PERMIT_DNSWL_CLIENT, RblKind.PERMIT_RHSWL_CLIENT)


class Stage(str, Enum):
    """SMTP stage of a restriction list (``smtpd_<stage>_restrictions``)."""

    CLIENT = "client"
    HELO = "helo"
    SENDER = "sender"
    RELAY = "relay"
    RECIPIENT = "recipient"
    DATA = "data"
    END_OF_DATA = "end_of_data"

    @property
    def parameter(self) -> str:
        """The main.cf parameter holding this stage's restrictions."""
        return f"smtpd_{self.value}_restrictions"


class PostscreenAction(str, Enum):
    """``postscreen_dnsbl_action``."""

    IGNORE = "ignore"
    ENFORCE = "enforce"
    DROP = "drop"


class PostscreenOutcome(str, Enum):
    """What postscreen does with a client, given its combined DNSBL score."""

    DISABLED = "disabled"  # postscreen does not listen on port 25 (score is informational)
    PASS = "pass"  # below the threshold (or no DNSBL sites configured)
    ALLOWLISTED = "allowlisted"  # score <= negative allowlist threshold: later tests skipped
    LOGGED = "logged"  # at/above threshold, action "ignore": logged only
    REJECTED = "rejected"  # at/above threshold, action "enforce": 550 after the greeting
    DROPPED = "dropped"  # at/above threshold, action "drop": 521 and disconnect


def redact_zone(zone: str) -> str:
    """Hide an access key embedded in a zone name (Spamhaus DQS, Abusix) for display."""
    return _SECRET_ZONE.sub("<key>.", zone)


_SECRET_IN_TEXT = re.compile(
    r"[^\s.'\"=,]+\.(?=[^\s.'\"=,]+\.(?:dq\.spamhaus\.net|mail\.abusix\.zone)\b)", re.IGNORECASE
)


def redact_text(text: str) -> str:
    """Hide access keys in free text that quotes zone names (e.g. a configuration problem)."""
    return _SECRET_IN_TEXT.sub("<key>.", text)


def _answers_hit(filter_: CodeFilter | None, answers: Sequence[str]) -> bool:
    if not answers:
        return False
    return True if filter_ is None else filter_.matches_any(list(answers))


class _ListEntry:
    """What a configured DNS-list entry can tell: its zone for display, and whether it matches."""

    zone: str
    filter: CodeFilter | None

    @property
    def display_zone(self) -> str:
        """``zone`` with any embedded access key hidden."""
        return redact_zone(self.zone)

    def matches(self, answers: Sequence[str]) -> bool:
        """True when the A ``answers`` (empty = not listed) satisfy this entry's filter."""
        return _answers_hit(self.filter, answers)


@dataclass(frozen=True)
class RblRule(_ListEntry):
    """One DNS-list restriction in one stage; ``raw`` is its argument as written."""

    zone: str
    filter: CodeFilter | None
    kind: RblKind
    stage: Stage
    warn_only: bool
    raw: str


@dataclass(frozen=True)
class PostscreenSite(_ListEntry):
    """One ``postscreen_dnsbl_sites`` entry ``zone[=filter][*weight]`` (negative = allowlist)."""

    zone: str
    filter: CodeFilter | None
    weight: int
    raw: str


@dataclass(frozen=True)
class RblDecision:
    """Predicted treatment of one client IP by an :class:`RblPolicy`.

    ``rejected`` is True when an enforced ``reject_rbl_client`` rule matches, or postscreen
    (enabled or unknown) would refuse the client. ``unknown_zones`` lists IP-queried zones that
    had no entry in the answers given (treated as "not listed").
    """

    rejected: bool
    rejecting_rules: tuple[RblRule, ...]
    warning_rules: tuple[RblRule, ...]
    permitting_rules: tuple[RblRule, ...]
    postscreen_score: int
    postscreen_hits: tuple[PostscreenSite, ...]
    postscreen_outcome: PostscreenOutcome
    unknown_zones: tuple[str, ...]


def norm_zone(zone: str) -> str:
    """Zone name as compared: lower case, no surrounding blanks, no trailing dot."""
    return zone.strip().lower().rstrip(".")


@dataclass(frozen=True)
class RblPolicy:
    """DNS-list policy of a Postfix server.

    ``postscreen_enabled`` is None when master.cf was not available. The two
    ``reject_unknown_*`` flags are True when the restriction appears, not behind
    ``warn_if_reject``, in any stage. ``problems`` lists configuration errors found while parsing
    (a bad filter makes Postfix refuse the service, so such entries are not in the policy).
    """

    rules: tuple[RblRule, ...]
    postscreen_sites: tuple[PostscreenSite, ...]
    postscreen_threshold: int
    postscreen_allowlist_threshold: int
    postscreen_action: PostscreenAction
    postscreen_enabled: bool | None
    reject_unknown_client_hostname: bool
    reject_unknown_reverse_client_hostname: bool
    problems: tuple[str, ...] = ()

    @property
    def zones(self) -> tuple[str, ...]:
        """Every zone the policy refers to, sorted."""
        return tuple(sorted({r.zone for r in self.rules} | {s.zone for s in self.postscreen_sites}))

    @property
    def ip_zones(self) -> tuple[str, ...]:
        """Zones queried with the client IP.

        These are the ``reject_rbl_client`` and ``permit_dnswl_client`` zones and the postscreen
        sites.
        """
        ips = {r.zone for r in self.rules if r.kind.queries_client_ip}
        return tuple(sorted(ips | {s.zone for s in self.postscreen_sites}))

    def decide(self, ip_answers: Mapping[str, Sequence[str]]) -> RblDecision:
        """Predict whether a client is refused, from each zone's A answers for its IP.

        Per stage, IP-keyed rules are walked in order: a matching ``permit_dnswl_client`` ends that
        stage, a matching ``reject_rbl_client`` rejects (or is only logged under
        ``warn_if_reject``). Other restrictions (``permit_mynetworks``, access maps, ...) are not
        modelled: a partner is assumed to be neither in mynetworks nor authenticated. Domain
        lists (``reject_rhsbl_*``) need domain lookups and are not evaluated here. Postscreen adds
        each matching entry's weight once; the client is blocked at ``score >= threshold``.
        """
        answers: dict[str, tuple[str, ...]] = {}
        for zone, values in list(ip_answers.items())[:MAX_ANSWER_ZONES]:
            answers[norm_zone(str(zone))] = tuple(str(v) for v in list(values)[:64])
        rejecting: list[RblRule] = []
        warning: list[RblRule] = []
        permitting: list[RblRule] = []
        for stage in Stage:
            for rule in self.rules:
                if rule.stage is not stage or not rule.kind.queries_client_ip:
                    continue
                if not rule.matches(answers.get(rule.zone, ())):
                    continue
                if rule.kind.is_permit:
                    permitting.append(rule)
                    break
                if rule.warn_only:
                    warning.append(rule)
                    continue
                rejecting.append(rule)
                break
        hits = tuple(s for s in self.postscreen_sites if s.matches(answers.get(s.zone, ())))
        score = sum(s.weight for s in hits)
        outcome = self._postscreen_outcome(score)
        refused = outcome in (PostscreenOutcome.REJECTED, PostscreenOutcome.DROPPED)
        return RblDecision(
            rejected=bool(rejecting) or refused,
            rejecting_rules=tuple(rejecting),
            warning_rules=tuple(warning),
            permitting_rules=tuple(permitting),
            postscreen_score=score,
            postscreen_hits=hits,
            postscreen_outcome=outcome,
            unknown_zones=tuple(z for z in self.ip_zones if z not in answers),
        )

    def _postscreen_outcome(self, score: int) -> PostscreenOutcome:
        if self.postscreen_enabled is False:
            return PostscreenOutcome.DISABLED
        if not self.postscreen_sites:
            return PostscreenOutcome.PASS  # no DNSBL test without sites
        if score >= self.postscreen_threshold:
            return {
                PostscreenAction.IGNORE: PostscreenOutcome.LOGGED,
                PostscreenAction.ENFORCE: PostscreenOutcome.REJECTED,
                PostscreenAction.DROP: PostscreenOutcome.DROPPED,
            }[self.postscreen_action]
        if self.postscreen_allowlist_threshold < 0 and score <= self.postscreen_allowlist_threshold:
            return PostscreenOutcome.ALLOWLISTED
        return PostscreenOutcome.PASS
