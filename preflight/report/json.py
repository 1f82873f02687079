"""The one serializer: a run's report as a JSON-ready dict, and saved reports read back.

JSON is the canonical report. HTML and Markdown are rendered from this dict, so a saved
report can be rendered again later (in another language, too).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from preflight.errors import UsageError
from preflight.i18n.messages import DEFAULT_LANG, result_text
from preflight.model import CheckResult, Status, verdict_for
from preflight.model import Report

SCHEMA_VERSION = "1.0.0"
"""Semantic version of the report format (see preflight/schema/report.schema.json)."""

MAX_REPORT_BYTES = 64 * 1024 * 1024


def result_to_dict(result: CheckResult, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """One result in JSON form, with its words in ``lang``."""
    text = result_text(result.check_id, result.outcome, dict(result.params), lang)
    return {
        "check_id": result.check_id,
        "title": text.title,
        "subject": result.subject,
        "status": result.status.value,
        "outcome": result.outcome,
        "summary": text.summary,
        "remediation": text.remediation,
        "evidence": [e.to_dict() for e in result.evidence],
        "params": dict(sorted(result.params.items())),
    }


def counts(statuses: list[str]) -> dict[str, int]:
    """How many results have each status."""
    seen = Counter(statuses)
    return {s.value: seen.get(s.value, 0) for s in Status}


def to_dict(report: Report, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """The canonical JSON form of a report."""
    results = [result_to_dict(r, lang) for r in report.results]
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "preflight", "version": report.tool_version},
        "tool_version": report.tool_version,
        "generated_at": report.generated_at.isoformat(),
        "lang": lang,
        "target": report.target,
        "resolver": report.resolver,
        "verdict": report.verdict.value,
        "counts": counts([r["status"] for r in results]),
        "results": results,
    }
    for name, section in sorted(report.sections.items()):
        data[name] = section
    return data


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON text (UTF-8, indented)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> dict[str, Any]:
    """Read a saved report; anything that is not one is a one-line UsageError."""
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise UsageError(f"{path} is too large to be a preflight report")
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"report not found: {path}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a preflight JSON report (not UTF-8 text)") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not a preflight JSON report (invalid JSON at line {exc.lineno})") from None
    return check_report(data, str(path))


def check_report(data: Any, where: str) -> dict[str, Any]:
    """Structural check of a report dict; raise UsageError naming what is wrong."""
    if not isinstance(data, dict) or "schema_version" not in data or "results" not in data:
        raise UsageError(f"{where} is not a preflight JSON report (no schema_version/results)")
    version = str(data["schema_version"])
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise UsageError(
            f"{where} uses report schema {version}; this preflight reads {SCHEMA_VERSION.split('.')[0]}.x"
        )
    results = data["results"]
    if not isinstance(results, list):
        raise UsageError(f"{where}: 'results' must be a list")
    valid = {s.value for s in Status}
    for i, item in enumerate(results):
        if not isinstance(item, dict):
            raise UsageError(f"{where}: results[{i}] is not an object")
        for key in ("check_id", "subject", "status", "outcome"):
            if not isinstance(item.get(key), str):
                raise UsageError(f"{where}: results[{i}].{key} is missing or not a string")
        if item["status"] not in valid:
            raise UsageError(f"{where}: results[{i}].status {item['status'][:20]!r} is not a status")
        if not isinstance(item.get("evidence", []), list) or not isinstance(item.get("params", {}), dict):
            raise UsageError(f"{where}: results[{i}] has malformed evidence or params")
    for key in ("target", "resolver"):
        if not isinstance(data.get(key, {}), dict):
            raise UsageError(f"{where}: '{key}' must be an object")
    expected = verdict_for(Status(r["status"]) for r in results).value
    data["verdict"] = expected
    return data
