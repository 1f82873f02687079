"""The partners family end to end against the lab DNS: real queries over loopback, plan policies.

Given the stand-in lists under rbl.partners.test and partner domains in partners.test, when the
family predicts with a server configuration, then each partner address is accepted, rejected (by
which rule, which code, with the allowlist lines) or could not be told.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import jsonschema
import pytest

from checks.partners.conftest import RBL, Run, find, run_partners, verdicts
from preflight.data.catalogue import Catalogue
from preflight.data.loader import load_catalogue
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status

REJECT = f"smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, reject_rbl_client block.{RBL}"
WEIGHTED = (f"postscreen_dnsbl_sites = heavy.{RBL}*2 light.{RBL}*1 dnswl.{RBL}=127.0.[0..255].[1..3]*-2",
            "postscreen_dnsbl_threshold = 2", "postscreen_dnsbl_action = enforce")
FAIL, PASS, ERROR, WARN = Status.FAIL, Status.PASS, Status.ERROR, Status.WARN


def test_reject_rbl_client_rejects_the_listed_partner(partners_run: Run) -> None:
    out = partners_run([REJECT], domains=["listed.partners.test", "clean.partners.test"])
    assert verdicts(out) == {
        "listed.partners.test 198.19.7.11": ("rejected", FAIL),
        "clean.partners.test 198.19.7.10": ("accepted", PASS),
    }
    rejected = find(out.results, "partners.rejected", "listed.partners.test 198.19.7.11")
    assert rejected.params["code"] == "554"
    assert rejected.params["by"] == (f"reject_rbl_client block.{RBL} → 127.0.0.2 (smtpd_recipient_restrictions)")
    # The fix goes right before the rule, answering permit_auth_destination in the recipient list
    # (mail to our domains passes; relaying stays closed).
    assert f"reject_unauth_destination, check_client_access cidr:/etc/postfix/partners_rcpt_access.cidr, " \
        f"reject_rbl_client block.{RBL}" in rejected.params["fix"]
    assert "198.19.7.11/32 permit_auth_destination" in rejected.params["fix"]
    # A list preflight does not know has no delisting page: its TXT reason is shown instead.
    assert "https://rbl.partners.test/lookup?198.19.7.11" in rejected.params["delist"]
    assert any("MX mx.listed.partners.test" in e.value for e in rejected.evidence)
    summary = find(out.results, "partners.summary")
    assert (summary.outcome, summary.status, summary.params["rejected"], summary.params["partners"]) == \
        ("rejected", FAIL, "1", "2")
    assert find(out.results, "partners.policy").status is PASS
    section = out.sections["partners"]
    assert section["summary"]["rejected_partners"] == ["listed.partners.test"]
    assert [e["verdict"] for e in section["entries"]] == ["rejected", "accepted"]


def test_a_filter_that_does_not_match_accepts(partners_run: Run) -> None:
    out = partners_run([f"reject_rbl_client block.{RBL}=127.0.0.2"], ips=["198.19.7.12"])
    result = find(out.results, "partners.rejected")
    assert (result.outcome, result.status) == ("accepted_listed", PASS)
    assert result.params["listed"] == f"block.{RBL} (127.0.0.3)"
    assert result.params["why"] == "no rule's filter matches these codes"


def test_postscreen_weights_below_equal_above_the_threshold(partners_run: Run) -> None:
    out = partners_run(WEIGHTED, domains=["weighted.partners.test", "dnswl.partners.test"])
    assert verdicts(out) == {
        "weighted.partners.test 198.19.7.20": ("accepted_listed", PASS),  # 1 < 2
        "weighted.partners.test 198.19.7.21": ("rejected", FAIL),  # 2 = 2
        "weighted.partners.test 198.19.7.22": ("rejected", FAIL),  # 3 > 2
        "dnswl.partners.test 198.19.7.23": ("accepted_listed", PASS),  # 2 - 2 = 0
    }
    below = find(out.results, "partners.rejected", "weighted.partners.test 198.19.7.20")
    assert below.params["why"] == "postscreen 1 < 2"
    equal = find(out.results, "partners.rejected", "weighted.partners.test 198.19.7.21")
    assert equal.params["code"] == "550"
    assert equal.params["by"] == (f"postscreen_dnsbl_sites: heavy.{RBL}*2 = 2 ≥ 2 "
                                  "(postscreen_dnsbl_action = enforce)")
    assert "/etc/postfix/postscreen_access.cidr: 198.19.7.21/32 permit" in equal.params["fix"]
    above = find(out.results, "partners.rejected", "weighted.partners.test 198.19.7.22")
    assert f"heavy.{RBL}*2 + light.{RBL}*1 = 3 ≥ 2" in above.params["by"]
    entry = next(e for e in out.sections["partners"]["entries"] if e["ip"] == "198.19.7.22")
    assert entry["postscreen"] == {"score": 3, "threshold": 2, "outcome": "rejected"}


def test_postscreen_drop_answers_521(partners_run: Run) -> None:
    out = partners_run([f"postscreen_dnsbl_sites = heavy.{RBL}*2", "postscreen_dnsbl_threshold = 2",
                        "postscreen_dnsbl_action = drop"], ips=["198.19.7.21"])
    assert find(out.results, "partners.rejected").params["code"] == "521"


def test_reverse_dns_with_reject_unknown_client_hostname(partners_run: Run) -> None:
    out = partners_run([f"reject_rbl_client block.{RBL}", "reject_unknown_client_hostname"],
                       domains=["fcrdns.partners.test"])
    assert verdicts(out) == {
        "fcrdns.partners.test 198.19.7.30": ("delayed", FAIL),  # no PTR: 450, the partner retries
        "fcrdns.partners.test 198.19.7.31": ("delayed", FAIL),  # PTR resolves elsewhere
        "fcrdns.partners.test 198.19.7.32": ("accepted", PASS),
    }
    no_ptr = find(out.results, "partners.rejected", "fcrdns.partners.test 198.19.7.30")
    assert no_ptr.params["code"] == "450"
    assert no_ptr.params["by"] == "reject_unknown_client_hostname: no PTR record (smtpd_recipient_restrictions)"
    mismatch = find(out.results, "partners.rejected", "fcrdns.partners.test 198.19.7.31")
    assert "bad.fcrdns.partners.test does not resolve back to 198.19.7.31" in mismatch.params["by"]
    ok = find(out.results, "partners.rejected", "fcrdns.partners.test 198.19.7.32")
    assert "ok.fcrdns.partners.test → 198.19.7.32" in ok.params["checked"]


def test_an_unreachable_list_lets_the_partner_through_with_a_warning(dns_server: LabDnsServer) -> None:
    # Given a list that times out (lab fault): Postfix lets a client through when a lookup fails,
    # so a clean partner is accepted — with a warning naming the silent list...
    dns_server.add_fault(f"slow.{RBL}", "timeout", suffix=True)
    out = run_partners(dns_server, [f"reject_rbl_client block.{RBL}, reject_rbl_client slow.{RBL}"],
                       domains=["clean.partners.test", "listed.partners.test"], timeout=0.3)
    # ...and a partner an answering list already rejects is rejected whatever the silent list says.
    assert verdicts(out) == {
        "clean.partners.test 198.19.7.10": ("accepted_unanswered", WARN),
        "listed.partners.test 198.19.7.11": ("rejected", FAIL),
    }
    silent = find(out.results, "partners.rejected", "clean.partners.test 198.19.7.10")
    assert silent.params["zones"] == f"slow.{RBL}"
    summary = find(out.results, "partners.summary")
    assert summary.outcome == "rejected"
    section = out.sections["partners"]
    assert [x["usable"] for x in section["policy"]["lists"]] == [True, False]


def test_a_list_failing_its_self_test_never_counts(partners_run: Run) -> None:
    # broken.rbl lists 198.19.7.11 but not its own test entry: its answer does not count either way.
    out = partners_run([f"reject_rbl_client broken.{RBL}"], ips=["198.19.7.11", "198.19.7.10"])
    assert verdicts(out) == {"198.19.7.11": ("unknown", ERROR), "198.19.7.10": ("unknown", ERROR)}
    assert "self-test" in find(out.results, "partners.rejected", "198.19.7.11").params["zones"]
    summary = find(out.results, "partners.summary")
    assert (summary.outcome, summary.status, summary.params["unknown"]) == ("unknown", ERROR, "2")


def test_a_catalogue_list_with_refusal_codes(dns_server: LabDnsServer) -> None:
    # Given the catalogue's Spamhaus ZEN pointed at the dnsbl.test stand-in (its refusal codes too),
    base = load_catalogue()
    zen = base.by_id("spamhaus-zen")
    catalogue = Catalogue(tuple(dataclasses.replace(z, zone="zen.dnsbl.test", aliases=())
                                if z.id == zen.id else z for z in base.zones))
    out = run_partners(dns_server, ["reject_rbl_client zen.dnsbl.test=127.0.0.[2..11]"],
                       ips=["198.51.100.65", "198.51.100.66", "198.51.100.67", "198.51.100.72"], catalogue=catalogue)
    assert verdicts(out) == {
        "198.51.100.65": ("rejected", FAIL),  # SBL + XBL
        "198.51.100.66": ("rejected", FAIL),  # PBL 127.0.0.10, inside the filter
        "198.51.100.67": ("unknown", ERROR),  # 127.255.255.254: a refusal, never a listing
        "198.51.100.72": ("unknown", ERROR),  # an answer outside 127/8
    }
    rejected = find(out.results, "partners.rejected", "198.51.100.65")
    assert "check.spamhaus.org" in rejected.params["delist"]  # the catalogue's delisting page


def test_dqs_keys_in_the_server_configuration_never_reach_the_report(partners_run: Run) -> None:
    key = "labdqskey4tests0000000000"
    out = partners_run([f"reject_rbl_client {key}.zen.dq.spamhaus.net"], ips=["198.51.100.65", "192.0.2.10"])
    assert verdicts(out) == {"198.51.100.65": ("rejected", FAIL), "192.0.2.10": ("accepted", PASS)}
    text = json.dumps([dataclasses.asdict(r) for r in out.results], default=str) + json.dumps(out.sections)
    assert key not in text and "<key>.zen.dq.spamhaus.net" in text


def test_domains_and_large_senders(partners_run: Run) -> None:
    out = partners_run([REJECT], domains=["google.partners.test", "nomail.partners.test", "nope.partners.test"])
    google = find(out.results, "partners.domain", "google.partners.test")
    assert (google.outcome, google.status) == ("large_only", PASS)
    assert google.params["senders"] == "Google (Gmail, Google Workspace) (MX aspmx.l.google.com)"
    assert find(out.results, "partners.domain", "nomail.partners.test").outcome == "none"
    assert find(out.results, "partners.domain", "nope.partners.test").outcome == "nxdomain"
    summary = find(out.results, "partners.summary")
    assert (summary.outcome, summary.status) == ("none", Status.SKIP)
    section = out.sections["partners"]
    assert section["senders"] == [{"partner": "google.partners.test", "sender": "google",
                                   "name": "Google (Gmail, Google Workspace)", "via": "MX aspmx.l.google.com"}]


def test_a_dns_failure_of_a_partner_domain(dns_server: LabDnsServer) -> None:
    dns_server.add_fault("clean.partners.test", "servfail")
    out = run_partners(dns_server, [REJECT], domains=["clean.partners.test"])
    result = find(out.results, "partners.domain")
    assert (result.outcome, result.status) == ("error", ERROR)
    assert "servfail" in result.params["reason"]


def test_the_section_matches_the_schema_and_renders(partners_run: Run) -> None:
    from preflight.report.html import render
    from preflight.report.markdown import render as markdown

    out = partners_run([REJECT, *WEIGHTED], domains=["listed.partners.test", "weighted.partners.test",
                                                     "google.partners.test"], ips=["198.19.7.10"])
    schema = json.loads((resources.files("preflight") / "schema" / "report.schema.json").read_text())
    section = json.loads(json.dumps(out.sections["partners"]))
    jsonschema.validate({"partners": section}, {**schema, "required": []})
    data = {"schema_version": "1.0.0", "verdict": "not_ready", "results": [], "counts": {},
            "target": {"ips": ["198.51.100.42"]}, "resolver": {}, "generated_at": "2026-11-29T09:00:00+00:00",
            "partners": section}
    page = render(data, "en")
    assert "2 of 3 partners would be rejected by the new server." in page
    assert page.index("listed.partners.test") < page.index("198.19.7.10")  # rejected first
    # the fix is on the page once, as copy-paste text in the fixes section (from the results)
    from preflight.report.json import result_to_dict

    fixed = render({**data, "results": [result_to_dict(r) for r in out.results]}, "en")
    assert "cat &gt;&gt; /etc/postfix/partners_rcpt_access.cidr &lt;&lt;&#39;EOF&#39;\n198.19.7.11/32 permit_auth_destination" in fixed
    assert "Google (Gmail, Google Workspace)" in page
    japanese = render(data, "ja")
    assert "3 件の取引先のうち 2 件が新サーバーに拒否されます。" in japanese and ">拒否<" in japanese
    text = markdown(data, "en")
    assert "### Partners" in text and "listed.partners.test 198\\.19.7.11" in text


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_sentence_when_nothing_can_be_predicted(lang: str) -> None:
    from preflight.report.sections.partners import sentence

    assert sentence({"summary": {"partners": 0}}, lang)
    assert sentence({"summary": {"partners": 3, "rejected": 0, "unknown": 1},
                     "policy": {"available": True}}, lang) != sentence(
        {"summary": {"partners": 3, "rejected": 0}, "policy": {"available": True}}, lang)


def test_a_partner_that_newly_would_be_rejected_is_a_regression(partners_run: Run) -> None:
    from preflight.engine.compare import compare
    from preflight.report.json import result_to_dict

    def saved(out: object, when: str) -> dict[str, object]:
        return {"generated_at": when, "results": [result_to_dict(r) for r in out.results],  # type: ignore[attr-defined]
                "partners": out.sections["partners"]}  # type: ignore[attr-defined]

    before = partners_run([f"reject_rbl_client block.{RBL}=127.0.0.3"], ips=["198.19.7.11"])  # not matched
    after = partners_run([f"reject_rbl_client block.{RBL}"], ips=["198.19.7.11"])
    comparison = compare(saved(before, "2026-11-28T09:00:00+00:00"), saved(after, "2026-11-29T09:00:00+00:00"))
    change = next(c for c in comparison["changes"] if c["kind"] == "partner")
    assert (change["change"], change["key"], change["before"], change["after"]) == \
        ("regression", "198.19.7.11|198.19.7.11", "accepted", "rejected")


def test_only_catalogue_pages_become_links(partners_run: Run) -> None:
    from preflight.report.html import render

    out = partners_run([REJECT], domains=["listed.partners.test"])
    entry = out.sections["partners"]["entries"][0]
    assert entry["delist"] == [{"zone": f"block.{RBL}", "where": "Listed: see https://rbl.partners.test/lookup?198.19.7.11",
                                "link": False}]
    data = {"schema_version": "1.0.0", "verdict": "not_ready", "results": [], "counts": {}, "target": {},
            "resolver": {}, "partners": json.loads(json.dumps(out.sections["partners"]))}
    assert 'href="https://rbl.partners.test' not in render(data, "en")


def test_a_4xx_reads_delayed_not_rejected_in_the_report(partners_run: Run) -> None:
    from preflight.report.sections.partners import view

    # Given no PTR and reject_unknown_client_hostname (450): the table says "delayed", in both languages.
    out = partners_run([f"reject_rbl_client block.{RBL}", "reject_unknown_client_hostname"], ips=["198.19.7.30"])
    entry = out.sections["partners"]["entries"][0]
    assert (entry["verdict"], entry["code"], entry["delayed"]) == ("rejected", "450", True)
    assert view(out.sections["partners"], "en")["rows"][0]["verdict_label"] == "delayed (the partner retries)"
    assert view(out.sections["partners"], "ja")["rows"][0]["verdict_label"] == "遅延（取引先が再送）"
