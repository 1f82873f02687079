"""Build an :class:`~preflight.inventory.rbl.RblPolicy` from Postfix ``postconf`` output.

:func:`parse_rbl_config` reads the effective parameters (``postconf -n``/``postconf`` output,
optionally with master.cf services and ``-o``/``postconf -P`` overrides), expands ``$parameter``
references, walks every ``smtpd_*_restrictions`` list (including restriction classes and
``warn_if_reject``) and the ``postscreen_dnsbl_*`` parameters. Syntax errors that would make
Postfix refuse a service become ``problems`` instead of exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from preflight.inventory.codefilter import CodeFilter
from preflight.inventory.postfix import MasterConfig, expand, split_list
from preflight.inventory.rbl import (
    PostscreenAction,
    PostscreenSite,
    RblKind,
    RblPolicy,
    RblRule,
    Stage,
    norm_zone,
    redact_text,
    redact_zone,
)

MAX_RULES = 1_000
MAX_CLASS_DEPTH = 3
MAX_TOKENS = 20_000
MAX_CLASSES = 64
MAX_PROBLEMS = 200
_TERMINAL = frozenset({"permit", "reject", "defer"})
_ZONE = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?")
_WEIGHT = re.compile(r"\s*[+-]?\d{1,9}")
_INT = re.compile(r"[+-]?\d{1,9}")


class _Collector:
    def __init__(self, params: Mapping[str, str]) -> None:
        self.params = params
        classes = expand(params.get("smtpd_restriction_classes", ""), params)
        self.classes = {c.lower() for c in split_list(classes)}
        self.budget = MAX_TOKENS
        self.class_tokens: dict[str, list[str]] = {}
        self.rules: list[RblRule] = []
        self.problems: list[str] = []
        self.unknown_client = False
        self.unknown_reverse = False

    def add_rule(self, kind: RblKind, arg: str, stage: Stage, warn: bool) -> None:
        zone_text, sep, filter_text = arg.partition("=")
        zone = norm_zone(zone_text)
        if not _ZONE.fullmatch(zone):
            self.problems.append(f"{stage.parameter}: {kind.value}: bad domain {arg[:100]!r}")
            return
        filter_: CodeFilter | None = None
        if sep:
            try:
                filter_ = CodeFilter.parse(filter_text)
            except ValueError as exc:
                self.problems.append(
                    f"{stage.parameter}: {kind.value} {redact_zone(zone)}: bad address pattern "
                    f"{filter_text[:100]!r} ({exc}); Postfix answers such clients with a "
                    "server configuration error"
                )
                return
        if len(self.rules) < MAX_RULES:
            self.rules.append(RblRule(zone, filter_, kind, stage, warn, arg[:512]))

    def walk(self, tokens: list[str], stage: Stage, depth: int = 0) -> bool:
        """Collect rules from ``tokens``; True when an unconditional permit/reject/defer ends it."""
        kinds = {k.value: k for k in RblKind}
        warn = False
        i = 0
        while i < len(tokens):
            self.budget -= 1
            if self.budget < 0:
                if self.budget == -1:
                    self.problems.append("restriction lists too long; the rest was not read")
                return True
            name = tokens[i].lower()
            step = 1
            if name in _TERMINAL:
                dead = [t for t in tokens[i + 1 :] if t.lower() in kinds]
                if dead:
                    self.problems.append(
                        f"{stage.parameter}: {', '.join(sorted(set(dead)))} after '{name}' "
                        "is never evaluated"
                    )
                return True
            if name == "warn_if_reject":
                warn = True
                i += 1
                continue
            if name in kinds:
                if i + 1 >= len(tokens):
                    self.problems.append(f"{stage.parameter}: {name} without a domain")
                    break
                self.add_rule(kinds[name], tokens[i + 1], stage, warn)
                step = 2
            elif name == "reject_maps_rbl":
                self.problems.append(
                    f"{stage.parameter}: reject_maps_rbl is obsolete (use reject_rbl_client)"
                )
                domains = expand(self.params.get("maps_rbl_domains", ""), self.params)
                for domain in split_list(domains):
                    self.add_rule(RblKind.REJECT_RBL_CLIENT, domain, stage, warn)
            elif name in ("reject_unknown_client_hostname", "reject_unknown_client"):
                self.unknown_client = self.unknown_client or not warn
            elif name == "reject_unknown_reverse_client_hostname":
                self.unknown_reverse = self.unknown_reverse or not warn
            elif name in self.classes and depth < MAX_CLASS_DEPTH:
                if name not in self.class_tokens and len(self.class_tokens) < MAX_CLASSES:
                    value = expand(self.params.get(tokens[i], ""), self.params)
                    self.class_tokens[name] = split_list(value)
                if self.walk(self.class_tokens.get(name, []), stage, depth + 1):
                    return True
            elif (
                name.startswith("check_") and name != "check_relay_domains" and i + 1 < len(tokens)
            ):
                step = 2  # check_*_access type:table, check_policy_service endpoint
            warn = False
            i += step
        return False


def effective_params(
    main: Mapping[str, str], master: MasterConfig | None
) -> tuple[dict[str, str], bool | None, list[str]]:
    """Merge main.cf with the overrides of the services that handle port 25."""
    params = dict(main)
    if master is None:
        return params, None, []
    port25 = [s for s in master.services if s.listens_on_smtp_port]
    if not port25:
        return params, False, ["master.cf has no inet service on port 25 (smtp)"]
    screen = next((s for s in port25 if s.command == "postscreen"), None)
    if screen is None:
        params.update(master.overrides_for(port25[0].key))
        return params, False, []
    problems: list[str] = []
    params.update(master.overrides_for(screen.key))
    smtpd = next((s for s in master.services if s.type == "pass" and s.command == "smtpd"), None)
    if smtpd is None:
        problems.append("postscreen listens on port 25 but master.cf has no smtpd 'pass' service")
    else:
        params.update(master.overrides_for(smtpd.key))
    return params, True, problems


def _int_param(params: Mapping[str, str], name: str, problems: list[str]) -> int | None:
    if name not in params:
        return None
    value = expand(params[name], params).strip()
    if _INT.fullmatch(value):
        return int(value)
    problems.append(f"{name}: not an integer: {value[:100]!r}")
    return None


def _postscreen_sites(params: Mapping[str, str], problems: list[str]) -> list[PostscreenSite]:
    sites: list[PostscreenSite] = []
    value = expand(params.get("postscreen_dnsbl_sites", ""), params)
    for item in split_list(value, MAX_RULES):
        text, star, weight_text = item.partition("*")
        weight = 1
        if star:
            if not _WEIGHT.fullmatch(weight_text):
                problems.append(
                    f"postscreen_dnsbl_sites: bad DNSBL weight factor in {item[:100]!r}"
                )
                continue
            weight = int(weight_text)
        zone_text, eq, filter_text = text.partition("=")
        zone = norm_zone(zone_text)
        if not _ZONE.fullmatch(zone):
            problems.append(f"postscreen_dnsbl_sites: bad DNSBL domain name in {item[:100]!r}")
            continue
        filter_: CodeFilter | None = None
        if eq:
            try:
                filter_ = CodeFilter.parse(filter_text)
            except ValueError as exc:
                problems.append(
                    f"postscreen_dnsbl_sites: bad DNSBL filter syntax in "
                    f"{redact_zone(zone)}={filter_text[:100]!r} ({exc}); "
                    "postscreen refuses to start"
                )
                continue
        sites.append(PostscreenSite(zone, filter_, weight, item[:512]))
    return sites


def parse_rbl_config(main: Mapping[str, str], master: MasterConfig | None = None) -> RblPolicy:
    """Extract the DNS-list policy from ``postconf`` parameters and (optionally) master.cf.

    ``main`` is the output of :func:`~preflight.inventory.postfix.parse_postconf`; ``master``
    the output of :func:`~preflight.inventory.postfix.parse_master_cf` (``postconf -M`` and
    ``-P``). The ``-o`` overrides of the port-25 service (and, behind postscreen, of the smtpd
    ``pass`` service) take precedence over main.cf. ``$parameter`` references are expanded.
    Parameters absent from ``postconf -n`` output take their Postfix defaults
    (threshold 1, allowlist threshold 0, action ignore).
    """
    params, enabled, problems = effective_params(main, master)
    collector = _Collector(params)
    for stage in Stage:
        value = expand(params.get(stage.parameter, ""), params)
        collector.walk(split_list(value), stage)
    problems.extend(collector.problems)

    sites = _postscreen_sites(params, problems)
    threshold = _int_param(params, "postscreen_dnsbl_threshold", problems)
    allow = _int_param(params, "postscreen_dnsbl_allowlist_threshold", problems)
    if allow is None:
        allow = _int_param(params, "postscreen_dnsbl_whitelist_threshold", problems)
    action_text = expand(params.get("postscreen_dnsbl_action", "ignore"), params).strip().lower()
    try:
        action = PostscreenAction(action_text or "ignore")
    except ValueError:
        problems.append(f"postscreen_dnsbl_action: unknown action {action_text[:50]!r}")
        action = PostscreenAction.IGNORE
    return RblPolicy(
        rules=tuple(collector.rules),
        postscreen_sites=tuple(sites),
        postscreen_threshold=1 if threshold is None else threshold,
        postscreen_allowlist_threshold=0 if allow is None else allow,
        postscreen_action=action,
        postscreen_enabled=enabled,
        reject_unknown_client_hostname=collector.unknown_client,
        reject_unknown_reverse_client_hostname=collector.unknown_reverse,
        problems=tuple(redact_text(p) for p in problems[:MAX_PROBLEMS]),
    )
