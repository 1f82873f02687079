"""The README's "Adding a check" walkthrough works as written.

Its code blocks (the family's modules and its two locale files) are written into a copy of the
installed package with the one registry line added; a fresh interpreter then runs the demo with
the new family and checks its option, its plan table and its results in both languages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import preflight

README = Path(__file__).resolve().parents[1] / "README.md"

CHECK = r'''
import json, sys
from typer.testing import CliRunner
from preflight.cli import app
from preflight.config import validate_plan
from preflight.registry import FAMILIES
assert FAMILIES[-1].name == "bimi", [f.name for f in FAMILIES]
assert "--no-bimi" in CliRunner().invoke(app, ["check", "--help"]).output
assert validate_plan({"bimi": {"enabled": False}}) == {"bimi.enabled": False}
for lang, words in (("en", "publishes no BIMI record"), ("ja", "BIMI レコードがありません")):
    out = sys.argv[1] + "/" + lang
    result = CliRunner().invoke(app, ["demo", "--output-dir", out, "--lang", lang])
    assert result.exit_code == 0, result.output
    data = json.load(open(out + "/report.json", encoding="utf-8"))
    found = [r for r in data["results"] if r["check_id"] == "bimi.record"]
    assert [r["subject"] for r in found] == ["example.com", "example.net"], found
    assert all(r["status"] == "warn" and words in r["summary"] for r in found), found
print("ok")
'''


def _blocks(section: str) -> list[str]:
    return re.findall(r"```(?:python|toml)\n(.*?)```", section, re.S)


def test_adding_a_check_walkthrough(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Adding a check"):]
    section = section[:section.index("\n## ", 5)]
    family, settings, init, en, ja = _blocks(section)
    # Given a copy of the installed package with the README's files and one registry line
    package = tmp_path / "site" / "preflight"
    shutil.copytree(Path(preflight.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (package / "checks" / "bimi").mkdir()
    (package / "checks" / "bimi" / "family.py").write_text(family, encoding="utf-8")
    (package / "checks" / "bimi" / "settings.py").write_text(settings, encoding="utf-8")
    (package / "checks" / "bimi" / "__init__.py").write_text(init, encoding="utf-8")
    (package / "locales" / "en" / "bimi.toml").write_text(en, encoding="utf-8")
    (package / "locales" / "ja" / "bimi.toml").write_text(ja, encoding="utf-8")
    registry = package / "registry.py"
    source = registry.read_text(encoding="utf-8")
    source = source.replace("from preflight.checks import (\n", "from preflight.checks import (\n    bimi,\n", 1)
    source = re.sub(r"(FAMILIES: tuple\[Family, \.\.\.\] = \(\n(?:    .*\n)*?)\)", r"\1    bimi.FAMILY,\n)",
                    source, count=1)
    assert "bimi.FAMILY" in source and "    bimi,\n" in source
    registry.write_text(source, encoding="utf-8")
    # When the demo runs with it, then the family's option, plan table and words are all there
    done = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path)], capture_output=True, text=True,
                          cwd=tmp_path, env={"PYTHONPATH": str(package.parent), "LANG": "C.UTF-8",
                                             "PATH": "/usr/bin:/bin"}, timeout=300, check=False)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr
