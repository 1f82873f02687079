"""TLS-RPT (tls_rpt.record) against the lab's zones: every state."""

from __future__ import annotations

from collections.abc import Callable

from checks.support import OutcomeRecorder
from preflight.checks import tls_rpt
from preflight.checks.mta_sts.settings import TransportSettings
from preflight.engine import RunContext
from preflight.i18n.messages import result_text
from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.model import CheckResult, Status

Context = Callable[..., RunContext]


def run(context_for: Context, *domains: str) -> list[CheckResult]:
    ctx = context_for(ips=("192.0.2.25",), domains=domains, transport=TransportSettings())
    return list(tls_rpt.run(ctx).results)


def test_each_state(context_for: Context, dns_server: LabDnsServer, outcomes: OutcomeRecorder) -> None:
    dns_server.add_fault("_smtp._tls.good.test", FaultKind.SERVFAIL)
    results = run(context_for, "covered.transport.test", "stale.transport.test", "double.transport.test",
                  "broken.transport.test", "good.test")
    outcomes.expect(results, "tls_rpt.record", "ok", Status.PASS, domain="covered.transport.test",
                    rua="mailto:tls@covered.transport.test")
    missing = outcomes.expect(results, "tls_rpt.record", "missing", Status.WARN, domain="stale.transport.test")
    outcomes.expect(results, "tls_rpt.record", "multiple", Status.WARN, domain="double.transport.test", count=2)
    outcomes.expect(results, "tls_rpt.record", "invalid", Status.WARN, domain="broken.transport.test")
    outcomes.expect(results, "tls_rpt.record", "error", Status.ERROR, domain="good.test")
    ja = result_text(missing.check_id, missing.outcome, dict(missing.params), "ja")
    assert "_smtp._tls.stale.transport.test" in (ja.remediation or "") and "切り替え前" in (ja.remediation or "")


def test_without_settings_nothing_is_asked(context_for: Context) -> None:
    ctx = context_for(ips=("192.0.2.25",), domains=("covered.transport.test",))
    assert tls_rpt.run(ctx).results == ()
