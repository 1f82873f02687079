"""A partner domain's sending addresses: MX and a bounded SPF walk, through the lab DNS."""

from __future__ import annotations

import re

import pytest
from report.english_words import english_phrases

from preflight.checks.partners.addresses import DomainFacts, Origin, discover, origins_text
from preflight.checks.partners.senders import load, parse
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient
from preflight.report.sections.partners import view as partners_view


def addresses(facts: DomainFacts) -> dict[str, list[Origin]]:
    return {ip: list(origins) for ip, origins in facts.addresses}


def test_every_kind_of_spf_term(dns_client: DnsClient) -> None:
    facts = discover(dns_client, "spf.partners.test", load())
    found = addresses(facts)
    assert found == {
        "198.19.7.41": [Origin("mx", "mail.spf.partners.test"), Origin("spf", "mx → mail.spf.partners.test")],
        "2001:db8:7::41": [Origin("mx", "mail.spf.partners.test"), Origin("spf", "mx → mail.spf.partners.test")],
        "198.19.7.40": [Origin("spf", "a")],
        "198.19.7.65": [Origin("spf", "ip4:198.19.7.64/28", sample=True)],
        "198.19.7.42": [Origin("spf", "ip4:198.19.7.42")],
        "2001:db8:7::25": [Origin("spf", "ip6:2001:db8:7::25")],
        "198.19.7.43": [Origin("spf", "include:_spf.spf.partners.test → a:out.spf.partners.test")],
        "198.19.7.44": [Origin("spf", "include:_spf.spf.partners.test → redirect=_deep.spf.partners.test → "
                                      "ip4:198.19.7.44")],
    }
    # -ip4 and ~ip4 do not authorise; wide ranges, ptr and exists are noted, not expanded.
    assert "198.19.7.99" not in found and "198.19.7.98" not in found
    notes = "\n".join(facts.notes)
    assert "ip4:198.19.0.0/16: a range of 65,536 addresses, not expanded" in notes
    assert "ip6:2001:db8:7:1::/64: a range of" in notes
    assert "ip4:10.0.0.1: 10.0.0.1 is not a public address (skipped)" in notes
    assert "ptr: not expanded" in notes and "exists:%{i}.spf.partners.test: uses SPF macros" in notes
    assert [(h.sender.id, h.via) for h in facts.senders] == [("google", "include:_spf.google.com")]
    assert not facts.errors and not facts.nxdomain
    assert (facts.count("mx"), facts.count("spf")) == (2, 8)
    assert origins_text(found["198.19.7.65"]) == "SPF ip4:198.19.7.64/28 (first address)"


def test_an_include_loop_stops_at_ten_lookups(dns_client: DnsClient) -> None:
    facts = discover(dns_client, "loop.partners.test", load())
    assert not facts.addresses
    assert any("not followed (more than 10 SPF lookups)" in n for n in facts.notes)


def test_large_senders_are_never_resolved(dns_client: DnsClient, dns_server: LabDnsServer) -> None:
    facts = discover(dns_client, "google.partners.test", load())
    assert not facts.addresses and [h.sender.id for h in facts.senders] == ["google"]
    asked = {q.name for q in dns_server.query_log}
    assert not any(name.endswith("google.com.") for name in asked)


def test_nxdomain_and_no_senders(dns_client: DnsClient) -> None:
    assert discover(dns_client, "nope.partners.test", load()).nxdomain
    facts = discover(dns_client, "nomail.partners.test", load())
    assert not facts.nxdomain and not facts.addresses
    assert "nomail.partners.test publishes no SPF record" in facts.notes


def test_the_sender_table() -> None:
    table = load()
    assert table.by_include("_spf.google.com").id == "google"  # type: ignore[union-attr]
    assert table.by_include("spf.protection.outlook.com").id == "microsoft"  # type: ignore[union-attr]
    assert table.by_mx("example-com.mail.protection.outlook.com").id == "microsoft"  # type: ignore[union-attr]
    assert table.by_mx("inbound-smtp.us-east-1.amazonaws.com").id == "amazon_ses"  # type: ignore[union-attr]
    assert table.by_include("notgoogle.com") is None and table.by_mx("mx.example.net") is None
    with pytest.raises(ValueError, match="neither"):
        parse({"senders": [{"id": "x", "name": "X"}]})
    with pytest.raises(ValueError, match="duplicate"):
        parse({"senders": [{"id": "x", "name": "X", "mx_suffixes": ["a.b"]}] * 2})


def test_notes_read_in_japanese(dns_client: DnsClient) -> None:
    # Given the notes of real walks (ranges, private addresses, macros, a loop, no SPF), stored with coded text
    walks = [discover(dns_client, name, load()) for name in ("spf.partners.test", "loop.partners.test",
                                                              "nomail.partners.test")]
    domains = [{"domain": f.domain, "notes": list(f.notes), "notes_i18n": list(f.notes_i18n)} for f in walks]
    assert all(len(d["notes"]) == len(d["notes_i18n"]) > 0 for d in domains)
    # When the partners section shows them in Japanese, no English phrase of ours is left
    shown = partners_view({"domains": domains}, "ja")["notes"]
    values = tuple(v for f in walks for n in f.notes for v in re.findall(r"\S+[:=]\S*|\S+\.test", n))
    left = english_phrases("".join(f"<p>{n}</p>" for n in shown), exclude=values + ("ptr", "exists", "ip4", "ip6"))
    assert not left, left
    assert any("65,536 件のアドレスの範囲" in n for n in shown) and any("SPF レコードを公開していません" in n for n in shown)
    # and in English, and for an older report without notes_i18n, the stored notes are shown
    english = partners_view({"domains": domains}, "en")["notes"]
    older = partners_view({"domains": [{k: v for k, v in d.items() if k != "notes_i18n"} for d in domains]}, "ja")
    assert english == older["notes"] == [f"{d['domain']}: {n}" for d in domains for n in d["notes"]]


def test_unjudged_reverse_dns_reads_in_japanese() -> None:
    entry = {"partner": "p.test", "ip": "192.0.2.9", "verdict": "unknown",
             "hostname": {"state": "error", "ptr": ["mx.p.test"], "detail": "PTR mx.p.test: the forward lookup failed"}}
    ja = partners_view({"entries": [entry]}, "ja")["rows"][0]["why"]
    en = partners_view({"entries": [entry]}, "en")["rows"][0]["why"]
    assert "正引きに失敗しました" in ja and "forward lookup" not in ja
    assert en.endswith("PTR mx.p.test: the forward lookup failed")
