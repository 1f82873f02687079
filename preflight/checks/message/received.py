"""The Received chain (RFC 5321 §4.4, RFC 5322 §3.6.7) and the hop where a message left us.

One tolerant parser reads the forms the big receivers and the common MTAs write:

* Postfix  ``from HELO (RDNS [IP]) (using TLSv1.3 with cipher C (256/256 bits) ...) by HOST (Postfix) with ESMTPS id X for <r>; DATE``
* Sendmail ``from HELO (RDNS [IP]) by HOST (8.17.1/8.17.1) with ESMTPS id X (version=TLSv1.3 cipher=C bits=256 verify=NOT) for <r>; DATE``
* Exim     ``from RDNS ([IP] helo=HELO) by HOST with esmtps (TLS1.3) tls C (Exim 4.97) (envelope-from <s>) id X for r; DATE``
* Gmail    ``from HELO (RDNS. [IP]) by mx.google.com with ESMTPS id X for <r> (version=TLS1_3 cipher=C bits=256/256); DATE``
* Microsoft ``from HELO (IP) by HOST (10.x) with Microsoft SMTP Server (version=TLS1_3, cipher=C) id 15.20.x via Frontend Transport; DATE``
* Yahoo    ``from HELO (EHLO HELO) (IP) by HOST with ESMTPS; DATE``

Headers are listed topmost first: index 0 is the last hop (added by the final receiver).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from preflight.checks.message.headers import HeaderBlock

MAX_HOPS = 100
_KEYWORDS = ("from", "by", "via", "with", "id", "for")
_BRACKET_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]")
_BARE_IP = re.compile(r"^\(?(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\)?\.?$")
_HELO_IN_COMMENT = re.compile(r"\b(?:helo|EHLO|HELO)[= ]\s*([^\s)\]]+)", re.IGNORECASE)
_VERSION = re.compile(r"(?:version=\s*|using\s+|\()(TLS\s?v?1(?:[._][0-3])?|SSLv3)\b", re.IGNORECASE)
_CIPHER = [
    re.compile(r"cipher=\s*([A-Za-z0-9_-]{3,80})", re.IGNORECASE),
    re.compile(r"with cipher\s+([A-Za-z0-9_-]{3,80})", re.IGNORECASE),
    re.compile(r"\(TLS\S*\)\s*tls\s+([A-Za-z0-9_-]{3,80})", re.IGNORECASE),
    re.compile(r"\(TLSv1(?:\.[0-3])?:([A-Za-z0-9_-]{3,80}):\d+\)", re.IGNORECASE),
]
_TLS_PROTOCOLS = {"esmtps", "esmtpsa", "utf8smtps", "utf8smtpsa", "lmtps", "lmtpsa", "smtps"}
_PLAIN_PROTOCOLS = {"smtp", "esmtp", "esmtpa", "utf8smtp", "utf8smtpa", "lmtp", "lmtpa", "http", "https",
                    "local", "imap"}
_INTERNAL = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "0.0.0.0/8", "::1/128", "fc00::/7", "fe80::/10", "::/128"))


@dataclass(frozen=True)
class Hop:
    """One Received header field, as far as it could be read."""

    index: int
    """Position among all header fields (0 = topmost)."""
    raw: str
    from_helo: str | None = None
    from_rdns: str | None = None
    from_ip: str | None = None
    by_host: str | None = None
    protocol: str | None = None
    smtp_id: str | None = None
    recipient: str | None = None
    date: str | None = None
    """ISO 8601, or None when absent or unreadable."""
    tls: bool | None = None
    """True: the hop used TLS; False: it did not; None: the receiver did not say."""
    tls_version: str | None = None
    tls_cipher: str | None = None

    def describe(self) -> str:
        """``HELO [IP] → BY`` for the path view."""
        source = self.from_helo or self.from_rdns or "?"
        where = f" [{self.from_ip}]" if self.from_ip else ""
        return f"{source}{where} → {self.by_host or '?'}"


def _tokens(text: str) -> list[tuple[str, str]]:
    """Words and (nested) comments, in order: ``("w", word)`` / ``("c", comment text)``."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            depth, j, buf = 1, i + 1, []
            while j < n and depth:
                c = text[j]
                if c == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                    continue
                depth += c == "("
                depth -= c == ")"
                if depth:
                    buf.append(c)
                j += 1
            out.append(("c", "".join(buf)))
            i = j
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] != "(":
                j += 1
            out.append(("w", text[i:j]))
            i = j
    return out


def _split_date(value: str) -> tuple[str, str]:
    """(the clauses, the date after the last ';' outside comments)."""
    depth, cut = 0, -1
    for pos, ch in enumerate(value):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            cut = pos
    if cut < 0:
        return value, ""
    return value[:cut], value[cut + 1:].strip()


def normalize_ip(text: str) -> str | None:
    """``text`` as a normalised IP address, or None (IPv4-mapped IPv6 becomes IPv4)."""
    try:
        ip = ipaddress.ip_address(text.strip().rstrip("."))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def is_internal(ip: str) -> bool:
    """Loopback, private (RFC 1918, ULA), CGNAT or link-local: not where a message meets the Internet."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return True
    return any(addr in net for net in _INTERNAL if net.version == addr.version)


def _tls_version(text: str) -> str | None:
    match = _VERSION.search(text)
    if match is None:
        return None
    raw = match.group(1).upper().replace(" ", "").replace("V", "")
    if raw.startswith("SSL"):
        return "SSL 3"
    digits = raw[3:].replace("_", ".")
    return f"TLS {digits if '.' in digits else '1.0'}"


def _cipher(text: str) -> str | None:
    for pattern in _CIPHER:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def _host(word: str | None) -> str | None:
    if not word:
        return None
    word = word.strip("<>[]").rstrip(".").lower()
    return word[:255] or None


def _from_clause(words: list[str], comments: list[str]) -> tuple[str | None, str | None, str | None]:
    """(HELO, reverse DNS name, IP) of the ``from`` clause."""
    helo = words[0] if words else None
    ip = rdns = None
    if helo:
        literal = _BRACKET_IP.fullmatch(helo) or _BARE_IP.fullmatch(helo)
        if literal:
            ip = normalize_ip(literal.group(1))
    for comment in comments:
        found = _BRACKET_IP.search(comment)
        if found and normalize_ip(found.group(1)):
            ip = normalize_ip(found.group(1))
            before = comment[: found.start()].strip().split()
            if before and before[-1].lower() not in ("unknown", "helo=") and not before[-1].endswith("="):
                rdns = before[-1]
            break
        bare = _BARE_IP.fullmatch(comment.strip())
        if bare and normalize_ip(bare.group(1)) and ip is None:
            ip = normalize_ip(bare.group(1))
    for comment in comments:
        said = _HELO_IN_COMMENT.search(comment)
        if said:
            # Exim and Yahoo write the HELO name in a comment; the word before it is then the
            # verified reverse-DNS name (Exim) or the address itself (Yahoo).
            first = helo
            helo = said.group(1)
            if rdns is None and first and first != helo and normalize_ip(first.strip("[]")) is None:
                rdns = first
            break
    return _host(helo), _host(rdns), ip


def parse_received(value: str, index: int) -> Hop:
    """Read one Received field value; never raises (unreadable parts stay None)."""
    clauses_text, date_text = _split_date(value)
    clauses: dict[str, tuple[list[str], list[str]]] = {}
    current: str | None = None
    for kind, text in _tokens(clauses_text[:4000]):
        if kind == "w" and text.lower() in _KEYWORDS and text.lower() not in clauses:
            current = text.lower()
            clauses[current] = ([], [])
        elif current is not None:
            clauses[current][0 if kind == "w" else 1].append(text)
    helo = rdns = ip = None
    if "from" in clauses:
        helo, rdns, ip = _from_clause(*clauses["from"])
    by_words = clauses.get("by", ([], []))[0]
    with_words = clauses.get("with", ([], []))[0]
    protocol = " ".join(with_words[:3]) if with_words[:1] == ["Microsoft"] else (with_words[0] if with_words else None)
    version, cipher = _tls_version(value), _cipher(value)
    tls: bool | None = None
    if version or cipher or protocol and protocol.lower() in _TLS_PROTOCOLS:
        tls = True
    elif protocol and (protocol.lower() in _PLAIN_PROTOCOLS or protocol.startswith("Microsoft")):
        tls = False
    date = None
    if date_text:
        try:
            date = parsedate_to_datetime(date_text[:200]).isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            date = None
    id_words = clauses.get("id", ([], []))[0]
    for_words = clauses.get("for", ([], []))[0]
    return Hop(
        index=index, raw=value[:1000], from_helo=helo, from_rdns=rdns, from_ip=ip,
        by_host=_host(by_words[0]) if by_words else None,
        protocol=protocol[:40] if protocol else None,
        smtp_id=id_words[0][:80] if id_words else None,
        recipient=for_words[0].strip("<>;")[:254] if for_words else None,
        date=date, tls=tls, tls_version=version, tls_cipher=cipher,
    )


def received_chain(headers: HeaderBlock) -> tuple[Hop, ...]:
    """Every Received field, topmost (last hop) first; at most :data:`MAX_HOPS`."""
    return tuple(parse_received(f.value, f.index) for f in headers.all("Received")[:MAX_HOPS])


def departure_hop(hops: Sequence[Hop], ips: Iterable[str]) -> Hop | None:
    """The last time the message left one of ``ips``: the topmost hop received from one of them."""
    ours = {normalize_ip(str(ip)) for ip in ips} - {None}
    return next((hop for hop in hops if hop.from_ip in ours), None)


def internet_hop(hops: Sequence[Hop]) -> Hop | None:
    """Without our IPs: the oldest hop received from an address outside private/loopback ranges,
    where the message first met the Internet (a guess, shown as such)."""
    return next((hop for hop in reversed(hops) if hop.from_ip and not is_internal(hop.from_ip)), None)
