"""One status line for Nagios, Icinga, Zabbix and friends (``check --nagios``, ``diff --nagios``).

The Monitoring Plugins format (https://www.monitoring-plugins.org/doc/guidelines.html)::

    PREFLIGHT CRITICAL - 2 failed: spf.authorizes, partners.rejected | passed=63 warnings=5 failed=5 unknown=1

``SERVICE STATUS - text | perfdata``: the text holds no ``|`` and no line break; each perfdata
item is ``label=value`` with a label of letters, digits, ``_`` and ``.``. The plugin exit code
is 0 OK (ready), 1 WARNING (ready with warnings), 2 CRITICAL (not ready, or a regression since
the baseline), 3 UNKNOWN (inconclusive, or a recheck that left baseline items unchecked).

The line is a machine format, like the JSON keys: always English and ASCII, whatever ``--lang``.
Its input is a report dict (possibly a saved, hostile one): everything taken from it is reduced
to safe characters and bounded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import IntEnum
from typing import Any

SERVICE = "PREFLIGHT"
MAX_IDS = 5
"""Check ids named in the text; more are counted as "+N more"."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


class PluginState(IntEnum):
    """Monitoring Plugins exit codes."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


def _safe(text: object, limit: int = 80) -> str:
    return _UNSAFE.sub("_", str(text))[:limit]


def _ids(results: list[Mapping[str, Any]], status: str) -> list[str]:
    seen: dict[str, None] = {}
    for r in results:
        if r.get("status") == status:
            seen[_safe(r.get("check_id", "?"))] = None
    return list(seen)


def _named(count: int, what: str, ids: list[str]) -> str:
    shown = ", ".join(ids[:MAX_IDS])
    more = f" (+{len(ids) - MAX_IDS} more)" if len(ids) > MAX_IDS else ""
    return f"{count} {what}: {shown}{more}" if ids else f"{count} {what}"


def _count(counts: Mapping[str, Any], key: str) -> int:
    value = counts.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def nagios_line(report: Mapping[str, Any]) -> tuple[str, int]:
    """The status line and plugin exit code for a report dict (with ``comparison`` for rechecks)."""
    raw_results = report.get("results")
    results = [r for r in raw_results if isinstance(r, Mapping)] if isinstance(raw_results, list) else []
    raw_counts = report.get("counts")
    counts: Mapping[str, Any] = raw_counts if isinstance(raw_counts, Mapping) else {}
    perf = {
        "passed": _count(counts, "pass"),
        "warnings": _count(counts, "warn"),
        "failed": _count(counts, "fail"),
        "unknown": _count(counts, "error"),
    }
    verdict = report.get("verdict")
    comparison = report.get("comparison")
    regressions = unchecked = 0
    regressed: list[str] = []
    if isinstance(comparison, Mapping):
        regressions = _int(comparison.get("regressions"))
        unchecked = _int(comparison.get("unchecked"))
        perf["regressions"] = regressions
        perf["unchecked"] = unchecked
        changes = comparison.get("changes")
        for change in changes if isinstance(changes, list) else []:
            if isinstance(change, Mapping) and change.get("change") in ("regression", "new_problem"):
                label = _safe(str(change.get("key", "?")).split("|", 1)[0])
                if label not in regressed:
                    regressed.append(label)

    if regressions:
        state, text = PluginState.CRITICAL, _named(regressions, "regressions since the baseline",
                                                   regressed)
    elif verdict == "not_ready":
        state, text = PluginState.CRITICAL, _named(perf["failed"], "failed", _ids(results, "fail"))
    elif verdict == "inconclusive" or unchecked:
        errors = _ids(results, "error")
        text = "inconclusive, " + _named(perf["unknown"], "could not be checked", errors)
        if unchecked:
            text += f"; {unchecked} baseline items not rechecked"
        state = PluginState.UNKNOWN
    elif verdict == "ready_with_warnings":
        state, text = PluginState.WARNING, _named(perf["warnings"], "warnings", _ids(results, "warn"))
    elif verdict == "ready":
        state, text = PluginState.OK, "ready for cutover"
    else:
        state, text = PluginState.UNKNOWN, "no verdict in the report"
    data = " ".join(f"{key}={value}" for key, value in perf.items())
    return f"{SERVICE} {state.name} - {text} | {data}", int(state)
