"""`preflight lists` in either language: headers and yes/no from the catalogue, columns lined up
by display width (a Japanese character takes two terminal cells)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from typer.testing import CliRunner

from preflight.checks.blocklists import listing
from preflight.cli import app
from preflight.i18n.messages import ui


def cells(text: str) -> int:
    """Terminal cells, counted independently of the code under test."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_starts(line: str) -> list[int]:
    """Display offsets where each column starts (columns are separated by two or more spaces)."""
    starts, at = [], 0
    for match in re.finditer(r"\S+(?: \S+)*", line):
        starts.append(cells(line[:match.start()]))
        at = match.end()
    assert at == len(line)
    return starts


def table(lang: str) -> list[str]:
    result = CliRunner().invoke(app, ["lists", "--lang", lang])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_headers_and_yes_no_come_from_the_catalogue(lang: str) -> None:
    lines = table(lang)
    names = ["id", "zone", "kind", "subjects", "enabled", "status", "why"]
    assert re.split(r" {2,}", lines[0]) == [ui(f"cli_lists_column_{n}", lang) for n in names]
    zen = re.split(r" {2,}", next(line for line in lines if line.startswith("spamhaus-zen ")))
    assert zen[4] == ui("cli_lists_yes", lang)
    sorbs = re.split(r" {2,}", next(line for line in lines if line.startswith("sorbs-dnsbl ")))
    assert sorbs[4] == ui("cli_lists_no", lang)


def test_japanese_headers_are_japanese() -> None:
    header = table("ja")[0]
    assert "ゾーン" in header and "有効" in header and "理由" in header
    assert "enabled" not in header and "zone" not in header
    assert table("en")[0].split() == ["id", "zone", "kind", "subjects", "enabled", "status", "why"]


def test_japanese_columns_line_up_by_display_width() -> None:
    # Given the Japanese table (double-width headers, はい/いいえ in the enabled column)
    lines = table("ja")
    # Then every column starts at the same terminal cell on every line
    starts = {tuple(column_starts(line)[:6]) for line in lines}
    assert len(starts) == 1, starts


def test_wide_text_before_the_last_column_is_padded_by_cells() -> None:
    rows = [{"id": "a", "zone": "日本語のゾーン", "kind": "block", "subjects": ["ipv4"], "enabled": True,
             "status": "active", "why": "x"},
            {"id": "b", "zone": "z.example", "kind": "block", "subjects": ["ipv4"], "enabled": False,
             "status": "active", "why": "y"}]
    lines = listing.format_table(rows, "ja").splitlines()
    assert len({tuple(column_starts(line)) for line in lines}) == 1, lines
    assert listing.display_width("日本語") == 6 and listing.display_width("e\u0301") == 1
