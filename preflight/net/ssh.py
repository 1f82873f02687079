"""THE SSH layer: connect to a server with verified host keys and run allowlisted read-only commands.

Safety by construction:

* Host keys are checked against a known_hosts file (hashed and ``[host]:port`` entries work).
  An unknown key stops the connection (:class:`UnknownHostKey`), and so does a changed key
  (:class:`ChangedHostKey`), each with the SHA256 fingerprint and what to do. Only an explicit
  ``accept_new`` records a key, and only a NEW one: a changed key is never accepted.
* Only the commands of the allowlist (:data:`preflight.net.ssh_commands.COMMANDS`) can be run:
  fixed argv templates whose few arguments (a path, a host, a port, seconds) are validated and
  shell-quoted. None of them changes the server. Each runs with a clean environment, a timeout
  and an output cap.
* Host keys (known_hosts, the accept-new policy, revoked keys) are handled in
  :mod:`preflight.net.ssh_hostkeys`; the error types are in :mod:`preflight.net.ssh_errors`. Both are
  re-exported here.
* A password is taken from the caller (a prompt or ``PREFLIGHT_SSH_PASSWORD``); it is never
  stored, printed, logged, or put in a result or exception text.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from preflight.errors import InputError
from preflight.net.address import host_port, split_host_port
from preflight.net.ssh_commands import (
    COMMANDS,
    ENV_PREFIX,
    PORT25_SCRIPT,
    POSTFIX_PARAMETERS,
    Access,
    Arg,
    CommandResult,
    CommandTemplate,
    allowlist_table,
    build_command,
    valid_host,
)
from preflight.net.ssh_errors import (
    AuthFailedError,
    ChangedHostKey,
    SshError,
    UnknownHostKey,
    UnreachableError,
)
from preflight.net.ssh_hostkeys import (
    HostKeyInfo,
    append_known_host,
    host_key_info,
    key_type_label,  # noqa: F401 - re-exported: it lived here
    load_known_hosts,
    new_key_policy,
    revoked_keys,
)

__all__ = [
    "COMMANDS", "ENV_PREFIX", "PORT25_SCRIPT", "POSTFIX_PARAMETERS", "Access", "Arg", "AuthFailedError",
    "ChangedHostKey", "CommandResult", "CommandTemplate", "ConnectOptions", "HostKeyInfo", "SshError",
    "SshSession", "SshTarget", "UnknownHostKey", "UnreachableError", "allowlist_table", "append_known_host",
    "build_command", "connect", "load_known_hosts", "valid_host",
]

DEFAULT_PORT = 22
MAX_STDOUT = 512 * 1024
"""Bytes of standard output kept per command; the rest is dropped and the result marked truncated."""
MAX_STDERR = 16 * 1024
MAX_PARALLEL_COMMANDS = 4
"""Commands in flight on one connection (sshd's MaxSessions defaults to 10)."""

# -- targets and options ----------------------------------------------------------------------

_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\Z")


@dataclass(frozen=True)
class SshTarget:
    """Where to log in: ``USER@HOST[:PORT]`` (IPv6 as ``USER@[ADDR]:PORT``)."""

    user: str
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        return f"{self.user}@{host_port(self.host, self.port)}"

    @property
    def known_hosts_name(self) -> str:
        """The name known_hosts files use: ``host``, or ``[host]:port`` off port 22."""
        return self.host if self.port == DEFAULT_PORT else f"[{self.host}]:{self.port}"

    @classmethod
    def parse(cls, text: str, what: str = "--ssh") -> SshTarget:
        """Parse ``USER@HOST[:PORT]``; a bad value is an :class:`InputError` naming ``what``."""
        raw = str(text).strip()
        user, at, rest = raw.rpartition("@")
        if not at or not _USER.match(user):
            raise InputError(f"{what}: expected USER@HOST[:PORT], not {raw[:80]!r}")
        try:
            host, port, _ = split_host_port(rest, DEFAULT_PORT)
        except ValueError as exc:
            raise InputError(f"{what}: {exc} in {raw[:80]!r}") from None
        try:
            host = valid_host(host)
        except InputError:
            raise InputError(f"{what}: invalid host in {raw[:80]!r}") from None
        return cls(user, host, port)


@dataclass(frozen=True)
class ConnectOptions:
    """How to authenticate and verify: key file, known_hosts, timeouts. ``password`` is never shown."""

    known_hosts: str
    key_file: str | None = None
    accept_new: bool = False
    timeout: float = 10.0
    password: str | None = field(default=None, repr=False, compare=False)

    @property
    def methods(self) -> str:
        """The credentials that will be offered, for messages."""
        offered = [f"key {self.key_file}"] if self.key_file else ["ssh-agent", "default keys (~/.ssh/id_*)"]
        if self.password is not None:
            offered.append("password")
        return ", ".join(offered)


# -- commands ------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _send_eof(channel: Any) -> None:
    """Close the command's stdin (EOF) - never after the channel's CLOSE.

    paramiko's ``shutdown_write`` builds the EOF under the channel lock but sends it after
    releasing it; a command that has already finished lets paramiko's transport thread answer
    sshd's CLOSE in between, and an EOF after CLOSE makes sshd drop the WHOLE connection
    ("ieof packet referred to nonexistent channel"): every later command fails. Likely under
    load; here the EOF is sent while the lock keeps the CLOSE out. (Holding the lock while
    sending can at worst wait out paramiko's key-exchange timeout, a channel error; preflight
    moves far too little data for a rekey.)
    """
    with channel.lock:
        if channel.closed:
            return
        message = channel._send_eof()  # noqa: SLF001 - see the docstring
        if message is not None:
            channel.transport._send_user_message(message)  # noqa: SLF001


class SshSession:
    """An authenticated connection that runs allowlisted commands. Use :func:`connect`."""

    def __init__(self, client: Any, target: SshTarget, host_key: HostKeyInfo,
                 recorded: bool, command_timeout: float) -> None:
        self._client = client
        self.target = target
        self.host_key = host_key
        self.recorded = recorded
        self.command_timeout = command_timeout
        self._log: list[CommandResult] = []
        self._lock = threading.Lock()

    @property
    def log(self) -> tuple[CommandResult, ...]:
        """Every command run on this connection, in the order they finished."""
        with self._lock:
            return tuple(self._log)

    def run(self, name: str, *args: object, timeout: float | None = None) -> CommandResult:
        """Run allowlisted command ``name`` with ``args``; never raises for a failing command."""
        command = build_command(name, *args)
        limit = timeout or self.command_timeout
        started = time.monotonic()
        try:
            result = self._exec(name, command, limit, started)
        except Exception as exc:
            import paramiko

            if not isinstance(exc, (paramiko.SSHException, OSError, EOFError)):
                raise
            result = CommandResult(name, command, None, "", f"ssh channel error: {exc}"[:300],
                                   time.monotonic() - started)
        with self._lock:
            self._log.append(result)
        return result

    def run_many(self, calls: Sequence[tuple[object, ...]]) -> list[CommandResult]:
        """Run several ``(name, *args)`` calls on parallel channels (bounded), keeping order."""
        from preflight.net.pool import concurrent_map

        return concurrent_map(lambda c: self.run(str(c[0]), *c[1:]), calls, MAX_PARALLEL_COMMANDS)

    def _exec(self, name: str, command: str, limit: float, started: float) -> CommandResult:
        import paramiko

        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise EOFError("connection closed")
        channel = transport.open_session(timeout=limit)
        # paramiko's exec_command waits for the server's answer without a timeout: a server
        # that stalls after opening the channel would hang the run. Closing the channel wakes it.
        stalled = threading.Event()

        def give_up() -> None:
            stalled.set()
            channel.close()

        watchdog = threading.Timer(max(0.05, started + limit - time.monotonic()), give_up)
        watchdog.daemon = True
        watchdog.start()
        try:
            try:
                channel.exec_command(command)
            except paramiko.SSHException:
                if stalled.is_set():
                    return CommandResult(name, command, None, "", "", time.monotonic() - started,
                                         timed_out=True, truncated=False)
                raise
            finally:
                watchdog.cancel()
            _send_eof(channel)
            out, err = bytearray(), bytearray()
            truncated = timed_out = False
            deadline = started + limit
            while True:
                progressed = False
                while channel.recv_ready():
                    chunk = channel.recv(65536)
                    progressed = True
                    room = MAX_STDOUT - len(out)
                    out += chunk[: max(room, 0)]
                    truncated = truncated or len(chunk) > room
                while channel.recv_stderr_ready():
                    chunk = channel.recv_stderr(65536)
                    progressed = True
                    if len(err) < MAX_STDERR:
                        err += chunk[: MAX_STDERR - len(err)]
                if truncated:
                    break
                # sshd may send exit-status before the last output: finish at EOF *and* status.
                drained = not channel.recv_ready() and not channel.recv_stderr_ready()
                if drained and (channel.closed or (channel.eof_received and channel.exit_status_ready())):
                    break
                if time.monotonic() >= deadline:
                    timed_out = True
                    break
                if not progressed:
                    if channel.status_event.is_set():
                        time.sleep(0.005)
                    else:
                        channel.status_event.wait(0.01)
            status = channel.recv_exit_status() if channel.exit_status_ready() else None
            if status is not None and status < 0:  # paramiko: -1 = closed without an exit status
                status = None
        finally:
            channel.close()
        return CommandResult(name, command, status, _decode(bytes(out)), _decode(bytes(err)),
                             time.monotonic() - started, timed_out=timed_out, truncated=truncated)

    def close(self) -> None:
        """Close the connection."""
        self._client.close()

    def __enter__(self) -> SshSession:  # noqa: PYI034 - not meant to be subclassed
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(target: SshTarget, options: ConnectOptions, command_timeout: float = 30.0) -> SshSession:
    """Connect, verify the host key, authenticate; raise an :class:`SshError` subclass on failure."""
    import socket

    import paramiko

    client = paramiko.SSHClient()
    load_known_hosts(client.get_host_keys(), options.known_hosts)
    recorded: list[HostKeyInfo] = []
    client.set_missing_host_key_policy(new_key_policy(target, options, recorded))
    use_key = options.key_file is not None
    try:
        client.connect(
            target.host, target.port, username=target.user, password=options.password,
            key_filename=options.key_file, allow_agent=not use_key, look_for_keys=not use_key,
            timeout=options.timeout, banner_timeout=options.timeout, auth_timeout=options.timeout,
            channel_timeout=options.timeout,
        )
    except SshError:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise ChangedHostKey(target, host_key_info(exc.key), host_key_info(exc.expected_key), options.known_hosts) from None
    except paramiko.AuthenticationException as exc:
        client.close()
        reason = str(exc).splitlines()[0][:200] if str(exc) else "authentication failed"
        raise AuthFailedError(target, reason, options.methods) from None
    except TimeoutError:
        client.close()
        raise UnreachableError(target, f"no answer within {options.timeout:g} s") from None
    except socket.gaierror as exc:
        client.close()
        raise UnreachableError(target, f"host name did not resolve ({exc.strerror})") from None
    except paramiko.ssh_exception.NoValidConnectionsError:
        client.close()
        raise UnreachableError(target, "connection refused") from None
    except OSError as exc:
        client.close()
        raise UnreachableError(target, exc.strerror or type(exc).__name__) from None
    except paramiko.SSHException as exc:
        client.close()
        raise SshError(target, f"SSH error: {str(exc)[:200]}") from None
    transport = client.get_transport()
    key = transport.get_remote_server_key()
    if key.get_base64() in revoked_keys(options.known_hosts):
        client.close()
        raise ChangedHostKey(target, host_key_info(key), HostKeyInfo("@revoked", "this key is revoked"),
                             options.known_hosts)
    return SshSession(client, target, host_key_info(key), bool(recorded), command_timeout)
