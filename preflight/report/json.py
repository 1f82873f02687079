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
from preflight.report import loader
from preflight.textsafe import json_safe

SCHEMA_VERSION = "1.0.0"
"""Semantic version of the report format (see preflight/schema/report.schema.json)."""

MAX_REPORT_BYTES = loader.MAX_REPORT_BYTES


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
    """Stable, strict JSON text (UTF-8, indented; NaN and infinities are refused, not written)."""
    try:
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"
    except ValueError as exc:
        raise UsageError(f"cannot write the JSON report: {exc}") from None


def load(path: Path) -> dict[str, Any]:
    """Read a saved report; anything that is not one is a one-line UsageError.

    See :mod:`preflight.report.loader`: regular file, bounded size, strict JSON, bounded depth
    and numbers, and the whole committed schema.
    """
    return _own_verdict(loader.load(path))


def check_report(data: Any, where: str) -> dict[str, Any]:
    """Validate a report dict against the schema (UsageError naming the field); fix its verdict."""
    return _own_verdict(loader.validate(data, where))


def _own_verdict(data: dict[str, Any]) -> dict[str, Any]:
    """The verdict is recomputed from the results, never taken on trust."""
    data["verdict"] = verdict_for(Status(r["status"]) for r in data["results"]).value
    return data
