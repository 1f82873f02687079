"""The canonical JSON report: schema-valid, and saved reports are read back carefully."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from preflight.errors import UsageError
from preflight.report import json as report_json
from preflight.engine import Report


def schema() -> dict:
    return json.loads((resources.files("preflight") / "schema" / "report.schema.json").read_text())


def test_report_matches_schema(hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    jsonschema.validate(data, schema())
    assert data["schema_version"] == report_json.SCHEMA_VERSION
    assert data["verdict"] == "not_ready"
    assert data["counts"] == {"pass": 1, "warn": 0, "fail": 1, "error": 0, "skip": 0}
    # Control bytes from the network are made visible, never passed through.
    assert "\x07" not in json.dumps(data, ensure_ascii=False)
    assert "\\x07" in data["results"][0]["evidence"][0]["value"]


def test_round_trip(tmp_path: Path, hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    path = tmp_path / "r.json"
    path.write_text(report_json.dumps(data), encoding="utf-8")
    again = report_json.load(path)
    assert again["results"] == data["results"]
    assert again["verdict"] == "not_ready"


def test_saved_verdict_is_recomputed(tmp_path: Path, hostile_report: Report) -> None:
    # Given a report edited to claim "ready" although a check failed
    data = report_json.to_dict(hostile_report)
    data["verdict"] = "ready"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    # Then the results decide, not the claim
    assert report_json.load(path)["verdict"] == "not_ready"


_HEAD = ('{"schema_version": "1.0.0", "tool": {"name": "preflight", "version": "0"}, "tool_version": "0", '
         '"generated_at": "2026-01-01T00:00:00+00:00", "target": {"ips": [], "hostname": null, "domains": [], '
         '"dkim_selectors": []}, "resolver": {"nameservers": [], "system": true}, "verdict": "ready", '
         '"counts": {"pass": 0, "warn": 0, "fail": 0, "error": 0, "skip": 0}, ')
_RESULT = ('"title": "t", "subject": "s", "outcome": "x", "summary": "s", "remediation": null, '
           '"evidence": [], "params": {}')


@pytest.mark.parametrize("content, message", [
    ("not json at all", "invalid JSON"),
    ('{"hello": "world"}', "not a preflight JSON report"),
    ("[1, 2, 3]", "not a preflight JSON report"),
    ('{"schema_version": "9.0.0", "results": []}', "schema 9.0.0"),
    (_HEAD + '"results": [{"check_id": 1, "status": "pass", ' + _RESULT + '}]}',
     "results[0].check_id: expected string, got integer"),
    (_HEAD + '"results": [{"check_id": "a.b", "status": "great", ' + _RESULT + '}]}',
     "results[0].status: expected one of"),
    (_HEAD + '"results": {}}', "results: expected array, got object"),
    (_HEAD + '"results": [], "x": NaN}', "NaN is not a JSON number"),
    (_HEAD + '"results": [], "x": ' + "9" * 5000 + "}", "digits is too long"),
    (_HEAD + '"results": [], "x": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
])
def test_bad_reports_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        report_json.load(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_binary_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UsageError, match="not UTF-8"):
        report_json.load(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="report not found"):
        report_json.load(tmp_path / "nope.json")
