"""Postfix access tables and smtpd's parameters: table-driven, plus hostile text that must not crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.inventory.access import address_keys, client_keys, domain_keys, in_networks, parse_networks, parse_table
from preflight.inventory.smtpdconfig import referenced_tables, resolve_compat, smtpd_params

RELAY = "${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}"


@pytest.mark.parametrize(("spec", "text", "key", "found"), [
    # cidr: first match in file order, negation, if/endif, IPv6, a bad line skipped as Postfix does.
    ("cidr:/t", "192.0.2.0/24 OK\n192.0.2.7 REJECT", "192.0.2.7", "OK"),
    ("cidr:/t", "!192.0.2.0/24 REJECT\n0.0.0.0/0 DUNNO", "192.0.2.7", "DUNNO"),
    ("cidr:/t", "if 192.0.2.0/24\n192.0.2.7 REJECT\nendif", "198.51.100.1", None),
    ("cidr:/t", "2001:db8::/32 OK", "2001:db8::7", "OK"),
    ("cidr:/t", "[2001:db8::]/32 OK", "2001:db8::7", "OK"),
    ("cidr:/t", "192.0.2.1/24 OK\n192.0.2.7 REJECT", "192.0.2.7", "REJECT"),  # host bits set: skipped
    ("cidr:/t", "192.0.2.0/24 OK", "mail.example", None),  # names never match a cidr table
    # regexp/pcre: case-insensitive by default, $n substitution, negation.
    ("regexp:/t", "/^mx(\\d+)\\.example$/ 55$1 no", "MX0.example", "550 no"),
    ("pcre:/t", "!/example$/ REJECT", "mail.other", "REJECT"),
    # fixed-string tables: exact lower-case keys, continuation lines, first entry wins.
    ("texthash:/t", "Example.COM OK\n  with text\nexample.com REJECT", "example.com", "OK with text"),
    ("inline:{ a=OK, { b = REJECT no } }", None, "b", "REJECT no"),
])
def test_table_lookups(spec: str, text: str | None, key: str, found: str | None) -> None:
    assert parse_table(spec, text).find(key) == found


def test_the_keys_smtpd_tries() -> None:
    assert domain_keys("mx.mail.example.com") == ["mx.mail.example.com", "mail.example.com", "example.com", "com"]
    assert domain_keys("mx.example.com", parent_style=False) == ["mx.example.com", ".example.com", ".com"]
    assert address_keys("192.0.2.7") == ["192.0.2.7", "192.0.2", "192.0", "192"]
    # Pattern tables get the name and the address only; exact tables the parents and prefixes too.
    assert client_keys(parse_table("cidr:/t", ""), "192.0.2.7", "mx.example.com") == ["mx.example.com", "192.0.2.7"]
    assert len(client_keys(parse_table("texthash:/t", ""), "192.0.2.7", "mx.example.com")) == 7
    nets, tables = parse_networks(["127.0.0.0/8", "[::1]/128", "192.0.2.7", "hash:/etc/postfix/nets", "host.name"])
    assert tables == ["hash:/etc/postfix/nets"]
    assert in_networks("192.0.2.7", nets) and in_networks("::1", nets) and not in_networks("192.0.2.8", nets)


def test_defaults_follow_the_compatibility_level() -> None:
    assert resolve_compat(RELAY, "0") == ""
    assert resolve_compat(RELAY, "3.6") == "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination"
    params, enabled, _ = smtpd_params({"compatibility_level": "2"}, None, {"smtpd_relay_restrictions": RELAY,
                                                                           "reject_code": "554"})
    assert params["smtpd_relay_restrictions"].startswith("permit_mynetworks") and params["reject_code"] == "554"
    assert enabled is None


def test_tables_named_by_the_lists_classes_and_postscreen() -> None:
    params = {"smtpd_restriction_classes": "strict", "strict": "check_client_access hash:/etc/postfix/a",
              "smtpd_client_restrictions": "check_client_access cidr:/etc/postfix/b, strict",
              "postscreen_access_list": "permit_mynetworks, cidr:/etc/postfix/ps.cidr"}
    assert referenced_tables(params) == ["cidr:/etc/postfix/b", "cidr:/etc/postfix/ps.cidr", "hash:/etc/postfix/a"]


LINES = st.lists(st.one_of(st.text(max_size=60), st.sampled_from([
    "if 192.0.2.0/24", "endif", "!/x/ OK", "/(a)(b)/ $2$9 ${1}", "192.0.2.0/33 OK", "/[/ OK", "::/0 OK"])),
    max_size=30)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["cidr", "regexp", "pcre", "texthash", "hash"]), lines=LINES, key=st.text(max_size=40))
def test_hostile_tables_never_crash(kind: str, lines: list[str], key: str) -> None:
    text = "\n".join(lines)
    table = parse_table(f"{kind}:/etc/postfix/t", text)
    found = table.find(key)
    assert found is None or isinstance(found, str)
    assert len(table.problems) <= len(text.splitlines()) + 1  # at most one problem a line (+ an open 'if')
