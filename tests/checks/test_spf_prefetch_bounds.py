"""The SPF prefetch asks a bounded set of questions whatever the record says (review3).

A hostile zone (a record naming many include targets, loops, macros, an MX with many hosts)
must not make the prefetch ask without end: at most ``MAX_TARGETS`` names, each question once,
no name built from a macro (those depend on the sender and are the walks' own).
"""

from __future__ import annotations

import dns.zone

from preflight.checks.spf.prefetch import MAX_EXCHANGES, MAX_TARGETS, prefetch
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient, DnsConfig, Nameserver

RECORD = ("v=spf1 exists:%{i}.x.hostile.test include:%{d}.y.hostile.test mx:many.hostile.test "
          "include:loop.hostile.test "
          + " ".join(f"include:t{i}.hostile.test" for i in range(60)) + " -all")


def _txt(text: str) -> str:
    """A TXT record's data: ``text`` in character-strings of at most 255 bytes."""
    return " ".join(f'"{text[i:i + 255]}"' for i in range(0, len(text), 255))


ZONE = "\n".join([
    "$ORIGIN hostile.test.", "$TTL 300", "@ SOA ns hostmaster 1 3600 600 86400 300", "@ NS ns",
    "ns A 192.0.2.53", f"top TXT {_txt(RECORD)}",
    'loop TXT "v=spf1 include:top.hostile.test include:loop.hostile.test -all"',
    *(f"many MX {i} h{i}" for i in range(30)),
    *(f't{i} TXT "v=spf1 include:u{i}.hostile.test -all"' for i in range(60)),
]) + "\n"

def test_a_hostile_record_cannot_make_the_prefetch_ask_without_end() -> None:
    zone = dns.zone.from_text(ZONE, relativize=False)
    with LabDnsServer([zone]) as lab:
        client = DnsClient(DnsConfig((Nameserver(*lab.address),), timeout=10.0, retries=0))
        # When the prefetch walks the record
        prefetch(client, "top.hostile.test", RECORD)
        asked = [(q.name.lower().rstrip("."), q.rdtype) for q in lab.query_log]
    names = {name for name, _ in asked}
    # Then it asked about at most MAX_TARGETS names, each question once
    assert 0 < len(names) <= MAX_TARGETS
    assert len(asked) == len(set(asked))
    # And nothing built from a macro, and no more than MAX_EXCHANGES of the MX's hosts
    assert not [n for n in names if "%" in n or n.startswith(("x.", "y."))]
    assert len([n for n in names if n.startswith("h")]) <= MAX_EXCHANGES
