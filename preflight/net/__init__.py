"""Transport only: DNS, SMTP, SSH, HTTPS — no CLI words, no checks.

dnspython loads optional parts when their libraries are installed: DNS over HTTPS (httpx2 and
HTTP/2, ~80 ms at import) and DNSSEC algorithms (cryptography, and the DSA deprecation
warnings). Both arrive here as dependencies of checkdmarc, and preflight uses neither: it asks
its configured nameservers over UDP/TCP and validates no signatures. Turning the two features off
before the first ``dns.query``/``dns.dnssec`` import keeps them off every run's critical path.
"""

from __future__ import annotations

import dns._features

for _feature in ("doh", "dnssec"):
    dns._features.force(_feature, False)
