"""Judge the TLSA records of the new server's names (pure: facts in, results out).

DANE-validating senders (Postfix, Exim, Microsoft 365 outbound) deliver only when a TLSA record
at ``_25._tcp.<mx host>`` matches what the server presents; a record still pinned to the old
server's certificate or key makes them defer every message. The safe rollover publishes the new
record beside the old one at least two TTLs before cutover and removes the old one afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from preflight.checks.dane import tlsa
from preflight.checks.dane.outcomes import (
    ERROR,
    MATCHES,
    MISMATCH,
    MISMATCH_UNVALIDATED,
    NO_CERTIFICATE,
    NONE,
    NOT_COMPARED,
    NOT_VALIDATED,
    TA_ONLY,
    TA_UNCHECKED,
    UNUSABLE,
    VALIDATED,
)
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsAnswer, DnsError


@dataclass(frozen=True)
class Presented:
    """What the new server presented in the SMTP probe: leaf certificates (DER), or why none."""

    certificates: tuple[bytes, ...] = ()
    probed: bool = True
    """False: the SMTP probe did not run (not configured, or --no-smtp)."""
    reason: str = ""
    """Why no certificate was seen, when ``probed`` and none was."""


def wait_hours(ttl: int | None) -> int:
    """Lead time of a TLSA rollover: two TTLs (old answers expire from caches), in whole hours."""
    return max(1, math.ceil(2 * (ttl or 0) / 3600))


def evaluate(host: str, answer: DnsAnswer | DnsError, presented: Presented) -> list[CheckResult]:
    """dane.tlsa and dane.dnssec for one name the new server answers as."""
    qname = f"_25._tcp.{host}"
    if isinstance(answer, DnsError):
        return [ERROR(host, [answer.evidence()], host=host, reason=answer.reason)]
    ev = [answer.evidence(f"TLSA {qname}")]
    if not answer.records:
        return [NONE(host, ev, host=host)]
    out = [(VALIDATED if answer.authenticated else NOT_VALIDATED)(
        host, [Evidence(f"TLSA {qname}", "AD flag set" if answer.authenticated else "AD flag not set",
                        f"@ {answer.server}")], host=host, server=answer.server)]
    records = [r for r in (tlsa.parse(t) for t in answer.records) if r is not None]
    usable = [r for r in records if r.usable]
    shown = "; ".join(str(r) for r in records) or "; ".join(answer.records)[:300]
    out.append(_compare(host, ev, usable, shown, answer.ttl, presented, answer.authenticated))
    return out


def _compare(host: str, ev: list[Evidence], usable: Sequence[tlsa.Tlsa], shown: str, ttl: int | None,
             presented: Presented, authenticated: bool) -> CheckResult:
    """dane.tlsa: what a DANE sender does with these records and the presented certificates.

    RFC 7672 §3.1 (and RFC 6698 §4.1): the server is authenticated when ANY usable record
    matches, so a non-matching DANE-EE record next to a DANE-TA record is not a failure while the
    TA record may match the chain (preflight holds only the leaf: could not check). RFC 7672 §2.2:
    only DNSSEC-validated TLSA records are used, so without the AD flag a mismatch is could-not-check
    (an unsigned zone: ignored; a signed zone behind a non-validating resolver: every sender defers).
    """
    if not usable:
        return UNUSABLE(host, ev, host=host, records=shown)
    if not presented.probed:
        return NOT_COMPARED(host, ev, host=host, records=shown)
    if not presented.certificates:
        return NO_CERTIFICATE(host, ev, host=host, records=shown, reason=presented.reason or "no certificate")
    end_entity = [r for r in usable if r.end_entity]
    if not end_entity:
        return TA_ONLY(host, ev, host=host, records=shown)
    ev = [*ev, *(Evidence("certificate presented (SPKI SHA-256)", tlsa.association(c, 1, 1).hex(":"),
                          "SMTP probe") for c in presented.certificates)]
    unmatched = [c for c in presented.certificates if not any(tlsa.matches(r, c) for r in end_entity)]
    if unmatched:
        if any(not r.end_entity for r in usable):
            return TA_UNCHECKED(host, ev, host=host, records=shown)
        failed = MISMATCH if authenticated else MISMATCH_UNVALIDATED
        return failed(host, ev, host=host, records=shown, record=tlsa.suggest(unmatched[0]), ttl=ttl or 0,
                      hours=wait_hours(ttl))
    used = [r for r in end_entity if any(tlsa.matches(r, c) for c in presented.certificates)]
    stale = len(usable) - len(used)
    return MATCHES(host, ev, host=host, record=str(used[0]), stale=stale)
