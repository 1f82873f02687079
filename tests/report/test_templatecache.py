"""Compiled templates cached between runs: same page, and no cache rather than a failed or wrong render."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.engine import Report
from preflight.i18n import usercache
from preflight.report import html as report_html
from preflight.report import json as report_json
from preflight.report._templatecache import bytecode_cache, cache_tag


@pytest.fixture()
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cache directory of the test's own, and a fresh Jinja2 environment before and after."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(usercache.ENV_VAR, str(folder))
    report_html.environment.cache_clear()
    yield folder
    report_html.environment.cache_clear()


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("template-*"))


def _key(raw: bytes) -> bytes:
    """The key an entry was stored for (the template, its source checksum, our tag)."""
    return raw[len(usercache.MAGIC):len(usercache.MAGIC) + 64]


def _whole(path: Path) -> bool:
    """The entry's payload matches the SHA-256 in its header."""
    raw = path.read_bytes()
    header = len(usercache.MAGIC) + 2 * 65
    return raw.startswith(usercache.MAGIC) and raw[header - 65:header - 1] == (
        hashlib.sha256(raw[header:]).hexdigest().encode())


def test_cached_templates_render_the_same_page(own_cache: Path, hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    first = report_html.render(data)  # compiles, and keeps the code
    assert _entries(own_cache)
    assert own_cache.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o077 == 0 for p in _entries(own_cache))
    report_html.environment.cache_clear()
    assert report_html.render(data) == first  # from the kept code


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "swap"])
def test_corrupt_compiled_templates_are_compiled_again(own_cache: Path, hostile_report: Report,
                                                       damage: str) -> None:
    # Given the compiled templates in the cache
    data = report_json.to_dict(hostile_report)
    first = report_html.render(data)
    entries = _entries(own_cache)
    blobs = [p.read_bytes() for p in entries]
    # When every entry is damaged: cut short, one bit flipped in its code, replaced by noise, or
    # holding another template's (intact) entry
    for index, path in enumerate(entries):
        raw = blobs[index]
        if damage == "truncate":
            path.write_bytes(raw[: len(raw) // 2])
        elif damage == "flip":
            path.write_bytes(raw[:-10] + bytes([raw[-10] ^ 0x01]) + raw[-9:])
        elif damage == "garbage":
            path.write_bytes(b"\x00" * len(raw))
        else:
            path.write_bytes(blobs[(index + 1) % len(blobs)])
    report_html.environment.cache_clear()
    # Then the page is the same (compiled again), and the entries are whole again
    assert report_html.render(data) == first
    assert all(_whole(p) for p in _entries(own_cache))
    assert [_key(p.read_bytes()) for p in _entries(own_cache)] == [_key(raw) for raw in blobs]


def test_unsafe_cache_directory_means_no_cache(own_cache: Path, hostile_report: Report) -> None:
    # Given something else where the cache would be (a file)
    own_cache.write_text("not a directory")
    assert bytecode_cache({"autoescape": True}) is None
    # Then the report still renders, compiled as before.
    page = report_html.render(report_json.to_dict(hostile_report))
    assert "<html" in page and own_cache.read_text() == "not a directory"


def test_options_and_versions_name_the_entries() -> None:
    assert cache_tag({"trim_blocks": True}) != cache_tag({"trim_blocks": False})
    assert len(cache_tag({})) == 16
