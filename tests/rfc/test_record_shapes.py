"""Record shapes with the RFC's answer and the section giving it: SPF (RFC 7208), DMARC (RFC 7489).

Each row is a published record and what the RFC makes of it; the code under test is the pure reader
in ``preflight.rfc`` and, for SPF, the ``spf.record`` verdict built on it.
"""

from __future__ import annotations

import pytest

from preflight.checks.spf import SpfFacts, evaluate
from preflight.net.dns import DnsAnswer
from preflight.rfc.dmarc import effective_policy, is_dmarc_record, parse
from preflight.rfc.spf import is_spf_record

# (record, RFC 7208's answer, section). "valid": no permerror from the record itself;
# "permerror": receivers return permerror; "not spf": the TXT string is not an SPF record;
# valid rows with a policy remark name the spf.record outcome (pass_all, ptr).
SPF_SHAPES: list[tuple[str | bytes, str, str]] = [
    ("v=spf1 -all", "valid", "4.5"),
    ("v=spf1", "valid", "4.5"),
    ("V=SPF1 -all", "valid", "4.5"),
    ("v=SpF1 ip4:192.0.2.1 -all", "valid", "4.5"),
    ("v=spf10 -all", "not spf", "4.5"),
    ("v=spf1-all", "not spf", "4.5"),
    (" v=spf1 -all", "not spf", "4.5"),
    ("v=spf1 ip4:192.0.2.0/24 -all", "valid", "5.6"),
    ("v=spf1 ip4:192.0.2.1/33 -all", "permerror", "5.6"),
    ("v=spf1 ip4:192.0.2 -all", "permerror", "5.6"),
    ("v=spf1 ip4:192.0.02.1 -all", "permerror", "12"),
    ("v=spf1 ip6:2001:db8::/32 -all", "valid", "5.6"),
    ("v=spf1 ip6:2001:db8::/129 -all", "permerror", "5.6"),
    ("v=spf1 ip6:192.0.2.1 -all", "permerror", "5.6"),
    ("v=spf1 a -all", "valid", "5.3"),
    ("v=spf1 a:mail.example.com -all", "valid", "5.3"),
    ("v=spf1 a:mail.example.com/24 -all", "valid", "5.3"),
    ("v=spf1 a/24//64 -all", "valid", "5.3"),
    ("v=spf1 a//129 -all", "permerror", "5.3"),
    ("v=spf1 mx:example.com/24//64 -all", "valid", "5.4"),
    ("v=spf1 a:example.com. -all", "valid", "7.1"),
    ("v=spf1 a:museum -all", "permerror", "7.1"),
    ("v=spf1 a:1.2.3.4 -all", "permerror", "7.1"),
    ("v=spf1 include:_spf.example.com -all", "valid", "5.2"),
    ("v=spf1 include -all", "permerror", "5.2"),
    ("v=spf1 exists:%{i}.bl.example.com -all", "valid", "5.7"),
    ("v=spf1 exists -all", "permerror", "5.7"),
    ("v=spf1 redirect=_spf.example.com", "valid", "6.1"),
    ("v=spf1 redirect=a.example.com redirect=b.example.com", "permerror", "6"),
    ("v=spf1 exp=explain.example.com -all", "valid", "6.2"),
    ("v=spf1 exp=a.example.com exp=b.example.com -all", "permerror", "6"),
    ("v=spf1 foo=bar -all", "valid", "6"),
    ("v=spf1 bogus:thing -all", "permerror", "5"),
    ("v=spf1 all:foo", "permerror", "5.1"),
    ("v=spf1 -all ip4:192.0.2.1", "valid", "5.1"),
    ("v=spf1 a:%{d}.example.com -all", "valid", "7.1"),
    ("v=spf1 mx:%{d}", "valid", "7.1"),
    ("v=spf1 a:%{z}.example.com -all", "permerror", "7.1"),
    ("v=spf1 a:%{c}.example.com -all", "permerror", "7.2"),
    ("v=spf1 a:foo%.example.com -all", "permerror", "7.1"),
    ("v=spf1 ip4:192.0.2.1\t-all", "permerror", "12"),
    (b"v=spf1 ip4:192.0.2.1 \xe9 -all", "permerror", "3.1"),
    ("v=spf1 ~all", "valid", "5.1"),
    ("v=spf1 ?all", "valid", "5.1"),
    ("v=spf1 +all", "valid:pass_all", "5.1"),
    ("v=spf1 ip4:192.0.2.1 all", "valid:pass_all", "5.1"),
    ("v=spf1 ptr -all", "valid:ptr", "5.5"),
    ("v=spf1 ptr:example.com -all", "valid:ptr", "5.5"),
]

OUTCOMES = {"valid": "valid", "permerror": "invalid", "valid:pass_all": "pass_all",
            "valid:ptr": "ptr"}


def _spf_verdict(record: str | bytes) -> str:
    text = record.decode("utf-8", "backslashreplace") if isinstance(record, bytes) else record
    if not is_spf_record(record):
        return "not spf"
    raw = record if isinstance(record, bytes) else record.encode()
    answer = DnsAnswer("example.com", "TXT", (text,), 300, "lab", raw=(raw,))
    facts = SpfFacts("example.com", answer, (text,), raw=raw)
    return evaluate(facts)[0].outcome


@pytest.mark.parametrize(("record", "answer", "section"), SPF_SHAPES,
                         ids=[str(r[0]) for r in SPF_SHAPES])
def test_spf_shape(record: str | bytes, answer: str, section: str) -> None:
    expected = "not spf" if answer == "not spf" else OUTCOMES[answer]
    assert _spf_verdict(record) == expected, f"RFC 7208 §{section}"


# (record, RFC 7489's answer, section). "discarded": not a DMARC record (§6.6.3 step 2);
# "no dmarc": receivers apply no DMARC (§6.6.3 step 6); else the policy failing mail gets.
DMARC_SHAPES: list[tuple[str, str, str]] = [
    ("v=DMARC1; p=none", "none", "6.3"),
    ("v=DMARC1; p=quarantine", "quarantine", "6.3"),
    ("v=DMARC1; p=reject", "reject", "6.3"),
    ("v=DMARC1;p=reject", "reject", "6.4"),
    ("v = DMARC1; p = reject", "reject", "6.4"),
    ("v=DMARC1\t;\tp=reject", "reject", "6.4"),
    ("v=DMARC1 ; p=reject ;", "reject", "6.4"),
    ("V=DMARC1; p=reject", "reject", "6.4"),
    ("v=DMARC1; p=REJECT", "reject", "6.4"),
    ("v=dmarc1; p=reject", "discarded", "6.4"),
    (" v=DMARC1; p=reject", "discarded", "6.6.3"),
    ("p=reject; v=DMARC1", "discarded", "6.6.3"),
    ("v=DMARC2; p=reject", "discarded", "6.6.3"),
    ("v=DMARC10; p=reject", "discarded", "6.6.3"),
    ("v=spf1 -all", "discarded", "6.6.3"),
    ("v=DMARC1", "no dmarc", "6.6.3"),
    ("v=DMARC1; p=bogus", "no dmarc", "6.6.3"),
    ("v=DMARC1; adkim=s; aspf=s", "no dmarc", "6.6.3"),
    ("v=DMARC1; rua=mailto:d@example.com", "none", "6.6.3"),
    ("v=DMARC1; p=bogus; rua=mailto:d@example.com", "none", "6.6.3"),
    ("v=DMARC1; p=quarantine; pct=0", "none", "6.6.4"),
    ("v=DMARC1; p=reject; pct=0", "quarantine", "6.6.4"),
    ("v=DMARC1; p=reject; pct=50", "reject/quarantine", "6.6.4"),
    ("v=DMARC1; p=quarantine; pct=20", "quarantine/none", "6.6.4"),
    ("v=DMARC1; p=reject; pct=100", "reject", "6.3"),
    ("v=DMARC1; p=reject; pct=150", "reject", "6.3"),
    ("v=DMARC1; p=reject; pct=abc", "reject", "6.3"),
    ("v=DMARC1; p=none; pct=0", "none", "6.6.4"),
    ("v=DMARC1; p=reject; foo=bar", "reject", "6.3"),
    ("v=DMARC1; p=reject; sp=none", "reject", "6.3"),
    ("v=DMARC1; p=reject; sp=bogus", "reject", "6.3"),
    ("v=DMARC1; p=reject; adkim=x", "reject", "6.3"),
    ("v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.net", "reject", "6.2"),
    ("v=DMARC1; p=reject; rua=mailto:a@example.com!10m", "reject", "6.2"),
    ("v=DMARC1; p=reject; rua=notauri", "reject", "6.2"),
    ("v=DMARC1; rua=mailto:d@", "no dmarc", "6.2"),
    ("v=DMARC1; rua=mailto:@example.com", "no dmarc", "6.2"),
    ("v=DMARC1; rua=mailto:d@[192.0.2.1]", "no dmarc", "6.2"),
    ("v=DMARC1; rua=mailto:d@example..com", "no dmarc", "6.2"),
    ("v=DMARC1; rua=mailto:d@" + "a" * 64 + ".example", "no dmarc", "6.2"),
    ("v=DMARC1; rua=mailto:d@" + ("a" * 50 + ".") * 5 + "example", "no dmarc", "6.2"),
    ("v=DMARC1; rua=mailto:d@example.com.", "none", "6.2"),
]


def _dmarc_verdict(record: str) -> str:
    if not is_dmarc_record(record):
        return "discarded"
    parsed = parse(record)
    if parsed.error or parsed.policy is None:
        return "no dmarc"
    sampled, rest = effective_policy(parsed.policy, parsed.pct)
    return sampled if rest is None else f"{sampled}/{rest}"


@pytest.mark.parametrize(("record", "answer", "section"), DMARC_SHAPES,
                         ids=[r[0] for r in DMARC_SHAPES])
def test_dmarc_shape(record: str, answer: str, section: str) -> None:
    assert _dmarc_verdict(record) == answer, f"RFC 7489 §{section}"


@pytest.mark.parametrize(
    ("record", "tag", "expected"),
    [
        ("v=DMARC1; p=reject; sp=none", "subdomain_policy", "none"),
        ("v=DMARC1; p=reject; sp=bogus", "subdomain_policy", None),
        ("v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@Example.NET",
         "rua_hosts", ("example.com", "example.net")),
        ("v=DMARC1; p=reject; rua=mailto:a@example.com!10m", "rua_hosts", ("example.com",)),
        ("v=DMARC1; p=reject; rua=notauri", "rua_hosts", ()),
        ("v=DMARC1; p=reject; rua=mailto:a@,mailto:b@example.com", "rua_hosts", ("example.com",)),
        ("v=DMARC1; p=reject; pct=150", "pct", 100),
    ],
)
def test_dmarc_tags(record: str, tag: str, expected: object) -> None:
    parsed = parse(record)
    value = tuple(u.host for u in parsed.rua) if tag == "rua_hosts" else getattr(parsed, tag)
    assert value == expected


def test_at_least_thirty_shapes_each() -> None:
    assert len(SPF_SHAPES) >= 30 and len(DMARC_SHAPES) >= 30
