"""The blocklist family against the lab DNS server: one test per state, over real loopback sockets.

Catalogue zones are pointed at names under ``dnsbl.test`` (tests/zones/dnsbl.test.zone) so each
state has its own data while the catalogue's codes, refusal codes and test entries still apply.
The Spamhaus DQS test uses the real DQS names (tests/zones/dq.spamhaus.net.zone); the neighbourhood
and Team Cymru tests use the demo's zones in examples/lab. Every declared outcome is asserted here
(the last test checks that).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import dns.zone
import pytest
import support
from conftest import FIXED_NOW, make_config

from checks.support import describe, texts
from preflight.checks.blocklists import family
from preflight.checks.blocklists import outcomes as o
from preflight.checks.blocklists.settings import (
    BlocklistSettings,
    DqsKey,
    from_options,
    with_rfc_test_points,
)
from preflight.data.catalogue import Requirement, Subject, TestPoints, Zone
from preflight.data.loader import load_catalogue, parse_custom_zone
from preflight.engine import RunContext
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import CheckResult, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsClient

CAT = load_catalogue()
TEST_KEY = "labdqskey4tests0000000000"
ANSWER_TIMEOUT = 5.0
"""Wait per answer where every answer comes: the lab answers in milliseconds, so even a loaded
two-core machine stays far inside it (at least a 5x margin)."""
FAULT_TIMEOUT = 1.0
"""Wait per answer in tests where a server stays silent on purpose (each silence costs this)."""


def moved(zone_id: str, name: str, **changes: object) -> Zone:
    """A catalogue zone served under another name (its codes and test entries unchanged)."""
    return dataclasses.replace(CAT.by_id(zone_id), zone=name, dqs_zone=None, **changes)  # type: ignore[arg-type]


ZEN = moved("spamhaus-zen", "zen.dnsbl.test")
SPAMCOP = moved("spamcop", "spamcop.dnsbl.test")
DBL = moved("spamhaus-dbl", "dbl.dnsbl.test")
DNSWL = moved("dnswl-list", "dnswl.dnsbl.test")
REP = moved("mailspike-rep", "rep.dnsbl.test")
SURBL = moved("surbl-multi", "surbl.dnsbl.test")
DWL = moved("dnswl-dwl", "dwl.dnsbl.test")


# The lab answers in milliseconds: 5 s per answer is a wide margin on a loaded machine. Tests that
# make a name time out on purpose pass a short timeout of their own.
def run(server: LabDnsServer, zones: Sequence[Zone] = (), *, ips: Iterable[str] = (),
        domains: Iterable[str] = (), hostname: str | None = None, timeout: float = ANSWER_TIMEOUT,
        settings: BlocklistSettings | None = None, **options: object) -> FamilyOutput:
    chosen = settings or BlocklistSettings(zones=tuple(zones), **options)  # type: ignore[arg-type]
    config = make_config(server, ips=tuple(ips), domains=tuple(domains), hostname=hostname,
                         timeout=timeout, settings=(chosen,))
    return family.run(RunContext(config, DnsClient(config.dns), FIXED_NOW))


def expect(out: FamilyOutput | Sequence[CheckResult], outcome: Outcome, subject: str | None = None,
           **params: object) -> CheckResult:
    """The one result with this outcome (and subject/params), through :func:`support.expect`."""
    return support.expect(out, outcome.check_id, outcome.name, outcome.status, subject=subject, **params)


def rows(out: FamilyOutput, subject: str) -> dict[str, dict]:
    return {r["zone"]: r for r in out.sections["blocklists"] if r["subject"] == subject}


def nothing_listed(out: FamilyOutput) -> bool:
    return not any(r.outcome == "listed" for r in out.results)


# -- listings --------------------------------------------------------------------------------------


def test_several_zen_codes_are_one_listing_with_reason_and_delisting_url(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [ZEN, SPAMCOP], ips=["198.51.100.65"])
    zen = expect(out, o.IP_LISTED, "198.51.100.65 in zen.dnsbl.test", codes="127.0.0.2, 127.0.0.4",
                 delist_url="https://check.spamhaus.org/")
    assert "SBL" in zen.params["meaning"] and "XBL" in zen.params["meaning"]
    assert zen.params["reason"] == "https://www.spamhaus.org/query/ip/198.51.100.65"
    expect(out, o.IP_LISTED, "198.51.100.65 in spamcop.dnsbl.test")
    row = rows(out, "198.51.100.65")["zen.dnsbl.test"]
    assert row["state"] == "listed" and row["codes"] == ["127.0.0.2", "127.0.0.4"]
    assert row["reason"] and row["delist_url"] == "https://check.spamhaus.org/"
    assert row["zone_id"] == "spamhaus-zen" and row["kind"] == "block" and row["list"] == "Spamhaus ZEN"
    # one TXT query per listed entry
    assert dns_server.count_queries("65.100.51.198.zen.dnsbl.test", "TXT") >= 1
    expect(out, o.IP_CLEAR, "198.51.100.65", clear=0, checked=2)


def test_pbl_is_a_policy_warning(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [ZEN], ips=["198.51.100.66"])
    result = expect(out, o.IP_POLICY, "198.51.100.66 in zen.dnsbl.test", codes="127.0.0.10")
    assert "maintained by the ISP" in result.params["meaning"]
    assert nothing_listed(out)


@pytest.mark.parametrize("ip", ["198.51.100.67", "198.51.100.68", "198.51.100.69", "198.51.100.70",
                                "198.51.100.71", "198.51.100.73"])
def test_every_refusal_code_is_could_not_check_never_listed(dns_server: LabDnsServer, ip: str) -> None:
    # 127.255.255.254 public resolver, .252 typo, .255 volume, .250/.251 bad DQS key, and a
    # listing code together with a refusal
    out = run(dns_server, [ZEN], ips=[ip])
    expect(out, o.IP_REFUSED, f"{ip} in zen.dnsbl.test")
    assert nothing_listed(out)
    assert rows(out, ip)["zen.dnsbl.test"]["state"] == "refused"


def test_answer_outside_loopback_is_unreliable(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [ZEN], ips=["198.51.100.72"])
    result = expect(out, o.IP_UNRELIABLE, "198.51.100.72 in zen.dnsbl.test")
    assert "outside 127.0.0.0/8" in result.params["meaning"]
    assert nothing_listed(out)


def test_ipv6_listing_and_ipv4_only_lists(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [ZEN, SPAMCOP], ips=["2001:db8:bad::1"])
    expect(out, o.IP_LISTED, "2001:db8:bad::1 in zen.dnsbl.test", codes="127.0.0.3")
    assert rows(out, "2001:db8:bad::1")["spamcop.dnsbl.test"]["state"] == "not_applicable"
    only_v4 = run(dns_server, [SPAMCOP], ips=["2001:db8:bad::1"])
    expect(only_v4, o.IP_NO_LISTS, "2001:db8:bad::1", kind="ipv6")


def test_allowlisting_and_its_trust_level(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [ZEN, DNSWL], ips=["198.51.100.80"])
    result = expect(out, o.IP_ALLOWLISTED, "198.51.100.80 in dnswl.dnsbl.test")
    assert "trust high" in result.params["meaning"]
    expect(out, o.SCORE_GOOD, "198.51.100.80 in dnswl.dnsbl.test")
    expect(out, o.IP_CLEAR, "198.51.100.80", clear=1, checked=2)
    blocked = run(dns_server, [DNSWL], ips=["198.51.100.81"])
    expect(blocked, o.IP_REFUSED, "198.51.100.81 in dnswl.dnsbl.test")


# -- domains ---------------------------------------------------------------------------------------


def test_domain_listing_on_dbl_and_roles(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [DBL], ips=["198.51.100.90"], domains=["spammy.example"],
              hostname="mail.spammy.example")
    result = expect(out, o.DOMAIN_LISTED, "spammy.example in dbl.dnsbl.test", codes="127.0.1.2")
    assert result.params["roles"] == "sending domain; HELO name mail.spammy.example"
    assert result.params["reason"].startswith("https://www.spamhaus.org/query/domain/")
    expect(out, o.IP_NO_LISTS, "198.51.100.90", kind="ipv4")


def test_domain_states(dns_server: LabDnsServer) -> None:
    dns_server.add_fault("late.example.dbl.dnsbl.test", "timeout")
    out = run(dns_server, [DBL, SURBL, DWL], domains=[
        "abused.example", "rewritten.example", "disposable.example", "trusted.example", "clean.example",
        "late.example"], timeout=FAULT_TIMEOUT)
    expect(out, o.DOMAIN_REFUSED, "abused.example in dbl.dnsbl.test")        # 127.0.1.255
    expect(out, o.DOMAIN_UNRELIABLE, "rewritten.example in dbl.dnsbl.test")  # 192.0.2.1
    expect(out, o.DOMAIN_POLICY, "disposable.example in surbl.dnsbl.test", codes="127.0.0.4")
    expect(out, o.DOMAIN_ALLOWLISTED, "trusted.example in dwl.dnsbl.test")
    expect(out, o.DOMAIN_UNREACHABLE, "late.example in dbl.dnsbl.test")
    expect(out, o.DOMAIN_CLEAR, "clean.example", clear=3, checked=3)
    assert nothing_listed(out)
    only_ip = run(dns_server, [ZEN], domains=["clean.example"])
    expect(only_ip, o.DOMAIN_NO_LISTS, "clean.example")


# -- lists that cannot be used ---------------------------------------------------------------------


def test_wildcard_list_fails_its_self_test_and_its_answers_do_not_count(dns_server: LabDnsServer) -> None:
    dead = moved("psbl", "wild.dnsbl.test")
    out = run(dns_server, [dead, ZEN], ips=["198.51.100.66"])
    result = expect(out, o.ZONE_UNRELIABLE, "wild.dnsbl.test")
    assert "must never be listed" in result.params["why"]
    row = rows(out, "198.51.100.66")["wild.dnsbl.test"]
    assert row["state"] == "unreliable" and row["codes"] == ["127.0.0.2"]   # seen, not counted
    assert nothing_listed(out)
    expect(out, o.IP_CLEAR, "198.51.100.66", clear=0, checked=1)
    expect(out, o.ZONE_SELF_TESTS, "all lists", passed=1, total=2, untested=0)


def test_custom_zone_that_is_dead_is_reported_as_such(dns_server: LabDnsServer) -> None:
    custom = with_rfc_test_points(parse_custom_zone({"zone": "wild.dnsbl.test", "name": "Old list"}))
    out = run(dns_server, [custom], ips=["198.51.100.66"])
    expect(out, o.ZONE_CUSTOM_UNRELIABLE, "wild.dnsbl.test", list_name="Old list")
    assert nothing_listed(out)


def test_list_refusing_this_resolver(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [moved("spamhaus-zen", "refusing.dnsbl.test")], ips=["198.51.100.65"])
    result = expect(out, o.ZONE_REFUSED, "refusing.dnsbl.test")
    assert "public/open resolver" in result.params["why"]
    assert nothing_listed(out)
    assert not [r for r in out.results if r.check_id == "blocklist.ip" and r.status is Status.PASS]


@pytest.mark.parametrize(("requires", "outcome"), [
    ((Requirement.OWN_RESOLVER,), o.ZONE_SILENT),         # Spamhaus through a public resolver
    ((Requirement.REGISTRATION,), o.ZONE_UNREGISTERED),   # Barracuda without registration
    ((), o.ZONE_UNRELIABLE),                              # a dead list
])
def test_list_missing_its_own_test_entry_is_never_clean(
    dns_server: LabDnsServer, requires: tuple[Requirement, ...], outcome: Outcome,
) -> None:
    silent = moved("spamcop", "silent.dnsbl.test", requires=requires)
    out = run(dns_server, [silent], ips=["198.51.100.65"])
    result = expect(out, outcome, "silent.dnsbl.test")
    assert "127.0.0.2 is not listed" in result.params["why"]
    # nothing passes: "0 of 1 usable" is could-not-check, for the IP and for the lists
    expect(out, o.IP_NONE_USABLE, "198.51.100.65", total=1)
    expect(out, o.ZONE_NONE_USABLE, "all lists", total=1)
    assert not [r for r in out.results if r.check_id.startswith("blocklist.")
                and r.status is Status.PASS and r.check_id != "blocklist.resolver"]


def test_dead_list_costs_one_timeout_and_nothing_else(dns_server: LabDnsServer) -> None:
    # Given a list whose servers never answer, next to a working one
    dns_server.add_fault("slow.dnsbl.test", "timeout", suffix=True)
    out = run(dns_server, [moved("spamcop", "slow.dnsbl.test"), ZEN], ips=["198.51.100.65"],
              domains=["spammy.example"], timeout=FAULT_TIMEOUT)
    # Then it is "could not check", the other list still answered, and the silent list was asked
    # each of its three questions once, not again stage after stage (no timing asserted here: the
    # cost in time is measured by scripts/bench_blocklists.py)
    expect(out, o.ZONE_UNREACHABLE, "slow.dnsbl.test")
    expect(out, o.IP_LISTED, "198.51.100.65 in zen.dnsbl.test")
    assert dns_server.count_queries("slow.dnsbl.test", suffix=True) <= 3


def test_servfail_and_a_single_unanswered_lookup(dns_server: LabDnsServer) -> None:
    dns_server.add_fault("broken.dnsbl.test", "servfail", suffix=True)
    dns_server.add_fault("65.100.51.198.flaky.dnsbl.test", "timeout")
    out = run(dns_server, [moved("spamcop", "broken.dnsbl.test"), moved("psbl", "flaky.dnsbl.test")],
              ips=["198.51.100.65"], timeout=FAULT_TIMEOUT)
    assert "servfail" in expect(out, o.ZONE_UNREACHABLE, "broken.dnsbl.test").params["why"]
    assert "timeout" in expect(out, o.IP_UNREACHABLE, "198.51.100.65 in flaky.dnsbl.test").params["meaning"]
    assert {r.status for r in out.results if r.check_id == "blocklist.ip"} == {Status.ERROR}


def test_dead_zones_named_in_the_plan_are_reported_and_never_queried(dns_server: LabDnsServer) -> None:
    # Given a plan that still names SORBS (as a custom zone) and NJABL (by id)
    plan = {"blocklists.zones": ["njabl"],
            "blocklists.custom": (parse_custom_zone({"zone": "dnsbl.sorbs.net"}),),
            "blocklists.disable": [z.id for z in CAT.enabled() if z.id != "spamcop"]}
    settings = from_options(plan)
    dns_server.reset_stats()
    out = run(dns_server, settings=settings, ips=["203.0.113.25"])
    result = expect(out, o.ZONE_DEAD, "dnsbl.sorbs.net", status="dead")
    assert "2024" in result.params["since"]
    expect(out, o.ZONE_DEAD, "dnsbl.njabl.org", status="wildcard")
    asked = [q.name for q in dns_server.query_log]
    assert asked and not [n for n in asked if n.endswith(("sorbs.net.", "njabl.org."))], asked
    expect(out, o.IP_CLEAR, "203.0.113.25", clear=1, checked=1)


# -- Spamhaus DQS ----------------------------------------------------------------------------------


def test_dqs_key_queries_dqs_names_and_never_shows_the_key(dns_server: LabDnsServer) -> None:
    key = DqsKey.parse(TEST_KEY)
    out = run(dns_server, [CAT.by_id("spamhaus-zen")], ips=["198.51.100.65"], dqs_key=key)
    result = expect(out, o.IP_LISTED, "198.51.100.65 in <key>.zen.dq.spamhaus.net",
                    zone="<key>.zen.dq.spamhaus.net")
    assert result.params["reason"] == "https://check.spamhaus.org/query/ip/198.51.100.65"
    assert dns_server.count_queries(f"65.100.51.198.{TEST_KEY}.zen.dq.spamhaus.net", "A") >= 1
    for item in out.results:
        assert not [t for t in texts(item) if TEST_KEY in t.lower()], describe([item])
    assert TEST_KEY not in repr(out.sections)


# -- reputation ------------------------------------------------------------------------------------


def test_network_identity_from_team_cymru(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [SPAMCOP], ips=["203.0.113.25", "2001:db8:25::25", "198.18.0.25"])
    expect(out, o.NET_FOUND, "203.0.113.25", asn="AS64500", prefix="203.0.113.0/24",
           as_name="EXAMPLE-HOSTING - Example Hosting Ltd, ZZ")
    expect(out, o.NET_FOUND, "2001:db8:25::25", prefix="2001:db8:25::/48")
    expect(out, o.NET_NOT_ANNOUNCED, "198.18.0.25")
    net = {r["ip"]: r for r in out.sections["reputation"]["network"]}
    assert net["203.0.113.25"]["country"] == "ZZ"
    dns_server.add_fault("origin.asn.cymru.com", "servfail", suffix=True)
    failed = run(dns_server, [SPAMCOP], ips=["203.0.113.25"])
    expect(failed, o.NET_ERROR, "203.0.113.25", reason="servfail")


def test_graded_reputation(dns_server: LabDnsServer) -> None:
    dns_server.add_fault("67.100.51.198.rep.dnsbl.test", "timeout")
    out = run(dns_server, [REP, DNSWL], timeout=FAULT_TIMEOUT,
              ips=["198.51.100.80", "198.51.100.65", "198.51.100.81", "198.51.100.66", "198.51.100.67"])
    expect(out, o.SCORE_GOOD, "198.51.100.80 in rep.dnsbl.test", codes="127.0.0.18")
    poor = expect(out, o.SCORE_POOR, "198.51.100.65 in rep.dnsbl.test", codes="127.0.0.11")
    assert poor.params["url"] == "https://mailspike.io/ip_verify"
    expect(out, o.SCORE_NEUTRAL, "198.51.100.81 in rep.dnsbl.test", codes="127.0.0.15")
    expect(out, o.SCORE_UNSCORED, "198.51.100.66 in rep.dnsbl.test")
    expect(out, o.SCORE_ERROR, "198.51.100.67 in rep.dnsbl.test")
    # graded zones are reputation results, not blocklist rows
    assert not [r for r in out.sections["blocklists"] if r["zone"] == "rep.dnsbl.test"]
    grades = {(r["ip"], r["zone"]): r["grade"] for r in out.sections["reputation"]["scores"]}
    assert grades[("198.51.100.65", "rep.dnsbl.test")] == "poor"
    none = run(dns_server, [ZEN], ips=["198.51.100.80"])
    expect(none, o.SCORE_NO_LISTS, "198.51.100.80")


# ~500 lookups, 256 in flight, against the lab server, which answers them one after another in a
# thread of this same process: each query's timeout starts when it is sent, so on a loaded 2-core
# machine the last of a wave waits for the whole queue (5 s was exceeded once: "253 vs 195
# checked"). No neighbour times out on purpose in these tests, so the timeout only bounds a failure.
HOOD_TIMEOUT = 30.0


def test_neighbourhood_counts_listed_neighbours(dns_server: LabDnsServer) -> None:
    # The demo's /24: SpamCop lists two neighbours, ZEN's PBL holds twelve (examples/lab)
    zones = [CAT.by_id("spamhaus-zen"), CAT.by_id("spamcop")]
    out = run(dns_server, zones, ips=["203.0.113.25", "2001:db8:25::25"], neighbourhood=True,
              timeout=HOOD_TIMEOUT)
    expect(out, o.HOOD_CLEAN, "203.0.113.25", checked=253, listed=2, policy=12,
           lists="SpamCop Blocking List 2")
    expect(out, o.HOOD_NOT_IPV4, "2001:db8:25::25")
    [row] = out.sections["reputation"]["neighbourhood"]
    assert row["network"] == "203.0.113.0/24" and row["lists"] == {"SpamCop Blocking List": 2}
    crowd = with_rfc_test_points(parse_custom_zone({"zone": "crowd.dnsbl.test", "name": "Crowd"}))
    crowded = run(dns_server, [crowd], ips=["203.0.113.25"], neighbourhood=True, timeout=HOOD_TIMEOUT)
    expect(crowded, o.HOOD_CROWDED, "203.0.113.25", listed=253, share="100%")
    not_asked = run(dns_server, zones, ips=["203.0.113.25"])
    expect(not_asked, o.HOOD_NOT_REQUESTED, "203.0.113.25")
    dead = run(dns_server, [moved("spamcop", "silent.dnsbl.test")], ips=["203.0.113.25"],
               neighbourhood=True)
    expect(dead, o.HOOD_ERROR, "203.0.113.25", reason="no block list passed its self-test")


def test_a_neighbour_one_list_did_not_answer_is_not_checked(dns_server: LabDnsServer) -> None:
    # A neighbour is "checked" only when every list answered (or one lists it): no answer from
    # SpamCop for .1-.3 (SERVFAIL: unreachable) leaves them unchecked though ZEN answered them
    zones = [CAT.by_id("spamhaus-zen"), CAT.by_id("spamcop")]
    spamcop = CAT.by_id("spamcop").zone
    for last in (1, 2, 3):
        dns_server.add_fault(f"{last}.113.0.203.{spamcop}", "servfail")
    out = run(dns_server, zones, ips=["203.0.113.25"], neighbourhood=True, timeout=HOOD_TIMEOUT)
    expect(out, o.HOOD_CLEAN, "203.0.113.25", checked=250, listed=2)
    [row] = out.sections["reputation"]["neighbourhood"]
    assert row["unanswered"] == 3
    # ... and when the unchecked neighbours alone could make the range crowded, "clean" is not
    # known: could not check (13 of 253 is over the 5% share)
    for last in range(4, 21):
        dns_server.add_fault(f"{last}.113.0.203.{spamcop}", "servfail")
    out = run(dns_server, zones, ips=["203.0.113.25"], neighbourhood=True, timeout=HOOD_TIMEOUT)
    error = expect(out, o.HOOD_ERROR, "203.0.113.25")
    assert error.params["reason"].startswith("20 of 253 neighbours could not be checked")
    assert not out.sections.get("reputation", {}).get("neighbourhood")


# -- subjects that are not looked up ---------------------------------------------------------------


def test_private_addresses_are_not_public_and_never_queried(dns_server: LabDnsServer) -> None:
    dns_server.reset_stats()
    out = run(dns_server, [ZEN], ips=["10.1.2.3"], neighbourhood=True)
    expect(out, o.IP_NOT_PUBLIC, "10.1.2.3")
    expect(out, o.NET_NOT_PUBLIC, "10.1.2.3")
    expect(out, o.HOOD_NOT_PUBLIC, "10.1.2.3")
    assert not [q for q in dns_server.query_log if "3.2.1.10." in q.name]


def test_disabled_in_the_plan(dns_server: LabDnsServer) -> None:
    out = run(dns_server, settings=BlocklistSettings(enabled=False), ips=["203.0.113.25"])
    expect(out, o.IP_DISABLED, "203.0.113.25")
    assert out.results == (o.IP_DISABLED("203.0.113.25", ip="203.0.113.25"),)


def test_default_catalogue_run_over_the_lab_is_clean_and_quick(dns_server: LabDnsServer) -> None:
    # Every enabled catalogue list is served by the lab (files or stand-ins): nothing errors
    out = run(dns_server, settings=BlocklistSettings(), ips=["203.0.113.25"],
              domains=["example.net"], hostname="mail.example.com")
    assert {r.status for r in out.results} <= {Status.PASS, Status.SKIP}, describe(out.results)
    expect(out, o.RESOLVER_OWN)
    summary = expect(out, o.IP_CLEAR, "203.0.113.25")
    assert int(summary.params["checked"]) == len([z for z in CAT.enabled()
                                                  if z.supports("ipv4") and z.kind.value != "reputation"])
    # every default list has RFC 5782 test entries (0spam BL, which has none, is off by default)
    assert expect(out, o.ZONE_SELF_TESTS).params["untested"] == "0"


# -- the answer rule (issue 12 item 7): refusals, undocumented codes, wildcards -------------------


def resolver_answering(code: str, zones: Iterable[Zone], **extra: str) -> LabDnsServer:
    """A lab server that answers ``code`` for every name under each zone (``extra``: owner -> A)."""
    built = []
    for zone in zones:
        lines = [f"$ORIGIN {zone.zone}.", "$TTL 300",
                 "@ IN SOA ns.lab.invalid. hostmaster.lab.invalid. 1 3600 600 86400 300",
                 "@ IN NS ns.lab.invalid.", f"* IN A {code}"]
        lines += [f"{owner} IN A {value}" for owner, value in extra.items()]
        built.append(dns.zone.from_text("\n".join(lines) + "\n", relativize=False))
    return LabDnsServer(built)


def test_a_resolver_answering_refusal_codes_for_everything_checks_nothing() -> None:
    # Given a resolver that answers 127.255.255.254 for every blocklist name (test entries too)
    with resolver_answering("127.255.255.254", CAT.enabled()) as server:
        out = run(server, settings=BlocklistSettings(), ips=["203.0.113.25"], domains=["example.net"])
    # Then no list is usable, nothing is listed, and no summary row passes
    assert nothing_listed(out)
    used = [z for z in CAT.enabled() if z.supports("ipv4") or z.supports("domain")]
    expect(out, o.ZONE_NONE_USABLE, "all lists", total=len(used))
    expect(out, o.IP_NONE_USABLE, "203.0.113.25")
    expect(out, o.DOMAIN_NONE_USABLE, "example.net")
    blocklist = [r for r in out.results if r.check_id.startswith("blocklist.") and r.check_id != "blocklist.resolver"]
    assert blocklist and not [r for r in blocklist if r.status in (Status.PASS, Status.FAIL)], describe(blocklist)
    refused = [r for r in blocklist if r.outcome == "refused"]
    assert len(refused) >= 15   # every list that refuses says so


def test_a_resolver_listing_everything_leaves_no_list_trusted_not_even_untestable_ones() -> None:
    # Given a resolver that answers 127.0.0.2 for every name, and 0spam BL (no test entries) on
    zones = (*CAT.enabled(), CAT.by_id("0spam-bl"))
    with resolver_answering("127.0.0.2", zones) as server:
        out = run(server, zones, ips=["203.0.113.25"])
    # Then the list without test points is a wildcard too (random-label plausibility probe)
    assert nothing_listed(out)
    wild = expect(out, o.ZONE_UNRELIABLE, "bl.0spam.org")
    assert "preflight-probe-" in wild.params["why"] and "must never be listed" in wild.params["why"]
    expect(out, o.IP_NONE_USABLE, "203.0.113.25")


def test_refusal_code_for_the_ip_itself_is_never_a_listing() -> None:
    # Given lists whose test entries answer right, but that answer 127.255.255.254 for the IP
    zones = [z for z in CAT.enabled() if z.supports("ipv4") and z.test_points is not None
             and z.test_points.ipv4_listed == "127.0.0.2" and not z.test_points.listed_answers
             and z.kind.value == "block"]
    assert len(zones) >= 10
    with resolver_answering("127.255.255.254", zones, **{"2.0.0.127": "127.0.0.2"}) as server:
        for zone in zones:   # the "never listed" entry must not exist
            server.add_fault(f"1.0.0.127.{zone.zone}", "nxdomain")
        out = run(server, zones, ips=["198.51.100.99"])
    assert nothing_listed(out)
    refused = [r for r in out.results if r.check_id == "blocklist.ip" and r.outcome == "refused"]
    assert len(refused) == len(zones), describe(out.results)
    assert all("not a listing" in r.params["meaning"] for r in refused)
    expect(out, o.IP_NONE_USABLE, "198.51.100.99", total=len(zones))
    expect(out, o.ZONE_SELF_TESTS, "all lists", passed=len(zones), total=len(zones), untested=0)


def test_list_without_test_points_is_trusted_only_after_the_plausibility_probe(dns_server: LabDnsServer) -> None:
    # Given 0spam BL (no test entries) served by a healthy zone, and again by a wildcard zone
    healthy = moved("0spam-bl", "spamcop.dnsbl.test")
    wild = moved("0spam-bl", "wild.dnsbl.test", id="0spam-wild")
    dns_server.reset_stats()
    out = run(dns_server, [healthy, wild, ZEN], ips=["198.51.100.65"])
    # Then the healthy one counts (a random name stayed unlisted), the wildcard does not
    expect(out, o.IP_LISTED, "198.51.100.65 in spamcop.dnsbl.test", codes="127.0.0.2")
    result = expect(out, o.ZONE_UNRELIABLE, "wild.dnsbl.test")
    assert "preflight-probe-" in result.params["why"]
    assert rows(out, "198.51.100.65")["wild.dnsbl.test"]["state"] == "unreliable"
    expect(out, o.ZONE_SELF_TESTS, "all lists", passed=1, total=3, untested=2)
    probes = {q.name.split(".")[0] for q in dns_server.query_log if q.name.startswith("preflight-probe-")}
    assert len(probes) == 1   # one random label per run, asked of both lists


def test_non_mail_list_listing_warns(dns_server: LabDnsServer) -> None:
    out = run(dns_server, [moved("dronebl", "spamcop.dnsbl.test")], ips=["198.51.100.65"])
    result = expect(out, o.IP_LISTED_NON_MAIL, "198.51.100.65 in spamcop.dnsbl.test", codes="127.0.0.2")
    assert result.params["meaning"].startswith("sample data")
    assert nothing_listed(out)
    as_domains = moved("dronebl", "dbl.dnsbl.test", subjects=(Subject.DOMAIN,), test_points=TestPoints(
        domain_listed="dbltest.com", domain_not_listed="invalid"))
    named = run(dns_server, [as_domains], domains=["spammy.example"])
    expect(named, o.DOMAIN_LISTED_NON_MAIL, "spammy.example in dbl.dnsbl.test", codes="127.0.1.2")


@pytest.mark.parametrize(("test_answer", "state", "words"), [
    ("127.0.10.0", None, "passed"),
    ("127.0.10.3", "refused", "returnhi"),          # dnswl's answer to resolvers over its limits
    ("127.0.15.0", "unreliable", "not the documented 127.0.10.0"),
])
def test_dnswl_test_entry_must_answer_exactly_as_documented(test_answer: str, state: str | None,
                                                            words: str) -> None:
    dnswl = CAT.by_id("dnswl-list")
    with resolver_answering("127.0.0.99", [dnswl], **{"2.0.0.127": test_answer}) as server:
        server.add_fault(f"1.0.0.127.{dnswl.zone}", "nxdomain")
        server.add_fault(f"25.113.0.203.{dnswl.zone}", "nxdomain")
        out = run(server, [dnswl], ips=["203.0.113.25"])
    if state is None:
        expect(out, o.ZONE_SELF_TESTS, "all lists", passed=1, total=1, untested=0)
        return
    result = next(r for r in out.results if r.check_id == "blocklist.zone" and r.outcome == state)
    assert words in result.params["why"], result.params["why"]
    assert not [r for r in out.results if r.outcome == "allowlisted"]


def test_public_resolver_is_flagged() -> None:
    # No test may send a packet to 8.8.8.8: the judgement is pure, from the resolver list
    from preflight.checks.blocklists.evaluate import evaluate_resolver

    result = evaluate_resolver(CAT, [("8.8.8.8", 53), ("9.9.9.9", 53)])
    expect([result], o.RESOLVER_PUBLIC, "8.8.8.8:53, 9.9.9.9:53", providers="Google Public DNS, Quad9")


def test_ptr_lookups_of_the_ips_are_bounded_only_by_the_client_concurrency() -> None:
    # Given 24 public IPs and a server that answers PTR questions only once 24 of them wait at
    # once (everything else: NXDOMAIN at once)
    from checks.gate import GateServer
    from preflight.checks.blocklists.collect import collect
    from preflight.checks.blocklists.plan import build_plan
    from preflight.net.dns import DnsAnswer, DnsConfig, Nameserver

    ips = [f"203.0.113.{i}" for i in range(1, 25)]
    catalogue = load_catalogue()
    plan = build_plan(catalogue, BlocklistSettings(), ips=ips)
    server = GateServer(gate=len(ips), deadline=3.0)
    try:
        client = DnsClient(DnsConfig(nameservers=(Nameserver("127.0.0.1", server.port),),
                                     timeout=30.0, retries=0, concurrency=64))
        # When the blocklist family collects
        facts = collect(client, plan, catalogue)
    finally:
        server.close()
    # Then all 24 PTR lookups were in flight together (the event loop's default executor has
    # min(32, CPUs + 4) threads: 6 on two CPUs)
    assert server.most == len(ips)
    assert all(isinstance(facts.ptrs[ip], DnsAnswer) and facts.ptrs[ip].nxdomain for ip in ips)
