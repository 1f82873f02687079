"""SPF at latency: one round trip per include level, every walk answered from the run's memo.

No timing: a gate proxy in front of a real lab server lets questions through only in groups
(:class:`checks.gate.GroupGate`): the record's TXT, then each level of its include tree as one
group — include/redirect targets' TXT, SPF and CNAME, ``a``/``mx`` addresses, and the MX hosts'
addresses as soon as the MX answer is in. A client asking one question at a time leaves the
gate waiting and the groups come out wrong. pyspf and checkdmarc then walk the tree without a
question of their own: every question reaches the server exactly once.
"""

from __future__ import annotations

import dns.zone

from checks.gate import GroupGate
from preflight.checks import spf
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status
from preflight.net.dns import DnsClient, DnsConfig, Nameserver

ZONE = """
$ORIGIN waves.test.
$TTL 300
@      SOA ns hostmaster 1 3600 600 86400 300
@      NS  ns
ns     A   192.0.2.53
top    TXT "v=spf1 mx a include:inc1.waves.test include:inc2.waves.test -all"
top    MX  10 mx1
top    A   192.0.2.1
inc1   TXT "v=spf1 ip4:198.51.100.0/24 include:deep.waves.test -all"
inc2   TXT "v=spf1 a:host2.waves.test ~all"
deep   TXT "v=spf1 mx:mxd.waves.test -all"
mxd    MX  10 mx2
mx1    A   192.0.2.25
mx2    A   192.0.2.26
host2  A   192.0.2.27
"""

LEVELS = [
    {"top.waves.test TXT"},
    {"top.waves.test MX", "top.waves.test A", "top.waves.test AAAA",
     "inc1.waves.test TXT", "inc1.waves.test SPF", "inc1.waves.test CNAME",
     "inc2.waves.test TXT", "inc2.waves.test SPF", "inc2.waves.test CNAME"},
    {"mx1.waves.test A", "mx1.waves.test AAAA",
     "deep.waves.test TXT", "deep.waves.test SPF", "deep.waves.test CNAME",
     "host2.waves.test A", "host2.waves.test AAAA"},
    {"mxd.waves.test MX"},
    {"mx2.waves.test A", "mx2.waves.test AAAA"},
]


def test_each_include_level_is_asked_as_one_group_and_nothing_twice() -> None:
    zone = dns.zone.from_text(ZONE, relativize=False)
    with LabDnsServer([zone]) as lab:
        gate = GroupGate(lab.address, [len(level) for level in LEVELS], deadline=5.0)
        try:
            client = DnsClient(DnsConfig((Nameserver("127.0.0.1", gate.port),), timeout=10.0))
            # When the SPF of top.waves.test is checked for an IP it does not authorize
            facts = spf.collect(client, "top.waves.test", ("203.0.113.9",))
        finally:
            gate.close()
    # Then the questions went out level by level, each level as one group …
    assert gate.groups == LEVELS
    # … and pyspf's and checkdmarc's walks asked nothing more: each question once
    assert sorted(gate.asked) == sorted(set(gate.asked))
    # And the verdicts are the walks' own: record valid, 7 lookups counted, the IP not authorized
    statuses = {r.check_id: (r.status, r.params) for r in spf.evaluate(facts)}
    assert statuses["spf.record"][0] is Status.PASS
    assert statuses["spf.lookups"][0] is Status.PASS and facts.lookups == 7
    assert statuses["spf.authorizes"][0] is Status.FAIL
