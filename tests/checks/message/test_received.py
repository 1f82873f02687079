"""The Received chain: the forms of the big receivers and MTAs, the receiving hop, TLS."""

from __future__ import annotations

import pytest

from checks.message.samples import RECEIVED, message
from preflight.checks.message.headers import parse_headers
from preflight.checks.message.received import (
    departure_hop,
    internet_hop,
    parse_received,
    received_chain,
)


@pytest.mark.parametrize(("form", "helo", "ip", "by", "tls", "version", "cipher"), [
    ("postfix", "mail.example.com", "203.0.113.25", "mx.receiver.example", True, "TLS 1.3", "TLS_AES_256_GCM_SHA384"),
    ("gmail", "mail.example.com", "203.0.113.25", "mx.google.com", True, "TLS 1.3", "TLS_AES_256_GCM_SHA384"),
    ("microsoft", "mail.example.com", "203.0.113.25", "am0eur02ft012.mail.protection.outlook.com", True, "TLS 1.2",
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    ("yahoo", "mail.example.com", "203.0.113.25", "mta4012.mail.gq1.yahoo.com", True, None, None),
    ("exim", "mail.example.com", "203.0.113.25", "mx.receiver.example", True, "TLS 1.3", "TLS_AES_256_GCM_SHA384"),
    ("exim_old", "mail.example.com", "203.0.113.25", "mx.receiver.example", True, "TLS 1.2",
     "ECDHE-RSA-AES256-GCM-SHA384"),
    ("sendmail", "mail.example.com", "203.0.113.25", "mx.receiver.example", True, "TLS 1.3", "TLS_AES_256_GCM_SHA384"),
    ("ipv6", "mail.example.com", "2001:db8:25::25", "mx.receiver.example", False, None, None),
    ("tls10", "mail.example.com", "203.0.113.25", "mx.receiver.example", True, "TLS 1.0", "ECDHE-RSA-AES256-SHA"),
    ("local", None, None, "mail.example.com", None, None, None),
])
def test_forms(form: str, helo: str | None, ip: str | None, by: str, tls: bool | None, version: str | None,
               cipher: str | None) -> None:
    hop = parse_received(RECEIVED[form], 0)
    assert (hop.from_helo, hop.from_ip, hop.by_host) == (helo, ip, by)
    assert (hop.tls, hop.tls_version, hop.tls_cipher) == (tls, version, cipher)
    assert hop.date is not None and hop.date.startswith("2026-12-0")


def test_exim_names_rdns_and_helo_apart() -> None:
    hop = parse_received("from rdns.example.com ([203.0.113.25] helo=mail.example.com) by mx.receiver.example "
                         "with esmtp (Exim 4.97) id 1; Mon, 07 Dec 2026 02:10:00 +0000", 0)
    assert (hop.from_rdns, hop.from_helo, hop.from_ip) == ("rdns.example.com", "mail.example.com", "203.0.113.25")
    yahoo = parse_received("from 203.0.113.25 (EHLO mail.example.com) by mta.yahoo.com with SMTP; "
                           "Mon, 07 Dec 2026 02:10:00 +0000", 0)
    assert (yahoo.from_helo, yahoo.from_ip, yahoo.from_rdns, yahoo.tls) == ("mail.example.com", "203.0.113.25", None, False)


def test_rdns_and_recipient() -> None:
    hop = parse_received(RECEIVED["postfix"], 3)
    assert hop.from_rdns == "mail.example.com" and hop.index == 3
    assert hop.recipient == "b@receiver.example" and hop.smtp_id == "4ABCD12345" and hop.protocol == "ESMTPS"
    assert parse_received(RECEIVED["ipv6"], 0).from_rdns is None  # "unknown" is no name


@pytest.mark.parametrize("junk", ["", ";", "((((((", "from", "from [999.1.1.1] by", "by ; ;", "x" * 10000,
                                  "from a (b [c]) by d with e id f for g; not a date"])
def test_garbage_never_raises(junk: str) -> None:
    hop = parse_received(junk, 0)
    assert hop.from_ip is None and hop.date is None


def _hops(*forms: str):
    return received_chain(parse_headers(message(*(f"Received: {RECEIVED[f]}" for f in forms))))


def test_departure_is_the_topmost_hop_from_our_ip() -> None:
    # Given: submission → new server → receiver (top is newest)
    hops = _hops("postfix", "local")
    # Then: the receiver's hop is the one received from the new IP
    found = departure_hop(hops, ["203.0.113.25"])
    assert found is not None and found.by_host == "mx.receiver.example" and found.index == 0
    assert departure_hop(hops, ["2001:db8:25::25"]) is None


def test_message_that_left_through_the_old_server() -> None:
    hops = _hops("old_server", "submission")
    assert departure_hop(hops, ["203.0.113.25"]) is None
    guessed = internet_hop(hops)
    assert guessed is not None and guessed.from_ip == "198.51.100.10"  # the private submission hop is skipped


def test_ipv4_mapped_and_ipv6_spelling_match() -> None:
    hop = parse_received("from x (x [IPv6:::ffff:203.0.113.25]) by mx.receiver.example with ESMTP; " + "Mon, 7 Dec 2026 00:00:00 +0000", 0)
    assert hop.from_ip == "203.0.113.25"
    assert departure_hop([parse_received(RECEIVED["ipv6"], 0)], ["2001:0db8:0025::0025"]) is not None
