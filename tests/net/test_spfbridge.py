"""The pyspf bridge against the lab DNS server: pyspf sees what a recursive resolver returns."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import spf

from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient, DnsConfig, Nameserver
from preflight.net.spfbridge import pyspf_resolver

Client = Callable[..., DnsClient]


@pytest.fixture()
def client_for(dns_server: LabDnsServer) -> Client:
    """A fresh DnsClient on the lab with a chosen timeout."""

    def build(timeout: float = 0.5) -> DnsClient:
        host, port = dns_server.address
        return DnsClient(DnsConfig((Nameserver(host, port),), timeout=timeout, retries=0))

    return build


def test_pyspf_lookups_go_through_the_client(
    dns_client: DnsClient, dns_server: LabDnsServer,
) -> None:
    dns_server.reset_stats()
    with pyspf_resolver(dns_client):
        txt = spf.DNSLookup("good.test", "TXT")
        mx = spf.DNSLookup("good.test", "MX")
        chased = spf.DNSLookup("alias.cases.test", "A")
        other = spf.DNSLookup("good.test", "SOA")
    assert txt == [(("good.test", "TXT"), [b"v=spf1 ip4:192.0.2.10 ip6:2001:db8:10::10 -all"])]
    assert mx == [(("good.test", "MX"), (10, "mx.good.test"))]
    # A CNAME chain arrives followed, as from a recursive resolver: the data under the asked name
    assert chased == [(("alias.cases.test", "A"), "192.0.2.10")]
    assert other == []  # types pyspf never needs are not asked
    assert dns_server.count_queries("good.test", "SOA") == 0
    # and the answers are the client's memo: the family and pyspf see one DNS
    assert dns_client.query("good.test", "TXT").records == (
        "v=spf1 ip4:192.0.2.10 ip6:2001:db8:10::10 -all",)
    assert dns_server.count_queries("good.test", "TXT") == 1


def test_cname_to_a_host_without_the_type_is_one_void_lookup(dns_client: DnsClient) -> None:
    # Given www.spf-cnv6 and the MX host: CNAMEs to an IPv4-only host
    with pyspf_resolver(dns_client):
        assert spf.DNSLookup("www.spf-cnv6.cases.test", "AAAA") == []
        query = spf.query(i="2001:db8:10::10", s="postmaster@spf-cnv6.cases.test", h="mx.good.test")
        result, _code, explanation = query.check()
    # Then each name costs one void lookup (2 in all, the limit), and ip6: matches
    assert (result, query.void_lookups) == ("pass", 2), explanation


def test_txt_bytes_reach_pyspf_unchanged(dns_client: DnsClient) -> None:
    with pyspf_resolver(dns_client):
        (record,) = spf.DNSLookup("spf-nonascii.cases.test", "TXT")
        result, _code, _exp = spf.query(i="192.0.2.10", s="postmaster@spf-nonascii.cases.test",
                                        h="mx.good.test").check()
    assert record[1] == [b"v=spf1 exists:\xe9x.cases.test ip4:192.0.2.10 ?all"]
    assert result == "permerror"  # RFC 7208 §3.1, not the "\\xe9" text an escaped copy would be


def test_pyspf_bridge_raises_temperror_on_timeout(
    client_for: Client, dns_server: LabDnsServer,
) -> None:
    dns_server.add_fault("good.test", "timeout", "TXT")
    client = client_for(timeout=0.3)
    with pyspf_resolver(client):
        with pytest.raises(spf.TempError, match="timeout"):
            spf.DNSLookup("good.test", "TXT")
        result = spf.query(i="192.0.2.10", s="postmaster@good.test", h="good.test").check()
    assert result[0] == "temperror"


def test_pyspf_bridge_is_closed_outside_its_block(dns_client: DnsClient) -> None:
    with pyspf_resolver(dns_client):
        pass
    with pytest.raises(spf.TempError, match="outside"):
        spf.DNSLookup("good.test", "TXT")
