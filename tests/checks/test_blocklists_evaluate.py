"""Pure blocklist logic: query names, self-test judgement, per-answer states, Team Cymru parsing.

Literal facts in, results out: no sockets. The lab tests (test_blocklists.py) cover the same
paths end to end.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight.checks.blocklists import outcomes as o
from preflight.checks.blocklists.evaluate import evaluate_resolver, site
from preflight.checks.blocklists.health import Health, read, read_state, sorted_codes, zone_health
from preflight.checks.blocklists.queries import (
    ZoneRef,
    is_public,
    label_of,
    neighbours,
    probe_points,
    redact,
    zone_refs,
)
from preflight.checks.blocklists.reputation import parse_as_name, parse_origin
from preflight.checks.blocklists.settings import DqsKey, with_rfc_test_points
from preflight.data.catalogue import ListState, Subject
from preflight.data.loader import load_catalogue, parse_custom_zone
from preflight.net.dns import DnsAnswer, DnsError

CAT = load_catalogue()
ZEN = ZoneRef(CAT.by_id("spamhaus-zen"), "zen.spamhaus.org", "zen.spamhaus.org")
URIBL = ZoneRef(CAT.by_id("uribl-multi"), "multi.uribl.com", "multi.uribl.com")
HEALTHY = Health(None, "passed", tested=True)


def answer(qname: str, *records: str, nxdomain: bool = False) -> DnsAnswer:
    return DnsAnswer(qname, "A", tuple(records), 300, "127.0.0.1:53", nxdomain=nxdomain)


def nx(qname: str) -> DnsAnswer:
    return answer(qname, nxdomain=True)


# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("subject", "label"), [
    ("192.0.2.1", "1.2.0.192"),
    ("2001:db8:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"),
    ("::ffff:7f00:2", "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"),
    ("Example.COM.", "example.com"),
])
def test_labels_follow_rfc5782(subject: str, label: str) -> None:
    # RFC 5782 section 2.4's own example for IPv6 (expanded, not the compressed form)
    assert label_of(subject) == label


@pytest.mark.parametrize(("ip", "public"), [
    ("203.0.113.25", True), ("2001:db8:25::25", True), ("198.51.100.7", True),
    ("10.1.2.3", False), ("127.0.0.2", False), ("192.168.1.1", False), ("100.64.0.1", False),
    ("::1", False), ("fe80::1", False), ("fd00::1", False), ("::ffff:192.0.2.1", False),
])
def test_non_public_addresses_are_never_looked_up(ip: str, public: bool) -> None:
    assert is_public(ip) is public


def test_neighbours_are_the_other_253_hosts_of_the_slash_24() -> None:
    found = neighbours("203.0.113.25")
    assert len(found) == 253 and "203.0.113.25" not in found
    assert found[0] == "203.0.113.1" and found[-1] == "203.0.113.254"


def test_dqs_key_switches_spamhaus_names_and_is_redacted() -> None:
    key = DqsKey.parse("ABCdef1234567890abcdef1234")
    refs = {r.zone.id: r for r in zone_refs(
        [CAT.by_id("spamhaus-zen"), CAT.by_id("spamhaus-dbl"), CAT.by_id("spamcop")], key)}
    zen = refs["spamhaus-zen"]
    assert zen.base == "abcdef1234567890abcdef1234.zen.dq.spamhaus.net"
    assert zen.shown == "<key>.zen.dq.spamhaus.net" and zen.via_dqs
    assert refs["spamcop"].base == "bl.spamcop.net" and not refs["spamcop"].via_dqs
    question = zen.question(label_of("192.0.2.1"))
    assert key.value in question.qname and key.value not in question.label
    assert redact(f"x {key.value} y", key) == "x <key> y"
    assert key.value not in repr(key) and key.value not in str(key)


@pytest.mark.parametrize("text", ["short", "has space 1234567890", "", "ünïcode1234567890", None, 12345])
def test_bad_dqs_keys_are_rejected_without_echoing_them(text: object) -> None:
    from preflight.errors import UsageError

    with pytest.raises(UsageError) as err:
        DqsKey.parse(text)
    if isinstance(text, str) and text:
        assert text not in str(err.value)


def test_probe_points_prefer_ipv4_then_domains() -> None:
    assert probe_points(ZEN.zone) == [("127.0.0.2", Subject.IPV4, True),
                                      ("127.0.0.1", Subject.IPV4, False)]
    assert probe_points(URIBL.zone) == [("test.uribl.com", Subject.DOMAIN, True),
                                        ("invalid", Subject.DOMAIN, False)]
    assert probe_points(CAT.by_id("mailspike-rep")) == []


def test_custom_zones_get_the_rfc5782_test_entries() -> None:
    zone = with_rfc_test_points(parse_custom_zone({"zone": "bl.example.net", "subjects": ["ipv4", "domain"]}))
    assert probe_points(zone) == [("127.0.0.2", Subject.IPV4, True), ("127.0.0.1", Subject.IPV4, False)]
    assert zone.test_points is not None and zone.test_points.domain_listed == "test"


# -- self-tests ----------------------------------------------------------------------------------

LISTED_Q, CLEAN_Q = "2.0.0.127.zen.spamhaus.org", "1.0.0.127.zen.spamhaus.org"


def probe_answers(listed: object, clean: object) -> dict[tuple[str, str], object]:
    return {(LISTED_Q, "A"): listed, (CLEAN_Q, "A"): clean}


@pytest.mark.parametrize(("listed", "clean", "state", "silent"), [
    (answer(LISTED_Q, "127.0.0.2", "127.0.0.10"), nx(CLEAN_Q), None, False),
    (nx(LISTED_Q), nx(CLEAN_Q), ListState.UNRELIABLE, True),             # dead, or silently blocked
    (answer(LISTED_Q, "127.0.0.2"), answer(CLEAN_Q, "127.0.0.2"), ListState.UNRELIABLE, False),  # wildcard
    (answer(LISTED_Q, "127.255.255.254"), nx(CLEAN_Q), ListState.REFUSED, False),  # public resolver
    (answer(LISTED_Q, "127.0.0.2"), answer(CLEAN_Q, "127.255.255.255"), ListState.REFUSED, False),
    (answer(LISTED_Q, "92.242.140.21"), nx(CLEAN_Q), ListState.UNRELIABLE, False),  # NXDOMAIN rewriting
    (DnsError(LISTED_Q, "A", "timeout", "127.0.0.1:53"), nx(CLEAN_Q), ListState.UNREACHABLE, False),
    (answer(LISTED_Q, "127.0.0.2"), DnsError(CLEAN_Q, "A", "servfail", "127.0.0.1:53"),
     ListState.UNREACHABLE, False),
])
def test_self_test_table(listed: object, clean: object, state: ListState | None, silent: bool) -> None:
    health = zone_health(ZEN, probe_answers(listed, clean))  # type: ignore[arg-type]
    assert health.state is state
    assert health.silent is silent
    assert health.tested and len(health.evidence) == 2


def test_refusal_beats_other_problems() -> None:
    health = zone_health(ZEN, probe_answers(  # type: ignore[arg-type]
        DnsError(LISTED_Q, "A", "timeout", "x"), answer(CLEAN_Q, "127.255.255.254")))
    assert health.state is ListState.REFUSED


def test_zone_without_test_points_is_usable_but_untested() -> None:
    ref = ZoneRef(CAT.by_id("mailspike-rep"), "rep.mailspike.net", "rep.mailspike.net")
    health = zone_health(ref, {})
    assert health.usable and not health.tested


# -- one subject on one zone ---------------------------------------------------------------------

Q = "25.113.0.203.zen.spamhaus.org"


@pytest.mark.parametrize(("result", "state", "codes"), [
    (nx(Q), ListState.CLEAR, ()),
    (answer(Q), ListState.CLEAR, ()),                                             # NODATA
    (answer(Q, "127.0.0.4", "127.0.0.2"), ListState.LISTED, ("127.0.0.2", "127.0.0.4")),
    (answer(Q, "127.0.0.10"), ListState.POLICY, ("127.0.0.10",)),
    (answer(Q, "127.0.0.11"), ListState.POLICY, ("127.0.0.11",)),
    (answer(Q, "127.255.255.254"), ListState.REFUSED, ("127.255.255.254",)),
    (answer(Q, "127.255.255.250"), ListState.REFUSED, ("127.255.255.250",)),
    (answer(Q, "127.0.0.2", "127.255.255.255"), ListState.REFUSED, ("127.0.0.2", "127.255.255.255")),
    (answer(Q, "192.0.2.99"), ListState.UNRELIABLE, ("192.0.2.99",)),
    (answer(Q, "127.0.0.99"), ListState.UNRELIABLE, ("127.0.0.99",)),             # undocumented
    (DnsError(Q, "A", "timeout", "x"), ListState.UNREACHABLE, ()),
    (DnsError(Q, "A", "refused", "x"), ListState.UNREACHABLE, ()),
    (None, ListState.NOT_APPLICABLE, ()),
])
def test_reading_table(result: object, state: ListState, codes: tuple[str, ...]) -> None:
    reading = read(ZEN, HEALTHY, result)  # type: ignore[arg-type]
    assert (reading.state, reading.codes) == (state, codes)
    # the neighbourhood's words-free reading gives the same state, healthy zone or not
    assert read_state(ZEN, HEALTHY, result) is state  # type: ignore[arg-type]
    broken = Health(ListState.UNRELIABLE, "wildcard", tested=True)
    assert read_state(ZEN, broken, result) is read(ZEN, broken, result).state  # type: ignore[arg-type]


def test_never_listed_when_the_zone_failed_its_self_test() -> None:
    broken = Health(ListState.UNRELIABLE, "wildcard", tested=True)
    reading = read(ZEN, broken, answer(Q, "127.0.0.2"))
    assert reading.state is ListState.UNRELIABLE
    assert reading.codes == ("127.0.0.2",) and "does not count" in reading.meaning


def test_uribl_refusal_bit_is_never_a_listing() -> None:
    reading = read(URIBL, HEALTHY, answer("example.com.multi.uribl.com", "127.0.0.1"))
    assert reading.state is ListState.REFUSED


def test_codes_are_sorted_numerically() -> None:
    assert sorted_codes(["127.0.0.10", "127.0.0.2", "x"]) == ("127.0.0.2", "127.0.0.10", "x")


# -- resolver and links --------------------------------------------------------------------------


def test_public_resolver_warns_and_own_resolver_passes() -> None:
    public = evaluate_resolver(CAT, [("8.8.8.8", 53), ("192.0.2.53", 53)])
    assert (public.check_id, public.outcome) == ("blocklist.resolver", "public")
    assert public.params["providers"] == "Google Public DNS"
    own = evaluate_resolver(CAT, [("192.0.2.53", 5353)])
    assert own.outcome == o.RESOLVER_OWN.name and own.params["resolvers"] == "192.0.2.53:5353"
    v6 = evaluate_resolver(CAT, [("2606:4700:4700::1111", 53)])
    assert v6.outcome == "public" and v6.subject == "[2606:4700:4700::1111]:53"


def test_site_cuts_templated_urls() -> None:
    assert site("https://www.spamcop.net/bl.shtml?{ip}") == "https://www.spamcop.net/"
    assert site("https://check.spamhaus.org/") == "https://check.spamhaus.org/"
    assert site(None) == "the operator's web site"


# -- Team Cymru ----------------------------------------------------------------------------------


def test_parse_origin_picks_the_most_specific_prefix() -> None:
    origin = parse_origin(["64500 | 203.0.0.0/16 | ZZ | lab | 2000-01-01",
                           "64501 64502 | 203.0.113.0/24 | ZZ | arin | 2015-03-10"])
    assert origin is not None
    assert origin.asns == ("64501", "64502") and origin.prefix == "203.0.113.0/24"
    assert (origin.country, origin.registry, origin.allocated) == ("ZZ", "arin", "2015-03-10")


@pytest.mark.parametrize("records", [[], ["garbage"], ["x | not-a-prefix | ZZ"], ["| 192.0.2.0/24"]])
def test_parse_origin_rejects_what_it_cannot_read(records: list[str]) -> None:
    assert parse_origin(records) is None


def test_parse_as_name() -> None:
    assert parse_as_name(["64500 | ZZ | lab | 2015-03-10 | EXAMPLE-HOSTING - Example Hosting Ltd, ZZ"]) \
        == "EXAMPLE-HOSTING - Example Hosting Ltd, ZZ"
    assert parse_as_name(["64500 | ZZ"]) is None


@given(st.lists(st.text(max_size=200), max_size=5))
def test_cymru_parsers_never_raise_on_hostile_text(records: list[str]) -> None:
    parse_origin(records)
    parse_as_name(records)


@given(st.lists(st.text(max_size=40), max_size=6))
def test_reading_never_raises_on_hostile_answers(records: list[str]) -> None:
    reading = read(ZEN, HEALTHY, answer(Q, *records))
    assert isinstance(reading.state, ListState)
    assert read_state(ZEN, HEALTHY, answer(Q, *records)) is reading.state
    assert read_state(URIBL, HEALTHY, answer(Q, *records)) is read(URIBL, HEALTHY, answer(Q, *records)).state
    if reading.state is ListState.LISTED:
        assert all(r.strip().startswith("127.") for r in reading.codes)


def test_renamed_zone_keeps_catalogue_semantics() -> None:
    # The lab tests point catalogue zones at names under dnsbl.test; classification is unchanged.
    moved = dataclasses.replace(CAT.by_id("spamhaus-zen"), zone="zen.dnsbl.test", dqs_zone=None)
    assert moved.classify_answers(["127.0.0.10"])[0] is ListState.POLICY
