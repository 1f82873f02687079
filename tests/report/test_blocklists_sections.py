"""The blocklists and reputation sections of the HTML report: escaped, linked only over http(s),
listings first, and tolerant of what an older or tampered saved report holds."""

from __future__ import annotations

from typing import Any

from preflight.report import html as report_html
from preflight.report import json as report_json
from preflight.report.sections import blocklists, reputation
from preflight.engine import Report

from .conftest import FIXED, SCRIPT


def row(**changes: Any) -> dict[str, Any]:
    base = {"subject": "192.0.2.1", "subject_type": "ipv4", "roles": ["new IP"], "zone_id": "spamcop",
            "zone": "bl.spamcop.net", "list": "SpamCop", "kind": "block", "state": "listed",
            "codes": ["127.0.0.2"], "meaning": "reported", "reason": "see the list", "delist_url":
            "https://www.spamcop.net/bl.shtml?192.0.2.1"}
    return {**base, **changes}


def render(sections: dict[str, Any]) -> str:
    report = Report(generated_at=FIXED, target={"ips": ["192.0.2.1"], "hostname": "mx.test",
                                                "domains": [], "dkim_selectors": []},
                    resolver={"nameservers": ["127.0.0.1:53"], "system": False}, results=(),
                    sections=sections)
    return report_html.render(report_json.to_dict(report))


def test_hostile_txt_is_escaped_and_only_http_urls_are_links() -> None:
    page = render({"blocklists": [
        row(reason=SCRIPT, meaning=SCRIPT),
        row(subject="192.0.2.2", delist_url="javascript:alert(1)"),
        row(subject="192.0.2.3", state="clear", codes=[], reason="", delist_url=""),
    ]})
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert 'href="https://www.spamcop.net/bl.shtml?192.0.2.1">' in page
    assert 'id="blocklists"' in page and "Clear and not applicable: 1" in page


def test_view_orders_listings_first_and_survives_junk() -> None:
    view = blocklists.view([row(state="clear"), row(state="unreachable"), row(state="policy"),
                            row(state="<bogus>"), "junk", row(state="listed")])
    assert [r["state"] for r in view["problems"]] == ["listed", "policy", "unreliable", "unreachable"]
    assert len(view["quiet"]) == 1
    assert blocklists.view({"not": "a list"})["problems"] == []
    # a delisting link is offered for listings only
    assert view["problems"][0]["link"] and not view["problems"][2]["link"]


def test_reputation_view_and_page() -> None:
    section = {"network": [{"ip": "192.0.2.1", "asn": "AS64500", "prefix": "192.0.2.0/24",
                            "country": "ZZ", "registry": "lab", "allocated": "", "as_name": SCRIPT}],
               "scores": [{"ip": "192.0.2.1", "zone": "list.dnswl.org", "list": "DNSWL.org",
                           "grade": "none", "meaning": "not listed"}],
               "neighbourhood": [{"ip": "192.0.2.1", "network": "192.0.2.0/24", "checked": 253,
                                  "listed": 2, "policy": 0, "lists": {"SpamCop": 2}}]}
    view = reputation.view(section)
    assert view["scores"] == []          # "no grade yet" rows stay in the JSON only
    assert view["neighbourhood"][0]["by_list"] == "SpamCop: 2"
    page = render({"reputation": section})
    assert 'id="reputation"' in page and SCRIPT not in page and "AS64500" in page
    assert reputation.view("junk")["network"] == []


def test_quiet_rows_speak_the_report_language() -> None:
    # Given rows whose meaning is preflight's own English ("not listed", "... does not list ipv4 subjects")
    rows = [row(state="clear", meaning="not listed"),
            row(state="not_applicable", subject_type="ipv4",
                meaning="Spamhaus DBL does not list ipv4 subjects"),
            row(state="not_applicable", subject_type="<odd>", meaning="kept as found")]
    # When the section is shown in Japanese
    quiet = blocklists.view(rows, "ja")["quiet"]
    # Then our own words are Japanese; an unknown subject type keeps the saved text
    assert [r["meaning"] for r in quiet] == ["掲載なし", "IPv4 アドレスを扱わないリストです", "kept as found"]
    assert blocklists.view(rows, "en")["quiet"][1]["meaning"] == "the list does not take IPv4 addresses"
