"""MTA-STS TXT records (RFC 8461 §3.1): the one detector of an ``_mta-sts`` record.

``sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]`` with
``sts-version = %s"v=STSv1"`` (case-sensitive) and ``sts-field-delim = *WSP ";" *WSP``. The prose
adds: "records that do not begin with "v=STSv1;" are discarded". So the version tag is a whole
token: ``v=STSv10`` or ``v=STSv1x`` is not an MTA-STS record. The grammar's optional white space
before the ``;`` is accepted (the prose and the ABNF differ there; erratum 6285 is only reported).
The discarding applies "if multiple TXT records ... are returned": a bare ``v=STSv1`` beside a full
record is discarded, while alone (or beside other bare ones) it still claims to be a record (an
invalid one: it has no ``id``), reported rather than hidden.
"""

from __future__ import annotations

from preflight.rfc.tagged import TaggedRecord

_STS = TaggedRecord("v=STSv1")


def is_sts_record(text: str) -> bool:
    """True when a TXT string at ``_mta-sts.<domain>`` is (or claims to be) an MTA-STS record."""
    return _STS.claims(text)


def sts_records(records: tuple[str, ...] | list[str]) -> list[str]:
    """The TXT strings among ``records`` that are MTA-STS records, in order (the others are discarded).

    Records that begin with ``v=STSv1;`` win: a bare ``v=STSv1`` counts only when none does."""
    return _STS.records(records)
