"""Old vs new: the settings that decide what happens to mail at cutover, side by side. Pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from preflight.checks.server import outcomes as o
from preflight.checks.server.evaluate_postfix import effective_helo
from preflight.checks.server.facts import ServerFacts
from preflight.inventory.parse import (
    eol_status,
    parse_os_release,
    redact_zone,
    resolv_conf_nameservers,
)
from preflight.model import CheckResult, Evidence

UNKNOWN = "—"


def _pf(name: str, outbound: bool = False) -> Callable[[ServerFacts, date], str | None]:
    def get(f: ServerFacts, today: date) -> str | None:
        if f.postfix is None or f.postfix.unread is not None:
            return None
        params = f.postfix.outbound if outbound else f.postfix.effective
        return params.get(name, "").strip() or "(empty)"

    return get


def _os(f: ServerFacts, today: date) -> str | None:
    if f.os_release is None or not f.os_release.ok:
        return None
    return parse_os_release(f.os_release.text).label


def _eol(f: ServerFacts, today: date) -> str | None:
    if f.os_release is None or not f.os_release.ok:
        return None
    status = eol_status(parse_os_release(f.os_release.text), today)
    if status.eol is None:
        return status.state.value
    return f"{status.eol.isoformat()} ({status.state.value.replace('_', ' ')})"


def _mta(f: ServerFacts, today: date) -> str | None:
    return f"{f.mta.name} {f.mta.version}" if f.mta else None


def _helo(f: ServerFacts, today: date) -> str | None:
    return effective_helo(f.postfix) if f.postfix and f.postfix.unread is None else None


def _rbls(f: ServerFacts, today: date) -> str | None:
    if f.postfix is None or f.postfix.policy is None:
        return None
    return ", ".join(redact_zone(z) for z in f.postfix.policy.zones) or "(none)"


def _postscreen(f: ServerFacts, today: date) -> str | None:
    if f.postfix is None or f.postfix.policy is None:
        return None
    p = f.postfix.policy
    if p.postscreen_enabled is False or not p.postscreen_sites:
        return "off" if p.postscreen_enabled is False else "on, no DNSBL sites"
    return f"threshold {p.postscreen_threshold}, action {p.postscreen_action.value}"


def _dkim(f: ServerFacts, today: date) -> str | None:
    if not f.connected:
        return None
    keys = sorted(f"{s.name}: {k.key.selector}._domainkey.{k.key.domain}" for s in f.signers for k in s.keys)
    return ", ".join(keys) or "(no signer)"


def _resolvers(f: ServerFacts, today: date) -> str | None:
    if f.resolv is None or not f.resolv.ok:
        return None
    return ", ".join(resolv_conf_nameservers(f.resolv.text)) or "(none)"


ROWS: tuple[tuple[str, str, bool, Callable[[ServerFacts, date], str | None]], ...] = (
    ("os", "Operating system", False, _os),
    ("os_eol", "OS support ends", False, _eol),
    ("mta", "MTA and version", False, _mta),
    ("myhostname", "myhostname", True, _pf("myhostname")),
    ("helo", "HELO name (smtp_helo_name)", True, _helo),
    ("smtp_bind_address", "smtp_bind_address", False, _pf("smtp_bind_address", outbound=True)),
    ("smtp_bind_address6", "smtp_bind_address6", False, _pf("smtp_bind_address6", outbound=True)),
    ("inet_interfaces", "inet_interfaces", False, _pf("inet_interfaces")),
    ("inet_protocols", "inet_protocols", True, _pf("inet_protocols")),
    ("mynetworks", "mynetworks", True, _pf("mynetworks")),
    ("mydestination", "mydestination", True, _pf("mydestination")),
    ("relayhost", "relayhost", True, _pf("relayhost")),
    ("message_size_limit", "message_size_limit", True, _pf("message_size_limit")),
    ("smtpd_tls_security_level", "smtpd_tls_security_level (incoming)", True,
     _pf("smtpd_tls_security_level")),
    ("smtp_tls_security_level", "smtp_tls_security_level (outgoing)", True,
     _pf("smtp_tls_security_level", outbound=True)),
    ("smtpd_tls_cert_file", "smtpd_tls_cert_file", False, _pf("smtpd_tls_cert_file")),
    ("milters", "smtpd_milters", True, _pf("smtpd_milters")),
    ("rbls", "DNS blocklists enforced", True, _rbls),
    ("postscreen", "postscreen DNSBL", True, _postscreen),
    ("dkim", "DKIM signer and keys", True, _dkim),
    ("resolvers", "Resolvers (/etc/resolv.conf)", False, _resolvers),
)
"""(key, label, important, getter): ``important`` rows change what happens to mail."""


def comparison_rows(old: ServerFacts, new: ServerFacts, today: date) -> list[dict[str, Any]]:
    """One row per setting: old and new values, and whether they differ (unknown never differs)."""
    rows = []
    for key, label, important, get in ROWS:
        before, after = get(old, today), get(new, today)
        changed = before is not None and after is not None and before != after
        rows.append({
            "key": key,
            "setting": label,
            "old": before if before is not None else UNKNOWN,
            "new": after if after is not None else UNKNOWN,
            "changed": changed,
            "important": important,
        })
    return rows


def evaluate_comparison(old: ServerFacts, new: ServerFacts, rows: list[dict[str, Any]]) -> CheckResult:
    """server.compare: the mail-relevant settings that change at cutover (review them)."""
    subject = f"{old.target} → {new.target}"
    before, after = str(old.target), str(new.target)
    if not old.connected or not new.connected:
        return o.COMPARE_INCOMPLETE(subject, old=before, new=after)
    changed = [r for r in rows if r["changed"] and r["important"]]
    ev = [Evidence(r["setting"], f"{r['old']} → {r['new']}", "old vs new") for r in changed]
    if changed:
        return o.COMPARE_CHANGED(subject, ev, settings=", ".join(r["setting"] for r in changed),
                                 old=before, new=after)
    return o.COMPARE_SAME(subject, old=before, new=after)
