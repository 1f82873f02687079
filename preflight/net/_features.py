"""dnspython's optional parts, turned off before the first ``dns.query``/``dns.dnssec`` import.

dnspython loads optional parts when their libraries are installed: DNS over HTTPS (httpx2 and
HTTP/2, ~80 ms at import) and DNSSEC algorithms (cryptography, and the DSA deprecation
warnings). Both arrive here as dependencies of checkdmarc, and preflight uses neither: it asks
its configured nameservers over UDP/TCP and validates no signatures. Every module of
:mod:`preflight.net` that imports a dnspython query module imports this one before it (not the
package ``__init__``: that would put dnspython on the CLI's start-up path).
"""

from __future__ import annotations

import dns._features

for _feature in ("doh", "dnssec"):
    dns._features.force(_feature, False)
