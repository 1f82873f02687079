"""DMARC records (RFC 7489): discovery's record filter, tag parsing, policy and report URIs.

* :func:`is_dmarc_record` is §6.6.3 step 2's filter: a TXT string that does not start with the
  version tag (``v`` *WSP ``=`` *WSP ``DMARC1``, §6.4; no leading space) is discarded.
* :func:`parse` reads the tag list of §6.4 (``;``-separated, whitespace allowed around ``=`` and
  ``;``), keeps unknown tags out (§6.3: ignored) and notes values it had to discard (§6.3: "syntax
  errors in the remainder of the record SHOULD be discarded in favor of default values").
* :func:`effective_policy` applies ``pct`` (§6.6.4): mail not sampled gets the next policy down,
  so ``p=quarantine; pct=0`` acts as none and ``p=reject; pct=0`` as quarantine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from preflight.rfc.problems import Problem, RecordError, problem

_VERSION = re.compile(r"[vV][ \t]*=[ \t]*DMARC1[ \t]*(?:;|\Z)")  # \Z: "$" passes a final newline
_TAG = re.compile(r"([A-Za-z][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*?)[ \t]*", re.DOTALL)
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):([^!]+)(?:!(\d+)([kmgtKMGT]?))?")
POLICIES = ("none", "quarantine", "reject")
KNOWN_TAGS = ("v", "p", "sp", "rua", "ruf", "adkim", "aspf", "ri", "fo", "rf", "pct")
LOWER = {"reject": "quarantine", "quarantine": "none", "none": "none"}
"""§6.6.4: the policy applied to mail that ``pct`` leaves out of sampling."""


def is_dmarc_record(text: str) -> bool:
    """True when a TXT string at ``_dmarc.<domain>`` is a DMARC record (§6.6.3 step 2)."""
    return bool(_VERSION.match(text))


def dmarc_records(records: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The DMARC records among the TXT strings; the others are discarded."""
    return tuple(r for r in records if is_dmarc_record(r))


@dataclass(frozen=True)
class ReportUri:
    """One ``rua``/``ruf`` destination."""

    scheme: str
    address: str
    """For ``mailto``: the address; else the rest of the URI."""

    @property
    def host(self) -> str | None:
        """The domain reports go to (``mailto`` only), lower case."""
        if self.scheme != "mailto" or "@" not in self.address:
            return None
        return self.address.rpartition("@")[2].split("?")[0].strip().rstrip(".").lower() or None

    def __str__(self) -> str:
        return f"{self.scheme}:{self.address}"


@dataclass(frozen=True)
class DmarcRecord:
    """A parsed DMARC record: the recognised tags and what had to be discarded."""

    tags: dict[str, str]
    policy: str | None
    """``p`` (lower case) when valid; None when missing or invalid."""
    subdomain_policy: str | None
    pct: int
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    notes: tuple[Problem, ...] = field(default=())
    """Values discarded in favour of defaults (§6.3), one each."""
    error: Problem | None = None
    """Why receivers apply no DMARC at all (§6.6.3 step 6), or None."""


class DmarcSyntaxError(RecordError):
    """The text is not a DMARC record at all (``problem`` says why)."""


def parse(text: str) -> DmarcRecord:
    """Parse a record :func:`is_dmarc_record` accepted (else :class:`DmarcSyntaxError`)."""
    if not is_dmarc_record(text):
        raise DmarcSyntaxError(problem("rfc_dmarc_no_version"))
    tags: dict[str, str] = {}
    notes: list[Problem] = []
    for index, part in enumerate(text.split(";")):
        part = part.strip(" \t")
        if not part:
            continue
        match = _TAG.fullmatch(part)
        if match is None:
            notes.append(problem("rfc_dmarc_not_a_tag", part=repr(part[:40])))
            continue
        name, value = match.group(1).lower(), match.group(2)
        if index == 0 and name != "v":
            raise DmarcSyntaxError(problem("rfc_dmarc_version_not_first"))
        if name not in KNOWN_TAGS:
            continue  # §6.3: unknown tags MUST be ignored
        if name in tags:
            notes.append(problem("rfc_dmarc_tag_twice", name=name))
            continue
        tags[name] = value
    policy = tags.get("p", "").lower() or None
    error = None
    rua = _uris(tags.get("rua"), "rua", notes)
    ruf = _uris(tags.get("ruf"), "ruf", notes)
    if policy not in POLICIES:
        missing = problem("rfc_dmarc_no_policy")
        if "p" in tags:
            missing = problem("rfc_dmarc_bad_policy", value=tags["p"][:60])
        if rua:
            # §6.6.3 step 6: with a usable rua, act as if p=none had been published.
            notes.append(problem("rfc_dmarc_acts_as_none", problem=missing))
            policy = "none"
        else:
            error = problem("rfc_dmarc_no_dmarc", problem=missing)
            policy = None
    subdomain = tags.get("sp", "").lower() or None
    if subdomain is not None and subdomain not in POLICIES:
        notes.append(problem("rfc_dmarc_bad_sp", value=tags["sp"][:20]))
        subdomain = None
    pct = 100
    if "pct" in tags:
        if re.fullmatch(r"\d{1,3}", tags["pct"]) and int(tags["pct"]) <= 100:
            pct = int(tags["pct"])
        else:
            notes.append(problem("rfc_dmarc_bad_pct", value=tags["pct"][:20]))
    for name, allowed in (("adkim", ("r", "s")), ("aspf", ("r", "s"))):
        if name in tags and tags[name].lower() not in allowed:
            notes.append(problem("rfc_dmarc_bad_alignment", name=name, value=tags[name][:20]))
    return DmarcRecord(tags, policy, subdomain, pct, rua, ruf, tuple(notes), error)


def _uris(value: str | None, name: str, notes: list[Problem]) -> tuple[ReportUri, ...]:
    if not value:
        return ()
    found = []
    for item in value.split(","):
        item = item.strip(" \t")
        match = _URI.fullmatch(item)
        if match is None:
            notes.append(problem("rfc_dmarc_not_a_uri", name=name, item=repr(item[:60])))
            continue
        uri = ReportUri(match.group(1).lower(), match.group(2))
        if uri.scheme == "mailto" and not _mailbox(uri.address):
            notes.append(problem("rfc_dmarc_no_mailbox", name=name, item=repr(item[:60])))
            continue
        found.append(uri)
    return tuple(found)


def _mailbox(address: str) -> bool:
    """True when a mailto address has a local part and a domain name (RFC 6068 addr-spec).

    The domain must be one DNS can hold (labels of 1 to 63 octets, at most 253 in all): reports
    are only sent to a name receivers can look up (§7.1); an address literal is not one.
    """
    local, at, host = address.partition("?")[0].rpartition("@")
    host = host.strip(" \t").rstrip(".")
    if not (at and local.strip(" \t") and host) or len(host.encode()) > 253:
        return False
    return all(0 < len(label.encode()) <= 63 and "[" not in label for label in host.split("."))


def effective_policy(policy: str, pct: int) -> tuple[str, str | None]:
    """(policy for sampled mail, policy for the rest or None when pct is 100), §6.6.4."""
    if pct >= 100 or policy == "none":
        return policy, None
    if pct <= 0:
        return LOWER[policy], None
    return policy, LOWER[policy]


def report_authorization_name(policy_domain: str, destination: str) -> str:
    """Where ``destination`` agrees to take reports about ``policy_domain`` (RFC 7489 §7.1)."""
    return f"{policy_domain}._report._dmarc.{destination}"
