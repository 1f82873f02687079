"""The prediction itself, table-driven and pure: a policy and DNS answers in, a verdict out.

Postfix semantics come from RblPolicy.decide (tested in tests/inventory/test_rbl.py); these tables
pin what the partner prediction adds: lists that could not be used are tried both ways, reverse
DNS for reject_unknown_*_hostname, the SMTP codes, and the allowlist lines of the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from preflight.checks.blocklists.health import zone_health
from preflight.checks.blocklists.queries import label_of, probe_points
from preflight.checks.partners.evaluate import fix_lines
from preflight.checks.partners.predict import (
    Hostname,
    ReplyCodes,
    Verdict,
    hostname_reading,
    list_refs,
    predict,
    rbl_outcome,
)
from preflight.checks.partners.settings import parse_server_rbls
from preflight.checks.rdns import PtrFacts
from preflight.data.loader import load_catalogue
from preflight.inventory.parse import RblPolicy
from preflight.net.dns import DnsAnswer, DnsError

IP = "192.0.2.7"
POSTSCREEN = ("postscreen_dnsbl_sites = heavy.example.net*2 light.example.net*1 allow.example.net*-2",
              "postscreen_dnsbl_threshold = 2", "postscreen_dnsbl_action = enforce")


def policy(*lines: str) -> RblPolicy:
    return parse_server_rbls(lines).policy


# -- listed / not listed / unknown lists, Postfix semantics -------------------------------------

@pytest.mark.parametrize(("lines", "known", "unknown", "expected"), [
    # reject_rbl_client: any answer rejects; a filter narrows it.
    (("reject_rbl_client block.example.net",), {"block.example.net": ("127.0.0.2",)}, (), True),
    (("reject_rbl_client block.example.net",), {"block.example.net": ()}, (), False),
    (("reject_rbl_client block.example.net=127.0.0.2",), {"block.example.net": ("127.0.0.3",)}, (), False),
    (("reject_rbl_client block.example.net=127.0.0.[2..11]",), {"block.example.net": ("127.0.0.10",)}, (), True),
    # warn_if_reject only logs.
    (("warn_if_reject reject_rbl_client block.example.net",), {"block.example.net": ("127.0.0.2",)}, (), False),
    # permit_dnswl_client before the reject wins; after it, the reject wins.
    (("permit_dnswl_client allow.example.net, reject_rbl_client block.example.net",),
     {"allow.example.net": ("127.0.10.1",), "block.example.net": ("127.0.0.2",)}, (), False),
    (("reject_rbl_client block.example.net, permit_dnswl_client allow.example.net",),
     {"allow.example.net": ("127.0.10.1",), "block.example.net": ("127.0.0.2",)}, (), True),
    # postscreen around the threshold of 2: below, equal, above, and pulled down by an allowlist.
    (POSTSCREEN, {"light.example.net": ("127.0.0.2",)}, (), False),
    (POSTSCREEN, {"heavy.example.net": ("127.0.0.2",)}, (), True),
    (POSTSCREEN, {"heavy.example.net": ("127.0.0.2",), "light.example.net": ("127.0.0.2",)}, (), True),
    (POSTSCREEN, {"heavy.example.net": ("127.0.0.2",), "allow.example.net": ("127.0.10.1",)}, (), False),
    # postscreen_dnsbl_action = ignore (the Postfix default) only logs.
    (("postscreen_dnsbl_sites = heavy.example.net*2", "postscreen_dnsbl_threshold = 2"),
     {"heavy.example.net": ("127.0.0.2",)}, (), False),
    (("postscreen_dnsbl_sites = heavy.example.net*2", "postscreen_dnsbl_threshold = 2",
      "postscreen_dnsbl_action = drop"), {"heavy.example.net": ("127.0.0.2",)}, (), True),
    # An unknown list: the verdict stands only when both ways agree.
    (("reject_rbl_client block.example.net, reject_rbl_client dead.example.net",),
     {"block.example.net": ()}, ("dead.example.net",), None),
    (("reject_rbl_client block.example.net, reject_rbl_client dead.example.net",),
     {"block.example.net": ("127.0.0.2",)}, ("dead.example.net",), True),
    (("reject_rbl_client block.example.net=127.0.0.[10..11]",), {}, ("block.example.net",), None),
    (POSTSCREEN, {"heavy.example.net": (), "allow.example.net": ()}, ("light.example.net",), False),
    (POSTSCREEN, {"light.example.net": ("127.0.0.2",), "allow.example.net": ()}, ("heavy.example.net",), None),
    (POSTSCREEN, {"heavy.example.net": ("127.0.0.2",), "light.example.net": ()}, ("allow.example.net",), None),
    # An unknown allowlist cannot save a client the rule before it rejects.
    (("reject_rbl_client block.example.net, permit_dnswl_client allow.example.net",),
     {"block.example.net": ("127.0.0.2",)}, ("allow.example.net",), True),
])
def test_rbl_outcome(lines: tuple[str, ...], known: Mapping[str, Sequence[str]], unknown: tuple[str, ...],
                     expected: bool | None) -> None:
    rejected, _ = rbl_outcome(policy(*lines), known, unknown)
    assert rejected is expected


# -- reverse DNS ------------------------------------------------------------------------------------

def _ptr(*names: str, nx: bool = False) -> DnsAnswer:
    return DnsAnswer("7.2.0.192.in-addr.arpa", "PTR", tuple(names), 300, "lab", nxdomain=nx)


def _a(*addresses: str) -> DnsAnswer:
    return DnsAnswer("mail.partner.example", "A", tuple(addresses), 300, "lab")


FAIL = DnsError("7.2.0.192.in-addr.arpa", "PTR", "timeout", "lab")
STRICT = "reject_unknown_client_hostname"
REVERSE = "reject_unknown_reverse_client_hostname"


@pytest.mark.parametrize(("line", "facts", "state", "rejected_by"), [
    (STRICT, PtrFacts(IP, _ptr("mail.partner.example"), (("mail.partner.example", _a(IP)),)),
     Hostname.CONFIRMED, ""),
    (STRICT, PtrFacts(IP, _ptr(nx=True)), Hostname.NO_PTR, STRICT),
    (STRICT, PtrFacts(IP, _ptr("mail.partner.example"), (("mail.partner.example", _a("192.0.2.99")),)),
     Hostname.MISMATCH, STRICT),
    (STRICT, PtrFacts(IP, _ptr("mail.partner.example"),
                      (("mail.partner.example", DnsError("mail.partner.example", "A", "servfail", "lab")),)),
     Hostname.ERROR, ""),
    (STRICT, PtrFacts(IP, FAIL), Hostname.ERROR, ""),
    # The reverse-only check wants a PTR, not that it resolves back.
    (REVERSE, PtrFacts(IP, _ptr("mail.partner.example"), (("mail.partner.example", _a("192.0.2.99")),)),
     Hostname.CONFIRMED, ""),
    (REVERSE, PtrFacts(IP, _ptr()), Hostname.NO_PTR, REVERSE),
    ("reject_rbl_client block.example.net", PtrFacts(IP, _ptr(nx=True)), Hostname.NOT_REQUIRED, ""),
])
def test_hostname_reading(line: str, facts: PtrFacts, state: Hostname, rejected_by: str) -> None:
    found = hostname_reading(policy(line), facts)
    assert (found.state, found.rejected_by) == (state, rejected_by)


# -- whole predictions from answers --------------------------------------------------------------


def answers_for(pol: RblPolicy, listed: Mapping[str, Sequence[str]], *, dead: Sequence[str] = (),
                silent: Sequence[str] = (), ip: str = IP) -> tuple[list, dict, dict]:  # type: ignore[type-arg]
    """Every self-test passes (except ``silent`` lists); ``dead`` lists time out; ``listed`` answers."""
    refs = list(list_refs(pol, load_catalogue()))
    answers: dict = {}  # type: ignore[type-arg]
    for ref in refs:
        assert ref.ref is not None
        for subject, kind, must in probe_points(ref.ref.zone):
            question = ref.ref.question(label_of(subject, kind))
            codes = ("127.0.0.2",) if must and ref.name not in silent else ()
            answers[question.key] = DnsAnswer(question.qname, "A", codes, 300, "lab", nxdomain=not codes)
        question = ref.ref.question(label_of(ip))
        codes = tuple(listed.get(ref.name, ()))
        answers[question.key] = DnsAnswer(question.qname, "A", codes, 300, "lab", nxdomain=not codes)
        if ref.name in dead:
            for key in [k for k in answers if k[0].endswith(ref.name)]:
                answers[key] = DnsError(key[0], "A", "timeout", "lab")
    health = {r.name: zone_health(r.ref, answers) for r in refs if r.ref is not None}
    return refs, health, answers


@pytest.mark.parametrize(("lines", "listed", "dead", "silent", "verdict", "code"), [
    (("reject_rbl_client block.example.net",), {"block.example.net": ["127.0.0.2"]}, (), (),
     Verdict.REJECTED, "554"),
    (("rbl_code = 550", "reject_rbl_client block.example.net"), {"block.example.net": ["127.0.0.2"]}, (), (),
     Verdict.REJECTED, "550"),
    (("reject_rbl_client block.example.net",), {}, (), (), Verdict.ACCEPTED, ""),
    (("reject_rbl_client block.example.net",), {}, ("block.example.net",), (), Verdict.UNKNOWN, ""),
    (("reject_rbl_client block.example.net",), {"block.example.net": ["127.0.0.2"]}, (), ("block.example.net",),
     Verdict.UNKNOWN, ""),
    (POSTSCREEN, {"heavy.example.net": ["127.0.0.2"]}, (), (), Verdict.REJECTED, "550"),
    (POSTSCREEN, {"light.example.net": ["127.0.0.2"]}, (), (), Verdict.ACCEPTED, ""),
    # An answer outside 127.0.0.0/8 is a lying resolver, not a listing.
    (("reject_rbl_client block.example.net",), {"block.example.net": ["192.0.2.99"]}, (), (), Verdict.UNKNOWN, ""),
])
def test_predict(lines: tuple[str, ...], listed: dict[str, list[str]], dead: tuple[str, ...],
                 silent: tuple[str, ...], verdict: Verdict, code: str) -> None:
    plan = parse_server_rbls(lines)
    refs, health, answers = answers_for(plan.policy, listed, dead=dead, silent=silent)
    found = predict(plan.policy, refs, health, answers, IP, None, ReplyCodes.from_params(plan.params))
    assert (found.verdict, found.code) == (verdict, code)


def test_a_catalogue_refusal_code_is_never_a_listing() -> None:
    # Spamhaus answers 127.255.255.254 to queries through a public resolver: could not tell.
    pol = policy("reject_rbl_client zen.spamhaus.org")
    refs, health, answers = answers_for(pol, {"zen.spamhaus.org": ["127.255.255.254"]})
    assert predict(pol, refs, health, answers, IP, None, ReplyCodes()).verdict is Verdict.UNKNOWN


def test_fix_lines_name_the_stage_and_the_tables() -> None:
    pol = policy("smtpd_client_restrictions = reject_rbl_client block.example.net", *POSTSCREEN,
                 "reject_unknown_client_hostname")
    refs, health, answers = answers_for(pol, {"block.example.net": ["127.0.0.2"], "heavy.example.net": ["127.0.0.2"]})
    found = predict(pol, refs, health, answers, IP, PtrFacts(IP, _ptr(nx=True)), ReplyCodes())
    assert found.verdict is Verdict.REJECTED and found.code == "550"
    lines = fix_lines(IP, found)
    assert lines[0] == "postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/postscreen_access.cidr"
    assert f"/etc/postfix/postscreen_access.cidr: {IP}/32 permit" in lines
    assert any(line.startswith("smtpd_client_restrictions = … check_client_access cidr:") and
               "reject_rbl_client block.example.net" in line for line in lines)
    assert any("reject_unknown_client_hostname" in line for line in lines)
    assert f"/etc/postfix/partners_access.cidr: {IP}/32 OK" in lines and lines[-1] == "postfix reload"


def test_fix_lines_for_ipv6_use_a_128_prefix() -> None:
    pol = policy("reject_rbl_client block.example.net")
    refs, health, answers = answers_for(pol, {}, ip="2001:db8::7")
    found = predict(pol, refs, health, answers, "2001:db8::7", PtrFacts("2001:db8::7", _ptr(nx=True)), ReplyCodes())
    assert found.verdict is Verdict.ACCEPTED  # no reverse-DNS rule in this policy
    pol = policy("reject_rbl_client block.example.net", "reject_unknown_reverse_client_hostname")
    found = predict(pol, refs, health, answers, "2001:db8::7", PtrFacts("2001:db8::7", _ptr(nx=True)),
                    ReplyCodes.from_params({"unknown_client_reject_code": "550"}))
    assert found.code == "550"
    assert "/etc/postfix/partners_access.cidr: 2001:db8::7/128 OK" in fix_lines("2001:db8::7", found)
