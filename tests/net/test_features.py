"""dnspython's optional parts (:mod:`preflight.net._features`): decided without importing
``importlib.metadata``, with the same ``idna`` answer as dnspython's own metadata check."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
"""Where the children run: not the checkout root, so they import the installed package."""


def _child(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=HERE, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_features_decided_without_importlib_metadata() -> None:
    got = _child("""
        import json, sys
        import preflight.net.dns, dns.name, dns.query, dns.asyncquery, dns.resolver
        import dns._features as f
        decided = dict(f._cache)
        before = "importlib.metadata" in sys.modules
        # a feature nobody decided still gets dnspython's own metadata check, on demand
        metadata_idna = f._version_check(f._requirements["idna"][0])
        print(json.dumps({"decided": decided, "metadata_before": before, "metadata_idna": metadata_idna,
                          "metadata_after": "importlib.metadata" in sys.modules,
                          "idna_2008": dns.name.IDNA_DEFAULT is dns.name.IDNA_2008}))
    """)
    assert got["metadata_before"] is False
    assert got["decided"]["doh"] is False and got["decided"]["doq"] is False
    assert got["decided"]["dnssec"] is False
    assert got["decided"]["idna"] is got["metadata_idna"]   # the same answer as dnspython's check
    assert got["metadata_after"] is True
    assert got["idna_2008"] is got["metadata_idna"]


def test_idna_answer_equals_dnspythons_alone() -> None:
    # dnspython left to itself (no preflight import) decides idna the same way
    plain = _child("""
        import json, dns.name, dns._features as f
        print(json.dumps({"idna": f.have("idna"), "idna_2008": dns.name.IDNA_DEFAULT is dns.name.IDNA_2008}))
    """)
    ours = _child("""
        import json, preflight.net._features, dns.name, dns._features as f
        print(json.dumps({"idna": f.have("idna"), "idna_2008": dns.name.IDNA_DEFAULT is dns.name.IDNA_2008}))
    """)
    assert ours == plain


def test_a_changed_idna_leaves_the_idna_decision_to_dnspython() -> None:
    # Given an idna whose private idna.package_data has no __version__ (a later release):
    # importing preflight's DNS layer must not crash (every check imports it); dnspython's own
    # metadata check decides instead.
    got = _child("""
        import json, sys, types
        import dns._features as f
        import idna
        sys.modules["idna.package_data"] = types.ModuleType("idna.package_data")  # no __version__
        import preflight.net.dns, dns.name
        print(json.dumps({"idna": f.have("idna"), "metadata": f._version_check(f._requirements["idna"][0])}))
    """)
    assert got["idna"] is got["metadata"]
