"""Mailbox provider requirements judged from report dicts: the data file and the pure rules."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.i18n.messages import LANGUAGES, catalogue
from preflight.report import providers
from preflight.report.providers import ReqState


def r(check_id: str, status: str, outcome: str = "x", **params: str) -> dict[str, Any]:
    """A result as it appears in the JSON report."""
    return {"check_id": check_id, "subject": params.get("domain", params.get("ip", "s")), "status": status,
            "outcome": outcome, "params": params}


def state(rule_id: str, *results: dict[str, Any]) -> ReqState:
    [found] = [x for x in providers.evaluate({"results": list(results)}) if x.rule.id == rule_id]
    return found.state


GOOD_PTR = (r("rdns.ptr", "pass", ip="192.0.2.1"), r("rdns.fcrdns", "pass", ip="192.0.2.1"))
SPF_OK = (r("spf.record", "pass", domain="a.test"), r("spf.authorizes", "pass", domain="a.test", ip="192.0.2.1"))
DKIM_OK = (r("dkim.key", "pass", domain="a.test"),)


@pytest.mark.parametrize("rule, results, expected", [
    # PTR and forward confirmation: both must hold for every IP
    ("google.ptr", GOOD_PTR, ReqState.MET),
    ("google.ptr", (r("rdns.ptr", "fail", ip="192.0.2.1"), r("rdns.fcrdns", "skip", ip="192.0.2.1")),
     ReqState.NOT_MET),
    ("google.ptr", (*GOOD_PTR, r("rdns.fcrdns", "fail", ip="2001:db8::1")), ReqState.NOT_MET),
    ("google.ptr", (r("rdns.ptr", "warn", ip="192.0.2.1"), r("rdns.fcrdns", "pass", ip="192.0.2.1")),
     ReqState.MET),                                            # several PTR names still confirm
    ("google.ptr", (r("rdns.ptr", "error", ip="192.0.2.1"), r("rdns.fcrdns", "skip", ip="192.0.2.1")),
     ReqState.UNKNOWN),                                        # could not look it up
    ("google.ptr", (), ReqState.UNKNOWN),                      # not part of this run
    ("yahoo.ptr", GOOD_PTR, ReqState.MET),
    # SPF or DKIM, per domain
    ("google.spf_or_dkim", SPF_OK, ReqState.MET),
    ("google.spf_or_dkim", (r("spf.record", "fail", domain="a.test"), *DKIM_OK), ReqState.MET),
    ("google.spf_or_dkim", (r("spf.record", "fail", domain="a.test"), r("dkim.key", "fail", domain="a.test")),
     ReqState.NOT_MET),
    ("google.spf_or_dkim", (r("spf.record", "fail", domain="a.test"), r("dkim.key", "skip", domain="a.test")),
     ReqState.UNKNOWN),                                        # no selector given: DKIM unknown
    # a.test has SPF only, b.test DKIM only: each domain meets "SPF or DKIM"
    ("google.spf_or_dkim", (*SPF_OK, r("dkim.key", "fail", domain="a.test"),
                            r("spf.record", "fail", domain="b.test"), r("dkim.key", "pass", domain="b.test")),
     ReqState.MET),
    # ... but not "SPF and DKIM"
    ("google.spf_and_dkim", (*SPF_OK, r("dkim.key", "fail", domain="a.test"),
                             r("spf.record", "fail", domain="b.test"), r("dkim.key", "pass", domain="b.test")),
     ReqState.NOT_MET),
    ("google.spf_and_dkim", (*SPF_OK, *DKIM_OK), ReqState.MET),
    ("google.spf_and_dkim", (*SPF_OK, r("dkim.key", "warn", domain="a.test")), ReqState.MET),  # 1024-bit key
    ("microsoft.spf", (r("spf.record", "pass", domain="a.test"),
                       r("spf.authorizes", "warn", "neutral", domain="a.test", ip="192.0.2.1")),
     ReqState.NOT_MET),                                        # ?all is not a pass
    ("microsoft.spf", (r("spf.record", "pass", domain="a.test"),
                       r("spf.authorizes", "error", domain="a.test", ip="192.0.2.1")), ReqState.UNKNOWN),
    ("microsoft.dkim", DKIM_OK, ReqState.MET),
    ("microsoft.dmarc", (r("dmarc.record", "pass", domain="a.test"),), ReqState.MET),
    ("microsoft.dmarc", (r("dmarc.record", "fail", domain="a.test"),), ReqState.NOT_MET),
    ("google.dmarc", (r("dmarc.record", "pass", domain="a.test"), r("dmarc.policy", "warn", domain="a.test")),
     ReqState.MET),                                            # p=none is enough
    ("microsoft.alignment", (*SPF_OK, r("dkim.key", "fail", domain="a.test")), ReqState.MET),
    # TLS: the SMTP probe; the server's outgoing setting counts when the SSH inventory ran
    ("google.tls", (r("smtp.starttls", "pass"), r("smtp.tls_handshake", "pass"), r("smtp.tls_version", "pass")),
     ReqState.MET),
    ("google.tls", (r("smtp.starttls", "fail"), r("smtp.tls_handshake", "skip"), r("smtp.tls_version", "skip")),
     ReqState.NOT_MET),
    ("google.tls", (r("smtp.starttls", "pass"), r("smtp.tls_handshake", "pass"), r("smtp.tls_version", "pass"),
                    r("server.tls_levels", "warn", "outgoing_none")), ReqState.NOT_MET),
    ("google.tls", (r("smtp.starttls", "pass"), r("smtp.tls_handshake", "pass"), r("smtp.tls_version", "pass"),
                    r("server.tls_levels", "warn", "incoming_enforced"),
                    r("server.tls_levels", "pass", "outgoing_ok")), ReqState.MET),
    ("google.tls", (r("smtp.connect", "skip"),), ReqState.UNKNOWN),    # --no-smtp
    # what no query can show
    ("google.spam_rate", GOOD_PTR, ReqState.NOT_CHECKABLE),
    ("google.one_click", (), ReqState.NOT_CHECKABLE),
    ("yahoo.one_click", (), ReqState.NOT_CHECKABLE),
    ("microsoft.unsubscribe", (), ReqState.NOT_CHECKABLE),
])
def test_rules(rule: str, results: tuple[dict[str, Any], ...], expected: ReqState) -> None:
    assert state(rule, *results) is expected


def test_deciding_results_are_the_ones_that_failed() -> None:
    results = [*SPF_OK, r("spf.authorizes", "fail", domain="a.test", ip="2001:db8::1"), *DKIM_OK,
               r("dkim.key", "warn", domain="a.test")]
    [spf] = [x for x in providers.evaluate({"results": results}) if x.rule.id == "microsoft.spf"]
    assert spf.state is ReqState.NOT_MET
    assert [d["params"]["ip"] for d in spf.deciding] == ["2001:db8::1"]
    [dkim] = [x for x in providers.evaluate({"results": results}) if x.rule.id == "microsoft.dkim"]
    assert dkim.state is ReqState.MET and dkim.deciding == ()


def test_shipped_data_is_valid_and_complete() -> None:
    reqs = providers.load()
    assert set(reqs.providers) == {"google", "yahoo", "microsoft"}
    assert {p.effective for p in reqs.providers.values()} == {"2024-02-01", "2025-05-05"}
    topics = {rule.id.split(".", 1)[1] for rule in reqs.rules}
    assert {"ptr", "spf_or_dkim", "spf_and_dkim", "dmarc", "tls", "alignment", "one_click", "spam_rate"} <= topics
    for provider in reqs.providers.values():
        assert provider.sources and all(s.startswith("https://") for s in provider.sources)


def test_every_proving_check_exists() -> None:
    from report.declared import declared_check_ids

    known = declared_check_ids()
    reqs = providers.load()
    missing = {c for proof in reqs.proofs.values() for c in proof.checks} - known
    assert not missing, f"provider_requirements.toml names unknown checks: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_rule_has_words(lang: str) -> None:
    words = catalogue(lang)["ui"]
    for rule in providers.load().rules:
        assert words.get(rule.text_key), f"{lang}: no words for {rule.text_key}"
        if rule.note:
            assert words.get(rule.note), f"{lang}: no words for {rule.note}"


@pytest.mark.parametrize("bad, message", [
    ({"providers": {"x": {"name": "X", "effective": "2024", "sources": ["http://x"]}}}, "https"),
    ({"providers": {}, "rules": [{"id": "a.b", "provider": "nope", "scope": "all"}]}, "unknown provider"),
    ({"providers": {"x": {"name": "X", "effective": "2024", "sources": ["https://x"]}},
      "rules": [{"id": "x.a", "provider": "x", "scope": "some"}]}, "scope"),
    ({"providers": {"x": {"name": "X", "effective": "2024", "sources": ["https://x"]}},
      "rules": [{"id": "x.a", "provider": "x", "scope": "all", "all": ["nope"]}]}, "unknown or missing proofs"),
    ({"providers": {"x": {"name": "X", "effective": "2024", "sources": ["https://x"]}}, "proofs": {"p": {"checks": ["a.b"]}},
      "rules": [{"id": "x.a", "provider": "x", "scope": "all", "all": ["p"], "any": ["p"]}]}, "either"),
])
def test_bad_data_is_refused(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        providers.parse(bad)
