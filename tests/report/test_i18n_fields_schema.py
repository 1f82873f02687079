"""The coded-text fields of saved reports (``settings_i18n``, ``old_i18n``/``new_i18n``, ``notes_i18n``,
``reason_i18n``, ``detail_i18n``…) are declared in the committed schema: a saved report whose field
has the wrong shape is refused by ``render`` and ``diff`` with one line and exit 2, while the sample
(which carries all of them) and an older report (none of them) are accepted and render in both
languages."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from preflight.cli import app

SAMPLE = Path(__file__).parent / "samples" / "full_report.json"
Edit = Callable[[dict[str, Any]], None]


def _sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def _set_settings_i18n(value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        d["inventory"]["servers"]["new"]["settings_i18n"] = value
    return edit


def _set_setting_value(value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        d["inventory"]["servers"]["new"]["settings_i18n"]["relayhost"] = value
    return edit


def _set_row(side: str, value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        rows = d["inventory"]["comparison"]["rows"]
        row = next(r for r in rows if f"{side}_i18n" in r)
        row[f"{side}_i18n"] = value
    return edit


def _set_notes(value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        d["partners"]["domains"][0]["notes_i18n"] = value
    return edit


def _set_skipped(value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        skipped = d["inventory"]["servers"]["new"]["skipped"]
        assert skipped, "the sample has a skipped file"
        skipped[0]["reason_i18n"] = value
    return edit


def _set_detail(value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        d["comparison"]["changes"][0]["detail_i18n"] = value
    return edit


MALFORMED: dict[str, Edit] = {
    "settings_i18n-number": _set_settings_i18n(1),
    "settings_i18n-list": _set_settings_i18n(["[]"]),
    "settings_i18n-value-table": _set_setting_value({"key": "server_value_empty"}),
    "settings_i18n-value-number": _set_setting_value(7),
    "old_i18n-list": _set_row("old", [{"key": "server_value_empty"}]),
    "new_i18n-number": _set_row("new", 3),
    "notes_i18n-string": _set_notes("[]"),
    "notes_i18n-nested": _set_notes([["x"]]),
    "notes_i18n-table": _set_notes({"a": "b"}),
    "reason_i18n-table": _set_skipped({"key": "server_key_denied"}),
    "detail_i18n-number": _set_detail(5),
}


@pytest.mark.parametrize("command", ["render", "diff"])
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_coded_field_is_refused_with_one_line(name: str, command: str, tmp_path: Path) -> None:
    data = _sample()
    MALFORMED[name](data)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.html"
    args = ["render", str(path), "--lang", "ja", "--html", str(out)] if command == "render" \
        else ["diff", str(SAMPLE), str(path), "--lang", "ja", "--html", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("preflight: error:") and "_i18n" in lines[0], result.output
    assert not out.exists()


def _without_coded(value: Any) -> Any:
    """A report as written before the coded fields of comparison, inventory and partners existed."""
    gone = {"detail_i18n", "before_i18n", "after_i18n", "settings_i18n", "old_i18n", "new_i18n", "notes_i18n"}
    if isinstance(value, dict):
        return {k: _without_coded(v) for k, v in value.items() if k not in gone}
    if isinstance(value, list):
        return [_without_coded(v) for v in value]
    return value


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_reports_with_and_without_the_coded_fields_render_and_diff(lang: str, tmp_path: Path) -> None:
    older = tmp_path / "older.json"
    older.write_text(json.dumps(_without_coded(copy.deepcopy(_sample()))), encoding="utf-8")
    for args in (["render", str(SAMPLE)], ["render", str(older)], ["diff", str(older), str(SAMPLE)],
                 ["diff", str(SAMPLE), str(older)]):
        out = tmp_path / f"{args[0]}-{lang}.html"
        result = CliRunner().invoke(app, [*args, "--lang", lang, "--html", str(out)])
        assert result.exit_code in (0, 1), result.output
        assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
