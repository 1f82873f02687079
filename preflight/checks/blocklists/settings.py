"""Blocklist settings: a frozen value in ``RunConfig.extras["blocklists"]``, from plan and flags.

A run without these settings checks the catalogue's default zone set. The plan's
``[blocklists]`` table is validated by :data:`PLAN_TABLE` (registered in
:mod:`preflight.registry`, read by the plan loader in :mod:`preflight.config`);
:func:`from_options` merges it with the flags.

The Spamhaus DQS key is a secret: :class:`DqsKey` never shows its value in ``repr``/``str``,
and no message here ever quotes it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from preflight.data.catalogue import Catalogue, PointBasis, Requirement, Subject, TestPoints, Zone
from preflight.data.loader import load_catalogue, parse_custom_zone
from preflight.errors import UsageError

if TYPE_CHECKING:
    from preflight.engine import RunConfig

EXTRAS_KEY = "blocklists"
DQS_ENV = "PREFLIGHT_SPAMHAUS_DQS_KEY"
"""Environment variable holding the Spamhaus DQS key (read by the CLI)."""

_KEY_RE = re.compile(r"^[A-Za-z0-9]{8,64}$")
_DQS_SUFFIX = ".dq.spamhaus.net"


@dataclass(frozen=True)
class DqsKey:
    """A Spamhaus Data Query Service key. Its value appears only inside DNS query names."""

    value: str = field(repr=False)

    @classmethod
    def parse(cls, text: object, what: str = "--spamhaus-dqs-key") -> DqsKey:
        """Validate a key (8-64 letters and digits); the error message never quotes it."""
        raw = text.strip() if isinstance(text, str) else ""
        if not _KEY_RE.match(raw):
            raise UsageError(f"{what}: not a Spamhaus DQS key (expected 8-64 letters and digits)")
        return cls(raw.lower())

    def __repr__(self) -> str:
        return "DqsKey(<redacted>)"

    __str__ = __repr__


def uses_dqs(zone: Zone) -> bool:
    """True for the Spamhaus zones a DQS key switches to ``<key>.<zone>.dq.spamhaus.net``."""
    return zone.dqs_zone is not None and zone.dqs_zone.endswith(_DQS_SUFFIX)


@dataclass(frozen=True)
class BlocklistSettings:
    """Which zones to ask, and how."""

    enabled: bool = True
    zones: tuple[Zone, ...] | None = None
    """Zones to query; None = the catalogue's default set."""
    dead: tuple[Zone, ...] = ()
    """Zones the plan names that are dead or wildcarded: reported, never queried."""
    neighbourhood: bool = False
    """Also check the IPv4 /24 around each IP (collateral risk)."""
    dqs_key: DqsKey | None = None

    def chosen(self, catalogue: Catalogue | None = None) -> tuple[Zone, ...]:
        """The zones this run queries."""
        if self.zones is not None:
            return self.zones
        return (catalogue or load_catalogue()).enabled()


def settings_of(config: RunConfig) -> BlocklistSettings:
    """The blocklist settings of a run (the catalogue defaults when the config has none)."""
    found = config.extras.get(EXTRAS_KEY)
    return found if isinstance(found, BlocklistSettings) else BlocklistSettings()


def with_settings(config: RunConfig, settings: BlocklistSettings) -> RunConfig:
    """``config`` with ``settings`` in its extras."""
    return dataclasses.replace(config, extras={**config.extras, EXTRAS_KEY: settings})


# -- plan validators (preflight.config.PLAN_SECTIONS["blocklists"]) ---------------------------


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"plan: {key} must be true or false, not {type(value).__name__}")
    return value


def _ids(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"plan: {key} must be a list of blocklist ids")
    catalogue = load_catalogue()
    known = {z.id for z in catalogue.zones}
    for item in value:
        if item not in known:
            raise UsageError(f"plan: {key}: unknown blocklist id {item[:60]!r} "
                             "(`preflight lists` shows the ids)")
    return list(dict.fromkeys(value))


def _custom(value: Any, key: str) -> tuple[Zone, ...]:
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        raise UsageError(f"plan: {key} must be an array of tables ([[blocklists.custom]])")
    zones: list[Zone] = []
    for index, item in enumerate(value):
        try:
            zones.append(parse_custom_zone(item))
        except ValueError as exc:
            raise UsageError(f"plan: {key}[{index}]: {exc}") from None
    return tuple(zones)


def with_rfc_test_points(zone: Zone) -> Zone:
    """A user's zone with the RFC 5782 section 5 test entries every DNSxL must carry.

    Without them a dead list that wildcards would read as "listed" for everything.
    """
    if zone.test_points is not None:
        return zone
    v4, v6, dom = (zone.supports(s) for s in (Subject.IPV4, Subject.IPV6, Subject.DOMAIN))
    rfc = TestPoints(
        ipv4_listed="127.0.0.2" if v4 else None, ipv4_not_listed="127.0.0.1" if v4 else None,
        ipv6_listed="::ffff:7f00:2" if v6 else None, ipv6_not_listed="::ffff:7f00:1" if v6 else None,
        domain_listed="test" if dom else None, domain_not_listed="invalid" if dom else None,
        basis=PointBasis.RFC5782)
    return dataclasses.replace(zone, test_points=rfc)


def _key(value: Any, key: str) -> DqsKey:
    return DqsKey.parse(value, f"plan: {key}")


PLAN_TABLE: dict[str, Callable[[Any, str], Any]] = {
    "enabled": _bool,
    "zones": _ids,
    "disable": _ids,
    "custom": _custom,
    "neighbourhood": _bool,
    "spamhaus_dqs_key": _key,
}
"""Keys of the plan's ``[blocklists]`` table and how each is checked."""


# -- merging plan and flags --------------------------------------------------------------------


def resolve_zones(
    catalogue: Catalogue,
    *,
    add: Iterable[str] = (),
    disable: Iterable[str] = (),
    custom: Iterable[Zone] = (),
    dqs_key: DqsKey | None = None,
) -> tuple[tuple[Zone, ...], tuple[Zone, ...]]:
    """``(zones to query, dead zones to report)`` from the default set and the plan's changes.

    A custom zone that names a catalogue zone is that zone (with its documented codes); one
    that names a dead or wildcarded zone is reported and never queried.
    """
    off = set(disable)
    chosen: dict[str, Zone] = {z.id: z for z in catalogue.enabled() if z.id not in off}
    dead: dict[str, Zone] = {}
    for zone_id in add:
        zone = catalogue.by_id(zone_id)
        (chosen if zone.is_active else dead)[zone.id] = zone
    for zone in custom:
        known = catalogue.find_by_zone_name(zone.zone)
        if known is not None and not known.is_active:
            dead[known.id] = known
        elif known is not None:
            chosen.setdefault(known.id, known)
        else:
            chosen.setdefault(zone.id, with_rfc_test_points(zone))
    for zone in chosen.values():
        if Requirement.KEY not in zone.requires:
            continue
        if not uses_dqs(zone):
            raise UsageError(f"blocklist zone {zone.id} needs an access key for {zone.operator}, "
                             "which preflight cannot send yet; remove it from blocklists.zones")
        if dqs_key is None:
            raise UsageError(f"blocklist zone {zone.id} needs a Spamhaus DQS key: give "
                             f"--spamhaus-dqs-key (or {DQS_ENV}, or spamhaus_dqs_key in the plan)")
    return tuple(chosen.values()), tuple(dead.values())


def from_options(
    plan: Mapping[str, Any],
    *,
    dqs_key: str | None = None,
    neighbourhood: bool | None = None,
    enabled: bool | None = None,
) -> BlocklistSettings:
    """Merge ``[blocklists]`` of the plan with the flags (flags win)."""
    key = DqsKey.parse(dqs_key) if dqs_key is not None else plan.get("blocklists.spamhaus_dqs_key")
    zones, dead = resolve_zones(
        load_catalogue(),
        add=plan.get("blocklists.zones", ()),
        disable=plan.get("blocklists.disable", ()),
        custom=plan.get("blocklists.custom", ()),
        dqs_key=key,
    )
    return BlocklistSettings(
        enabled=enabled if enabled is not None else bool(plan.get("blocklists.enabled", True)),
        zones=zones,
        dead=dead,
        neighbourhood=neighbourhood if neighbourhood is not None
        else bool(plan.get("blocklists.neighbourhood", False)),
        dqs_key=key,
    )
