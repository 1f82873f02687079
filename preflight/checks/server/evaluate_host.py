"""Pure judgement of the login, the operating system, the MTA and outbound port 25."""

from __future__ import annotations

from datetime import date

from preflight.checks.server import outcomes as o
from preflight.checks.server.facts import FileText, Port25Probe, ServerFacts
from preflight.inventory.eol import EolStatus, EolTable
from preflight.inventory.parse import EolState, eol_status, parse_os_release
from preflight.model import CheckResult, Evidence
from preflight.net.ssh import (
    Access,
    AuthFailedError,
    ChangedHostKey,
    UnknownHostKey,
    UnreachableError,
)


def source(facts: ServerFacts) -> str:
    """Evidence source of everything read from this server."""
    return f"ssh {facts.target}"


def evaluate_connection(facts: ServerFacts) -> CheckResult:
    """server.ssh: logged in, or why not (never a pass or fail of the server itself)."""
    role, server, label = facts.role, str(facts.target), facts.label
    err = facts.error
    if err is None:
        assert facts.host_key is not None
        ev = [Evidence("host key", str(facts.host_key), source(facts))]
        if facts.key_recorded:
            return o.SSH_KEY_RECORDED(label, ev, role=role, server=server, key=str(facts.host_key),
                                      known_hosts=facts.known_hosts)
        return o.SSH_CONNECTED(label, ev, role=role, server=server, key=str(facts.host_key))
    ev = [Evidence("ssh", err.detail, server)]
    name = facts.target.known_hosts_name
    if isinstance(err, UnknownHostKey):
        return o.SSH_HOST_KEY_UNKNOWN(label, ev, role=role, server=server, key=str(err.key),
                                      known_hosts=err.known_hosts, name=name)
    if isinstance(err, ChangedHostKey):
        return o.SSH_HOST_KEY_CHANGED(label, ev, role=role, server=server, key=str(err.key),
                                      expected=str(err.expected), known_hosts=err.known_hosts, name=name)
    if isinstance(err, AuthFailedError):
        return o.SSH_AUTH_FAILED(label, ev, role=role, server=server, user=facts.target.user,
                                 methods=err.methods, reason=err.detail)
    if isinstance(err, UnreachableError):
        return o.SSH_UNREACHABLE(label, ev, role=role, server=server, reason=err.detail)
    return o.SSH_FAILED(label, ev, role=role, server=server, reason=err.detail)


def _eol_evidence(status: EolStatus) -> list[Evidence]:
    ev = [Evidence("end of life table", f"{status.os_label}: "
                   f"{status.eol.isoformat() if status.eol else 'no end date published'}",
                   status.source or "preflight/data/os_eol.toml")]
    if status.extended_eol:
        ev.append(Evidence("extended support", f"{status.extended_name or 'extended support'} until "
                           f"{status.extended_eol.isoformat()}", status.source or ""))
    if status.note:
        ev.append(Evidence("note", status.note, "preflight/data/os_eol.toml"))
    return ev


def evaluate_os(facts: ServerFacts, today: date, table: EolTable | None = None) -> CheckResult:
    """server.os_eol: the new server's OS support (ended → fail); the old server's, for context."""
    label, read = facts.label, facts.os_release
    old = facts.role == "old"
    assert read is not None
    if not read.ok:
        ev = [Evidence(read.path, read.reason, source(facts))]
        if read.access is Access.MISSING:
            if old:
                return o.OLD_OS_UNKNOWN(label, ev, os="unknown (no /etc/os-release)")
            return o.OS_UNKNOWN(label, ev, os="unknown", note="the server has no /etc/os-release")
        if read.access is Access.DENIED:
            return o.OS_UNREADABLE(label, ev, path=read.path, reason=read.skip_reason)
        return o.OS_ERROR(label, ev, reason=read.reason)
    release = parse_os_release(read.text)
    status = eol_status(release, today, table)
    ev = [Evidence(read.path, release.pretty_name or release.label, source(facts)), *_eol_evidence(status)]
    shown = status.os_label
    eol = status.eol.isoformat() if status.eol else "no end date published yet"
    if old:
        if status.state is EolState.ENDED:
            return o.OLD_OS_ENDED(label, ev, os=shown, eol=eol)
        if status.state is EolState.UNKNOWN:
            return o.OLD_OS_UNKNOWN(label, ev, os=shown)
        return o.OLD_OS_SUPPORTED(label, ev, os=shown, eol=eol)
    if status.state is EolState.ENDED:
        return o.OS_ENDED(label, ev, os=shown, eol=eol)
    if status.state is EolState.ENDING_SOON:
        return o.OS_ENDING_SOON(label, ev, os=shown, eol=eol, days=status.days_left)
    if status.state is EolState.UNKNOWN:
        return o.OS_UNKNOWN(label, ev, os=shown, note=status.note)
    return o.OS_SUPPORTED(label, ev, os=shown, eol=eol)


def evaluate_mta(facts: ServerFacts) -> CheckResult:
    """server.mta: Postfix (inspected), Exim or Sendmail (detected only), or nothing."""
    label, mta = facts.label, facts.mta
    if mta is not None:
        ev = [Evidence("MTA", f"{mta.name} {mta.version}", source(facts))]
        if mta.name == "postfix":
            return o.MTA_POSTFIX(label, ev, version=mta.version)
        return o.MTA_OTHER(label, ev, mta=mta.name.capitalize(), version=mta.version)
    problem = facts.mta_problem
    if problem is None:
        return o.MTA_NONE(label, [Evidence("postconf, exim, sendmail", "not installed", source(facts))])
    ev = [Evidence(problem.command, problem.reason, source(facts))]
    if problem.access is Access.DENIED:
        reason = FileText("/etc/postfix/main.cf", Access.DENIED).skip_reason
        return o.MTA_UNREADABLE(label, ev, reason=reason)
    return o.MTA_ERROR(label, ev, reason=problem.reason)


def evaluate_port25_probe(probe: Port25Probe, relayhost: str, where: str) -> CheckResult:
    """server.port25_outbound for one target."""
    target = str(probe.target)
    ev = [Evidence(f"TCP {target} port {probe.target.port}", probe.greeting or probe.reason or probe.state,
                   where)]
    if probe.state == "open":
        return o.PORT25_OPEN(target, ev, target=target, greeting=probe.greeting or "(no greeting)")
    if probe.state in ("timeout", "unreachable"):
        if relayhost:
            return o.PORT25_BLOCKED_RELAY(target, ev, target=target, reason=probe.reason,
                                          relayhost=relayhost)
        return o.PORT25_BLOCKED(target, ev, target=target, reason=probe.reason)
    if probe.state == "refused":
        return o.PORT25_REFUSED(target, ev, target=target)
    if probe.state == "unresolved":
        return o.PORT25_UNRESOLVED(target, ev, target=target, reason=probe.reason)
    return o.PORT25_ERROR(target, ev, target=target, reason=probe.reason)


def evaluate_port25(facts: ServerFacts, requested: bool) -> list[CheckResult]:
    """server.port25_outbound for every target (skip when there was none to try)."""
    if not facts.port25:
        return [o.PORT25_NO_TARGETS(facts.label)] if requested else []
    relayhost = facts.postfix.effective.get("relayhost", "").strip() if facts.postfix else ""
    return [evaluate_port25_probe(p, relayhost, source(facts)) for p in facts.port25]
