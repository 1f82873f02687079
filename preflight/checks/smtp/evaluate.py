"""Pure judgement of one probe: facts in, results out. No sockets, no clock (``now`` is given)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from enum import Enum

from preflight.checks.smtp import outcomes as o
from preflight.checks.smtp.facts import (
    ProbeFacts,
    Step,
    Stop,
    banner_host,
    days_left,
    extension,
    is_fqdn,
    name_matches,
)
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsError
from preflight.net.smtp import Failure, Reply

EXPIRY_WARN_DAYS = 14
"""A certificate expiring in fewer days than this is a warning."""

LEGACY_TLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"})
"""Protocol versions receivers and current OpenSSL refuse (RFC 8996)."""

_TIMEOUTS = (Failure.TIMEOUT, Failure.DEADLINE)
MAIL_LINE = "C: MAIL FROM:"
_RELAY_WORDS = re.compile(r"\brelay(?:ing)?\b", re.IGNORECASE)
_DOMAIN_WORDS = re.compile(
    r"domain (?:not found|does not exist|does not accept mail)|unknown domain|no such domain"
    r"|unroutable|unresolvable",
    re.IGNORECASE,
)
_DOMAIN_CODES = {"1.2", "1.7", "1.8", "1.10"}  # RFC 3463/7505: bad destination or sender domain


class Rcpt(str, Enum):
    """What a reply to RCPT TO means."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    """Refused: a permanent refusal, or a temporary one that says it is about relaying."""
    DOMAIN = "domain"
    """Refused because of a domain (unresolvable, null MX): says nothing about relaying."""
    THROTTLED = "throttled"
    """Temporary trouble (greylisting, rate limits, 421)."""
    UNEXPECTED = "unexpected"


def classify_rcpt(reply: Reply, recipient: str = "") -> Rcpt:
    """Classify a reply to ``RCPT TO:<recipient>``.

    Postfix's default answer to a relay attempt is temporary (``454 4.7.1 ... Relay access
    denied``), so a 4xx that talks about relaying is a refusal, not throttling. The echoed
    address is removed first: it must not make its own words count.
    """
    code = reply.code
    if 200 <= code < 300:
        return Rcpt.ACCEPTED
    text = re.sub(r"<[^>]*>", " ", reply.text)
    if recipient:
        text = text.replace(recipient, " ")
    detail = reply.enhanced.partition(".")[2]
    about_domain = detail in _DOMAIN_CODES or bool(_DOMAIN_WORDS.search(text))
    about_relay = bool(_RELAY_WORDS.search(text))
    if 500 <= code < 600:
        return Rcpt.DOMAIN if about_domain and not about_relay else Rcpt.REFUSED
    if 400 <= code < 500:
        if about_relay:
            return Rcpt.REFUSED
        return Rcpt.DOMAIN if about_domain else Rcpt.THROTTLED
    return Rcpt.UNEXPECTED


# -- helpers ----------------------------------------------------------------------------------


def _source(f: ProbeFacts) -> str:
    return f"SMTP {f.target}"


def _ev(f: ProbeFacts, label: str, value: object) -> Evidence:
    return Evidence(label, str(value), _source(f))


def _transcript(f: ProbeFacts, start: str = "") -> Evidence:
    """The transcript; with ``start``, from the first line starting so to the next QUIT (evidence
    values are capped, so the lines that matter must come first)."""
    lines = f.transcript
    if start:
        first = next((i for i, line in enumerate(lines) if line.startswith(start)), 0)
        last = next((i for i in range(first, len(lines)) if lines[i] == "C: QUIT"), len(lines) - 1)
        lines = lines[first:last + 1]
    return _ev(f, "SMTP transcript", "\n".join(lines) or "(nothing was said)")


def _secs(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "?"


def _greeted(f: ProbeFacts) -> bool:
    return f.greeting is not None and f.greeting.code == 220


def _ehlo_ok(f: ProbeFacts) -> bool:
    return _greeted(f) and f.ehlo is not None and f.ehlo.code == 250


# -- connection and greeting --------------------------------------------------------------


def evaluate_connect(f: ProbeFacts, timeout: float) -> CheckResult:
    """smtp.connect: could a TCP connection be opened?"""
    t, addr = str(f.target), f.address or ""
    if isinstance(f.resolved, DnsError):
        return o.CONNECT_UNRESOLVED(t, [f.resolved.evidence()], target=t, reason=f.resolved.reason)
    ev = [f.resolved.evidence()] if f.resolved is not None else []
    if not f.address:
        return o.CONNECT_NO_ADDRESS(t, ev, target=t)
    stop = f.stopped_at(Step.CONNECT)
    if stop is not None:
        ev.append(_transcript(f))
        if stop.failure is Failure.REFUSED:
            return o.CONNECT_REFUSED(t, ev, target=t, address=addr)
        if stop.failure in _TIMEOUTS:
            return o.CONNECT_TIMEOUT(t, ev, target=t, address=addr, seconds=f"{timeout:g}")
        return o.CONNECT_UNREACHABLE(t, ev, target=t, address=addr, reason=stop.detail)
    ev.append(_ev(f, "time to connect", f"{_secs(f.connect_seconds)} s"))
    return o.CONNECT_OK(t, ev, target=t, address=addr, seconds=_secs(f.connect_seconds))


def evaluate_banner(f: ProbeFacts, timeout: float) -> CheckResult:
    """smtp.banner: a 220 greeting, in time."""
    t = str(f.target)
    if f.connect_seconds is None:
        return o.BANNER_NOT_REACHED(t, target=t)
    stop = f.stopped_at(Step.GREETING)
    if stop is not None:
        ev = [_transcript(f)]
        if stop.failure in _TIMEOUTS:
            return o.BANNER_NO_GREETING(t, ev, target=t, seconds=f"{timeout:g}")
        if stop.failure is Failure.PROTOCOL:
            return o.BANNER_MALFORMED(t, ev, target=t, reason=stop.detail)
        return o.BANNER_CLOSED(t, ev, target=t)
    g = f.greeting
    if g is None:
        return o.BANNER_NOT_REACHED(t, target=t)
    if g.code == 220:
        ev = [_ev(f, "greeting", g), _ev(f, "greeting delay", f"{_secs(f.greeting_seconds)} s")]
        return o.BANNER_OK(t, ev, target=t, banner=str(g), seconds=_secs(f.greeting_seconds))
    ev = [_transcript(f)]
    if 400 <= g.code < 500:
        return o.BANNER_THROTTLED(t, ev, target=t, reply=str(g))
    if 500 <= g.code < 600:
        return o.BANNER_REJECTED(t, ev, target=t, reply=str(g))
    return o.BANNER_MALFORMED(t, ev, target=t, reason=str(g))


def evaluate_banner_names(f: ProbeFacts, hostname: str | None) -> list[CheckResult]:
    """smtp.banner_name, smtp.banner_ptr, smtp.banner_hostname: the name in the greeting."""
    t = str(f.target)
    if not _greeted(f):
        return [o.NAME_NOT_REACHED(t, target=t), o.PTR_NOT_REACHED(t, target=t),
                o.HOST_NOT_REACHED(t, target=t)]
    assert f.greeting is not None
    token = banner_host(f.greeting)
    ev = [_ev(f, "greeting", f.greeting)]
    if not is_fqdn(token):
        return [o.NAME_NOT_FQDN(t, ev, target=t, name=token), o.PTR_NO_NAME(t, target=t),
                o.HOST_NO_NAME(t, target=t)]
    name = token.lower().rstrip(".")
    out = [o.NAME_FQDN(t, ev, target=t, name=name)]
    addr = f.address or ""
    ptr = f.ptr
    if isinstance(ptr, DnsError):
        out.append(o.PTR_ERROR(t, [ptr.evidence()], target=t, address=addr, reason=ptr.reason))
    elif ptr is None or not ptr.records:
        more = [ptr.evidence(f"PTR {addr}")] if ptr is not None else []
        out.append(o.PTR_NONE(t, ev + more, target=t, name=name, address=addr))
    elif name in ptr.records:
        out.append(o.PTR_MATCH(t, ev + [ptr.evidence(f"PTR {addr}")], target=t, name=name, address=addr))
    else:
        out.append(o.PTR_DIFFERS(t, ev + [ptr.evidence(f"PTR {addr}")], target=t, name=name,
                                 address=addr, ptr=", ".join(ptr.records)))
    if not hostname:
        out.append(o.HOST_NOT_GIVEN(t, target=t))
    elif hostname.lower().rstrip(".") == name:
        out.append(o.HOST_MATCH(t, ev, target=t, name=name))
    else:
        out.append(o.HOST_DIFFERS(t, ev, target=t, name=name, hostname=hostname))
    return out


# -- EHLO -------------------------------------------------------------------------------------


def evaluate_ehlo(f: ProbeFacts, helo: str) -> list[CheckResult]:
    """smtp.ehlo and smtp.auth_before_tls."""
    t = str(f.target)
    if not _greeted(f):
        return [o.EHLO_NOT_REACHED(t, target=t), o.AUTH_NOT_REACHED(t, target=t)]
    stop = f.stopped_at(Step.EHLO)
    if stop is not None:
        return [o.EHLO_INTERRUPTED(t, [_transcript(f)], target=t, reason=stop.detail),
                o.AUTH_NOT_REACHED(t, target=t)]
    r = f.ehlo
    if r is None:
        return [o.EHLO_NOT_REACHED(t, target=t), o.AUTH_NOT_REACHED(t, target=t)]
    if r.code != 250:
        ev = [_transcript(f)]
        first = (o.EHLO_THROTTLED(t, ev, target=t, reply=str(r)) if 400 <= r.code < 500
                 else o.EHLO_REJECTED(t, ev, target=t, reply=str(r), helo=helo))
        return [first, o.AUTH_NOT_REACHED(t, target=t)]
    exts = f.extensions
    ev = [_ev(f, "EHLO extensions (before TLS)", "\n".join(exts) or "none")]
    out = [o.EHLO_OK(t, ev, target=t, count=len(exts))]
    auth = extension(exts, "AUTH")
    if auth is not None:
        out.append(o.AUTH_OFFERED(t, ev, target=t, mechanisms=auth or "?"))
    else:
        out.append(o.AUTH_NOT_OFFERED(t, ev, target=t))
    return out


# -- TLS --------------------------------------------------------------------------------------


def evaluate_starttls(f: ProbeFacts) -> list[CheckResult]:
    """smtp.starttls, smtp.tls_handshake and smtp.tls_version: each its own finding."""
    t = str(f.target)
    untested = [o.HANDSHAKE_NOT_TESTED(t, target=t), o.VERSION_NOT_TESTED(t, target=t)]
    if not _ehlo_ok(f):
        return [o.STARTTLS_NOT_REACHED(t, target=t), *untested]
    if extension(f.extensions, "STARTTLS") is None:
        ev = [_ev(f, "EHLO extensions (before TLS)", "\n".join(f.extensions) or "none")]
        return [o.STARTTLS_MISSING(t, ev, target=t), *untested]
    stop = f.stopped_at(Step.STARTTLS)
    if stop is not None:
        return [o.STARTTLS_INTERRUPTED(t, [_transcript(f)], target=t, reason=stop.detail), *untested]
    r = f.starttls
    if r is None:
        return [o.STARTTLS_NOT_REACHED(t, target=t), *untested]
    if r.code != 220:
        ev = [_transcript(f)]
        if r.code == 454:
            first = o.STARTTLS_UNAVAILABLE(t, ev, target=t, reply=str(r))
        elif 400 <= r.code < 500:
            first = o.STARTTLS_THROTTLED(t, ev, target=t, reply=str(r))
        else:
            first = o.STARTTLS_REFUSED(t, ev, target=t, reply=str(r))
        return [first, *untested]
    out = [o.STARTTLS_OK(t, [_ev(f, "STARTTLS", r)], target=t)]
    if f.tls is None:
        stop = f.tls_stop
        reason = stop.detail if stop is not None else "no handshake"
        ev = [_transcript(f)]
        if stop is not None and stop.failure in _TIMEOUTS:
            out.append(o.HANDSHAKE_TIMEOUT(t, ev, target=t, reason=reason))
        else:
            out.append(o.HANDSHAKE_FAILED(t, ev, target=t, reason=reason))
        out.append(o.VERSION_NOT_TESTED(t, target=t))
        return out
    tls = f.tls
    ev = [_ev(f, "TLS", f"{tls.version}, {tls.cipher}" + (f" ({tls.bits} bits)" if tls.bits else "")),
          _ev(f, "SNI sent", tls.server_name or "none")]
    out.append(o.HANDSHAKE_OK(t, ev, target=t, version=tls.version, cipher=tls.cipher))
    if tls.version in LEGACY_TLS:
        out.append(o.VERSION_LEGACY(t, ev[:1], target=t, version=tls.version))
    else:
        out.append(o.VERSION_MODERN(t, ev[:1], target=t, version=tls.version))
    return out


def _cert_evidence(f: ProbeFacts) -> list[Evidence]:
    c = f.certificate
    if c is None:
        return []
    return [
        _ev(f, "certificate subject", c.subject),
        _ev(f, "certificate issuer", c.issuer),
        _ev(f, "certificate names (SAN)", ", ".join(c.dns_names) or "none"),
        _ev(f, "certificate validity", f"{c.not_before.isoformat()} to {c.not_after.isoformat()}"),
        _ev(f, "certificate SHA-256", c.sha256),
    ]


def evaluate_certificate(f: ProbeFacts, hostname: str | None, now: datetime) -> list[CheckResult]:
    """smtp.cert_chain, smtp.cert_name and smtp.cert_expiry: each its own finding."""
    t = str(f.target)
    if f.tls is None:
        return [o.CHAIN_NOT_TESTED(t, target=t), o.CERT_NAME_NOT_TESTED(t, target=t),
                o.EXPIRY_NOT_TESTED(t, target=t)]
    ev = _cert_evidence(f)
    out: list[CheckResult] = []
    v = f.verify
    if v is None or v.trusted is None:
        reason = v.reason if v is not None else "not verified"
        out.append(o.CHAIN_ERROR(t, [_transcript(f)], target=t, reason=reason))
    elif v.trusted:
        issuer = f.certificate.issuer if f.certificate else "?"
        out.append(o.CHAIN_TRUSTED(t, ev[:2], target=t, issuer=issuer, trust_store=v.trust_store))
    elif f.certificate is not None and f.certificate.self_signed:
        out.append(o.CHAIN_SELF_SIGNED(t, ev[:2], target=t, cert_subject=f.certificate.subject,
                                       trust_store=v.trust_store))
    else:
        out.append(o.CHAIN_UNTRUSTED(t, ev[:2] + [_ev(f, "verification", v.reason)], target=t,
                                     reason=v.reason, trust_store=v.trust_store))
    c = f.certificate
    if c is None:
        reason = f.certificate_error or "no certificate"
        return [*out, o.CERT_NAME_UNREADABLE(t, target=t, reason=reason),
                o.EXPIRY_UNREADABLE(t, target=t, reason=reason)]
    expected = f.target.host if not f.target.is_ip else hostname
    if not expected:
        out.append(o.CERT_NAME_NO_NAME(t, target=t))
    elif name_matches(expected, c):
        out.append(o.CERT_NAME_MATCH(t, ev[2:3], target=t, name=expected))
    else:
        names = ", ".join(c.dns_names or c.common_names) or "none"
        out.append(o.CERT_NAME_MISMATCH(t, ev[:3], target=t, name=expected, names=names))
    days = days_left(c, now)
    ev_dates = ev[3:4] + [_ev(f, "checked at", now.isoformat())]
    if now < c.not_before:
        out.append(o.EXPIRY_NOT_YET(t, ev_dates, target=t, not_before=c.not_before.date().isoformat()))
    elif now >= c.not_after:
        ago = int((now - c.not_after).total_seconds() // 86400)
        out.append(o.EXPIRY_EXPIRED(t, ev_dates, target=t, days=ago,
                                    not_after=c.not_after.date().isoformat()))
    elif days < EXPIRY_WARN_DAYS:
        out.append(o.EXPIRY_SOON(t, ev_dates, target=t, days=days,
                                 not_after=c.not_after.date().isoformat()))
    else:
        out.append(o.EXPIRY_VALID(t, ev_dates, target=t, days=days,
                                  not_after=c.not_after.date().isoformat()))
    return out


# -- relay and postmaster ---------------------------------------------------------------------


def _interrupted_here(f: ProbeFacts, *steps: Step) -> Stop | None:
    return f.stop if f.stop is not None and f.stop.step in steps else None


def evaluate_relay(f: ProbeFacts, recipient: str, sender: str) -> CheckResult:
    """smtp.relay: an outside recipient must be refused."""
    t = str(f.target)
    stop = _interrupted_here(f, Step.EHLO_TLS, Step.RECONNECT, Step.MAIL, Step.RCPT_RELAY)
    if stop is not None:
        return o.RELAY_INTERRUPTED(t, [_transcript(f, MAIL_LINE)], target=t, reason=stop.detail)
    m = f.mail
    if m is None:
        return o.RELAY_NOT_REACHED(t, target=t)
    if m.code != 250:
        ev = [_transcript(f, MAIL_LINE)]
        if 400 <= m.code < 500:
            return o.RELAY_THROTTLED(t, ev, target=t, reply=str(m))
        return o.RELAY_SENDER_REFUSED(t, ev, target=t, sender=f"<{sender}>", reply=str(m))
    r = f.relay
    if r is None:
        return o.RELAY_NOT_REACHED(t, target=t)
    ev = [_transcript(f, MAIL_LINE)]
    verdict = classify_rcpt(r, recipient)
    if verdict is Rcpt.ACCEPTED:
        return o.RELAY_ACCEPTED(t, ev, target=t, recipient=recipient, reply=str(r))
    if verdict is Rcpt.REFUSED:
        return o.RELAY_REFUSED(t, ev, target=t, recipient=recipient, reply=str(r))
    if verdict is Rcpt.THROTTLED:
        return o.RELAY_THROTTLED(t, ev, target=t, reply=str(r))
    return o.RELAY_INCONCLUSIVE(t, ev, target=t, recipient=recipient, reply=str(r))


def evaluate_postmaster(f: ProbeFacts, domains: Sequence[str]) -> list[CheckResult]:
    """smtp.postmaster: ``postmaster@<domain>`` must be accepted (RFC 5321 §4.5.1)."""
    t = str(f.target)
    if not domains:
        return [o.POSTMASTER_NO_DOMAIN(t, target=t)]
    replies = dict(f.postmaster)
    out: list[CheckResult] = []
    stop = f.stopped_at(Step.RCPT_POSTMASTER)
    for domain in domains:
        rcpt = f"postmaster@{domain}"
        subject = f"{rcpt} via {t}"
        r = replies.get(rcpt)
        if r is None:
            if stop is not None:
                out.append(o.POSTMASTER_INTERRUPTED(subject, [_transcript(f, MAIL_LINE)], target=t,
                                                    recipient=rcpt, reason=stop.detail))
                stop = None
            else:
                out.append(o.POSTMASTER_NOT_REACHED(subject, target=t, recipient=rcpt))
            continue
        ev = [_ev(f, f"RCPT TO:<{rcpt}>", r)]
        verdict = classify_rcpt(r, rcpt)
        if verdict is Rcpt.ACCEPTED:
            out.append(o.POSTMASTER_OK(subject, ev, target=t, recipient=rcpt))
        elif verdict is Rcpt.THROTTLED:
            out.append(o.POSTMASTER_THROTTLED(subject, ev, target=t, recipient=rcpt, reply=str(r)))
        elif verdict is Rcpt.UNEXPECTED:
            out.append(o.POSTMASTER_INTERRUPTED(subject, ev, target=t, recipient=rcpt, reason=str(r)))
        else:
            out.append(o.POSTMASTER_REFUSED(subject, ev, target=t, recipient=rcpt, reply=str(r)))
    return out


# -- all --------------------------------------------------------------------------------------


def evaluate(f: ProbeFacts, *, hostname: str | None, domains: Sequence[str], timeout: float,
             helo: str, sender: str, recipient: str, now: datetime) -> list[CheckResult]:
    """Every smtp.* result for one probe, in report order."""
    return [
        evaluate_connect(f, timeout),
        evaluate_banner(f, timeout),
        *evaluate_banner_names(f, hostname),
        *evaluate_ehlo(f, helo),
        *evaluate_starttls(f),
        *evaluate_certificate(f, hostname, now),
        evaluate_relay(f, recipient, sender),
        *evaluate_postmaster(f, domains),
    ]
