"""Saved reports are strict JSON: a key named twice in one object is refused (one line naming the
key, exit 2) by every command that reads one — Python's ``json`` would keep the last value
silently, so a crafted report could show one thing to a reader and another to preflight."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.errors import UsageError
from preflight.report import loader

SAMPLE = Path(__file__).parent / "samples" / "full_report.json"


def _with_duplicate(tmp_path: Path, where: str) -> Path:
    """The sample report with one key written twice (at the top, or inside the first result)."""
    text = SAMPLE.read_text(encoding="utf-8")
    data = json.loads(text)
    if where == "top":
        # the second "verdict" would win in Python's json: a not-ready report read as ready
        text = text.rstrip().rstrip("}") + ', "verdict": "ready"}'
        assert data["verdict"] != "ready"
    else:
        first = data["results"][0]
        body = json.dumps(first)
        dup = body[:-1] + ', "status": "pass"}'
        text = json.dumps(data).replace(body, dup, 1)
        assert dup in text
    path = tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("where", "key"), [("top", "verdict"), ("nested", "status")])
def test_the_loader_names_the_duplicate_key(tmp_path: Path, where: str, key: str) -> None:
    path = _with_duplicate(tmp_path, where)
    with pytest.raises(UsageError) as info:
        loader.load(path)
    message = str(info.value)
    assert f"the key '{key}' appears twice" in message and str(path) in message
    assert "\n" not in message


def test_a_duplicate_key_in_a_hostile_name_is_shown_bounded(tmp_path: Path) -> None:
    key = "\x1b[31m" + "k" * 500
    with pytest.raises(UsageError) as info:
        loader.parse(json.dumps({key: 1})[:-1] + ", " + json.dumps(key) + ": 2}", "r.json")
    assert len(str(info.value)) < 200


def test_the_sample_itself_is_accepted() -> None:
    assert loader.load(SAMPLE)["schema_version"]


LAB = ("--ip", "192.0.2.1", "--nameserver", "127.0.0.1:9", "--no-smtp", "--no-blocklists")


@pytest.mark.parametrize("make_args", [
    lambda p, out: ("render", str(p), "--html", str(out)),
    lambda p, out: ("diff", str(SAMPLE), str(p)),
    lambda p, out: ("diff", str(p), str(SAMPLE)),
    lambda p, out: ("history", str(SAMPLE), str(p), "--html", str(out)),
    lambda p, out: ("check", *LAB, "--baseline", str(p), "--json", str(out)),
], ids=["render", "diff-after", "diff-before", "history", "baseline"])
def test_every_reader_refuses_it_with_one_line(make_args: object, tmp_path: Path) -> None:
    path = _with_duplicate(tmp_path, "top")
    out = tmp_path / "out.file"
    result = CliRunner().invoke(app, list(make_args(path, out)))  # type: ignore[operator]
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"preflight: error: {path} is not strict JSON: the key 'verdict' appears twice "
                     "in one object"], result.output
    assert not out.exists()
