"""Run configuration: validated inputs, and the TOML migration plan that can hold them.

A plan file describes one migration; command-line flags override it. Every value is
validated here, once, so checks can trust their inputs: a bad value is a
:class:`~preflight.errors.InputError` with a one-line message naming the key or option.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from preflight.engine import RunConfig, Target
from preflight.errors import UsageError
from preflight.i18n.lang import plan_lang
from preflight.net.dns import Nameserver
from preflight.registry import PLAN_SECTIONS as FAMILY_PLAN_SECTIONS
from preflight.values import (
    IPAddress,
    Validator,
    as_bool,
    as_number,
    as_str,
    as_str_list,
    checked,
    parse_hostname,
    parse_date,
    parse_ip,
    parse_phase,
    parse_selector,
    parse_timeout,
    toml_date,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "IPAddress", "PLAN_KEYS", "PLAN_SECTIONS", "RunConfig", "Target", "load_plan", "parse_hostname",
    "parse_date", "parse_ip", "parse_phase", "parse_selector", "parse_timeout", "validate_plan",
]

PLAN_KEYS: dict[str, Validator] = {
    "ips": checked(parse_ip, as_str_list),
    "hostname": checked(parse_hostname, as_str),
    "domains": checked(lambda d: parse_hostname(d, "domain"), as_str_list),
    "dkim_selectors": checked(parse_selector, as_str_list),
    "nameservers": checked(Nameserver.parse, as_str_list),
    "timeout": checked(parse_timeout, as_number),
    "strict": as_bool,
    "old_ips": checked(lambda v: parse_ip(v, "old IP address"), as_str_list),
    "phase": checked(lambda v: parse_phase(v), as_str),
    "cutover_date": lambda v, key: checked(parse_date, as_str)(toml_date(v), key),
    "propagation_nameservers": checked(Nameserver.parse, as_str_list),
    "messages": as_str_list,
}
"""Top-level keys of a plan file and how each is checked."""

PLAN_SECTIONS: dict[str, Mapping[str, Validator]] = {
    "report": {"html": as_str, "json": as_str, "markdown": as_str, "lang": plan_lang},
    **FAMILY_PLAN_SECTIONS,
}
"""``[section]`` tables of a plan file; the families' tables come from the registry."""


MAX_PLAN_BYTES = 1024 * 1024
"""A plan is a few kilobytes of TOML; a larger file is a mistake (or a device)."""


def load_plan(path: Path) -> dict[str, Any]:
    """Read and validate a plan file. Keys come back flat: ``ips``, ``report.html``, ..."""
    from preflight.inputfile import read_bytes

    raw = read_bytes(path, "plan file", MAX_PLAN_BYTES)
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
