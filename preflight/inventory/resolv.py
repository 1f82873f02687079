"""Parse ``/etc/resolv.conf`` for the nameservers a server uses."""

from __future__ import annotations

import ipaddress

from preflight.inventory._text import lines

MAX_NAMESERVERS = 32
"""Addresses returned at most. (glibc itself uses only the first three, MAXNS.)"""


def resolv_conf_nameservers(text: str | bytes | None) -> list[str]:
    """Return the ``nameserver`` addresses of resolv.conf text, in order, without duplicates.

    Lines starting with ``#`` or ``;`` are comments; anything after the address is ignored.
    Values that are not IP addresses are skipped. IPv6 addresses may carry a ``%zone`` suffix;
    addresses are returned in normalized form (``2001:DB8::1`` -> ``2001:db8::1``).
    """
    found: list[str] = []
    for line in lines(text, max_input=262_144, max_lines=5_000):
        parts = line.split()
        if len(parts) < 2 or parts[0] != "nameserver":
            continue
        raw = parts[1]
        addr, _, zone = raw.partition("%")
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            continue
        if zone and (ip.version != 6 or not zone.replace("-", "").replace("_", "").isalnum()):
            continue
        value = f"{ip}%{zone[:32]}" if zone else str(ip)
        if value not in found:
            found.append(value)
            if len(found) >= MAX_NAMESERVERS:
                break
    return found
