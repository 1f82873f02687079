"""Typed, validated view of the curated DNS blocklist catalogue (``blocklists.toml``).

The catalogue is data: zone names, return codes, refusal codes, test points, terms and sources
live in ``preflight/data/blocklists.toml``. This module holds the frozen dataclasses;
:mod:`preflight.data.loader` reads the file (the only I/O) and validates it through
:mod:`preflight.data._schema`.
:meth:`Zone.classify` is a pure function from one DNSBL answer to a :class:`ListState`; nothing
here sends a DNS query.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "Catalogue", "Code", "CodeState", "DefaultWhy", "Grade", "ListState", "Lookup", "PointBasis",
    "Purpose", "Requirement", "Subject", "TestPoints", "UnknownCode", "Zone", "ZoneKind",
    "ZoneStatus", "check_code",
]

PACKAGE = "preflight.data"
RESOURCE = "blocklists.toml"


class _StrEnum(str, Enum):
    def __str__(self) -> str:
        return str(self.value)


class ListState(_StrEnum):
    """Outcome of looking one subject up in one zone (what reports and checks see)."""

    LISTED = "listed"
    POLICY = "policy"
    ALLOWLISTED = "allowlisted"
    CLEAR = "clear"
    REFUSED = "refused"
    UNRELIABLE = "unreliable"
    UNREACHABLE = "unreachable"
    NOT_APPLICABLE = "not_applicable"


class CodeState(_StrEnum):
    """Meaning of one documented return code in the catalogue."""

    LISTED = "listed"
    POLICY = "policy"
    ALLOWLISTED = "allowlisted"
    REPUTATION = "reputation"
    REFUSED = "refused"


class Grade(_StrEnum):
    """How to read a ``reputation`` code: bad -> listed, neutral -> clear, good -> allowlisted."""

    BAD = "bad"
    NEUTRAL = "neutral"
    GOOD = "good"


class ZoneKind(_StrEnum):
    """The main meaning of a zone."""

    BLOCK = "block"
    POLICY = "policy"
    COLLATERAL = "collateral"
    ALLOW = "allow"
    REPUTATION = "reputation"


class ZoneStatus(_StrEnum):
    """Whether a zone still answers meaningfully (dead and wildcard zones are never queried)."""

    ACTIVE = "active"
    DEAD = "dead"
    WILDCARD = "wildcard"


class Subject(_StrEnum):
    """What a zone lists."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DOMAIN = "domain"


class Requirement(_StrEnum):
    """Pre-conditions for querying a zone."""

    OWN_RESOLVER = "own-resolver"
    REGISTRATION = "registration"
    KEY = "key"
    NON_COMMERCIAL = "non-commercial"


class UnknownCode(_StrEnum):
    """How an undocumented 127/8 answer is read: as a listing of the zone's kind, or unreliable."""

    LISTED = "listed"
    UNKNOWN = "unknown"


class Purpose(_StrEnum):
    """What a zone lists: mail abuse (a listing fails) or other abuse (a listing only warns)."""

    MAIL = "mail"
    NON_MAIL = "non-mail"
    """IRC drones, proxies, fail2ban reports: receivers rarely refuse mail for it."""


class DefaultWhy(_StrEnum):
    """Why a zone is (not) in the default set; the words are ``ui.blocklist_default_<value>``."""

    # on by default
    MAIL_LIST = "mail-list"
    ALLOWLIST = "allowlist"
    DOMAIN_LIST = "domain-list"
    NON_MAIL = "non-mail"
    # off by default
    CONTAINED = "contained"
    NEEDS_KEY = "needs-key"
    NEEDS_REGISTRATION = "needs-registration"
    COLLATERAL = "collateral"
    PAY_TO_DELIST = "pay-to-delist"
    UNTESTABLE = "untestable"
    SPECIAL_PURPOSE = "special-purpose"
    GRADED = "graded"
    LOW_ADOPTION = "low-adoption"
    UNCONFIRMED = "unconfirmed"
    DEAD = "dead"
    USER = "user"

    @property
    def on(self) -> bool:
        """True for the reasons that put a zone into the default set."""
        return self in _ON_REASONS


_ON_REASONS = frozenset({DefaultWhy.MAIL_LIST, DefaultWhy.ALLOWLIST, DefaultWhy.DOMAIN_LIST,
                         DefaultWhy.NON_MAIL})


class PointBasis(_StrEnum):
    """Where a zone's test points come from."""

    OPERATOR = "operator"
    RFC5782 = "rfc5782"
    THIRD_PARTY = "third-party"


_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
ERROR_RANGE = ipaddress.IPv4Network("127.255.255.0/24")
"""Where lists put their error and refusal answers (Spamhaus, Validity, ...): never a listing
unless a zone documents a code there."""
NEVER_LISTING = frozenset({ipaddress.IPv4Address("127.0.0.0"), ipaddress.IPv4Address("127.0.0.1")})
"""Answers that are no listing code unless a zone documents them: RFC 5782 section 5 keeps
127.0.0.1 unlisted, and DNS filters answer it for names they block."""
_SEVERITY = {
    ListState.NOT_APPLICABLE: 0, ListState.CLEAR: 1, ListState.ALLOWLISTED: 2,
    ListState.POLICY: 3, ListState.LISTED: 4, ListState.REFUSED: 5, ListState.UNREACHABLE: 6,
    ListState.UNRELIABLE: 6,
}
_BY_CODE_STATE = {
    CodeState.LISTED: ListState.LISTED, CodeState.POLICY: ListState.POLICY,
    CodeState.ALLOWLISTED: ListState.ALLOWLISTED, CodeState.REFUSED: ListState.REFUSED,
}
_BY_GRADE = {Grade.BAD: ListState.LISTED, Grade.NEUTRAL: ListState.CLEAR,
             Grade.GOOD: ListState.ALLOWLISTED}
_BY_KIND = {
    ZoneKind.BLOCK: ListState.LISTED, ZoneKind.POLICY: ListState.POLICY,
    ZoneKind.COLLATERAL: ListState.POLICY, ZoneKind.ALLOW: ListState.ALLOWLISTED,
    ZoneKind.REPUTATION: ListState.UNRELIABLE,
}


_OCTET = r"(\d{1,3}|\*|\[\d{1,3}\.\.\d{1,3}\])"
_CODE_RE = re.compile(rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$")


def _parse_octet(text: str) -> tuple[int, int]:
    if text == "*":
        return 0, 255
    lo, _, hi = text.strip("[]").partition("..")
    low, high = int(lo), int(hi or lo)
    if not 0 <= low <= high <= 255:
        raise ValueError(f"bad octet {text!r}")
    return low, high


def check_code(code: Code) -> tuple[tuple[int, int], ...]:
    """Validate one :class:`Code`; return its per-octet ``(low, high)`` ranges."""
    match = _CODE_RE.match(code.code)
    if match is None or match.group(1) != "127":
        raise ValueError(f"code {code.code!r} is not a 127.x.y.z address or pattern")
    ranges = tuple(_parse_octet(o) for o in match.groups())
    if not code.meaning.strip():
        raise ValueError(f"code {code.code!r} has an empty meaning")
    if (code.state is CodeState.REPUTATION) != (code.grade is not None):
        raise ValueError(f"code {code.code!r}: 'grade' is required for, and only for, "
                         "state 'reputation'")
    return ranges


@dataclass(frozen=True)
class Code:
    """One documented answer: an exact address or a ``127.0.[2..20].3``-style pattern."""

    code: str
    meaning: str
    state: CodeState
    grade: Grade | None = None
    meaning_ja: str | None = None
    """The meaning in Japanese (optional; reports in Japanese fall back to ``meaning``)."""
    _ranges: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ranges", check_code(self))

    def meaning_in(self, lang: str) -> str:
        """The meaning in ``lang`` (English when there is no translation)."""
        return (self.meaning_ja or self.meaning) if lang == "ja" else self.meaning

    @property
    def is_pattern(self) -> bool:
        """True if the code covers more than one address."""
        return any(lo != hi for lo, hi in self._ranges)

    def matches(self, address: ipaddress.IPv4Address) -> bool:
        """True if ``address`` is this code or falls inside this pattern."""
        octets = address.packed
        return all(lo <= o <= hi for o, (lo, hi) in zip(octets, self._ranges))

    @property
    def list_state(self) -> ListState:
        """The :class:`ListState` this code reports."""
        if self.state is CodeState.REPUTATION:
            assert self.grade is not None
            return _BY_GRADE[self.grade]
        return _BY_CODE_STATE[self.state]


@dataclass(frozen=True)
class TestPoints:
    """RFC 5782 section 5 self-test subjects (listed ones must answer, others must be NXDOMAIN)."""

    __test__ = False  # not a pytest test class

    ipv4_listed: str | None = None
    ipv4_not_listed: str | None = None
    ipv6_listed: str | None = None
    ipv6_not_listed: str | None = None
    domain_listed: str | None = None
    domain_not_listed: str | None = None
    basis: PointBasis = PointBasis.RFC5782
    listed_answers: tuple[str, ...] = ()
    """When given, a "listed" test entry must answer exactly these codes (dnswl answers
    127.0.10.0 for 127.0.0.2; any other answer there is the list refusing the resolver)."""

    def listed(self, subject: Subject | str) -> str | None:
        """The subject of this kind that must be listed, if known."""
        return {Subject.IPV4: self.ipv4_listed, Subject.IPV6: self.ipv6_listed,
                Subject.DOMAIN: self.domain_listed}[Subject(subject)]

    def not_listed(self, subject: Subject | str) -> str | None:
        """The subject of this kind that must not be listed, if known."""
        return {Subject.IPV4: self.ipv4_not_listed, Subject.IPV6: self.ipv6_not_listed,
                Subject.DOMAIN: self.domain_not_listed}[Subject(subject)]


@dataclass(frozen=True)
class Zone:
    """One DNS block/allow/reputation list as described in the catalogue."""

    id: str
    name: str
    zone: str
    operator: str
    subjects: tuple[Subject, ...]
    kind: ZoneKind
    enabled: bool
    status: ZoneStatus
    codes: tuple[Code, ...] = ()
    unknown_code: UnknownCode = UnknownCode.UNKNOWN
    bitmask: bool = False
    dqs_zone: str | None = None
    requires: tuple[Requirement, ...] = ()
    terms: str | None = None
    lookup_url: str | None = None
    delist_url: str | None = None
    test_points: TestPoints | None = None
    sources: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    match_subzones: bool = False
    dead_since: str | None = None
    dead_note: str | None = None
    replaced_by: str | None = None
    notes: str | None = None
    purpose: Purpose = Purpose.MAIL
    default_why: DefaultWhy | None = None
    """Why the zone is (not) in the default set, when the catalogue says so explicitly."""
    curated: str | None = None
    """When this entry was last checked against its sources (YYYY-MM-DD)."""
    test_points_missing: str | None = None
    """Why a zone has no RFC 5782 test points (it then gets the random-label plausibility probe)."""
    unknown_code_basis: str | None = None
    """Who documents that any 127/8 answer is a listing (required for ``unknown_code = "listed"``)."""

    @property
    def why_default(self) -> DefaultWhy:
        """Why the zone is (not) queried by default: the catalogue's reason, else derived."""
        if not self.is_active:
            return DefaultWhy.DEAD
        if self.default_why is not None:
            return self.default_why
        if Requirement.KEY in self.requires:
            return DefaultWhy.NEEDS_KEY
        if Requirement.REGISTRATION in self.requires:
            return DefaultWhy.NEEDS_REGISTRATION
        if self.kind is ZoneKind.COLLATERAL:
            return DefaultWhy.COLLATERAL
        if self.kind is ZoneKind.REPUTATION:
            return DefaultWhy.GRADED
        if self.enabled:
            if self.purpose is Purpose.NON_MAIL:
                return DefaultWhy.NON_MAIL
            if self.kind is ZoneKind.ALLOW:
                return DefaultWhy.ALLOWLIST
            return DefaultWhy.DOMAIN_LIST if Subject.DOMAIN in self.subjects else DefaultWhy.MAIL_LIST
        return DefaultWhy.USER

    @property
    def is_active(self) -> bool:
        """True unless the zone is dead or wildcarded."""
        return self.status is ZoneStatus.ACTIVE

    def supports(self, subject: Subject | str) -> bool:
        """True if the zone lists subjects of this kind."""
        return Subject(subject) in self.subjects

    def lookup_link(self, subject: str) -> str | None:
        """The operator's lookup page, with ``{ip}``/``{subject}`` filled in."""
        return None if self.lookup_url is None else _fill(self.lookup_url, subject)

    def delist_link(self, subject: str) -> str | None:
        """The operator's delisting page (or lookup page), with placeholders filled in."""
        url = self.delist_url or self.lookup_url
        return None if url is None else _fill(url, subject)

    def classify(self, code: str, lang: str = "en") -> tuple[ListState, str]:
        """Read one A-record answer of this zone as ``(state, meaning)``. Pure; never raises.

        ``lang`` picks the documented meaning's language where the catalogue has one; our own
        words for undocumented answers stay English.
        """
        if not self.is_active:
            return ListState.UNRELIABLE, (f"{self.zone} is {self.status.value} since "
                                          f"{self.dead_since or 'an unknown date'}; its answers "
                                          "are meaningless")
        try:
            address = ipaddress.IPv4Address(code.strip())
        except (ValueError, AttributeError):
            return ListState.UNRELIABLE, f"answer {code!r} is not an IPv4 address"
        if address not in _LOOPBACK:
            return ListState.UNRELIABLE, (f"answer {address} is outside 127.0.0.0/8, so it is not "
                                          "DNSBL data (typical of an NXDOMAIN-rewriting resolver)")
        hit = self._match(address)
        if hit is not None:
            return hit.list_state, hit.meaning_in(lang)
        if address in ERROR_RANGE:
            return ListState.REFUSED, (f"undocumented code {address} is in 127.255.255.0/24, the "
                                       "range lists use for errors and refusals; not a listing")
        if address in NEVER_LISTING:
            return ListState.UNRELIABLE, (f"{address} is no listing code (RFC 5782 keeps "
                                          "127.0.0.1 unlisted; DNS filters answer it for blocked "
                                          "names); not a listing")
        if self.bitmask:
            return self._classify_bits(address, lang)
        return self._unknown(address)

    def classify_answers(self, codes: Iterable[str], lang: str = "en") -> tuple[ListState, str]:
        """Combine all A records of one answer: the most severe state wins, meanings are joined."""
        if not self.is_active:
            return self.classify("")
        results = [self.classify(code, lang) for code in codes]
        if not results:
            return ListState.CLEAR, "no A record (not listed)"
        state = max((s for s, _ in results), key=_SEVERITY.__getitem__)
        return state, "; ".join(dict.fromkeys(m for _, m in results))

    def _match(self, address: ipaddress.IPv4Address) -> Code | None:
        exact = [c for c in self.codes if not c.is_pattern]
        patterns = [c for c in self.codes if c.is_pattern]
        return next((c for c in exact + patterns if c.matches(address)), None)

    def _classify_bits(self, address: ipaddress.IPv4Address, lang: str = "en") -> tuple[ListState, str]:
        last = address.packed[3]
        found: list[tuple[ListState, str]] = []
        unknown: list[int] = []
        for bit in (1 << i for i in range(8)):
            if last & bit:
                hit = self._match(ipaddress.IPv4Address(f"127.0.0.{bit}"))
                if hit is None:
                    unknown.append(bit)
                else:
                    found.append((hit.list_state, hit.meaning_in(lang)))
        if not found:
            return self._unknown(address)
        if any(state is ListState.REFUSED for state, _ in found):
            refused = [m for s, m in found if s is ListState.REFUSED]
            return ListState.REFUSED, "; ".join(refused)
        state = max((s for s, _ in found), key=_SEVERITY.__getitem__)
        meanings = [m for _, m in found] + [f"undocumented bit {b}" for b in unknown]
        return state, "; ".join(meanings)

    def _unknown(self, address: ipaddress.IPv4Address) -> tuple[ListState, str]:
        if self.unknown_code is UnknownCode.LISTED and _BY_KIND[self.kind] is not ListState.UNRELIABLE:
            return _BY_KIND[self.kind], (f"undocumented return code {address}; any 127.0.0.0/8 "
                                         f"answer counts as a listing on {self.zone}")
        return ListState.UNRELIABLE, f"undocumented return code {address} from {self.zone}"


@dataclass(frozen=True)
class Lookup:
    """A non-blocklist DNS lookup (Team Cymru IP-to-ASN): never classified as listed or clear."""

    id: str
    name: str
    zone: str
    operator: str
    subject: str
    record_type: str
    query: str
    answer_fields: tuple[str, ...]
    terms: str | None = None
    notes: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """All known zones, the non-blocklist lookups and the public-resolver table."""

    zones: tuple[Zone, ...]
    lookups: tuple[Lookup, ...] = ()
    public_resolvers: Mapping[str, str] = field(default_factory=dict, hash=False)
    curated: str = ""

    def by_id(self, zone_id: str) -> Zone:
        """The zone with this id; :class:`KeyError` if there is none."""
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(f"no blocklist zone with id {zone_id!r}")

    def active(self) -> tuple[Zone, ...]:
        """Zones that still answer meaningfully."""
        return tuple(z for z in self.zones if z.is_active)

    def enabled(self) -> tuple[Zone, ...]:
        """Zones queried by default."""
        return tuple(z for z in self.zones if z.enabled and z.is_active)

    def dead(self) -> tuple[Zone, ...]:
        """Dead and wildcarded zones (never queried; flagged when a server config uses them)."""
        return tuple(z for z in self.zones if not z.is_active)

    def for_subject(self, subject: Subject | str, *, include_disabled: bool = False
                    ) -> tuple[Zone, ...]:
        """Active zones listing this kind of subject (enabled ones only unless asked)."""
        pool = self.active() if include_disabled else self.enabled()
        return tuple(z for z in pool if z.supports(subject))

    def find_by_zone_name(self, name: str) -> Zone | None:
        """The zone a configured name refers to: exact name or alias, DQS/keyed form, sub-zone.

        Case-insensitive and trailing-dot tolerant. ``<key>.zen.dq.spamhaus.net`` finds ZEN;
        ``new.spam.dnsbl.sorbs.net`` finds the (dead) SORBS family through ``match_subzones``.
        """
        wanted = name.strip().lower().rstrip(".")
        for zone in self.zones:
            if wanted == zone.zone or wanted in zone.aliases:
                return zone
        for zone in self.zones:
            if zone.dqs_zone is not None:
                base = zone.dqs_zone.split(".", 1)[1]
                head, dot, tail = wanted.partition(".")
                if wanted == base or (dot and tail == base and head):
                    return zone
        best: Zone | None = None
        best_len = 0
        for zone in self.zones:
            if zone.match_subzones:
                for suffix in (zone.zone, *zone.aliases):
                    if wanted.endswith("." + suffix) and len(suffix) > best_len:
                        best, best_len = zone, len(suffix)
        return best

    def public_resolver(self, address: str) -> str | None:
        """The provider name if ``address`` is a well-known public resolver, else None."""
        try:
            key = ipaddress.ip_address(address.strip()).compressed
        except ValueError:
            return None
        return self.public_resolvers.get(key)


def _fill(template: str, subject: str) -> str:
    return template.replace("{ip}", subject).replace("{subject}", subject)
