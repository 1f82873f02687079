"""Collect one server's inventory over SSH: only allowlisted read-only commands (net/ssh.py).

Everything that is read is parsed with :mod:`preflight.inventory`; nothing here judges. A file the
SSH user may not read becomes a :class:`FileText` with ``Access.DENIED`` (a skip, later), never an
exception. DKIM public keys are derived on the server; the private key never leaves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from types import MappingProxyType

from preflight.checks.server.facts import (
    CertProbe,
    DkimSigner,
    FileText,
    KeyFileStatus,
    KeyProbe,
    Port25Probe,
    PostfixFacts,
    ServerFacts,
)
from preflight.checks.server.settings import Port25Target, SshSettings
from preflight.errors import InputError
from preflight.inventory.parse import (
    DkimKey,
    KeyTableEntry,
    detect_mta,
    expand,
    opendkim_keys,
    parse_keytable,
    parse_master_cf,
    parse_opendkim_conf,
    parse_postconf,
    parse_rbl_config,
    parse_rspamd_dkim_signing,
    split_list,
)
from preflight.net.ssh import (
    Access,
    CommandResult,
    SshError,
    SshSession,
    SshTarget,
    build_command,
    connect,
)

OS_RELEASE = "/etc/os-release"
RESOLV_CONF = "/etc/resolv.conf"
OPENDKIM_CONF = "/etc/opendkim.conf"
RSPAMD_DKIM = ("/etc/rspamd/local.d/dkim_signing.conf", "/etc/rspamd/override.d/dkim_signing.conf")
OUTBOUND_SERVICE = "smtp/unix"
OUTBOUND_PARAMETERS = ("smtp_helo_name", "smtp_bind_address", "smtp_bind_address6",
                       "smtp_tls_security_level")
MAX_KEYS = 40
MAX_CERTS = 8

_ADDR = re.compile(r"\binet6?\s+([0-9a-fA-F:.]+)(?:/\d+)?")
_SRC = re.compile(r"\bsrc\s+([0-9a-fA-F:.]+)")


def file_text(path: str, result: CommandResult) -> FileText:
    """A ``read_file`` result as a :class:`FileText` (private key material is never kept)."""
    access = result.access
    if access is Access.OK and "PRIVATE KEY" in result.stdout:
        return FileText(path, Access.FAILED, "", "holds private key material: not kept")
    return FileText(path, access, result.stdout if access is Access.OK else "", result.reason
                    if access is not Access.OK else "")


def _refused(path: str, exc: InputError) -> FileText:
    return FileText(path, Access.FAILED, "", f"not read: {exc}")


def read_files(session: SshSession, paths: Sequence[str]) -> list[FileText]:
    """Read several files at once (paths that fail validation are reported, not run)."""
    runnable: list[str] = []
    refused: dict[str, FileText] = {}
    for path in paths:
        try:
            build_command("read_file", path)
            runnable.append(path)
        except InputError as exc:
            refused[path] = _refused(path, exc)
    done = dict(zip(runnable, session.run_many([("read_file", p) for p in runnable])))
    return [refused[p] if p in refused else file_text(p, done[p]) for p in paths]


def parse_addresses(text: str) -> tuple[str, ...]:
    """Addresses from ``ip -o addr show`` output."""
    return tuple(dict.fromkeys(m.group(1).lower() for m in _ADDR.finditer(text)))


def parse_route_source(text: str) -> str | None:
    """The ``src`` address from ``ip route get`` output, or None."""
    match = _SRC.search(text)
    return match.group(1).lower() if match else None


def _postfix(session: SshSession) -> PostfixFacts:
    n, m, p, x, d = session.run_many([("postconf_n",), ("postconf_M",), ("postconf_P",), ("postconf_x",),
                                      ("postconf_d",)])
    if n.access is not Access.OK:
        return PostfixFacts(unread=FileText("/etc/postfix/main.cf", n.access, "", n.reason))
    main = parse_postconf(n.stdout)
    effective = parse_postconf(x.stdout) if x.access is Access.OK else dict(main)
    master = None
    if m.access is Access.OK:
        master = parse_master_cf(m.stdout + "\n" + (p.stdout if p.access is Access.OK else ""))
    outbound = dict(effective)
    if master is not None:
        for name, value in master.overrides_for(OUTBOUND_SERVICE).items():
            if name in OUTBOUND_PARAMETERS:
                outbound[name] = expand(value, effective)
    return PostfixFacts(
        main=MappingProxyType(main),
        effective=MappingProxyType(effective),
        outbound=MappingProxyType(outbound),
        master=master,
        policy=parse_rbl_config(main, master),
        defaults=MappingProxyType(parse_postconf(d.stdout) if d.access is Access.OK else {}),
    )


def _derive(session: SshSession, keys: Iterable[DkimKey]) -> tuple[KeyProbe, ...]:
    """Derive the public half of each key on the server (``openssl pkey -pubout``)."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_public_key,
    )

    probes: list[KeyProbe | None] = []
    calls: list[tuple[int, DkimKey]] = []
    for key in list(keys)[:MAX_KEYS]:
        if key.inline_key or not key.key_path:
            probes.append(KeyProbe(key, None))
            continue
        try:
            build_command("dkim_public_key", key.key_path)
        except InputError as exc:
            probes.append(KeyProbe(key, Access.FAILED, None, f"not run: {exc}"))
            continue
        calls.append((len(probes), key))
        probes.append(None)
    results = session.run_many([("dkim_public_key", k.key_path) for _, k in calls])
    for (index, key), result in zip(calls, results):
        if result.access is not Access.OK:
            probes[index] = KeyProbe(key, result.access, None, result.reason)
            continue
        try:
            public = load_pem_public_key(result.stdout.encode("ascii", errors="replace"))
            der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        except (ValueError, TypeError) as exc:
            probes[index] = KeyProbe(key, Access.FAILED, None, f"not a public key: {exc}"[:200])
            continue
        probes[index] = KeyProbe(key, Access.OK, der)
    return tuple(p for p in probes if p is not None)


def _opendkim(session: SshSession, conf_file: FileText) -> DkimSigner:
    conf = parse_opendkim_conf(conf_file.text)
    unread: list[FileText] = []
    notes: list[str] = []
    entries: tuple[KeyTableEntry, ...] = ()
    tables = [(t, d) for t, d in (("KeyTable", conf.key_table), ("SigningTable", conf.signing_table))
              if d is not None]
    readable = [(t, d) for t, d in tables if d.kind in ("file", "refile")]
    for table, dataset in tables:
        if dataset.kind not in ("file", "refile"):
            notes.append(f"{table} is a {dataset.kind}: data set, not read")
    texts = read_files(session, [d.location for _, d in readable])
    for (table, _), text in zip(readable, texts):
        if not text.ok:
            unread.append(text)
        elif table == "KeyTable":
            entries = parse_keytable(text.text)
    keys = opendkim_keys(conf, entries)
    return DkimSigner("opendkim", conf_file.path, _derive(session, keys), socket=conf.socket,
                      signs=conf.signs, unread=tuple(unread), notes=tuple(notes))


def _rspamd(session: SshSession, files: Sequence[FileText], domains: Sequence[str]) -> DkimSigner:
    keys: dict[tuple[str, str], DkimKey] = {}
    for text in files:  # local.d first, override.d wins
        config = parse_rspamd_dkim_signing(text.text)
        found = list(config.domains)
        if not found and config.selector and "$domain" in config.path:
            found = [DkimKey(d, config.selector,
                             config.path.replace("$domain", d).replace("$selector", config.selector),
                             False, "rspamd:path") for d in domains]
        for key in found:
            keys[(key.domain, key.selector)] = key
    return DkimSigner("rspamd", files[-1].path, _derive(session, keys.values()))


def _signers(session: SshSession, domains: Sequence[str]) -> tuple[tuple[DkimSigner, ...],
                                                                    tuple[FileText, ...]]:
    reads = read_files(session, [OPENDKIM_CONF, *RSPAMD_DKIM])
    signers: list[DkimSigner] = []
    if reads[0].ok:
        signers.append(_opendkim(session, reads[0]))
    rspamd = [r for r in reads[1:] if r.ok]
    if rspamd:
        signers.append(_rspamd(session, rspamd, domains))
    return tuple(signers), tuple(reads)


def _tls(session: SshSession, effective: dict[str, str] | None) -> tuple[tuple[CertProbe, ...],
                                                                         tuple[KeyFileStatus, ...]]:
    params = effective or {}
    certs = [(name, params.get(name, "").strip()) for name in ("smtpd_tls_cert_file", "smtpd_tls_eccert_file")]
    certs += [("smtpd_tls_chain_files", path) for path in split_list(params.get("smtpd_tls_chain_files", ""))]
    certs = [(n, p) for n, p in certs if p and p.lower() != "none"][:MAX_CERTS]
    keys = []
    if params.get("smtpd_tls_cert_file", "").strip():
        keys.append(("smtpd_tls_key_file", params.get("smtpd_tls_key_file", "").strip()))
    if params.get("smtpd_tls_eccert_file", "").strip():
        keys.append(("smtpd_tls_eckey_file", params.get("smtpd_tls_eckey_file", "").strip()))
    keys = [(n, p) for n, p in keys if p]
    probes: list[CertProbe] = []
    statuses: list[KeyFileStatus] = []
    calls: list[tuple[object, ...]] = []
    kinds: list[tuple[str, str, str]] = []
    for kind, items in (("certificate", certs), ("file_status", keys)):
        for name, path in items:
            try:
                build_command(kind, path)
            except InputError as exc:
                if kind == "certificate":
                    probes.append(CertProbe(name, path, Access.FAILED, "", f"not read: {exc}"))
                else:
                    statuses.append(KeyFileStatus(name, path, Access.FAILED, f"not checked: {exc}"))
                continue
            calls.append((kind, path))
            kinds.append((kind, name, path))
    for (kind, name, path), result in zip(kinds, session.run_many(calls)):
        if kind == "certificate":
            ok = result.access is Access.OK and "BEGIN CERTIFICATE" in result.stdout
            access = Access.FAILED if result.access is Access.OK and not ok else result.access
            reason = "" if ok else (result.reason if result.access is not Access.OK
                                    else "no certificate in the file")
            probes.append(CertProbe(name, path, access, result.stdout if ok else "", reason))
        else:
            statuses.append(KeyFileStatus(name, path, result.access,
                                          result.stdout.strip() if result.access is Access.OK
                                          else result.reason))
    return tuple(probes), tuple(statuses)


def port25_probe(target: Port25Target, result: CommandResult) -> Port25Probe:
    """Read the outcome of the ``port25`` command."""
    if result.exit_status == 0 and result.stdout.startswith("connected"):
        greeting = result.stdout.split("\n", 2)[1].strip() if "\n" in result.stdout else ""
        return Port25Probe(target, "open", greeting[:300])
    if result.exit_status == 124 or result.timed_out:
        return Port25Probe(target, "timeout", reason="no answer before the timeout")
    err = result.stderr
    if result.exit_status == 3:
        if "Connection refused" in err:
            return Port25Probe(target, "refused", reason="connection refused")
        if "No route to host" in err or "Network is unreachable" in err:
            return Port25Probe(target, "unreachable", reason=result.reason)
        if "not known" in err or "name resolution" in err or "No address" in err:
            return Port25Probe(target, "unresolved", reason=result.reason)
    return Port25Probe(target, "error", reason=result.reason)


def _port25(session: SshSession, targets: Sequence[Port25Target], seconds: int) -> tuple[Port25Probe, ...]:
    # The outer `timeout` bounds connect + greeting; `read -t` waits for the greeting alone.
    results = session.run_many([("port25", 2 * seconds, t.host, t.port, seconds) for t in targets])
    return tuple(port25_probe(t, r) for t, r in zip(targets, results))


def inventory(session: SshSession, role: str, settings: SshSettings,
              port25_targets: Sequence[Port25Target] = (), domains: Sequence[str] = ()) -> ServerFacts:
    """Collect everything from a connected server."""
    first = session.run_many([
        ("read_file", OS_RELEASE), ("read_file", RESOLV_CONF), ("postfix_version",),
        ("addresses",), ("route_v4",), ("route_v6",),
    ])
    os_release, resolv = file_text(OS_RELEASE, first[0]), file_text(RESOLV_CONF, first[1])
    version, addrs, route4, route6 = first[2:]
    mta = detect_mta(version.stdout) if version.access is Access.OK else None
    problem = None
    if mta is None:
        others = session.run_many([("exim_version",), ("sendmail_version",)])
        mta = detect_mta([r.stdout for r in others])
        if mta is None and version.access not in (Access.NOT_INSTALLED,):
            problem = version
    postfix = _postfix(session) if mta is not None and mta.name == "postfix" else None
    effective = dict(postfix.effective) if postfix is not None else None
    signers, reads = _signers(session, domains)
    certs, key_files = _tls(session, effective)
    probes = _port25(session, port25_targets, settings.port25_timeout) if port25_targets else ()
    return ServerFacts(
        role=role, target=session.target, host_key=session.host_key, key_recorded=session.recorded,
        known_hosts=settings.known_hosts,
        os_release=os_release, mta=mta, mta_problem=problem, postfix=postfix, resolv=resolv,
        addresses=parse_addresses(addrs.stdout) if addrs.access is Access.OK else None,
        routes=MappingProxyType({
            4: parse_route_source(route4.stdout) if route4.access is Access.OK else None,
            6: parse_route_source(route6.stdout) if route6.access is Access.OK else None,
        }),
        signers=signers, signer_reads=reads, certs=certs, key_files=key_files, port25=probes,
        commands=session.log,
    )


def collect_server(role: str, target: SshTarget, settings: SshSettings,
                   port25_targets: Sequence[Port25Target] = (), domains: Sequence[str] = ()) -> ServerFacts:
    """Log in to ``target`` and collect its inventory; a login failure is a fact, not an exception."""
    try:
        session = connect(target, settings.options(), settings.command_timeout)
    except SshError as exc:
        return ServerFacts(role=role, target=target, error=exc)
    with session:
        return inventory(session, role, settings, port25_targets, domains)
