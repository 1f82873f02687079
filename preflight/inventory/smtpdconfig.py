"""The parameters smtpd and postscreen work with: the server's values, else Postfix's defaults.

:func:`smtpd_params` merges main.cf (``postconf -n`` or the plan's lines), the ``-o`` overrides of
the port-25 services (:func:`preflight.inventory.rblconfig.effective_params`) and the built-in
defaults (``postconf -d``), resolving the ``compatibility_level``-dependent defaults
(``${{$compatibility_level} <level {2} ? {subnet} : {host}}``) the way Postfix does.
:func:`restriction_list` expands and splits one restriction list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from preflight.inventory.postfix import MasterConfig, expand, split_list
from preflight.inventory.rblconfig import effective_params

_COMPAT = re.compile(
    r"\$\{\{\$compatibility_level\}\s*<level\s*\{([0-9.]+)\}\s*\?\s*\{([^{}]*)\}\s*:\s*\{([^{}]*)\}\}"
)


def _level(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text)[:3] or ["0"]
    return tuple(int(p) for p in parts) + (0,) * (3 - len(parts))


def resolve_compat(value: str, level: str) -> str:
    """``value`` with each ``${{$compatibility_level} <level {N} ? {A} : {B}}`` chosen for ``level``."""
    current = _level(level)
    return _COMPAT.sub(lambda m: m.group(2) if current < _level(m.group(1)) else m.group(3), value)


def smtpd_params(main: Mapping[str, str], master: MasterConfig | None,
                 defaults: Mapping[str, str]) -> tuple[dict[str, str], bool | None, list[str]]:
    """Effective parameters, whether postscreen is on port 25 (None: unknown), and problems."""
    params, enabled, problems = effective_params(main, master)
    level = expand(params.get("compatibility_level", defaults.get("compatibility_level", "0")), params)
    for name, value in defaults.items():
        if name not in params:
            params[name] = resolve_compat(value, level)
    return params, enabled, problems


def restriction_list(params: Mapping[str, str], name: str) -> list[str]:
    """The restrictions of parameter ``name``, ``$name`` expanded, split as Postfix splits them."""
    return split_list(expand(resolve_compat(params.get(name, ""), params.get("compatibility_level", "0")),
                             params))


def yes(params: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean parameter (``yes``/``no``)."""
    value = expand(params.get(name, ""), params).strip().lower()
    return default if value not in ("yes", "no", "true", "false") else value in ("yes", "true")


def reply_code(params: Mapping[str, str], name: str, default: str) -> str:
    """A 3-digit SMTP reply-code parameter (4xx or 5xx); ``default`` when absent or bad."""
    value = expand(params.get(name, ""), params).strip()
    return value if len(value) == 3 and value.isdigit() and value[0] in "45" else default


STAGE_PARAMETERS = tuple(f"smtpd_{s}_restrictions" for s in
                         ("client", "helo", "sender", "relay", "recipient", "data", "end_of_data"))
_TABLE = re.compile(r"([a-z][a-z0-9_]{1,15}):(\S+)\Z")
MAX_TABLES = 200


def referenced_tables(params: Mapping[str, str]) -> list[str]:
    """Every ``type:name`` lookup table the restriction lists, their classes,
    ``postscreen_access_list`` and ``rbl_reply_maps`` name, in order of appearance (``inline:{...}`` included)."""
    classes = {c.lower() for c in split_list(expand(params.get("smtpd_restriction_classes", ""), params))}
    todo = [*STAGE_PARAMETERS, "postscreen_access_list", *sorted(classes)]
    found: list[str] = []
    for name in [*todo, "rbl_reply_maps"]:
        items = (restriction_list(params, name) if name != "rbl_reply_maps"
                 else split_list(expand(params.get(name, ""), params)))
        for item in items:
            if item.lower().startswith("inline:") or _TABLE.match(item):
                if item not in found and len(found) < MAX_TABLES:
                    found.append(item)
    return found
