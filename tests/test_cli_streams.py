"""Standard output and error that cannot be written: a full disk, a closed descriptor, a pipe whose
reader has gone — on real devices and pipes, through the installed program.

A stdout that cannot be written is one line on stderr and exit 2 (``cannot write to standard
output: …``), whichever code wrote (click's help, ``--version``, a report on ``-``, a summary);
a stdout closed from the start stops a command that would write to it before any work; a reader
that stopped early is a quiet exit 141. A full or closed stderr never costs a run or a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.lab.dnsserver import LabDnsServer

BOUND = 120.0
"""Seconds before a run counts as a hang (the demo's lab run takes a few seconds)."""
EXE = str(Path(sys.executable).with_name("preflight"))
FULL = "preflight: error: cannot write to standard output: No space left on device"
CLOSED = "preflight: error: cannot write to standard output: it is closed"


def run(args: list[str], *, stdout: int | None = None, stderr: int | None = subprocess.PIPE,
        shell_redirect: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """The installed program; ``shell_redirect`` (e.g. ``>&-``) is applied by a real ``sh``."""
    command = [EXE, *args]
    if shell_redirect:
        command = ["sh", "-c", f'exec "$0" "$@" {shell_redirect}', EXE, *args]
    return subprocess.run(command, stdout=stdout, stderr=stderr, timeout=BOUND, cwd=cwd, check=False)


def to_full(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    with open("/dev/full", "wb") as full:
        return run(args, stdout=full.fileno(), **kw)  # type: ignore[arg-type]


def to_closed(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    return run(args, stdout=subprocess.DEVNULL, shell_redirect=">&-", **kw)  # type: ignore[arg-type]


def to_gone_reader(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    """stdout is a pipe whose reading end is already closed (``| head`` that has finished)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return run(args, stdout=write_end, **kw)  # type: ignore[arg-type]
    finally:
        os.close(write_end)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real report, written by ``preflight demo`` (not the golden file's placeholders)."""
    folder = tmp_path_factory.mktemp("demo")
    done = run(["demo", "--output-dir", str(folder)], stdout=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return folder / "report.json"


def commands(report: Path) -> dict[str, list[str]]:
    r = str(report)
    return {
        "help": ["--help"],
        "command help": ["render", "--help"],
        "version": ["--version"],
        "lists": ["lists"],
        "lists json": ["lists", "--json", "-"],
        "render markdown": ["render", r, "--markdown", "-"],
        "render json": ["render", r, "--json", "-"],
        "diff": ["diff", r, r],
        "diff json": ["diff", r, r, "--json", "-"],
        "diff nagios": ["diff", r, r, "--nagios"],
    }


NAMES = list(commands(Path("r.json")))


def no_traceback(done: subprocess.CompletedProcess[bytes]) -> str:
    err = done.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err, err
    return err


# -- stdout on a full disk, closed, or a pipe nobody reads ----------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_full_stdout_is_one_line_and_exit_2(name: str, report: Path) -> None:
    done = to_full(commands(report)[name])
    assert done.returncode == 2, done.stderr
    assert no_traceback(done) == FULL + "\n"


@pytest.mark.parametrize("name", NAMES)
def test_a_closed_stdout_is_one_line_and_exit_2_never_silent(name: str, report: Path) -> None:
    done = to_closed(commands(report)[name])
    assert done.returncode == 2, done.stderr
    assert no_traceback(done) == CLOSED + "\n"


def test_a_stdout_open_for_reading_only_is_refused_before_work(report: Path, tmp_path: Path) -> None:
    done = run(["lists"], stdout=subprocess.DEVNULL, shell_redirect="1</dev/null")
    assert done.returncode == 2
    assert no_traceback(done) == "preflight: error: cannot write to standard output: it is open for reading only\n"
    done = run(["demo", "--output-dir", str(tmp_path)], stdout=subprocess.DEVNULL, shell_redirect="1</dev/null")
    assert done.returncode == 2 and not (tmp_path / "report.json").exists()


@pytest.mark.parametrize("name", NAMES)
def test_a_reader_that_stopped_early_is_a_quiet_exit_141(name: str, report: Path) -> None:
    done = to_gone_reader(commands(report)[name])
    assert done.returncode == 141, done.stderr
    assert no_traceback(done) == ""


def test_check_json_to_stdout(dns_server: LabDnsServer, tmp_path: Path) -> None:
    host, port = dns_server.address
    args = ["check", "--ip", "203.0.113.25", "--hostname", "mail.example.com", "--domain", "example.com",
            "--nameserver", f"{host}:{port}", "--no-smtp", "--json", "-", "--html", str(tmp_path / "r.html")]
    # A full disk: the run is done, the HTML file written, the JSON cannot go out — one line.
    done = to_full(args)
    assert done.returncode == 2 and no_traceback(done).splitlines()[-1] == FULL
    assert (tmp_path / "r.html").exists()
    # A reader gone: quiet 141.
    done = to_gone_reader(args)
    assert done.returncode == 141 and no_traceback(done) == ""
    # Closed from the start: refused before any query and any file.
    (tmp_path / "r.html").unlink()
    before = dns_server.queries
    done = to_closed(args)
    assert done.returncode == 2 and no_traceback(done) == CLOSED + "\n"
    assert dns_server.queries == before
    assert not (tmp_path / "r.html").exists()


def test_check_summary_needs_stdout_but_quiet_does_not(dns_server: LabDnsServer, tmp_path: Path) -> None:
    host, port = dns_server.address
    args = ["check", "--ip", "203.0.113.25", "--nameserver", f"{host}:{port}", "--no-smtp",
            "--json", str(tmp_path / "r.json")]
    before = dns_server.queries
    done = to_closed(args)  # the summary would go to stdout
    assert done.returncode == 2 and no_traceback(done) == CLOSED + "\n"
    assert dns_server.queries == before and not (tmp_path / "r.json").exists()
    done = to_closed([*args, "-q"])  # nothing for stdout: a closed one does not matter
    assert done.returncode in (0, 1, 3), done.stderr
    assert (tmp_path / "r.json").exists()


def test_demo_with_stdout_closed_stops_before_the_lab(tmp_path: Path) -> None:
    done = to_closed(["demo", "--output-dir", str(tmp_path)])
    assert done.returncode == 2 and no_traceback(done) == CLOSED + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_commands_that_do_not_write_stdout_run_with_it_closed(report: Path, tmp_path: Path) -> None:
    done = to_closed(["render", str(report), "--html", str(tmp_path / "r.html")])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.html").stat().st_size > 0
    done = to_closed(["history", str(report), "--html", str(tmp_path / "h.html")])
    assert done.returncode == 0, done.stderr


# -- stderr full or closed: best effort, never a traceback, a hang or another exit code ------------

STDERR: dict[str, Callable[[list[str]], subprocess.CompletedProcess[bytes]]] = {
    "full": lambda args: run(args, stdout=subprocess.PIPE, shell_redirect="2>/dev/full"),
    "closed": lambda args: run(args, stdout=subprocess.PIPE, shell_redirect="2>&-"),
}


@pytest.mark.parametrize("how", list(STDERR))
def test_an_unwritable_stderr_leaves_the_work_and_exit_code_alone(how: str, report: Path,
                                                                  tmp_path: Path) -> None:
    # A status line ("wrote …") cannot be said: the report is still written, exit 0.
    out = tmp_path / "r.html"
    done = STDERR[how](["render", str(report), "--html", str(out), "--markdown", "-"])
    assert done.returncode == 0
    assert out.stat().st_size > 0 and done.stdout.startswith(b"## ")
    # Bad input still exits 2 (the line has nowhere to go), bad usage too.
    assert STDERR[how](["render", str(tmp_path / "missing.json"), "--html", str(out)]).returncode == 2
    assert STDERR[how](["render", "--bogus"]).returncode == 2
    # And both streams unusable: the exit code is all that is left, and it says so.
    both = run(["lists"], stdout=subprocess.DEVNULL, shell_redirect=">/dev/full 2>&-")
    assert both.returncode == 2


def test_exit_code_141_is_documented() -> None:
    done = run(["--help"], stdout=subprocess.PIPE)
    assert b"141" in done.stdout
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "| 141 | `BROKEN_PIPE` |" in readme


# -- stdout whose encoding cannot show the text ------------------------------------------------------


def test_an_ascii_stdout_is_one_line_and_exit_2_and_files_are_still_written(report: Path,
                                                                            tmp_path: Path) -> None:
    # Given a console whose encoding is ASCII (PYTHONIOENCODING=ascii; a C locale without UTF-8
    # mode does the same) and a Japanese report asked for on stdout
    html = tmp_path / "out.html"
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([EXE, "render", str(report), "--lang", "ja", "--html", str(html),
                           "--markdown", "-"], capture_output=True, env=env, timeout=BOUND,
                          check=False)
    # Then one line naming the encoding and the remedy, exit 2 (it was exit 4, "internal error")
    err = no_traceback(done)
    assert done.returncode == 2, err
    assert err.splitlines() == ["preflight: error: standard output uses the ascii encoding, which "
                                "cannot show this text: use a UTF-8 locale (LANG=C.UTF-8), or "
                                "write the output to a file instead of -"]
    # And the report file given by name is whole (files are UTF-8 whatever the console's encoding)
    assert "</html>" in html.read_text(encoding="utf-8")
