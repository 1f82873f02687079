"""SMTP TLS Reporting TXT records (RFC 8460 §3): the one detector of an ``_smtp._tls`` record.

``tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]`` with
``tlsrpt-version = %s"v=TLSRPTv1"`` (case-sensitive) and ``field-delim = *WSP ";" *WSP``; "records
that do not begin with "v=TLSRPTv1;" are discarded". So ``v=TLSRPTv10`` or ``v=TLSRPTv1x`` is not a
TLS-RPT record. White space before the ``;`` is accepted, as the grammar allows. The discarding
applies "if multiple TXT records ... are returned": a bare ``v=TLSRPTv1`` beside a full record is
discarded, while alone (or beside other bare ones) it still claims to be a record (an invalid one:
it has no ``rua``), reported rather than hidden.
"""

from __future__ import annotations

from preflight.rfc.tagged import TaggedRecord

_TLSRPT = TaggedRecord("v=TLSRPTv1")


def is_tlsrpt_record(text: str) -> bool:
    """True when a TXT string at ``_smtp._tls.<domain>`` is (or claims to be) a TLS-RPT record."""
    return _TLSRPT.claims(text)


def tlsrpt_records(records: tuple[str, ...] | list[str]) -> list[str]:
    """The TXT strings among ``records`` that are TLS-RPT records, in order (the others are discarded).

    Records that begin with ``v=TLSRPTv1;`` win: a bare ``v=TLSRPTv1`` counts only when none does."""
    return _TLSRPT.records(records)
