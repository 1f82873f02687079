"""Short reasons of ours (DNS "timeout", "servfail", host-name problems, SMTP/SSH transport stops) read in
Japanese in a Japanese report.

The reasons come from a real lab DNS server misbehaving on loopback, asked through the one DNS layer
(sync face and batch); a result that carries one (``rdns.fcrdns`` could-not-check) is rendered in
Japanese and must keep no English phrase of ours. English reports keep the reason exactly as stored.
"""

from __future__ import annotations

import ast
import asyncio
import importlib

import dns.exception
import dns.rcode
import pytest

from preflight.checks.server.facts import FileText
from preflight.i18n.messages import localized_params, result_text
from preflight.i18n.reasons import RCODES, reason_pieces
from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.net.dns import (
    DnsClient,
    DnsConfig,
    DnsError,
    Nameserver,
    host_name_problem,
    transport_reason,
)
from preflight.net.ssh import Access
from preflight.net.ssh_commands import CommandResult
from report.english_words import english_phrases


def _reasons(server: LabDnsServer, kind: FaultKind) -> set[str]:
    host, port = server.address
    config = DnsConfig((Nameserver(host, port),), timeout=0.5, retries=0)
    server.add_fault("mx.good.test", kind.value)
    got = [DnsClient(config).ask("mx.good.test", "A"),
           *asyncio.run(DnsClient(config).agather([("mx.good.test", "A")]))]
    assert all(isinstance(g, DnsError) for g in got), got
    return {g.reason for g in got if isinstance(g, DnsError)}


def _japanese(reason: str) -> str:
    params = {"ip": "192.0.2.1", "ptr": "mx.good.test", "reason": reason}
    return result_text("rdns.fcrdns", "error", params, "ja").summary


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT, FaultKind.SERVFAIL, FaultKind.REFUSED, FaultKind.TRUNCATE_TCP,
                                  FaultKind.TCP_CLOSE, FaultKind.GARBAGE, FaultKind.WRONG_ID])
def test_reasons_from_a_real_server_read_in_japanese(dns_server: LabDnsServer, kind: FaultKind) -> None:
    for reason in _reasons(dns_server, kind):
        # Given the reason preflight's DNS layer wrote, when a result carrying it is shown in Japanese
        assert reason_pieces(reason) is not None, reason
        summary = _japanese(reason)
        # Then no English phrase of ours is left (an exception's class name in "unreadable answer" is not ours)
        detail = reason.partition(": ")[2] if reason.startswith("unreadable answer: ") else ""
        assert detail in summary
        assert not english_phrases(f"<p>{summary.replace(detail, ' ') if detail else summary}</p>", exclude=("dnspython",)), summary
        # and in English the stored words are kept exactly
        assert result_text("rdns.fcrdns", "error", {"ip": "192.0.2.1", "ptr": "mx.good.test", "reason": reason},
                           "en").summary.endswith(reason)


def test_every_answer_code_and_transport_reason_is_in_the_vocabulary() -> None:
    codes = {dns.rcode.to_text(c).lower() for c in dns.rcode.Rcode
             if c not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)}
    assert codes <= RCODES, codes - RCODES
    for exc in (dns.exception.Timeout(), EOFError(), ConnectionRefusedError(), OSError(101, "Network is unreachable"),
                dns.exception.FormError()):
        reason = transport_reason(exc)
        assert reason_pieces(reason) is not None, reason
    assert localized_params({"reason": "servfail"}, "ja")["reason"] == "サーバーが SERVFAIL を返しました"
    assert localized_params({"reason": "A x.test: timeout; MX x.test: refused"}, "ja")["reason"] == \
        "A x.test：応答がありません（タイムアウト）；MX x.test：サーバーが REFUSED を返しました"


def test_other_reasons_are_left_as_written() -> None:
    # Not in the vocabulary (a server's own words, a long list): kept exactly, in every language
    for reason in ("Authentication failed.", "timeout of the relay", "x: y: timeout", "a; " * 20):
        assert reason_pieces(reason) is None
        assert localized_params({"reason": reason}, "ja")["reason"] == reason
    assert localized_params({"reason": "timeout"}, "en")["reason"] == "timeout"


def test_our_other_short_reasons_read_in_japanese() -> None:
    # Given the reasons the code itself writes: why a name is no host name, why a file was skipped
    problems = {host_name_problem(n) for n in ("", "x" * 254, "a\\032b.example", "localhost", "a..example",
                                               "x" * 64 + ".example", "a_b.example")}
    assert None not in problems and len(problems) == 7
    reasons = problems | {FileText("/etc/os-release", Access.DENIED).skip_reason, "permission denied: /etc/x.key"}
    for reason in reasons:
        assert reason is not None and reason_pieces(reason) is not None, reason
        ja = localized_params({"problem": reason, "reason": reason}, "ja")
        assert ja["problem"] == ja["reason"] != reason
        assert not english_phrases(f"<p>{ja['reason']}</p>", exclude=("/etc/os-release", "/etc/x.key", "root")), ja  # root: the account name


def _hole(value: object) -> str:
    """A sample value for an f-string hole: a number, the STARTTLS verb, or someone else's words."""
    source = ast.unparse(value) if isinstance(value, ast.AST) else ""
    if "MAX" in source or "timeout" in source:
        return "5"
    return "STARTTLS" if "word" in source else "some detail"


def _literal_reasons(module: str, calls: set[str], position: int) -> set[str]:
    """The reasons ``module`` writes as literals: argument ``position`` of ``calls``, f-string holes filled."""
    path = importlib.import_module(module).__file__
    assert path is not None
    found: set[str] = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        args = list(node.args) + [k.value for k in node.keywords if k.arg in ("detail", "reason")]
        if name not in calls or len(args) <= position:
            continue
        arg = args[position] if position < len(node.args) else args[-1]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.add(arg.value)
        elif isinstance(arg, ast.JoinedStr):
            found.add("".join(v.value if isinstance(v, ast.Constant) else _hole(v) for v in arg.values))
    return found


@pytest.mark.parametrize(("module", "calls", "position"), [
    ("preflight.net.smtp", {"_fail", "SmtpError"}, 1),
    ("preflight.net.mailclient", {"_Stop"}, 1),
    ("preflight.net.ssh", {"UnreachableError", "SshError"}, 1),
    ("preflight.net.dns", {"DnsError"}, 2),
])
def test_every_literal_reason_in_the_transport_layer_is_in_the_vocabulary(module: str, calls: set[str],
                                                                            position: int) -> None:
    # A new reason written in English in the transport layer must get its words in both catalogues.
    reasons = _literal_reasons(module, calls, position)
    assert reasons, module
    # replies and greetings of the peer (its own words) and "NAME refused: REPLY" quote the server
    theirs = ("greeting: ", "EHLO: ", "CAPABILITY: ", "STARTTLS refused: ")
    missing = {r for r in reasons if reason_pieces(r) is None and not r.startswith(theirs)}
    assert not missing, missing


def test_an_unfinished_server_command_reads_in_japanese() -> None:
    for result in (CommandResult("postconf_n", "postconf -n", None, "", "", 3.0, False, False),
                   CommandResult("postconf_n", "postconf -n", 1, "", "", 0.1, False, False),
                   CommandResult("postconf_n", "postconf -n", None, "", "", 30.0, True, False)):
        said = localized_params({"reason": result.reason}, "ja")["reason"]
        assert said != result.reason and not english_phrases(f"<p>{said}</p>", exclude=("SSH",)), said
