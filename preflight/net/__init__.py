"""Transport only: DNS, SMTP, SSH, HTTPS — no CLI words, no checks.

Importing this package stays free of dnspython (``preflight --help`` builds its options from
family settings that name transport types); the modules that talk DNS import
:mod:`preflight.net._features` first, which turns dnspython's optional DoH and DNSSEC parts off.
"""
