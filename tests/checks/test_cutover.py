"""The old server around cutover: SPF hand-over and the reference section, against the lab."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from importlib import resources

import jsonschema

from conftest import FIXED_NOW, make_config
from preflight.checks import cutover
from preflight.lab.dnsserver import LabDnsServer
from preflight.report import json as report_json
from preflight.engine import run
from preflight.registry import FAMILIES


def test_old_ip_reference_has_ptr_and_blocklists(dns_server: LabDnsServer) -> None:
    # Given the demo migration with its old server 198.51.100.10 (PTR smtp.example.com)
    config = make_config(dns_server, ips=("203.0.113.25",), domains=("example.com",))
    old = (ipaddress.ip_address("198.51.100.10"),)
    config = dataclasses.replace(config, target=dataclasses.replace(config.target, old_ips=old))
    # When the run is done
    report = run(config, families=FAMILIES, now=FIXED_NOW)
    data = report_json.to_dict(report)
    # Then the old IP is kept in SPF before cutover, and its reference row is complete
    old = [r for r in data["results"] if r["check_id"] == "spf.old_ip"]
    assert [(r["status"], r["outcome"]) for r in old] == [("pass", "kept_before_cutover")]
    (entry,) = data["old_ips"]
    assert entry["ptr"] == "smtp.example.com" and entry["forward_confirmed"] is True
    assert entry["blocklists"]["checked"] > 0 and entry["blocklists"]["listed"] == []
    schema = json.loads((resources.files("preflight") / "schema" / "report.schema.json").read_text())
    jsonschema.validate(data, schema)


def test_evaluate_old_ip_table() -> None:
    cases = [
        ("pass", "before", "pass", "kept_before_cutover"),
        ("fail", "before", "fail", "removed_too_early"),
        ("softfail", "before", "fail", "removed_too_early"),
        ("pass", "after", "warn", "still_authorized"),
        ("fail", "after", "pass", "removed"),
        ("temperror", "after", "error", "error"),
        ("permerror", "before", "error", "error"),
    ]
    for result, phase, status, outcome in cases:
        got = cutover.evaluate_old_ip("example.com", "198.51.100.10", result, "x", phase, "2026-11-29")
        assert (got.status.value, got.outcome) == (status, outcome), (result, phase)
