"""The new server's access tables, read over SSH for the prediction (all I/O; read-only).

Tables whose source preflight evaluates itself (``cidr:``, ``texthash:``, ``regexp:``, ``pcre:``)
are read with the allowlisted ``read_file`` (files under /etc and /usr/local/etc only). Indexed
tables (``hash:``, ``lmdb:``, ``btree:``) cannot be read as text: each key smtpd would try for
each partner (its names and parent domains, its address and the shortened forms) is asked with
``postmap -q KEY type:/path``. A table that cannot be read stays unread: the prediction then tries
it both ways (it may answer OK or REJECT) and says "could not tell" when that matters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from preflight.inventory.access import FILE_TYPES, SERVER_TYPES, Table, address_keys, domain_keys
from preflight.errors import InputError
from preflight.net.ssh import Access, ConnectOptions, SshError, SshTarget, build_command, connect

MAX_LOOKUPS = 2_000


@dataclass(frozen=True)
class ServerTables:
    """What the server's tables answered: texts of file tables, answers of indexed ones."""

    texts: Mapping[str, str]
    answered: Mapping[str, Table]
    problems: tuple[str, ...] = ()


def lookup_keys(ips: Sequence[str], names: Sequence[str], parent_style: bool = True) -> list[str]:
    """Every key smtpd may look up for these clients in an exact-key table."""
    keys: list[str] = []
    for name in names:
        keys += domain_keys(name, parent_style)
    for ip in ips:
        keys += address_keys(ip)
    return list(dict.fromkeys(k.lower() for k in keys))


def _ok(problems: list[str], spec: str, command: str, *args: str) -> bool:
    """True when the allowlist accepts these arguments (else the table stays unread, noted)."""
    try:
        build_command(command, *args)
    except InputError as exc:
        problems.append(f"{spec}: not read ({exc})")
        return False
    return True


def read_tables(target: SshTarget, options: ConnectOptions, specs: Sequence[str], keys: Sequence[str]
                ) -> ServerTables:
    """Read ``specs`` on the new server (a login failure is a problem, not an exception)."""
    problems: list[str] = []
    files = [s for s in specs if s.partition(":")[0].lower() in FILE_TYPES and _ok(problems, s, "read_file",
                                                                                  s.partition(":")[2])]
    indexed = [s for s in specs if s.partition(":")[0].lower() in SERVER_TYPES and _ok(problems, s, "postmap_q",
                                                                                       "probe", s)]
    keys = [k for k in keys if _ok([], k, "postmap_q", k, "hash:/etc/postfix/x")]
    if not files and not indexed:
        return ServerTables({}, {}, tuple(problems))
    try:
        session = connect(target, options)
    except SshError as exc:
        return ServerTables({}, {}, (*problems, f"access tables not read: {exc.detail}"))
    texts: dict[str, str] = {}
    answered: dict[str, Table] = {}
    with session:
        calls = [("read_file", s.partition(":")[2]) for s in files]
        for spec, result in zip(files, session.run_many(calls) if calls else []):
            if result.access is Access.OK:
                texts[spec] = result.stdout
            else:
                problems.append(f"{spec}: {result.reason or result.access.value}")
        lookups = [(spec, key) for spec in indexed for key in keys][:MAX_LOOKUPS]
        results = session.run_many([("postmap_q", key, spec) for spec, key in lookups]) if lookups else []
        found: dict[str, dict[str, str]] = {spec: {} for spec in indexed}
        failed: set[str] = set()
        for (spec, key), result in zip(lookups, results):
            if result.access is Access.OK and result.stdout.strip():
                found[spec][key] = result.stdout.strip().splitlines()[0]
            elif result.access is Access.OK or (result.exit_status == 1 and not result.stderr.strip()):
                continue  # postmap -q exits 1, silently, for "not found"
            else:
                failed.add(spec)
                problems.append(f"{spec}: {result.reason or result.access.value}")
        answered = {spec: Table.of_answers(spec, got) for spec, got in found.items() if spec not in failed}
    return ServerTables(texts, answered, tuple(dict.fromkeys(problems)))
