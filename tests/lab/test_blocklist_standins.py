"""The lab serves every catalogue list: demo zone files in examples/lab, generated stand-ins for the rest."""

from __future__ import annotations

import dns.resolver
import pytest

from preflight.checks.blocklists.queries import label_of, probe_points
from preflight.data.catalogue import ListState, Requirement
from preflight.data.loader import load_catalogue
from preflight.lab.blocklists import listing_code, serve_standins, standin_zone
from preflight.lab.dnsserver import LabDnsServer

CAT = load_catalogue()
SERVED_BY_FILES = {"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org"}


@pytest.mark.parametrize("zone", [z for z in CAT.active() if Requirement.KEY not in z.requires
                                  and z.zone not in SERVED_BY_FILES], ids=lambda z: z.id)
def test_every_list_answers_its_test_entries(dns_server: LabDnsServer, zone) -> None:
    resolver = dns_server.resolver()
    for point, kind, must_list in probe_points(zone):
        name = f"{label_of(point, kind)}.{zone.zone}"
        if must_list:
            codes = [r.to_text() for r in resolver.resolve(name, "A")]
            state, _ = zone.classify_answers(codes)
            assert state not in (ListState.REFUSED, ListState.UNRELIABLE), (name, codes)
        else:
            with pytest.raises(dns.resolver.NXDOMAIN):
                resolver.resolve(name, "A")


def test_listing_codes_are_listings() -> None:
    assert listing_code(CAT.by_id("spamcop")) == "127.0.0.2"
    assert listing_code(CAT.by_id("dnswl-list")) == "127.0.10.0"     # the documented test answer
    assert listing_code(CAT.by_id("psbl")) == "127.0.0.2"
    code = listing_code(CAT.by_id("dnswl-list"))
    assert code is not None and CAT.by_id("dnswl-list").classify(code)[0] is ListState.ALLOWLISTED


def test_stand_ins_never_replace_served_zones(dns_server: LabDnsServer) -> None:
    assert serve_standins(dns_server) == []            # the session lab already serves them all
    server = LabDnsServer([standin_zone(CAT.by_id("spamcop"))])
    added = serve_standins(server, [CAT.by_id("spamcop"), CAT.by_id("psbl")])
    assert added == ["psbl.surriel.com"]
