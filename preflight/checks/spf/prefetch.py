"""Ask ahead, together, every question the SPF walks will ask: one round trip per include level.

pyspf (``check_host`` per new IP) and checkdmarc (lookup counting) each walk a record's include
tree one question at a time. Before they start, :func:`prefetch` walks the same tree through the
run's DNS client, asking each level's questions at once and each dependent question as soon as
the answer it depends on arrives — so the walks find every answer in the client's memo:

* ``include:``/``redirect=`` targets: TXT (both walks), SPF type and CNAME (checkdmarc's
  deprecated-type warning and TXT/CNAME conflict check), and a CNAME target's TXT;
* ``a``: A and AAAA; ``mx``: MX, then the exchanges' A and AAAA; ``exists:``: A;
  ``ptr``: A and AAAA of its domain (checkdmarc's check); ``exp=``: TXT.

Terms with macros depend on the sender or the IP and are left to the walks. Nothing here
decides anything: an answer or a failure only fills the memo. The walk is bounded (levels,
targets, exchanges per MX) like the RFC 7208 §4.6.4 limits it mirrors, so a hostile zone cannot
make it ask without end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable

from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.rfc.spf import is_spf_record

MAX_LEVELS = 11
"""Include/redirect levels followed (one more than RFC 7208's 10 lookups, so the walks see
the answer that makes them give up)."""
MAX_TARGETS = 40
"""Distinct names asked about in all (the walks stop at 10 lookups, 2 void lookups)."""
MAX_EXCHANGES = 10
"""MX exchanges whose addresses are asked (RFC 7208 §4.6.4: at most 10)."""


def prefetch(dns: DnsClient, domain: str, record: str) -> None:
    """Fill ``dns``'s memo with the answers the SPF walks of ``record`` (at ``domain``) need."""
    asyncio.run(_Walk(dns).record(record, domain, 1))


class _Walk:
    def __init__(self, dns: DnsClient) -> None:
        self.dns = dns
        self.seen: set[tuple[str, str]] = set()

    def ask(self, name: str, rdtype: str) -> Awaitable[DnsAnswer | DnsError] | None:
        key = (name.lower().rstrip("."), rdtype)
        if key in self.seen or len({n for n, _ in self.seen}) >= MAX_TARGETS:
            return None
        self.seen.add(key)
        return self.dns.aask(name, rdtype)

    async def record(self, record: str, domain: str, level: int) -> None:
        """Ask everything the terms of ``record`` need, all at once."""
        await _together(self.term(term, domain, level) for term in record.split(" ")[1:])

    async def term(self, term: str, domain: str, level: int) -> None:
        body = term.lstrip("+-~?").lower()
        name, _, value = body.partition(":") if ":" in body else body.partition("=")
        name, _, _cidr = name.partition("/")
        target = value.partition("/")[0] if value else domain
        if not target or "%" in target:
            return
        if name in ("include", "redirect") and value:
            await self.target(target, level)
        elif name in ("a", "ptr"):
            await _together(self.ask(target, t) for t in ("A", "AAAA"))
        elif name == "mx":
            await self.exchanges(target)
        elif name == "exists" and value:
            await _together([self.ask(target, "A")])
        elif name == "exp" and value:
            await _together([self.ask(target, "TXT")])

    async def target(self, name: str, level: int) -> None:
        """An include/redirect target: its record (then its terms), SPF type, CNAME."""
        if level > MAX_LEVELS:
            return
        await _together([self.follow(name, level), self.ask(name, "SPF"), self.alias(name)])

    async def follow(self, name: str, level: int) -> None:
        asked = self.ask(name, "TXT")
        if asked is None:
            return
        txt = await asked
        if isinstance(txt, DnsAnswer):
            found = [r for r in txt.records if is_spf_record(r)]
            if len(found) == 1:
                await self.record(found[0], name, level + 1)

    async def alias(self, name: str) -> None:
        asked = self.ask(name, "CNAME")
        if asked is None:
            return
        cname = await asked
        if isinstance(cname, DnsAnswer) and len(cname.records) == 1:
            await _together([self.ask(cname.records[0], "TXT")])

    async def exchanges(self, name: str) -> None:
        asked = self.ask(name, "MX")
        if asked is None:
            return
        mx = await asked
        if isinstance(mx, DnsAnswer):
            hosts = [host for _, host in mx.mx() if host not in ("", ".", "@")][:MAX_EXCHANGES]
            await _together(self.ask(h, t) for h in hosts for t in ("A", "AAAA"))


async def _together(steps: Iterable[Awaitable[object] | None]) -> None:
    """Run the awaitables of ``steps`` (None for a question already asked) side by side."""
    pending = [step for step in steps if step is not None]
    if pending:
        await asyncio.gather(*pending)
