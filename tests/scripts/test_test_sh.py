"""scripts/test.sh installs system packages only when something is really missing (issue 15, item 9)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test.sh"


def _missing() -> list[str]:
    out = subprocess.run(["bash", str(SCRIPT), "--missing"], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.split()


def _font_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, timeout=60, check=False)
    return "Noto Sans CJK JP" in out.stdout


def test_an_installed_font_is_not_reinstalled() -> None:
    # Given the Japanese font installed (fc-list lists many fonts: grep -q used to stop early, SIGPIPE)
    if not _font_installed():
        pytest.skip("fonts-noto-cjk not installed here")
    # Then test.sh does not ask for it
    assert "fonts-noto-cjk" not in _missing()


def test_only_missing_programs_are_listed() -> None:
    missing = _missing()
    for package, program in (("chromium", "chromium"), ("openssl", "openssl"), ("poppler-utils", "pdftoppm")):
        assert (package in missing) == (shutil.which(program) is None), package


def test_no_package_list_refresh_on_every_run() -> None:
    # apt-get update runs only as the fallback of a failed install, never on its own
    lines = [line.strip() for line in SCRIPT.read_text(encoding="utf-8").splitlines()]
    updates = [i for i, line in enumerate(lines) if line.startswith("apt-get update")]
    assert updates and all("||" in lines[i - 1] for i in updates)
