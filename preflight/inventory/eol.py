"""Operating-system end-of-life lookup: the packaged table and a pure status function.

The dates live in ``preflight/data/os_eol.toml`` (data, with sources and notes);
:func:`load_eol_table` reads and validates it once, :func:`eol_status` maps an
:class:`~preflight.inventory.osinfo.OsRelease` and a date onto an :class:`EolStatus`. No clock is
read here: the caller passes ``today``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from importlib import resources
from types import MappingProxyType
from typing import Any

from preflight.inventory.osinfo import OsRelease

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ENDING_SOON_DAYS = 365
"""An end date at most this many days ahead counts as "ending soon"."""

STREAM_KEY = "centos-stream"


class EolTableError(ValueError):
    """The end-of-life table is malformed."""


class EolState(str, Enum):
    """Support state of an operating-system release on a given day."""

    ENDED = "ended"
    ENDING_SOON = "ending_soon"
    SUPPORTED = "supported"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class EolRelease:
    """One row of the table: a major release of one distribution."""

    release: str
    name: str
    eol: date | None
    extended_eol: date | None
    extended_name: str
    source: str
    note: str


@dataclass(frozen=True)
class DistroEol:
    """All rows of one distribution (keyed by os-release ID, plus ``centos-stream``)."""

    key: str
    label: str
    version_match: str  # "major" or "exact"
    source: str
    note: str
    unknown_release_note: str
    releases: Mapping[str, EolRelease]


@dataclass(frozen=True)
class EolTable:
    """The whole end-of-life table."""

    curated: date
    distros: Mapping[str, DistroEol]


@dataclass(frozen=True)
class EolStatus:
    """Where an OS release stands on ``today``.

    ``days_left`` is ``eol - today`` in days (negative once ended, ``None`` without a date);
    ``extended_days_left`` likewise for ``extended_eol``. ``note`` carries the table's caveats or
    the reason the state is unknown.
    """

    os_label: str
    eol: date | None
    extended_eol: date | None
    extended_name: str
    state: EolState
    days_left: int | None
    extended_days_left: int | None
    source: str | None
    note: str
    distro: str
    release: str


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise EolTableError(f"{where}: {exc}") from None
    raise EolTableError(f"{where}: expected a date, got {value!r}")


def _str(value: Any, where: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise EolTableError(f"{where}: expected a string, got {value!r}")
    return value


def parse_eol_table(data: Mapping[str, Any]) -> EolTable:
    """Validate the decoded TOML document and build an :class:`EolTable`.

    Raises :class:`EolTableError` when the document is malformed.
    """
    distros: dict[str, DistroEol] = {}
    raw_distros = data.get("distro")
    if not isinstance(raw_distros, Mapping) or not raw_distros:
        raise EolTableError("os_eol: no [distro.*] tables")
    for key, raw in raw_distros.items():
        where = f"os_eol distro.{key}"
        if not isinstance(raw, Mapping):
            raise EolTableError(f"{where}: not a table")
        match = _str(raw.get("version_match"), where, "major")
        if match not in ("major", "exact"):
            raise EolTableError(f"{where}: version_match must be 'major' or 'exact'")
        releases: dict[str, EolRelease] = {}
        rows = raw.get("release", [])
        if not isinstance(rows, list):
            raise EolTableError(f"{where}: 'release' must be an array of tables")
        for row in rows:
            if not isinstance(row, Mapping):
                raise EolTableError(f"{where}: release entry is not a table")
            rwhere = f"{where} release {row.get('release')!r}"
            release = _str(row.get("release"), rwhere)
            if not release or release in releases:
                raise EolTableError(f"{rwhere}: missing or duplicate release")
            releases[release] = EolRelease(
                release=release,
                name=_str(row.get("name"), rwhere) or f"{raw.get('label', key)} {release}",
                eol=_date(row.get("eol"), rwhere),
                extended_eol=_date(row.get("extended_eol"), rwhere),
                extended_name=_str(row.get("extended_name"), rwhere),
                source=_str(row.get("source"), rwhere) or _str(raw.get("source"), where),
                note=_str(row.get("note"), rwhere),
            )
        distros[key] = DistroEol(
            key=key,
            label=_str(raw.get("label"), where, key),
            version_match=match,
            source=_str(raw.get("source"), where),
            note=_str(raw.get("note"), where),
            unknown_release_note=_str(raw.get("unknown_release_note"), where),
            releases=MappingProxyType(releases),
        )
    curated = _date(data.get("curated"), "os_eol curated")
    if curated is None:
        raise EolTableError("os_eol: 'curated' date missing")
    return EolTable(curated=curated, distros=MappingProxyType(distros))


@functools.lru_cache(maxsize=1)
def load_eol_table() -> EolTable:
    """Load the packaged ``preflight/data/os_eol.toml`` (cached; raises :class:`EolTableError`)."""
    raw = resources.files("preflight.data").joinpath("os_eol.toml").read_bytes()
    return parse_eol_table(tomllib.loads(raw.decode("utf-8")))


def release_key(version_id: str, version_match: str) -> str:
    """Reduce VERSION_ID to the table key: "9.4" -> "9" (major) or "24.04.1" -> "24.04" (exact)."""
    parts = version_id.strip().split(".")
    if version_match == "exact":
        return ".".join(parts[:2])
    return parts[0]


def distro_key(os_release: OsRelease) -> str:
    """Table key for ``os_release``: its ID, except for CentOS Stream.

    CentOS Stream's os-release says ID=centos; it is recognised by "Stream" in NAME/PRETTY_NAME.
    """
    if (
        os_release.id == "centos"
        and "stream" in f"{os_release.name} {os_release.pretty_name}".lower()
    ):
        return STREAM_KEY
    return os_release.id


def _state(eol: date | None, today: date) -> tuple[EolState, int | None]:
    if eol is None:
        return EolState.SUPPORTED, None
    days = (eol - today).days
    if days < 0:
        return EolState.ENDED, days
    if days <= ENDING_SOON_DAYS:
        return EolState.ENDING_SOON, days
    return EolState.SUPPORTED, days


def eol_status(os_release: OsRelease, today: date, table: EolTable | None = None) -> EolStatus:
    """Return the support state of ``os_release`` on ``today``.

    States: ``ended`` (``eol`` is before ``today``), ``ending_soon`` (``eol`` within 365 days,
    the end day itself included), ``supported``, ``unknown`` (distribution or release not in the
    table, or no VERSION_ID). A release listed without an ``eol`` (vendor has not published
    one) is ``supported`` with ``days_left`` None. Derivatives are not guessed from ID_LIKE:
    their lifecycles differ from their parents'.
    """
    table = table if table is not None else load_eol_table()
    key = distro_key(os_release)
    distro = table.distros.get(key)
    if distro is None:
        like = f" (ID_LIKE: {' '.join(os_release.id_like)})" if os_release.id_like else ""
        return _unknown(
            os_release,
            key,
            f"Distribution '{key or 'unknown'}'{like} is not in the end-of-life table "
            f"(curated {table.curated.isoformat()}); check its vendor's lifecycle page.",
        )
    if not os_release.version_id:
        return _unknown(
            os_release,
            key,
            "os-release has no VERSION_ID (a rolling or testing release?); "
            "the support end cannot be determined.",
            source=distro.source,
        )
    release = release_key(os_release.version_id, distro.version_match)
    row = distro.releases.get(release)
    if row is None:
        note = distro.unknown_release_note or (
            f"{distro.label} {release} is not in the end-of-life table "
            f"(curated {table.curated.isoformat()})."
        )
        return _unknown(os_release, key, note, source=distro.source, release=release)
    state, days = _state(row.eol, today)
    ext_days = (row.extended_eol - today).days if row.extended_eol else None
    return EolStatus(
        os_label=row.name,
        eol=row.eol,
        extended_eol=row.extended_eol,
        extended_name=row.extended_name,
        state=state,
        days_left=days,
        extended_days_left=ext_days,
        source=row.source or distro.source or None,
        note=row.note,
        distro=key,
        release=release,
    )


def _unknown(
    os_release: OsRelease, key: str, note: str, *, source: str | None = None, release: str = ""
) -> EolStatus:
    return EolStatus(
        os_label=os_release.label,
        eol=None,
        extended_eol=None,
        extended_name="",
        state=EolState.UNKNOWN,
        days_left=None,
        extended_days_left=None,
        source=source or None,
        note=note,
        distro=key,
        release=release,
    )
