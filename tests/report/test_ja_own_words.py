"""The Japanese demo report carries no English sentence of our own (issue: coded text)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight.checks.smtp.collect import RELAY_NOTE, VERIFY_NOTE
from preflight.cli import app
from preflight.report import html as html_report
from preflight.i18n.localize import localize
from preflight.report.sections.smtp import TRANSCRIPT_NOTES

ENGLISH = (
    "is not listed (NXDOMAIN)", "silently ignores this resolver", "the list failed its self-test",
    "its answer does not count", "passed its RFC 5782 self-test", "sending domain", "HELO name ",
    "PTR name ", "not a known public resolver", "second connection: the same handshake",
    "reconnecting without STARTTLS", "Spamhaus Block List (spam source", "reported by SpamCop users",
    "exploited host, bot or open proxy", "not listed", "accepts EHLO", "connections in the old server",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for lang in ("en", "ja"):
        folder = tmp_path_factory.mktemp(f"demo-{lang}")
        result = CliRunner().invoke(app, ["demo", "--lang", lang, "--output-dir", str(folder)])
        assert result.exit_code in (0, 1, 2, 3, 4), result.output
        out[lang] = folder
    return out


def _one(folder: Path, suffix: str) -> Path:
    found = sorted(folder.glob(f"*{suffix}"))
    assert found, f"no {suffix} in {folder}"
    return found[0]


def test_japanese_demo_has_none_of_our_english(demo: dict[str, Path]) -> None:
    page = _one(demo["ja"], ".html").read_text(encoding="utf-8")
    left = [f for f in ENGLISH if f in page]
    assert not left, f"English left in the Japanese report: {left}"


def test_english_json_renders_in_japanese(demo: dict[str, Path]) -> None:
    # Given an English JSON report, when it is rendered again in Japanese, our words follow.
    data = json.loads(_one(demo["en"], ".json").read_text(encoding="utf-8"))
    page = html_report.render(localize(data, "ja"), "ja")
    left = [f for f in ENGLISH if f in page]
    assert not left, f"English left after re-rendering in Japanese: {left}"


def test_english_demo_reads_as_before(demo: dict[str, Path]) -> None:
    page = re.sub(r"<[^>]+>", "", _one(demo["en"], ".html").read_text(encoding="utf-8"))  # no-wrap spans out
    for fragment in ("the list failed its self-test: its test entry 127.0.0.2 is not listed (NXDOMAIN): "
                     "the list is dead, or it silently ignores this resolver",
                     "sending domain", "second connection: the same handshake, verifying the certificate chain"):
        assert fragment in page, fragment


def test_transcript_notes_are_translatable() -> None:
    assert {VERIFY_NOTE, RELAY_NOTE} <= set(TRANSCRIPT_NOTES)
