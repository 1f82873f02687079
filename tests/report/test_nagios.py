"""``--nagios``: one Monitoring Plugins status line and the plugin exit code.

The grammar is the Monitoring Plugins development guidelines' (section "Plugin Output"):
``SERVICE STATUS - text | 'label'=value[UOM];[warn];[crit];[min];[max] ...``, one line, no ``|``
in the text, labels without ``=`` or ``'``, values numeric, UOM one of s, %, B/KB/MB/GB/TB, c.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from preflight.report.nagios import nagios_line

_LABEL = r"(?:'[^'=]+'|[^'= |]+)"
_VALUE = r"-?[0-9]+(?:\.[0-9]+)?"
_UOM = r"(?:s|ms|us|%|B|KB|MB|GB|TB|c)?"
_THRESH = r"[0-9.:@~-]*"
_PERF = rf"{_LABEL}={_VALUE}{_UOM}(?:;{_THRESH}){{0,2}}(?:;{_VALUE}?){{0,2}}"
GRAMMAR = re.compile(
    rf"\APREFLIGHT (OK|WARNING|CRITICAL|UNKNOWN) - [^|\r\n]+ \| {_PERF}(?: {_PERF})*\Z"
)
CODES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def _report(verdict: str, *results: tuple[str, str], comparison: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    counts = {s: 0 for s in ("pass", "warn", "fail", "error", "skip")}
    for _, status in results:
        counts[status] += 1
    data: dict[str, Any] = {
        "verdict": verdict, "counts": counts,
        "results": [{"check_id": c, "subject": "x", "status": s} for c, s in results],
    }
    if comparison is not None:
        data["comparison"] = comparison
    return data


def _assert_grammar(line: str, code: int) -> str:
    match = GRAMMAR.match(line)
    assert match, line
    assert CODES[match.group(1)] == code
    return match.group(1)


@pytest.mark.parametrize(("report", "state", "text"), [
    (_report("ready", ("rdns.ptr", "pass")), "OK", "ready for cutover"),
    (_report("ready_with_warnings", ("rdns.ptr", "pass"), ("dmarc.policy", "warn")),
     "WARNING", "1 warnings: dmarc.policy"),
    (_report("not_ready", ("spf.authorizes", "fail"), ("spf.authorizes", "fail"),
             ("partners.rejected", "fail"), ("dmarc.policy", "warn"), ("blocklist.zone", "error")),
     "CRITICAL", "3 failed: spf.authorizes, partners.rejected"),
    (_report("inconclusive", ("rdns.ptr", "pass"), ("scope.domain", "error")),
     "UNKNOWN", "could not be checked: scope.domain"),
    (_report("ready", ("rdns.ptr", "pass"),
             comparison={"regressions": 2, "unchecked": 0, "changes": [
                 {"change": "regression", "key": "rdns.generic|198.51.100.77"},
                 {"change": "new_problem", "key": "spf.record|move.test"}]}),
     "CRITICAL", "2 regressions since the baseline: rdns.generic, spf.record"),
    (_report("ready", ("rdns.ptr", "pass"), comparison={"regressions": 0, "unchecked": 4}),
     "UNKNOWN", "4 baseline items not rechecked"),
    ({"verdict": "bogus"}, "UNKNOWN", "no verdict"),
])
def test_line_follows_the_plugin_grammar(report: dict[str, Any], state: str, text: str) -> None:
    line, code = nagios_line(report)
    assert _assert_grammar(line, code) == state
    assert text in line


def test_perfdata_carries_the_counts() -> None:
    line, code = nagios_line(_report("not_ready", ("a.b", "pass"), ("c.d", "fail"), ("e.f", "error")))
    assert line.endswith("| passed=1 warnings=0 failed=1 unknown=1")
    assert code == 2


def test_hostile_saved_report_cannot_break_the_line() -> None:
    # Given a saved report whose check ids and counts were edited to inject output
    report = _report("not_ready", ("x|y\nPREFLIGHT OK - fine", "fail"))
    report["counts"] = {"pass": "9|", "fail": -3, "warn": True}
    line, code = nagios_line(report)
    # Then it is still one line of the grammar, and the injected text is defanged
    _assert_grammar(line, code)
    assert "\n" not in line and line.count("|") == 1
    assert "passed=0" in line and "failed=0" in line


def test_many_failures_are_bounded() -> None:
    report = _report("not_ready", *((f"check.n{i}", "fail") for i in range(40)))
    line, code = nagios_line(report)
    _assert_grammar(line, code)
    assert "(+35 more)" in line
