"""SSH inventory settings: a frozen value carried in ``RunConfig.settings``.

Safety by construction: a :class:`~preflight.config.RunConfig` without these settings logs in
nowhere. The default outbound port-25 targets (the MX hosts of the plan's domains) are used only
when ``port25_from_mx`` is set, and only the CLI sets it (:func:`from_options`); tests and the
demo name their loopback targets explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from preflight.engine.family import CliOption, Setup
from preflight.errors import InputError, UsageError
from preflight.values import (
    Validator,
    as_bool,
    as_number,
    as_str,
    as_str_list,
    checked,
    parse_timeout,
)

if TYPE_CHECKING:
    from preflight.net.ssh import ConnectOptions, SshTarget

PLAN_TABLE: dict[str, Validator] = {
    "new": as_str, "old": as_str, "key": as_str, "known_hosts": as_str, "accept_new": as_bool,
    "timeout": checked(parse_timeout, as_number), "port25_targets": as_str_list,
}
"""The plan's ``[ssh]`` table (server inventory over SSH); targets, key file and port-25 targets
are checked in :func:`from_options` (errors name the plan key)."""

PASSWORD_ENV = "PREFLIGHT_SSH_PASSWORD"
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
DEFAULT_TIMEOUT = 10.0
"""Seconds to connect, read the SSH banner and authenticate."""
DEFAULT_COMMAND_TIMEOUT = 30.0
"""Seconds one command may run on the server."""
PORT25_TIMEOUT = 5
"""Seconds the server waits for each outbound port-25 connection (and its greeting)."""
MAX_PORT25_TARGETS = 12


@dataclass(frozen=True)
class Port25Target:
    """A host the new server should reach on port 25 (``HOST[:PORT]``; the port is for the lab)."""

    host: str
    port: int = 25

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == 25 else f"{host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Port25Target:
        """``mx.example.net``, ``192.0.2.7:2525``, ``[2001:db8::7]:25``."""
        raw = str(text).strip()
        host, port_text = raw, ""
        if raw.startswith("["):
            host, close, tail = raw[1:].partition("]")
            if not close or (tail and not tail.startswith(":")):
                raise InputError(f"invalid port-25 target {raw[:80]!r}")
            port_text = tail[1:]
        elif raw.count(":") == 1:
            host, _, port_text = raw.partition(":")
        from preflight.net.ssh import valid_host  # the SSH layer loads when a server is named

        try:
            host = valid_host(host)
        except InputError:
            raise InputError(f"invalid port-25 target {raw[:80]!r}: expected HOST[:PORT]") from None
        port = 25
        if port_text:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise InputError(f"invalid port-25 target {raw[:80]!r}: port must be 1-65535")
            port = int(port_text)
        return cls(host, port)


@dataclass(frozen=True)
class SshSettings:
    """Which servers to inventory and how to log in. ``password`` never reaches a report."""

    new: SshTarget | None = None
    old: SshTarget | None = None
    known_hosts: str = field(default_factory=lambda: os.path.expanduser(DEFAULT_KNOWN_HOSTS))
    key_file: str | None = None
    accept_new: bool = False
    timeout: float = DEFAULT_TIMEOUT
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT
    port25_targets: tuple[Port25Target, ...] = ()
    port25_from_mx: bool = False
    """Use the MX hosts of the plan's domains when no targets are given (real runs only)."""
    port25_timeout: int = PORT25_TIMEOUT
    password: str | None = field(default=None, repr=False, compare=False)

    def options(self) -> ConnectOptions:
        """Connection options for :func:`preflight.net.ssh.connect`."""
        from preflight.net.ssh import ConnectOptions

        return ConnectOptions(known_hosts=self.known_hosts, key_file=self.key_file,
                              accept_new=self.accept_new, timeout=self.timeout,
                              password=self.password)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the report (no password: only whether one was given)."""
        return {
            "new": str(self.new) if self.new else None,
            "old": str(self.old) if self.old else None,
            "known_hosts": self.known_hosts,
            "key_file": self.key_file,
            "accept_new": self.accept_new,
            "timeout": self.timeout,
            "password_given": self.password is not None,
            "port25_targets": [str(t) for t in self.port25_targets],
            "port25_from_mx": self.port25_from_mx,
        }


MAX_KEY_BYTES = 1024 * 1024
MAX_KNOWN_HOSTS_BYTES = 64 * 1024 * 1024


def check_known_hosts(path: str, what: str = "--known-hosts") -> str:
    """A known_hosts file that is absent (created on first use) or a regular file of a sane size."""
    from preflight.inputfile import check_regular, read_bytes

    if check_regular(path, what, missing_ok=True):
        read_bytes(path, what, MAX_KNOWN_HOSTS_BYTES)
    return path


def check_key_file(path: str, what: str = "--ssh-key") -> str:
    """A readable, unencrypted private key paramiko can use (an encrypted one belongs in ssh-agent)."""
    import paramiko

    from preflight.inputfile import read_bytes

    expanded = os.path.expanduser(path)
    read_bytes(expanded, what, MAX_KEY_BYTES)  # a regular file of a sane size, before paramiko opens it
    try:
        paramiko.PKey.from_path(expanded)
    except (paramiko.PasswordRequiredException, TypeError):  # TypeError: cryptography, OpenSSH format
        raise UsageError(
            f"{what}: {path} is encrypted; load it into ssh-agent (ssh-add {path}) and leave out {what}"
        ) from None
    except PermissionError:
        raise UsageError(f"{what}: cannot read {path} (permission denied)") from None
    except (paramiko.SSHException, ValueError, OSError):
        raise UsageError(f"{what}: {path} is not a private key paramiko can use") from None
    return expanded


def from_options(
    plan: Mapping[str, Any],
    *,
    new: str | None = None,
    old: str | None = None,
    key_file: str | None = None,
    known_hosts: str | None = None,
    accept_new: bool | None = None,
    password: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SshSettings | None:
    """Merge ``[ssh]`` of the plan with the flags (flags win); None when no server is named.

    The password comes from ``password`` (a prompt) or ``PREFLIGHT_SSH_PASSWORD`` in ``environ``.
    """
    env = os.environ if environ is None else environ
    new_text = new or plan.get("ssh.new")
    old_text = old or plan.get("ssh.old")
    if not new_text and not old_text:
        return None
    if not new_text:
        raise UsageError("--old-ssh needs --ssh (the new server) as well")
    from preflight.net.ssh import SshTarget  # the SSH layer loads when a server is named

    new_target = SshTarget.parse(new_text, "--ssh" if new else "plan: ssh.new")
    old_target = SshTarget.parse(old_text, "--old-ssh" if old else "plan: ssh.old") if old_text else None
    key = key_file or plan.get("ssh.key")
    hosts = known_hosts or plan.get("ssh.known_hosts") or DEFAULT_KNOWN_HOSTS
    targets = tuple(Port25Target.parse(t) for t in plan.get("ssh.port25_targets", ()))
    if len(targets) > MAX_PORT25_TARGETS:
        raise UsageError(f"plan: ssh.port25_targets: at most {MAX_PORT25_TARGETS} targets")
    secret = password if password is not None else env.get(PASSWORD_ENV) or None
    return SshSettings(
        new=new_target,
        old=old_target,
        known_hosts=check_known_hosts(os.path.expanduser(hosts),
                                      "--known-hosts" if known_hosts else "plan: ssh.known_hosts"
                                      if plan.get("ssh.known_hosts") else "known_hosts"),
        key_file=check_key_file(key, "--ssh-key" if key_file else "plan: ssh.key") if key else None,
        accept_new=bool(accept_new) if accept_new is not None else bool(plan.get("ssh.accept_new", False)),
        timeout=float(plan.get("ssh.timeout", DEFAULT_TIMEOUT)),
        port25_targets=tuple(dict.fromkeys(targets)),
        port25_from_mx=not targets,
        password=secret,
    )


__all__ = [
    "OPTIONS", "PASSWORD_ENV", "PLAN_TABLE", "Port25Target", "SshSettings", "check_key_file", "configure",
    "from_options",
]


# -- the command line ------------------------------------------------------------------------------

OPTIONS: tuple[CliOption, ...] = (
    CliOption("ssh", "--ssh", panel="SSH", metavar="USER@HOST[:PORT]",
              help="Inventory the new server over SSH, USER@HOST[:PORT] (read-only commands)."),
    CliOption("old_ssh", "--old-ssh", panel="SSH", metavar="USER@HOST[:PORT]",
              help="Also inventory the old server, USER@HOST[:PORT], and compare settings."),
    CliOption("ssh_key", "--ssh-key", panel="SSH", metavar="PATH",
              help="Private key for SSH (default: ssh-agent, then ~/.ssh/id_*)."),
    CliOption("known_hosts", "--known-hosts", panel="SSH", metavar="PATH",
              help="known_hosts file to verify host keys (default ~/.ssh/known_hosts)."),
    CliOption("ssh_accept_new", "--ssh-accept-new", panel="SSH", kind=bool,
              help="Record an unknown host key in known_hosts (never a changed one)."),
    CliOption("ssh_password", "--ssh-password", panel="SSH", kind=bool, default=False,
              secret_prompt="cli_prompt_ssh_password", secret_envvar=PASSWORD_ENV,
              help="Prompt for the SSH password (terminal only; or set PREFLIGHT_SSH_PASSWORD)."),
)
"""The options ``preflight check`` gets from this family."""


def configure(setup: Setup) -> SshSettings | None:
    """The SSH settings of a run (``--ssh`` / ``[ssh]``), or None when no server is named."""
    flags = setup.flags
    return from_options(setup.plan, new=flags.get("ssh"), old=flags.get("old_ssh"),
                        key_file=flags.get("ssh_key"), known_hosts=flags.get("known_hosts"),
                        accept_new=flags.get("ssh_accept_new"), password=flags.get("ssh_password"))
