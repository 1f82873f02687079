"""checkdmarc on the run's resolver, without answers left in its process-wide cache.

checkdmarc keeps a module-level DNS cache keyed by name and type only, whatever resolver asked:
answers from an earlier run (another resolver, another lab zone) would otherwise decide this one.
Each parse starts with that cache emptied; within one parse it still saves repeated queries.
"""

from __future__ import annotations

import preflight.net._features  # noqa: F401  (first: dnspython's DoH and DNSSEC parts off)

# isort: split
import dns.resolver

from preflight.net.dns import DnsClient


def checkdmarc_resolver(client: DnsClient) -> dns.resolver.Resolver:
    """A dnspython resolver on ``client``'s servers, with checkdmarc's shared cache emptied."""
    from checkdmarc import utils

    utils.DNS_CACHE.clear()
    return client.resolver()
