"""The wheel ships everything preflight needs at run time (templates, zones, catalogue, schema).

Builds the wheel, installs it (without dependencies) into a fresh virtual environment that
borrows this environment's dependencies, and runs the installed entry point from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not running from a source checkout")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, timeout=300)
    (found,) = out.glob("preflight_mail-*.whl")
    return found


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("preflight/templates/report.html.j2", "preflight/templates/report.css",
                   "preflight/locales/en/core.toml", "preflight/schema/report.schema.json",
                   "preflight/_lab_zones/example.com.zone", "preflight/cli/__init__.py"):
        assert needed in names, f"{needed} missing from {wheel.name}"
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_runs_demo_and_render(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    vpy = bindir / "python"
    site = Path(subprocess.check_output([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "--no-deps", "-q", str(wheel)],
                   check=True, timeout=300)
    # Dependencies come from this environment (appended after the fresh site-packages). Added
    # only after the install, so pip cannot mistake this environment's preflight for the wheel.
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.check_output([str(vpy), "-c", "import preflight; print(preflight.__file__)"],
                                    text=True, cwd=tmp_path).strip()
    assert where.startswith(str(site)), where
    out = tmp_path / "demo"
    demo = subprocess.run([str(bindir / "preflight"), "demo", "--output-dir", str(out)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    data = json.loads((out / "report.json").read_text())
    assert data["verdict"] in ("not_ready", "ready_with_warnings", "ready", "inconclusive")
    again = tmp_path / "again.html"
    render = subprocess.run([str(bindir / "preflight"), "render", str(out / "report.json"), "--html", str(again)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert render.returncode == 0, render.stderr
    assert "<!DOCTYPE html>" in again.read_text()
