"""A report holding hostile network data, for the renderers' tests."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from preflight.model import Evidence, Outcome, Status
from preflight.engine import Report

FIXED = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)
SCRIPT = "<script>alert(1)</script>"
VALID = Outcome("spf.record", "valid", Status.PASS, ("domain", "record"))
MISSING = Outcome("spf.record", "missing", Status.FAIL, ("domain",))


@pytest.fixture()
def hostile_report() -> Report:
    good = VALID("evil.test", [Evidence("TXT evil.test", f"v=spf1 {SCRIPT}\x07 -all", "@ 127.0.0.1:53")],
                 domain="evil.test", record=f"v=spf1 {SCRIPT} -all")
    bad = MISSING(f"{SCRIPT}.test", [Evidence("TXT", "NXDOMAIN", "@ 127.0.0.1:53")], domain=f"{SCRIPT}.test")
    return Report(
        generated_at=FIXED,
        target={"ips": ["192.0.2.1"], "hostname": f"mx.{SCRIPT}", "domains": ["evil.test"], "dkim_selectors": []},
        resolver={"nameservers": ["127.0.0.1:53"], "system": False},
        results=(good, bad),
    )
