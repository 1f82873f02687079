"""Pure judgement of Postfix's effective settings: HELO, mynetworks, addresses, TLS."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime, timezone

from preflight.checks.server import outcomes as o
from preflight.checks.server.evaluate_host import source
from preflight.checks.server.facts import (
    CertProbe,
    KeyFileStatus,
    PlanFacts,
    PostfixFacts,
    ServerFacts,
)
from preflight.inventory.parse import split_list
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsError
from preflight.net.ssh import Access

CERT_WARN_DAYS = 21
"""A certificate that expires within this many days is a warning (renewal is overdue)."""

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NOT_PUBLIC = ("localhost", "localdomain", "local", "lan", "internal", "home", "localnet")
_FAMILIES = {4: ("IPv4", "smtp_bind_address"), 6: ("IPv6", "smtp_bind_address6")}


def effective_helo(postfix: PostfixFacts) -> str:
    """The name the SMTP client says in EHLO: smtp_helo_name (master.cf override first)."""
    return (postfix.outbound.get("smtp_helo_name") or postfix.effective.get("myhostname", "")).strip().lower()


def is_public_fqdn(name: str) -> bool:
    """True for a fully qualified public-looking name (not ``localhost``, no dotless names)."""
    labels = name.rstrip(".").lower().split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return False
    return labels[-1] not in _NOT_PUBLIC and labels[0] != "localhost"


def _ev(facts: ServerFacts, parameter: str, value: str) -> Evidence:
    return Evidence(f"postconf -x {parameter}", value or "(empty)", source(facts))


def evaluate_helo(facts: ServerFacts, plan: PlanFacts) -> CheckResult:
    """server.helo: the effective HELO name vs the PTR of each --ip and vs --hostname."""
    assert facts.postfix is not None
    helo = effective_helo(facts.postfix)
    ev = [_ev(facts, "smtp_helo_name", facts.postfix.outbound.get("smtp_helo_name", "")),
          _ev(facts, "myhostname", facts.postfix.effective.get("myhostname", ""))]
    if not is_public_fqdn(helo):
        return o.HELO_NOT_FQDN(facts.label, ev, helo=helo or "(empty)")
    details: list[str] = []
    errors: list[DnsError] = []
    if plan.hostname and plan.hostname != helo:
        details.append(f"--hostname is {plan.hostname}")
    for ip in plan.ips:
        answer = plan.ptr.get(ip)
        if answer is None:
            continue
        ev.append(answer.evidence(f"PTR {ip}"))
        if isinstance(answer, DnsError):
            errors.append(answer)
        elif not answer.records:
            details.append(f"{ip} has no PTR")
        elif helo not in answer.records:
            details.append(f"the PTR of {ip} is {', '.join(answer.records)}")
    if details:
        return o.HELO_MISMATCH(facts.label, ev, helo=helo, details="; ".join(details))
    if errors:
        return o.HELO_DNS_ERROR(facts.label, ev, helo=helo, reason=errors[0].reason)
    return o.HELO_CONSISTENT(facts.label, ev, helo=helo)


def _network(item: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    text = item.strip()
    if text.startswith("["):  # [2001:db8::]/64 or [::1]
        addr, _, rest = text[1:].partition("]")
        text = addr + rest
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None  # a table (hash:/etc/postfix/network_table), a host name, a pattern


def evaluate_mynetworks(facts: ServerFacts) -> CheckResult:
    """server.mynetworks: networks trusted to relay; anything like 0.0.0.0/0 makes an open relay."""
    assert facts.postfix is not None
    value = facts.postfix.effective.get("mynetworks", "")
    ev = [_ev(facts, "mynetworks", value)]
    open_, broad = [], []
    for item in split_list(value):
        net = _network(item)
        if net is None or net.is_private or net.is_loopback or net.is_link_local:
            continue
        if net.prefixlen < (8 if net.version == 4 else 16):
            open_.append(item)
        elif net.prefixlen < (24 if net.version == 4 else 48):
            broad.append(item)
    if open_:
        return o.MYNETWORKS_OPEN(facts.label, ev, networks=value, open=", ".join(open_))
    if broad:
        return o.MYNETWORKS_BROAD(facts.label, ev, networks=value, broad=", ".join(broad))
    return o.MYNETWORKS_LOCAL(facts.label, ev, networks=value or "(empty)")


def _protocols(value: str) -> set[int]:
    items = {i.lower() for i in split_list(value or "all")}
    if "all" in items:
        return {4, 6}
    return {v for v, name in ((4, "ipv4"), (6, "ipv6")) if name in items}


def _norm(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip.strip().strip("[]")))
    except ValueError:
        return ip.strip().lower()


def evaluate_bind(facts: ServerFacts, plan: PlanFacts) -> list[CheckResult]:
    """server.bind_address, per address family of --ip: the source address of outgoing mail."""
    assert facts.postfix is not None
    pf = facts.postfix
    protocols_text = pf.effective.get("inet_protocols", "all")
    protocols = _protocols(protocols_text)
    addresses = {_norm(a) for a in facts.addresses} if facts.addresses is not None else None
    out: list[CheckResult] = []
    for version, (family, parameter) in _FAMILIES.items():
        ips = [_norm(ip) for ip in plan.ips if ipaddress.ip_address(ip).version == version]
        if not ips:
            continue
        subject = f"{facts.label} {family}"
        bound = _norm(pf.outbound.get(parameter, "")) if pf.outbound.get(parameter, "").strip() else ""
        ev = [_ev(facts, parameter, pf.outbound.get(parameter, "")),
              _ev(facts, "inet_protocols", protocols_text)]
        if version not in protocols:
            out.append(o.BIND_PROTOCOL_OFF(subject, ev, family=family, protocols=protocols_text))
            continue
        if facts.addresses is not None:
            ev.append(Evidence("ip -o addr show", ", ".join(facts.addresses), source(facts)))
        if bound:
            if addresses is not None and bound not in addresses:
                out.append(o.BIND_MISSING(subject, ev, family=family, address=bound, parameter=parameter))
            elif bound not in ips:
                out.append(o.BIND_ELSEWHERE(subject, ev, family=family, address=bound,
                                            parameter=parameter, ips=", ".join(ips)))
            else:
                out.append(o.BIND_BOUND(subject, ev, family=family, address=bound))
            continue
        src = facts.routes.get(version)
        ev.append(Evidence(f"ip -{version} route get", src or "no route", source(facts)))
        if src is None:
            out.append(o.BIND_UNKNOWN(subject, ev, family=family))
        elif _norm(src) in ips:
            out.append(o.BIND_ROUTE(subject, ev, family=family, address=_norm(src)))
        else:
            out.append(o.BIND_ROUTE_ELSEWHERE(subject, ev, family=family, address=_norm(src),
                                              ips=", ".join(ips), parameter=parameter))
    return out


def evaluate_inet_interfaces(facts: ServerFacts) -> CheckResult:
    """server.inet_interfaces: where Postfix listens; an address the server lacks stops Postfix."""
    assert facts.postfix is not None
    value = facts.postfix.effective.get("inet_interfaces", "all")
    items = [i.lower() for i in split_list(value or "all")]
    ev = [_ev(facts, "inet_interfaces", value)]
    if "all" in items:
        return o.INET_ALL(facts.label, ev, interfaces=value or "all")
    addresses = {_norm(a) for a in facts.addresses} if facts.addresses is not None else None
    loopback, missing = True, []
    for item in items:
        if item in ("localhost", "loopback-only"):
            continue
        try:
            ip = ipaddress.ip_address(item.strip("[]"))
        except ValueError:
            loopback = False  # a host name: not resolved here
            continue
        loopback = loopback and ip.is_loopback
        if addresses is not None and str(ip) not in addresses:
            missing.append(str(ip))
    if missing:
        return o.INET_MISSING(facts.label, ev, interfaces=value, missing=", ".join(missing))
    if loopback:
        return o.INET_LOOPBACK(facts.label, ev, interfaces=value)
    return o.INET_LISTED(facts.label, ev, interfaces=value)


def _names(cert: object) -> list[str]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    assert isinstance(cert, x509.Certificate)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = [str(n).lower() for n in san.value.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        names = []
    if not names:
        names = [str(a.value).lower() for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return names


def name_matches(name: str, patterns: list[str]) -> bool:
    """RFC 6125 matching: exact, or ``*.example.com`` for exactly one leftmost label."""
    name = name.lower().rstrip(".")
    for pattern in patterns:
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def evaluate_cert(probe: CertProbe, hostname: str, now: datetime, where: str) -> CheckResult:
    """server.tls_files for one certificate file."""
    from cryptography import x509

    path = probe.path
    ev = [Evidence(f"openssl x509 -in {path}", probe.reason or "certificate read", where)]
    if probe.access is Access.DENIED:
        return o.TLS_UNREADABLE(path, ev, path=path, reason=f"permission denied: {path}")
    if probe.access is Access.MISSING:
        return o.TLS_MISSING(path, ev, parameter=probe.parameter, path=path)
    if probe.access is Access.FAILED:
        return o.TLS_INVALID(path, ev, parameter=probe.parameter, path=path, reason=probe.reason)
    if probe.access is not Access.OK:
        return o.TLS_ERROR(path, ev, path=path, reason=probe.reason)
    try:
        cert = x509.load_pem_x509_certificate(probe.pem.encode("ascii", errors="replace"))
    except ValueError as exc:
        return o.TLS_INVALID(path, ev, parameter=probe.parameter, path=path, reason=str(exc)[:200])
    names = _names(cert)
    expires = cert.not_valid_after_utc
    shown_names = ", ".join(names[:20]) or "(none)"
    ev = [Evidence(f"{probe.parameter} = {path}",
                   f"names: {shown_names}; expires {expires.isoformat()}; issuer {cert.issuer.rfc4514_string()}",
                   where)]
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    days = (expires - now).days
    if expires <= now:
        return o.TLS_EXPIRED(path, ev, path=path, expires=expires.date().isoformat())
    if days < CERT_WARN_DAYS:
        return o.TLS_EXPIRING(path, ev, path=path, expires=expires.date().isoformat(), days=days)
    if hostname and not name_matches(hostname, names):
        return o.TLS_NAME_MISMATCH(path, ev, path=path, names=shown_names, hostname=hostname)
    return o.TLS_OK(path, ev, path=path, names=shown_names, expires=expires.date().isoformat())


def evaluate_key_file(status: KeyFileStatus, where: str) -> CheckResult:
    """server.tls_files for one private key file (existence only)."""
    path = status.path
    ev = [Evidence(f"stat {path}", status.detail, where)]
    if status.access is Access.OK:
        return o.TLS_KEY_OK(path, ev, parameter=status.parameter, path=path)
    if status.access is Access.MISSING:
        return o.TLS_MISSING(path, ev, parameter=status.parameter, path=path)
    if status.access is Access.DENIED:
        return o.TLS_UNREADABLE(path, ev, path=path, reason=f"permission denied: {path}")
    return o.TLS_ERROR(path, ev, path=path, reason=status.detail)


def evaluate_tls_files(facts: ServerFacts, plan: PlanFacts) -> list[CheckResult]:
    """server.tls_files: the certificate and key files smtpd offers with STARTTLS."""
    assert facts.postfix is not None
    if not facts.certs and not facts.key_files:
        return [o.TLS_NONE(facts.label, [_ev(facts, "smtpd_tls_cert_file", "")])]
    hostname = plan.hostname or facts.postfix.effective.get("myhostname", "")
    where = source(facts)
    return [*(evaluate_cert(c, hostname, plan.now, where) for c in facts.certs),
            *(evaluate_key_file(k, where) for k in facts.key_files)]


def _level(params: Mapping[str, str], prefix: str) -> str:
    level = params.get(f"{prefix}_tls_security_level", "").strip().lower()
    if level:
        return level
    if params.get(f"{prefix}_enforce_tls", "").strip().lower() == "yes":
        return "encrypt"
    if params.get(f"{prefix}_use_tls", "").strip().lower() == "yes":
        return "may"
    return "none"


def evaluate_tls_levels(facts: ServerFacts) -> list[CheckResult]:
    """server.tls_levels: STARTTLS offered to senders (incoming) and used when sending (outgoing)."""
    assert facts.postfix is not None
    incoming = _level(facts.postfix.effective, "smtpd")
    outgoing = _level(facts.postfix.outbound, "smtp")
    ev_in = [_ev(facts, "smtpd_tls_security_level", facts.postfix.effective.get("smtpd_tls_security_level", ""))]
    ev_out = [_ev(facts, "smtp_tls_security_level", facts.postfix.outbound.get("smtp_tls_security_level", ""))]
    subject_in, subject_out = f"{facts.label} incoming", f"{facts.label} outgoing"
    if incoming == "none":
        first = o.TLS_IN_NONE(subject_in, ev_in, level=incoming)
    elif incoming == "encrypt":
        first = o.TLS_IN_ENFORCED(subject_in, ev_in, level=incoming)
    else:
        first = o.TLS_IN_MAY(subject_in, ev_in, level=incoming)
    second = (o.TLS_OUT_NONE(subject_out, ev_out, level=outgoing) if outgoing == "none"
              else o.TLS_OUT_OK(subject_out, ev_out, level=outgoing))
    return [first, second]
