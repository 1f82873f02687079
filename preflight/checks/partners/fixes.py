"""The fix for a partner the new server would refuse, proven by simulating it (pure).

:func:`fix_for` repeats: simulate the partner (postscreen, then smtpd); if refused, change the one
thing that refused it; until the simulation accepts (or nothing more can be done). Each change is
valid Postfix, written out in full so it can be applied as written:

* a dead or wildcarded list that refuses the partner: **remove it** from the restriction list or
  from ``postscreen_dnsbl_sites`` (it refuses everyone, or no one);
* a list that answered with a refusal code (the list refuses the resolver): a reply filter so the
  refusal code no longer counts as a listing (and: query it through a resolver it serves);
* postscreen: the partner's address as ``permit`` in a cidr table put first in
  ``postscreen_access_list``;
* an smtpd restriction: ``check_client_access cidr:…`` inserted right before it, the table
  answering ``OK`` in client/helo/sender/data lists and ``permit_auth_destination`` in the
  relay/recipient lists (mail to our domains passes; it never opens relaying).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from preflight.checks.partners.screen import simulate
from preflight.checks.partners.smtpd import WITH_ARGUMENT, Reply, World
from preflight.inventory.access import Table, parse_table
from preflight.inventory.parse import RblPolicy, parse_rbl_config
from preflight.inventory.postfix import expand, split_list
from preflight.inventory.rbl import norm_zone, redact_zone
from preflight.inventory.smtpdconfig import STAGE_PARAMETERS, restriction_list

POSTSCREEN_TABLE = "/etc/postfix/postscreen_access.cidr"
SMTPD_TABLE = "/etc/postfix/partners_access.cidr"
RCPT_TABLE = "/etc/postfix/partners_rcpt_access.cidr"
REFUSAL_FILTER = "127.0.0.[2..254]"
MAX_ROUNDS = 8
_RCPT_STAGES = ("smtpd_relay_restrictions", "smtpd_recipient_restrictions")


@dataclass(frozen=True)
class Fix:
    """The lines to apply, what they change, and whether the simulation then accepts."""

    lines: tuple[str, ...]
    params: Mapping[str, str]
    tables: Mapping[str, Table]
    accepted: bool
    removed: tuple[str, ...] = ()
    """Dead lists the fix removes."""


def join_list(items: Sequence[str]) -> str:
    """A restriction list as main.cf text (items holding blanks or commas kept in ``{ }``)."""
    out: list[str] = []
    pending = False
    for item in items:
        if item.lower().startswith("inline:") and not item[7:].lstrip().startswith("{"):
            item = f"inline:{{ {item[7:].strip()} }}"
        elif any(c in item for c in " ,\t") and not item.lower().startswith("inline:"):
            item = f"{{ {item} }}"
        if pending:
            out[-1] = f"{out[-1]} {item}"
        else:
            out.append(item)
        pending = item.lower() in WITH_ARGUMENT or item.lower() == "warn_if_reject"
    return ", ".join(out)


_ZONE_RULES = ("reject_rbl", "reject_rhsbl", "permit_dnswl", "permit_rhswl")


def without_zones(params: Mapping[str, str], zones: set[str] | frozenset[str]) -> dict[str, str]:
    """The parameters to change so no restriction list, class or ``postscreen_dnsbl_sites`` names
    ``zones`` (each rule with its argument and a ``warn_if_reject`` before it). A class left empty
    would stop smtpd: it is dropped from ``smtpd_restriction_classes`` and from the lists using it."""
    classes = restriction_list(params, "smtpd_restriction_classes")
    changed: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    emptied: set[str] = set()
    for name in [*STAGE_PARAMETERS, *classes]:
        tokens = restriction_list(params, name)
        keep: list[str] = []
        i = 0
        while i < len(tokens):
            if i + 1 < len(tokens) and tokens[i].lower().startswith(_ZONE_RULES) \
                    and norm_zone(tokens[i + 1].partition("=")[0]) in zones:
                if keep and keep[-1].lower() == "warn_if_reject":
                    keep.pop()
                i += 2
                continue
            keep.append(tokens[i])
            i += 1
        lists[name] = keep
        if len(keep) != len(tokens):
            if name in classes and not keep:
                emptied.add(name.lower())
            else:
                changed[name] = join_list(keep)
    if emptied:
        changed["smtpd_restriction_classes"] = join_list([c for c in classes if c.lower() not in emptied])
        for name, keep in lists.items():
            if name.lower() in emptied:
                continue
            dropped: list[str] = []
            for token in keep:
                if token.lower() in emptied:
                    if dropped and dropped[-1].lower() == "warn_if_reject":
                        dropped.pop()
                    continue
                dropped.append(token)
            if len(dropped) != len(keep):
                changed[name] = join_list(dropped)
    sites = split_list(expand(params.get("postscreen_dnsbl_sites", ""), params))
    kept = [site for site in sites if norm_zone(site.partition("*")[0].partition("=")[0]) not in zones]
    if len(kept) != len(sites):
        changed["postscreen_dnsbl_sites"] = join_list(kept)
    return changed


def with_refusal_filter(params: Mapping[str, str], zone: str) -> dict[str, str]:
    """The lists and classes to change so every unfiltered ``reject_rbl_client zone`` carries
    :data:`REFUSAL_FILTER` (a refusal code then no longer counts as a listing)."""
    changed: dict[str, str] = {}
    for name in [*STAGE_PARAMETERS, *restriction_list(params, "smtpd_restriction_classes")]:
        tokens = restriction_list(params, name)
        out = list(tokens)
        for i in range(len(tokens) - 1):
            if tokens[i].lower() == "reject_rbl_client" and "=" not in tokens[i + 1] \
                    and norm_zone(tokens[i + 1]) == zone:
                out[i + 1] = f"{tokens[i + 1]}={REFUSAL_FILTER}"
        if out != tokens:
            changed[name] = join_list(out)
    return changed


def host_network(ip: str) -> str:
    """``ip/32`` or ``ip/128``."""
    return f"{ip}/{32 if ipaddress.ip_address(ip).version == 4 else 128}"


class _Fixer:
    def __init__(self, params: Mapping[str, str], rbl: RblPolicy, tables: Mapping[str, Table],
                 world: World, dead: set[str], refused: set[str]) -> None:
        self.params = dict(params)
        self.rbl = rbl
        self.tables = dict(tables)
        self.world = world
        self.dead, self.refused = dead, refused
        self.changed: dict[str, str] = {}
        self.table_lines: dict[str, list[str]] = {}
        self.removed: list[str] = []

    def set(self, name: str, items: Sequence[str] | str) -> None:
        value = items if isinstance(items, str) else join_list(items)
        self.params[name] = value
        self.changed[name] = value
        self.rbl = dataclasses.replace(parse_rbl_config(self.params), postscreen_enabled=self.rbl.postscreen_enabled)

    def add_line(self, path: str, line: str) -> None:
        lines = self.table_lines.setdefault(path, [])
        if line not in lines:
            lines.append(line)
        spec = f"cidr:{path}"
        self.tables[spec] = parse_table(spec, "\n".join(lines))

    def simulate(self) -> Reply:
        return simulate(self.params, self.rbl, World(self.world.client, self.world.dnsxl, self.tables))

    def postscreen(self, reply: Reply) -> bool:
        ip = self.world.client.ip
        hits = [s for s in self.rbl.postscreen_sites if s.zone in self.dead
                and (got := self.world.dnsxl.get((s.zone, ip.lower()))) and s.matches(got)]
        if hits and reply.kind == "postscreen_dnsbl_sites":
            self.removed += [s.display_zone for s in hits]
            keep = [s.raw for s in self.rbl.postscreen_sites if s.zone not in self.dead]
            self.set("postscreen_dnsbl_sites", keep)
            return True
        spec = f"cidr:{POSTSCREEN_TABLE}"
        items = restriction_list(self.params, "postscreen_access_list")
        if spec in items:
            return False
        self.set("postscreen_access_list", [spec, *items])
        self.add_line(POSTSCREEN_TABLE, f"{host_network(ip)} permit")
        return True

    def smtpd(self, reply: Reply) -> bool:
        if reply.kind == "defer_if_permit":
            # The deferral needs a later permit: the allowlist goes before defer_if_permit itself.
            reply = self._defer_if_permit(reply)
        tokens = restriction_list(self.params, reply.stage)
        index = reply.index
        if not 0 <= index < len(tokens):
            return False
        start = index - 1 if index > 0 and tokens[index - 1].lower() == "warn_if_reject" else index
        if reply.zone and reply.zone in self.dead and reply.kind.startswith(("reject_rbl", "reject_rhsbl")):
            # Wherever the rule sits (this list, a restriction class); inside an access table's
            # answer it cannot be removed by main.cf lines: the allowlist below then.
            change = without_zones(self.params, {reply.zone})
            if change:
                self.removed.append(redact_zone(reply.zone))
                for name, value in change.items():
                    self.set(name, value)
                return True
        if reply.zone and reply.zone in self.refused and reply.kind == "reject_rbl_client":
            # The filter stops the rejection of everyone (wherever the rule sits: this list or a
            # restriction class); the allowlist keeps this partner in whatever the list really
            # says about it (the refusal hid that).
            for name, value in with_refusal_filter(self.params, reply.zone).items():
                self.set(name, value)
            tokens = restriction_list(self.params, reply.stage)
        rcpt = reply.stage in _RCPT_STAGES
        path = RCPT_TABLE if rcpt else SMTPD_TABLE
        spec = f"cidr:{path}"
        if spec in tokens[:index]:
            return False
        self.set(reply.stage, [*tokens[:start], "check_client_access", spec, *tokens[start:]])
        self.add_line(path, f"{host_network(self.world.client.ip)} {'permit_auth_destination' if rcpt else 'OK'}")
        return True

    def _defer_if_permit(self, reply: Reply) -> Reply:
        for stage in STAGE_PARAMETERS:
            tokens = [t.lower() for t in restriction_list(self.params, stage)]
            if "defer_if_permit" in tokens:
                return dataclasses.replace(reply, stage=stage, index=tokens.index("defer_if_permit"))
        return reply

    def empty_class(self) -> bool:
        """Remove restriction classes without a definition (fatal for smtpd) and their uses."""
        declared = restriction_list(self.params, "smtpd_restriction_classes")
        empty = {c.lower() for c in declared if not restriction_list(self.params, c)}
        if not empty:
            return False
        self.set("smtpd_restriction_classes", [c for c in declared if c.lower() not in empty])
        for stage in STAGE_PARAMETERS:
            tokens = restriction_list(self.params, stage)
            if any(t.lower() in empty for t in tokens):
                self.set(stage, [t for t in tokens if t.lower() not in empty])
        return True

    def run(self) -> Fix:
        accepted = False
        for _ in range(MAX_ROUNDS):
            reply = self.simulate()
            if reply.accepted:
                accepted = True
                break
            if reply.stage == "smtpd_restriction_classes":
                if not self.empty_class():
                    break
            elif reply.stage in ("postscreen", "postscreen_access_list"):
                if not self.postscreen(reply):
                    break
            elif reply.stage.startswith("smtpd_"):
                if not self.smtpd(reply):
                    break
            else:
                break
        lines = [f"{name} = {value}" for name, value in self.changed.items()]
        lines += [f"{path}: {line}" for path, items in self.table_lines.items() for line in items]
        if lines:
            lines.append("postfix reload")
        return Fix(tuple(lines), self.params, self.tables, accepted, tuple(self.removed))


def fix_for(params: Mapping[str, str], rbl: RblPolicy, tables: Mapping[str, Table], world: World,
            dead: set[str] | frozenset[str] = frozenset(), refused: set[str] | frozenset[str] = frozenset()) -> Fix:
    """The lines that let the partner of ``world`` in, checked by simulation (see the module doc)."""
    return _Fixer(params, rbl, tables, world, set(dead), set(refused)).run()


def apply_lines(params: Mapping[str, str], tables: Mapping[str, str], lines: Sequence[str]
                ) -> tuple[dict[str, str], dict[str, str]]:
    """Apply fix lines as written to parameters and table texts (``path: line`` appends a line)."""
    out, texts = dict(params), dict(tables)
    for line in lines:
        if line == "postfix reload":
            continue
        if line.startswith("/") and ": " in line:
            path, _, entry = line.partition(": ")
            spec = f"cidr:{path}"
            texts[spec] = (texts.get(spec, "").rstrip("\n") + "\n" + entry).lstrip("\n")
            continue
        name, _, value = line.partition(" = ")
        out[name.strip()] = value.strip()
    return out, texts
