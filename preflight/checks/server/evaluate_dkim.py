"""Pure judgement of the DKIM signer: its configuration, and each key against its DNS record."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from preflight.checks.server import outcomes as o
from preflight.checks.server.evaluate_host import source
from preflight.checks.server.facts import DkimSigner, FileText, KeyProbe, PlanFacts, ServerFacts
from preflight.i18n.problems import coded, words
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.ssh import Access
from preflight.rfc.dkim import is_key_record, parse_tags
from preflight.rfc.problems import RecordError, problem

_PORT = re.compile(r"inet6?:(\d{1,5})")


def record_name(domain: str, selector: str) -> str:
    """``<selector>._domainkey.<domain>``."""
    return f"{selector}._domainkey.{domain}"


def spki_from_record(record: str) -> bytes:
    """The SubjectPublicKeyInfo (DER) of a DKIM key record's ``p=``; :class:`RecordError` (a
    ValueError naming the problem) when unusable."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_der_public_key,
        load_pem_public_key,
    )

    tags = parse_tags(record)
    value = tags.get("p")
    if value is None:
        raise RecordError(problem("rfc_dkim_no_key"))
    if value == "":
        raise RecordError(problem("rfc_dkim_revoked"))
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RecordError(problem("rfc_dkim_bad_base64")) from None
    if tags.get("k", "rsa").lower() == "ed25519":
        if len(raw) != 32:
            raise RecordError(problem("rfc_dkim_ed25519_size", size=len(raw)))
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, UnsupportedAlgorithm):
            raise RecordError(problem("rfc_dkim_not_ed25519_key")) from None
        return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    try:
        loaded = load_der_public_key(raw)
    except (ValueError, UnsupportedAlgorithm):
        pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(raw) + b"-----END RSA PUBLIC KEY-----\n"
        try:  # some publish the bare PKCS#1 RSAPublicKey
            loaded = load_pem_public_key(pem)
        except (ValueError, UnsupportedAlgorithm):
            raise RecordError(problem("rfc_dkim_no_public_key")) from None
    return loaded.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def spki_fingerprint(der: bytes) -> str:
    """``SHA256:<base64>`` of a public key (SubjectPublicKeyInfo DER), for evidence."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def evaluate_key(probe: KeyProbe, answer: DnsAnswer | DnsError | None, where: str) -> CheckResult:
    """server.dkim_dns_match for one (domain, selector): the server's key vs the published one."""
    key = probe.key
    d, s, path = key.domain, key.selector, key.key_path or ""
    name = record_name(d, s)
    ev = [Evidence(f"{key.source} {name}", path or "(inline key)", where)]
    if probe.access is None:
        return o.DKIM_INLINE(name, ev, domain=d, selector=s)
    if probe.access is Access.DENIED:
        return o.DKIM_UNREADABLE(name, ev, domain=d, selector=s, path=path,
                                 reason="permission denied: run preflight's SSH user as root or in the "
                                        "opendkim (or _rspamd) group")
    if probe.access is Access.MISSING:
        return o.DKIM_KEY_MISSING(name, ev, domain=d, selector=s, path=path)
    if probe.access is Access.FAILED:
        return o.DKIM_KEY_INVALID(name, ev, domain=d, selector=s, path=path, reason=probe.reason)
    if probe.access is not Access.OK or probe.public_der is None:
        return o.DKIM_ERROR(name, ev, domain=d, selector=s, path=path, reason=probe.reason)
    ev.append(Evidence("public key derived on the server", spki_fingerprint(probe.public_der), where))
    if answer is None or isinstance(answer, DnsError):
        reason = answer.reason if answer is not None else "not asked"
        if answer is not None:
            ev.append(answer.evidence())
        return o.DKIM_DNS_ERROR(name, ev, domain=d, selector=s, reason=reason)
    ev.append(answer.evidence())
    records = [r for r in answer.records if is_key_record(r)]
    if not records:
        return o.DKIM_DNS_MISSING(name, ev, domain=d, selector=s, name=name)
    try:
        published = spki_from_record(records[0])
    except RecordError as exc:
        return o.DKIM_DNS_INVALID(name, ev, domain=d, selector=s, name=name, reason=words(exc.problem),
                                  reason_i18n=coded(exc.problem))
    ev.append(Evidence("public key in DNS", spki_fingerprint(published), f"@ {answer.server}"))
    if published != probe.public_der:
        return o.DKIM_MISMATCH(name, ev, domain=d, selector=s, path=path, name=name)
    return o.DKIM_MATCH(name, ev, domain=d, selector=s, path=path)


def _wired(signer: DkimSigner, milters: str) -> bool:
    if not milters.strip():
        return False
    if signer.name == "rspamd":
        return "11332" in milters or "rspamd" in milters
    socket = signer.socket.strip()
    if not socket:
        return True  # no Socket: nothing to compare
    port = _PORT.match(socket)
    if port:
        return f":{port.group(1)}" in milters
    basename = socket.rsplit("/", 1)[-1]
    return bool(basename) and basename in milters


_UNKNOWN = (Access.LOST, Access.TIMEOUT)
"""Reads that never finished: "could not check", never a fact about the file."""


def evaluate_signer(facts: ServerFacts, plan: PlanFacts) -> list[CheckResult]:
    """server.dkim_signer: a signer is configured, Postfix passes mail to it, it covers the plan."""
    where = source(facts)
    denied = [r for r in facts.signer_reads if r.access is Access.DENIED]
    unknown = [r for r in facts.signer_reads if r.access in _UNKNOWN]
    out: list[CheckResult] = []
    if not facts.signers:
        if unknown:  # a read that never finished proves nothing, least of all "no signer"
            return [o.SIGNER_ERROR(facts.label, [Evidence(r.path, r.reason, where)], path=r.path,
                                   reason=r.reason) for r in unknown]
        if denied:
            return [o.SIGNER_UNREADABLE(facts.label, [Evidence(r.path, r.reason, where)], path=r.path,
                                        reason=r.skip_reason) for r in denied]
        tried = ", ".join(r.path for r in facts.signer_reads)
        return [o.SIGNER_NONE(facts.label, [Evidence("DKIM signer configuration", f"none found ({tried})",
                                                     where)])]
    milters = ""
    if facts.postfix is not None:
        milters = " ".join(facts.postfix.effective.get(p, "") for p in ("smtpd_milters", "non_smtpd_milters"))
    unread_tables = False
    for signer in facts.signers:
        subject = f"{facts.label} {signer.name}"
        keys = ", ".join(record_name(k.key.domain, k.key.selector) for k in signer.keys) or "none"
        ev = [Evidence(signer.config_path, f"keys: {keys}", where)]
        ev += [Evidence("note", n, where) for n in signer.notes]
        out.append(o.SIGNER_FOUND(subject, ev, signer=signer.name, keys=keys))
        for read in signer.unread:
            unread_tables = True
            ev_read = [Evidence(read.path, read.reason, where)]
            if read.access is Access.DENIED:
                out.append(o.SIGNER_UNREADABLE(subject, ev_read, path=read.path, reason=read.skip_reason))
            elif read.access is Access.MISSING:
                out.append(o.SIGNER_TABLE_MISSING(subject, ev_read, signer=signer.name, path=read.path))
            elif read.access in _UNKNOWN:
                out.append(o.SIGNER_ERROR(subject, ev_read, path=read.path, reason=read.reason))
            else:
                out.append(o.SIGNER_ERROR(subject, ev_read, path=read.path, reason=read.reason))
        if facts.postfix is not None and not _wired(signer, milters):
            ev_m = [Evidence("postconf -x smtpd_milters non_smtpd_milters", milters.strip() or "(empty)", where),
                    Evidence(f"{signer.name} socket", signer.socket or "(default)", where)]
            out.append(o.SIGNER_NOT_WIRED(subject, ev_m, signer=signer.name, milters=milters.strip() or "(empty)"))
    failed = [o.SIGNER_ERROR(facts.label, [Evidence(r.path, r.reason, where)], path=r.path, reason=r.reason)
              for r in unknown]
    out.extend(failed)
    if unread_tables or failed:
        return out
    selectors = sorted({k.key.selector for sg in facts.signers for k in sg.keys})
    missing = [s for s in plan.selectors if s not in selectors]
    if missing:
        out.append(o.SIGNER_SELECTOR_MISSING(facts.label, [], selectors=", ".join(missing),
                                             configured=", ".join(selectors) or "none"))
    covered = {k.key.domain for sg in facts.signers for k in sg.keys}
    uncovered = [d for d in plan.domains if d not in covered]
    if uncovered:
        out.append(o.SIGNER_DOMAIN_UNCOVERED(facts.label, [], domains=", ".join(uncovered)))
    return out


def unread_configs(facts: ServerFacts) -> list[FileText]:
    """Signer configurations and tables that exist (or may) but were not read: the keys they
    name are unknown. A missing file is a fact (no such signer, or a missing table), not here."""
    tables = [r for signer in facts.signers for r in signer.unread]
    return [r for r in (*facts.signer_reads, *tables) if r.access not in (Access.OK, Access.MISSING)]


def evaluate_keys(facts: ServerFacts, plan: PlanFacts) -> list[CheckResult]:
    """server.dkim_dns_match for every key of every signer, and "could not check" for every
    signer configuration or table that was not read (its keys would otherwise just vanish)."""
    where = source(facts)
    out = [evaluate_key(p, plan.dkim_txt.get((p.key.domain, p.key.selector)), where)
           for signer in facts.signers for p in signer.keys]
    out += [o.DKIM_NOT_READ(f"{facts.label} {r.path}", [Evidence(r.path, r.reason, where)], path=r.path,
                            reason=r.reason) for r in unread_configs(facts)]
    return out
