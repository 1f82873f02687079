"""Run configuration: validated inputs, and the TOML migration plan that can hold them.

A plan file describes one migration; command-line flags override it. Every value is
validated here, once, so checks can trust their inputs: a bad value is a
:class:`~preflight.errors.InputError` with a one-line message naming the key or option.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.checks.blocklists.settings import PLAN_TABLE as BLOCKLISTS_PLAN
from preflight.checks.partners.settings import PLAN_TABLE as PARTNERS_PLAN
from preflight.errors import InputError, UsageError
from preflight.lang import plan_lang
from preflight.net.dns import DnsConfig, Nameserver
from preflight.net.smtp import SmtpTarget, parse_mailbox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SELECTOR_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$", re.IGNORECASE)


# -- value validators -------------------------------------------------------------------------


def parse_ip(text: str, what: str = "IP address") -> IPAddress:
    """An IPv4 or IPv6 address (no prefix, no zone id)."""
    raw = str(text).strip()
    try:
        if "%" in raw:
            raise ValueError("scoped address")
        return ipaddress.ip_address(raw)
    except ValueError:
        raise InputError(f"invalid {what} {str(text)[:80]!r}") from None


def parse_hostname(text: str, what: str = "hostname") -> str:
    """A DNS host or domain name: normalised to lower case, no trailing dot, IDNA encoded."""
    raw = str(text).strip().rstrip(".")
    if not raw or len(raw) > 253:
        raise InputError(f"invalid {what} {str(text)[:80]!r}")
    try:
        ascii_name = raw.encode("idna").decode("ascii") if not raw.isascii() else raw
    except UnicodeError:
        raise InputError(f"invalid {what} {str(text)[:80]!r}") from None
    name = ascii_name.lower()
    if len(name) > 253:  # IDNA encoding can triple the length of what was typed
        raise InputError(f"invalid {what} {str(text)[:80]!r}: longer than 253 characters in DNS")
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InputError(f"invalid {what} {str(text)[:80]!r}: expected a name like mail.example.com")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return name
    raise InputError(f"invalid {what} {str(text)[:80]!r}: an IP address is not a {what}")


def parse_selector(text: str) -> str:
    """A DKIM selector (one or more DNS labels, as in ``s2026`` or ``2026.mail``)."""
    raw = str(text).strip()
    labels = raw.split(".")
    if not raw or len(raw) > 200 or not all(_SELECTOR_LABEL.match(label) for label in labels):
        raise InputError(f"invalid DKIM selector {raw[:80]!r}")
    return raw.lower()


def parse_timeout(value: Any, what: str = "timeout") -> float:
    """Seconds, more than 0 and at most 120."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"invalid {what} {value!r}: expected seconds")
    try:
        seconds = float(value)
    except ValueError:
        raise InputError(f"invalid {what} {value!r}: expected seconds") from None
    if not 0 < seconds <= 120:
        raise InputError(f"invalid {what} {value!r}: must be more than 0 and at most 120 seconds")
    return seconds


def parse_phase(text: str) -> str:
    """``before`` or ``after`` (cutover)."""
    value = str(text).strip().lower()
    if value not in ("before", "after"):
        raise InputError(f"invalid phase {str(text)[:40]!r}: use 'before' or 'after'")
    return value


def parse_date(text: str, what: str = "cutover date") -> str:
    """A calendar date ``YYYY-MM-DD`` (ISO 8601), returned in that form."""
    value = str(text).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise InputError(f"invalid {what} {str(text)[:40]!r}: use YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"invalid {what} {value!r}: no such day") from None


# -- run configuration -----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What is being migrated: the new server's IPs and name, the domains that send through it."""

    ips: tuple[IPAddress, ...] = ()
    hostname: str | None = None
    domains: tuple[str, ...] = ()
    dkim_selectors: tuple[str, ...] = ()
    old_ips: tuple[IPAddress, ...] = ()
    """The old server's addresses (after cutover: must leave SPF after a settling period)."""
    phase: str = "before"
    """``before`` cutover (default) or ``after`` it: after, MX must point at the new server."""
    cutover_date: str | None = None
    """The planned cutover day (``YYYY-MM-DD``): the report counts each fix's start-by date back from it."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "ips": [str(ip) for ip in self.ips],
            "hostname": self.hostname,
            "domains": list(self.domains),
            "dkim_selectors": list(self.dkim_selectors),
            "old_ips": [str(ip) for ip in self.old_ips],
            "phase": self.phase,
            **({"cutover_date": self.cutover_date} if self.cutover_date else {}),
        }


@dataclass(frozen=True)
class RunConfig:
    """Everything one ``preflight check`` run needs. Built by the CLI (or the demo)."""

    target: Target
    dns: DnsConfig = field(default_factory=DnsConfig)
    strict: bool = False
    propagation: tuple[Nameserver, ...] = ()
    """Resolvers to compare answers across (empty: no propagation check)."""
    extras: Mapping[str, Any] = field(default_factory=dict)
    """Validated plan sections of later check families (``smtp``, ``ssh``, ...), by name."""


# -- plan file -------------------------------------------------------------------------------

Validator = Callable[[Any, str], Any]


def _str(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"plan: {key} must be a string, not {type(value).__name__}")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"plan: {key} must be true or false, not {type(value).__name__}")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"plan: {key} must be a number, not {type(value).__name__}")
    return float(value)


def _str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"plan: {key} must be a list of strings")
    return list(value)


def _wrap(convert: Callable[[Any], Any], base: Validator) -> Validator:
    def check(value: Any, key: str) -> Any:
        checked = base(value, key)
        try:
            if isinstance(checked, list):
                return [convert(v) for v in checked]
            return convert(checked)
        except InputError as exc:
            raise InputError(f"plan: {key}: {exc}") from None

    return check


def _toml_date(value: Any) -> Any:
    """A TOML date literal (``cutover_date = 2026-12-24``) as its ISO text; anything else as is."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


PLAN_KEYS: dict[str, Validator] = {
    "ips": _wrap(parse_ip, _str_list),
    "hostname": _wrap(parse_hostname, _str),
    "domains": _wrap(lambda d: parse_hostname(d, "domain"), _str_list),
    "dkim_selectors": _wrap(parse_selector, _str_list),
    "nameservers": _wrap(Nameserver.parse, _str_list),
    "timeout": _wrap(parse_timeout, _number),
    "strict": _bool,
    "old_ips": _wrap(lambda v: parse_ip(v, "old IP address"), _str_list),
    "phase": _wrap(lambda v: parse_phase(v), _str),
    "cutover_date": lambda v, key: _wrap(parse_date, _str)(_toml_date(v), key),
    "propagation_nameservers": _wrap(Nameserver.parse, _str_list),
}
"""Top-level keys of a plan file and how each is checked."""

PLAN_SECTIONS: dict[str, dict[str, Validator]] = {
    "report": {"html": _str, "json": _str, "markdown": _str, "lang": plan_lang},
    "blocklists": BLOCKLISTS_PLAN,
    "smtp": {
        "targets": _wrap(SmtpTarget.parse, _str_list),
        "enabled": _bool,
        "timeout": _wrap(parse_timeout, _number),
        "ca_file": _str,
        "helo_name": _wrap(parse_hostname, _str),
        "mail_from": _wrap(lambda v: parse_mailbox(v, "address", allow_null=True), _str),
        "relay_test_recipient": _wrap(parse_mailbox, _str),
    },
    # Server inventory over SSH; targets, key file and port-25 targets are checked in
    # preflight.checks.server.settings.from_options (errors name the plan key).
    "ssh": {
        "new": _str, "old": _str, "key": _str, "known_hosts": _str, "accept_new": _bool,
        "timeout": _wrap(parse_timeout, _number), "port25_targets": _str_list,
    },
    "partners": PARTNERS_PLAN,
}
"""``[section]`` tables of a plan file; check families register theirs here."""


def load_plan(path: Path) -> dict[str, Any]:
    """Read and validate a plan file. Keys come back flat: ``ips``, ``report.html``, ..."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"plan file not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read plan file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"plan file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"plan file {path} is not valid TOML: {exc}") from None
    return validate_plan(data)


def validate_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a parsed plan; unknown keys and wrong types raise errors naming the key."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in PLAN_SECTIONS:
            if not isinstance(value, dict):
                raise UsageError(f"plan: [{key}] must be a table")
            section = PLAN_SECTIONS[key]
            for sub, subvalue in value.items():
                if sub not in section:
                    known = ", ".join(sorted(section))
                    raise UsageError(f"plan: unknown key {key}.{sub} (known in [{key}]: {known})")
                out[f"{key}.{sub}"] = section[sub](subvalue, f"{key}.{sub}")
        elif key in PLAN_KEYS:
            out[key] = PLAN_KEYS[key](value, key)
        else:
            known = ", ".join(sorted([*PLAN_KEYS, *(f"[{s}]" for s in PLAN_SECTIONS)]))
            raise UsageError(f"plan: unknown key {key!r} (known: {known})")
    return out
