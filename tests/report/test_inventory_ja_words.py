"""The inventory section's own words in Japanese: Japanese brackets around our states, and a stored
kind/state that happens to name a catalogue template is shown as stored, never as a bare template."""

from __future__ import annotations

import json
from pathlib import Path

from preflight.report.sections.inventory import view

SAMPLE = Path(__file__).parent / "samples" / "full_report.json"


def _section() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))["inventory"]


def _rows(server: dict) -> dict[str, str]:
    return dict(server["rows"])


def test_dkim_key_states_use_japanese_brackets_in_japanese() -> None:
    ja = view(_section(), "ja")["servers"][0]
    en = view(_section(), "en")["servers"][0]
    dkim_ja = next(v for k, v in _rows(ja).items() if "DKIM" in k)
    dkim_en = next(v for k, v in _rows(en).items() if "DKIM" in k)
    assert "（読み取り可）" in dkim_ja and "(" not in dkim_ja, dkim_ja
    assert "(ok)" in dkim_en, dkim_en


def test_a_stored_kind_naming_a_template_is_shown_as_stored() -> None:
    section = _section()
    server = section["servers"]["new"]
    server.update(connected=False, error={"kind": "line", "detail": "x"})
    server["role"] = "heading"
    said = next(s for s in view(section, "ja")["servers"] if s["role"] == "heading")
    assert "{" not in said["error"] and "{" not in said["heading"], said
    assert said["error"].startswith("line"), said["error"]
