"""Page 1: fails grouped by fix, who acts, start-by dates; copy-paste fixes; links and no-wrap tokens."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.i18n.messages import catalogue, ui
from preflight.report import blockers, markup, snippets
from preflight.i18n.dates import format_date, format_moment, parse_date


def result(check_id: str, outcome: str, status: str, subject: str = "", evidence: list[dict[str, str]] | None = None,
           **params: str) -> dict[str, Any]:
    return {"check_id": check_id, "outcome": outcome, "status": status, "subject": subject or check_id,
            "params": params, "evidence": evidence or [], "title": "", "summary": "", "remediation": None}


SPF = "v=spf1 mx ip4:198.51.100.10 include:_spf.mailhost.example -all"


def report(**target: Any) -> dict[str, Any]:
    return {
        "generated_at": "2026-12-07T09:00:00+00:00", "verdict": "not_ready",
        "target": {"ips": ["203.0.113.25", "2001:db8:25::25"], "hostname": "mail.example.com",
                   "domains": ["example.com"], "old_ips": ["198.51.100.10"], **target},
        "results": [
            result("spf.record", "valid", "pass", "example.com", [{"label": "TXT example.com",
                                                                    "value": f"{SPF} (TTL 86400)"}],
                   domain="example.com", record=SPF),
            result("spf.lookups", "within_limits", "pass", domain="example.com", lookups="2", void="0"),
            result("spf.authorizes", "fail", "fail", "example.com ← 2001:db8:25::25", domain="example.com",
                   ip="2001:db8:25::25", result="fail"),
            result("spf.authorizes", "fail", "fail", "example.com ← 203.0.113.25", domain="example.com",
                   ip="203.0.113.25", result="fail"),
            result("rdns.fcrdns", "mismatch", "fail", "2001:db8:25::25", ip="2001:db8:25::25",
                   ptr="2001-db8-25--25.v6.provider.example", addresses="none", rrtype="AAAA"),
            result("rdns.generic", "address_digits", "warn", "2001:db8:25::25", ip="2001:db8:25::25",
                   ptr="2001-db8-25--25.v6.provider.example", digits="2001-db8-25--25"),
            result("rdns.hostname_match", "differs_generic", "warn", "2001:db8:25::25", ip="2001:db8:25::25",
                   ptr="2001-db8-25--25.v6.provider.example", hostname="mail.example.com"),
            result("host.forward", "resolves", "pass", hostname="mail.example.com", addresses="x"),
            result("partners.policy", "from_plan", "pass", evidence=[
                {"label": "postfix", "value": "smtpd_recipient_restrictions = permit_mynetworks, "
                                              "reject_unauth_destination, reject_rbl_client zen.spamhaus.org"}],
                   hostname="—", lists="", postscreen=""),
            result("partners.rejected", "rejected", "fail", "partner-a.example 192.0.2.66", ip="192.0.2.66",
                   partner="partner-a.example", code="550", by="x", delist="",
                   fix="postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/postscreen_access.cidr | "
                       "/etc/postfix/postscreen_access.cidr: 192.0.2.66/32 permit | smtpd_recipient_restrictions = "
                       "… check_client_access cidr:/etc/postfix/partners_access.cidr, reject_rbl_client "
                       "zen.spamhaus.org … | /etc/postfix/partners_access.cidr: 192.0.2.66/32 OK | postfix reload"),
            result("partners.summary", "rejected", "fail", "partners", names="partner-a.example", partners="2",
                   rejected="1"),
            result("ttl.records", "high", "warn", "MX example.com", limit="3600", name="example.com", rrtype="MX",
                   ttl="86400"),
            result("blocklist.zone", "unregistered", "error", "b.barracudacentral.org", list_name="BRBL", url="",
                   why="x"),
            result("reputation.neighbourhood", "not_requested", "skip", "203.0.113.25", ip="203.0.113.25"),
            result("reputation.neighbourhood", "not_ipv4", "skip", "2001:db8:25::25", ip="2001:db8:25::25"),
        ],
    }


def test_fails_are_grouped_by_fix_one_row_each() -> None:
    view = blockers.view(report(cutover_date="2026-12-28"), "en")
    kinds = [r["kind"] for r in view["blockers"]]
    # SPF once for both IPs; one PTR fix for fcrdns + generic + hostname_match; partners once
    assert sorted(kinds) == ["partners", "ptr", "spf"]
    ptr = next(r for r in view["blockers"] if r["kind"] == "ptr")
    assert ptr["checks"] == ["rdns.fcrdns", "rdns.generic", "rdns.hostname_match"]
    assert ptr["owner"] == "ip_owner" and ptr["title"] == "Set the PTR of 2001:db8:25::25 to mail.example.com"
    partners = next(r for r in view["blockers"] if r["kind"] == "partners")
    assert partners["checks"] == ["partners.rejected", "partners.summary"] and partners["owner"] == "we"
    spf = next(r for r in view["blockers"] if r["kind"] == "spf")
    assert spf["owner"] == "dns_admin" and len(spf["subjects"]) == 2
    # warnings that no blocker absorbs follow separately
    assert [r["kind"] for r in view["warnings"]] == ["ttl"]


def test_start_by_dates_count_back_from_the_cutover() -> None:
    view = blockers.view(report(cutover_date="2026-12-28"), "en")
    by_kind = {r["kind"]: r for r in view["blockers"] + view["warnings"]}
    assert by_kind["ptr"]["start_by"] == "2026-12-18"          # the IP's owner: about 10 days
    assert by_kind["spf"]["start_by"] == "2026-12-27"          # a DNS edit: a day
    assert by_kind["ttl"]["start_by"] == "2026-12-26"          # TTLs: two days before
    assert by_kind["ptr"]["start_by_label"] == "Fri 18 Dec 2026"
    assert view["blockers"][0]["kind"] == "ptr"                # the earliest start first
    # a cutover too close: the start-by date has passed, and the row says so
    late = blockers.view(report(cutover_date="2026-12-10"), "ja")
    ptr = next(r for r in late["blockers"] if r["kind"] == "ptr")
    assert ptr["late"] and ptr["start_by_label"] == "2026年11月30日（月）"


def test_without_a_cutover_date_there_is_no_start_by() -> None:
    view = blockers.view(report(), "en")
    assert all(r["start_by"] is None for r in view["blockers"])
    assert "--cutover-date" in view["cutover_line"]


def test_not_checked_lists_errors_and_skips_generically() -> None:
    rows = blockers.not_checked(report(), "en")
    assert [(r["check_id"], r["status"]) for r in rows] == [("blocklist.zone", "error"),
                                                             ("reputation.neighbourhood", "skip")]
    assert len(rows[1]["summaries"]) == 2


def test_every_owner_and_fix_kind_has_words() -> None:
    kinds = {r.kind for r in blockers.load_rules() if "{" not in r.kind} - {"check"}
    assert kinds <= set(blockers.KINDS)
    for lang in ("en", "ja"):
        words = catalogue(lang)["ui"]
        assert all(f"owner_{o}" in words for o in blockers.OWNERS), lang
        assert all(f"fix_{k}_title" in words for k in blockers.KINDS), lang


def test_the_spf_record_to_publish_keeps_the_old_ip_and_adds_the_new_ones() -> None:
    data = report()
    rows = blockers.fix_rows(data, "en")
    spf = next(r for r in rows if r["kind"] == "spf")["snippets"]
    assert spf[0]["text"] == ('example.com.\t3600\tIN\tTXT\t"v=spf1 mx ip4:198.51.100.10 include:_spf.mailhost.example '
                              'ip4:203.0.113.25 ip6:2001:db8:25::25 -all"')
    assert "2 of 10 lookups" in spf[0]["note"] and "198.51.100.10" in spf[0]["note"]


@pytest.mark.parametrize("record, ips, expected", [
    ("v=spf1 -all", ["192.0.2.1"], "v=spf1 ip4:192.0.2.1 -all"),
    ("v=spf1 a redirect=_spf.example.com", ["2001:db8::1"], "v=spf1 a ip6:2001:db8::1 redirect=_spf.example.com"),
    ("v=spf1 ip4:192.0.2.1 ~all", ["192.0.2.1"], "v=spf1 ip4:192.0.2.1 ~all"),      # already there: unchanged
    ("v=spf1 mx", ["192.0.2.1"], "v=spf1 mx ip4:192.0.2.1"),
])
def test_spf_terms_go_before_all_or_redirect(record: str, ips: list[str], expected: str) -> None:
    assert snippets.spf_with_ips(record, ips) == expected


def test_long_txt_records_are_split_into_255_character_strings() -> None:
    line = snippets.zone_txt("example.com", 300, "v=spf1 " + "a" * 300 + ' "x"')
    strings = line.split("\t")[-1]
    assert strings.count('" "') == 1 and '\\"x\\"' in strings


def test_the_ptr_request_and_record_for_the_ips_owner() -> None:
    rows = blockers.fix_rows(report(), "ja")
    texts = next(r for r in rows if r["kind"] == "ptr")["snippets"]
    assert "2001:db8:25::25 の逆引き（PTR）レコードを mail.example.com に設定" in texts[0]["text"]
    assert texts[1]["text"].startswith("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")
    assert texts[1]["text"].endswith("PTR\tmail.example.com.")


def test_postfix_changes_are_postconf_lines() -> None:
    rows = blockers.fix_rows(report(), "en")
    text = next(r for r in rows if r["kind"] == "partners")["snippets"][0]["text"]
    assert ("postconf -e 'smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, "
            "check_client_access cidr:/etc/postfix/partners_access.cidr, reject_rbl_client zen.spamhaus.org'") in text
    assert "postconf -e 'postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/postscreen_access.cidr'" in text
    assert "cat >> /etc/postfix/partners_access.cidr <<'EOF'\n192.0.2.66/32 OK\nEOF" in text
    assert text.endswith("postfix reload") and " | " not in text


def test_hostile_values_are_quoted_for_the_shell() -> None:
    data = report()
    bad = result("partners.rejected", "rejected", "fail", ip="192.0.2.9", partner="p",
                 fix="smtpd_helo_restrictions = x'; rm -rf / #")
    text = snippets.postfix([bad], data, "en")[0]["text"]
    assert text == "postconf -e 'smtpd_helo_restrictions = x'\"'\"'; rm -rf / #'"


def test_markup_links_urls_and_keeps_tokens_whole() -> None:
    html = str(markup.rich('see https://check.spamhaus.org/. <b> 192.0.2.66 and mx.partner-a.example, '
                           'use --cutover-date'))
    assert '<a class="url" rel="nofollow noopener noreferrer" href="https://check.spamhaus.org/">' in html
    assert "https://check.spamhaus.org/</a>." in html              # the sentence's full stop is not the URL's
    assert "&lt;b&gt;" in html and "<b>" not in html
    for token in ("192.0.2.66", "mx.partner-a.example", "--cutover-date"):
        assert f'<span class="nb">{token}</span>' in html
    assert 'href="javascript' not in str(markup.rich("javascript:alert(1)"))
    assert markup.css_string('a"</style>b') == '"a\\000022 \\00003c \\00002f styleb"'.replace("styleb", "style\\00003e b")


def test_dates_in_local_form() -> None:
    day = parse_date("2026-12-28")
    assert day is not None
    assert format_date(day, "en") == "Mon 28 Dec 2026" and format_date(day, "ja") == "2026年12月28日（月）"
    assert format_moment("2026-12-07T00:38:24+00:00", "ja") == "2026年12月7日 00:38（UTC）"
    assert format_moment("not a date", "en") == "not a date"
    assert format_moment("2024-02-01", "en") == "1 Feb 2024"
    # an ISO moment in a result's params reads in local form too ("since 2026-12-07T00:38:24+00:00")
    from preflight.i18n.messages import result_text

    text = result_text("spf.old_ip", "still_authorized", {"domain": "example.com", "ip": "198.51.100.10",
                                                          "since": "2026-12-07T00:38:24+00:00"}, "ja")
    assert "2026年12月7日 00:38（UTC）から確認" in text.summary and "T00:38" not in text.summary
    assert ui("label_counts", "en", passed=1, warned=1, failed=1, errors=0, skipped=0).startswith("1 passed, 1 warning,")


def test_a_test_messages_spf_failures_are_the_domains_spf_fix() -> None:
    data = report(cutover_date="2026-12-28")
    data["results"] += [
        result("message.spf", "fail", "fail", "message.eml: example.com ← 203.0.113.25", domain="example.com",
               identity="mailfrom", ip="203.0.113.25", result="fail"),
        result("message.receiver", "fail", "fail", "message.eml: spf", authserv="mx.receiver.example",
               identity="smtp.mailfrom=bounce@Example.com", method="spf", reason="", result="fail"),
        result("message.receiver", "fail", "fail", "message.eml: dkim", authserv="mx.receiver.example",
               identity="header.d=example.com", method="dkim", reason="", result="fail"),
        # another outcome of the same check, without the param the rule reads
        result("message.receiver", "none", "warn", "message.eml", authserv="mx.receiver.example"),
    ]
    rows = blockers.view(data, "en")["blockers"]
    spf = [r for r in rows if r["kind"] == "spf"]
    assert len(spf) == 1 and spf[0]["checks"] == ["message.receiver", "message.spf", "spf.authorizes"]
    # a verdict on another method has no fix kind of its own: one row for that check and subject
    assert any(r["kind"] == "check" and r["subjects"] == ["message.eml: dkim"] for r in rows)
