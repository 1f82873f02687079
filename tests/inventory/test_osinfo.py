"""os-release parsing against real files and awkward input."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.inventory.osinfo import OsRelease, parse_os_release

SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (
            "os-release-centos7",
            OsRelease("centos", ("rhel", "fedora"), "7", "CentOS Linux", "CentOS Linux 7 (Core)"),
        ),
        (
            "os-release-centos8",
            OsRelease("centos", ("rhel", "fedora"), "8", "CentOS Linux", "CentOS Linux 8"),
        ),
        (
            "os-release-centos-stream9",
            OsRelease("centos", ("rhel", "fedora"), "9", "CentOS Stream", "CentOS Stream 9"),
        ),
        (
            "os-release-almalinux9",
            OsRelease(
                "almalinux",
                ("rhel", "centos", "fedora"),
                "9.4",
                "AlmaLinux",
                "AlmaLinux 9.4 (Seafoam Ocelot)",
            ),
        ),
        (
            "os-release-rocky9",
            OsRelease(
                "rocky",
                ("rhel", "centos", "fedora"),
                "9.4",
                "Rocky Linux",
                "Rocky Linux 9.4 (Blue Onyx)",
            ),
        ),
        (
            "os-release-rhel9",
            OsRelease(
                "rhel",
                ("fedora",),
                "9.4",
                "Red Hat Enterprise Linux",
                "Red Hat Enterprise Linux 9.4 (Plow)",
            ),
        ),
        (
            "os-release-debian12",
            OsRelease("debian", (), "12", "Debian GNU/Linux", "Debian GNU/Linux 12 (bookworm)"),
        ),
        (
            "os-release-ubuntu2404",
            OsRelease("ubuntu", ("debian",), "24.04", "Ubuntu", "Ubuntu 24.04.1 LTS"),
        ),
    ],
)
def test_real_os_release_files(sample: str, expected: OsRelease) -> None:
    assert parse_os_release((SAMPLES / sample).read_text()) == expected


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ('ID="centos"', "id", "centos"),
        ("ID='centos'", "id", "centos"),
        ("ID=CentOS", "id", "centos"),
        ('  ID = "debian"  ', "id", "debian"),
        ('NAME="Quoted \\"inner\\" \\$HOME"', "name", 'Quoted "inner" $HOME'),
        ("NAME=bare value", "name", "bare"),
        ('NAME="unterminated', "name", "unterminated"),
        ("ID=debian\nID=ubuntu", "id", "ubuntu"),
        ("# ID=commented\nID=rocky", "id", "rocky"),
        ("garbage line\n=\n==\nID=ol\n\x00\x01", "id", "ol"),
        ('VERSION_ID="9.4"\r\n', "version_id", "9.4"),
        ('PRETTY_NAME="evil\x1b[31m\u202etext"', "pretty_name", "evil[31mtext"),
        ('ID="Bad ID!"', "id", "badid"),
        ("", "id", ""),
    ],
)
def test_awkward_lines(text: str, field: str, value: str) -> None:
    assert getattr(parse_os_release(text), field) == value


def test_bytes_and_none_are_accepted() -> None:
    assert parse_os_release(b'ID=debian\nVERSION_ID="12"\n').version_id == "12"
    assert parse_os_release(None) == OsRelease("", (), "", "", "")


def test_huge_input_is_bounded() -> None:
    # Given an os-release whose useful line comes after 100 KiB of junk
    text = "X=" + "a" * 200_000 + "\nID=debian\n"
    # Then the line is beyond the read limit and nothing leaks through
    result = parse_os_release(text)
    assert result.id == ""
    assert len(parse_os_release("NAME=" + "b" * 10_000).name) == 256


def test_label_falls_back() -> None:
    assert OsRelease("x", (), "1", "", "").label == "x 1"
    assert OsRelease("", (), "", "", "").label == "unknown"
    assert OsRelease("x", (), "1", "Xeno", "").label == "Xeno 1"
