"""Read DKIM signer configuration: which domains are signed with which selector and key file.

* OpenDKIM: :func:`parse_opendkim_conf` (``opendkim.conf``), :func:`parse_keytable`
  (``KeyTable`` lines ``name domain:selector:/path/to/key``), :func:`parse_signingtable`;
  :func:`opendkim_keys` joins them.
* rspamd: :func:`parse_rspamd_dkim_signing` (``dkim_signing.conf``, UCL) with top-level
  ``selector``/``path`` and ``domain { example.com { ... } }`` blocks.

Private keys are never kept: a KeyTable or rspamd entry that carries key material inline is
reported as ``inline_key=True`` without the data, and passwords in ``dsn:``/``ldap:`` data-set
URLs are masked. Everything is pure, bounded and tolerant of garbage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from preflight.inventory._text import lines
from preflight.inventory._ucl import parse_ucl

MAX_ENTRIES = 10_000
MAX_FIELD = 1_024

DATASET_KINDS = frozenset(
    {
        "file",
        "refile",
        "db",
        "dsn",
        "ldap",
        "ldaps",
        "ldapi",
        "lua",
        "memcache",
        "mdb",
        "erlang",
        "redis",
        "repute",
        "csl",
        "socket",
    }
)
_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_CREDENTIALS = re.compile(r"(//[^:/@\s]*):[^@/\s]*@")
_INLINE_KEY = re.compile(r"[A-Za-z0-9+/=\s-]{200,}")


def redact_credentials(value: str) -> str:
    """Mask the password of ``scheme://user:password@host`` URLs."""
    return _CREDENTIALS.sub(r"\1:***@", value)


def _looks_inline(value: str) -> bool:
    """True when a key "path" is really base64/PEM key material."""
    return "PRIVATE KEY" in value or (
        not value.startswith(("/", ".", "~")) and bool(_INLINE_KEY.fullmatch(value))
    )


@dataclass(frozen=True)
class Dataset:
    """An OpenDKIM data set reference: ``kind`` (``file``, ``refile``, ``csl``, ``dsn``...)."""

    kind: str
    location: str

    @property
    def items(self) -> tuple[str, ...]:
        """Entries of an inline comma-separated list (``csl``); empty for other kinds."""
        if self.kind != "csl":
            return ()
        return tuple(item.strip() for item in self.location.split(",") if item.strip())

    @classmethod
    def parse(cls, value: str) -> Dataset:
        """Classify a data-set string as opendkim(8) "DATA SETS" does."""
        value = redact_credentials(value.strip())[:MAX_FIELD]
        prefix, sep, rest = value.partition(":")
        if sep and prefix.lower() in DATASET_KINDS:
            return cls(prefix.lower(), rest)
        if value.startswith("/"):
            return cls("file", value)
        return cls("csl", value)


@dataclass(frozen=True)
class OpenDkimConf:
    """The signing-related settings of ``opendkim.conf`` (keywords are case-insensitive)."""

    key_table: Dataset | None
    signing_table: Dataset | None
    selector: str
    domain: Dataset | None
    key_file: str
    mode: str
    socket: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def signs(self) -> bool:
        """True unless ``Mode`` is set without ``s`` (opendkim signs and verifies by default)."""
        return not self.mode or "s" in self.mode.lower()


def parse_opendkim_conf(text: str | bytes | None) -> OpenDkimConf:
    """Parse ``opendkim.conf``: ``Keyword value`` lines, ``#`` comments; last assignment wins."""
    params: dict[str, str] = {}
    for line in lines(text):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        parts = body.split(None, 1)
        if not _KEYWORD.fullmatch(parts[0]) or len(params) >= MAX_ENTRIES:
            continue
        params[parts[0].lower()] = redact_credentials(parts[1].strip() if len(parts) > 1 else "")[
            :MAX_FIELD
        ]

    def dataset(key: str) -> Dataset | None:
        return Dataset.parse(params[key]) if params.get(key) else None

    return OpenDkimConf(
        key_table=dataset("keytable"),
        signing_table=dataset("signingtable"),
        selector=params.get("selector", ""),
        domain=dataset("domain"),
        key_file=params.get("keyfile", ""),
        mode=params.get("mode", ""),
        socket=params.get("socket", ""),
        params=MappingProxyType(params),
    )


@dataclass(frozen=True)
class KeyTableEntry:
    """One KeyTable line ``name domain:selector:keypath``; key material is never kept."""

    name: str
    domain: str
    selector: str
    key_path: str | None
    inline_key: bool


def parse_keytable(text: str | bytes | None) -> tuple[KeyTableEntry, ...]:
    """Parse an OpenDKIM KeyTable file (``#`` comments, blank and garbage lines skipped)."""
    entries: list[KeyTableEntry] = []
    for line in lines(text):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        parts = body.split(None, 1)
        if len(parts) < 2 or len(entries) >= MAX_ENTRIES:
            continue
        value = parts[1].strip()
        domain, sep1, rest = value.partition(":")
        selector, sep2, key = rest.partition(":")
        if not (sep1 and sep2 and domain and selector and key):
            continue
        inline = _looks_inline(key)
        entries.append(
            KeyTableEntry(
                name=parts[0][:MAX_FIELD],
                domain=domain.strip().lower()[:MAX_FIELD],
                selector=selector.strip()[:MAX_FIELD],
                key_path=None if inline else key.strip()[:MAX_FIELD],
                inline_key=inline,
            )
        )
    return tuple(entries)


@dataclass(frozen=True)
class SigningTableEntry:
    """One SigningTable line: address/domain ``pattern`` and the KeyTable ``key_name``."""

    pattern: str
    key_name: str


def parse_signingtable(text: str | bytes | None) -> tuple[SigningTableEntry, ...]:
    """Parse an OpenDKIM SigningTable file (``refile:`` patterns such as ``*@example.com``)."""
    entries: list[SigningTableEntry] = []
    for line in lines(text):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        parts = body.split()
        if len(parts) >= 2 and len(entries) < MAX_ENTRIES:
            entries.append(SigningTableEntry(parts[0][:MAX_FIELD], parts[1][:MAX_FIELD]))
    return tuple(entries)


@dataclass(frozen=True)
class DkimKey:
    """A (domain, selector) the signer uses and where its private key lives."""

    domain: str
    selector: str
    key_path: str | None
    inline_key: bool
    source: str


def opendkim_keys(
    conf: OpenDkimConf, keytable: Iterable[KeyTableEntry] = ()
) -> tuple[DkimKey, ...]:
    """Keys OpenDKIM signs with: the KeyTable entries, else the single ``Selector``/``KeyFile``
    pair for each ``Domain`` listed inline."""
    keys = [
        DkimKey(e.domain, e.selector, e.key_path, e.inline_key, "opendkim:KeyTable")
        for e in keytable
    ]
    if keys or not (conf.selector and conf.key_file and conf.domain):
        return tuple(keys)
    return tuple(
        DkimKey(d.lower(), conf.selector, conf.key_file, False, "opendkim:KeyFile")
        for d in conf.domain.items
    )


@dataclass(frozen=True)
class RspamdDkimConfig:
    """The parts of rspamd ``dkim_signing.conf`` that name selectors and keys.

    ``selector``/``path`` are the global defaults (``path`` may contain ``$domain`` and
    ``$selector``); ``domains`` the explicit per-domain entries with defaults filled in and
    placeholders substituted; ``params`` the other top-level scalar options.
    """

    selector: str
    path: str
    selector_map: str
    path_map: str
    domains: tuple[DkimKey, ...]
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _scalar(value: Any) -> str:
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _resolve(path: str, domain: str, selector: str) -> str:
    return path.replace("$domain", domain).replace("$selector", selector)


def _domain_keys(domain: str, block: Mapping[str, Any], selector: str, path: str) -> list[DkimKey]:
    variants: list[Mapping[str, Any]] = [block]
    selectors = block.get("selectors")
    if isinstance(selectors, list):
        variants = [v for v in selectors if isinstance(v, Mapping)] or [block]
    elif isinstance(selectors, Mapping):
        variants = [selectors]
    keys: list[DkimKey] = []
    for variant in variants[:MAX_ENTRIES]:
        sel = _scalar(variant.get("selector")) or _scalar(block.get("selector")) or selector
        inline_text = _scalar(variant.get("key")) or _scalar(block.get("key"))
        raw_path = _scalar(variant.get("path")) or _scalar(block.get("path")) or path
        inline = bool(inline_text) and not raw_path
        key_path = None if inline or not raw_path else _resolve(raw_path, domain, sel)
        if key_path is not None and _looks_inline(key_path):
            key_path, inline = None, True
        keys.append(DkimKey(domain, sel, key_path, inline, "rspamd:domain"))
    return keys


def parse_rspamd_dkim_signing(text: str | bytes | None) -> RspamdDkimConfig:
    """Parse rspamd ``dkim_signing.conf`` / ``local.d/dkim_signing.conf`` (tolerant UCL subset)."""
    tree = parse_ucl(text)
    if set(tree) == {"dkim_signing"} and isinstance(tree["dkim_signing"], Mapping):
        tree = dict(tree["dkim_signing"])  # override.d style wrapper
    selector = _scalar(tree.get("selector"))
    path = _scalar(tree.get("path"))
    domains: list[DkimKey] = []
    block = tree.get("domain")
    if isinstance(block, Mapping):
        for name, sub in list(block.items())[:MAX_ENTRIES]:
            if isinstance(sub, Mapping):
                domains.extend(_domain_keys(str(name).lower()[:MAX_FIELD], sub, selector, path))
    params = {
        str(k)[:MAX_FIELD]: redact_credentials(v)[:MAX_FIELD]
        for k, v in list(tree.items())[:MAX_ENTRIES]
        if isinstance(v, str) and k not in ("selector", "path", "key")
    }
    return RspamdDkimConfig(
        selector=selector,
        path=path,
        selector_map=_scalar(tree.get("selector_map")),
        path_map=_scalar(tree.get("path_map")),
        domains=tuple(domains[:MAX_ENTRIES]),
        params=MappingProxyType(params),
    )
