"""The curated DNSBL catalogue: the packaged file loads, its facts hold, classification is right."""

from __future__ import annotations

import copy
import ipaddress
import random
import string
import sys
from datetime import date
from importlib import resources
from typing import Any

import pytest

from preflight.data.catalogue import (
    ERROR_RANGE,
    Catalogue,
    CodeState,
    DefaultWhy,
    ListState,
    Purpose,
    Subject,
    Zone,
    ZoneStatus,
)
from preflight.data.loader import (
    load_catalogue,
    parse_catalogue,
    parse_custom_zone,
    validate_zone_name,
)
from preflight.data.probes import needs_plausibility

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SPAMHAUS_ERRORS = ("127.255.255.252", "127.255.255.254", "127.255.255.255")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def raw_data() -> dict[str, Any]:
    """A fresh, mutable copy of the packaged TOML document."""
    text = resources.files("preflight.data").joinpath("blocklists.toml").read_text("utf-8")
    return tomllib.loads(text)


def zone_table(data: dict[str, Any], zone_id: str) -> dict[str, Any]:
    return next(z for z in data["zone"] if z["id"] == zone_id)


# --- the packaged file ----------------------------------------------------------------------


def test_packaged_catalogue_loads_and_is_cached(catalogue: Catalogue) -> None:
    assert catalogue.curated == "2026-12-07"
    assert len(catalogue.zones) > 50
    assert load_catalogue() is catalogue


def test_list_state_values_are_the_agreed_vocabulary() -> None:
    assert [s.value for s in ListState] == [
        "listed", "policy", "allowlisted", "clear", "refused", "unreliable", "unreachable",
        "not_applicable",
    ]
    assert ListState("listed") is ListState.LISTED
    assert str(ListState.POLICY) == "policy"


def test_ids_and_zone_names_are_unique(catalogue: Catalogue) -> None:
    ids = [z.id for z in catalogue.zones]
    names = [n for z in catalogue.zones for n in (z.zone, *z.aliases)]
    assert len(ids) == len(set(ids))
    assert len(names) == len(set(names))


def test_active_enabled_zones_are_actionable(catalogue: Catalogue) -> None:
    assert catalogue.enabled(), "the default set must not be empty"
    for zone in catalogue.enabled():
        assert zone.lookup_url or zone.delist_url, zone.id
        assert zone.sources, zone.id
        assert zone.delist_link("192.0.2.1"), zone.id


def test_every_active_zone_has_codes_and_sources(catalogue: Catalogue) -> None:
    for zone in catalogue.active():
        assert zone.codes, zone.id
        assert zone.sources, zone.id
        assert all(s.startswith(("http://", "https://")) for s in zone.sources), zone.id


def test_every_dead_zone_is_disabled_and_explained(catalogue: Catalogue) -> None:
    assert catalogue.dead()
    for zone in catalogue.dead():
        assert not zone.enabled, zone.id
        assert zone.dead_note, zone.id
        assert zone.sources, zone.id
        assert zone not in catalogue.enabled()
        assert zone not in catalogue.for_subject(Subject.IPV4, include_disabled=True)


def test_keyed_and_registered_zones_are_not_enabled_by_default(catalogue: Catalogue) -> None:
    for zone in catalogue.enabled():
        assert "key" not in zone.requires, zone.id
        assert "registration" not in zone.requires, zone.id
        assert zone.kind.value != "collateral", zone.id


def test_default_set_covers_ipv4_ipv6_and_domains(catalogue: Catalogue) -> None:
    enabled = {z.id for z in catalogue.enabled()}
    assert {"spamhaus-zen", "spamcop", "psbl", "mailspike-bl", "dnswl-list",
            "spamhaus-dbl", "surbl-multi", "uribl-multi"} <= enabled
    assert not {"uceprotect-1", "uceprotect-2", "uceprotect-3", "barracuda-brbl", "abusix-combined",
                "0spam-bl"} & enabled
    for subject in Subject:
        assert catalogue.for_subject(subject), subject
    for zone in catalogue.for_subject("ipv6"):
        assert zone.supports(Subject.IPV6)


def test_test_points_fit_the_subjects(catalogue: Catalogue) -> None:
    for zone in catalogue.active():
        points = zone.test_points
        if points is None:
            assert zone.test_points_missing, f"{zone.id}: no test points and no reason why"
            continue
        for subject in Subject:
            if points.listed(subject) or points.not_listed(subject):
                assert zone.supports(subject), zone.id


def test_known_test_points(catalogue: Catalogue) -> None:
    assert catalogue.by_id("spamhaus-dbl").test_points.domain_listed == "dbltest.com"  # type: ignore[union-attr]
    assert catalogue.by_id("surbl-multi").test_points.domain_listed == "test.surbl.org"  # type: ignore[union-attr]
    assert catalogue.by_id("uribl-multi").test_points.domain_listed == "test.uribl.com"  # type: ignore[union-attr]
    zen = catalogue.by_id("spamhaus-zen").test_points
    assert zen is not None and zen.listed("ipv4") == "127.0.0.2" and zen.not_listed("ipv4") == "127.0.0.1"
    assert zen.listed("ipv6") == "::FFFF:7F00:2"
    assert catalogue.by_id("hostkarma").test_points.ipv4_not_listed is None  # type: ignore[union-attr]


def test_by_id_raises_for_unknown_ids(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError):
        catalogue.by_id("no-such-zone")


# --- classification -------------------------------------------------------------------------


def spamhaus_zones(catalogue: Catalogue) -> list[Zone]:
    return [z for z in catalogue.active() if z.operator == "Spamhaus"
            and z.id not in ("spamhaus-zrd", "spamhaus-authbl")]


@pytest.mark.parametrize("code", SPAMHAUS_ERRORS + ("127.255.255.250", "127.255.255.1"))
def test_spamhaus_refusal_codes_are_refused_never_listed(catalogue: Catalogue, code: str) -> None:
    zones = spamhaus_zones(catalogue) + [catalogue.by_id("abuseat-cbl")]
    assert len(zones) >= 6
    for zone in zones:
        state, meaning = zone.classify(code)
        assert state is ListState.REFUSED, (zone.id, code)
        assert "not a listing" in meaning


def test_spamhaus_refusals_win_over_real_codes_in_one_answer(catalogue: Catalogue) -> None:
    zen = catalogue.by_id("spamhaus-zen")
    state, meaning = zen.classify_answers(["127.0.0.2", "127.255.255.254"])
    assert state is ListState.REFUSED
    assert "SBL" in meaning


@pytest.mark.parametrize("zone_id", ["uribl-multi", "surbl-multi", "uribl-black", "uribl-grey"])
def test_uribl_and_surbl_127_0_0_1_is_refused(catalogue: Catalogue, zone_id: str) -> None:
    assert catalogue.by_id(zone_id).classify("127.0.0.1")[0] is ListState.REFUSED


def test_uribl_refusal_bit_poisons_a_combined_answer(catalogue: Catalogue) -> None:
    assert catalogue.by_id("uribl-multi").classify("127.0.0.3")[0] is ListState.REFUSED


@pytest.mark.parametrize("code", ["127.0.0.255", "127.0.10.255"])
def test_dnswl_blocked_is_refused(catalogue: Catalogue, code: str) -> None:
    assert catalogue.by_id("dnswl-list").classify(code)[0] is ListState.REFUSED


def test_zen_codes(catalogue: Catalogue) -> None:
    zen = catalogue.by_id("spamhaus-zen")
    assert zen.classify("127.0.0.10")[0] is ListState.POLICY
    assert zen.classify("127.0.0.11")[0] is ListState.POLICY
    state, meaning = zen.classify("127.0.0.4")
    assert state is ListState.LISTED and "XBL" in meaning
    assert zen.classify_answers(["127.0.0.4", "127.0.0.10"])[0] is ListState.LISTED
    assert zen.classify_answers([]) == (ListState.CLEAR, "no A record (not listed)")


def test_bitmask_meanings_combine(catalogue: Catalogue) -> None:
    surbl = catalogue.by_id("surbl-multi")
    state, meaning = surbl.classify("127.0.0.24")  # 8 PH + 16 MW
    assert state is ListState.LISTED
    assert "PH" in meaning and "MW" in meaning
    state, meaning = surbl.classify("127.0.0.36")  # 4 DM + 32 CT: CT is trap-based abuse evidence
    assert state is ListState.LISTED and "DM" in meaning and "CT" in meaning
    assert surbl.classify("127.0.0.4")[0] is ListState.POLICY  # DM alone: informational
    state, meaning = surbl.classify("127.1.2.72")  # middle octets are reserved, ignored
    assert state is ListState.LISTED and "ABUSE" in meaning and "PH" in meaning
    state, meaning = catalogue.by_id("uribl-multi").classify("127.0.0.14")
    assert state is ListState.LISTED
    assert all(word in meaning for word in ("black", "grey", "red"))


def test_bitmask_undocumented_bits(catalogue: Catalogue) -> None:
    surbl = catalogue.by_id("surbl-multi")
    assert surbl.classify("127.0.0.2")[0] is ListState.UNRELIABLE  # bit 2 alone: retired
    state, meaning = surbl.classify("127.0.0.254")  # test.surbl.org: every bit
    assert state is ListState.LISTED and "undocumented bit 2" in meaning


def test_unknown_codes_follow_unknown_code(catalogue: Catalogue) -> None:
    # By default an undocumented answer is unreliable, never a listing (never a FAIL).
    assert catalogue.by_id("spamcop").classify("127.0.0.99")[0] is ListState.UNRELIABLE
    assert catalogue.by_id("uceprotect-3").classify("127.0.0.7")[0] is ListState.UNRELIABLE
    assert catalogue.by_id("spamrats-all").classify("127.0.0.40")[0] is ListState.UNRELIABLE
    # Only where the operator says any answer is a listing (DroneBL, blocklist.de).
    assert catalogue.by_id("dronebl").classify("127.0.0.99")[0] is ListState.LISTED
    assert catalogue.by_id("blocklist-de").classify("127.0.0.15")[0] is ListState.LISTED
    # Precise tables: undocumented means unreliable, never listed.
    assert catalogue.by_id("spamhaus-zen").classify("127.0.0.8")[0] is ListState.UNRELIABLE
    assert catalogue.by_id("dnswl-list").classify("127.0.5.7")[0] is ListState.UNRELIABLE
    assert catalogue.by_id("mailspike-rep").classify("127.0.0.42")[0] is ListState.UNRELIABLE


def test_answers_outside_loopback_are_unreliable_everywhere(catalogue: Catalogue) -> None:
    for zone in catalogue.zones:
        for answer in ("10.0.0.1", "92.242.140.21", "146.112.61.108", "::1", "garbage", ""):
            state, meaning = zone.classify(answer)
            assert state is ListState.UNRELIABLE, (zone.id, answer)
            assert meaning


def test_dead_zone_answers_are_unreliable(catalogue: Catalogue) -> None:
    ahbl = catalogue.by_id("ahbl-dnsbl")
    state, meaning = ahbl.classify("127.0.0.2")
    assert state is ListState.UNRELIABLE and "wildcard" in meaning
    assert ahbl.classify_answers([])[0] is ListState.UNRELIABLE  # silence is meaningless too


CASES = [
    # (zone id, answer, expected state, word in meaning)
    ("spamhaus-zen", "127.0.0.2", ListState.LISTED, "SBL"),
    ("spamhaus-zen", "127.0.0.3", ListState.LISTED, "CSS"),
    ("spamhaus-zen", "127.0.0.9", ListState.LISTED, "DROP"),
    ("spamhaus-zen", "127.0.0.30", ListState.LISTED, "BCL"),
    ("spamhaus-zen", "127.255.255.251", ListState.REFUSED, "DQS"),
    ("spamhaus-dbl", "127.0.1.2", ListState.LISTED, "spam"),
    ("spamhaus-dbl", "127.0.1.104", ListState.LISTED, "phishing"),
    ("spamhaus-dbl", "127.0.1.255", ListState.REFUSED, "domain-only"),
    ("spamhaus-zrd", "127.0.2.5", ListState.LISTED, "24 hours"),
    ("spamhaus-zrd", "127.0.2.255", ListState.REFUSED, "domain-only"),
    ("spamhaus-authbl", "127.0.0.20", ListState.LISTED, "AUTH"),
    ("spamcop", "127.0.0.2", ListState.LISTED, "SpamCop"),
    ("psbl", "127.0.0.2", ListState.LISTED, "trap"),
    ("barracuda-brbl", "127.0.0.2", ListState.LISTED, "Barracuda"),
    ("mailspike-bl", "127.0.0.10", ListState.LISTED, "L5"),
    ("mailspike-rep", "127.0.0.11", ListState.LISTED, "L4"),
    ("mailspike-rep", "127.0.0.15", ListState.CLEAR, "neutral"),
    ("mailspike-rep", "127.0.0.20", ListState.ALLOWLISTED, "excellent"),
    ("mailspike-wl", "127.0.0.18", ListState.ALLOWLISTED, "good"),
    ("dnswl-list", "127.0.10.0", ListState.ALLOWLISTED, "trust none"),
    ("dnswl-list", "127.0.3.3", ListState.ALLOWLISTED, "trust high"),
    ("dnswl-list", "127.0.15.2", ListState.ALLOWLISTED, "trust medium"),
    ("senderscore-score", "127.0.4.95", ListState.ALLOWLISTED, "90-100"),
    ("senderscore-score", "127.0.4.85", ListState.CLEAR, "80-89"),
    ("senderscore-score", "127.0.4.12", ListState.LISTED, "0-79"),
    ("senderscore-score", "127.255.255.255", ListState.REFUSED, "blocked"),
    ("senderscore-rpbl", "127.255.255.255", ListState.REFUSED, "blocked"),
    ("senderscore-rpbl", "127.0.0.3", ListState.LISTED, "botnet"),
    ("spamrats-all", "127.0.0.36", ListState.POLICY, "Dyna"),
    ("spamrats-all", "127.0.0.37", ListState.POLICY, "NoPtr"),
    ("spamrats-all", "127.0.0.38", ListState.LISTED, "Spam"),
    ("spamrats-all", "127.0.0.43", ListState.POLICY, "Auth"),
    ("spamrats-auth", "127.0.0.43", ListState.POLICY, "inbound"),
    ("spamhaus-sbl", "127.0.0.8", ListState.LISTED, "unused"),
    ("mailspike-bl", "127.0.0.14", ListState.CLEAR, "neutral"),
    ("dnswl-list", "127.0.10.3", ListState.REFUSED, "returnhi"),
    ("dnswl-dwl", "127.0.10.1", ListState.REFUSED, "returnhi"),
    ("uribl-multi", "127.0.0.4", ListState.POLICY, "grey"),
    ("uribl-grey", "127.0.0.2", ListState.POLICY, "false positives"),
    ("surbl-multi", "127.0.0.32", ListState.LISTED, "CT"),
    ("dronebl", "127.0.0.5", ListState.LISTED, "bottler"),
    ("dronebl", "127.0.0.14", ListState.LISTED, "Wingate"),
    ("dronebl", "127.0.0.19", ListState.LISTED, "VPN"),
    ("suomispam", "127.0.0.99", ListState.LISTED, "test entry"),
    ("isipp-iadb", "127.0.1.255", ListState.ALLOWLISTED, "vouched"),
    ("validity-certified", "127.255.255.255", ListState.REFUSED, "blocked"),
    ("validity-safe", "127.0.0.3", ListState.ALLOWLISTED, "Safe"),
    ("abusix-combined", "127.0.0.11", ListState.POLICY, "rDNS"),
    ("abusix-combined", "127.0.0.200", ListState.LISTED, "manual"),
    ("uceprotect-1", "127.0.0.2", ListState.LISTED, "Level 1"),
    ("uceprotect-2", "127.0.0.2", ListState.POLICY, "collateral"),
    ("0spam-bl", "127.0.0.1", ListState.LISTED, "spam"),
    ("0spam-bl", "127.0.0.7", ListState.LISTED, "relay"),
    ("0spam-nbl", "127.0.4.0", ListState.POLICY, "/24"),
    ("hostkarma", "127.0.0.1", ListState.ALLOWLISTED, "white"),
    ("hostkarma", "127.0.0.4", ListState.LISTED, "brown"),
    ("hostkarma", "127.0.0.3", ListState.CLEAR, "yellow"),
    ("dronebl", "127.0.0.8", ListState.LISTED, "SOCKS"),
    ("dronebl", "127.255.255.254", ListState.REFUSED, "not a listing"),
    ("psbl", "127.255.255.254", ListState.REFUSED, "not a listing"),
    ("psbl", "127.0.0.1", ListState.UNRELIABLE, "no listing code"),
    ("uribl-multi", "127.0.0.2", ListState.LISTED, "black"),
    ("uribl-multi", "127.0.0.8", ListState.POLICY, "red"),
    ("surbl-multi", "127.0.0.64", ListState.LISTED, "ABUSE"),
    ("surbl-multi", "127.0.0.1", ListState.REFUSED, "blocked"),
    ("sem-uribl", "127.0.0.2", ListState.LISTED, "spam"),
    ("virusfree-bip", "127.0.0.2", ListState.LISTED, "botnet"),
]


@pytest.mark.parametrize(("zone_id", "answer", "state", "word"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_classification_table(catalogue: Catalogue, zone_id: str, answer: str,
                              state: ListState, word: str) -> None:
    got_state, meaning = catalogue.by_id(zone_id).classify(answer)
    assert got_state is state
    assert word.lower() in meaning.lower()


def test_classify_never_raises_on_hostile_input(catalogue: Catalogue) -> None:
    rng = random.Random(5782)
    alphabet = string.printable + "\u00e9\u4e2d\x00"
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(300)]
    samples += [f"127.{rng.randint(0, 300)}.{rng.randint(0, 300)}.{rng.randint(0, 300)}"
                for _ in range(300)]
    for zone in catalogue.zones:
        for sample in samples:
            state, meaning = zone.classify(sample)
            assert isinstance(state, ListState) and isinstance(meaning, str)


# --- finding zones a server config names -----------------------------------------------------


@pytest.mark.parametrize("name", [
    "dnsbl.sorbs.net", "DNSBL.SORBS.NET.", "dul.dnsbl.sorbs.net", "new.spam.dnsbl.sorbs.net",
    "spam.dnsbl.sorbs.net", "aspews.ext.sorbs.net", "rhsbl.sorbs.net", "problems.dnsbl.sorbs.net",
    "l2.spews.dnsbl.sorbs.net", "ix.dnsbl.manitu.net", "combined.njabl.org", "dnsbl.ahbl.org",
    "swl.spamhaus.org", "_vouch.dwl.spamhaus.org", "drone.abuse.ch", "relays.ordb.org",
    "list.dsbl.org", "postmaster.rfc-ignorant.org", "combined.rbl.msrbl.net",
    "exitnodes.tor.dnsbl.sectoor.de",
])
def test_dead_zones_in_a_config_are_found(catalogue: Catalogue, name: str) -> None:
    zone = catalogue.find_by_zone_name(name)
    assert zone is not None, name
    assert zone.status is not ZoneStatus.ACTIVE
    assert not zone.enabled


def test_sorbs_and_nixspam_are_dead(catalogue: Catalogue) -> None:
    sorbs = catalogue.find_by_zone_name("dnsbl.sorbs.net")
    assert sorbs is not None and sorbs.status is ZoneStatus.DEAD and sorbs.dead_since == "2024-06-05"
    nix = catalogue.find_by_zone_name("ix.dnsbl.manitu.net")
    assert nix is not None and nix.status is ZoneStatus.DEAD and nix.dead_since == "2025-01-16"
    assert catalogue.by_id("ahbl-dnsbl").status is ZoneStatus.WILDCARD


@pytest.mark.parametrize(("name", "zone_id"), [
    ("zen.spamhaus.org", "spamhaus-zen"),
    ("Zen.Spamhaus.Org.", "spamhaus-zen"),
    ("aip7yig6sahg6ehsohn5shco3z.zen.dq.spamhaus.net", "spamhaus-zen"),
    ("your_DQS_key.zen.dq.spamhaus.net.", "spamhaus-zen"),
    ("secret.dbl.dq.spamhaus.net", "spamhaus-dbl"),
    ("secret.authbl.dq.spamhaus.net", "spamhaus-authbl"),
    ("apikey.combined.mail.abusix.zone", "abusix-combined"),
    ("ubl.lashback.com", "lashback-ubl"),
    ("b.barracudacentral.org", "barracuda-brbl"),
    ("list.dnswl.org", "dnswl-list"),
    ("cbl.abuseat.org", "abuseat-cbl"),
])
def test_find_by_zone_name(catalogue: Catalogue, name: str, zone_id: str) -> None:
    zone = catalogue.find_by_zone_name(name)
    assert zone is not None and zone.id == zone_id


@pytest.mark.parametrize("name", ["example.com", "spamhaus.org", "a.b.zen.dq.spamhaus.net",
                                  "notzen.spamhaus.org.evil", ""])
def test_find_by_zone_name_does_not_guess(catalogue: Catalogue, name: str) -> None:
    assert catalogue.find_by_zone_name(name) is None


def test_replaced_zone_points_at_its_successor(catalogue: Catalogue) -> None:
    cbl = catalogue.by_id("abuseat-cbl")
    assert cbl.replaced_by is not None and catalogue.by_id(cbl.replaced_by).is_active


# --- public resolvers and lookups ------------------------------------------------------------


@pytest.mark.parametrize(("address", "provider"), [
    ("8.8.8.8", "Google"), ("2001:4860:4860:0:0:0:0:8888", "Google"), ("1.1.1.1", "Cloudflare"),
    ("2606:4700:4700::1001", "Cloudflare"), ("9.9.9.9", "Quad9"), ("149.112.112.112", "Quad9"),
    ("2620:FE::FE", "Quad9"), ("208.67.222.222", "OpenDNS"), ("2620:119:35::35", "OpenDNS"),
])
def test_public_resolvers(catalogue: Catalogue, address: str, provider: str) -> None:
    assert provider in (catalogue.public_resolver(address) or "")


def test_private_resolver_is_not_public(catalogue: Catalogue) -> None:
    assert catalogue.public_resolver("127.0.0.1") is None
    assert catalogue.public_resolver("not an ip") is None
    with pytest.raises(TypeError):
        catalogue.public_resolvers["1.2.3.4"] = "x"  # type: ignore[index]


def test_team_cymru_lookups_are_not_zones(catalogue: Catalogue) -> None:
    assert {lk.zone for lk in catalogue.lookups} == {
        "origin.asn.cymru.com", "origin6.asn.cymru.com", "asn.cymru.com"}
    assert all(catalogue.find_by_zone_name(lk.zone) is None for lk in catalogue.lookups)
    assert all(lk.record_type == "TXT" and lk.sources for lk in catalogue.lookups)


def test_links_fill_placeholders(catalogue: Catalogue) -> None:
    assert catalogue.by_id("spamcop").delist_link("192.0.2.7") == (
        "https://www.spamcop.net/bl.shtml?192.0.2.7")
    assert catalogue.by_id("spamhaus-zen").lookup_link("192.0.2.7") == (
        "https://www.spamhaus.org/query/ip/192.0.2.7")


# --- validation of the catalogue file --------------------------------------------------------


def mutate(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw_data())
    change(data)
    return data


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: zone_table(d, "spamcop").update(colour="red"), ["spamcop", "colour"]),
    (lambda d: zone_table(d, "spamcop").update(enabled="yes"), ["spamcop", "enabled"]),
    (lambda d: zone_table(d, "spamcop").update(subjects="ipv4"), ["spamcop", "subjects"]),
    (lambda d: zone_table(d, "spamcop").update(subjects=["ipv5"]), ["spamcop", "subjects"]),
    (lambda d: zone_table(d, "spamcop").update(kind="evil"), ["spamcop", "kind"]),
    (lambda d: zone_table(d, "psbl").update(id="spamcop"), ["spamcop", "id", "duplicate"]),
    (lambda d: zone_table(d, "psbl").update(zone="bl.spamcop.net"), ["psbl", "zone", "spamcop"]),
    (lambda d: zone_table(d, "psbl").update(zone="psbl..surriel.com"), ["psbl", "zone"]),
    (lambda d: zone_table(d, "psbl")["codes"].append(
        {"code": "10.0.0.2", "meaning": "x", "state": "listed"}), ["psbl", "codes", "10.0.0.2"]),
    (lambda d: zone_table(d, "psbl")["codes"].append(
        {"code": "127.0.0.300", "meaning": "x", "state": "listed"}), ["psbl", "codes"]),
    (lambda d: zone_table(d, "psbl")["codes"].append(
        {"code": "127.0.0.2", "meaning": "again", "state": "listed"}), ["psbl", "codes", "duplicate"]),
    (lambda d: zone_table(d, "psbl")["codes"].append(
        {"code": "127.0.0.3", "meaning": "x", "state": "great"}), ["psbl", "state"]),
    (lambda d: zone_table(d, "psbl")["codes"].append(
        {"code": "127.0.0.3", "meaning": "x", "state": "reputation"}), ["psbl", "grade"]),
    (lambda d: zone_table(d, "psbl")["codes"].append(
        {"code": "127.0.0.3", "meaning": "x", "state": "listed", "why": 1}), ["psbl", "why"]),
    (lambda d: zone_table(d, "psbl").update(codes=[]), ["psbl", "codes"]),
    (lambda d: zone_table(d, "dronebl").pop("unknown_code_basis"), ["dronebl", "unknown_code_basis"]),
    (lambda d: zone_table(d, "psbl").pop("curated"), ["psbl", "curated"]),
    (lambda d: zone_table(d, "psbl").update(curated="2026-12"), ["psbl", "curated"]),
    (lambda d: zone_table(d, "psbl").pop("test_points"), ["psbl", "test_points_missing"]),
    (lambda d: zone_table(d, "psbl").update(test_points_missing="x"), ["psbl", "test_points_missing"]),
    (lambda d: zone_table(d, "psbl").update(default_why="pay-to-delist"), ["psbl", "default_why"]),
    (lambda d: zone_table(d, "uceprotect-1").update(enabled=True), ["uceprotect-1", "default_why"]),
    (lambda d: zone_table(d, "psbl").update(purpose="irc"), ["psbl", "purpose"]),
    (lambda d: zone_table(d, "dnswl-list")["test_points"].update(listed_answers=["10.0.0.1"]),
     ["dnswl-list", "listed_answers"]),
    (lambda d: zone_table(d, "psbl").update(lookup_url="ftp://psbl.org/"), ["psbl", "lookup_url"]),
    (lambda d: zone_table(d, "psbl").update(delist_url="https://x.org/{addr}"), ["psbl", "delist_url"]),
    (lambda d: zone_table(d, "psbl").update(sources=[]), ["psbl", "sources"]),
    (lambda d: zone_table(d, "psbl").update(requires=["money"]), ["psbl", "requires"]),
    (lambda d: zone_table(d, "psbl").update(requires=["key"]), ["psbl", "dqs_zone"]),
    (lambda d: zone_table(d, "psbl").update(dead_note="gone"), ["psbl", "dead_note"]),
    (lambda d: zone_table(d, "psbl")["test_points"].update(domain_listed="test"),
     ["psbl", "domain_listed"]),
    (lambda d: zone_table(d, "psbl")["test_points"].update(ipv4_listed="::1"),
     ["psbl", "ipv4_listed"]),
    (lambda d: zone_table(d, "spamhaus-zen").update(dqs_zone="zen.dq.spamhaus.net"),
     ["spamhaus-zen", "dqs_zone"]),
    (lambda d: zone_table(d, "sorbs").update(enabled=True), ["sorbs", "enabled"]),
    (lambda d: zone_table(d, "sorbs").pop("dead_note"), ["sorbs", "dead_note"]),
    (lambda d: zone_table(d, "sorbs").update(dead_since="June 2024"), ["sorbs", "dead_since"]),
    (lambda d: zone_table(d, "abuseat-cbl").update(replaced_by="nothing"),
     ["abuseat-cbl", "replaced_by"]),
    (lambda d: d.update(extra=1), ["extra"]),
    (lambda d: d.update(schema=2), ["schema"]),
    (lambda d: d["public_resolvers"].update({"dns.google": "Google"}), ["dns.google"]),
])
def test_invalid_catalogue_is_rejected_with_zone_and_key(change: Any, words: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        parse_catalogue(mutate(change))
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_packaged_data_round_trips_through_parse_catalogue(catalogue: Catalogue) -> None:
    assert parse_catalogue(raw_data()) == catalogue


# --- custom zones from a plan ----------------------------------------------------------------


def test_custom_zone_defaults() -> None:
    zone = parse_custom_zone({"zone": "BL.Example.NET."})
    assert zone.zone == "bl.example.net"
    assert zone.id == "custom-bl-example-net"
    assert zone.subjects == (Subject.IPV4,)
    assert zone.enabled and zone.is_active
    assert zone.classify("127.0.0.2")[0] is ListState.LISTED
    assert zone.classify("127.0.0.77")[0] is ListState.LISTED
    assert zone.classify("10.1.1.1")[0] is ListState.UNRELIABLE


def test_custom_zone_with_everything() -> None:
    zone = parse_custom_zone({
        "zone": "wl.example.org", "name": "Example WL", "subjects": ["ipv4", "ipv6"],
        "kind": "allow", "delist_url": "https://example.org/check?ip={ip}",
        "codes": [{"code": "127.0.0.255", "meaning": "over quota", "state": "refused"}],
    })
    assert zone.name == "Example WL"
    assert zone.supports("ipv6")
    assert zone.classify("127.0.0.255")[0] is ListState.REFUSED
    assert zone.classify("127.0.0.2")[0] is ListState.ALLOWLISTED
    assert zone.delist_link("192.0.2.1") == "https://example.org/check?ip=192.0.2.1"


@pytest.mark.parametrize("mapping", [
    {},
    {"zone": ""},
    {"zone": 42},
    {"zone": "localhost"},
    {"zone": "bad_label.example.com"},
    {"zone": "-bad.example.com"},
    {"zone": "a" * 64 + ".example.com"},
    {"zone": ".".join(["abcdefghi"] * 26)},
    {"zone": "1.2.3.4"},
    {"zone": "bl example.com"},
    {"zone": "bl.example.com", "subjects": "ipv4"},
    {"zone": "bl.example.com", "subjects": ["smtp"]},
    {"zone": "bl.example.com", "subjects": []},
    {"zone": "bl.example.com", "kind": "evil"},
    {"zone": "bl.example.com", "kind": "reputation"},
    {"zone": "bl.example.com", "name": 5},
    {"zone": "bl.example.com", "codes": "127.0.0.2"},
    {"zone": "bl.example.com", "codes": [{"code": "8.8.8.8", "meaning": "x", "state": "listed"}]},
    {"zone": "bl.example.com", "codes": [{"code": "127.0.0.2"}]},
    {"zone": "bl.example.com", "delist_url": "javascript:alert(1)"},
    {"zone": "bl.example.com", "enabled": False},
    ["zone", "bl.example.com"],
])
def test_custom_zone_rejects_bad_input(mapping: Any) -> None:
    with pytest.raises(ValueError) as info:
        parse_custom_zone(mapping)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("custom zone")


@pytest.mark.parametrize(("name", "expected"), [
    ("zen.spamhaus.org", "zen.spamhaus.org"), ("ZEN.SPAMHAUS.ORG.", "zen.spamhaus.org"),
    ("a-b.c0.example", "a-b.c0.example"), ("x" * 63 + ".io", "x" * 63 + ".io"),
])
def test_validate_zone_name_accepts(name: str, expected: str) -> None:
    assert validate_zone_name(name) == expected


# --- every zone, one by one (issue 19): the catalogue's own quality bar ---------------------

ZONES = load_catalogue().zones
_LISTING = (CodeState.LISTED, CodeState.POLICY, CodeState.ALLOWLISTED, CodeState.REPUTATION)


@pytest.mark.parametrize("zone", ZONES, ids=lambda z: z.id)
def test_zone_has_sources_and_a_curation_date(catalogue: Catalogue, zone: Zone) -> None:
    assert zone.sources, zone.id
    assert all(s.startswith(("http://", "https://")) for s in zone.sources), zone.id
    assert zone.curated is not None, f"{zone.id}: no curation date"
    day = date.fromisoformat(zone.curated)
    assert date(2026, 1, 1) <= day <= date.fromisoformat(catalogue.curated), zone.id


@pytest.mark.parametrize("zone", [z for z in ZONES if z.is_active], ids=lambda z: z.id)
def test_zone_codes_are_unique_and_classified(zone: Zone) -> None:
    assert zone.codes, zone.id
    texts = [c.code for c in zone.codes]
    assert len(texts) == len(set(texts)), f"{zone.id}: duplicate codes"
    for code in zone.codes:
        assert code.state in CodeState and code.meaning.strip(), (zone.id, code.code)
        assert isinstance(code.list_state, ListState)
        # a documented code in the error range is always a refusal
        if not code.is_pattern and ipaddress.IPv4Address(code.code) in ERROR_RANGE:
            assert code.state is CodeState.REFUSED, (zone.id, code.code)
    # exact codes never shadow each other: each documented address reads as its own state
    for code in zone.codes:
        if not code.is_pattern:
            assert zone.classify(code.code)[0] is code.list_state, (zone.id, code.code)


@pytest.mark.parametrize("zone", [z for z in ZONES if z.is_active], ids=lambda z: z.id)
def test_zone_has_test_points_or_says_why(zone: Zone) -> None:
    if zone.test_points is None:
        assert zone.test_points_missing, f"{zone.id}: no test points and no reason"
        return
    assert zone.test_points_missing is None, zone.id
    listed = [zone.test_points.listed(s) for s in zone.subjects]
    assert any(listed), f"{zone.id}: test points without a 'listed' entry"
    for answer in zone.test_points.listed_answers:
        assert zone.classify(answer)[0] in (ListState.LISTED, ListState.POLICY, ListState.ALLOWLISTED), \
            (zone.id, answer)


@pytest.mark.parametrize("zone", [z for z in ZONES if z.enabled], ids=lambda z: z.id)
def test_default_zone_is_self_testable_or_plausibility_probed(zone: Zone) -> None:
    # An RFC 5782 pair (listed + not listed) for some subject kind, or a documented reason why
    # not - such a zone gets the random-label plausibility probe every run.
    points = zone.test_points
    pair = points is not None and any(points.listed(s) and points.not_listed(s) for s in zone.subjects)
    assert pair or (zone.test_points_missing and needs_plausibility(zone)), zone.id


def test_default_set_is_what_a_careful_admin_enables(catalogue: Catalogue) -> None:
    for zone in catalogue.zones:
        assert zone.why_default.on == (zone.enabled and zone.is_active), zone.id
    enabled = catalogue.enabled()
    assert not [z.id for z in enabled if z.why_default in (DefaultWhy.PAY_TO_DELIST, DefaultWhy.UNTESTABLE)]
    assert catalogue.by_id("uceprotect-1").why_default is DefaultWhy.PAY_TO_DELIST
    assert catalogue.by_id("0spam-bl").why_default is DefaultWhy.UNTESTABLE
    non_mail = {z.id for z in enabled if z.purpose is Purpose.NON_MAIL}
    assert non_mail == {"dronebl", "blocklist-de"}
    assert all(z.why_default is DefaultWhy.NON_MAIL for z in enabled if z.id in non_mail)
    # SEM's URI lists carry the operator's test points, not the RFC's TEST/INVALID
    for zone_id in ("sem-uribl", "sem-fresh15"):
        points = catalogue.by_id(zone_id).test_points
        assert points is not None and points.domain_listed == "_dnsbl_.test"
        assert points.domain_not_listed == "_dnsblneg_.test" and points.basis.value == "operator"


def test_undocumented_answers_are_never_a_listing_by_default(catalogue: Catalogue) -> None:
    for zone in catalogue.active():
        if zone.unknown_code.value == "listed":
            assert zone.unknown_code_basis, zone.id
        for answer in ("127.255.255.254", "127.255.255.1", "127.0.0.1"):
            state, _ = zone.classify(answer)
            documented = any(c.matches(ipaddress.IPv4Address(answer)) for c in zone.codes)
            if not documented:
                assert state in (ListState.REFUSED, ListState.UNRELIABLE), (zone.id, answer)


@pytest.mark.parametrize(("name", "zone_id", "status"), [
    ("db.wpbl.info", "wpbl", ZoneStatus.DEAD), ("virbl.dnsbl.bit.nl", "virbl", ZoneStatus.DEAD),
    ("virbl.bit.nl", "virbl", ZoneStatus.DEAD), ("wormrbl.imp.ch", "imp-wormrbl", ZoneStatus.DEAD),
    ("spamrbl.imp.ch", "imp-spamrbl", ZoneStatus.DEAD), ("sa-trusted.bondedsender.org", "validity-certified", ZoneStatus.ACTIVE),
    ("sa-accredit.habeas.com", "validity-safe", ZoneStatus.ACTIVE), ("iadb.isipp.com", "isipp-iadb", ZoneStatus.ACTIVE),
    ("dbl.nordspam.com", "nordspam-dbl", ZoneStatus.ACTIVE), ("dnsbl.spfbl.net", "spfbl", ZoneStatus.ACTIVE),
    ("mykey.dblack.mail.abusix.zone", "abusix-dblack", ZoneStatus.ACTIVE),
    ("mykey.all.spamrats.com", "spamrats-all", ZoneStatus.ACTIVE),
    ("query.bondedsender.org", "bondedsender", ZoneStatus.DEAD),
])
def test_audit_zones_are_known(catalogue: Catalogue, name: str, zone_id: str, status: ZoneStatus) -> None:
    zone = catalogue.find_by_zone_name(name)
    assert zone is not None and zone.id == zone_id and zone.status is status
    if zone_id == "imp-spamrbl":
        assert zone.replaced_by == "swinog-spamrbl"
