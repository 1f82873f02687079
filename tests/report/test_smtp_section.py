"""The ``smtp`` report section: rendered from the JSON dict, escaped, tolerant of old reports."""

from __future__ import annotations

import re

from typing import Any

from preflight.report import html as report_html
from preflight.report import json as report_json
from preflight.report.sections import smtp as smtp_view
from preflight.engine import Report

SCRIPT = "<script>alert(1)</script>"


def _section(**target: Any) -> dict[str, Any]:
    base = {
        "target": "127.0.0.1:2525",
        "address": "127.0.0.1",
        "port": 2525,
        "timings_ms": {"connect": 1, "greeting": 2, "total": 30},
        "greeting": f"220 mx.example.com {SCRIPT} \\x1b[2J",
        "extensions": ["PIPELINING", "STARTTLS"],
        "tls": {"version": "TLSv1.3", "cipher": "TLS_AES_128_GCM_SHA256", "bits": 128,
                "server_name": "mx.example.com"},
        "certificate": {"subject": f"CN={SCRIPT}", "issuer": "CN=lab CA", "dns_names": ["mx.example.com"],
                        "not_before": "2026-11-01T00:00:00+00:00", "not_after": "2027-01-30T00:00:00+00:00",
                        "days_left": 61, "self_signed": False, "sha256": "aa:bb", "key": "EC secp256r1",
                        "signature": "ecdsa-with-SHA256"},
        "verification": {"trusted": False, "reason": "self-signed certificate", "trust_store": "system CA store"},
        "stopped": None,
        "transcript": ["S: 220 mx.example.com", f"C: EHLO {SCRIPT}", "S: 250 ok"],
    }
    base.update(target)
    return {"settings": {"timeout": 10.0, "helo_name": "preflight.invalid"}, "targets": [base]}


def _render(hostile_report: Report, section: dict[str, Any] | None) -> str:
    data = report_json.to_dict(hostile_report)
    if section is not None:
        data["smtp"] = section
    return report_html.render(data)


def test_section_is_rendered_and_escaped(hostile_report: Report) -> None:
    page = _render(hostile_report, _section())
    assert 'id="smtp"' in page
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    text = re.sub(r"<[^>]+>", "", page)   # network names sit in no-wrap spans
    assert "TLSv1.3, TLS_AES_128_GCM_SHA256 (128 bits), SNI mx.example.com" in text
    assert "not trusted (system CA store): self-signed certificate" in page
    assert "61 days left" in page


def test_no_section_without_smtp_data(hostile_report: Report) -> None:
    assert 'id="smtp"' not in _render(hostile_report, None)


def test_a_probe_that_stopped_early(hostile_report: Report) -> None:
    section = _section(tls=None, certificate=None, verification=None, greeting=None, extensions=[],
                       timings_ms={"connect": 1, "greeting": None, "total": 1000},
                       stopped={"step": "greeting", "reason": "no complete reply within 1 s"})
    page = _render(hostile_report, section)
    assert "greeting: no complete reply within 1 s" in page


def test_view_accepts_sparse_old_sections() -> None:
    view = smtp_view.view({"targets": [{"target": "192.0.2.25:25"}]})
    [target] = view["targets"]
    assert target["target"] == "192.0.2.25:25"
    assert target["tls"] is None and target["certificate"] == [] and target["transcript"] == ""
    assert view["ui"]["heading"] == "SMTP probe"
