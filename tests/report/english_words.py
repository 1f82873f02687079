"""Count the English left in a Japanese report: distinct English phrases in the visible text.

Values from the network and our own identifiers are not English to translate: code blocks,
check ids, no-wrap network tokens (IPs, host names), links, and words joined to digits, dots,
underscores or colons (``postscreen_dnsbl_sites``, ``v=spf1``). All-capital acronyms (SPF, DNS,
PTR) and product names are kept as they are in Japanese business writing too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIP_TAGS = {"pre", "code", "script", "style", "title", "head"}
SKIP_CLASSES = {"check-id", "nb", "url", "subject"}
"""Ids, network tokens, links and result subjects (the keys of results, like check ids)."""
NAMES = {
    "google", "gmail", "workspace", "yahoo", "microsoft", "outlook", "spamhaus", "spamcop", "barracuda",
    "postfix", "preflight", "postmaster", "tools", "smart", "network", "data", "services", "let's", "encrypt",
    "opendkim", "rspamd", "unbound", "zen", "pbl", "sbl", "xbl", "css", "brbl", "openssh", "cymru", "ed25519",
    "ipv4", "ipv6", "ja", "en", "com", "reputation", "block", "list", "sender", "score", "senderscore",
    "uceprotect", "mailspike", "abusix", "ivm", "nordspam", "psbl", "truncate", "postscreen", "permit", "reject",
    "rsa", "ecdsa", "sha", "utc", "helo", "ehlo", "starttls", "auth", "mx", "txt", "ptr", "aaaa", "cname",
    "spf", "dkim", "dmarc", "team", "cymru", "cloudflare", "opendns", "quad", "mxtoolbox", "fcrdns", "secp", "rua", "ruf", "bimi", "nxdomain", "servfail", "nodata", "ttl", "tls", "smtp",
}
FIELDS = {
    "authentication-results", "received", "return-path", "message-id", "date", "from", "to", "subject",
    "reply-to", "dkim-signature", "list-unsubscribe", "list-unsubscribe-post", "arc-seal", "authserv-id",
    "mailfrom", "helo", "header",
}
"""Message header field names and RFC 8601 keywords: identifiers, kept as they are in Japanese too."""
IDENTIFIERS = {
    # record fields and modes as the RFCs name them (TLSA usage/selector/matching type, MTA-STS id and
    # modes), plan keys and Postfix names, protocol and product names
    "usage", "selector", "matching", "type", "id", "mode", "enforce", "testing", "hostname",
    "autoconfig", "autodiscover", "mynetworks", "smtpd", "exim",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
JOINED = re.compile(r"[A-Za-z0-9-]*[_./:=@*<>#$%&+~][A-Za-z0-9_./:=@*<>#$%&+~-]*")
QUOTED = re.compile(r"「[\x21-\x7e ]+」")
"""A quoted literal (「dynamic」, 「pass」): a protocol keyword or a word matched in names, kept as is."""


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "meta", "link", "input", "wbr", "hr"):
            self.parts.append("\n")
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.stack.append(tag in SKIP_TAGS or bool(classes & SKIP_CLASSES) or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in ("br", "img", "meta", "link", "input", "wbr", "hr"):
            self.stack.pop()
        self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(page: str) -> str:
    """The text a reader sees, minus code, ids, network tokens and links."""
    parser = _Text()
    parser.feed(page)
    return "".join(parser.parts)


PHRASE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*)*(?![A-Za-z0-9])")


def english_phrases(page: str, exclude: tuple[str, ...] = ()) -> set[str]:
    """Distinct runs of English words (two letters or more, not names or acronyms) in ``page``.

    ``exclude``: values to take out first (network values such as AS names, list names).
    """
    text = QUOTED.sub(" | ", visible_text(page))
    for value in sorted((v for v in exclude if len(v) >= 3), key=len, reverse=True):
        text = text.replace(value, " | ")
    phrases: set[str] = set()
    for line in text.splitlines():
        line = JOINED.sub(" | ", line)
        for match in PHRASE.finditer(line):
            run: list[str] = []
            for word in match.group(0).split():
                word = word.strip("'’-")
                if (len(word) >= 2 and not word.isupper() and word.lower() not in NAMES
                        and word.lower() not in FIELDS and word.lower() not in IDENTIFIERS):
                    run.append(word)
                    continue
                if run:
                    phrases.add(" ".join(run))
                    run = []
            if run:
                phrases.add(" ".join(run))
    return phrases
