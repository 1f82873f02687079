"""From the facts of one message to ``message.*`` results (pure: no sockets, no clock)."""

from __future__ import annotations

from collections.abc import Callable

from preflight.checks.message import outcomes as o
from preflight.checks.message.alignment import Alignment, judge
from preflight.checks.message.authresults import MethodResult, receiver_verdicts
from preflight.checks.message.collect import HopFound, MessageFacts
from preflight.checks.message.headers import HeaderProblem
from preflight.checks.message.received import Hop
from preflight.checks.message.source import MAX_MESSAGE_BYTES
from preflight.checks.message.spamsignals import SpamVerdict
from preflight.checks.message.verify import DkimCheck, DkimOutcome
from preflight.i18n.messages import encode, piece
from preflight.model import CheckResult, Evidence
from preflight.net.dns import DnsError

METHODS = ("spf", "dkim", "dmarc")
_FAILING = {"fail", "softfail", "permerror", "policy", "hardfail"}
_DKIM = {
    DkimOutcome.BODY_CHANGED: o.DKIM_BODY, DkimOutcome.SIGNATURE_MISMATCH: o.DKIM_MISMATCH,
    DkimOutcome.KEY_REVOKED: o.DKIM_REVOKED, DkimOutcome.EXPIRED: o.DKIM_EXPIRED,
}
_DETAILED = {DkimOutcome.KEY_INVALID: o.DKIM_BAD_KEY, DkimOutcome.KEY_WEAK: o.DKIM_WEAK,
             DkimOutcome.MALFORMED: o.DKIM_MALFORMED}


NOT_RECORDED = "?"
"""The code of a hop field the message does not record (receiving host, HELO, protocol, cipher);
the catalogues word it (``value.receiver.?`` …: "an unnamed host"), never a bare "?"."""


def _hop_evidence(hop: Hop, label: str = "Received") -> Evidence:
    return Evidence(label, hop.raw, f"header field #{hop.index + 1}")


def evaluate_read(facts: MessageFacts) -> CheckResult:
    """message.read: the file was read; size limit and header problems."""
    f = facts.file
    ev = [Evidence("file", f"{f.name}: {f.size} bytes, {len(facts.headers.fields)} header fields", "file")]
    if f.truncated:
        return o.READ_TRUNCATED(f.name, ev, file=f.name, size=f.size, limit=MAX_MESSAGE_BYTES)
    problems = [p.value for p in facts.headers.problems]
    if problems:
        # The codes stay in the JSON (problems); the report names them in its language.
        words = encode([piece(f"message_problem_{p}") for p in problems])
        return o.READ_PROBLEMS(f.name, ev, file=f.name, problems=", ".join(problems), problems_i18n=words)
    return o.READ_OK(f.name, ev, file=f.name, size=f.size, fields=len(facts.headers.fields), hops=len(facts.hops))


def path_text(hops: tuple[Hop, ...]) -> str:
    """The path, oldest hop first: ``a [ip] → b; b [ip] → c``."""
    return "; ".join(h.describe() for h in reversed(hops[:20]))


def evaluate_path(facts: MessageFacts) -> CheckResult:
    """message.path: the hop where the receiver took the message from our server."""
    name, hop = facts.file.name, facts.receiving
    if not facts.hops:
        return o.PATH_NO_RECEIVED(name, file=name)
    ev = [_hop_evidence(h) for h in facts.hops[:20]]
    if hop is not None and facts.found_by == HopFound.BY_IP:
        return o.PATH_OK(name, [_hop_evidence(hop, "receiving hop")] + ev, ip=hop.from_ip,
                         helo=hop.from_helo or NOT_RECORDED, receiver=hop.by_host or NOT_RECORDED, hops=len(facts.hops))
    if hop is not None:
        return o.PATH_GUESSED(name, ev, ip=hop.from_ip, receiver=hop.by_host or NOT_RECORDED)
    if facts.ips:
        return o.PATH_ELSEWHERE(name, ev, ips=", ".join(facts.ips), path=path_text(facts.hops))
    return o.PATH_UNKNOWN(name, ev, hops=len(facts.hops))


def evaluate_tls(facts: MessageFacts) -> CheckResult:
    """message.tls: TLS of the receiving hop, where the receiver recorded it."""
    name, hop = facts.file.name, facts.receiving
    if hop is None:
        return o.TLS_NO_HOP(name)
    subject, receiver, ev = f"{name}: {hop.describe()}", hop.by_host or NOT_RECORDED, [_hop_evidence(hop)]
    if hop.tls is None:
        return o.TLS_NOT_RECORDED(subject, ev, receiver=receiver)
    if not hop.tls:
        return o.TLS_PLAIN(subject, ev, protocol=hop.protocol or NOT_RECORDED, receiver=receiver)
    if hop.tls_version in ("SSL 3", "TLS 1.0", "TLS 1.1"):
        return o.TLS_OLD(subject, ev, version=hop.tls_version, receiver=receiver)
    if hop.tls_version is None:
        return o.TLS_UNVERSIONED(subject, ev, protocol=hop.protocol or NOT_RECORDED, receiver=receiver)
    return o.TLS_OK(subject, ev, version=hop.tls_version, cipher=hop.tls_cipher or NOT_RECORDED, receiver=receiver)


def _identity(result: MethodResult) -> str:
    for key in ("smtp.mailfrom", "header.d", "header.i", "header.from", "smtp.helo"):
        value = result.prop(key)
        if value:
            return f"{key}={value}"
    return "-"


def receiver_result(results: tuple[MethodResult, ...]) -> MethodResult | None:
    """The receiver's verdict of one method: a pass if any result passed, else the first."""
    return next((r for r in results if r.result == "pass"), results[0] if results else None)


def evaluate_receiver(facts: MessageFacts) -> list[CheckResult]:
    """message.receiver per method, and message.untrusted per ignored field."""
    name = facts.file.name
    trusted = [f for f in facts.auth if f.trusted]
    out: list[CheckResult] = []
    receiver = facts.receiving.by_host if facts.receiving and facts.receiving.by_host else NOT_RECORDED
    if not trusted:
        out.append(o.RECEIVER_MISSING(name, [Evidence("Authentication-Results", f.raw, f"header field #{f.index + 1}")
                                             for f in facts.auth[:5]], receiver=receiver))
    else:
        authserv = trusted[0].authserv_id or receiver
        ev = [Evidence("Authentication-Results", f.raw, f"header field #{f.index + 1}, {f.parser}") for f in trusted]
        verdicts = receiver_verdicts(facts.auth)
        for method in [*METHODS, *sorted(m for m in verdicts if m == "arc")]:
            found = receiver_result(verdicts.get(method, ()))
            subject = f"{name}: {method}"
            if found is None:
                out.append(o.RECEIVER_NONE(subject, ev, method=method, authserv=authserv))
            elif found.result == "pass":
                out.append(o.RECEIVER_PASS(subject, ev, method=method, result=found.result, authserv=authserv,
                                           identity=_identity(found)))
            elif found.result in _FAILING:
                out.append(o.RECEIVER_FAIL(subject, ev, method=method, result=found.result, authserv=authserv,
                                           identity=_identity(found), reason=found.reason or ""))
            else:
                out.append(o.RECEIVER_OTHER(subject, ev, method=method, result=found.result, authserv=authserv,
                                            identity=_identity(found)))
    for field in facts.auth:
        if not field.trusted:
            said = "; ".join(f"{r.method}={r.result}" for r in field.results[:8])
            outcome = o.UNTRUSTED.get(field.untrusted_why or "", o.UNTRUSTED_NO_RECEIVER)
            out.append(outcome(f"{name}: Authentication-Results #{field.index + 1}",
                               [Evidence("Authentication-Results", field.raw, f"header field #{field.index + 1}")],
                               authserv=field.authserv_id or "-", results=said or "-"))
    return out


def _dkim_result(name: str, check: DkimCheck, selectors: tuple[str, ...] = ()) -> CheckResult:
    subject = f"{name}: d={check.domain} s={check.selector}"
    d, s, ev = check.domain, check.selector, check.evidence
    if check.outcome is DkimOutcome.PASS and selectors and s.lower() not in selectors:
        return o.DKIM_UNPLANNED(subject, ev, domain=d, selector=s, planned=", ".join(selectors))
    if check.outcome is DkimOutcome.PASS:
        words = encode([piece("message_dkim_key_bits", bits=check.bits)]) if check.bits else ""
        return o.DKIM_PASS(subject, ev, domain=d, selector=s, detail=check.detail, detail_i18n=words)
    if check.outcome in _DKIM:
        return _DKIM[check.outcome](subject, ev, domain=d, selector=s)
    if check.outcome in _DETAILED:
        return _DETAILED[check.outcome](subject, ev, domain=d, selector=s, detail=check.detail,
                                        detail_i18n=check.detail_i18n)
    if check.outcome is DkimOutcome.KEY_MISSING:
        return o.DKIM_NO_KEY(subject, ev, domain=d, selector=s, name=f"{s}._domainkey.{d}")
    if check.outcome is DkimOutcome.DNS_ERROR:
        return o.DKIM_DNS(subject, ev, domain=d, selector=s, reason=check.detail)
    return o.DKIM_NOT_JUDGED(name, ev, file=name)


def evaluate_dkim(facts: MessageFacts, selectors: tuple[str, ...] = ()) -> list[CheckResult]:
    """message.dkim per signature (our own verification); a valid signature with a selector the
    plan does not name (``--dkim-selector``) is a warning: the server signs with another key."""
    name = facts.file.name
    assert facts.own is not None
    if not facts.own.signatures:
        return [o.DKIM_UNSIGNED(name, file=name)]
    return [_dkim_result(name, c, selectors) for c in facts.own.dkim]


def evaluate_spf(facts: MessageFacts) -> CheckResult:
    """message.spf: check_host for the receiving hop's client."""
    name, spf = facts.file.name, facts.own.spf if facts.own else None
    if spf is None:
        return o.SPF_NO_IP(name)
    subject = f"{name}: {spf.domain} ← {spf.ip}"
    ev = [Evidence(f"check_host({spf.ip}, {spf.domain})", f"{spf.result}: {spf.explanation}", "pyspf")]
    kw = {"domain": spf.domain, "ip": spf.ip, "identity": spf.identity}
    if spf.result == "pass":
        return o.SPF_PASS(subject, ev, **kw)
    if spf.result == "temperror":
        return o.SPF_TEMPERROR(subject, ev, reason=spf.explanation, **kw)
    if spf.result in ("neutral", "none"):
        return o.SPF_NEUTRAL(subject, ev, result=spf.result, **kw)
    return o.SPF_FAIL(subject, ev, result=spf.result, **kw)


def alignment_of(facts: MessageFacts, org: Callable[[str], str]) -> Alignment:
    """DMARC alignment of the message, with the modes its DMARC record publishes (default relaxed)."""
    own = facts.own
    assert own is not None
    tags = own.dmarc.tags if own.dmarc is not None else {}
    passed = [c.domain for c in own.dkim if c.outcome is DkimOutcome.PASS]
    spf_domain = own.spf.domain if own.spf is not None and own.spf.result == "pass" and own.spf.identity == "mailfrom" else None
    return judge(facts.from_domain, passed, spf_domain, tags.get("adkim", "r"), tags.get("aspf", "r"), org)


def undecided_methods(facts: MessageFacts) -> list[str]:
    """The methods our verification could not decide (``DKIM``, ``SPF``): a DKIM signature not
    judged or whose key could not be fetched, SPF temperror or a client address never found."""
    own = facts.own
    assert own is not None
    out = []
    if any(c.outcome in (DkimOutcome.DNS_ERROR, DkimOutcome.NOT_JUDGED) for c in own.dkim):
        out.append("DKIM")
    if own.spf is None and facts.receiving is None or own.spf is not None and own.spf.result == "temperror":
        out.append("SPF")
    return out


def evaluate_dmarc(facts: MessageFacts, org: Callable[[str], str]) -> CheckResult:
    """message.dmarc: the From domain aligned with a passing DKIM d= or SPF domain."""
    name, own = facts.file.name, facts.own
    assert own is not None
    if facts.from_domain is None or own.dmarc is None:
        return o.DMARC_NO_FROM(name, file=name)
    d, dmarc = facts.from_domain, own.dmarc
    errors = [a for a in dmarc.answers if isinstance(a, DnsError)]
    ev = [a.evidence() for a in dmarc.answers]
    if errors:
        return o.DMARC_ERROR(f"{name}: {d}", ev, domain=d, reason=errors[0].reason)
    al = alignment_of(facts, org)
    ev.append(Evidence("alignment", f"adkim={al.dkim_mode} aspf={al.spf_mode}; DKIM aligned: "
                       f"{', '.join(al.dkim_aligned) or '-'}; DKIM not aligned: {', '.join(al.dkim_unaligned) or '-'}; "
                       f"SPF: {al.spf_domain or '-'}{' (aligned)' if al.spf_aligned else ''}", "preflight"))
    if len(dmarc.records) != 1 or dmarc.parse_error:
        return o.DMARC_NO_RECORD(f"{name}: {d}", ev, domain=d, aligned="yes" if al.aligned else "no")
    policy = dmarc.tags.get("p", "none")
    if al.aligned:
        via = " + ".join(x for x in (f"DKIM d={al.dkim_aligned[0]}" if al.dkim_aligned else "",
                                     f"SPF {al.spf_domain}" if al.spf_aligned else "") if x)
        return o.DMARC_ALIGNED(f"{name}: {d}", ev, domain=d, via=via, policy=policy)
    unknown = undecided_methods(facts)
    if unknown:
        # Not aligned through what was verified, but a signature or SPF that could not be
        # checked might have aligned: a fail would be redder than the evidence.
        return o.DMARC_UNDECIDED(f"{name}: {d}", ev, domain=d, unknown=", ".join(unknown))
    return o.DMARC_UNALIGNED(f"{name}: {d}", ev, domain=d, dkim=", ".join(al.dkim_unaligned) or "-",
                             spf=al.spf_domain or "-", policy=policy)


def our_verdicts(facts: MessageFacts, org: Callable[[str], str]) -> dict[str, str | None]:
    """Our result per method, in the receiver's words (pass, fail, none...); None: not determined."""
    own = facts.own
    assert own is not None
    out: dict[str, str | None] = {"spf": own.spf.result if own.spf else None}
    outcomes = {c.outcome for c in own.dkim}
    if not own.signatures:
        out["dkim"] = "none"
    elif DkimOutcome.PASS in outcomes:
        out["dkim"] = "pass"
    elif outcomes & {DkimOutcome.DNS_ERROR, DkimOutcome.NOT_JUDGED}:
        out["dkim"] = None
    else:
        out["dkim"] = "fail"
    dmarc = own.dmarc
    if dmarc is None or any(isinstance(a, DnsError) for a in dmarc.answers) or out["dkim"] is None \
            or out["spf"] == "temperror":
        out["dmarc"] = None
    elif len(dmarc.records) != 1 or dmarc.parse_error:
        out["dmarc"] = "none"
    else:
        aligned = alignment_of(facts, org).aligned
        out["dmarc"] = "pass" if aligned else None if undecided_methods(facts) else "fail"
    return out


def evaluate_agreement(facts: MessageFacts, org: Callable[[str], str]) -> list[CheckResult]:
    """message.agreement per method: our verdict against the receiver's."""
    name = facts.file.name
    if not any(f.trusted for f in facts.auth):
        return []
    ours, theirs = our_verdicts(facts, org), receiver_verdicts(facts.auth)
    out = []
    for method in METHODS:
        found = receiver_result(theirs.get(method, ()))
        mine, their = ours.get(method), found.result if found else None
        subject = f"{name}: {method}"
        if mine is None or their is None or "temperror" in (mine, their):
            out.append(o.AGREE_UNKNOWN(subject, method=method, ours=mine or "-", theirs=their or "-"))
        elif (mine == "pass") == (their == "pass"):
            out.append(o.AGREE(subject, method=method, ours=mine, theirs=their))
        else:
            out.append(o.DISAGREE[method](subject, method=method, ours=mine, theirs=their))
    return out


def evaluate_rules(facts: MessageFacts) -> list[CheckResult]:
    """message.unsubscribe, message.message_id, message.date, message.duplicates."""
    name, rules = facts.file.name, facts.rules
    unsub = rules.unsubscribe
    out = []
    if unsub.header is None:
        out.append(o.UNSUB_MISSING(name))
    else:
        ev = [Evidence("List-Unsubscribe", unsub.header, "header"),
              Evidence("List-Unsubscribe-Post", unsub.post or "-", "header")]
        out.append(o.UNSUB_OK(name, ev, header=unsub.header) if unsub.one_click
                   else o.UNSUB_NOT_ONE_CLICK(name, ev, header=unsub.header, post=unsub.post or "-"))
    if rules.message_id is None:
        out.append(o.MSGID_MISSING(name))
    else:
        ev = [Evidence("Message-ID", rules.message_id, "header")]
        out.append((o.MSGID_OK if rules.message_id_valid else o.MSGID_BAD)(name, ev, value=rules.message_id))
    if rules.date is None:
        out.append(o.DATE_MISSING(name))
    else:
        ev = [Evidence("Date", rules.date, "header")]
        out.append((o.DATE_OK if rules.date_iso else o.DATE_BAD)(name, ev, value=rules.date))
    if rules.duplicates:
        fields = ", ".join(f"{k} ×{n}" for k, n in rules.duplicates)
        out.append(o.DUPS_FOUND(name, [Evidence("duplicates", fields, "header")], fields=fields))
    else:
        out.append(o.DUPS_NONE(name))
    return out


def evaluate_spam(facts: MessageFacts) -> CheckResult:
    """message.spam: the receiver's spam signals, or a manual check when it left none."""
    name = facts.file.name
    mine = [s for s in facts.spam if s.receiver]
    receiver = facts.receiving.by_host if facts.receiving and facts.receiving.by_host else NOT_RECORDED
    if not mine:
        return o.SPAM_NO_SIGNALS(name, receiver=receiver)
    ev = [Evidence(s.name, s.value, f"{s.verdict.value}: {s.detail}") for s in mine]
    said = "; ".join(f"{s.name}: {s.detail}" for s in mine)
    verdicts = {s.verdict for s in mine}
    if SpamVerdict.SPAM in verdicts:
        return o.SPAM_JUNK(name, ev, signals="; ".join(f"{s.name}: {s.detail}" for s in mine
                                                       if s.verdict is SpamVerdict.SPAM))
    if verdicts == {SpamVerdict.NOT_SPAM}:
        return o.SPAM_INBOX(name, ev, signals=said)
    return o.SPAM_UNCLEAR(name, ev, signals=said)


def header_cut(facts: MessageFacts, results: list[CheckResult]) -> list[CheckResult]:
    """When the header block was cut at the reading limit, what the message seems to lack
    (a hop, a signature, From, Date, Message-ID, a duplicate) may lie beyond the cut."""
    if not {HeaderProblem.TOO_MANY_FIELDS, HeaderProblem.HEADER_TOO_LARGE} & set(facts.headers.problems):
        return results
    name = facts.file.name
    return [o.HEADER_CUT[r.check_id](r.subject, list(r.evidence), file=name)
            if (r.check_id, r.outcome) in o.ABSENCES else r for r in results]


def evaluate(facts: MessageFacts, org: Callable[[str], str], selectors: tuple[str, ...] = ()) -> list[CheckResult]:
    """Every ``message.*`` result of one message (``selectors``: the planned DKIM selectors)."""
    return header_cut(facts, [
        evaluate_read(facts), evaluate_path(facts), evaluate_tls(facts), *evaluate_receiver(facts),
        *evaluate_dkim(facts, selectors), evaluate_spf(facts), evaluate_dmarc(facts, org),
        *evaluate_agreement(facts, org), *evaluate_rules(facts), evaluate_spam(facts),
    ])
