"""Pure judgement of SMTP probes: literal facts in, results out (no sockets, fixed clock).

Also: every smtp outcome has words in the catalogue, and the settings that build probes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from preflight.checks.smtp import outcomes
from preflight.checks.smtp.evaluate import (
    Rcpt,
    classify_rcpt,
    evaluate,
    evaluate_banner,
    evaluate_banner_names,
    evaluate_certificate,
    evaluate_connect,
    evaluate_ehlo,
    evaluate_postmaster,
    evaluate_relay,
    evaluate_starttls,
)
from preflight.checks.smtp.facts import (
    CertFacts,
    ProbeFacts,
    Step,
    Stop,
    TlsFacts,
    VerifyFacts,
    banner_host,
    extension,
    is_fqdn,
    name_matches,
)
from preflight.checks.smtp.settings import SmtpSettings, from_options
from preflight.config import parse_ip, validate_plan
from preflight.errors import UsageError
from preflight.i18n.messages import catalogue, check_about, check_title, result_text
from preflight.model import CheckResult, Status, template_fields
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.smtp import Failure, Reply, SmtpTarget

P, W, F, E, S = Status.PASS, Status.WARN, Status.FAIL, Status.ERROR, Status.SKIP
NOW = datetime(2026, 11, 29, 9, 0, 0, tzinfo=timezone.utc)
TARGET = SmtpTarget("192.0.2.25", 25)
PTR_OK = DnsAnswer("25.2.0.192.in-addr.arpa", "PTR", ("mail.example.com",), 3600, "127.0.0.1:53")
EHLO = Reply(250, ("mail.example.com", "PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME"))
CERT = CertFacts(
    subject="CN=mail.example.com", issuer="CN=R11,O=Let's Encrypt,C=US",
    dns_names=("mail.example.com", "*.mx.example.com"), common_names=("mail.example.com",),
    not_before=NOW - timedelta(days=10), not_after=NOW + timedelta(days=80), self_signed=False,
    sha256="00", serial="1", key="EC secp256r1", signature="ecdsa-with-SHA256",
)
GOOD = ProbeFacts(
    TARGET, address="192.0.2.25", ptr=PTR_OK, connect_seconds=0.01, greeting_seconds=0.02,
    greeting=Reply(220, ("mail.example.com ESMTP Postfix",)), ehlo=EHLO,
    starttls=Reply(220, ("2.0.0 Ready to start TLS",)),
    tls=TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, "mail.example.com"), certificate=CERT,
    ehlo_tls=EHLO, mail=Reply(250, ("2.1.0 Ok",)),
    relay=Reply(454, ("4.7.1 <relay-test@preflight.invalid>: Relay access denied",)),
    postmaster=(("postmaster@example.com", Reply(250, ("2.1.5 Ok",))),),
    verify=VerifyFacts(True, "", "system CA store"),
)
SETTINGS = SmtpSettings()


def outcome(results: list[CheckResult] | CheckResult, check_id: str) -> tuple[str, Status]:
    items = results if isinstance(results, list) else [results]
    found = [r for r in items if r.check_id == check_id]
    assert len(found) == 1, items
    return found[0].outcome, found[0].status


def test_good_probe_passes() -> None:
    results = evaluate(GOOD, hostname="mail.example.com", domains=("example.com",), timeout=10,
                       helo="preflight.invalid", sender="", recipient="relay-test@preflight.invalid",
                       now=NOW)
    assert [r.check_id for r in results] == list(outcomes.CHECK_IDS)
    assert {r.status for r in results} == {P}, [(r.check_id, r.outcome) for r in results]


# -- connect and banner ------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "expected"), [
    (replace(GOOD), ("connected", P)),
    (ProbeFacts(TARGET, address="192.0.2.25", stop=Stop(Step.CONNECT, Failure.REFUSED, "connection refused")),
     ("refused", F)),
    (ProbeFacts(TARGET, address="192.0.2.25", stop=Stop(Step.CONNECT, Failure.TIMEOUT, "no TCP")),
     ("timeout", E)),
    (ProbeFacts(TARGET, address="192.0.2.25", stop=Stop(Step.CONNECT, Failure.DEADLINE, "spent")),
     ("timeout", E)),
    (ProbeFacts(TARGET, address="192.0.2.25", stop=Stop(Step.CONNECT, Failure.UNREACHABLE, "No route")),
     ("unreachable", E)),
    (ProbeFacts(SmtpTarget("mx.example.com"), resolved=DnsError("mx.example.com", "A", "timeout", "x")),
     ("unresolved", E)),
    (ProbeFacts(SmtpTarget("mx.example.com"),
                resolved=DnsAnswer("mx.example.com", "AAAA", (), 300, "x", nxdomain=True)),
     ("no_address", F)),
])
def test_connect(facts: ProbeFacts, expected: tuple[str, Status]) -> None:
    assert outcome(evaluate_connect(facts, 10), "smtp.connect") == expected


def _greeted(reply: Reply | None, stop: Stop | None = None) -> ProbeFacts:
    return ProbeFacts(TARGET, address="192.0.2.25", connect_seconds=0.01, greeting=reply, stop=stop)


@pytest.mark.parametrize(("facts", "expected"), [
    (_greeted(Reply(220, ("mail.example.com ESMTP",))), ("ok", P)),
    (_greeted(Reply(421, ("4.7.0 try later",))), ("throttled", E)),
    (_greeted(Reply(450, ("busy",))), ("throttled", E)),
    (_greeted(Reply(554, ("5.7.1 go away",))), ("rejected", E)),
    (_greeted(Reply(250, ("hello",))), ("malformed", F)),
    (_greeted(None, Stop(Step.GREETING, Failure.TIMEOUT, "no reply")), ("no_greeting", E)),
    (_greeted(None, Stop(Step.GREETING, Failure.DEADLINE, "spent")), ("no_greeting", E)),
    (_greeted(None, Stop(Step.GREETING, Failure.CLOSED, "closed")), ("closed", E)),
    (_greeted(None, Stop(Step.GREETING, Failure.PROTOCOL, "not an SMTP reply")), ("malformed", F)),
    (ProbeFacts(TARGET, address="192.0.2.25"), ("not_reached", S)),
])
def test_banner(facts: ProbeFacts, expected: tuple[str, Status]) -> None:
    assert outcome(evaluate_banner(facts, 10), "smtp.banner") == expected


PTR_ERR = DnsError("25.2.0.192.in-addr.arpa", "PTR", "servfail", "x")
PTR_NONE = DnsAnswer("25.2.0.192.in-addr.arpa", "PTR", (), 300, "x", nxdomain=True)
PTR_OTHER = replace(PTR_OK, records=("192-0-2-25.dyn.provider.example",))


@pytest.mark.parametrize(("greeting", "ptr", "hostname", "name", "ptr_check", "host_check"), [
    ("mail.example.com ESMTP", PTR_OK, "mail.example.com", ("fqdn", P), ("match", P), ("match", P)),
    ("MAIL.example.com. ESMTP", PTR_OK, "mail.example.com", ("fqdn", P), ("match", P), ("match", P)),
    ("mail.example.com", PTR_OTHER, "mail.example.com", ("fqdn", P), ("differs", W), ("match", P)),
    ("mail.example.com", PTR_NONE, None, ("fqdn", P), ("no_ptr", W), ("no_hostname", S)),
    ("mail.example.com", PTR_ERR, "mx.example.com", ("fqdn", P), ("error", E), ("differs", W)),
    ("localhost ESMTP", PTR_OK, "mail.example.com", ("not_fqdn", W), ("no_name", S), ("no_name", S)),
    ("[192.0.2.25] ESMTP", PTR_OK, "mail.example.com", ("not_fqdn", W), ("no_name", S), ("no_name", S)),
    ("", PTR_OK, "mail.example.com", ("not_fqdn", W), ("no_name", S), ("no_name", S)),
])
def test_banner_names(greeting: str, ptr: DnsAnswer | DnsError, hostname: str | None,
                      name: tuple[str, Status], ptr_check: tuple[str, Status],
                      host_check: tuple[str, Status]) -> None:
    facts = replace(GOOD, greeting=Reply(220, (greeting,)), ptr=ptr)
    results = evaluate_banner_names(facts, hostname)
    assert outcome(results, "smtp.banner_name") == name
    assert outcome(results, "smtp.banner_ptr") == ptr_check
    assert outcome(results, "smtp.banner_hostname") == host_check


def test_banner_names_not_reached() -> None:
    results = evaluate_banner_names(_greeted(Reply(421, ("later",))), "mail.example.com")
    assert {r.outcome for r in results} == {"not_reached"}


@pytest.mark.parametrize(("name", "fqdn"), [
    ("mail.example.com", True), ("mail.example.com.", True), ("MX1.Example.Org", True),
    ("localhost", False), ("[192.0.2.1]", False), ("-bad.example.com", False), ("", False),
    ("mail..example.com", False), ("ESMTP", False),
])
def test_is_fqdn(name: str, fqdn: bool) -> None:
    assert is_fqdn(name) is fqdn


def test_banner_host() -> None:
    assert banner_host(Reply(220, ("mx.example.com ESMTP", "second line"))) == "mx.example.com"
    assert banner_host(None) == ""


# -- EHLO and STARTTLS ------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "ehlo", "auth"), [
    (GOOD, ("accepted", P), ("not_offered", P)),
    (replace(GOOD, ehlo=Reply(250, ("mx", "AUTH PLAIN LOGIN", "STARTTLS"))), ("accepted", P), ("offered", W)),
    (replace(GOOD, ehlo=Reply(250, ("mx", "AUTH=LOGIN"))), ("accepted", P), ("offered", W)),
    (replace(GOOD, ehlo=Reply(550, ("5.7.1 Helo command rejected",))), ("rejected", F), ("not_reached", S)),
    (replace(GOOD, ehlo=Reply(421, ("4.7.0 later",))), ("throttled", E), ("not_reached", S)),
    (replace(GOOD, ehlo=None, stop=Stop(Step.EHLO, Failure.CLOSED, "closed")), ("interrupted", E),
     ("not_reached", S)),
    (replace(GOOD, ehlo=None), ("not_reached", S), ("not_reached", S)),
    (_greeted(Reply(421, ("later",))), ("not_reached", S), ("not_reached", S)),
])
def test_ehlo(facts: ProbeFacts, ehlo: tuple[str, Status], auth: tuple[str, Status]) -> None:
    results = evaluate_ehlo(facts, "preflight.invalid")
    assert outcome(results, "smtp.ehlo") == ehlo
    assert outcome(results, "smtp.auth_before_tls") == auth


def test_auth_mechanisms() -> None:
    facts = replace(GOOD, ehlo=Reply(250, ("mx", "AUTH=LOGIN PLAIN")))
    result = next(r for r in evaluate_ehlo(facts, "x") if r.check_id == "smtp.auth_before_tls")
    assert result.params["mechanisms"] == "LOGIN PLAIN"
    assert extension(("SIZE 100", "STARTTLS"), "STARTTLS") == ""
    assert extension(("SIZE 100",), "STARTTLS") is None


NO_TLS = {"tls": None, "certificate": None, "verify": None}


@pytest.mark.parametrize(("facts", "starttls", "handshake", "version"), [
    (GOOD, ("offered", P), ("ok", P), ("modern", P)),
    (replace(GOOD, tls=replace(GOOD.tls, version="TLSv1.2")), ("offered", P), ("ok", P), ("modern", P)),
    (replace(GOOD, tls=replace(GOOD.tls, version="TLSv1.1")), ("offered", P), ("ok", P), ("legacy", F)),
    (replace(GOOD, tls=replace(GOOD.tls, version="TLSv1")), ("offered", P), ("ok", P), ("legacy", F)),
    (replace(GOOD, ehlo=Reply(250, ("mx", "PIPELINING")), starttls=None, **NO_TLS),
     ("not_offered", F), ("not_tested", S), ("not_tested", S)),
    (replace(GOOD, starttls=Reply(454, ("4.7.0 TLS not available",)), **NO_TLS),
     ("unavailable", E), ("not_tested", S), ("not_tested", S)),
    (replace(GOOD, starttls=Reply(421, ("4.7.0 later",)), **NO_TLS),
     ("throttled", E), ("not_tested", S), ("not_tested", S)),
    (replace(GOOD, starttls=Reply(502, ("5.5.1 unknown command",)), **NO_TLS),
     ("refused", F), ("not_tested", S), ("not_tested", S)),
    (replace(GOOD, starttls=None, stop=Stop(Step.STARTTLS, Failure.TIMEOUT, "slow"), **NO_TLS),
     ("interrupted", E), ("not_tested", S), ("not_tested", S)),
    (replace(GOOD, tls_stop=Stop(Step.TLS, Failure.TLS, "TLS handshake failed: wrong version"), **NO_TLS),
     ("offered", P), ("failed", F), ("not_tested", S)),
    (replace(GOOD, tls_stop=Stop(Step.TLS, Failure.TIMEOUT, "no TLS handshake"), **NO_TLS),
     ("offered", P), ("timeout", E), ("not_tested", S)),
    (replace(GOOD, ehlo=None, **NO_TLS), ("not_reached", S), ("not_tested", S), ("not_tested", S)),
])
def test_starttls(facts: ProbeFacts, starttls: tuple[str, Status], handshake: tuple[str, Status],
                  version: tuple[str, Status]) -> None:
    results = evaluate_starttls(facts)
    assert outcome(results, "smtp.starttls") == starttls
    assert outcome(results, "smtp.tls_handshake") == handshake
    assert outcome(results, "smtp.tls_version") == version


# -- certificate ---------------------------------------------------------------------------


def _cert(**changes: object) -> ProbeFacts:
    return replace(GOOD, certificate=replace(CERT, **changes))


@pytest.mark.parametrize(("facts", "chain", "name", "expiry"), [
    (GOOD, ("trusted", P), ("match", P), ("valid", P)),
    (_cert(not_after=NOW + timedelta(days=14)), ("trusted", P), ("match", P), ("valid", P)),
    (_cert(not_after=NOW + timedelta(days=13, hours=23)), ("trusted", P), ("match", P), ("expiring", W)),
    (_cert(not_after=NOW + timedelta(seconds=1)), ("trusted", P), ("match", P), ("expiring", W)),
    (_cert(not_after=NOW), ("trusted", P), ("match", P), ("expired", F)),
    (_cert(not_after=NOW - timedelta(days=400)), ("trusted", P), ("match", P), ("expired", F)),
    (_cert(not_before=NOW + timedelta(hours=1)), ("trusted", P), ("match", P), ("not_yet_valid", F)),
    (_cert(dns_names=("other.example.org",)), ("trusted", P), ("mismatch", W), ("valid", P)),
    (replace(GOOD, verify=VerifyFacts(False, "unable to get local issuer certificate", "system CA store")),
     ("untrusted", W), ("match", P), ("valid", P)),
    (replace(_cert(self_signed=True), verify=VerifyFacts(False, "self-signed certificate", "system CA store")),
     ("self_signed", W), ("match", P), ("valid", P)),
    (replace(GOOD, verify=VerifyFacts(None, "greeting: 421 later", "system CA store")),
     ("error", E), ("match", P), ("valid", P)),
    (replace(GOOD, verify=None), ("error", E), ("match", P), ("valid", P)),
    (replace(GOOD, certificate=None, certificate_error="the server sent no certificate"),
     ("trusted", P), ("unreadable", E), ("unreadable", E)),
    (replace(GOOD, **NO_TLS), ("not_tested", S), ("not_tested", S), ("not_tested", S)),
])
def test_certificate(facts: ProbeFacts, chain: tuple[str, Status], name: tuple[str, Status],
                     expiry: tuple[str, Status]) -> None:
    results = evaluate_certificate(facts, "mail.example.com", NOW)
    assert outcome(results, "smtp.cert_chain") == chain
    assert outcome(results, "smtp.cert_name") == name
    assert outcome(results, "smtp.cert_expiry") == expiry


def test_certificate_days_are_counted_from_the_run_clock() -> None:
    results = evaluate_certificate(_cert(not_after=NOW + timedelta(days=5, hours=3)), None, NOW)
    expiry = next(r for r in results if r.check_id == "smtp.cert_expiry")
    assert (expiry.outcome, expiry.params["days"], expiry.params["not_after"]) == ("expiring", "5", "2026-12-04")
    later = evaluate_certificate(_cert(not_after=NOW + timedelta(days=5, hours=3)), None,
                                 NOW + timedelta(days=7))
    assert [r.params["days"] for r in later if r.check_id == "smtp.cert_expiry"] == ["1"]


def test_certificate_name_for_a_named_target_is_the_target() -> None:
    facts = replace(GOOD, target=SmtpTarget("a.mx.example.com", 25))
    results = evaluate_certificate(facts, "mail.example.com", NOW)
    assert [r.params.get("name") for r in results if r.check_id == "smtp.cert_name"] == ["a.mx.example.com"]
    assert outcome(evaluate_certificate(GOOD, None, NOW), "smtp.cert_name") == ("no_name", S)


@pytest.mark.parametrize(("name", "sans", "cns", "matches"), [
    ("mail.example.com", ("mail.example.com",), (), True),
    ("MAIL.example.com.", ("mail.example.com",), (), True),
    ("mail.example.com", ("*.example.com",), (), True),
    ("a.mail.example.com", ("*.example.com",), (), False),
    ("example.com", ("*.example.com",), (), False),
    ("mail.example.com", ("m*.example.com",), (), False),
    ("mail.example.com", ("*.com",), (), False),
    ("mail.example.com", (), ("mail.example.com",), True),
    ("mail.example.com", ("other.example.com",), ("mail.example.com",), False),
    ("mail.example.com", (), (), False),
])
def test_name_matches(name: str, sans: tuple[str, ...], cns: tuple[str, ...], matches: bool) -> None:
    assert name_matches(name, replace(CERT, dns_names=sans, common_names=cns)) is matches


# -- relay and postmaster -----------------------------------------------------------------


RCPT = "relay-test@preflight.invalid"


@pytest.mark.parametrize(("code", "text", "verdict"), [
    (250, "2.1.5 Ok", Rcpt.ACCEPTED),
    (251, "User not local; will forward", Rcpt.ACCEPTED),
    (554, "5.7.1 <relay-test@preflight.invalid>: Relay access denied", Rcpt.REFUSED),
    (454, "4.7.1 <relay-test@preflight.invalid>: Relay access denied", Rcpt.REFUSED),
    (550, "5.7.1 Relaying denied", Rcpt.REFUSED),
    (550, "5.1.1 User unknown", Rcpt.REFUSED),
    (550, "5.1.2 <relay-test@preflight.invalid>: Recipient address rejected: Domain not found", Rcpt.DOMAIN),
    (556, "5.1.10 <relay-test@preflight.invalid>: Recipient address rejected: Domain does not accept mail",
     Rcpt.DOMAIN),
    (450, "4.1.2 <relay-test@preflight.invalid>: Recipient address rejected: Domain not found", Rcpt.DOMAIN),
    (450, "4.1.8 <>: Sender address rejected: Domain not found", Rcpt.DOMAIN),
    (450, "4.2.0 <relay-test@preflight.invalid>: Recipient address rejected: Greylisted", Rcpt.THROTTLED),
    (451, "4.7.1 Greylisting in action, please come back later", Rcpt.THROTTLED),
    (421, "4.7.0 Too many errors", Rcpt.THROTTLED),
    (354, "go ahead", Rcpt.UNEXPECTED),
])
def test_classify_rcpt(code: int, text: str, verdict: Rcpt) -> None:
    assert classify_rcpt(Reply(code, (text,)), RCPT) is verdict


def test_the_echoed_address_does_not_count_as_words() -> None:
    # the test address contains "relay": a greylisting reply echoing it is still throttling
    assert classify_rcpt(Reply(450, ("4.2.0 relay-test@preflight.invalid greylisted",)), RCPT) is Rcpt.THROTTLED


def _relay(**changes: object) -> str:
    return evaluate_relay(replace(GOOD, **changes), RCPT, "").outcome


@pytest.mark.parametrize(("changes", "expected", "status"), [
    ({}, "refused", P),
    ({"relay": Reply(250, ("2.1.5 Ok",))}, "accepted", F),
    ({"relay": Reply(550, ("5.1.2 Domain not found",))}, "inconclusive", E),
    ({"relay": Reply(354, ("what",))}, "inconclusive", E),
    ({"relay": Reply(450, ("4.2.0 Greylisted",))}, "throttled", E),
    ({"mail": Reply(451, ("4.3.0 try later",)), "relay": None}, "throttled", E),
    ({"mail": Reply(553, ("5.7.1 sender refused",)), "relay": None}, "sender_refused", E),
    ({"mail": None, "relay": None, "stop": Stop(Step.MAIL, Failure.CLOSED, "closed")}, "interrupted", E),
    ({"mail": None, "relay": None, "stop": Stop(Step.RECONNECT, None, "greeting on reconnection: 421")},
     "interrupted", E),
    ({"relay": None, "stop": Stop(Step.RCPT_RELAY, Failure.TIMEOUT, "slow")}, "interrupted", E),
    ({"ehlo_tls": Reply(421, ("later",)), "mail": None, "relay": None,
      "stop": Stop(Step.EHLO_TLS, None, "EHLO after STARTTLS: 421 later")}, "interrupted", E),
    ({"mail": None, "relay": None}, "not_reached", S),
])
def test_relay(changes: dict[str, object], expected: str, status: Status) -> None:
    result = evaluate_relay(replace(GOOD, **changes), RCPT, "")
    assert (result.outcome, result.status) == (expected, status)


def test_relay_accepted_carries_the_transcript() -> None:
    facts = replace(GOOD, relay=Reply(250, ("Ok",)), transcript=("C: RCPT TO:<x>", "S: 250 Ok"))
    result = evaluate_relay(facts, RCPT, "")
    assert [e.label for e in result.evidence] == ["SMTP transcript"]
    assert result.evidence[0].value == "C: RCPT TO:<x>\nS: 250 Ok"


def test_relay_evidence_starts_at_mail_from() -> None:
    # evidence values are capped: a long EHLO must not push the RCPT out of the evidence
    extensions = tuple(f"S: 250-X-EXTENSION-{i} {'x' * 60}" for i in range(60))
    transcript = ("S: 220 mx.example.com", "C: EHLO preflight.invalid", *extensions, "C: MAIL FROM:<>",
                  "S: 250 ok", f"C: RCPT TO:<{RCPT}>", "S: 250 ok", "C: RSET", "S: 250 ok", "C: QUIT",
                  "S: 221 bye", "*  second connection")
    result = evaluate_relay(replace(GOOD, relay=Reply(250, ("ok",)), transcript=transcript), RCPT, "")
    value = result.evidence[0].value
    assert value.startswith("C: MAIL FROM:<>") and value.endswith("C: QUIT")
    assert f"C: RCPT TO:<{RCPT}>" in value


@pytest.mark.parametrize(("reply", "expected", "status"), [
    (Reply(250, ("2.1.5 Ok",)), "accepted", P),
    (Reply(550, ("5.1.1 <postmaster@example.com>: Recipient address rejected: User unknown",)), "refused", W),
    (Reply(454, ("4.7.1 <postmaster@example.com>: Relay access denied",)), "refused", W),
    (Reply(450, ("4.2.0 Greylisted",)), "throttled", E),
    (Reply(354, ("eh?",)), "interrupted", E),
])
def test_postmaster(reply: Reply, expected: str, status: Status) -> None:
    facts = replace(GOOD, postmaster=(("postmaster@example.com", reply),))
    [result] = evaluate_postmaster(facts, ("example.com",))
    assert (result.outcome, result.status) == (expected, status)
    assert result.subject == "postmaster@example.com via 192.0.2.25:25"


def test_postmaster_interrupted_then_not_reached() -> None:
    facts = replace(GOOD, postmaster=(("postmaster@a.example", Reply(250, ("Ok",))),),
                    stop=Stop(Step.RCPT_POSTMASTER, Failure.CLOSED, "closed"))
    results = evaluate_postmaster(facts, ("a.example", "b.example", "c.example"))
    assert [(r.outcome, r.status) for r in results] == [("accepted", P), ("interrupted", E), ("not_reached", S)]
    assert [r.outcome for r in evaluate_postmaster(GOOD, ())] == ["no_domain"]


# -- the catalogue ------------------------------------------------------------------------


@pytest.mark.parametrize("o", outcomes.ALL, ids=lambda o: f"{o.check_id}.{o.name}")
def test_every_outcome_has_words(o: outcomes.Outcome) -> None:
    entry = catalogue("en")["checks"][o.check_id]["outcomes"][o.name]
    assert entry["summary"]
    assert template_fields(entry["summary"]) <= set(o.params), "summary uses undeclared params"
    if o.status in (Status.WARN, Status.FAIL, Status.ERROR):
        assert entry.get("remediation"), "warn/fail/error need a remediation"
        assert template_fields(entry["remediation"]) <= set(o.params)
    text = result_text(o.check_id, o.name, {p: f"<{p}>" for p in o.params})
    assert "{" not in text.summary


@pytest.mark.parametrize("check_id", outcomes.CHECK_IDS)
def test_every_check_has_a_title_and_about(check_id: str) -> None:
    assert check_title(check_id) != check_id and check_about(check_id)
    declared = {o.name for o in outcomes.ALL if o.check_id == check_id}
    assert set(catalogue("en")["checks"][check_id]["outcomes"]) == declared, "catalogue and code differ"


def test_check_ids_are_stable() -> None:
    assert outcomes.CHECK_IDS == (
        "smtp.connect", "smtp.banner", "smtp.banner_name", "smtp.banner_ptr", "smtp.banner_hostname",
        "smtp.ehlo", "smtp.auth_before_tls", "smtp.starttls", "smtp.tls_handshake", "smtp.tls_version",
        "smtp.cert_chain", "smtp.cert_name", "smtp.cert_expiry", "smtp.relay", "smtp.postmaster",
    )


# -- settings -----------------------------------------------------------------------------


IPS = (parse_ip("203.0.113.25"), parse_ip("2001:db8:25::25"))


def test_default_targets_are_each_ip_on_port_25() -> None:
    settings = from_options({}, ips=IPS)
    assert settings.targets == (SmtpTarget("203.0.113.25", 25), SmtpTarget("2001:db8:25::25", 25))
    assert settings.enabled and settings.timeout == 10.0 and settings.ca_file is None


def test_bare_settings_probe_nothing() -> None:
    assert SmtpSettings().targets == ()


def test_flags_win_over_the_plan() -> None:
    plan = validate_plan({"smtp": {"targets": ["127.0.0.1:2525"], "timeout": 4, "helo_name": "probe.example.org",
                                   "relay_test_recipient": "x@relay.example.org", "mail_from": "<>"}})
    from_plan = from_options(plan, ips=IPS)
    assert from_plan.targets == (SmtpTarget("127.0.0.1", 2525),)
    assert (from_plan.timeout, from_plan.helo_name) == (4.0, "probe.example.org")
    assert (from_plan.relay_test_recipient, from_plan.mail_from) == ("x@relay.example.org", "")
    flagged = from_options(plan, ips=IPS, targets=["[::1]:25", "[::1]:25"], timeout=2.5)
    assert flagged.targets == (SmtpTarget("::1", 25),) and flagged.timeout == 2.5


def test_disabled_probes_nothing() -> None:
    assert from_options({}, ips=IPS, disabled=True).targets == ()
    plan = validate_plan({"smtp": {"enabled": False}})
    assert not from_options(plan, ips=IPS).enabled


@pytest.mark.parametrize(("plan", "kwargs", "message"), [
    ({}, {"targets": ["127.0.0.1"], "disabled": True}, "contradict"),
    ({}, {"ca_file": "/nonexistent/ca.pem"}, "file not found"),
    ({}, {"timeout": 0}, "--smtp-timeout"),
    ({"smtp": {"relay_test_recipient": "x@example.com"}}, {"domains": ("example.com",)}, "outside"),
])
def test_bad_settings(plan: dict[str, object], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        from_options(validate_plan(plan), ips=IPS, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("section", "message"), [
    ({"targets": ["bad:port:x"]}, "invalid SMTP server"),
    ({"enabled": "yes"}, "true or false"),
    ({"timeout": 500}, "at most 120"),
    ({"relay_test_recipient": "nobody"}, "local@domain"),
    ({"helo_name": "x"}, "invalid"),
    ({"port": 25}, "unknown key smtp.port"),
])
def test_bad_plan_section(section: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        validate_plan({"smtp": section})


def test_ca_file_must_hold_certificates(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "ca.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(UsageError, match="not a PEM file"):
        from_options({}, ips=IPS, ca_file=str(bad))
