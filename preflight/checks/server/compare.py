"""Old vs new: the settings that decide what happens to mail at cutover, side by side. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Union

from preflight.checks.server import outcomes as o
from preflight.checks.server.evaluate_postfix import effective_helo
from preflight.checks.server.facts import ServerFacts
from preflight.i18n.messages import DEFAULT_LANG, Piece, catalogue, encode, piece, text_piece, ui
from preflight.inventory.parse import (
    eol_status,
    parse_os_release,
    redact_zone,
    resolv_conf_nameservers,
)
from preflight.model import CheckResult, Evidence

UNKNOWN = "—"


@dataclass(frozen=True)
class Said:
    """A value in our own words ("(empty)", "threshold 3, action enforce"): English and coded text."""

    text: str
    i18n: str


def _said(key: str, **params: object) -> Said:
    return Said(ui(key, DEFAULT_LANG, **params), encode([piece(key, **params)]))


Value = Union[str, Said, None]


def text_of(value: Value) -> str | None:
    """The English form of a row value (what diffs and the flat ``settings`` compare)."""
    return value.text if isinstance(value, Said) else value


def _pf(name: str, outbound: bool = False) -> Callable[[ServerFacts, date], Value]:
    def get(f: ServerFacts, today: date) -> Value:
        if f.postfix is None or f.postfix.unread is not None:
            return None
        params = f.postfix.outbound if outbound else f.postfix.effective
        return params.get(name, "").strip() or _said("server_value_empty")

    return get


def _os(f: ServerFacts, today: date) -> str | None:
    if f.os_release is None or not f.os_release.ok:
        return None
    return parse_os_release(f.os_release.text).label


def _eol(f: ServerFacts, today: date) -> Value:
    if f.os_release is None or not f.os_release.ok:
        return None
    status = eol_status(parse_os_release(f.os_release.text), today)
    if status.eol is None:
        return Said(status.state.value, encode([piece(f"server_eol_{status.state.value}")]))
    state = [piece(f"server_eol_{status.state.value}")]
    return Said(ui("server_value_eol", date=status.eol.isoformat(), state=ui(f"server_eol_{status.state.value}")),
                encode([piece("server_value_eol", date=status.eol.isoformat(), state=state)]))


def _mta(f: ServerFacts, today: date) -> str | None:
    return f"{f.mta.name} {f.mta.version}" if f.mta else None


def _helo(f: ServerFacts, today: date) -> str | None:
    return effective_helo(f.postfix) if f.postfix and f.postfix.unread is None else None


def _rbls(f: ServerFacts, today: date) -> Value:
    if f.postfix is None or f.postfix.policy is None:
        return None
    return ", ".join(redact_zone(z) for z in f.postfix.policy.zones) or _said("server_value_none")


def _postscreen(f: ServerFacts, today: date) -> Value:
    if f.postfix is None or f.postfix.policy is None:
        return None
    p = f.postfix.policy
    if p.postscreen_enabled is False or not p.postscreen_sites:
        return _said("server_value_off") if p.postscreen_enabled is False else _said("server_value_on_no_sites")
    return _said("server_value_postscreen", threshold=p.postscreen_threshold, action=p.postscreen_action.value)


def _dkim(f: ServerFacts, today: date) -> Value:
    if not f.connected:
        return None
    keys = sorted(f"{s.name}: {k.key.selector}._domainkey.{k.key.domain}" for s in f.signers for k in s.keys)
    return ", ".join(keys) or _said("server_value_no_signer")


def _resolvers(f: ServerFacts, today: date) -> Value:
    if f.resolv is None or not f.resolv.ok:
        return None
    return ", ".join(resolv_conf_nameservers(f.resolv.text)) or _said("server_value_none")


ROWS: tuple[tuple[str, str, bool, Callable[[ServerFacts, date], Value]], ...] = (
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
"""(key, label, important, getter): ``important`` rows change what happens to mail.
A report shows the label in its language from ui key ``server_setting_<key>`` where the catalogues have
one (``label`` is the English); a bare Postfix parameter name is shown as it is."""


def comparison_rows(old: ServerFacts, new: ServerFacts, today: date) -> list[dict[str, Any]]:
    """One row per setting: old and new values, and whether they differ (unknown never differs).

    A value in our own words also has ``old_i18n`` / ``new_i18n`` (coded text).
    """
    rows = []
    for key, label, important, get in ROWS:
        said_before, said_after = get(old, today), get(new, today)
        before, after = text_of(said_before), text_of(said_after)
        changed = before is not None and after is not None and before != after
        row: dict[str, Any] = {
            "key": key,
            "setting": label,
            "old": before if before is not None else UNKNOWN,
            "new": after if after is not None else UNKNOWN,
            "changed": changed,
            "important": important,
        }
        for side, value in (("old", said_before), ("new", said_after)):
            if isinstance(value, Said):
                row[f"{side}_i18n"] = value.i18n
        rows.append(row)
    return rows


def _setting(key: str, label: str) -> Piece:
    """A setting's name as a piece: ui ``server_setting_<key>``, or the Postfix parameter name as is."""
    ui_key = f"server_setting_{key}"
    return piece(ui_key) if ui_key in catalogue(DEFAULT_LANG)["ui"] else text_piece(en=label)


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
                                 settings_i18n=encode([_setting(r["key"], r["setting"]) for r in changed]),
                                 old=before, new=after)
    return o.COMPARE_SAME(subject, old=before, new=after)
