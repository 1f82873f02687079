"""Postfix's answer to one client, simulated (pure): postscreen, then smtpd's restriction lists.

Given the effective parameters (:func:`preflight.inventory.smtpdconfig.smtpd_params`) and a
:class:`World` — the client (address, verified and reverse host names, HELO, sender domain), the
DNS-list answers and the access tables — :func:`simulate` returns the first non-2xx reply the
partner would get, or 250. Semantics follow Postfix 3.x ``smtpd_check.c`` and ``postscreen``:

* the lists run in Postfix's order (client, helo, sender, then relay and recipient at RCPT TO,
  data, end_of_data); within a list the first ``permit``/``reject`` ends that list only;
* ``warn_if_reject`` turns the next restriction's rejection (a whole restriction class) into a
  log line; ``defer_if_permit``/``defer_if_reject`` apply at the end of / within one check;
* a DNS-list lookup that fails lets the client through (``reject_rbl_client`` and
  ``reject_rhsbl_*``); a failed ``permit_dnswl_client``/``permit_rhswl_client`` lookup turns a
  later rejection into 450 (``defer_if_reject``);
  a reverse-DNS lookup that fails makes ``reject_unknown_*_hostname`` answer 450;
* reply codes come from ``maps_rbl_reject_code`` (or the list's ``rbl_reply_maps`` template), ``unknown_client_reject_code``,
  ``access_map_reject_code``/``access_map_defer_code``, ``reject_code``/``defer_code``;
  ``soft_bounce = yes`` turns 5xx into 4xx; an unknown restriction name is Postfix's
  ``451 4.3.5 Server configuration error``.

What a partner sends is assumed well-formed: restrictions on the HELO syntax, the sender and the
recipient (``reject_non_fqdn_*``, ``reject_unknown_sender_domain``, ``reject_unlisted_recipient``,
``reject_unauth_destination`` for mail to our own domains, …) do not match; ``check_policy_service``
is assumed to answer DUNNO. Each such assumption that a client's path meets is kept in ``notes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from preflight.inventory.access import SERVER_TYPES, Table, address_keys, domain_keys, in_networks, lookup_client, \
    parse_networks
from preflight.inventory.codefilter import CodeFilter
from preflight.inventory.postfix import expand, split_list
from preflight.inventory.rbl import Stage, norm_zone, redact_zone
from preflight.inventory.smtpdconfig import reply_code, restriction_list, yes

Lookup = tuple[str, ...] | None
"""A DNS-list answer: its A records (empty: not listed), or None when the lookup failed."""
MAX_DEPTH = 8
MAX_STEPS = 5_000

WITH_ARGUMENT = frozenset({
    "reject_rbl_client", "reject_rhsbl_client", "reject_rhsbl_reverse_client", "reject_rhsbl_helo",
    "reject_rhsbl_sender", "reject_rhsbl_recipient", "permit_dnswl_client", "permit_rhswl_client",
    "check_policy_service", "sleep", "check_ccert_access", "check_sasl_access", "check_etrn_access",
    *(f"check_{w}_{k}access" for w in ("client", "reverse_client_hostname", "helo", "sender", "recipient")
      for k in ("", "a_", "mx_", "ns_")),
})
ASSUMED = frozenset({
    "reject_unauth_destination", "defer_unauth_destination", "reject_unauth_pipelining",
    "reject_invalid_helo_hostname", "reject_invalid_hostname", "reject_non_fqdn_helo_hostname",
    "reject_non_fqdn_hostname", "reject_unknown_helo_hostname", "reject_unknown_hostname",
    "reject_non_fqdn_sender", "reject_non_fqdn_recipient", "reject_unknown_sender_domain",
    "reject_unknown_recipient_domain", "reject_unlisted_sender", "reject_unlisted_recipient",
    "reject_unverified_sender", "reject_unverified_recipient", "reject_multi_recipient_bounce",
    "reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch",
    "reject_known_sender_login_mismatch", "reject_unauthenticated_sender_login_mismatch",
    "permit_sasl_authenticated", "permit_tls_clientcerts", "permit_tls_all_clientcerts",
    "permit_inet_interfaces", "permit_mx_backup", "permit_naked_ip_address", "reject_plaintext_session",
    "reject_unknown_forward_client_hostname", "reject_rhsbl_recipient", "check_relay_domains",
    "reject_maps_rbl",
})
"""Restrictions assumed not to match a well-behaved partner writing to one of our domains."""
_QUIET = frozenset({"reject_unauth_destination", "defer_unauth_destination", "reject_unlisted_recipient",
                    "permit_sasl_authenticated", "reject_unauth_pipelining", "reject_non_fqdn_recipient",
                    "reject_unknown_recipient_domain", "permit_tls_clientcerts", "permit_mx_backup"})
RECIPIENT_TOKENS = frozenset({"permit_auth_destination", "reject_unauth_destination", "defer_unauth_destination"})
_IGNORED_ACTIONS = frozenset({"warn", "info", "hold", "discard", "filter", "redirect", "prepend", "bcc"})


@dataclass(frozen=True)
class Client:
    """What smtpd knows of the partner: address, names (``None``: ``unknown``), HELO, sender domain."""

    ip: str
    name: str | None = None
    """The verified host name (PTR whose name resolves back to ``ip``)."""
    name_status: str = "unknown"
    """``ok``, ``unknown`` (no PTR or no forward match) or ``temp`` (a lookup failed)."""
    reverse_name: str | None = None
    reverse_status: str = "unknown"
    name_addresses: tuple[str, ...] = ()
    helo: str | None = None
    sender_domain: str | None = None


@dataclass(frozen=True)
class World:
    """Everything the simulation consults for one client."""

    client: Client
    dnsxl: Mapping[tuple[str, str], Lookup] = field(default_factory=dict)
    """``(zone, subject)`` → answer; the subject is the IP address or a domain name."""
    tables: Mapping[str, Table] = field(default_factory=dict)
    """``type:name`` → contents; a table missing here was not read (looked up as empty, noted)."""


@dataclass(frozen=True)
class Reply:
    """Postfix's answer: 250, or the first refusal and what produced it."""

    code: str = "250"
    stage: str = ""
    """The parameter whose list decided (``smtpd_recipient_restrictions``, ``postscreen``…)."""
    index: int = -1
    """Position, in that parameter's list, of the restriction that decided."""
    by: str = ""
    zone: str = ""
    """The DNS list that decided, when one did."""
    kind: str = ""
    """The restriction that decided (``reject_rbl_client``, ``check_client_access``, …)."""
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    permits: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        """True for a 2xx answer."""
        return self.code.startswith("2")

    @property
    def deferred(self) -> bool:
        """True for a 4xx answer (the partner's server retries)."""
        return self.code.startswith("4")


@dataclass
class _Result:
    action: str  # ok / reject
    code: str = ""
    by: str = ""
    zone: str = ""
    kind: str = ""
    index: int = -1


class _Smtpd:
    def __init__(self, params: Mapping[str, str], world: World) -> None:
        self.params, self.world, self.client = params, world, world.client
        self.classes = {c.lower() for c in split_list(expand(params.get("smtpd_restriction_classes", ""), params))}
        nets, self.net_tables = parse_networks(split_list(expand(params.get("mynetworks", ""), params)))
        self.nets = nets
        self.parent = "smtpd_access_maps" in expand(params.get("parent_domain_matches_subdomains", ""), params)
        self.delay = yes(params, "smtpd_delay_reject", True)
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.permits: list[str] = []
        self.defer_if_permit = ""
        self.defer_if_reject = False
        self.steps = 0
        self.stage = Stage.CLIENT

    def code(self, name: str, default: str) -> str:
        return reply_code(self.params, name, default)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- one list ---------------------------------------------------------------------------
    def run(self, tokens: Sequence[str], depth: int, warned: bool) -> _Result | None:
        i = 0
        warn = False
        while i < len(tokens):
            self.steps += 1
            if self.steps > MAX_STEPS:
                return None
            name = tokens[i].lower()
            if name == "warn_if_reject":
                warn = True
                i += 1
                continue
            arg = tokens[i + 1] if name in WITH_ARGUMENT and i + 1 < len(tokens) else None
            if name in WITH_ARGUMENT and arg is None:
                return _Result("reject", "451", f"{name} without its argument: server configuration error",
                               kind=name, index=i)
            res = self.one(name, arg, depth, warned or warn)
            if res is not None:
                if res.action == "reject" and (warned or warn):
                    self.warnings.append(f"warn_if_reject {res.by}")
                else:
                    res.index = i
                    return res
            warn = False
            i += 2 if arg is not None else 1
        return None

    def table(self, spec: str) -> Table:
        found = self.world.tables.get(spec) or self.world.tables.get(spec.lower())
        if found is None:
            self.note(f"{spec} not read: looked up as if empty")
            return Table(spec, spec.partition(":")[0].lower())
        return found

    def action(self, value: str, spec: str, depth: int, warned: bool) -> _Result | None | bool:
        """An access-table answer; False for DUNNO (stop looking in this table)."""
        word, _, _ = value.strip().partition(" ")
        low = word.lower()
        shown = f"{spec} → {value.strip()[:80]}"
        if low == "ok" or (word.isdigit() and not (len(word) == 3 and word[0] in "45")):
            self.permits.append(shown)
            return _Result("ok", by=shown)
        if len(word) == 3 and word.isdigit():
            return _Result("reject", word, shown, kind="check_access")
        if low == "reject":
            return _Result("reject", self.code("access_map_reject_code", "554"), shown, kind="check_access")
        if low == "defer":
            return _Result("reject", self.code("access_map_defer_code", "450"), shown, kind="check_access")
        if low == "dunno":
            return False
        if low in ("defer_if_permit", "defer_if_reject"):
            return self.one(low, None, depth, warned)
        if low in _IGNORED_ACTIONS:
            return None
        if depth >= MAX_DEPTH:
            return None
        return self.run(split_list(value), depth + 1, warned)

    def access(self, spec: str, keys: Sequence[str], depth: int, warned: bool) -> _Result | None:
        table = self.table(spec)
        for key in keys:
            found = table.find(key)
            if found is None:
                continue
            res = self.action(found, spec, depth, warned)
            return None if res is False else res  # type: ignore[return-value]
        return None

    def dnsxl(self, zone_arg: str, subject: str | None) -> tuple[str, Lookup]:
        zone_text, eq, filter_text = zone_arg.partition("=")
        zone = norm_zone(zone_text)
        if subject is None:
            return zone, ()
        got = self.world.dnsxl.get((zone, subject.lower()), ())
        if got is None or not got or not eq:
            return zone, got
        try:
            flt = CodeFilter.parse(filter_text)
        except ValueError:
            return zone, ()
        return zone, tuple(c for c in got if flt.matches_any([c]))

    def rbl_code(self, arg: str) -> str:
        """The code of a DNS-list rejection: ``rbl_reply_maps``'s template for the list as written
        (``zone`` or ``zone=filter``, Postfix's key), else ``default_rbl_reply`` (``$rbl_code``:
        ``maps_rbl_reject_code``)."""
        default = self.code("maps_rbl_reject_code", "554")
        template = self.params.get("default_rbl_reply", "")
        for spec in split_list(expand(self.params.get("rbl_reply_maps", ""), self.params)):
            table = self.table(spec)
            found = table.find(arg.lower())
            if found is not None:
                template = found
                break
            if table.kind in SERVER_TYPES:
                self.note(f"rbl_reply_maps {spec} not asked for {redact_zone(arg)}: the default reply assumed")
        first = template.strip().split(None, 1)[0] if template.strip() else "$rbl_code"
        if first in ("$rbl_code", "${rbl_code}", "$(rbl_code)"):
            return default
        return first if len(first) == 3 and first.isdigit() and first[0] in "45" else default

    # -- one restriction ----------------------------------------------------------------------
    def one(self, name: str, arg: str | None, depth: int, warned: bool) -> _Result | None:
        c = self.client
        knows_rcpt = self.delay or self.stage in (Stage.RELAY, Stage.RECIPIENT, Stage.DATA, Stage.END_OF_DATA)
        if name == "permit":
            self.permits.append("permit")
            return _Result("ok", by="permit")
        if name == "reject":
            return _Result("reject", self.code("reject_code", "554"), "reject", kind=name)
        if name == "defer":
            return _Result("reject", self.code("defer_code", "450"), "defer", kind=name)
        if name == "defer_if_permit":
            self.defer_if_permit = self.defer_if_permit or "defer_if_permit"
            return None
        if name == "defer_if_reject":
            self.defer_if_reject = True
            return None
        if name == "permit_mynetworks":
            if in_networks(c.ip, self.nets):
                self.permits.append("permit_mynetworks")
                return _Result("ok", by="permit_mynetworks")
            if self.net_tables:
                self.note(f"mynetworks tables not read: {', '.join(self.net_tables)[:100]}")
            return None
        if name == "permit_auth_destination":
            if knows_rcpt:
                self.permits.append("permit_auth_destination")
                return _Result("ok", by="permit_auth_destination")
            return None
        if name in ("reject_rbl_client", "reject_rhsbl_client", "reject_rhsbl_reverse_client",
                    "reject_rhsbl_helo", "reject_rhsbl_sender"):
            subject = {"reject_rbl_client": c.ip, "reject_rhsbl_client": c.name,
                       "reject_rhsbl_reverse_client": c.reverse_name, "reject_rhsbl_helo": c.helo,
                       "reject_rhsbl_sender": c.sender_domain}[name]
            assert arg is not None
            zone, got = self.dnsxl(arg, subject)
            shown = f"{name} {redact_zone(arg)}"
            if got is None:
                self.note(f"{shown}: the lookup failed, Postfix lets the client through")
                return None
            if got:
                return _Result("reject", self.rbl_code(arg), f"{shown} → {', '.join(got)}", zone, name)
            return None
        if name in ("permit_dnswl_client", "permit_rhswl_client"):
            assert arg is not None
            zone, got = self.dnsxl(arg, c.ip if name == "permit_dnswl_client" else c.name)
            shown = f"{name} {redact_zone(arg)}"
            if got is None:  # Postfix: defer_if_reject (a later rejection becomes 450)
                self.note(f"{shown}: the lookup failed, a later rejection is deferred (450)")
                self.defer_if_reject = True
                return None
            if got:
                self.permits.append(f"{shown} → {', '.join(got)}")
                return _Result("ok", by=shown, zone=zone)
            return None
        if name in ("reject_unknown_client_hostname", "reject_unknown_client",
                    "reject_unknown_reverse_client_hostname"):
            reverse = name == "reject_unknown_reverse_client_hostname"
            status = c.reverse_status if reverse else c.name_status
            if status == "ok":
                return None
            code = "450" if status == "temp" else self.code("unknown_client_reject_code", "450")
            why = "the reverse DNS lookup failed" if status == "temp" else (
                "no PTR record" if reverse or c.reverse_name is None else
                f"PTR {c.reverse_name} does not resolve back to {c.ip}")
            return _Result("reject", code, f"{name}: {why}", kind=name)
        if name in ("check_client_access", "check_reverse_client_hostname_access"):
            assert arg is not None
            table = self.table(arg)
            who = c.name if name == "check_client_access" else c.reverse_name
            found = lookup_client(table, c.ip, who, self.parent)
            if found is None:
                return None
            res = self.action(found, arg, depth, warned)
            if isinstance(res, _Result):
                res.kind = res.kind or name
            return None if res is False else res  # type: ignore[return-value]
        if name == "check_client_a_access":
            assert arg is not None
            keys = [k for a in c.name_addresses for k in address_keys(a)] if c.name else []
            return self.access(arg, keys, depth, warned)
        if name in ("check_helo_access", "check_sender_access"):
            assert arg is not None
            who = c.helo if name == "check_helo_access" else c.sender_domain
            if who is None:
                self.note(f"{name} {arg}: the partner's {'HELO name' if 'helo' in name else 'sender'} "
                          "is not known; assumed to find nothing")
                return None
            return self.access(arg, domain_keys(who, self.parent), depth, warned)
        if name in self.classes:
            tokens = restriction_list(self.params, name) if depth < MAX_DEPTH else []
            res = self.run(tokens, depth + 1, warned)
            if res is not None:
                res.by = f"{name}: {res.by}"
            return res
        if name in WITH_ARGUMENT:
            self.note(f"{name} {arg}: not modelled, assumed to answer DUNNO")
            return None
        if name in ASSUMED:
            if name not in _QUIET and (knows_rcpt or name not in RECIPIENT_TOKENS):
                self.note(f"{name}: assumed not to match a well-behaved partner")
            return None
        return _Result("reject", "451", f"unknown restriction {name[:60]!r}: server configuration error",
                       kind="unknown")

    # -- one check ----------------------------------------------------------------------------
    def check(self, stages: Sequence[Stage]) -> Reply | None:
        self.defer_if_permit, self.defer_if_reject = "", False
        for stage in stages:
            self.stage = stage
            res = self.run(restriction_list(self.params, stage.parameter), 0, False)
            if res is not None and res.action == "reject":
                code = res.code
                if self.defer_if_reject and code.startswith("5"):
                    code = "450"
                if yes(self.params, "soft_bounce", False) and code.startswith("5"):
                    code = "4" + code[1:]
                return self.reply(code, stage.parameter, res)
        if self.defer_if_permit:
            return self.reply("450", stages[-1].parameter, _Result("reject", "450", self.defer_if_permit,
                                                                    kind="defer_if_permit"))
        return None

    def reply(self, code: str, stage: str, res: _Result) -> Reply:
        return Reply(code, stage, res.index, res.by, res.zone, res.kind, tuple(self.notes),
                     tuple(self.warnings), tuple(self.permits))


def simulate_smtpd(params: Mapping[str, str], world: World) -> Reply:
    """smtpd's first refusal of the client at CONNECT/HELO/MAIL/RCPT/DATA/end of data, or 250."""
    sim = _Smtpd(params, world)
    for name in sorted(sim.classes):
        if not restriction_list(params, name):
            # smtpd_check_init(): "restriction class `x' needs a definition" is fatal at start.
            return Reply("421", "smtpd_restriction_classes", -1, f"restriction class {name} is empty: smtpd "
                         "stops at start (fatal), the client is cut off", kind="class")
    checks: list[list[Stage]] = [[Stage.CLIENT], [Stage.HELO], [Stage.SENDER], [Stage.RELAY, Stage.RECIPIENT],
                                 [Stage.DATA], [Stage.END_OF_DATA]]
    for stages in checks:
        found = sim.check(stages)
        if found is not None:
            return found
    return Reply(notes=tuple(sim.notes), warnings=tuple(sim.warnings), permits=tuple(sim.permits))


def mynetworks(params: Mapping[str, str]) -> list[str]:
    """The ``mynetworks`` items in effect (``mynetworks_style = host``: loopback only)."""
    value = expand(params.get("mynetworks", ""), params)
    if "mynetworks" in params and value.strip():
        return split_list(value)
    return ["127.0.0.0/8", "[::1]/128"]


def with_networks(params: Mapping[str, str]) -> dict[str, str]:
    """``params`` with ``mynetworks`` set (from ``mynetworks_style`` when absent)."""
    out = dict(params)
    out["mynetworks"] = ", ".join(mynetworks(params))
    return out
