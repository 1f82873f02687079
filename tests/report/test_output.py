"""Writing report files: atomic for regular files, in place for devices, clear errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from preflight.errors import UsageError
from preflight.report.output import write_text


def test_regular_file_is_replaced_and_no_temp_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    assert write_text(str(target), "new") == str(target)
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_device_stays_a_device(tmp_path: Path) -> None:
    # Given a private character device like /dev/null (root only: mknod)
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    # When a report is written to it
    write_text(str(node), "report")
    # Then it is still that device, not a regular file that replaced it
    assert stat.S_ISCHR(node.stat().st_mode)


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_text(str(fifo), "through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
        assert stat.S_ISFIFO(fifo.stat().st_mode)
    finally:
        os.close(reader)


@pytest.mark.parametrize("make, message", [
    (lambda p: p, "it is a directory"),
    (lambda p: p / "missing" / "r.html", "does not exist"),
])
def test_bad_targets_are_usage_errors(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        write_text(str(make(tmp_path)), "x")
