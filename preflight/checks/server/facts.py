"""What the inventory collected from one server, and what DNS said about it. Values only, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from preflight.checks.server.settings import Port25Target
from preflight.i18n.messages import encode, piece
from preflight.inventory.parse import DkimKey, MasterConfig, Mta, RblPolicy
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.ssh import Access, CommandResult, HostKeyInfo, SshError, SshTarget

SKIP_HINT = "run preflight's SSH user as root or in the group that owns the file (postfix, opendkim)"


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class FileText:
    """A file read over SSH, or why it could not be read."""

    path: str
    access: Access
    text: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the text was read."""
        return self.access is Access.OK

    @property
    def skip_reason(self) -> str:
        """Why reading it was skipped, with what to do."""
        if self.access is Access.DENIED:
            return f"permission denied: {SKIP_HINT}"
        return self.reason

    @property
    def skip_reason_i18n(self) -> str:
        """:attr:`skip_reason` as coded text when it is our own words (ui ``server_skip_denied``), else ""."""
        return encode([piece("server_skip_denied")]) if self.access is Access.DENIED else ""


@dataclass(frozen=True)
class KeyProbe:
    """One DKIM key of the signer and its public half, derived on the server.

    ``access`` is None when nothing was run (inline key, no path); ``public_der`` is the
    SubjectPublicKeyInfo (DER) that ``openssl pkey -pubout`` printed.
    """

    key: DkimKey
    access: Access | None
    public_der: bytes | None = None
    reason: str = ""


@dataclass(frozen=True)
class DkimSigner:
    """A DKIM signer's configuration: OpenDKIM or rspamd, its keys and how Postfix reaches it."""

    name: str
    config_path: str
    keys: tuple[KeyProbe, ...]
    socket: str = ""
    signs: bool = True
    unread: tuple[FileText, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CertProbe:
    """A TLS certificate file named by a Postfix parameter: its first certificate (PEM) or why not."""

    parameter: str
    path: str
    access: Access
    pem: str = ""
    reason: str = ""


@dataclass(frozen=True)
class KeyFileStatus:
    """Whether a TLS private key file exists (``stat``; its content is never read)."""

    parameter: str
    path: str
    access: Access
    detail: str = ""


@dataclass(frozen=True)
class Port25Probe:
    """An outbound connection from the server to ``target``.

    ``state``: ``open``, ``refused``, ``timeout``, ``unreachable``, ``unresolved`` or ``error``.
    """

    target: Port25Target
    state: str
    greeting: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PostfixFacts:
    """Postfix's configuration as ``postconf`` printed it.

    ``effective`` holds ``postconf -x`` values (defaults included, ``$names`` expanded);
    ``outbound`` the same after the master.cf overrides of the ``smtp`` client service.
    """

    main: Mapping[str, str] = field(default_factory=_empty)
    effective: Mapping[str, str] = field(default_factory=_empty)
    outbound: Mapping[str, str] = field(default_factory=_empty)
    master: MasterConfig | None = None
    policy: RblPolicy | None = None
    unread: FileText | None = None
    defaults: Mapping[str, str] = field(default_factory=_empty)
    """``postconf -d`` of the restriction and postscreen parameters (the partner prediction's)."""


@dataclass(frozen=True)
class ServerFacts:
    """Everything collected from one server (``role`` is ``new`` or ``old``)."""

    role: str
    target: SshTarget
    error: SshError | None = None
    host_key: HostKeyInfo | None = None
    key_recorded: bool = False
    known_hosts: str = ""
    os_release: FileText | None = None
    mta: Mta | None = None
    mta_problem: CommandResult | None = None
    postfix: PostfixFacts | None = None
    resolv: FileText | None = None
    addresses: tuple[str, ...] | None = None
    routes: Mapping[int, str | None] = field(default_factory=lambda: MappingProxyType({}))
    signers: tuple[DkimSigner, ...] = ()
    signer_reads: tuple[FileText, ...] = ()
    certs: tuple[CertProbe, ...] = ()
    key_files: tuple[KeyFileStatus, ...] = ()
    port25: tuple[Port25Probe, ...] = ()
    commands: tuple[CommandResult, ...] = ()

    @property
    def connected(self) -> bool:
        """True when the inventory ran (login worked)."""
        return self.error is None

    @property
    def label(self) -> str:
        """Subject of the server's results: ``new server user@host:port``."""
        return f"{self.role} server {self.target}"


@dataclass(frozen=True)
class PlanFacts:
    """The plan and DNS answers the judgement needs, with the run's clock."""

    ips: tuple[str, ...]
    hostname: str | None
    domains: tuple[str, ...]
    selectors: tuple[str, ...]
    now: datetime
    ptr: Mapping[str, DnsAnswer | DnsError] = field(default_factory=lambda: MappingProxyType({}))
    dkim_txt: Mapping[tuple[str, str], DnsAnswer | DnsError] = field(
        default_factory=lambda: MappingProxyType({})
    )
