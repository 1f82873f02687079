"""End-of-life table and status, with a fixed 'today' (2026-11-29)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from preflight.inventory.eol import (
    EolState,
    distro_key,
    eol_status,
    load_eol_table,
    parse_eol_table,
    release_key,
)
from preflight.inventory.osinfo import OsRelease, parse_os_release

SAMPLES = Path(__file__).parent / "samples"
TODAY = date(2026, 11, 29)


def test_table_loads_and_is_curated_2026_11_29() -> None:
    table = load_eol_table()
    assert table.curated == date(2026, 11, 29)
    assert load_eol_table() is table  # cached


REQUIRED = {
    "centos": ["7", "8"],
    "centos-stream": ["8", "9", "10"],
    "rhel": ["7", "8", "9", "10"],
    "almalinux": ["8", "9", "10"],
    "rocky": ["8", "9", "10"],
    "ol": ["7", "8", "9", "10"],
    "debian": ["9", "10", "11", "12", "13"],
    "ubuntu": ["16.04", "18.04", "20.04", "22.04", "24.04", "26.04"],
}


@pytest.mark.parametrize(("distro", "releases"), sorted(REQUIRED.items()))
def test_table_covers_required_releases(distro: str, releases: list[str]) -> None:
    rows = load_eol_table().distros[distro].releases
    for release in releases:
        row = rows[release]
        assert row.name and row.source.startswith("https://")
        if row.eol and row.extended_eol:
            assert row.extended_eol >= row.eol
        if row.extended_eol:
            assert row.extended_name


def test_known_fixed_dates() -> None:
    rows = load_eol_table().distros
    assert rows["centos"].releases["7"].eol == date(2024, 6, 30)
    assert rows["centos"].releases["8"].eol == date(2021, 12, 31)
    assert rows["centos-stream"].releases["8"].eol == date(2024, 5, 31)
    assert rows["centos-stream"].releases["9"].eol == date(2027, 5, 31)


@pytest.mark.parametrize(
    ("sample", "label", "state", "eol", "days_left"),
    [
        ("os-release-centos7", "CentOS Linux 7", EolState.ENDED, date(2024, 6, 30), -882),
        ("os-release-centos8", "CentOS Linux 8", EolState.ENDED, date(2021, 12, 31), -1794),
        (
            "os-release-centos-stream9",
            "CentOS Stream 9",
            EolState.ENDING_SOON,
            date(2027, 5, 31),
            183,
        ),
        ("os-release-almalinux9", "AlmaLinux OS 9", EolState.SUPPORTED, date(2032, 5, 31), 2010),
        ("os-release-rocky9", "Rocky Linux 9", EolState.SUPPORTED, date(2032, 5, 31), 2010),
        (
            "os-release-rhel9",
            "Red Hat Enterprise Linux 9",
            EolState.SUPPORTED,
            date(2032, 5, 31),
            2010,
        ),
        # Debian 12: Debian Security support ended 2026-06-10; Debian LTS runs to 2028-06-30.
        ("os-release-debian12", "Debian 12 (bookworm)", EolState.ENDED, date(2026, 6, 10), -172),
        (
            "os-release-ubuntu2404",
            "Ubuntu 24.04 LTS (Noble Numbat)",
            EolState.SUPPORTED,
            date(2029, 5, 31),
            914,
        ),
    ],
)
def test_status_of_real_systems(
    sample: str, label: str, state: EolState, eol: date, days_left: int
) -> None:
    status = eol_status(parse_os_release((SAMPLES / sample).read_text()), TODAY)
    assert (status.os_label, status.state, status.eol, status.days_left) == (
        label,
        state,
        eol,
        days_left,
    )
    assert status.source and status.source.startswith("https://")


def test_debian12_extended_support_still_running() -> None:
    status = eol_status(parse_os_release((SAMPLES / "os-release-debian12").read_text()), TODAY)
    assert status.extended_eol == date(2028, 6, 30)
    assert status.extended_name == "Debian LTS"
    assert status.extended_days_left == 579


def _os(id_: str, version: str, name: str = "", like: tuple[str, ...] = ()) -> OsRelease:
    return OsRelease(id_, like, version, name, "")


@pytest.mark.parametrize(
    ("os_release", "today", "state", "days_left"),
    [
        # boundary around "ending soon" (365 days) using CentOS Stream 9 (2027-05-31)
        (_os("centos", "9", "CentOS Stream"), date(2026, 5, 30), EolState.SUPPORTED, 366),
        (_os("centos", "9", "CentOS Stream"), date(2026, 5, 31), EolState.ENDING_SOON, 365),
        (_os("centos", "9", "CentOS Stream"), date(2027, 5, 31), EolState.ENDING_SOON, 0),
        (_os("centos", "9", "CentOS Stream"), date(2027, 6, 1), EolState.ENDED, -1),
        # CentOS Linux 9 does not exist: without "Stream" in NAME it is unknown
        (_os("centos", "9", "CentOS Linux"), TODAY, EolState.UNKNOWN, None),
        (_os("ubuntu", "22.04", "Ubuntu"), TODAY, EolState.ENDING_SOON, 123),
        (_os("ubuntu", "25.10", "Ubuntu"), TODAY, EolState.ENDED, -151),
        (_os("rhel", "8.10"), TODAY, EolState.SUPPORTED, 914),
        (_os("rhel", "7.9"), TODAY, EolState.ENDED, -882),
        (_os("ol", "10.0"), TODAY, EolState.SUPPORTED, None),
        (_os("debian", "13"), TODAY, EolState.SUPPORTED, 619),
        (_os("almalinux", "8.10"), TODAY, EolState.SUPPORTED, 823),
    ],
)
def test_status_table(
    os_release: OsRelease, today: date, state: EolState, days_left: int | None
) -> None:
    status = eol_status(os_release, today)
    assert (status.state, status.days_left) == (state, days_left)


def test_unknown_interim_ubuntu_gets_a_note() -> None:
    status = eol_status(_os("ubuntu", "26.10", "Ubuntu"), TODAY)
    assert status.state is EolState.UNKNOWN
    assert "9 months" in status.note


def test_unknown_distribution_mentions_id_like_and_is_not_guessed() -> None:
    status = eol_status(_os("cloudlinux", "8.9", "CloudLinux", ("rhel", "centos")), TODAY)
    assert status.state is EolState.UNKNOWN
    assert "cloudlinux" in status.note and "rhel" in status.note
    assert status.os_label == "CloudLinux 8.9"


def test_missing_version_id_is_unknown() -> None:
    status = eol_status(_os("debian", "", "Debian GNU/Linux"), TODAY)
    assert status.state is EolState.UNKNOWN and "VERSION_ID" in status.note


def test_state_is_a_json_friendly_string() -> None:
    assert EolState.ENDING_SOON == "ending_soon"


@pytest.mark.parametrize(
    ("version_id", "match", "key"),
    [
        ("9.4", "major", "9"),
        ("7", "major", "7"),
        ("24.04", "exact", "24.04"),
        ("24.04.1", "exact", "24.04"),
    ],
)
def test_release_key(version_id: str, match: str, key: str) -> None:
    assert release_key(version_id, match) == key


def test_stream_detected_by_name() -> None:
    assert distro_key(_os("centos", "8", "CentOS Stream")) == "centos-stream"
    assert distro_key(_os("centos", "8", "CentOS Linux")) == "centos"


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"distro": {"x": {"version_match": "fuzzy"}}, "curated": date(2026, 1, 1)},
        {"distro": {"x": {"release": [{"release": "1", "eol": 5}]}}, "curated": date(2026, 1, 1)},
        {
            "distro": {"x": {"release": [{"release": "1"}, {"release": "1"}]}},
            "curated": date(2026, 1, 1),
        },
        {"distro": {"x": {"release": ["oops"]}}, "curated": date(2026, 1, 1)},
        {"distro": {"x": {}}},
    ],
)
def test_malformed_tables_are_rejected(document: dict) -> None:
    with pytest.raises(ValueError):
        parse_eol_table(document)
