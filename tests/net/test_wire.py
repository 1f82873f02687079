"""The batch path's own wire reader says exactly what dnspython's reading says, for any bytes.

``DnsClient`` reads the common response shapes of a batch (A/AAAA/TXT/PTR answers, NXDOMAIN and
NODATA with an SOA) with :mod:`preflight.net._wire` and hands anything else to
``dns.message.from_wire`` + ``_interpret``. Both readings are fed the same bytes here: rendered
by dnspython (with its name compression), hand-built with every field varied (ids, flags,
questions, record types and classes, TTLs past 2^31, compression pointers forwards, backwards,
into themselves and in loops, EDNS, trailing bytes), then mutated, truncated or pure garbage.
Whenever the fast reader gives an answer it must equal the DnsAnswer of the dnspython path; and
for the common shapes it must give one (else the fast path would be dead code).
"""

from __future__ import annotations

import asyncio
import dataclasses
import struct
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import dns.zone
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.environment import lab_dns, zones_dir
from preflight.net import _wire
from preflight.net._udpmux import query_wire, read_response
from preflight.net.checkdmarc_bridge import MemoResolver
from preflight.net.dns import (
    DnsAnswer,
    DnsClient,
    DnsConfig,
    DnsError,
    Nameserver,
    transport_reason,
)

NS = Nameserver("127.0.0.1", 5353)
CLIENT = DnsClient(DnsConfig((NS,)))
QID = 0x1234

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                min_size=1, max_size=20)
NAME = st.lists(LABEL, min_size=1, max_size=5).map(".".join)
RDTYPE = st.sampled_from(sorted(_wire.TYPES))


def generic(qname: str, rdtype: str, qid: int, data: bytes) -> object:
    """What the dnspython path makes of ``data`` (the mux's reading, then ``_interpret``)."""
    query, name = CLIENT._message(qname, rdtype)
    query.id = qid
    try:
        response = read_response(query, data)
    except Exception as exc:  # noqa: BLE001 - as _aexchange: any failure to read is a reason
        return transport_reason(exc)
    if response.flags & dns.flags.TC:
        return "asked again over TCP"
    return CLIENT._interpret(qname, rdtype, name, response, NS)


def fast(qname: str, rdtype: str, qid: int, data: bytes) -> DnsAnswer | None:
    asked = _wire.question(qname, rdtype)
    assert asked is not None
    return CLIENT._read_common(asked, data, qid, NS)


def same(qname: str, rdtype: str, data: bytes, qid: int = QID) -> DnsAnswer | None:
    """Assert the two readings agree wherever the fast one answers; return the fast answer."""
    got = fast(qname, rdtype, qid, data)
    if got is not None:
        assert got == generic(qname, rdtype, qid, data), data.hex()
    return got


# -- responses rendered by dnspython ------------------------------------------------------------

def rdata_text(rdtype: str, draw: st.DrawFn) -> str:
    if rdtype == "A":
        return ".".join(str(draw(st.integers(0, 255))) for _ in range(4))
    if rdtype == "AAAA":
        groups = draw(st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8))
        return ":".join(f"{g:x}" for g in groups)
    if rdtype == "TXT":
        strings = draw(st.lists(st.binary(max_size=40), min_size=1, max_size=3))
        return " ".join('"' + "".join(f"\\{b:03d}" for b in s) + '"' for s in strings)
    return draw(NAME) + draw(st.sampled_from([".", ".Example.", ".test."]))


@st.composite
def rendered(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """A response dnspython renders (compressing names): answer, NXDOMAIN or NODATA."""
    qname, rdtype = draw(NAME), draw(RDTYPE)
    query = dns.message.make_query(qname, rdtype, use_edns=0, payload=1232, id=QID)
    response = dns.message.make_response(query)
    owner = dns.name.from_text(draw(st.sampled_from([qname, qname.upper(), qname.lower()])))
    shape = draw(st.sampled_from(["answer", "nxdomain", "nodata"]))
    if shape == "answer":
        for _ in range(draw(st.integers(1, 4))):
            rrset = response.find_rrset(response.answer, owner, dns.rdataclass.IN,
                                         dns.rdatatype.from_text(rdtype), create=True)
            rrset.add(dns.rdata.from_text("IN", rdtype, rdata_text(rdtype, draw)),
                      draw(st.integers(0, 2**32 - 1)))
    else:
        response.set_rcode(dns.rcode.NXDOMAIN if shape == "nxdomain" else dns.rcode.NOERROR)
    if shape != "answer" or draw(st.booleans()):
        zone = dns.name.from_text(draw(st.sampled_from([qname.split(".", 1)[-1], "test"])))
        soa = dns.rrset.from_text(zone, draw(st.integers(0, 2**32 - 1)), "IN", "SOA",
                                  f"ns.{zone} host.{zone} 1 2 3 4 {draw(st.integers(0, 2**32 - 1))}")
        if draw(st.booleans()):
            response.authority.append(soa)
    if draw(st.booleans()):
        response.authority.append(dns.rrset.from_text(owner, 300, "IN", "NS", "ns1.example."))
        response.additional.append(dns.rrset.from_text("ns1.example.", 300, "IN", "A", "192.0.2.1"))
    if draw(st.booleans()):
        response.flags |= dns.flags.AD
    if not draw(st.booleans()):
        response.use_edns(None)
    return qname, rdtype, response.to_wire(want_shuffle=False)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(rendered())
def test_common_shapes_are_read_fast_and_the_same(case: tuple[str, str, bytes]) -> None:
    qname, rdtype, data = case
    got = same(qname, rdtype, data)
    assert got is not None, data.hex()  # the common shapes do take the fast path


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(rendered(), st.data())
def test_mutated_responses_read_the_same_or_fall_back(case: tuple[str, str, bytes],
                                                     data: st.DataObject) -> None:
    qname, rdtype, wire = case
    buf = bytearray(wire)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "trail"]))
        at = data.draw(st.integers(0, max(0, len(buf) - 1)))
        if kind == "flip" and buf:
            buf[at] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = data.draw(st.binary(min_size=1, max_size=4))
        else:
            buf += data.draw(st.binary(min_size=1, max_size=4))
    same(qname, rdtype, bytes(buf))


@given(NAME, RDTYPE, st.binary(max_size=600))
@example("a.test", "A", b"")
@example("a.test", "A", struct.pack("!HHHHHH", QID, 0x8180, 1, 0, 0, 0))
def test_garbage_reads_the_same_or_falls_back(qname: str, rdtype: str, data: bytes) -> None:
    same(qname, rdtype, data)
    same(qname, rdtype, struct.pack("!H", QID) + data)  # behind the right id


# -- hand-built responses: every field varied ---------------------------------------------------

def label_bytes(labels: list[bytes]) -> bytes:
    return b"".join(bytes((len(label),)) + label for label in labels) + b"\x00"


@st.composite
def names_at(draw: st.DrawFn, qlabels: list[bytes]) -> bytes:
    """A name in wire form: the question's (any case), a pointer to it, another, or odd bytes."""
    choice = draw(st.sampled_from(["same", "pointer", "other", "upper", "odd", "loop"]))
    if choice == "same":
        return label_bytes(qlabels)
    if choice == "upper":
        return label_bytes([label.upper() for label in qlabels])
    if choice == "pointer":  # to the question (offset 12), or anywhere
        target = draw(st.one_of(st.just(12), st.integers(0, 0x3FFF)))
        prefix = draw(st.lists(st.sampled_from([b"x", b"ns", b"A"]), max_size=2))
        return b"".join(bytes((len(p),)) + p for p in prefix) + struct.pack("!H", 0xC000 | target)
    if choice == "other":
        return label_bytes(draw(st.lists(LABEL.map(str.encode), min_size=0, max_size=3)))
    if choice == "loop":  # a pointer to itself or to a pointer pointing back to it
        return struct.pack("!H", 0xC000 | draw(st.integers(12, 200)))
    return draw(st.binary(min_size=1, max_size=8))


def valid_name(qlabels: list[bytes], draw: st.DrawFn) -> bytes:
    other = label_bytes(draw(st.lists(LABEL.map(str.encode), min_size=0, max_size=3)))
    return draw(st.sampled_from([label_bytes(qlabels), b"\xc0\x0c", other,
                                 b"\x02mx\xc0\x0c", label_bytes([q.upper() for q in qlabels])]))


def valid_rdata(rdtype: int, qlabels: list[bytes], draw: st.DrawFn) -> bytes:
    if rdtype == 1:
        return draw(st.binary(min_size=4, max_size=4))
    if rdtype == 28:
        return draw(st.binary(min_size=16, max_size=16))
    if rdtype == 16:
        strings = draw(st.lists(st.binary(max_size=30), min_size=1, max_size=3))
        return b"".join(bytes((len(s),)) + s for s in strings)
    if rdtype in (12, 2, 5):
        return valid_name(qlabels, draw)
    if rdtype == 6:
        return valid_name(qlabels, draw) + valid_name(qlabels, draw) + struct.pack(
            "!IIIII", 1, 2, 3, 4, draw(st.sampled_from([0, 60, 0xFFFFFFFF])))
    if rdtype == 41:
        return draw(st.sampled_from([b"", b"", b"\x00\x0a\x00\x02ab", b"\x00\x0f\x00\x02\x00\x01"]))
    return draw(st.binary(max_size=10))


@st.composite
def record(draw: st.DrawFn, qlabels: list[bytes], code: int, section: str) -> bytes:
    """A record that fits ``section``'s common shape, or one with a field changed."""
    rdtype = {"answer": code, "authority": draw(st.sampled_from([6, 2])),
              "additional": draw(st.sampled_from([41, 1, 28]))}[section]
    owner = draw(st.sampled_from([label_bytes(qlabels), b"\xc0\x0c",
                                  label_bytes([q.upper() for q in qlabels])]))
    if section != "answer":
        owner = b"\x00" if rdtype == 41 else label_bytes([b"zone", b"test"])
    rdclass, ttl = 1, draw(st.sampled_from([0, 300, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]))
    if rdtype == 41:
        rdclass, ttl = draw(st.sampled_from([512, 1232, 4096])), draw(st.sampled_from([0, 0x8000]))
    rdata, delta = valid_rdata(rdtype, qlabels, draw), 0
    change = draw(st.sampled_from(["none"] * 20 + ["owner", "type", "class", "ttl", "rdata",
                                                   "rdlen"]))
    if change == "owner":
        owner = draw(names_at(qlabels))
    elif change == "type":
        rdtype = draw(st.sampled_from([1, 28, 16, 12, 5, 6, 2, 41, 46, 250, 99]))
        if draw(st.booleans()):
            rdata = valid_rdata(rdtype, qlabels, draw)
    elif change == "class":
        rdclass = draw(st.sampled_from([3, 255, 254, 1232]))
    elif change == "ttl":
        ttl = draw(st.sampled_from([0x01000000, 0x10000000, 0x00010000, 0xFFFFFFFF]))
    elif change == "rdata":
        rdata = draw(st.one_of(st.binary(max_size=20), names_at(qlabels)))
    elif change == "rdlen":
        delta = draw(st.sampled_from([-2, -1, 1, 2]))
    return owner + struct.pack("!HHIH", rdtype, rdclass, ttl, max(0, len(rdata) + delta)) + rdata


@st.composite
def built(draw: st.DrawFn) -> tuple[str, str, bytes]:
    qname, rdtype = draw(NAME), draw(RDTYPE)
    code = _wire.TYPES[rdtype]
    qlabels = [label.encode() for label in qname.split(".")]
    flags = draw(st.sampled_from([0x8180, 0x8180, 0x8183, 0x8183, 0x81A0, 0x8580, 0x84A3,
                                  0x8380, 0x8182, 0x0100, 0x8980, 0x81C0, 0x8185, 0x8190]))
    counts = [draw(st.integers(0, 3)), draw(st.integers(0, 2)), draw(st.integers(0, 2))]
    qdcount = draw(st.sampled_from([1] * 8 + [0, 2]))
    qid = draw(st.sampled_from([QID] * 8 + [QID ^ 1]))
    question = draw(st.sampled_from([label_bytes(qlabels)] * 4 + [b"", label_bytes(
        [q.upper() for q in qlabels])])) or draw(names_at(qlabels))
    question += struct.pack("!HH", draw(st.sampled_from([code] * 8 + [5, 255])),
                            draw(st.sampled_from([1] * 8 + [3])))
    sections = [draw(record(qlabels, code, section))
                for section, count in zip(("answer", "authority", "additional"), counts)
                for _ in range(count)]
    wire = struct.pack("!HHHHHH", qid, flags, qdcount, *counts) + question + b"".join(sections)
    if draw(st.integers(0, 19)) == 0:
        wire += draw(st.binary(min_size=1, max_size=3))
    return qname, rdtype, wire


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(built())
def test_hand_built_responses_read_the_same_or_fall_back(case: tuple[str, str, bytes]) -> None:
    same(*case)


HEADER_1_0 = struct.pack("!HHHHHH", QID, 0x8180, 1, 0, 0, 0)
HEADER_1_1 = struct.pack("!HHHHHH", QID, 0x8180, 1, 1, 0, 0)


@pytest.mark.parametrize(("rdtype", "wire"), [
    # the question's name is a pointer to itself (offset 12)
    ("A", HEADER_1_0 + b"\xc0\x0c\x00\x01\x00\x01"),
    # a forward pointer
    ("A", HEADER_1_0 + b"\xc0\x20\x00\x01\x00\x01"),
    # a pointer into the header, reading past the header's end
    ("A", HEADER_1_0 + b"\xc0\x0a\x00\x01\x00\x01"),
    # an answer owned by the question's name, its PTR target pointing to itself (offset 36)
    ("PTR", HEADER_1_1 + b"\x01a\x04test\x00\x00\x0c\x00\x01"
     + b"\xc0\x0c\x00\x0c\x00\x01\x00\x00\x00\x3c\x00\x02\xc0\x24"),
    # two pointers chasing each other (36 -> 38 is forward; 38 -> 36 would loop)
    ("PTR", HEADER_1_1 + b"\x01a\x04test\x00\x00\x0c\x00\x01"
     + b"\xc0\x0c\x00\x0c\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x26\xc0\x24"),
])
def test_bad_pointers_are_left_to_dnspython(rdtype: str, wire: bytes) -> None:
    assert fast("a.test", rdtype, QID, wire) is None
    assert isinstance(generic("a.test", rdtype, QID, wire), str)  # dnspython refuses it too


PTR_QUESTION = b"\x01a\x04test\x00\x00\x0c\x00\x01"  # offsets 12-23; the root byte at 19
OPT = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"


def ptr_response(*rdatas: bytes, opt: bool = False) -> bytes:
    """A PTR response to ``a.test``: one answer (owner: a pointer to the question) per rdata."""
    header = struct.pack("!HHHHHH", QID, 0x8180, 1, len(rdatas), 0, 1 if opt else 0)
    answers = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", 12, 1, 60, len(r)) + r for r in rdatas)
    return header + PTR_QUESTION + answers + (OPT if opt else b"")


def stubs(count: int) -> bytes:
    """A PTR target whose one label (content at offset 37 in :func:`ptr_response`) holds
    ``count`` pointer stubs: the first to the question's root byte, each next to the one before."""
    content = b"\xc0\x13" + b"".join(bytes((0xC0, 37 + 2 * k)) for k in range(count - 1))
    return bytes((len(content),)) + content + b"\x00"


OVERLAP = (struct.pack("!HHHHHH", QID, 0x8180, 1, 0, 2, 0) + b"\x01a\x04test\x00\x00\x01\x00\x01"
           + b"\xc0\x0c" + struct.pack("!HHIH", 6, 1, 300, 24) + b"\xc0\x0c\xc0\x0c"
           + struct.pack("!IIIII", 1, 2, 3, 4, 2)
           + b"\xc0\x3b" + struct.pack("!HHIH", 2, 1, 300, 1) + b"\x00")
"""NODATA whose NS record's owner points to offset 59 (the SOA minimum's last byte, 2): a label
covering the pointer itself (60-61), ended by the NS type's first byte (0)."""


@pytest.mark.parametrize(("wire", "accepted"), [
    # a pointer into the name being read (offset 37, inside the name starting at 36)
    (ptr_response(b"\x01\x00\xc0\x25"), False),
    # a pointer whose target runs into the part already read (the label at 35 covers 36-37)
    (ptr_response(b"\xc0\x23", opt=True), False),
    (OVERLAP, False),
    # 16 pointer hops are allowed, 17 are not (dnspython's MAX_COMPRESSION_POINTER_CHAIN)
    (ptr_response(stubs(17), bytes((0xC0, 37 + 2 * 14))), True),
    (ptr_response(stubs(17), bytes((0xC0, 37 + 2 * 15))), False),
    # a name of 255 bytes is allowed, one of 256 is not
    (ptr_response(b"".join(b"\x3f" + b"x" * 63 for _ in range(3)) + b"\x3d" + b"y" * 61 + b"\x00"), True),
    (ptr_response(b"".join(b"\x3f" + b"x" * 63 for _ in range(3)) + b"\x3e" + b"y" * 62 + b"\x00"), False),
])
def test_pointer_and_length_limits_are_dnspythons(wire: bytes, accepted: bool) -> None:
    rdtype = "A" if wire is OVERLAP else "PTR"
    got = same("a.test", rdtype, wire)
    assert (got is not None) == accepted
    assert isinstance(generic("a.test", rdtype, QID, wire), DnsAnswer) == accepted


def test_the_overlap_case_is_otherwise_common() -> None:
    # the control for OVERLAP: the same response with the NS owner a plain name reads fast
    wire = OVERLAP[:60] + b"\x00" + OVERLAP[62:]
    assert same("a.test", "A", wire) == DnsAnswer("a.test", "A", (), 2, str(NS))


def test_compressed_common_answer_is_read_fast() -> None:
    # an answer whose owner points to the question, a PTR target pointing into the question
    wire = (struct.pack("!HHHHHH", QID, 0x8180, 1, 2, 0, 0) + b"\x01a\x04Test\x00\x00\x0c\x00\x01"
            + b"\xc0\x0c\x00\x0c\x00\x01\x00\x00\x00\x3c\x00\x05\x02mx\xc0\x0e"
            + b"\xc0\x0c\x00\x0c\x00\x01\x00\x00\x00\x1e\x00\x05\x02MX\xc0\x0e")
    got = same("A.test", "PTR", wire)
    assert got is not None and got.records == ("mx.test",) and got.ttl == 30


# -- the query ----------------------------------------------------------------------------------

@given(name=NAME, trailing_dot=st.booleans(), rdtype=RDTYPE, qid=st.integers(0, 0xFFFF))
def test_packed_question_is_the_client_query(name: str, trailing_dot: bool, rdtype: str,
                                             qid: int) -> None:
    qname = name + "." if trailing_dot else name
    asked = _wire.question(qname, rdtype)
    query, _ = CLIENT._message(qname, rdtype)
    query.id = qid
    assert asked is not None
    assert qid.to_bytes(2, "big") + asked.tail == query_wire(query) == query.to_wire()


@pytest.mark.parametrize(("qname", "rdtype"), [
    ("a..test", "A"), (".", "A"), ("@", "A"), ("", "A"), ("a\\.b.test", "A"), ("bücher.test", "A"),
    ("a b.test", "A"), ("x" * 64 + ".test", "A"), ("a.test", "MX"), ("a.test", "a"),
    ("a.test", "CNAME"), (".".join(["abcdefghi"] * 26), "A"),
])
def test_unusual_questions_are_left_to_dnspython(qname: str, rdtype: str) -> None:
    assert _wire.question(qname, rdtype) is None


# -- end to end: the batch path answers as the sync face does, for the whole lab ---------------

def lab_questions() -> list[tuple[str, str]]:
    tests_zones = Path(__file__).resolve().parent.parent / "zones"
    owners: set[str] = set()
    for path in [*sorted(zones_dir().glob("*.zone")), *sorted(tests_zones.glob("*.zone"))]:
        zone = dns.zone.from_file(str(path), relativize=False)
        owners.update(name.to_text(omit_final_dot=True) for name in zone.nodes)
    owners.update({"nonexistent.good.test", "deep.nonexistent.cases.test"})
    return [(owner, rdtype) for owner in sorted(owners)
            for rdtype in ("A", "AAAA", "TXT", "PTR", "MX", "CNAME")]


def test_batch_answers_equal_the_sync_answers_for_every_lab_name(dns_server: LabDnsServer) -> None:
    # Given every owner name the lab serves, asked for each common (and some other) type
    questions = lab_questions()
    host, port = dns_server.address
    config = DnsConfig((Nameserver(host, port),), timeout=2.0, retries=1)
    # When asked as one batch (fast reader) and one by one through the sync face (dnspython)
    batch = asyncio.run(DnsClient(config).agather(questions, limit=64))
    sync_client = DnsClient(config)
    one_by_one = [sync_client.ask(q, t) for q, t in questions]
    dns_server.reset_stats()  # tests after this one count the queries to some of these names
    # Then every answer (records, TTL, NXDOMAIN, CNAME chain, AD, TXT bytes) is the same, up to
    # the order of the records (the lab rotates them, as servers do)
    assert len(questions) > 300
    for question, a, b in zip(questions, batch, one_by_one):
        if isinstance(b, DnsError):
            assert isinstance(a, DnsError) and a.reason == b.reason, (question, a, b)
        else:
            assert isinstance(a, DnsAnswer), (question, a, b)
            assert dataclasses.replace(a, records=tuple(sorted(a.records)), raw=tuple(sorted(a.raw))) \
                == dataclasses.replace(b, records=tuple(sorted(b.records)), raw=tuple(sorted(b.raw))), \
                question


@pytest.mark.parametrize("kind", ["garbage", "servfail", "truncate", "refused", "none"])
def test_an_unusual_first_reply_hands_over_to_the_shared_logic(dns_server: LabDnsServer,
                                                                kind: str) -> None:
    # Given two servers, the first misbehaving for these names (or not), the second the lab
    with lab_dns(extra_dirs=[Path(__file__).resolve().parent.parent / "zones"]) as first:
        questions = [("mx.good.test", "A"), ("good.test", "TXT"), ("www.spf-cnv6.cases.test", "A"),
                     ("nonexistent.good.test", "A"), ("good.test", "MX")]
        if kind != "none":
            for qname, _ in questions:
                first.add_fault(qname, kind)
        servers = (Nameserver(*first.address), Nameserver(*dns_server.address))
        config = DnsConfig(servers, timeout=2.0, retries=0)
        # When asked as a batch (the fast path hands the first reply over) and one by one
        batch = asyncio.run(DnsClient(config).agather(questions))
        sync_client = DnsClient(config)
        one_by_one = [sync_client.ask(q, t) for q, t in questions]
    # Then both went on to the same answer (the second server's, where the first failed)
    for question, a, b in zip(questions, batch, one_by_one):
        assert isinstance(a, DnsAnswer) and a == b, (question, a, b)
    assert batch[2].cname_chain == ("v4host.cases.test",)


def test_a_batch_answer_serves_checkdmarc_as_a_sync_answer_does(dns_server: LabDnsServer) -> None:
    # Given the same questions answered through a batch (fast reader: the response kept as the
    # bytes received) and through the sync face (dnspython: the parsed message)
    questions = [("good.test", "TXT"), ("mx.good.test", "A"), ("mx.good.test", "AAAA"),
                 ("nothing.good.test", "TXT"), ("nonexistent.good.test", "A"),
                 ("10.2.0.192.in-addr.arpa", "PTR")]
    host, port = dns_server.address
    config = DnsConfig((Nameserver(host, port),), timeout=2.0, retries=0)
    batched, synced = DnsClient(config), DnsClient(config)
    answers = asyncio.run(batched.agather(questions))
    for qname, rdtype in questions:
        synced.ask(qname, rdtype)
    assert all(isinstance(a, DnsAnswer) and isinstance(a.response, bytes) for a in answers)
    dns_server.reset_stats()
    # When checkdmarc's resolver reads them from each client's memo
    # Then it sees the same records or the same absence, and sends nothing
    for qname, rdtype in questions:
        assert outcome(MemoResolver(batched), qname, rdtype) == \
            outcome(MemoResolver(synced), qname, rdtype), (qname, rdtype)
    assert dns_server.queries == 0


def outcome(resolver: dns.resolver.Resolver, qname: str, rdtype: str) -> object:
    try:
        answer = resolver.resolve(qname, rdtype)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers) as exc:
        return type(exc).__name__
    return (answer.rrset.ttl, sorted(r.to_text() for r in answer))


def test_a_silenced_client_sends_nothing_more_from_a_batch(dns_server: LabDnsServer) -> None:
    # Given a client told the resolver answers nothing (the runner's probe failed)
    host, port = dns_server.address
    client = DnsClient(DnsConfig((Nameserver(host, port),), timeout=2.0, retries=0))
    client.silence(DnsError(".", "NS", "the resolver did not answer", "-"))
    dns_server.reset_stats()
    # When a batch of plain (fast-path) and other questions is asked
    results = asyncio.run(client.agather([("mx.good.test", "A"), ("good.test", "MX")]))
    # Then each is could-not-check with the probe's words, and no packet went out
    assert all(isinstance(r, DnsError) and r.reason == "the resolver did not answer"
               for r in results)
    assert dns_server.queries == 0


# -- EDNS: the OPT record's extended rcode, owner and options (review) -------------------------

A_QUESTION = b"\x01a\x04test\x00\x00\x01\x00\x01"
A_ANSWER = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes((192, 0, 2, 1))


def with_opt(rcode: int, opt: bytes, answers: int = 1) -> bytes:
    """A response to ``a.test``/A (header rcode ``rcode``) with ``opt`` as its one additional."""
    header = struct.pack("!HHHHHH", QID, 0x8180 | rcode, 1, answers, 0, 1)
    return header + A_QUESTION + A_ANSWER * answers + opt


def opt_rr(ttl: int, owner: bytes = b"\x00", rdata: bytes = b"") -> bytes:
    return owner + struct.pack("!HHIH", 41, 1232, ttl, len(rdata)) + rdata


@pytest.mark.parametrize(("wire", "reason"), [
    # extended rcode 1 (high bits) + header 0: BADVERS (16), not NOERROR
    (with_opt(0, opt_rr(0x01000000)), "badvers"),
    # extended rcode 1 + header NXDOMAIN (3): 19 (BADMODE), not NXDOMAIN
    (with_opt(3, opt_rr(0x01000000), answers=0), "badmode"),
    # extended rcode 0x0F: a large code dnspython names by number
    (with_opt(0, opt_rr(0x0F000000), answers=0), None),
])
def test_an_extended_rcode_is_never_read_as_noerror_or_nxdomain(wire: bytes,
                                                                  reason: str | None) -> None:
    assert fast("a.test", "A", QID, wire) is None
    got = generic("a.test", "A", QID, wire)
    assert isinstance(got, str), got  # could not check: the server said something else
    if reason is not None:
        assert got == reason


@pytest.mark.parametrize("opt", [
    opt_rr(0, owner=b"\x01a\x00"),                           # not owned by the root
    opt_rr(0, rdata=b"\x00\x0a\x00\x08" + b"\x01" * 8),      # an option (a cookie)
    opt_rr(0) + opt_rr(0),                                    # two OPT records
])
def test_other_opt_shapes_are_left_to_dnspython(opt: bytes) -> None:
    header = struct.pack("!HHHHHH", QID, 0x8180, 1, 1, 0, opt.count(b"\x00\x29"))
    wire = header + A_QUESTION + A_ANSWER + opt
    assert fast("a.test", "A", QID, wire) is None


def test_the_edns_version_and_do_bit_do_not_change_the_reading() -> None:
    # EDNS version 1 and the DO bit (not the rcode bits) leave a common answer common
    for ttl in (0x00010000, 0x00008000):
        got = same("a.test", "A", with_opt(0, opt_rr(ttl)))
        assert got is not None and got.records == ("192.0.2.1",)
