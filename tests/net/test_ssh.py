"""The SSH layer: the command allowlist, targets, host-key verification and command execution,
against a real OpenSSH sshd on loopback (tests/servers/sshd.py)."""

from __future__ import annotations

import shlex
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require
from servers.sshd import FileSpec, SshdServer, keygen, missing_prerequisite, start_sshd

from preflight.errors import InputError
from preflight.net import ssh
from preflight.net.ssh import (
    COMMANDS,
    Access,
    AuthFailedError,
    ChangedHostKey,
    CommandResult,
    ConnectOptions,
    SshTarget,
    UnknownHostKey,
    UnreachableError,
    build_command,
    connect,
)

# -- the allowlist -------------------------------------------------------------------------------

WRITERS = {"rm", "mv", "cp", "tee", "dd", "sed", "chmod", "chown", "kill", "systemctl", "postfix",
           "sudo", "su", "sh", "reboot", "shutdown", "touch", "mkdir", "ln", "truncate"}
# postmap builds tables without -q, so it is allowed only as `postmap -q KEY TABLE` (asserted below).


def test_allowlist_holds_only_read_only_programs() -> None:
    # Given every allowlisted template, the program it runs is a reader, never a writer.
    programs = {c.argv[0] for c in COMMANDS}
    assert programs <= {"cat", "postconf", "postmap", "exim", "sendmail", "ip", "openssl", "stat", "timeout"}
    assert not programs & WRITERS
    for command in COMMANDS:
        assert "-e" not in command.argv or command.argv[0] != "postconf", "postconf -e edits main.cf"
        # postmap without -q (re)builds a table: only the query form is allowed.
        assert command.argv[0] != "postmap" or command.argv[1] == "-q", command.name
        assert not any(arg in ("-out", ">", ">>", "|", ";", "&&") for arg in command.argv), command.name
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("key", "table"), [
    ("-oProxyCommand=x", "hash:/etc/postfix/access"),  # an option, not a key
    ("192.0.2.7", "hash:/etc/postfix/access -v"),
    ("192.0.2.7", "proxy:mysql:/etc/postfix/sql.cf"),  # only local indexed tables are asked
    ("192.0.2.7", "hash:relative/access"),
    ("a b", "hash:/etc/postfix/access"),
])
def test_postmap_arguments_are_validated(key: str, table: str) -> None:
    with pytest.raises(InputError):
        build_command("postmap_q", key, table)


def test_postmap_query_and_postconf_defaults() -> None:
    from preflight.data.postfix_defaults import postfix_defaults

    assert shlex.split(build_command("postmap_q", "192.0.2", "lmdb:/etc/postfix/client_access"))[-4:] == \
        ["postmap", "-q", "192.0.2", "lmdb:/etc/postfix/client_access"]
    # postconf -d asks exactly the parameters whose defaults preflight ships.
    command = next(c for c in COMMANDS if c.name == "postconf_d")
    assert list(command.argv[2:]) == list(postfix_defaults())


def test_openssl_commands_never_print_private_keys() -> None:
    pkey = next(c for c in COMMANDS if c.name == "dkim_public_key")
    assert "-pubout" in pkey.argv and "-passin" in pkey.argv
    x509 = next(c for c in COMMANDS if c.name == "certificate")
    assert x509.argv[:2] == ("openssl", "x509")


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("read_file", ("/etc/os-release",),
     "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C cat -- /etc/os-release"),
    ("postconf_n", (), "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C postconf -n"),
    ("dkim_public_key", ("/etc/opendkim/keys/example.com/s1.private",),
     ("env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C openssl pkey -in "
     "/etc/opendkim/keys/example.com/s1.private -pubout -passin pass:")),
    ("port25", (10, "mx.example.net", 25, 5),
     "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C timeout 10 bash -c "
     + shlex.quote(ssh.PORT25_SCRIPT) + " mx.example.net 25 5"),
])
def test_build_command_quotes_arguments(name: str, args: tuple[object, ...], expected: str) -> None:
    assert build_command(name, *args) == expected


@pytest.mark.parametrize(("name", "args"), [
    ("read_file", ("/root/.ssh/id_rsa",)),  # cat only reads under /etc and /usr/local/etc
    ("read_file", ("/etc/../root/secret",)),
    ("read_file", ("etc/passwd",)),
    ("read_file", ("/etc/x; rm -rf /",)),
    ("read_file", ("/etc/$(reboot)",)),
    ("dkim_public_key", ("/etc/opendkim/keys/a`id`",)),
    ("dkim_public_key", ("-in",)),
    ("port25", (10, "mx.example.com; reboot", 25, 5)),
    ("port25", (10, "mx.example.com", 0, 5)),
    ("port25", (999, "mx.example.com", 25, 5)),
])
def test_build_command_refuses_bad_arguments(name: str, args: tuple[object, ...]) -> None:
    with pytest.raises(InputError):
        build_command(name, *args)


def test_build_command_refuses_unknown_commands_and_wrong_arity() -> None:
    with pytest.raises(KeyError):
        build_command("rm", "/etc/passwd")
    with pytest.raises(TypeError):
        build_command("postconf_n", "-e")


def test_port25_arguments_reach_bash_as_positional_parameters() -> None:
    # The host is never spliced into the script: it is $0, shell-quoted.
    argv = shlex.split(build_command("port25", 10, "mx.partner.example", 25, 5))
    script = argv[argv.index("-c") + 1]
    assert script == ssh.PORT25_SCRIPT
    assert argv[argv.index("-c") + 2:] == ["mx.partner.example", "25", "5"]


def test_allowlist_table_shows_every_command() -> None:
    rows = ssh.allowlist_table()
    assert [r["name"] for r in rows] == [c.name for c in COMMANDS]
    assert any("<etc_path>" in r["command"] for r in rows)


# -- targets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "user", "host", "port", "known"), [
    ("root@mail.example.com", "root", "mail.example.com", 22, "mail.example.com"),
    ("admin@192.0.2.25:2222", "admin", "192.0.2.25", 2222, "[192.0.2.25]:2222"),
    ("admin@[2001:db8::25]:22", "admin", "2001:db8::25", 22, "2001:db8::25"),
    ("a.b-c@Mail.Example.COM.:2200", "a.b-c", "mail.example.com", 2200, "[mail.example.com]:2200"),
])
def test_target_parse(text: str, user: str, host: str, port: int, known: str) -> None:
    target = SshTarget.parse(text)
    assert (target.user, target.host, target.port, target.known_hosts_name) == (user, host, port, known)


@pytest.mark.parametrize("text", ["mail.example.com", "@host", "root@", "root@host:0", "root@host:x",
                                  "root@[2001:db8::1", "-oProxyCommand=x@host", "root@ho st"])
def test_target_parse_rejects(text: str) -> None:
    with pytest.raises(InputError):
        SshTarget.parse(text)


# -- command results ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "stderr", "timed_out", "access"), [
    (0, "", False, Access.OK),
    (1, "cat: /etc/opendkim/KeyTable: Permission denied\n", False, Access.DENIED),
    (1, "Could not open file or uri for loading key from /k\n...:Permission denied:...", False, Access.DENIED),
    (1, "cat: /etc/opendkim.conf: No such file or directory\n", False, Access.MISSING),
    (127, "env: 'postconf': No such file or directory\n", False, Access.NOT_INSTALLED),
    (1, "postconf: fatal: bad string length 0 < 1: mydomain =\n", False, Access.FAILED),
    (None, "", True, Access.TIMEOUT),
])
def test_command_result_access(status: int | None, stderr: str, timed_out: bool, access: Access) -> None:
    result = CommandResult("x", "x", status, "", stderr, 0.1, timed_out=timed_out)
    assert result.access is access
    assert result.reason


# -- a real sshd -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SshdServer, Path]]:
    reason = missing_prerequisite()
    require(reason is None, reason or "")
    base = tmp_path_factory.mktemp("net-sshd")
    keygen(base / "client")
    server = start_sshd(base / "srv", {
        "os-release": 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
        "preflight-test/secret.conf": FileSpec("not for you\n", 0o600),
        "preflight-test/big.conf": FileSpec("x" * 200_000 + "\n"),
    }, client_key=base / "client")
    yield server, base
    server.stop()


def _options(base: Path, known_hosts: Path, **kwargs: object) -> ConnectOptions:
    return ConnectOptions(known_hosts=str(known_hosts), key_file=str(kwargs.pop("key", base / "client")),
                          timeout=5.0, **kwargs)  # type: ignore[arg-type]


def _target(server: SshdServer, user: str | None = None) -> SshTarget:
    return SshTarget.parse(server.target(user))


@pytest.mark.sshd
def test_known_host_connects_and_runs_commands(sshd: tuple[SshdServer, Path], tmp_path: Path) -> None:
    server, base = sshd
    known = server.known_hosts(tmp_path / "known_hosts")
    with connect(_target(server), _options(base, known)) as session:
        assert session.host_key.fingerprint == server.host_fingerprint
        assert not session.recorded
        os_release, secret, missing = session.run_many([
            ("read_file", "/etc/os-release"), ("read_file", "/etc/preflight-test/secret.conf"),
            ("read_file", "/etc/preflight-test/none.conf"),
        ])
        assert os_release.access is Access.OK and "Debian GNU/Linux 12" in os_release.stdout
        assert secret.access is Access.DENIED  # 0600 root; the test user is not root
        assert missing.access is Access.MISSING
        assert [c.name for c in session.log].count("read_file") == 3


@pytest.mark.sshd
def test_hashed_known_hosts_entries_work(sshd: tuple[SshdServer, Path], tmp_path: Path) -> None:
    server, base = sshd
    known = server.known_hosts(tmp_path / "known_hosts", hashed=True)
    assert known.read_text().startswith("|1|")
    with connect(_target(server), _options(base, known)) as session:
        assert session.host_key.fingerprint == server.host_fingerprint


@pytest.mark.sshd
def test_unknown_host_key_is_refused_with_its_fingerprint(sshd: tuple[SshdServer, Path], tmp_path: Path) -> None:
    server, base = sshd
    known = tmp_path / "known_hosts"
    known.write_text(f"other.example.com {server.host_key_line}\n")
    with pytest.raises(UnknownHostKey) as caught:
        connect(_target(server), _options(base, known))
    assert caught.value.key.fingerprint == server.host_fingerprint
    assert str(known) in str(caught.value)
    assert known.read_text() == f"other.example.com {server.host_key_line}\n"  # nothing recorded


@pytest.mark.sshd
def test_accept_new_records_a_new_key_once(sshd: tuple[SshdServer, Path], tmp_path: Path) -> None:
    server, base = sshd
    known = tmp_path / "sub" / "known_hosts"  # the folder does not exist yet
    with connect(_target(server), _options(base, known, accept_new=True)) as session:
        assert session.recorded
    assert known.read_text() == f"[{server.host}]:{server.port} {' '.join(server.host_key_line.split()[:2])}\n"
    assert oct(known.stat().st_mode & 0o777) == "0o600"
    with connect(_target(server), _options(base, known, accept_new=True)) as session:
        assert not session.recorded  # known now: nothing appended
    assert len(known.read_text().splitlines()) == 1


@pytest.mark.sshd
def test_changed_key_is_refused_even_with_accept_new(sshd: tuple[SshdServer, Path], tmp_path: Path) -> None:
    server, base = sshd
    other = keygen(tmp_path / "other_host_key")
    known = server.known_hosts(tmp_path / "known_hosts", key_line=other)
    before = known.read_text()
    with pytest.raises(ChangedHostKey) as caught:
        connect(_target(server), _options(base, known, accept_new=True))
    assert caught.value.key.fingerprint == server.host_fingerprint
    assert caught.value.expected.fingerprint != server.host_fingerprint
    assert known.read_text() == before


@pytest.mark.sshd
def test_revoked_key_is_refused(sshd: tuple[SshdServer, Path], tmp_path: Path) -> None:
    server, base = sshd
    known = server.known_hosts(tmp_path / "known_hosts")
    with known.open("a") as handle:
        handle.write(f"@revoked * {server.host_key_line}\n")
    with pytest.raises(ChangedHostKey):
        connect(_target(server), _options(base, known))


@pytest.mark.sshd
def test_wrong_key_is_an_auth_failure(sshd: tuple[SshdServer, Path], tmp_path: Path) -> None:
    server, base = sshd
    keygen(tmp_path / "wrong")
    known = server.known_hosts(tmp_path / "known_hosts")
    with pytest.raises(AuthFailedError) as caught:
        connect(_target(server), _options(base, known, key=tmp_path / "wrong"))
    assert "key" in caught.value.methods


def test_closed_port_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(UnreachableError):
        connect(SshTarget("nobody", "127.0.0.1", port),
                ConnectOptions(known_hosts=str(tmp_path / "kh"), timeout=2.0))


@pytest.mark.sshd
def test_commands_have_a_timeout_and_an_output_cap(sshd: tuple[SshdServer, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    server, base = sshd
    known = server.known_hosts(tmp_path / "known_hosts")
    monkeypatch.setattr(ssh, "MAX_STDOUT", 1000)
    with connect(_target(server), _options(base, known)) as session:
        big = session.run("read_file", "/etc/preflight-test/big.conf")
        assert big.truncated and len(big.stdout) == 1000
        with socket.socket() as silent:  # accepts (kernel backlog) but never greets
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            # the command itself would wait 60 s for a greeting; ours gives up after 0.5 s
            slow = session.run("port25", 4, "127.0.0.1", silent.getsockname()[1], 60, timeout=0.5)
        # timed_out is set only when our limit ended the wait (a command that ran to its end has an
        # exit status): no timing needed to prove it. The bound only catches a hang, with 20x margin
        # over the limit and far below the 60 s the command would have taken.
        assert slow.timed_out and slow.access is Access.TIMEOUT and slow.exit_status is None
        assert slow.duration < 10


def test_readme_lists_every_command_exactly() -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.is_file():
        pytest.skip("README not available (not a source checkout)")
    text = readme.read_text(encoding="utf-8")
    prefix = " ".join(ssh.ENV_PREFIX) + " "
    assert prefix.strip() in text
    for command in COMMANDS:
        shown = command.display()[len(prefix):].replace("|", "\\|")
        assert f"`{shown}`" in text, f"README does not list {command.name}: {shown}"


@pytest.mark.sshd
def test_revoked_key_is_refused_before_login_and_never_recorded(sshd: tuple[SshdServer, Path],
                                                                 tmp_path: Path) -> None:
    # Given a known_hosts that revokes the server's key (and also lists it, or not at all)
    server, base = sshd
    for listed in (True, False):
        known = server.known_hosts(tmp_path / f"known_hosts_{listed}")
        if not listed:
            known.write_text("")
        with known.open("a") as handle:
            handle.write(f"@revoked * {server.host_key_line}\n")
        before = known.read_text()
        logins = sum("Accepted publickey" in line for line in server.log)
        # When connecting, even with --ssh-accept-new
        with pytest.raises(ChangedHostKey):
            connect(_target(server), _options(base, known, accept_new=True))
        # Then the key is not recorded and no credential was offered to the server
        assert known.read_text() == before
        assert sum("Accepted publickey" in line for line in server.log) == logins


@pytest.mark.parametrize(("name", "args"), [
    ("read_file", ("/etc/os-release\n",)),
    ("dkim_public_key", ("/etc/opendkim/keys/k.private\n",)),
    ("port25", (10, "mx\n.example.com", 25, 5)),
])
def test_build_command_refuses_newlines(name: str, args: tuple[object, ...]) -> None:
    with pytest.raises(InputError):
        build_command(name, *args)


@pytest.mark.parametrize("text", ["root\n@mail.example.com", "root@mail\n.example.com"])
def test_target_parse_rejects_newlines(text: str) -> None:
    with pytest.raises(InputError):
        SshTarget.parse(text)
