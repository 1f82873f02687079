"""Hostile input at the command line: devices, FIFOs, bad output paths, signals, escapes, empties.

Every case ends with one line on stderr and exit 2 (130/143 for SIGINT/SIGTERM) — never a hang,
an internal error (4) or a traceback — and leaves no partial output behind.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.errors import UsageError
from preflight.lab.dnsserver import LabDnsServer
from preflight.report import json as report_json

SAMPLE = Path(__file__).parent / "report" / "samples" / "full_report.json"
BOUND = 60.0
"""Seconds a hostile input may take before we call it a hang (the rule is 'at once')."""


def preflight(*args: str, cwd: Path | None = None, timeout: float = BOUND,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed CLI as a real subprocess."""
    exe = Path(sys.executable).with_name("preflight")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def one_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("preflight: error:")]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


# -- input files must be regular files ------------------------------------------------------------


@pytest.fixture()
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    yield path


LAB_ARGS = ("--ip", "192.0.2.1", "--nameserver", "127.0.0.1:9", "--no-smtp", "--no-blocklists")


@pytest.mark.parametrize("make_args", [
    lambda p: ("render", str(p), "--html", "out.html"),
    lambda p: ("diff", str(SAMPLE), str(p)),
    lambda p: ("history", str(SAMPLE), str(p), "--html", "out.html"),
    lambda p: ("check", *LAB_ARGS, "--config", str(p)),
    lambda p: ("check", *LAB_ARGS, "--baseline", str(p)),
    lambda p: ("check", "--ip", "192.0.2.1", "--nameserver", "127.0.0.1:9", "--no-blocklists",
               "--smtp", "127.0.0.1:9", "--ca-file", str(p)),
    lambda p: ("check", *LAB_ARGS, "--ssh", "u@127.0.0.1:9", "--ssh-key", str(p)),
    lambda p: ("check", *LAB_ARGS, "--ssh", "u@127.0.0.1:9", "--known-hosts", str(p)),
    lambda p: ("lists", "--config", str(p)),
], ids=["render", "diff", "history", "config", "baseline", "ca-file", "ssh-key", "known-hosts", "lists"])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_inputs_must_be_regular_files(make_args: object, kind: str, fifo: Path, tmp_path: Path) -> None:
    # Given a FIFO nobody writes to, an endless device or a directory where a file belongs
    target = {"fifo": fifo, "dev-zero": Path("/dev/zero"), "directory": tmp_path}[kind]
    # When preflight is asked to read it
    done = preflight(*make_args(target), cwd=tmp_path)  # type: ignore[operator]
    # Then it refuses at once, with one line naming what the file is
    assert done.returncode == 2, done.stderr
    line = one_error(done.stderr)
    assert {"fifo": "FIFO", "dev-zero": "character device", "directory": "directory"}[kind] in line
    assert not (tmp_path / "out.html").exists()


def test_size_cap_is_enforced_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from preflight import inputfile

    big = tmp_path / "big.json"
    big.write_bytes(b" " * 5000)
    with pytest.raises(UsageError, match="larger than 4,096 bytes"):
        inputfile.read_bytes(big, "report", 4096)
    assert inputfile.read_bytes(big, "report", 5000) == b" " * 5000


# -- output paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("outputs", "message"), [
    (("--html", "-", "--json", "-"), "only one output can go to stdout"),
    (("--json", "-", "--markdown", "-"), "only one output can go to stdout"),
    (("--json", "same", "--markdown", "same"), "--json and --markdown both write 'same'"),
    (("--json", "same", "--html", "./same"), "--html and --json both write"),
    (("--html", "ok.html", "--json", "missing-dir/x.json"), "does not exist"),
    (("--html", "ok.html", "--json", "."), "it is a directory"),
    (("--html", "ok.html", "--json", "a" * 256 + ".json"), "longer than 255 bytes"),
    (("--html", "ok.html", "--json", ""), "the path is empty"),
])
def test_output_paths_are_checked_before_anything_is_written(outputs: tuple[str, ...], message: str,
                                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke("render", str(SAMPLE), *outputs)
    assert code == 2, output
    assert message in one_error(output)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_output_stops_check_before_any_query(dns_server: LabDnsServer, tmp_path: Path) -> None:
    # Given a plan whose [report] html holds a NUL, and a good --json
    plan = tmp_path / "plan.toml"
    plan.write_text('[report]\nhtml = "a\\u0000b.html"\n', encoding="utf-8")
    host, port = dns_server.address
    before = dns_server.queries
    # When check runs
    code, output = invoke("check", "--ip", "203.0.113.25", "--nameserver", f"{host}:{port}", "--no-smtp",
                          "--config", str(plan), "--json", str(tmp_path / "r.json"))
    # Then it stops at once: exit 2, nothing asked, nothing written
    assert code == 2, output
    assert "NUL" in one_error(output)
    assert dns_server.queries == before
    assert not (tmp_path / "r.json").exists()


def test_replacing_a_report_keeps_its_mode_and_new_files_follow_the_umask(tmp_path: Path) -> None:
    kept = tmp_path / "kept.html"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o640)
    fresh = tmp_path / "fresh.json"
    old_mask = os.umask(0o022)
    try:
        code, output = invoke("render", str(SAMPLE), "--html", str(kept), "--json", str(fresh))
    finally:
        os.umask(old_mask)
    assert code == 0, output
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text(encoding="utf-8") != "old"
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_symlinked_output_is_written_through_not_replaced(tmp_path: Path) -> None:
    # (`--json /dev/stdout > file` is such a link: replacing it would replace /dev/stdout itself)
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    real.write_text("old", encoding="utf-8")
    link.symlink_to(real.name)
    code, output = invoke("render", str(SAMPLE), "--json", str(link))
    assert code == 0, output
    assert link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["schema_version"]


def test_a_named_pipe_output_nobody_reads_is_exit_2_at_once(tmp_path: Path) -> None:
    pipe = tmp_path / "out.pipe"
    os.mkfifo(pipe)
    done = preflight("render", str(SAMPLE), "--json", str(pipe), "--html", str(tmp_path / "r.html"))
    assert done.returncode == 2 and "named pipe that no program reads" in one_error(done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pipe"]


def test_a_named_pipe_output_with_a_reader_gets_the_report(tmp_path: Path) -> None:
    pipe = tmp_path / "out.pipe"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there before the run
    exe = Path(sys.executable).with_name("preflight")
    proc = subprocess.Popen([str(exe), "render", str(SAMPLE), "--json", str(pipe)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    chunks: list[bytes] = []
    try:
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            try:
                chunk = os.read(reader, 1 << 16)
            except BlockingIOError:
                chunk = None
            if chunk:
                chunks.append(chunk)
            elif proc.poll() is not None:
                break
            else:
                time.sleep(0.01)
        _, err = proc.communicate(timeout=BOUND)
    finally:
        os.close(reader)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert json.loads(b"".join(chunks))["schema_version"]


@pytest.mark.parametrize("problem", ["file", "long"])
def test_demo_output_dir_problems_are_usage_errors(problem: str, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    if problem == "long":
        target = tmp_path / ("d" * 300)
    code, output = invoke("demo", "--output-dir", str(target))
    assert code == 2, output
    one_error(output)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_demo_output_dir_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    code, output = invoke("demo", "--output-dir", str(folder))
    assert code == 2 and "not writable" in one_error(output)


# -- SIGINT / SIGTERM -----------------------------------------------------------------------------


def catches(pid: int, signum: int) -> bool:
    """Whether the program holds ``signum`` for its watcher thread (Linux: SigBlk of the main
    thread in /proc/PID/status).

    Not SigCgt: every Python process catches SIGINT from its first instant (the interpreter's
    own KeyboardInterrupt handler), so SigCgt said "ready" before the program had blocked
    anything, and on a busy machine the test sent Ctrl-C into the interpreter's start-up.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("SigBlk:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_a_slow_run_with_no_output(signum: int, code: int, dns_server: LabDnsServer,
                                                  tmp_path: Path) -> None:
    # Given a lab whose every answer comes a minute late
    dns_server.add_fault(".", "delay", delay=60.0, suffix=True)
    host, port = dns_server.address
    before = dns_server.queries
    exe = Path(sys.executable).with_name("preflight")
    proc = subprocess.Popen(
        [str(exe), "check", "--ip", "203.0.113.25", "--hostname", "mail.example.com", "--domain", "example.com",
         "--nameserver", f"{host}:{port}", "--timeout", "30", "--no-smtp",
         "--html", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json"),
         "--markdown", str(tmp_path / "r.md")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # When the run is under way (its first queries reached the lab) and is sent the signal
        deadline = time.monotonic() + BOUND
        # (the lab is shared: another test's late queries can move its counter, so also wait
        # until this process catches the signal — else it could arrive before Python started)
        while (dns_server.queries == before or not catches(proc.pid, signum)) \
                and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert dns_server.queries > before, "the run never reached the lab"
        assert catches(proc.pid, signum), "the program never installed its signal handler"
        proc.send_signal(signum)
        # Then it stops (the rule is 1 s; 10 s here is a generous bound, not a timing test)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and ("interrupted" if code == 130 else "terminated") in lines[0], err
    assert "Traceback" not in err and out == ""
    # And nothing was written, not even a temporary file
    assert list(tmp_path.iterdir()) == []


def test_a_signal_while_the_command_line_is_built_is_handled_too() -> None:
    # Ctrl-C in the first ~0.2 s (imports, typer building the options) used to print a
    # KeyboardInterrupt traceback: the program installs its handlers before any of that.
    # Both are blocked in every thread and taken by one watcher thread (sigwait), so a worker
    # thread receiving the signal cannot leave it unnoticed while the main thread waits.
    probe = ("import signal, sys, threading; sys.argv = ['/usr/local/bin/preflight']; import preflight.cli; "
             "blocked = signal.pthread_sigmask(signal.SIG_BLOCK, []); "
             "print(signal.SIGINT in blocked, signal.SIGTERM in blocked, "
             "any(t.name == 'preflight-signals' and t.is_alive() for t in threading.enumerate()))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=BOUND)
    assert done.stdout.split() == ["True", "True", "True"], done.stderr
    # A test runner importing the CLI keeps its own Ctrl-C.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_exit_codes_130_and_143_are_documented() -> None:
    code, output = invoke("check", "--help")
    assert code == 0 and "130" in output and "143" in output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "130" in readme and "143" in readme


# -- terminal escapes -----------------------------------------------------------------------------

ESCAPES = ("\x1b[31mRED\x1b[0m", "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07", "\x07", "\x9b2J", "\u202e")


@pytest.fixture()
def crafted(tmp_path: Path) -> Path:
    """A saved report whose words carry ANSI colours, an OSC-8 link, BEL, CSI and a bidi override."""
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    payload = "".join(ESCAPES)
    first = data["results"][0]
    first.update(status="fail", outcome="not_in_catalogue", summary=f"sum {payload}", title=f"t {payload}",
                 subject=f"subj {payload}", remediation=f"fix {payload}")
    data["target"]["hostname"] = f"mail{payload}.example"
    data["comparison"]["changes"][0]["label"] = f"label {payload}"
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _raw_controls(text: str) -> list[str]:
    return sorted({hex(ord(c)) for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
                   or c == "\u202e"})


def test_no_escape_reaches_the_terminal_from_diff(crafted: Path) -> None:
    done = preflight("diff", str(SAMPLE), str(crafted))
    assert done.returncode in (0, 1), done.stderr
    assert "subj" in done.stdout   # the comparison is output (stdout), issue 15
    assert _raw_controls(done.stderr) == [] and _raw_controls(done.stdout) == []


@pytest.mark.parametrize("fmt", ["--markdown", "--json", "--html"])
def test_no_escape_reaches_stdout_from_render(crafted: Path, fmt: str) -> None:
    done = preflight("render", str(crafted), fmt, "-")
    assert done.returncode == 0, done.stderr
    assert "RED" in done.stdout
    assert _raw_controls(done.stdout) == [] and _raw_controls(done.stderr) == []
    if fmt == "--json":
        assert json.loads(done.stdout)["results"][0]["subject"].startswith("subj \x1b[31m")


# -- empty and ambiguous values; strict JSON --------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (("--hostname", ""), "--hostname: an empty value"),
    (("--json", ""), "--json: an empty value"),
    (("--spamhaus-dqs-key", ""), "--spamhaus-dqs-key: an empty value"),
    (("--lang", ""), "--lang: an empty value"),
    (("--domain", ""), "--domain: an empty value"),
    (("--hostname", "1.2.3"), "incomplete IP address"),
    (("--hostname", "ex\u200dample.com"), "invisible character (U+200D)"),
    (("--domain", "ex\u00adample.com"), "invisible character (U+00AD)"),
])
def test_empty_and_ambiguous_values_are_errors(args: tuple[str, ...], message: str) -> None:
    code, output = invoke("check", *LAB_ARGS, *args)
    assert code == 2, output
    assert message in one_error(output)


def test_render_with_an_empty_output_is_an_error() -> None:
    code, output = invoke("render", str(SAMPLE), "--json", "")
    assert code == 2 and "empty" in one_error(output)


def test_json_output_is_strict() -> None:
    with pytest.raises(UsageError, match="JSON"):
        report_json.dumps({"x": float("nan")})


# -- third-party warnings and -q --------------------------------------------------------------------


def test_quiet_check_prints_nothing_but_errors_and_no_third_party_warning(dns_server: LabDnsServer,
                                                                          tmp_path: Path) -> None:
    host, port = dns_server.address
    done = preflight("check", "-q", "--ip", "203.0.113.25", "--hostname", "mail.example.com",
                     "--domain", "example.com", "--nameserver", f"{host}:{port}", "--no-smtp",
                     "--json", str(tmp_path / "r.json"), env={"PYTHONWARNINGS": ""})
    assert done.returncode in (0, 1, 3), done.stderr
    assert done.stderr == ""
    assert (tmp_path / "r.json").exists()
