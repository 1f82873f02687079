"""TXT records that begin with a case-sensitive version tag and ``;``-separated fields.

MTA-STS (RFC 8461 §3.1, ``v=STSv1``) and SMTP TLS Reporting (RFC 8460 §3, ``v=TLSRPTv1``) share
the rule: the tag is a whole token followed by optional white space and ``;`` (``field-delim =
*WSP ";" *WSP``), and "if multiple TXT records ... are returned", "records that do not begin with
"<tag>;" are discarded". A bare tag alone (or beside other bare ones) still claims to be a record
(an invalid one, reported rather than hidden); beside a full record it is discarded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaggedRecord:
    """The detector of one kind of version-tagged TXT record."""

    tag: str
    _claims: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _full: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tag = re.escape(self.tag)
        object.__setattr__(self, "_claims", re.compile(tag + r"[ \t]*(?:;|\Z)"))
        object.__setattr__(self, "_full", re.compile(tag + r"[ \t]*;"))

    def claims(self, text: str) -> bool:
        """True when ``text`` is (or claims to be) such a record: the tag, then ``;`` or the end."""
        return bool(self._claims.match(text))

    def records(self, records: tuple[str, ...] | list[str]) -> list[str]:
        """The strings among ``records`` that are such records, in order (the others are discarded):
        those with the tag and ``;`` win, a bare tag counts only when none has one."""
        full = [r for r in records if self._full.match(r)]
        return full or [r for r in records if self.claims(r)]
