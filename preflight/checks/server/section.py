"""The ``inventory`` report section: what each server will really do, in a documented JSON shape.

Shape (``schema`` 1)::

    inventory = {
      "schema": 1,
      "settings": {...SshSettings.to_dict(), no password...},
      "servers": {"new": SERVER, "old": SERVER},            # "old" only with --old-ssh
      "comparison": {"old": "user@host:22", "new": "...", "rows": [
          {"key": "helo", "setting": "HELO name (smtp_helo_name)", "old": "...", "new": "...",
           "changed": true, "important": true}, ...]},       # only with --old-ssh
      "allowlist": [{"name": "...", "command": "...", "purpose": "..."}]
    }
    SERVER = {"role", "target", "connected", "error": {"kind", "detail"} | null, "host_key",
              "os": {"name", "id", "version_id", "eol", "eol_state", "days_left"} | null,
              "mta": {"name", "version"} | null,
              "postfix": {"effective": {param: value}, "outbound_overrides": {param: value}} | null,
              "rbl_policy": RBL_POLICY | null, "resolvers": [ip] | null,
              "addresses": [ip] | null, "outgoing_source": {"ipv4": ip | null, "ipv6": ip | null},
              "dkim": [{"signer", "config", "keys": [{"domain", "selector", "key_path", "state",
                                                      "public_key_sha256"}]}],
              "tls": {"certificates": [{"parameter", "path", "state"}], "key_files": [...]},
              "port25": [{"target", "state", "greeting", "reason"}],
              "settings": {row key: value | null},   # the comparison's values, flat (for diffs)
              "settings_i18n": {row key: coded text},  # those values that are our own words
              "skipped": [{"path", "reason", "reason_i18n"}], "commands": [{"name", "command", "exit_status",
                                                            "duration_ms", "timed_out", "truncated"}]}

``RBL_POLICY`` (:func:`rbl_policy_to_dict`; read back with :func:`rbl_policy_from_dict`) is the
:class:`~preflight.inventory.RblPolicy` the partner-impact prediction reuses. Access keys embedded
in zone names (Spamhaus DQS, Abusix) are replaced by ``<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from preflight.checks.server.collect import OUTBOUND_PARAMETERS, OUTBOUND_SERVICE
from preflight.checks.server.compare import ROWS, Said, text_of
from preflight.checks.server.evaluate_dkim import spki_fingerprint
from preflight.checks.server.facts import ServerFacts
from preflight.checks.server.settings import SshSettings
from preflight.i18n.messages import encode, piece
from preflight.inventory.parse import (
    CodeFilter,
    PostscreenAction,
    PostscreenSite,
    RblKind,
    RblPolicy,
    RblRule,
    Stage,
    eol_status,
    parse_os_release,
    redact_zone,
    resolv_conf_nameservers,
)
from preflight.net.ssh import Access, allowlist_table
from preflight.textsafe import clean

SCHEMA = 1


def _filter_text(zone_and_filter: str) -> str | None:
    _, eq, rest = zone_and_filter.partition("=")
    return rest if eq else None


def rbl_policy_to_dict(policy: RblPolicy) -> dict[str, Any]:
    """The documented JSON form of an RBL policy (keys in zone names redacted)."""
    return {
        "rules": [{
            "zone": redact_zone(r.zone),
            "kind": r.kind.value,
            "stage": r.stage.value,
            "parameter": r.stage.parameter,
            "filter": _filter_text(r.raw),
            "warn_only": r.warn_only,
            "queries_client_ip": r.kind.queries_client_ip,
        } for r in policy.rules],
        "postscreen": {
            "enabled": policy.postscreen_enabled,
            "sites": [{"zone": redact_zone(s.zone), "filter": _filter_text(s.raw.partition("*")[0]),
                       "weight": s.weight} for s in policy.postscreen_sites],
            "threshold": policy.postscreen_threshold,
            "allowlist_threshold": policy.postscreen_allowlist_threshold,
            "action": policy.postscreen_action.value,
        },
        "reject_unknown_client_hostname": policy.reject_unknown_client_hostname,
        "reject_unknown_reverse_client_hostname": policy.reject_unknown_reverse_client_hostname,
        "problems": [clean(p, 300) for p in policy.problems],
    }


def rbl_policy_from_dict(data: Mapping[str, Any]) -> RblPolicy:
    """Rebuild an :class:`RblPolicy` from :func:`rbl_policy_to_dict` output (ValueError if malformed)."""
    def flt(text: Any) -> CodeFilter | None:
        return CodeFilter.parse(str(text)) if text else None

    rules = tuple(
        RblRule(str(r["zone"]), flt(r.get("filter")), RblKind(r["kind"]), Stage(r["stage"]),
                bool(r.get("warn_only")), str(r["zone"]) + (f"={r['filter']}" if r.get("filter") else ""))
        for r in data.get("rules", [])
    )
    screen = data.get("postscreen", {})
    sites = tuple(
        PostscreenSite(str(s["zone"]), flt(s.get("filter")), int(s.get("weight", 1)), str(s["zone"]))
        for s in screen.get("sites", [])
    )
    return RblPolicy(
        rules=rules,
        postscreen_sites=sites,
        postscreen_threshold=int(screen.get("threshold", 1)),
        postscreen_allowlist_threshold=int(screen.get("allowlist_threshold", 0)),
        postscreen_action=PostscreenAction(screen.get("action", "ignore")),
        postscreen_enabled=screen.get("enabled"),
        reject_unknown_client_hostname=bool(data.get("reject_unknown_client_hostname")),
        reject_unknown_reverse_client_hostname=bool(data.get("reject_unknown_reverse_client_hostname")),
        problems=tuple(str(p) for p in data.get("problems", [])),
    )


def _os(f: ServerFacts, today: date) -> dict[str, Any] | None:
    if f.os_release is None or not f.os_release.ok:
        return None
    release = parse_os_release(f.os_release.text)
    status = eol_status(release, today)
    return {
        "name": clean(release.label, 200), "id": release.id, "version_id": release.version_id,
        "eol": status.eol.isoformat() if status.eol else None, "eol_state": status.state.value,
        "days_left": status.days_left,
    }


def _state(access: Access | None) -> str:
    return "not_derived" if access is None else access.value


def _said_settings(f: ServerFacts, today: date) -> dict[str, str]:
    """The comparison values that are our own words, as coded text by row key."""
    out = {}
    for key, _, _, get in ROWS:
        value = get(f, today)
        if isinstance(value, Said):
            out[key] = value.i18n
    return out


def server_to_dict(f: ServerFacts, today: date) -> dict[str, Any]:
    """One server's inventory in the documented shape."""
    pf = f.postfix
    overrides: dict[str, str] = {}
    if pf is not None and pf.master is not None:
        overrides = {k: clean(v, 500) for k, v in pf.master.overrides_for(OUTBOUND_SERVICE).items()
                     if k in OUTBOUND_PARAMETERS}
    # ``reason_i18n``: the reason as coded text, shown in the report's language
    skipped = [{"path": clean(r.path, 500), "reason": r.skip_reason, "reason_i18n": r.skip_reason_i18n}
               for r in (f.os_release, f.resolv, *f.signer_reads)
               if r is not None and r.access is Access.DENIED]
    for signer in f.signers:
        skipped += [{"path": clean(r.path, 500), "reason": r.skip_reason, "reason_i18n": r.skip_reason_i18n}
                    for r in signer.unread if r.access is Access.DENIED]
        skipped += [{"path": clean(p.key.key_path or "", 500), "reason": "permission denied",
                     "reason_i18n": encode([piece("server_key_denied")])}
                    for p in signer.keys
                    if p.access is Access.DENIED]
    return {
        "role": f.role,
        "target": str(f.target),
        "connected": f.connected,
        "error": {"kind": f.error.kind, "detail": clean(f.error.detail, 500)} if f.error else None,
        "host_key": str(f.host_key) if f.host_key else None,
        "os": _os(f, today),
        "mta": {"name": f.mta.name, "version": clean(f.mta.version, 200)} if f.mta else None,
        "postfix": None if pf is None or pf.unread is not None else {
            "effective": {k: clean(v, 1000) for k, v in sorted(pf.effective.items())},
            "outbound_overrides": overrides,
        },
        "rbl_policy": rbl_policy_to_dict(pf.policy) if pf is not None and pf.policy is not None else None,
        "resolvers": resolv_conf_nameservers(f.resolv.text) if f.resolv and f.resolv.ok else None,
        "addresses": list(f.addresses) if f.addresses is not None else None,
        "outgoing_source": {"ipv4": f.routes.get(4), "ipv6": f.routes.get(6)},
        "dkim": [{
            "signer": s.name, "config": clean(s.config_path, 500),
            "keys": [{"domain": clean(p.key.domain, 300), "selector": clean(p.key.selector, 300),
                      "key_path": None if p.key.key_path is None else clean(p.key.key_path, 500),
                      "state": _state(p.access),
                      "public_key_sha256": spki_fingerprint(p.public_der) if p.public_der else None}
                     for p in s.keys],
        } for s in f.signers],
        "tls": {
            "certificates": [{"parameter": c.parameter, "path": clean(c.path, 500), "state": c.access.value}
                             for c in f.certs],
            "key_files": [{"parameter": k.parameter, "path": clean(k.path, 500), "state": k.access.value}
                          for k in f.key_files],
        },
        "port25": [{"target": str(p.target), "state": p.state, "greeting": clean(p.greeting, 300),
                    "reason": clean(p.reason, 300)} for p in f.port25],
        "skipped": skipped,
        "settings": {key: (None if (value := text_of(get(f, today))) is None else clean(value, 1000))
                     for key, _, _, get in ROWS},
        # values in our own words ("(empty)", "threshold 3, action enforce") as coded text, by row key
        "settings_i18n": _said_settings(f, today),
        "commands": [c.to_dict() for c in f.commands],
    }


def inventory_section(settings: SshSettings, new: ServerFacts, old: ServerFacts | None,
                      rows: list[dict[str, Any]] | None, today: date) -> dict[str, Any]:
    """The whole ``inventory`` section."""
    servers = {"new": server_to_dict(new, today)}
    data: dict[str, Any] = {"schema": SCHEMA, "settings": settings.to_dict(), "servers": servers}
    if old is not None:
        servers["old"] = server_to_dict(old, today)
        data["comparison"] = {"old": str(old.target), "new": str(new.target),
                              "rows": [{k: clean(v, 1000) if isinstance(v, str) else v for k, v in r.items()}
                                       for r in rows or []]}
    data["allowlist"] = [dict(row) for row in allowlist_table()]
    return data
