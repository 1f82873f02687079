"""The partner prediction against a real Postfix (3.7 on the CI image) given the same policy and DNS.

One private Postfix in one private network namespace serves every case (one service each, see
``oracle_lab``); the prediction runs the partners family in this process against a loopback lab
DNS server holding the same zone data. For every case Postfix's first non-2xx reply must be the
predicted one — the same SMTP code, or 250 when accepted. Every case the prediction rejects is
run a second time with the suggested fix applied exactly as written (main.cf lines and table
lines): both the prediction and Postfix must then accept. Needs root and Postfix; skipped with a
reason otherwise, mandatory under PREFLIGHT_REQUIRE_ALL=1.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_NOW, make_config, require

from checks.partners.oracle_lab import Case, Placed, place, prerequisites, run_oracle, write_zones
from preflight.checks.partners.collect import build_policy, collect
from preflight.checks.partners.family import assemble
from preflight.checks.partners.fixes import apply_lines
from preflight.checks.partners.screen import simulate
from preflight.checks.partners.settings import PartnerSettings, parse_server_rbls
from preflight.checks.partners.smtpd import Client, World
from preflight.data.catalogue import Catalogue
from preflight.data.loader import load_catalogue
from preflight.engine import RunContext
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient

RCPT = "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination"
BL = {"bl.lab.test": "127.0.0.2"}
PS = ("postscreen_dnsbl_threshold = 6", "postscreen_dnsbl_action = enforce")

CASES: tuple[Case, ...] = (
    # -- reject_rbl_client, filters and reply codes
    Case("rbl_listed", (f"{RCPT}, reject_rbl_client bl.lab.test",), BL),
    Case("rbl_clean", (f"{RCPT}, reject_rbl_client bl.lab.test",)),
    Case("rbl_filter_miss", (f"{RCPT}, reject_rbl_client bl.lab.test=127.0.0.[2..3]",), {"bl.lab.test": "127.0.0.10"}),
    Case("rbl_filter_hit", (f"{RCPT}, reject_rbl_client bl.lab.test=127.0.0.[2..3]",), {"bl.lab.test": "127.0.0.3"}),
    Case("maps_rbl_reject_code", (f"{RCPT}, reject_rbl_client bl.lab.test", "maps_rbl_reject_code = 550"), BL),
    Case("soft_bounce", (f"{RCPT}, reject_rbl_client bl.lab.test", "soft_bounce = yes"), BL),
    Case("client_stage", ("smtpd_client_restrictions = reject_rbl_client bl.lab.test",), BL),
    Case("no_delay_reject", ("smtpd_client_restrictions = reject_rbl_client bl.lab.test", "smtpd_delay_reject = no"),
         BL),
    Case("data_stage", ("smtpd_data_restrictions = reject_rbl_client bl.lab.test",), BL),
    # -- order: first match wins
    Case("hostname_before_rbl", (f"{RCPT}, reject_unknown_client_hostname, reject_rbl_client bl.lab.test",), BL,
         ptr="none"),
    Case("allowlist_before_hostname", (f"{RCPT}, check_client_access cidr:/etc/postfix/client.cidr, "
                                       "reject_unknown_client_hostname, reject_rbl_client bl.lab.test",), BL,
         ptr="none", tables={"cidr:/etc/postfix/client.cidr": "{ip}/32 OK"}),
    Case("unknown_client_reject_code", ("smtpd_client_restrictions = reject_unknown_client_hostname",
                                        "unknown_client_reject_code = 550"), ptr="none"),
    Case("reverse_hostname_no_ptr", ("smtpd_client_restrictions = reject_unknown_reverse_client_hostname",),
         ptr="none"),
    Case("hostname_mismatch", ("smtpd_client_restrictions = reject_unknown_client_hostname",), ptr="mismatch"),
    Case("reverse_hostname_mismatch", ("smtpd_client_restrictions = reject_unknown_reverse_client_hostname",),
         ptr="mismatch"),
    # -- mynetworks, permit_auth_destination
    Case("mynetworks_covers", ("mynetworks = 127.0.0.0/8, 192.0.2.0/24", f"{RCPT}, reject_rbl_client bl.lab.test"), BL),
    Case("mynetworks_misses", ("mynetworks = 127.0.0.0/8, 198.18.0.0/15", f"{RCPT}, reject_rbl_client bl.lab.test"),
         BL),
    Case("permit_auth_destination", ("smtpd_recipient_restrictions = permit_auth_destination, "
                                     "reject_rbl_client bl.lab.test",), BL),
    # -- access tables
    Case("cidr_reject", ("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr",),
         tables={"cidr:/etc/postfix/c.cidr": "{ip}/32 REJECT go away"}),
    Case("cidr_4xx_text", ("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr",),
         tables={"cidr:/etc/postfix/c.cidr": "192.0.2.0/24 451 come back later"}),
    Case("cidr_dunno", ("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr, "
                        "reject_rbl_client bl.lab.test",), BL, tables={"cidr:/etc/postfix/c.cidr": "{ip} DUNNO\n"
                                                                       "192.0.2.0/24 OK"}),
    Case("cidr_restriction_value", ("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr",),
         {"weak.lab.test": "127.0.0.2"}, tables={"cidr:/etc/postfix/c.cidr": "{ip} reject_rbl_client weak.lab.test"}),
    Case("texthash_parent_domain", ("smtpd_client_restrictions = check_client_access texthash:/etc/postfix/c, "
                                    "reject_rbl_client bl.lab.test",), BL,
         tables={"texthash:/etc/postfix/c": "partner.test OK"}),
    Case("texthash_address_prefix", ("smtpd_client_restrictions = check_client_access texthash:/etc/postfix/c, "
                                     "reject_rbl_client bl.lab.test",), BL,
         tables={"texthash:/etc/postfix/c": "192.0.2 OK"}),
    Case("pcre_hostname", ("smtpd_client_restrictions = check_client_access pcre:/etc/postfix/c.pcre, "
                           "reject_rbl_client bl.lab.test",), BL,
         tables={"pcre:/etc/postfix/c.pcre": "/^mx[0-9]+\\.partner\\.test$/ OK"}),
    Case("regexp_reverse_name", ("smtpd_client_restrictions = check_reverse_client_hostname_access "
                                 "regexp:/etc/postfix/c.re",), ptr="mismatch",
         tables={"regexp:/etc/postfix/c.re": "/partner\\.test$/ REJECT not you"}),
    Case("inline_table", ("smtpd_client_restrictions = check_client_access inline:{ {ip}=OK }, "
                          "reject_rbl_client bl.lab.test",), BL),
    # -- permit_dnswl_client and DNS failures
    Case("dnswl_permits", (f"{RCPT}, permit_dnswl_client wl.lab.test, reject_rbl_client bl.lab.test",),
         {**BL, "wl.lab.test": "127.0.10.2"}),
    Case("dnswl_servfail_defers", (f"{RCPT}, permit_dnswl_client wl.lab.test, reject_rbl_client bl.lab.test",),
         {"wl.lab.test": "servfail"}),
    Case("dnswl_servfail_then_reject", (f"{RCPT}, permit_dnswl_client wl.lab.test, reject_rbl_client bl.lab.test",),
         {**BL, "wl.lab.test": "servfail"}),
    Case("rbl_servfail", (f"{RCPT}, reject_rbl_client bl.lab.test",), {"bl.lab.test": "servfail"}),
    Case("rbl_timeout", (f"{RCPT}, reject_rbl_client bl.lab.test",), {"bl.lab.test": "timeout"}),
    Case("rbl_silent_zone", (f"{RCPT}, reject_rbl_client silent.lab.test",)),
    Case("ptr_servfail", ("smtpd_client_restrictions = reject_unknown_client_hostname",), ptr="servfail"),
    Case("ptr_servfail_reverse", ("smtpd_client_restrictions = reject_unknown_reverse_client_hostname",),
         ptr="servfail"),
    # -- warn_if_reject, restriction classes, defer_if_*, terminal and unknown restrictions
    Case("warn_rbl", (f"{RCPT}, warn_if_reject reject_rbl_client bl.lab.test",), BL),
    Case("warn_hostname", ("smtpd_client_restrictions = warn_if_reject reject_unknown_client_hostname",), ptr="none"),
    Case("warn_class", ("smtpd_restriction_classes = strict", "strict = reject_rbl_client bl.lab.test",
                        f"{RCPT}, warn_if_reject strict"), BL),
    Case("class_rejects", ("smtpd_restriction_classes = strict", "strict = reject_rbl_client bl.lab.test",
                           f"{RCPT}, strict"), BL),
    Case("class_permits_first", ("smtpd_restriction_classes = strict",
                                 "strict = permit_dnswl_client wl.lab.test, reject_rbl_client bl.lab.test",
                                 f"{RCPT}, strict"), {**BL, "wl.lab.test": "127.0.10.1"}),
    Case("defer_if_reject", (f"{RCPT}, defer_if_reject, reject_rbl_client bl.lab.test",), BL),
    Case("sender_reject_terminal", ("smtpd_sender_restrictions = reject_rbl_client weak.lab.test, permit",),
         {"weak.lab.test": "127.0.0.4"}),
    Case("unknown_restriction", ("smtpd_client_restrictions = reject_frobnicated_clients",)),
    Case("defer_terminal", ("smtpd_client_restrictions = defer",)),
    Case("end_of_data_stage", ("smtpd_end_of_data_restrictions = reject_rbl_client bl.lab.test",), BL),
    Case("helo_access_parent", ("smtpd_helo_restrictions = check_helo_access texthash:/etc/postfix/helo",),
         tables={"texthash:/etc/postfix/helo": "partner.test REJECT not this HELO"}),
    Case("empty_class", ("smtpd_restriction_classes = nothing", "nothing =", f"{RCPT}, nothing")),
    # -- refusal codes and dead lists
    Case("refusal_unfiltered", (f"{RCPT}, reject_rbl_client zen.lab.test",), {"zen.lab.test": "127.255.255.254"}),
    Case("refusal_filtered", (f"{RCPT}, reject_rbl_client zen.lab.test=127.0.0.[2..11]",),
         {"zen.lab.test": "127.255.255.254"}),
    Case("dead_wildcard", (f"{RCPT}, reject_rbl_client ahbl.lab.test",)),
    Case("dead_wildcard_postscreen", ("postscreen_dnsbl_sites = ahbl.lab.test*2 bl.lab.test*1",
                                      "postscreen_dnsbl_threshold = 2", "postscreen_dnsbl_action = enforce")),
    # -- IPv6 partners
    Case("v6_listed", (f"{RCPT}, reject_rbl_client bl.lab.test",), BL, v6=True),
    Case("v6_clean", (f"{RCPT}, reject_rbl_client bl.lab.test",), v6=True),
    Case("v6_cidr_allow", ("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr, "
                           "reject_rbl_client bl.lab.test",), BL, v6=True,
         tables={"cidr:/etc/postfix/c.cidr": "2001:db8:99::/48 OK"}),
    Case("v6_no_ptr", ("smtpd_client_restrictions = reject_unknown_client_hostname",), v6=True, ptr="none"),
    # -- reject_rhsbl_*
    Case("rhsbl_client", ("smtpd_client_restrictions = reject_rhsbl_client dbl.lab.test",),
         named={"dbl.lab.test": "127.0.1.2"}),
    Case("rhsbl_client_unverified", ("smtpd_client_restrictions = reject_rhsbl_client dbl.lab.test",),
         ptr="mismatch", named={"dbl.lab.test": "127.0.1.2"}),
    Case("rhsbl_reverse_client", ("smtpd_client_restrictions = reject_rhsbl_reverse_client dbl.lab.test",),
         ptr="mismatch", named={"dbl.lab.test": "127.0.1.2"}),
    Case("rhsbl_helo", ("smtpd_helo_restrictions = reject_rhsbl_helo dbl.lab.test",),
         named={"dbl.lab.test": "127.0.1.2"}),
    # -- postscreen: mailcow's weights, docker-mailserver's dnswl negatives, iRedMail's, actions, access list
    Case("mailcow_below", ("postscreen_dnsbl_sites = bl.lab.test*3 weak.lab.test*2 zen.lab.test*2 "
                           "wl.lab.test=127.0.10.[0..255]*-5", *PS), {**BL, "weak.lab.test": "127.0.0.2"}),
    Case("mailcow_above", ("postscreen_dnsbl_sites = bl.lab.test*3 weak.lab.test*2 zen.lab.test*2 "
                           "wl.lab.test=127.0.10.[0..255]*-5", *PS),
         {**BL, "weak.lab.test": "127.0.0.2", "zen.lab.test": "127.0.0.4"}),
    Case("mailcow_allowlisted", ("postscreen_dnsbl_sites = bl.lab.test*3 weak.lab.test*2 zen.lab.test*2 "
                                 "wl.lab.test=127.0.10.[0..255]*-5", *PS),
         {**BL, "weak.lab.test": "127.0.0.2", "zen.lab.test": "127.0.0.4", "wl.lab.test": "127.0.10.3"}),
    Case("dms_dnswl_negative", ("postscreen_dnsbl_sites = bl.lab.test*3 wl.lab.test=127.0.[0..255].[1..3]*-5",
                                "postscreen_dnsbl_threshold = 3", "postscreen_dnsbl_action = enforce",
                                "postscreen_dnsbl_allowlist_threshold = -1"), {**BL, "wl.lab.test": "127.0.10.2"}),
    Case("dms_listed", ("postscreen_dnsbl_sites = bl.lab.test*3 wl.lab.test=127.0.[0..255].[1..3]*-5",
                        "postscreen_dnsbl_threshold = 3", "postscreen_dnsbl_action = enforce",
                        "postscreen_dnsbl_allowlist_threshold = -1"), BL),
    Case("iredmail", ("postscreen_dnsbl_sites = zen.lab.test=127.0.0.[2..11]*3 bl.lab.test=127.0.0.2*2",
                      "postscreen_dnsbl_threshold = 2", "postscreen_dnsbl_action = enforce",
                      "smtpd_helo_restrictions = permit_mynetworks, permit_sasl_authenticated, "
                      "reject_non_fqdn_helo_hostname, reject_invalid_helo_hostname",
                      "smtpd_recipient_restrictions = reject_unknown_recipient_domain, reject_non_fqdn_recipient, "
                      "reject_unlisted_recipient, permit_mynetworks, permit_sasl_authenticated, "
                      "reject_unauth_destination"), BL),
    Case("postscreen_drop", ("postscreen_dnsbl_sites = bl.lab.test", "postscreen_dnsbl_action = drop"), BL),
    Case("postscreen_ignore", ("postscreen_dnsbl_sites = bl.lab.test", "postscreen_dnsbl_action = ignore"), BL),
    Case("postscreen_access_permit", ("postscreen_dnsbl_sites = bl.lab.test", "postscreen_dnsbl_action = enforce",
                                      "postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/ps.cidr"), BL,
         tables={"cidr:/etc/postfix/ps.cidr": "{ip}/32 permit"}),
    Case("postscreen_denylist", ("postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/ps.cidr",
                                 "postscreen_denylist_action = enforce"),
         tables={"cidr:/etc/postfix/ps.cidr": "192.0.2.0/24 reject"}),
    # -- review: shapes the issue names that the cases above left out
    Case("ptr_timeout_hostname_before_rbl", (f"{RCPT}, reject_unknown_client_hostname, reject_rbl_client bl.lab.test",),
         BL, ptr="timeout"),
    Case("ptr_servfail_hostname_before_rbl", (f"{RCPT}, reject_unknown_client_hostname, "
                                              "reject_rbl_client bl.lab.test",), BL, ptr="servfail"),
    Case("dnswl_timeout_then_reject", (f"{RCPT}, permit_dnswl_client wl.lab.test, reject_rbl_client bl.lab.test",),
         {**BL, "wl.lab.test": "timeout"}),
    Case("client_ok_does_not_cover_rcpt", ("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr",
                                           f"{RCPT}, reject_rbl_client bl.lab.test"), BL,
         tables={"cidr:/etc/postfix/c.cidr": "{ip}/32 OK"}),
    Case("rbl_reply_maps_450", (f"{RCPT}, reject_rbl_client bl.lab.test",
                                "rbl_reply_maps = texthash:/etc/postfix/rbl_reply"), BL,
         tables={"texthash:/etc/postfix/rbl_reply": "bl.lab.test 450 4.7.1 Service unavailable; "
                                                    "$rbl_class [$rbl_what] blocked using $rbl_domain"}),
    Case("postscreen_dnsbl_reply_map", ("postscreen_dnsbl_sites = bl.lab.test", "postscreen_dnsbl_action = enforce",
                                        "postscreen_dnsbl_reply_map = texthash:/etc/postfix/dnsbl_reply"), BL,
         tables={"texthash:/etc/postfix/dnsbl_reply": "bl.lab.test some.other.list"}),
    Case("mailcow_semicolon_listed", ("postscreen_dnsbl_sites = wl.lab.test=127.0.[0..255].0*-2 "
                                      "wl.lab.test=127.0.[0..255].1*-4 wl.lab.test=127.0.[0..255].3*-8 "
                                      "weak.lab.test=127.0.0.[10;11;12]*4 bl.lab.test=127.0.0.2*7", *PS,
                                      "postscreen_dnsbl_allowlist_threshold = -5"),
         {**BL, "weak.lab.test": "127.0.0.11"}),
    Case("mailcow_semicolon_dnswl", ("postscreen_dnsbl_sites = wl.lab.test=127.0.[0..255].0*-2 "
                                     "wl.lab.test=127.0.[0..255].1*-4 wl.lab.test=127.0.[0..255].3*-8 "
                                     "weak.lab.test=127.0.0.[10;11;12]*4 bl.lab.test=127.0.0.2*7", *PS,
                                     "postscreen_dnsbl_allowlist_threshold = -5"),
         {**BL, "weak.lab.test": "127.0.0.11", "wl.lab.test": "127.0.10.3"}),
    Case("dead_list_times_out", (f"{RCPT}, reject_rbl_client ahbl.lab.test",), {"ahbl.lab.test": "timeout"}),
    Case("v6_postscreen", ("postscreen_dnsbl_sites = bl.lab.test", "postscreen_dnsbl_action = enforce"), BL, v6=True),
    Case("warn_class_then_rbl", ("smtpd_restriction_classes = strict", "strict = reject_unknown_client_hostname",
                                 f"{RCPT}, warn_if_reject strict, reject_rbl_client bl.lab.test"), BL, ptr="none"),
    Case("refusal_postscreen", ("postscreen_dnsbl_sites = zen.lab.test*3", "postscreen_dnsbl_threshold = 3",
                                "postscreen_dnsbl_action = enforce"), {"zen.lab.test": "127.255.255.254"}),
    Case("dms_old_whitelist_threshold", ("postscreen_dnsbl_sites = bl.lab.test*3 "
                                         "wl.lab.test=127.0.[0..255].[1..3]*-5", "postscreen_dnsbl_threshold = 3",
                                         "postscreen_dnsbl_action = enforce",
                                         "postscreen_dnsbl_whitelist_threshold = -1"), BL),
    Case("default_rbl_reply_450", (f"{RCPT}, reject_rbl_client bl.lab.test",
                                   "default_rbl_reply = 450 4.7.1 Service unavailable; blocked using $rbl_domain"), BL),
    Case("rbl_reply_maps_filter_key", (f"{RCPT}, reject_rbl_client zen.lab.test=127.0.0.[2..11]",
                                       "rbl_reply_maps = texthash:/etc/postfix/rbl_reply"), {"zen.lab.test": "127.0.0.4"},
         tables={"texthash:/etc/postfix/rbl_reply": "zen.lab.test=127.0.0.[2..11] 421 4.7.1 later\n"
                                                    "zen.lab.test 550 5.7.1 no"}),
    Case("dead_in_class", ("smtpd_restriction_classes = strict", "strict = reject_rbl_client ahbl.lab.test",
                           f"{RCPT}, strict, reject_rbl_client weak.lab.test"),),
    Case("dead_in_table_value", ("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr, "
                                 "reject_rbl_client weak.lab.test",),
         tables={"cidr:/etc/postfix/c.cidr": "0.0.0.0/0 reject_rbl_client ahbl.lab.test"}),
    Case("postscreen_soft_bounce", ("postscreen_dnsbl_sites = bl.lab.test", "postscreen_dnsbl_action = enforce",
                                    "soft_bounce = yes"), BL),
    Case("postscreen_drop_soft_bounce", ("postscreen_dnsbl_sites = bl.lab.test", "postscreen_dnsbl_action = drop",
                                         "soft_bounce = yes"), BL),
    Case("postscreen_denylist_soft_bounce", ("postscreen_access_list = cidr:/etc/postfix/ps.cidr",
                                             "postscreen_denylist_action = enforce", "soft_bounce = yes"),
         tables={"cidr:/etc/postfix/ps.cidr": "192.0.2.0/24 reject"}),
    Case("refusal_in_class", ("smtpd_restriction_classes = strict", "strict = reject_rbl_client zen.lab.test",
                              f"{RCPT}, strict, reject_rbl_client weak.lab.test"), {"zen.lab.test": "127.255.255.254"}),
    Case("postscreen_dnswl_timeout", ("postscreen_dnsbl_sites = bl.lab.test*3 wl.lab.test=127.0.[0..255].[1..3]*-5",
                                      "postscreen_dnsbl_threshold = 3", "postscreen_dnsbl_action = enforce"),
         {**BL, "wl.lab.test": "timeout"}),
    Case("postscreen_dnsbl_timeout", ("postscreen_dnsbl_sites = bl.lab.test*3 weak.lab.test*3",
                                      "postscreen_dnsbl_threshold = 3", "postscreen_dnsbl_action = enforce"),
         {"bl.lab.test": "timeout"}),
    Case("no_delay_reject_ptr_timeout", ("smtpd_client_restrictions = reject_unknown_client_hostname",
                                         "smtpd_delay_reject = no"), ptr="timeout"),
    Case("defer_if_permit_then_permit", ("smtpd_client_restrictions = defer_if_permit, permit",)),
    Case("dead_then_listed", (f"{RCPT}, reject_rbl_client ahbl.lab.test, reject_rbl_client bl.lab.test",), BL),
    Case("rhswl_permits", ("smtpd_client_restrictions = permit_rhswl_client dbl.lab.test, "
                           "reject_rbl_client bl.lab.test",), BL, named={"dbl.lab.test": "127.0.1.2"}),
    Case("warn_dnswl_timeout", (f"{RCPT}, permit_dnswl_client wl.lab.test, warn_if_reject reject_rbl_client "
                                "bl.lab.test",), {**BL, "wl.lab.test": "timeout"}),
    Case("v6_texthash_prefix", ("smtpd_client_restrictions = check_client_access texthash:/etc/postfix/c, "
                                "reject_rbl_client bl.lab.test",), BL, v6=True,
         tables={"texthash:/etc/postfix/c": "2001:db8:99 OK"}),
    Case("v6_texthash_full", ("smtpd_client_restrictions = check_client_access texthash:/etc/postfix/c, "
                              "reject_rbl_client bl.lab.test",), BL, v6=True, ptr="none",
         tables={"texthash:/etc/postfix/c": "{ip} OK"}),
    Case("v6_dnswl", (f"{RCPT}, permit_dnswl_client wl.lab.test, reject_rbl_client bl.lab.test",),
         {**BL, "wl.lab.test": "127.0.10.2"}, v6=True),
    Case("postscreen_then_smtpd", ("postscreen_dnsbl_sites = bl.lab.test*1", "postscreen_dnsbl_threshold = 2",
                                   "postscreen_dnsbl_action = enforce", f"{RCPT}, reject_rbl_client bl.lab.test"), BL),
)


def lab_catalogue() -> Catalogue:
    """The catalogue with Spamhaus ZEN and AHBL pointed at their lab stand-ins."""
    base = load_catalogue()
    moved = {"spamhaus-zen": "zen.lab.test", "ahbl-dnsbl": "ahbl.lab.test"}
    return Catalogue(tuple(dataclasses.replace(z, zone=moved[z.id], aliases=()) if z.id in moved else z
                           for z in base.zones), base.lookups, base.public_resolvers, base.curated)


def predict_case(server: LabDnsServer, p: Placed, catalogue: Catalogue) -> dict[str, Any]:
    """The partners family's entry for the case's partner address (plan mode)."""
    settings = PartnerSettings(ips=(p.ip,), plan_policy=parse_server_rbls(p.lines), tables=dict(p.tables))
    config = make_config(server, ips=("198.51.100.25",), timeout=1.0).with_settings(settings)
    ctx = RunContext(config, DnsClient(config.dns), FIXED_NOW)
    out = assemble(collect(ctx, settings, catalogue), settings, catalogue)
    entry = next(e for e in out.sections["partners"]["entries"] if e["ip"] == p.ip)
    return {**entry, "results": out.results}


def fixed(p: Placed, fix: list[str]) -> Placed:
    """The case with its fix applied exactly as written (main.cf lines appended, table lines added)."""
    lines = [line for line in fix if " = " in line and not line.startswith("/")]
    _, tables = apply_lines({}, dict(p.tables), fix)
    return Placed(p.case, p.n, (*p.lines, *lines), tables, f"{p.key}+fix")


def expected_code(entry: dict[str, Any]) -> int:
    """Postfix's simulated answer (for 'could not tell': the one with this resolver's answers)."""
    return int(entry["reply"]["code"])


@pytest.fixture(scope="module")
def oracle() -> Iterator[dict[str, Any]]:
    reason = prerequisites()
    require(reason is None, reason or "")
    # Not under pytest's tmp_path: its parents are private to root, and Postfix's daemons run as
    # the postfix user, which must reach its data directory.
    work = Path(tempfile.mkdtemp(prefix="preflight-postfix-oracle-"))
    work.chmod(0o755)
    placed = place(CASES)
    zones = work / "predict-zones"
    faults = write_zones(zones, placed)
    catalogue = lab_catalogue()
    server = LabDnsServer.from_directory(zones)
    for fault in faults:
        server.add_fault(fault["name"], fault["kind"], fault.get("rdtype"), suffix=fault.get("suffix", False))
    with server:
        predicted = {p.key: predict_case(server, p, catalogue) for p in placed}
        fixes = [fixed(p, predicted[p.key]["fix"]) for p in placed
                 if predicted[p.key]["verdict"] == "rejected" and predicted[p.key]["fix"]]
        predicted |= {f.key: predict_case(server, f, catalogue) for f in fixes}
    try:
        replies = run_oracle([*placed, *fixes], work)
        yield {"predicted": predicted, "replies": replies, "fixes": {f.key: f for f in fixes}, "work": work}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _show(key: str, data: dict[str, Any]) -> str:
    entry, reply = data["predicted"][key], data["replies"].get(key)
    return (f"{key}: predicted {entry['verdict']} {entry['reply']} fix={entry['fix']}; "
            f"Postfix answered {reply}")


@pytest.mark.parametrize("case", [c.id for c in CASES])
def test_prediction_matches_postfix(oracle: dict[str, Any], case: str) -> None:
    entry, reply = oracle["predicted"][case], oracle["replies"][case]
    if "is empty: smtpd stops" in entry["reply"]["by"]:
        # An empty restriction class is fatal for smtpd: the client is cut off (or told 421/451).
        assert reply["code"] in (0, 421, 451) and entry["verdict"] == "rejected", _show(case, oracle)
        return
    # Then Postfix's first refusal (or 250 after DATA) is the simulated answer, code for code,
    assert reply["code"] == expected_code(entry), _show(case, oracle)
    # and a verdict, when the prediction gives one, is the class of what Postfix did.
    if entry["verdict"] == "accepted":
        assert reply["code"] == 250, _show(case, oracle)
    elif entry["verdict"] == "rejected":
        assert reply["code"] == int(entry["code"]) and entry["delayed"] == (400 <= reply["code"] < 500)


def test_every_suggested_fix_applied_as_written_is_accepted(oracle: dict[str, Any]) -> None:
    rejected = [key for key, entry in oracle["predicted"].items()
                if "+fix" not in key and entry["verdict"] == "rejected"]
    assert len(rejected) >= 20
    wrong = []
    for case in rejected:
        key = f"{case}+fix"
        if key not in oracle["predicted"]:
            wrong.append(f"{case}: rejected without a fix")
            continue
        fixed_entry, reply = oracle["predicted"][key], oracle["replies"][key]
        # Then the prediction with the fix accepts, and so does Postfix.
        if fixed_entry["verdict"] != "accepted" or reply["code"] != 250:
            wrong.append(_show(key, oracle))
    assert not wrong, "\n".join(wrong)


def _broken(lines: tuple[str, ...], tables: dict[str, str]) -> str:
    """How the policy fails a client listed nowhere (an unknown restriction, an empty class), or ''."""
    plan = parse_server_rbls(lines)
    pol = build_policy({"compatibility_level": "3.6", **plan.params}, None, plan.policy, tables, None)
    other = Client("203.0.113.50", "mx.other.test", "ok", "mx.other.test", "ok", ("203.0.113.50",), "mx.other.test")
    reply = simulate(pol.params, pol.rbl, World(other, {}, pol.tables))
    return reply.by if reply.kind == "unknown" or reply.stage == "smtpd_restriction_classes" else ""


def test_no_fix_breaks_the_policy_for_other_clients(oracle: dict[str, Any]) -> None:
    """A fix valid for the partner only (a list's name left as a restriction) would answer 451 to all."""
    wrong = []
    for key, f in oracle["fixes"].items():
        before = place([f.case])[0]
        was = _broken(before.lines, dict(before.tables))
        now = _broken(f.lines, dict(f.tables))
        if now and not was:
            wrong.append(f"{key}: {now} ({[line for line in f.lines if line not in f.case.lines]})")
    assert not wrong, "\n".join(wrong)


def test_fixes_cover_smtpd_postscreen_and_dead_lists(oracle: dict[str, Any]) -> None:
    fixes = [line for key, entry in oracle["predicted"].items() if "+fix" not in key for line in entry["fix"]]
    assert any("check_client_access cidr:/etc/postfix/partners_" in line for line in fixes)
    assert any(line.startswith("postscreen_access_list = cidr:/etc/postfix/postscreen_access.cidr") for line in fixes)
    dead = oracle["predicted"]["dead_wildcard"]
    assert dead["fix"][0] == f"{RCPT}" and "ahbl" not in " ".join(dead["fix"])
    assert len(oracle["fixes"]) >= 15


def test_dead_lists_and_refusals_are_their_own_results(oracle: dict[str, Any]) -> None:
    results = oracle["predicted"]["dead_wildcard"]["results"]
    assert any(r.check_id == "partners.list" and r.outcome == "wildcard" for r in results)
    refused = oracle["predicted"]["refusal_unfiltered"]["results"]
    assert any(r.check_id == "partners.list" and r.outcome == "refusal" for r in refused)
    assert any(r.check_id == "partners.rejected" and r.outcome == "rejected_refusal" for r in refused)
    delayed = oracle["predicted"]["hostname_before_rbl"]["results"]
    assert any(r.check_id == "partners.rejected" and r.outcome == "delayed" for r in delayed)


def test_enough_cases(oracle: dict[str, Any]) -> None:
    assert len(oracle["replies"]) >= 40 + len(oracle["fixes"])


def test_the_oracle_stops_its_postfix_when_its_watchdog_fires(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run past its bound ends with an error and leaves no Postfix behind (never a hang)."""
    reason = prerequisites()
    require(reason is None, reason or "")
    work = Path(tempfile.mkdtemp(prefix="preflight-postfix-watchdog-"))
    work.chmod(0o755)
    # 80 clients whose reverse lookups time out (1s each, 8 at a time: 10s at least) outlast a 2s watchdog.
    slow = [Case(f"slow{i}", ("smtpd_client_restrictions = reject_unknown_client_hostname",), ptr="timeout")
            for i in range(80)]
    monkeypatch.setenv("PREFLIGHT_ORACLE_WATCHDOG", "2")
    try:
        with pytest.raises(RuntimeError, match="exceeded 2s"):
            run_oracle(place(slow), work)
        pid_file = work / "pf" / "queue" / "pid" / "master.pid"
        if pid_file.exists():
            pid = pid_file.read_text().split()[0]
            # Then the master is gone (or, if the pid was reused, it is not this queue's master).
            # An exiting or zombie process has no readable cwd: that is gone too.
            try:
                cwd = Path(f"/proc/{pid}/cwd").resolve(strict=True)
            except OSError:
                cwd = None
            assert cwd != (work / "pf" / "queue").resolve()
    finally:
        shutil.rmtree(work, ignore_errors=True)
