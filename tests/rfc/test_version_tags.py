"""Version tags are whole tokens: ``v=STSv1`` (RFC 8461 §3.1), ``v=TLSRPTv1`` (RFC 8460 §3) and
``v=spf1`` (RFC 7208 §4.5) are not prefixes, so ``v=STSv10`` is no MTA-STS record and a TXT string
that is one must not be counted (two "records" would turn a valid setup into "several records").
"""

from __future__ import annotations

import pytest

from preflight.checks import tls_rpt
from preflight.checks.mta_sts.collect import MtaStsFacts
from preflight.checks.mta_sts.evaluate import evaluate as mta_sts_evaluate
from preflight.net.dns import DnsAnswer
from preflight.rfc.dmarc import is_dmarc_record
from preflight.rfc.mta_sts import is_sts_record
from preflight.rfc.spf import is_spf_record, spf_records
from preflight.rfc.tls_rpt import is_tlsrpt_record

# (TXT string, is it a record?) - RFC 8461 §3.1: sts-version = %s"v=STSv1" (case-sensitive),
# sts-field-delim = *WSP ";" *WSP; "records that do not begin with "v=STSv1;" are discarded"
STS = [
    ("v=STSv1; id=20260101T000000", True),
    ("v=STSv1;id=1", True),
    ("v=STSv1 ; id=1", True),      # *WSP before ";" (the ABNF)
    ("v=STSv1\t;id=1", True),
    ("v=STSv1", True),             # claims to be one (invalid: no id) - reported, not hidden
    ("v=STSv10; id=1", False),
    ("v=STSv1x; id=1", False),
    ("v=STSv1.1; id=1", False),
    ("v=STSv1 id=1", False),
    ("v=STSv1\n; id=1", False),
    ("v=STSv1\n", False),
    ("v=stsv1; id=1", False),      # %s: case-sensitive
    (" v=STSv1; id=1", False),
    ("v=STSv2; id=1", False),
]

TLSRPT = [
    ("v=TLSRPTv1; rua=mailto:tls@example.com", True),
    ("v=TLSRPTv1;rua=mailto:tls@example.com", True),
    ("v=TLSRPTv1 ; rua=mailto:tls@example.com", True),
    ("v=TLSRPTv1", True),
    ("v=TLSRPTv10; rua=mailto:tls@example.com", False),
    ("v=TLSRPTv1x; rua=mailto:tls@example.com", False),
    ("v=TLSRPTv1 rua=mailto:tls@example.com", False),
    ("v=TLSRPTv1\n", False),
    ("v=tlsrptv1; rua=mailto:tls@example.com", False),
    (" v=TLSRPTv1; rua=mailto:tls@example.com", False),
]

# RFC 7208 §4.5: "the version section is terminated by either an SP character or the end of the record"
SPF = [
    ("v=spf1 -all", True),
    ("v=spf1", True),
    ("V=SPF1 -all", True),
    ("v=spf1\n", False),
    ("v=spf1\n-all", False),
    ("v=spf1\t-all", False),
    ("v=spf1\r", False),
    ("v=spf1x -all", False),
    ("v=spf10", False),
    ("v=spf1; -all", False),
]


@pytest.mark.parametrize(("text", "record"), STS, ids=[repr(t) for t, _ in STS])
def test_sts_version_tag(text: str, record: bool) -> None:
    assert is_sts_record(text) is record, "RFC 8461 §3.1"


@pytest.mark.parametrize(("text", "record"), TLSRPT, ids=[repr(t) for t, _ in TLSRPT])
def test_tlsrpt_version_tag(text: str, record: bool) -> None:
    assert is_tlsrpt_record(text) is record, "RFC 8460 §3"


@pytest.mark.parametrize(("text", "record"), SPF, ids=[repr(t) for t, _ in SPF])
def test_spf_version_section(text: str, record: bool) -> None:
    assert is_spf_record(text) is record, "RFC 7208 §4.5"
    assert is_spf_record(text.encode()) is record, "RFC 7208 §4.5 (raw TXT bytes)"
    assert spf_records([text]) == ((text,) if record else ())


def test_dmarc_version_tag_does_not_pass_a_final_newline() -> None:
    # RFC 7489 §6.4: dmarc-version dmarc-sep, dmarc-sep = *WSP ";" *WSP - a newline is neither
    assert is_dmarc_record("v=DMARC1") and is_dmarc_record("v=DMARC1; p=reject")
    assert not is_dmarc_record("v=DMARC1\n")


def _txt(name: str, *records: str) -> DnsAnswer:
    return DnsAnswer(name, "TXT", records, 300, "127.0.0.1:53")


def test_a_longer_version_beside_the_record_is_not_a_second_tls_rpt_record() -> None:
    name = "_smtp._tls.example.com"
    one = tls_rpt.evaluate("example.com", _txt(name, "v=TLSRPTv1; rua=mailto:tls@example.com",
                                               "v=TLSRPTv10; rua=mailto:x@example.com"))
    assert (one.outcome, one.params["rua"]) == ("ok", "mailto:tls@example.com")
    none = tls_rpt.evaluate("example.com", _txt(name, "v=TLSRPTv1x; rua=mailto:tls@example.com"))
    assert none.outcome == "missing"


def test_a_longer_version_beside_the_record_is_not_a_second_mta_sts_record() -> None:
    d = "example.com"
    mx = DnsAnswer(d, "MX", ("10 mx.example.com",), 300, "127.0.0.1:53")
    facts = MtaStsFacts(d, _txt(f"_mta-sts.{d}", "v=STSv1; id=abc123", "v=STSv10; id=other"), mx,
                        f"mta-sts.{d}")
    results, _ = mta_sts_evaluate(facts, hostname=None)
    record = next(r for r in results if r.check_id == "mta_sts.record")
    assert (record.outcome, record.params["id"]) == ("ok", "abc123")
    only = MtaStsFacts(d, _txt(f"_mta-sts.{d}", "v=STSv10; id=other"), mx, f"mta-sts.{d}")
    absent, _ = mta_sts_evaluate(only, hostname=None)
    assert [r.outcome for r in absent if r.check_id == "mta_sts.record"] == ["not_published"]


# RFC 8461 §3.1 / RFC 8460 §3: "If multiple TXT records ... are returned by the resolver, records that
# do not begin with "v=STSv1;" ("v=TLSRPTv1;") are discarded": a bare version tag beside a full record
# is not a second record (counting it would report "several records" and skip the policy checks).
def test_a_bare_version_tag_beside_a_full_record_is_discarded() -> None:
    from preflight.rfc.mta_sts import sts_records
    from preflight.rfc.tls_rpt import tlsrpt_records

    assert sts_records(["v=STSv1", "v=STSv1; id=abc123"]) == ["v=STSv1; id=abc123"]
    assert tlsrpt_records(["v=TLSRPTv1; rua=mailto:tls@example.com", "v=TLSRPTv1 "]) == [
        "v=TLSRPTv1; rua=mailto:tls@example.com"]
    # alone (or only bare ones), it still claims to be a record: reported invalid, not hidden
    assert sts_records(["v=STSv1"]) == ["v=STSv1"]
    assert tlsrpt_records(["v=TLSRPTv1", "hello"]) == ["v=TLSRPTv1"]
    assert sts_records(["v=STSv1; id=a", "v=STSv1 ;id=b"]) == ["v=STSv1; id=a", "v=STSv1 ;id=b"]


def test_a_bare_version_tag_does_not_hide_the_policy_checks() -> None:
    d = "example.com"
    mx = DnsAnswer(d, "MX", ("10 mx.example.com",), 300, "127.0.0.1:53")
    facts = MtaStsFacts(d, _txt(f"_mta-sts.{d}", "v=STSv1", "v=STSv1; id=abc123"), mx, f"mta-sts.{d}")
    results, _ = mta_sts_evaluate(facts, hostname=None)
    record = next(r for r in results if r.check_id == "mta_sts.record")
    assert (record.outcome, record.params["id"]) == ("ok", "abc123")
    one = tls_rpt.evaluate(d, _txt(f"_smtp._tls.{d}", "v=TLSRPTv1", "v=TLSRPTv1; rua=mailto:tls@example.com"))
    assert (one.outcome, one.params["rua"]) == ("ok", "mailto:tls@example.com")
