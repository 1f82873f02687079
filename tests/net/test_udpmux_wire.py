"""The batch socket's hand-packed query wire is byte for byte what dnspython renders."""

from __future__ import annotations

import dns.edns
import dns.message
import dns.name
from hypothesis import given
from hypothesis import strategies as st

from preflight.net._udpmux import query_wire

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=63)
NAME = st.lists(LABEL, min_size=1, max_size=6).map(".".join)
RDTYPE = st.sampled_from(["A", "AAAA", "TXT", "PTR", "MX", "NS", "CNAME", "SOA", "SPF", "CAA"])


@given(name=NAME, rdtype=RDTYPE, qid=st.integers(0, 0xFFFF), edns=st.booleans(),
       payload=st.integers(512, 65535), dnssec=st.booleans())
def test_same_bytes_as_dnspython(name: str, rdtype: str, qid: int, edns: bool, payload: int,
                                 dnssec: bool) -> None:
    query = dns.message.make_query(dns.name.from_text(name), rdtype,
                                   use_edns=0 if edns else None, payload=payload,
                                   want_dnssec=dnssec and edns)
    query.id = qid
    assert query_wire(query) == query.to_wire()


def test_other_shapes_fall_back_to_dnspython() -> None:
    # An EDNS option, or a second question: rendered by dnspython, still equal.
    with_option = dns.message.make_query("a.test", "A", use_edns=0,
                                         options=[dns.edns.GenericOption(65001, b"x")])
    two = dns.message.make_query("a.test", "A")
    two.question.append(dns.message.make_query("b.test", "A").question[0])
    for query in (with_option, two):
        assert query_wire(query) == query.to_wire()
