"""``HOST[:PORT]`` as users write it for every server preflight talks to (DNS, SMTP, SSH).

One splitter, so ``--nameserver``, ``--smtp`` and ``--ssh`` accept the same forms: ``HOST``,
``HOST:PORT``, ``[IPv6]``, ``[IPv6]:PORT`` and a bare IPv6 address (its colons are not a port).
Callers validate the host (an IP only, or also a name) and word the error.
"""

from __future__ import annotations


def parse_port(text: str) -> int:
    """A TCP/UDP port, 1-65535, in ASCII digits; ValueError with the reason otherwise."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 65536:
        raise ValueError("port must be 1-65535")
    return int(text)


def split_host_port(text: str, default_port: int) -> tuple[str, int, bool]:
    """``(host, port, bracketed)`` from ``text``; ValueError with a short reason when malformed."""
    raw = text.strip()
    if raw.startswith("["):
        host, close, tail = raw[1:].partition("]")
        if not close:
            raise ValueError("missing ']'")
        if tail and not tail.startswith(":"):
            raise ValueError("expected [IPv6]:PORT")
        return host, parse_port(tail[1:]) if tail else default_port, True
    if raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
        return host, parse_port(port_text), False
    return raw, default_port, False


def host_port(host: str, port: int) -> str:
    """``host:port``, with an IPv6 host in brackets (parseable again by :func:`split_host_port`)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
