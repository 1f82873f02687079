"""Errors of THE SSH layer: why a server could not be inventoried (never with a secret in them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from preflight.net.ssh import SshTarget
    from preflight.net.ssh_hostkeys import HostKeyInfo

__all__ = ["AuthFailedError", "ChangedHostKey", "SshError", "UnknownHostKey", "UnreachableError"]


class SshError(Exception):
    """The server could not be inventoried: ``kind`` names why (never contains a secret)."""

    kind = "failed"

    def __init__(self, target: SshTarget, detail: str) -> None:
        super().__init__(f"{target}: {detail}")
        self.target = target
        self.detail = detail


class UnreachableError(SshError):
    """Connection refused, timed out, or the host name did not resolve."""

    kind = "unreachable"


class AuthFailedError(SshError):
    """The server refused every credential offered."""

    kind = "auth_failed"

    def __init__(self, target: SshTarget, detail: str, methods: str) -> None:
        super().__init__(target, detail)
        self.methods = methods


class UnknownHostKey(SshError):
    """known_hosts has no key for this server; nothing was sent to it."""

    kind = "host_key_unknown"

    def __init__(self, target: SshTarget, key: HostKeyInfo, known_hosts: str) -> None:
        super().__init__(target, f"host key {key} is not in {known_hosts}")
        self.key = key
        self.known_hosts = known_hosts


class ChangedHostKey(SshError):
    """The server presented a key that differs from the one in known_hosts."""

    kind = "host_key_changed"

    def __init__(self, target: SshTarget, key: HostKeyInfo, expected: HostKeyInfo,
                 known_hosts: str) -> None:
        super().__init__(target, f"host key changed: {key}, known_hosts has {expected}")
        self.key = key
        self.expected = expected
        self.known_hosts = known_hosts
