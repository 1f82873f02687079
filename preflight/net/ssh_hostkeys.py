"""Host keys for THE SSH layer: known_hosts reading and writing, and the policy for unknown keys.

* Keys are checked against a known_hosts file (hashed and ``[host]:port`` entries work); the file
  is read here and never rewritten, only appended to.
* A key marked ``@revoked`` is never "known": it is refused before any login
  (:class:`~preflight.net.ssh_errors.ChangedHostKey`), whether or not ``accept_new`` is set.
* An unknown key stops the connection (:class:`~preflight.net.ssh_errors.UnknownHostKey`) unless
  ``accept_new``, which records it. A changed key never reaches the policy: paramiko raises
  ``BadHostKeyException`` for it, and :func:`preflight.net.ssh.connect` turns that into
  :class:`~preflight.net.ssh_errors.ChangedHostKey`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.errors import UsageError
from preflight.net.ssh_errors import ChangedHostKey, UnknownHostKey

if TYPE_CHECKING:
    from preflight.net.ssh import ConnectOptions, SshTarget

__all__ = [
    "HostKeyInfo", "append_known_host", "host_key_info", "key_type_label", "load_known_hosts",
    "new_key_policy", "revoked_keys",
]


def key_type_label(key_name: str) -> str:
    """``ssh-ed25519`` → ``ED25519``, ``ecdsa-sha2-nistp256`` → ``ECDSA``, ``ssh-rsa`` → ``RSA``."""
    if "ed25519" in key_name:
        return "ED25519"
    if key_name.startswith("ecdsa"):
        return "ECDSA"
    if "rsa" in key_name:
        return "RSA"
    return key_name.upper()


@dataclass(frozen=True)
class HostKeyInfo:
    """A server's host key as shown to people: type and SHA256 fingerprint."""

    key_type: str
    fingerprint: str

    def __str__(self) -> str:
        return f"{self.key_type} {self.fingerprint}"


def host_key_info(key: Any) -> HostKeyInfo:
    """The type and SHA256 fingerprint of a paramiko key."""
    return HostKeyInfo(key_type_label(key.get_name()), key.fingerprint)


def revoked_keys(known_hosts: str) -> set[str]:
    """Base64 keys marked ``@revoked`` in `known_hosts` (empty if it cannot be read)."""
    out: set[str] = set()
    try:
        with open(known_hosts, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) >= 4 and parts[0] == "@revoked":
                    out.add(parts[3])
    except OSError:
        pass
    return out


def load_known_hosts(host_keys: Any, known_hosts: str) -> None:
    """Add the usable entries of a known_hosts file to paramiko ``HostKeys`` (never saved back).

    Hashed and ``[host]:port`` names work; marker lines (``@revoked``, ``@cert-authority``) and
    lines paramiko cannot read are skipped here; so are revoked keys (refused, before any login,
    by the host-key policy).
    """
    from paramiko.hostkeys import HostKeyEntry

    try:
        with open(known_hosts, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"cannot read known_hosts {known_hosts}: {exc.strerror}") from None
    revoked = revoked_keys(known_hosts)
    for line in lines:
        text = line.strip()
        if not text or text.startswith(("#", "@")):
            continue
        try:
            entry = HostKeyEntry.from_line(text)
        except Exception:  # noqa: BLE001, S112 - a line paramiko cannot read is skipped, as ssh does
            continue
        if entry is None or entry.key is None or entry.key.get_base64() in revoked:
            continue  # a revoked key is never "known": the policy refuses it before any login
        for name in entry.hostnames:
            host_keys.add(name, entry.key.get_name(), entry.key)


def append_known_host(known_hosts: str, name: str, key: Any) -> None:
    """Append one ``name keytype base64`` line (creating the file 0600 and its folder 0700)."""
    path = Path(known_hosts)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    prefix = ""
    if path.exists() and path.stat().st_size:
        with open(path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            prefix = "" if handle.read(1) == b"\n" else "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"{prefix}{name} {key.get_name()} {key.get_base64()}\n")


def new_key_policy(target: SshTarget, options: ConnectOptions, recorded: list[HostKeyInfo]) -> Any:
    """The paramiko policy for keys not in known_hosts; an accepted key is appended to `recorded`."""
    import paramiko

    class _NewKeyPolicy(paramiko.MissingHostKeyPolicy):
        """Unknown key: refuse, or (accept_new) record it. Changed keys never reach this policy."""

        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            info = host_key_info(key)
            if key.get_base64() in revoked_keys(options.known_hosts):
                raise ChangedHostKey(target, info, HostKeyInfo("@revoked", "this key is revoked"),
                                     options.known_hosts)
            if not options.accept_new:
                raise UnknownHostKey(target, info, options.known_hosts)
            append_known_host(options.known_hosts, hostname, key)
            recorded.append(info)

    return _NewKeyPolicy()
