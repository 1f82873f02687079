"""Collecting the facts of one saved message: pure reading, then our own verification (I/O).

:func:`read_facts` is pure (bytes in, facts out); :func:`collect` adds :mod:`.verify`'s DNS work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from preflight.checks.message.alignment import from_domains, mailbox_domain
from preflight.checks.message.authresults import (
    AuthResultsField,
    auth_fields,
    receiver_verdicts,
    trust,
)
from preflight.checks.message.headers import HeaderBlock, parse_headers
from preflight.checks.message.received import Hop, departure_hop, internet_hop, received_chain
from preflight.checks.message.senderrules import SenderRules, sender_rules
from preflight.checks.message.source import MessageFile
from preflight.checks.message.spamsignals import SpamSignal, spam_signals
from preflight.checks.message.verify import OwnVerdict, own_verdict
from preflight.net.dns import DnsClient


class HopFound:
    """How the receiving hop was found."""

    BY_IP = "ip"
    """The topmost hop received from one of our IPs."""
    GUESSED = "guessed"
    """No IP given: the oldest hop received from an address outside private ranges."""


@dataclass(frozen=True)
class MessageFacts:
    """Everything one message shows, and what our own verification found."""

    file: MessageFile
    headers: HeaderBlock
    hops: tuple[Hop, ...]
    ips: tuple[str, ...]
    """Our server's IPs (``--ip`` or the plan's)."""
    receiving: Hop | None
    """The hop where the receiver took the message from our server (or the guess)."""
    found_by: str | None
    auth: tuple[AuthResultsField, ...]
    from_domains: tuple[str, ...]
    return_path: str | None
    rules: SenderRules
    spam: tuple[SpamSignal, ...]
    own: OwnVerdict | None = None

    @property
    def from_domain(self) -> str | None:
        """The (first) From domain: the DMARC identifier."""
        return self.from_domains[0] if self.from_domains else None

    @property
    def mailfrom_domain(self) -> str | None:
        """The envelope sender's domain: Return-Path, else the receiver's ``smtp.mailfrom``."""
        if self.return_path is not None:
            return mailbox_domain(self.return_path)
        for results in receiver_verdicts(self.auth).get("spf", ()):
            found = mailbox_domain(results.prop("smtp.mailfrom"))
            if found:
                return found
        return None


def read_facts(file: MessageFile, ips: Sequence[str], org: Callable[[str], str]) -> MessageFacts:
    """Everything the message itself shows (pure)."""
    headers = parse_headers(file.data, file.truncated)
    hops = received_chain(headers)
    found_by: str | None = HopFound.BY_IP
    receiving = departure_hop(hops, ips)
    if receiving is None and not ips:
        receiving, found_by = internet_hop(hops), HopFound.GUESSED
    if receiving is None:
        found_by = None
    fields = trust(auth_fields(headers), hops, receiving, org)
    return_path = headers.first("Return-Path")
    return MessageFacts(
        file=file, headers=headers, hops=hops, ips=tuple(ips), receiving=receiving, found_by=found_by,
        auth=fields, from_domains=from_domains(f.value for f in headers.all("From")),
        return_path=return_path.value[:300] if return_path else None,
        rules=sender_rules(headers),
        spam=spam_signals(headers.fields, receiving.index if receiving else None),
    )


def collect(dns: DnsClient, file: MessageFile, ips: Sequence[str], org: Callable[[str], str]) -> MessageFacts:
    """The message's facts plus our own DKIM/SPF/DMARC verification through ``dns``."""
    facts = read_facts(file, ips, org)
    hop = facts.receiving
    own = own_verdict(dns, file.data, file.truncated, hop.from_ip if hop else None,
                      facts.mailfrom_domain, hop.from_helo if hop else None, facts.from_domain)
    return replace(facts, own=own)
