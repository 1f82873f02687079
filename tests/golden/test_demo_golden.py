"""Golden test: the demo's JSON report, as `preflight demo` writes it, is pinned.

Behaviour must not change by accident (issue 11: re-layering keeps every verdict, outcome,
summary, evidence and section). The test runs `preflight demo` (the embedded lab on loopback),
normalises what legitimately differs between runs — the order of a TXT RRset, the clock (timestamps, certificate dates),
durations, the lab's ephemeral ports, its temporary CA directory and its freshly generated
certificate (serial, fingerprint) — and compares with ``tests/golden/demo.report.json``.
The English and Japanese HTML rendered from that normalised JSON are pinned too.

When a change intentionally alters the demo's report, regenerate the golden files and say so
in the commit message:

    PREFLIGHT_UPDATE_GOLDEN=1 .venv-test/bin/pytest tests/golden -q

then review ``git diff tests/golden``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from preflight.cli import app

GOLDEN = Path(__file__).resolve().parent
UPDATE = os.environ.get("PREFLIGHT_UPDATE_GOLDEN") == "1"

_STRING_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?"), "<TIME>"),
    (re.compile(r"(127\.0\.0\.1|\[::1\]|::1):\d+"), r"\1:<PORT>"),
    (re.compile(r"(https://[a-z0-9.-]+):\d+/"), r"\1:<PORT>/"),  # the lab's MTA-STS policy server
    (re.compile(r"/[^\s\"']*preflight-lab-[^\s\"'/]*"), "<TMP>"),
    (re.compile(r"\b\d+\.\d\d s\b"), "<SECONDS> s"),
    (re.compile(r"\b\d+\.\d\d 秒"), "<SECONDS> 秒"),
    (re.compile(r"\b[0-9a-f]{2}(?::[0-9a-f]{2}){31}\b"), "<SHA256>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<SHA256>"),  # TLSA association data (the key made at start)
    # RFC 5322 dates of the demo's test message (Date, Received): the run's clock.
    (re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d? [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"), "<DATE>"),
)
_KEY_RULES: dict[str, str] = {
    "generated_at": "<TIME>",
    "seconds": "<SECONDS>",
    "serial": "<SERIAL>",
    "sha256": "<SHA256>",
    # the demo cuts over three weeks after its run: a fixed (valid) day keeps the start-by dates stable
    "cutover_date": "2026-12-28",
}


_TTL = re.compile(r"^(?P<records>.*) (?P<ttl>\(TTL \d+\))$")


def _sorted_rrset(text: str) -> str:
    """A DNS server may return an RRset's records in any order: evidence lists them joined
    by '; ', so sort the parts (deterministic, even where a record itself holds '; ')."""
    match = _TTL.match(text)
    if not match:
        return text
    return "; ".join(sorted(match["records"].split("; "))) + " " + match["ttl"]


def normalise(value: Any, key: str | None = None, parent: str | None = None) -> Any:
    """The report with run-dependent values replaced by placeholders."""
    if key in _KEY_RULES and isinstance(value, (str, int, float)):
        return _KEY_RULES[key]
    if parent == "timings_ms":
        return "<MS>"
    if key == "port" and isinstance(value, int) and parent == "smtp_target":
        return "<PORT>"
    if isinstance(value, dict) and str(value.get("label", "")).startswith("TXT ") and isinstance(value.get("value"), str):
        value = {**value, "value": _sorted_rrset(value["value"])}
    if isinstance(value, dict):
        role = "smtp_target" if "timings_ms" in value else key
        return {k: normalise(v, k, role) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, None, parent) for v in value]
    if isinstance(value, str):
        for pattern, replacement in _STRING_RULES:
            value = pattern.sub(replacement, value)
        return value
    return value


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing: run with PREFLIGHT_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                                 "golden", "now", n=2))[:80])
        pytest.fail(f"{name} differs from the golden file; if the change is intended, regenerate with "
                    f"PREFLIGHT_UPDATE_GOLDEN=1 and say so in the commit message\n{diff}", pytrace=False)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`preflight demo --lang en`'s report.json, normalised."""
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--output-dir", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    normalised = normalise(data)
    assert isinstance(normalised, dict)
    return normalised


def test_demo_json_report_is_unchanged(demo_report: dict[str, Any]) -> None:
    # Given the demo run on the lab, when its JSON is normalised, then it equals the golden copy
    _compare("demo.report.json", _dump(demo_report))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_demo_html_rendering_is_unchanged(demo_report: dict[str, Any], lang: str) -> None:
    # The HTML renders from the JSON dict: the same (normalised) report, the same page
    from preflight.report import html as report_html
    from preflight.i18n.localize import localize

    page = report_html.render(localize(demo_report, lang), lang)
    _compare(f"demo.report.{lang}.html", page if page.endswith("\n") else page + "\n")


def test_normalise_keeps_what_matters() -> None:
    # The normaliser only hides run-dependent values: verdicts, names and IPs stay
    sample = {"status": "fail", "summary": "203.0.113.25 @ 127.0.0.1:5353 in 0.25 s",
              "generated_at": "2026-12-07T02:06:32+00:00", "verdict": "not_ready"}
    assert normalise(sample) == {"status": "fail", "summary": "203.0.113.25 @ 127.0.0.1:<PORT> in <SECONDS> s",
                                 "generated_at": "<TIME>", "verdict": "not_ready"}
