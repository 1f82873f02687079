"""Authentication-Results: authres where it reads the field, the tolerant fallback, and trust."""

from __future__ import annotations

import pytest

from checks.message.samples import RECEIVED, message
from preflight.checks.message.authresults import (
    Untrusted,
    auth_fields,
    parse_field,
    receiver_verdicts,
    trust,
)
from preflight.checks.message.headers import parse_headers
from preflight.checks.message.received import departure_hop, received_chain

GMAIL = ("mx.google.com; dkim=pass header.i=@example.com header.s=s2026 header.b=\"Ab/Cd+e=\"; "
         "spf=pass (google.com: domain of a@example.com designates 203.0.113.25 as permitted sender) "
         "smtp.mailfrom=a@example.com; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com")
MICROSOFT = ("spf=pass (sender IP is 203.0.113.25) smtp.mailfrom=example.com; dkim=pass (signature was verified) "
             "header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100")
YAHOO = ("mta4012.mail.gq1.yahoo.com; dkim=pass header.i=@example.com header.s=s2026; spf=pass "
         "smtp.mailfrom=example.com; dmarc=pass(p=NONE) header.from=example.com;")


def org(name: str) -> str:
    return ".".join(name.split(".")[-2:])


@pytest.mark.parametrize(("value", "parser", "authserv", "methods"), [
    (GMAIL, "authres", "mx.google.com", {"dkim": "pass", "spf": "pass", "dmarc": "pass"}),
    (MICROSOFT, "tolerant", "", {"spf": "pass", "dkim": "pass", "dmarc": "pass", "compauth": "pass"}),
    (YAHOO, "authres", "mta4012.mail.gq1.yahoo.com", {"dkim": "pass", "spf": "pass", "dmarc": "pass"}),
    ("mx.example; spf=fail smtp.mailfrom=<>; dkim=permerror (bad sig) header.d=example.com; arc=none",
     "tolerant", "mx.example", {"spf": "fail", "dkim": "permerror", "arc": "none"}),
    ("mx.example; none", "authres", "mx.example", {}),
])
def test_parse(value: str, parser: str, authserv: str, methods: dict[str, str]) -> None:
    field = parse_field(value, 0)
    assert field.parser == parser and field.authserv_id == authserv
    assert {r.method: r.result for r in field.results} == methods


def test_identities() -> None:
    field = parse_field(GMAIL, 0)
    spf = next(r for r in field.results if r.method == "spf")
    assert spf.prop("smtp.mailfrom") == "a@example.com"
    assert next(r for r in field.results if r.method == "dkim").prop("header.s") == "s2026"
    ms = parse_field(MICROSOFT, 0)
    assert next(r for r in ms.results if r.method == "compauth").reason == "100"


@pytest.mark.parametrize("junk", ["", ";;;", "= = =", "mx; spf", "(((", "mx; spf=pass smtp.mailfrom=" + "a" * 9000])
def test_unreadable_is_kept_not_raised(junk: str) -> None:
    field = parse_field(junk, 4)
    assert field.index == 4 and field.parser in ("authres", "tolerant", "unreadable")


def test_trust_only_above_the_receiving_hop_and_from_the_receiving_side() -> None:
    # Given: the receiver's field on top, a field by another authserv-id above the hop, and one the
    # sender added (or forged) before the message left it.
    raw = message(
        "Authentication-Results: mx.receiver.example; spf=fail smtp.mailfrom=a@example.com",
        "Authentication-Results: filter.elsewhere.example; spf=pass smtp.mailfrom=a@example.com",
        f"Received: {RECEIVED['postfix']}",
        "Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=a@example.com; dkim=pass header.d=example.com",
        f"Received: {RECEIVED['local']}",
    )
    headers = parse_headers(raw)
    hops = received_chain(headers)
    receiving = departure_hop(hops, ["203.0.113.25"])
    fields = trust(auth_fields(headers), hops, receiving, org)
    assert [(f.trusted, f.untrusted_why) for f in fields] == [
        (True, None), (False, Untrusted.OTHER_AUTHSERV), (False, Untrusted.BEFORE_RECEIVER)]
    # Then: the forged "pass" above does not count; the receiver said fail
    assert [r.result for r in receiver_verdicts(fields)["spf"]] == ["fail"]
    assert "dkim" not in receiver_verdicts(fields)


def test_microsoft_field_without_authserv_is_the_receivers() -> None:
    headers = parse_headers(message(f"Authentication-Results: {MICROSOFT}", f"Received: {RECEIVED['microsoft']}"))
    hops = received_chain(headers)
    fields = trust(auth_fields(headers), hops, departure_hop(hops, ["203.0.113.25"]), org)
    assert fields[0].trusted


def test_nothing_is_trusted_without_a_receiving_hop() -> None:
    headers = parse_headers(message(f"Authentication-Results: {GMAIL}"))
    fields = trust(auth_fields(headers), (), None, org)
    assert not fields[0].trusted and fields[0].untrusted_why == Untrusted.NO_RECEIVER
