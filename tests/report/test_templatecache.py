"""Compiled templates cached between runs: same page, and no cache rather than a failed render."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.engine import Report
from preflight.report import html as report_html
from preflight.report import json as report_json
from preflight.report._templatecache import bytecode_cache


@pytest.fixture()
def own_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private system temp directory, and a fresh Jinja2 environment before and after."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    report_html.environment.cache_clear()
    yield tmp_path / f"_jinja2-cache-{os.getuid()}"
    report_html.environment.cache_clear()


def test_cached_templates_render_the_same_page(own_temp: Path, hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    first = report_html.render(data)  # compiles, and keeps the code
    assert any(own_temp.glob("__preflight-*.cache"))
    report_html.environment.cache_clear()
    assert report_html.render(data) == first  # from the kept code


def test_unsafe_cache_directory_means_no_cache(own_temp: Path, hostile_report: Report) -> None:
    # Given something else where Jinja2 would keep its cache (another user's trap, a file)
    own_temp.write_text("not a directory")
    assert bytecode_cache({"autoescape": True}) is None
    # Then the report still renders, compiled as before.
    page = report_html.render(report_json.to_dict(hostile_report))
    assert "<html" in page and own_temp.read_text() == "not a directory"


def test_options_and_version_name_the_entries() -> None:
    one, other = bytecode_cache({"trim_blocks": True}), bytecode_cache({"trim_blocks": False})
    if one is None or other is None:
        pytest.skip("no safe temp directory here")
    assert one.pattern != other.pattern and "%s" in one.pattern
