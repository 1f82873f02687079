"""The ``messages`` report section (JSON): per message, the path, the receiver's verdict, ours.

Shape (also in ``preflight/schema/report.schema.json``)::

    {"messages": [{
        "file": "test.eml", "size": 4242, "truncated": false, "problems": [],
        "found_by": "ip" | "guessed" | null, "receiving_index": 1,
        "hops": [{"index", "from_helo", "from_rdns", "from_ip", "by", "protocol", "tls",
                  "tls_version", "tls_cipher", "date", "ours", "receiving"}],     # oldest first
        "auth": [{"index", "authserv_id", "trusted", "untrusted_why", "parser",
                  "results": [{"method", "result", "identity"}]}],
        "verdicts": [{"method", "ours", "theirs"}],                             # spf, dkim, dmarc
        "dkim": [{"domain", "selector", "outcome", "detail"}],
        "spam": [{"name", "verdict", "detail", "receiver"}]
    }]}

Every string came from the message (attacker-controlled): bounded and cleaned here, escaped by
the renderers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from preflight.checks.message.authresults import receiver_verdicts
from preflight.checks.message.collect import MessageFacts
from preflight.checks.message.evaluate import METHODS, _identity, our_verdicts, receiver_result
from preflight.textsafe import clean


def _s(value: object, limit: int = 300) -> str | None:
    return None if value is None else clean(value, limit)


def message_entry(facts: MessageFacts, org: Callable[[str], str]) -> dict[str, Any]:
    """One message's part of the section."""
    ours_ips = set(facts.ips)
    receiving = facts.receiving.index if facts.receiving else None
    hops = [{
        "index": h.index, "from_helo": _s(h.from_helo), "from_rdns": _s(h.from_rdns), "from_ip": h.from_ip,
        "by": _s(h.by_host), "protocol": _s(h.protocol, 40), "tls": h.tls, "tls_version": h.tls_version,
        "tls_cipher": _s(h.tls_cipher, 80), "date": h.date, "ours": h.from_ip in ours_ips,
        "receiving": h.index == receiving,
    } for h in reversed(facts.hops[:50])]
    auth = [{
        "index": f.index, "authserv_id": _s(f.authserv_id), "trusted": f.trusted, "untrusted_why": f.untrusted_why,
        "parser": f.parser,
        "results": [{"method": _s(r.method, 40), "result": _s(r.result, 40), "identity": _s(_identity(r))}
                    for r in f.results[:20]],
    } for f in facts.auth]
    verdicts = []
    if facts.own is not None:
        ours, theirs = our_verdicts(facts, org), receiver_verdicts(facts.auth)
        for method in METHODS:
            found = receiver_result(theirs.get(method, ()))
            verdicts.append({"method": method, "ours": ours.get(method),
                             "theirs": _s(found.result, 40) if found else None})
    return {
        "file": _s(facts.file.name, 200), "size": facts.file.size, "truncated": facts.file.truncated,
        "problems": [p.value for p in facts.headers.problems],
        "found_by": facts.found_by, "receiving_index": receiving,
        "hops": hops, "auth": auth, "verdicts": verdicts,
        "dkim": [{"domain": _s(c.domain), "selector": _s(c.selector), "outcome": c.outcome.value,
                  "detail": _s(c.detail)} for c in (facts.own.dkim if facts.own else ())],
        "spam": [{"name": _s(s.name, 80), "verdict": s.verdict.value, "detail": _s(s.detail, 200),
                  "receiver": s.receiver} for s in facts.spam],
    }


def messages_section(all_facts: list[MessageFacts], org: Callable[[str], str]) -> list[dict[str, Any]]:
    """The whole section."""
    return [message_entry(f, org) for f in all_facts]
