"""Judge what users' mail clients meet (pure: facts in, results out).

Mail clients are stricter than mail servers: an untrusted chain or a name the certificate does not
cover makes them refuse or nag every user, and a login offered before TLS invites passwords in the
clear. SRV records (RFC 6186, RFC 8314) and autoconfig/autodiscover names are how clients find the
server: after cutover they must lead to the new one.
"""

from __future__ import annotations

import ipaddress

from preflight.checks.client import outcomes as o
from preflight.checks.client.collect import NameFacts, Srv, srv_target
from preflight.checks.smtp import name_matches, read_certificate
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.mailclient import ClientProbe, MailFailure

LEGACY_TLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})


def evaluate_probe(p: ClientProbe, names: tuple[str, ...]) -> list[CheckResult]:
    """client.connect, client.starttls, client.tls, client.cert_chain, client.cert_name, client.auth."""
    t = f"{p.service.value} {p.address}:{p.port}" if ":" not in p.address else f"{p.service.value} [{p.address}]:{p.port}"
    ev = [Evidence(t, f"{p.failure.value}: {p.detail}" if p.failure else "answered", "client probe")]
    if p.failure is MailFailure.REFUSED:
        return [o.REFUSED(t, ev, target=t)]
    lost = p.failure in (MailFailure.TIMEOUT, MailFailure.UNREACHABLE)
    if lost and p.tls_version is None:
        return [o.UNREACHABLE(t, ev, target=t, reason=p.detail)]
    broken = p.failure in (MailFailure.PROTOCOL, MailFailure.CLOSED)
    out = [o.BROKEN(t, ev, target=t, reason=p.detail) if broken else o.CONNECTED(t, ev, target=t)]
    if not p.service.implicit_tls and p.starttls_offered is not None:
        if p.failure is MailFailure.NO_STARTTLS:
            out.append(o.STARTTLS_MISSING(t, ev, target=t, reason=p.detail))
        else:
            out.append(o.STARTTLS_OK(t, ev, target=t))
    if p.plain_auth:
        out.append(o.AUTH_BEFORE_TLS(t, ev, target=t, methods=" ".join(p.plain_auth)))
    if p.failure is MailFailure.TLS:
        out.append(o.TLS_FAILED(t, ev, target=t, reason=p.detail))
    if p.tls_version is None:
        return out
    tev = [Evidence(f"TLS {t}", p.tls_version, "client probe")]
    out.append((o.TLS_LEGACY if p.tls_version in LEGACY_TLS else o.TLS_OK)(t, tev, target=t, version=p.tls_version))
    if p.verified is False:
        out.append(o.CHAIN_BAD(t, tev, target=t, reason=p.verify_reason))
    else:
        out.append(o.CHAIN_OK(t, tev, target=t))
    if p.certificate_der:
        try:
            cert = read_certificate(p.certificate_der)  # RFC 6125 names, as the SMTP checks read them
        except ValueError:
            cert = None
        patterns = (cert.dns_names or cert.common_names) if cert is not None else ()
        nev = [Evidence(f"certificate names {t}", ", ".join(patterns) or "(none)", "client probe")]
        if not names:
            out.append(o.NAMES_UNKNOWN(t, nev, target=t))
        else:
            missing = [n for n in names if cert is None or not name_matches(n, cert)]
            out.append(o.NAMES_MISSING(t, nev, target=t, missing=", ".join(missing), covers=", ".join(patterns))
                       if missing else o.NAMES_OK(t, nev, target=t, names=", ".join(names)))
    if p.tls_auth is not None and not p.plain_auth:
        aev = [Evidence(f"logins after TLS {t}", " ".join(p.tls_auth) or "(none)", "client probe")]
        out.append(o.AUTH_TLS_ONLY(t, aev, target=t, methods=" ".join(p.tls_auth)) if p.tls_auth
                   else o.AUTH_NONE(t, aev, target=t))
    return out


def _addresses(answers: tuple[DnsAnswer | DnsError, ...]) -> tuple[set[str], DnsError | None]:
    found: set[str] = set()
    error = None
    for a in answers:
        if isinstance(a, DnsError):
            error = a
            continue
        for r in a.records:
            try:
                found.add(str(ipaddress.ip_address(r)))
            except ValueError:
                continue
    return found, error


def evaluate_srv(srv: Srv, new_ips: set[str], new_names: set[str], phase: str) -> CheckResult:
    """client.srv for one SRV name: its target must be (or, before cutover, become) the new server."""
    if isinstance(srv.answer, DnsError):
        return o.SRV_ERROR(srv.name, [srv.answer.evidence()], name=srv.name, reason=srv.answer.reason)
    ev = [srv.answer.evidence(f"SRV {srv.name}"), *(a.evidence() for a in srv.addresses)]
    targets = [t for t in (srv_target(r) for r in srv.answer.records) if t is not None]
    if targets and all(host in ("", ".") for _, host in targets):
        return o.SRV_NOT_OFFERED(srv.name, ev, name=srv.name)
    shown = ", ".join(f"{host}:{port}" for port, host in targets)
    found, error = _addresses(srv.addresses)
    if any(host in new_names for _, host in targets) or found & new_ips:
        return o.SRV_NEW(srv.name, ev, name=srv.name, target=shown)
    if error is not None and not found:
        return o.SRV_ERROR(srv.name, ev, name=srv.name, reason=error.reason)
    if phase == "after":
        return o.SRV_STILL_OLD(srv.name, ev, name=srv.name, target=shown)
    return o.SRV_NOT_YET(srv.name, ev, name=srv.name, target=shown)


def evaluate_config_name(facts: NameFacts, new_ips: set[str], phase: str) -> CheckResult | None:
    """client.autoconfig for one name; None when the name does not exist."""
    found, error = _addresses(facts.addresses)
    ev = [a.evidence() for a in facts.addresses]
    if error is not None and not found:
        return o.AUTOCONFIG_ERROR(facts.name, ev, name=facts.name, reason=error.reason)
    if not found:
        return None
    shown = ", ".join(sorted(found))
    if found & new_ips:
        return o.AUTOCONFIG_NEW(facts.name, ev, name=facts.name, addresses=shown)
    if phase == "after":
        return o.AUTOCONFIG_ELSEWHERE(facts.name, ev, name=facts.name, addresses=shown)
    return o.AUTOCONFIG_NOT_YET(facts.name, ev, name=facts.name, addresses=shown)
