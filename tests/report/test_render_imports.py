"""``preflight render`` stays light: a saved report is rendered without the DNS, SSH or crypto stacks.

Rendering needs the report, the catalogues and Jinja2 — nothing that talks to the network.
Importing dnspython, checkdmarc, pyspf, paramiko or cryptography would cost ``render`` a third of
its time (issue 16), so the rule is checked the only reliable way: which modules a real ``render``
process holds when it ends (no timing here; ``scripts/bench_startup.py`` times it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "samples" / "full_report.json"
NOT_IN_RENDER = ("dns", "checkdmarc", "spf", "paramiko", "cryptography", "aiosmtpd", "dkim",
                 "publicsuffixlist", "nacl", "bcrypt", "requests", "httpx")
"""Top-level packages ``render`` must not import (the DNS stack, SSH, cryptography, HTTP)."""

PROBE = """
import atexit, json, sys
out, watch = sys.argv.pop(1), json.loads(sys.argv.pop(1))
def report():
    with open(out, "w") as handle:
        json.dump(sorted({m.split(".")[0] for m in sys.modules} & set(watch)), handle)
atexit.register(report)
from preflight.cli import app
sys.argv[0] = "preflight"
app()
"""


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_render_imports_no_network_stack(tmp_path: Path, lang: str) -> None:
    # Given a saved report with every section
    found = tmp_path / "modules.json"
    # When it is rendered to every format, as the installed program does
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(found), json.dumps(NOT_IN_RENDER), "render", str(SAMPLE),
         "--lang", lang, "--html", str(tmp_path / "r.html"), "--markdown", str(tmp_path / "r.md"),
         "--json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r.html").stat().st_size > 0
    # Then none of the network, SSH or crypto packages was imported
    assert json.loads(found.read_text()) == []
