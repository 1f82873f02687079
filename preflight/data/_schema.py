"""Validation of the blocklist catalogue and of users' custom zones (private to preflight.data).

Every key of ``blocklists.toml`` (and of a plan's ``[[blocklists.custom]]`` entry) is checked
here and turned into the frozen types of :mod:`preflight.data.catalogue`; a bad entry is a
one-line :class:`ValueError` naming the zone id and the key. Import the public names from
:mod:`preflight.data.catalogue`, not from here.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re
import string
import sys
from collections.abc import Iterable, Mapping
from enum import Enum
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from preflight.data.catalogue import (
    PACKAGE,
    RESOURCE,
    Catalogue,
    Code,
    CodeState,
    DefaultWhy,
    Grade,
    Lookup,
    PointBasis,
    Purpose,
    Requirement,
    Subject,
    TestPoints,
    UnknownCode,
    Zone,
    ZoneKind,
    ZoneStatus,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_URL_FIELDS = frozenset({"ip", "subject"})
def validate_zone_name(name: object) -> str:
    """Return ``name`` normalised (lower case, no trailing dot) if it is a valid DNS zone name.

    Labels are 1-63 letters, digits or hyphens (not at either end), at least two labels, at most
    253 characters, and the last label is not all digits. Raises :class:`ValueError` otherwise.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"zone name must be a non-empty string, got {name!r}")
    text = name.strip().lower()
    text = text.removesuffix(".")
    labels = text.split(".")
    if len(text) > 253 or len(labels) < 2:
        raise ValueError(f"invalid zone name {name!r}: need 2+ labels and at most 253 characters")
    for label in labels:
        if not _LABEL_RE.match(label):
            raise ValueError(f"invalid zone name {name!r}: bad label {label!r}")
    if labels[-1].isdigit():
        raise ValueError(f"invalid zone name {name!r}: looks like an IP address")
    return text


_E = TypeVar("_E", bound=Enum)


class _Table:
    """Typed, key-checked access to one TOML table; errors name the zone id and the key."""

    def __init__(self, data: object, where: str, allowed: Iterable[str]) -> None:
        if not isinstance(data, Mapping):
            # ValueError on purpose: callers report every bad catalogue/plan entry the same way.
            raise ValueError(f"{where}: expected a table, got {type(data).__name__}")  # noqa: TRY004
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
        self.data, self.where = data, where

    def fail(self, key: str, problem: str) -> ValueError:
        return ValueError(f"{self.where}: key {key!r}: {problem}")

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing required value")
            return None
        if isinstance(value, _dt.date) and key == "dead_since":
            value = value.isoformat()
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value

    def req(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def texts(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, f"expected a list of strings, got {value!r}")
        if required and not value:
            raise self.fail(key, "must not be empty")
        if len(set(value)) != len(value):
            raise self.fail(key, "contains duplicates")
        return tuple(value)

    def choice(self, key: str, enum: type[_E], value: object) -> _E:
        try:
            return enum(value)
        except ValueError:
            options = ", ".join(repr(m.value) for m in enum)
            raise self.fail(key, f"{value!r} is not one of {options}") from None

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        parts = urlsplit(value)
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as exc:
            raise self.fail(key, f"bad placeholder in {value!r}: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.fail(key, f"not an http(s) URL: {value!r}")
        if not names <= _URL_FIELDS:
            raise self.fail(key, f"placeholders must be {{ip}} or {{subject}}, got {sorted(names)}")
        return value


_ZONE_KEYS = frozenset({
    "id", "name", "zone", "operator", "subjects", "kind", "enabled", "status", "codes",
    "unknown_code", "bitmask", "dqs_zone", "requires", "terms", "lookup_url", "delist_url",
    "test_points", "sources", "aliases", "match_subzones", "dead_since", "dead_note",
    "replaced_by", "notes", "purpose", "default_why", "curated", "test_points_missing",
    "unknown_code_basis",
})
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_POINT_KEYS = frozenset(f.name for f in TestPoints.__dataclass_fields__.values())


_POINT_LABEL_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
"""Test-point labels may carry underscores (SEM documents ``_DNSBL_.test``)."""


def _valid_subject(kind: Subject, value: str) -> bool:
    if kind is Subject.DOMAIN:
        return all(_POINT_LABEL_RE.match(label) for label in value.lower().split("."))
    try:
        (ipaddress.IPv4Address if kind is Subject.IPV4 else ipaddress.IPv6Address)(value)
    except ValueError:
        return False
    return True


def _parse_points(t: _Table, subjects: tuple[Subject, ...]) -> TestPoints | None:
    if "test_points" not in t.data:
        return None
    p = _Table(t.data["test_points"], f"{t.where}: key 'test_points'", _POINT_KEYS)
    values: dict[str, str] = {}
    for key in sorted(_POINT_KEYS - {"basis", "listed_answers"}):
        value = p.text(key)
        if value is None:
            continue
        kind = Subject(key.split("_", 1)[0])
        if kind not in subjects:
            raise p.fail(key, f"zone does not list {kind.value} subjects")
        if not _valid_subject(kind, value):
            raise p.fail(key, f"{value!r} is not a valid {kind.value} test subject")
        values[key] = value
    if not values:
        raise p.fail("test_points", "empty table (omit it and say why in notes)")
    basis = p.choice("basis", PointBasis, p.data.get("basis", PointBasis.RFC5782.value))
    answers = p.texts("listed_answers")
    for answer in answers:
        try:
            Code(answer, "test answer", CodeState.LISTED)  # validates the code
        except ValueError as exc:
            raise p.fail("listed_answers", str(exc)) from None
    return TestPoints(basis=basis, listed_answers=answers, **values)


def _parse_codes(t: _Table) -> tuple[Code, ...]:
    raw = t.data.get("codes", [])
    if not isinstance(raw, list):
        raise t.fail("codes", f"expected a list of tables, got {raw!r}")
    codes: list[Code] = []
    for index, item in enumerate(raw):
        c = _Table(item, f"{t.where}: key 'codes' [{index}]", ("code", "meaning", "meaning_ja", "state", "grade"))
        grade = c.text("grade")
        try:
            codes.append(Code(code=c.req("code"), meaning=c.req("meaning"), meaning_ja=c.text("meaning_ja"),
                              state=c.choice("state", CodeState, c.req("state")),
                              grade=None if grade is None else c.choice("grade", Grade, grade)))
        except ValueError as exc:
            raise t.fail("codes", str(exc)) from None
    seen = [c.code for c in codes]
    if len(set(seen)) != len(seen):
        raise t.fail("codes", "duplicate code")
    return tuple(codes)


def _parse_zone(data: object, where: str, *, allowed: Iterable[str] = _ZONE_KEYS,
                custom: bool = False) -> Zone:
    zone_id = _Table(data, where, data if isinstance(data, Mapping) else ()).req("id")
    if not _ID_RE.match(zone_id):
        raise ValueError(f"{where}: key 'id': {zone_id!r} must be lower-case letters, digits, '-'")
    t = _Table(data, f"zone {zone_id!r}", allowed)

    def name_of(key: str, value: str) -> str:
        try:
            return validate_zone_name(value)
        except ValueError as exc:
            raise t.fail(key, str(exc)) from None

    subjects = tuple(t.choice("subjects", Subject, s) for s in t.texts("subjects", required=True))
    status = t.choice("status", ZoneStatus, t.req("status"))
    enabled = t.flag("enabled")
    dqs = t.text("dqs_zone")
    if dqs is not None:
        head, _, rest = dqs.partition(".")
        if head != "{key}" or "{" in rest:
            raise t.fail("dqs_zone", f"must look like '{{key}}.<zone>', got {dqs!r}")
        dqs = "{key}." + name_of("dqs_zone", rest)
    requires = tuple(t.choice("requires", Requirement, r) for r in t.texts("requires"))
    if Requirement.KEY in requires and dqs is None:
        raise t.fail("dqs_zone", "required when 'requires' contains 'key'")
    codes = _parse_codes(t)
    bitmask = t.flag("bitmask", False)
    if status is ZoneStatus.ACTIVE:
        if not codes and not custom:
            raise t.fail("codes", "an active zone needs at least one documented code")
        unknown = t.choice("unknown_code", UnknownCode, t.data.get("unknown_code", "unknown"))
        if unknown is UnknownCode.LISTED and not custom:
            t.req("unknown_code_basis")  # never a FAIL by default: say who documents it
        for key in ("dead_since", "dead_note"):
            if key in t.data:
                raise t.fail(key, "only allowed on dead or wildcard zones")
    else:
        if enabled:
            raise t.fail("enabled", f"a {status.value} zone can never be enabled")
        t.req("dead_note")
        unknown = t.choice("unknown_code", UnknownCode, t.data.get("unknown_code", "unknown"))
    if bitmask and not any(not c.is_pattern and c.code.startswith("127.0.0.") for c in codes):
        raise t.fail("bitmask", "a bitmask zone needs its bits as 127.0.0.<bit> codes")
    dead_since = t.text("dead_since")
    if dead_since is not None and not _DATE_RE.match(dead_since):
        raise t.fail("dead_since", f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {dead_since!r}")
    curated = t.text("curated")
    if curated is None and not custom:
        raise t.fail("curated", "missing required value (the date this entry was last checked)")
    if curated is not None and not _DAY_RE.match(curated):
        raise t.fail("curated", f"expected YYYY-MM-DD, got {curated!r}")
    points = _parse_points(t, subjects)
    missing = t.text("test_points_missing")
    if points is not None and missing is not None:
        raise t.fail("test_points_missing", "only for zones without test_points")
    if points is None and missing is None and status is ZoneStatus.ACTIVE and not custom:
        raise t.fail("test_points_missing", "an active zone without test_points must say why")
    purpose = t.choice("purpose", Purpose, t.data.get("purpose", Purpose.MAIL.value))
    why = t.text("default_why")
    default_why = None if why is None else t.choice("default_why", DefaultWhy, why)
    sources = t.texts("sources", required=not custom)
    for source in sources:
        if urlsplit(source).scheme not in ("http", "https"):
            raise t.fail("sources", f"not an http(s) URL: {source!r}")
    zone = Zone(
        id=zone_id, name=t.req("name"), zone=name_of("zone", t.req("zone")),
        operator=t.req("operator"), subjects=subjects,
        kind=t.choice("kind", ZoneKind, t.req("kind")), enabled=enabled, status=status,
        codes=codes, unknown_code=unknown, bitmask=bitmask, dqs_zone=dqs, requires=requires,
        terms=t.text("terms"), lookup_url=t.url("lookup_url"), delist_url=t.url("delist_url"),
        test_points=points, sources=sources, purpose=purpose, default_why=default_why,
        curated=curated, test_points_missing=missing,
        aliases=tuple(name_of("aliases", a) for a in t.texts("aliases")),
        match_subzones=t.flag("match_subzones", False), dead_since=dead_since,
        dead_note=t.text("dead_note"), replaced_by=t.text("replaced_by"), notes=t.text("notes"),
        unknown_code_basis=t.text("unknown_code_basis"),
    )
    if not custom and zone.is_active and zone.why_default.on != zone.enabled:
        raise t.fail("default_why", f"{zone.why_default.value!r} does not fit "
                     f"enabled = {'true' if zone.enabled else 'false'}")
    return zone


def _parse_lookup(data: object, index: int) -> Lookup:
    t = _Table(data, f"[[lookup]] #{index}", Lookup.__dataclass_fields__)
    t.where = f"lookup {t.req('id')!r}"
    if t.req("subject") not in ("ipv4", "ipv6", "asn"):
        raise t.fail("subject", f"{t.req('subject')!r} is not one of 'ipv4', 'ipv6', 'asn'")
    try:
        zone = validate_zone_name(t.req("zone"))
    except ValueError as exc:
        raise t.fail("zone", str(exc)) from None
    return Lookup(id=t.req("id"), name=t.req("name"), zone=zone, operator=t.req("operator"),
                  subject=t.req("subject"), record_type=t.req("record_type"),
                  query=t.req("query"), answer_fields=t.texts("answer_fields", required=True),
                  terms=t.text("terms"), notes=t.text("notes"),
                  sources=t.texts("sources", required=True))


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """Validate a parsed ``blocklists.toml`` document and build the :class:`Catalogue`."""
    top = _Table(data, "catalogue", ("schema", "curated", "zone", "lookup", "public_resolvers"))
    if top.data.get("schema") != 1:
        raise top.fail("schema", f"unsupported schema {top.data.get('schema')!r} (expected 1)")
    raw_zones = top.data.get("zone")
    if not isinstance(raw_zones, list) or not raw_zones:
        raise top.fail("zone", "expected a non-empty array of [[zone]] tables")
    zones = tuple(_parse_zone(z, f"[[zone]] #{i}") for i, z in enumerate(raw_zones))
    ids: set[str] = set()
    names: dict[str, str] = {}
    for zone in zones:
        if zone.id in ids:
            raise ValueError(f"zone {zone.id!r}: key 'id': duplicate id")
        ids.add(zone.id)
        dqs = () if zone.dqs_zone is None else (zone.dqs_zone.split(".", 1)[1],)
        for name in dict.fromkeys((zone.zone, *zone.aliases, *dqs)):
            if name in names:
                raise ValueError(f"zone {zone.id!r}: key 'zone': {name!r} is already used by "
                                 f"zone {names[name]!r}")
            names[name] = zone.id
    for zone in zones:
        if zone.replaced_by is not None and zone.replaced_by not in ids:
            raise ValueError(f"zone {zone.id!r}: key 'replaced_by': unknown id {zone.replaced_by!r}")
    raw_lookups = top.data.get("lookup", [])
    if not isinstance(raw_lookups, list):
        raise top.fail("lookup", "expected an array of [[lookup]] tables")
    lookups = tuple(_parse_lookup(x, i) for i, x in enumerate(raw_lookups))
    raw_resolvers = top.data.get("public_resolvers", {})
    if not isinstance(raw_resolvers, Mapping):
        raise top.fail("public_resolvers", "expected a table of \"ip\" = \"provider\"")
    resolvers = _Table(raw_resolvers, "public_resolvers", raw_resolvers)
    table: dict[str, str] = {}
    for address in resolvers.data:
        try:
            key = ipaddress.ip_address(address).compressed
        except ValueError:
            raise resolvers.fail(address, "not an IP address") from None
        if key in table:
            raise resolvers.fail(address, "duplicate address")
        table[key] = resolvers.req(address)
    return Catalogue(zones=zones, lookups=lookups, public_resolvers=MappingProxyType(table),
                     curated=top.req("curated"))


def load(path: str | Path | None = None) -> Catalogue:
    """Read, decode and validate the catalogue file (the packaged one unless ``path`` is given)."""
    if path is None:
        raw = resources.files(PACKAGE).joinpath(RESOURCE).read_bytes()
    else:
        raw = Path(path).read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path or RESOURCE}: not valid TOML: {exc}") from None
    return parse_catalogue(data)


_CUSTOM_KEYS = ("zone", "name", "subjects", "kind", "codes", "delist_url")


def parse_custom_zone(mapping: Mapping[str, Any]) -> Zone:
    """Build a :class:`Zone` from a user's plan entry; raise a one-line ValueError on bad input.

    Keys: ``zone`` (required DNS name), ``name``, ``subjects`` (default ``["ipv4"]``), ``kind``
    (default ``"block"``), ``codes`` (optional ``{code, meaning, state[, grade]}`` tables),
    ``delist_url`` (optional). Any 127.0.0.0/8 answer not in ``codes`` counts as a listing of the
    zone's kind (block -> listed, policy/collateral -> policy, allow -> allowlisted).
    """
    if not isinstance(mapping, Mapping):
        raise ValueError(f"custom zone: expected a table, got {type(mapping).__name__}")  # noqa: TRY004
    unknown = sorted(set(mapping) - set(_CUSTOM_KEYS))
    if unknown:
        raise ValueError(f"custom zone: unknown key(s) {', '.join(map(repr, unknown))}")
    if "zone" not in mapping:
        raise ValueError("custom zone: missing required key 'zone'")
    try:
        zone = validate_zone_name(mapping["zone"])
    except ValueError as exc:
        raise ValueError(f"custom zone: {exc}") from None
    data: dict[str, Any] = {
        "id": "custom-" + zone.replace(".", "-")[:56], "name": mapping.get("name", zone),
        "zone": zone, "operator": "user-defined", "subjects": mapping.get("subjects", ["ipv4"]),
        "kind": mapping.get("kind", "block"), "enabled": True, "status": "active",
        "unknown_code": "listed", "codes": mapping.get("codes", []), "default_why": "user",
    }
    if "delist_url" in mapping:
        data["delist_url"] = mapping["delist_url"]
    if data["kind"] == ZoneKind.REPUTATION.value and not data["codes"]:
        raise ValueError(f"custom zone {zone!r}: kind 'reputation' needs graded 'codes'")
    try:
        return _parse_zone(data, f"custom zone {zone!r}", custom=True)
    except ValueError as exc:
        raise ValueError(str(exc).replace(f"zone {data['id']!r}", f"custom zone {zone!r}")) from None
