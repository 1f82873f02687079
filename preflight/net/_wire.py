"""Query and response wire of the batch path's common shapes (private to :mod:`preflight.net.dns`).

A blocklist batch asks thousands of A/TXT questions whose answers come in a handful of shapes: an
address, a TXT reason, NXDOMAIN or NODATA with an SOA. Building a dnspython ``Message`` for each
question and parsing each response into one (names, rdatasets, hashing the SOA to add it to a set)
costs several times the rest of the query. This module packs the question directly and reads
those common response shapes with a small strict reader; anything else — CNAMEs, TC, an EDNS
option, an extended rcode, other record types or sections, any malformation — reads as ``None``
and :class:`~preflight.net.dns.DnsClient` hands the same bytes to ``dns.message.from_wire`` and
its usual interpretation. The reader accepts only what dnspython accepts, and a hypothesis test
holds the two paths to the same answer for any bytes, including garbage.
"""

from __future__ import annotations

import re
import struct
from typing import NamedTuple

import dns.ipv6
import dns.name

TYPES = {"A": 1, "AAAA": 28, "TXT": 16, "PTR": 12}
"""Question types of the fast path (as :class:`~preflight.net.dns.DnsClient` spells them)."""

_A, _NS, _SOA, _PTR, _TXT, _AAAA, _OPT = 1, 2, 6, 12, 16, 28, 41
_IN = 1
_QR, _TC, _AD = 0x8000, 0x0200, 0x0020
_OPCODE = 0x7800
_NXDOMAIN = 3
_MAX_HOPS = dns.name.MAX_COMPRESSION_POINTER_CHAIN
_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")
_U32 = struct.Struct("!I")

_LENGTHS = [bytes((n,)) for n in range(64)]
_TYPECLASS = {code: struct.pack("!HH", code, _IN) for code in TYPES.values()}
_POINTER_TO_QUESTION = b"\xc0\x0c"
_PLAIN = re.compile(r"[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?\Z")
_FLAGS_AND_COUNTS = struct.pack("!HHHHH", 0x0100 | _AD, 1, 0, 0, 1)
"""RD and AD (RFC 6840 §5.7), one question, one additional record (EDNS)."""
_OPT_RR = b"\x00" + struct.pack("!HHIH", _OPT, 1232, 0, 0)
"""EDNS version 0, 1,232 bytes of UDP payload, no flags, no options."""


class Question(NamedTuple):
    """A question the fast path can ask: its wire after the 16-bit id, its name to compare."""

    qname: str
    rdtype: str
    code: int
    labels: tuple[bytes, ...]
    """The name's labels, lower case (ASCII), without the root."""
    name: bytes
    """The name in wire form, as sent."""
    typeclass: bytes
    tail: bytes
    """The query after its 16-bit id."""


class Reading(NamedTuple):
    """What a response of a common shape says, in the terms of a ``DnsAnswer``."""

    records: tuple[str, ...]
    ttl: int | None
    nxdomain: bool
    authenticated: bool
    raw: tuple[bytes, ...]


def question(qname: str, rdtype: str) -> Question | None:
    """The question as the client's ``make_query`` would send it, or None for an unusual one.

    Only names of letters, digits, ``-`` and ``_`` (no escapes, no IDNA) and the types of
    :data:`TYPES`; the wire equals dnspython's (a test holds them equal).
    """
    code = TYPES.get(rdtype)
    if code is None or not _PLAIN.match(qname):
        return None
    text = qname[:-1] if qname[-1] == "." else qname
    name = b"".join([_LENGTHS[len(label)] + label for label in text.encode("ascii").split(b".")])
    if len(name) > 254:
        return None
    name += b"\x00"
    typeclass = _TYPECLASS[code]
    return Question(qname, rdtype, code, tuple(text.lower().encode("ascii").split(b".")), name,
                    typeclass, _FLAGS_AND_COUNTS + name + typeclass + _OPT_RR)


class _Unusual(Exception):
    """Not a shape this reader decides: dnspython reads the response."""


def read(data: bytes, question: Question, qid: int) -> Reading | None:
    """The response ``data`` to ``question`` sent with id ``qid``, or None if not a common shape.

    None covers everything dnspython must judge: another id or question, TC, an rcode other
    than NOERROR/NXDOMAIN, CNAMEs or other records, EDNS options, malformed or trailing bytes.
    """
    try:
        return _read(data, question, qid)
    except (_Unusual, IndexError, struct.error):
        return None


def _read(data: bytes, question: Question, qid: int) -> Reading:
    size = len(data)
    ident, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(data)
    rcode = flags & 0xF
    if (ident != qid or not flags & _QR or flags & (_OPCODE | _TC) or qdcount != 1
            or rcode not in (0, _NXDOMAIN) or (rcode and ancount)):
        raise _Unusual
    name = question.name
    pos = 12 + len(name)
    # ``owned``: the answers' owner written as a pointer to the question is the question's name
    # (when that is the plain name sent; else it is read, for pointer chains and limits).
    owned = _POINTER_TO_QUESTION if data[12:pos] == name else None
    if owned is None:  # not the bytes sent (0x20 mixed case, compression): read it
        labels, pos = _name(data, 12, size)
        if _lower(labels) != question.labels:
            raise _Unusual
    if data[pos:pos + 4] != question.typeclass:
        raise _Unusual
    pos += 4
    want = question.code
    records: list[str] = []
    raw: list[bytes] = []
    seen: set[object] = set()
    ttl: int | None = None
    for _ in range(ancount):
        if data[pos:pos + 2] == owned:
            pos += 2
        else:
            labels, pos = _name(data, pos, size)
            if _lower(labels) != question.labels:
                raise _Unusual
        rdtype, rdclass, rttl, rdlen = _RR.unpack_from(data, pos)
        pos += 10
        end = pos + rdlen
        if rdtype != want or rdclass != _IN or end > size:
            raise _Unusual
        record, key, joined = _rdata(data, pos, end, want)
        rttl = 0 if rttl > 0x7FFFFFFF else rttl  # as dnspython reads it
        ttl = rttl if ttl is None or rttl < ttl else ttl
        if key not in seen:
            seen.add(key)
            records.append(record)
            raw.append(joined)
        pos = end
    negative: int | None = None
    soa = False
    for _ in range(nscount):
        _, pos = _name(data, pos, size)
        rdtype, rdclass, rttl, rdlen = _RR.unpack_from(data, pos)
        pos += 10
        end = pos + rdlen
        if rdclass != _IN or end > size:
            raise _Unusual
        if rdtype == _SOA and not soa:
            soa = True
            _, at = _name(data, pos, end)
            _, at = _name(data, at, end)
            if at + 20 != end:
                raise _Unusual
            negative = min(0 if rttl > 0x7FFFFFFF else rttl, _U32.unpack_from(data, at + 16)[0])
        elif rdtype == _NS:
            if _name(data, pos, end)[1] != end:
                raise _Unusual
        else:  # a second SOA (dnspython keeps the last), DNSSEC records, anything else
            raise _Unusual
        pos = end
    opt = False
    for _ in range(arcount):
        labels, pos = _name(data, pos, size)
        rdtype, rdclass, rttl, rdlen = _RR.unpack_from(data, pos)
        pos += 10
        if rdtype == _OPT:
            # The one OPT, owned by the root, no options, no extended rcode bits.
            if opt or labels or rdlen or rttl >> 24:
                raise _Unusual
            opt = True
        elif not (rdclass == _IN and ((rdtype == _A and rdlen == 4)
                                      or (rdtype == _AAAA and rdlen == 16))):
            raise _Unusual
        pos += rdlen
    if pos != size:
        raise _Unusual  # trailing bytes, or a record running past the end
    if rcode == _NXDOMAIN:
        return Reading((), negative, True, False, ())
    if not records:
        return Reading((), negative, False, False, ())
    return Reading(tuple(records), ttl, False, bool(flags & _AD),
                   tuple(raw) if want == _TXT else ())


def _rdata(data: bytes, pos: int, end: int, rdtype: int) -> tuple[str, object, bytes]:
    """(text as ``DnsAnswer`` shows it, the record's identity in its rdataset, TXT bytes)."""
    if rdtype == _A:
        if end - pos != 4:
            raise _Unusual
        return f"{data[pos]}.{data[pos + 1]}.{data[pos + 2]}.{data[pos + 3]}", data[pos:end], b""
    if rdtype == _AAAA:
        if end - pos != 16:
            raise _Unusual
        address = data[pos:end]
        return dns.ipv6.inet_ntoa(address), address, b""
    if rdtype == _TXT:
        strings = []
        while pos < end:
            count = data[pos]
            pos += 1
            if pos + count > end:
                raise _Unusual
            strings.append(data[pos:pos + count])
            pos += count
        if not strings:
            raise _Unusual
        joined = b"".join(strings)
        return joined.decode("utf-8", errors="backslashreplace"), tuple(strings), joined
    labels, at = _name(data, pos, end)  # PTR
    if at != end:
        raise _Unusual
    text = dns.name.Name((*labels, b"")).to_text(omit_final_dot=True).lower()
    return text, _lower(labels), b""


def _lower(labels: list[bytes]) -> tuple[bytes, ...]:
    return tuple([label.lower() for label in labels])


def _name(data: bytes, pos: int, end: int) -> tuple[list[bytes], int]:
    """A possibly compressed name at ``pos`` read as dnspython reads it: labels (without the
    root) and the position after it; pointers only backwards, never into the name itself, at
    most :data:`_MAX_HOPS` of them, 255 bytes in all."""
    labels: list[bytes] = []
    start = pos
    after = -1
    hops = 0
    total = 1
    while True:
        if pos >= end:
            raise _Unusual
        count = data[pos]
        pos += 1
        if count == 0:
            break
        if count < 64:
            if pos + count > end:
                raise _Unusual
            labels.append(data[pos:pos + count])
            pos += count
            total += count + 1
        elif count >= 192:
            if pos >= end:
                raise _Unusual
            target = (count & 0x3F) << 8 | data[pos]
            pos += 1
            if target >= start:
                raise _Unusual
            hops += 1
            if hops > _MAX_HOPS:
                raise _Unusual
            if after < 0:
                after = pos
            end = start  # the target must end before the part already read begins
            pos = start = target
        else:
            raise _Unusual
    if total > 255:
        raise _Unusual
    return labels, pos if after < 0 else after
