"""Judge one domain's MTA-STS facts (pure: facts in, results out).

Senders that enforce MTA-STS (Gmail, Microsoft 365) deliver only to MX hosts the policy's
``mx:`` patterns name. Before cutover the policy must name both the current MX hosts and the
new server; after cutover, the MX hosts in use (the new server). A changed policy needs a new
``id`` in the TXT record, or senders keep their cached copy for up to ``max_age`` seconds.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from preflight.checks.mta_sts import outcomes as o
from preflight.checks.mta_sts.collect import MtaStsFacts, sts_records
from preflight.i18n.messages import encode, piece
from preflight.i18n.problems import coded, quoted, words
from preflight.model import CheckResult, Evidence, Outcome
from preflight.net.checkdmarc_import import checkdmarc_module
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.https import HttpsError, HttpsFailure

_FETCH_OUTCOMES: dict[HttpsFailure, Outcome] = {
    HttpsFailure.CONNECT: o.POLICY_UNREACHABLE,
    HttpsFailure.TIMEOUT: o.POLICY_TIMEOUT,
    HttpsFailure.CERTIFICATE: o.POLICY_CERTIFICATE,
    HttpsFailure.TLS: o.POLICY_TLS,
    HttpsFailure.PROTOCOL: o.POLICY_PROTOCOL,
    HttpsFailure.REDIRECT: o.POLICY_REDIRECT,
    HttpsFailure.STATUS: o.POLICY_STATUS,
    HttpsFailure.TOO_LARGE: o.POLICY_TOO_LARGE,
    HttpsFailure.NOT_UTF8: o.POLICY_NOT_UTF8,
    HttpsFailure.CONTENT_TYPE: o.POLICY_CONTENT_TYPE,
}

_checkdmarc_note = """checkdmarc loads on first use (it is slow to import), through
:func:`preflight.net.checkdmarc_import.checkdmarc_module`: only the submodule, under one lock
(another family's thread may be importing checkdmarc at the same moment)."""

_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Policy:
    """A parsed policy: what senders cache."""

    mode: str
    max_age: int
    mx: tuple[str, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of the policy's meaning (line endings and order of fields do not count)."""
        text = f"{self.mode}\n{self.max_age}\n" + "\n".join(sorted(p.lower() for p in self.mx))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


MAX_NAME = 253
"""The longest domain name (RFC 1035 §2.3.4, presentation form without the final dot)."""

MAX_SAVED_MX = 1000
"""mx patterns kept in the report section: the report schema's limit, so a saved report with a huge
policy can still be rendered and used as --baseline (the digest covers the whole policy)."""

MAX_SHOWN = 12
"""mx patterns named in a result; a hostile policy may hold thousands (64 KiB of them)."""


def shown(patterns: tuple[str, ...]) -> str:
    """The patterns for a summary: the first :data:`MAX_SHOWN`, then how many more."""
    more = len(patterns) - MAX_SHOWN
    return ", ".join(patterns[:MAX_SHOWN]) + (f", … (+{more})" if more > 0 else "")


def days(seconds: int) -> int:
    """Whole days, rounded up (a lead time)."""
    return max(0, math.ceil(seconds / 86400))


def _hosts(mx: DnsAnswer) -> list[str]:
    return [h for _, h in mx.mx() if h not in ("", ".")]


def evaluate(facts: MtaStsFacts, *, hostname: str | None, baseline: Mapping[str, Any] | None = None,
             since: str = "", new_ips: frozenset[str] = frozenset()) -> tuple[list[CheckResult], dict[str, Any] | None]:
    """Results for one domain and its ``mta_sts`` report-section entry (None: no policy seen).

    ``baseline`` is this domain's entry of a saved report's ``mta_sts`` section (hostile data:
    only well-formed values are used), ``since`` that report's date. ``new_ips`` are the new
    server's addresses: a current MX name already leading there is how senders reach it.
    """
    d = facts.domain
    record = facts.record
    if isinstance(record, DnsError):
        return [o.RECORD_ERROR(d, [record.evidence()], domain=d, reason=record.reason)], None
    ev = [record.evidence(f"TXT _mta-sts.{d}")]
    found = sts_records(record)
    if not found:
        return [o.RECORD_ABSENT(d, ev, domain=d)], None
    if len(found) > 1:
        return [o.RECORD_MULTIPLE(d, ev, domain=d, count=len(found))], None
    checkdmarc_module("mta_sts")  # light, under one lock: see _checkdmarc_note
    from checkdmarc.mta_sts import MTASTSError, parse_mta_sts_record

    try:
        tags = parse_mta_sts_record(found[0])["tags"]
    except MTASTSError as exc:
        said = str(exc)[:300]
        return [o.RECORD_INVALID(d, ev, domain=d, reason=said, reason_i18n=coded(quoted("checkdmarc", said)))], None
    sts_id = str(tags["id"])
    results = [o.RECORD_OK(d, ev, domain=d, id=sts_id)]
    policy = _policy(facts, results)
    if policy is None:
        return results, None
    parsed, url = policy
    mode_outcome = {"enforce": o.MODE_ENFORCE, "testing": o.MODE_TESTING}.get(parsed.mode, o.MODE_NONE)
    pev = [Evidence("policy", f"mode: {parsed.mode}; max_age: {parsed.max_age}; mx: {shown(parsed.mx)}",
                    url)]
    results.append(mode_outcome(d, pev, domain=d))
    results.append(o.MAX_AGE_OK(d, pev, domain=d, max_age=parsed.max_age, days=days(parsed.max_age)))
    mx_result = _coverage(facts, parsed, hostname, pev, new_ips)
    if mx_result is not None:
        results.append(mx_result)
    results.extend(_id_change(d, sts_id, parsed, baseline, since, ev + pev))
    entry = {"id": sts_id, "url": url, "mode": parsed.mode, "max_age": parsed.max_age,
             "mx": list(parsed.mx[:MAX_SAVED_MX]), "policy_sha256": parsed.digest}
    return results, entry


def _policy(facts: MtaStsFacts, results: list[CheckResult]) -> tuple[Policy, str] | None:
    """The fetched, parsed policy; or None with the reason appended to ``results``."""
    d, host = facts.domain, facts.policy_host
    address = facts.policy_address
    if isinstance(address, DnsError):
        results.append(o.POLICY_DNS_ERROR(d, [address.evidence()], domain=d, host=host, reason=address.reason))
        return None
    if address is None or not address.records:
        ev = [address.evidence(f"A/AAAA {host}")] if address is not None else []
        results.append(o.POLICY_NO_HOST(d, ev, domain=d, host=host))
        return None
    fetched = facts.policy
    if fetched is None:
        return None
    if isinstance(fetched, HttpsError):
        ev = [Evidence(f"GET {fetched.url}", f"{fetched.failure.value}: {fetched.detail}", fetched.address)]
        outcome = _FETCH_OUTCOMES[fetched.failure]
        results.append(outcome(d, ev, domain=d, url=fetched.url, reason=fetched.detail))
        return None
    ev = [Evidence(f"GET {fetched.url}", f"HTTP {fetched.status}, {len(fetched.text.encode())} bytes, "
                                         f"{fetched.tls_version}", fetched.address)]
    checkdmarc_module("mta_sts")
    from checkdmarc.mta_sts import MTASTSError, parse_mta_sts_policy

    try:
        parsed = parse_mta_sts_policy(fetched.text)["policy"]
    except MTASTSError as exc:
        said = str(exc)[:300]
        results.append(o.POLICY_SYNTAX(d, ev, domain=d, url=fetched.url, reason=said,
                                       reason_i18n=coded(quoted("checkdmarc", said))))
        return None
    patterns = tuple(str(p) for p in parsed["mx"])
    too_long = next((p for p in patterns if len(p) > MAX_NAME), None)
    if too_long is not None:  # checkdmarc checks labels, not the whole name (RFC 1035: 253 characters)
        long_mx = [piece("mta_sts_mx_too_long", limit=MAX_NAME, pattern=f"{too_long[:60]}…")]
        results.append(o.POLICY_SYNTAX(d, ev, domain=d, url=fetched.url, reason=words(long_mx),
                                       reason_i18n=encode(long_mx)))
        return None
    results.append(o.POLICY_OK(d, ev, domain=d, url=fetched.url))
    return Policy(str(parsed["mode"]), int(parsed["max_age"]), patterns), fetched.url


def _coverage(facts: MtaStsFacts, policy: Policy, hostname: str | None,
              ev: list[Evidence], new_ips: frozenset[str] = frozenset()) -> CheckResult | None:
    """mta_sts.mx: the patterns must name the MX hosts in use and the new server. Senders match
    MX names only: when a (covered) MX name in use already leads to the new server's address, the
    new server's own host name need not be in the policy (a migration that keeps the MX name)."""
    checkdmarc_module("mta_sts")
    from checkdmarc.mta_sts import mx_in_mta_sts_patterns

    d = facts.domain
    if policy.mode == "none":
        return None
    patterns = shown(policy.mx)
    lead = days(policy.max_age)
    if isinstance(facts.mx, DnsError):
        return o.MX_UNKNOWN(d, [facts.mx.evidence()], domain=d, reason=facts.mx.reason)
    ev = [*ev, facts.mx.evidence(f"MX {d}")]
    current = _hosts(facts.mx)
    missing_current = [h for h in current if not mx_in_mta_sts_patterns(h, list(policy.mx))]
    if missing_current and policy.mode == "testing":
        return o.MX_MISSES_CURRENT_TESTING(d, ev, domain=d, missing=", ".join(missing_current), patterns=patterns,
                                           days=lead)
    if missing_current:
        return o.MX_MISSES_CURRENT(d, ev, domain=d, missing=", ".join(missing_current), patterns=patterns,
                                   mode=policy.mode, days=lead)
    kept = [(h, addrs) for h, addrs in facts.mx_addresses if h in current and set(addrs) & new_ips]
    if kept and not (hostname and mx_in_mta_sts_patterns(hostname, list(policy.mx))):
        ev = [*ev, *(Evidence(f"A/AAAA {h}", ", ".join(addrs), "DNS") for h, addrs in kept)]
        return o.MX_COVERED(d, ev, domain=d, hosts=", ".join(current), patterns=patterns)
    if not hostname:
        return o.MX_NO_NEW_HOST(d, ev, domain=d, patterns=patterns)
    if not mx_in_mta_sts_patterns(hostname, list(policy.mx)):
        if policy.mode == "testing":
            return o.MX_MISSES_NEW_TESTING(d, ev, domain=d, missing=hostname, patterns=patterns, days=lead)
        return o.MX_MISSES_NEW(d, ev, domain=d, missing=hostname, patterns=patterns, mode=policy.mode,
                               days=lead)
    hosts = ", ".join(dict.fromkeys([*current, hostname]))
    return o.MX_COVERED(d, ev, domain=d, hosts=hosts, patterns=patterns)


def _id_change(domain: str, sts_id: str, policy: Policy, baseline: Mapping[str, Any] | None,
               since: str, ev: list[Evidence]) -> list[CheckResult]:
    """mta_sts.id: compared with a saved report, did a changed policy get a new id?"""
    if not isinstance(baseline, Mapping):
        return []
    old_id, old_sha = baseline.get("id"), baseline.get("policy_sha256")
    if not (isinstance(old_id, str) and _ID.match(old_id) and isinstance(old_sha, str) and _SHA.match(old_sha)):
        return []
    if old_sha == policy.digest:
        return [o.ID_SAME_POLICY(domain, ev, domain=domain, id=sts_id)]
    if old_id == sts_id:
        return [o.ID_UNCHANGED(domain, ev, domain=domain, id=sts_id, since=since)]
    return [o.ID_CHANGED(domain, ev, domain=domain, old_id=old_id, id=sts_id)]
