"""Pure readers of DNS-published mail policy records, written from their RFCs' grammars.

No I/O and no other preflight imports: ``spf`` (RFC 7208), ``dmarc`` (RFC 7489), ``dkim``
(RFC 6376, 8301, 8463), ``mta_sts`` (RFC 8461) and ``tls_rpt`` (RFC 8460) turn record text into
facts the check families judge.
"""
