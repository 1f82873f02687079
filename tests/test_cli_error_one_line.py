"""Every error the CLI reports is ONE line on stderr, whatever the user typed: a newline or tab in
a file name or option value is shown as ``\\n``/``\\t`` (like the usage errors of
:mod:`preflight.cli.usage`), never a second line; and what is echoed back is bounded."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from preflight.cli import app


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_a_newline_in_a_report_file_name_stays_on_one_line(tmp_path: Path) -> None:
    # Given a saved report that is not JSON, under a name holding a newline and a tab
    path = tmp_path / "bad\nname\t.json"
    path.write_text("{", encoding="utf-8")
    # When it is rendered
    result = CliRunner().invoke(app, ["render", str(path), "--html", str(tmp_path / "o.html")])
    # Then one line names it, the newline and tab shown as text
    assert result.exit_code == 2, result.output
    lines = _lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("preflight: error: ") and "bad\\nname\\t.json" in lines[0]


def test_a_newline_in_an_output_folder_stays_on_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["render", str(tmp_path / "r.json"), "--html", "no\nsuch/o.html"])
    assert result.exit_code == 2, result.output
    assert len(_lines(result.output)) == 1, result.output


def test_a_very_long_unknown_option_is_echoed_bounded() -> None:
    # Given an unknown option 100,000 characters long
    result = CliRunner().invoke(app, ["check", "--" + "a" * 100_000])
    # Then the one usage line is bounded, and still names the help to read
    assert result.exit_code == 2, result.output
    lines = _lines(result.output)
    assert len(lines) == 1 and len(lines[0]) < 1100, len(result.output)
    assert lines[0].startswith("preflight: error: no such option: --aaa")
    assert lines[0].endswith("(see 'preflight check --help')")
