"""Pure readers of DNS-published mail policy records, written from their RFCs' grammars.

No I/O and no other preflight imports: ``spf`` (RFC 7208), ``dmarc`` (RFC 7489) and ``dkim``
(RFC 6376, 8301, 8463) turn record text into facts the check families judge.
"""
