"""The prediction itself, table-driven and pure: a policy and DNS answers in, Postfix's answer out.

These tables pin the simulation's rules one by one (the real Postfix agrees with them in
test_postfix_oracle.py): order and first match, warn_if_reject and restriction classes, access
tables, mynetworks, reply-code parameters, DNS failures, lists we cannot read, and the fixes.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence

import pytest
from conftest import require

from preflight.checks.blocklists import zone_health
from preflight.checks.partners.collect import build_policy
from preflight.checks.partners.fixes import apply_lines, fix_for
from preflight.checks.partners.predict import Policy, Verdict, list_refs, predict
from preflight.checks.partners.screen import simulate
from preflight.checks.partners.settings import parse_server_rbls
from preflight.checks.partners.smtpd import Client, World
from preflight.checks.rdns import PtrFacts
from preflight.data.loader import load_catalogue
from preflight.data.postfix_defaults import postfix_defaults
from preflight.data.probes import label_of, probe_points
from preflight.inventory.access import parse_table
from preflight.net.dns import DnsAnswer, DnsError

IP = "192.0.2.7"
RCPT = "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination"
POSTSCREEN = ("postscreen_dnsbl_sites = heavy.example.net*2 light.example.net*1 allow.example.net*-2",
              "postscreen_dnsbl_threshold = 2", "postscreen_dnsbl_action = enforce")
VERIFIED = Client(IP, "mail.partner.example", "ok", "mail.partner.example", "ok", (IP,), "mail.partner.example")
NO_PTR = Client(IP)


def policy(*lines: str, tables: Mapping[str, str] | None = None) -> Policy:
    plan = parse_server_rbls(lines)
    return build_policy({"compatibility_level": "3.6", **plan.params}, None, plan.policy, tables or {}, None)


def answer(lines: Sequence[str], listed: Mapping[str, object], client: Client = VERIFIED,
           tables: Mapping[str, str] | None = None) -> str:
    pol = policy(*lines, tables=tables)
    dnsxl = {(zone, client.ip): codes for zone, codes in listed.items()}
    return simulate(pol.params, pol.rbl, World(client, dnsxl, pol.tables)).code  # type: ignore[arg-type]


L = ("127.0.0.2",)


@pytest.mark.parametrize(("lines", "listed", "client", "code"), [
    # reject_rbl_client: any answer rejects with maps_rbl_reject_code; a filter narrows it.
    ((f"{RCPT}, reject_rbl_client bl.example",), {"bl.example": L}, VERIFIED, "554"),
    ((f"{RCPT}, reject_rbl_client bl.example",), {"bl.example": ()}, VERIFIED, "250"),
    ((f"{RCPT}, reject_rbl_client bl.example=127.0.0.3",), {"bl.example": L}, VERIFIED, "250"),
    ((f"{RCPT}, reject_rbl_client bl.example", "maps_rbl_reject_code = 550"), {"bl.example": L}, VERIFIED, "550"),
    # Postfix has no rbl_code parameter ($rbl_code is a reply-template placeholder).
    ((f"{RCPT}, reject_rbl_client bl.example", "rbl_code = 550"), {"bl.example": L}, VERIFIED, "554"),
    ((f"{RCPT}, reject_rbl_client bl.example", "soft_bounce = yes"), {"bl.example": L}, VERIFIED, "454"),
    # Order: the hostname check before the list answers first (450); an allowlist before both wins.
    ((f"{RCPT}, reject_unknown_client_hostname, reject_rbl_client bl.example",), {"bl.example": L}, NO_PTR, "450"),
    ((f"{RCPT}, permit_dnswl_client wl.example, reject_unknown_client_hostname, reject_rbl_client bl.example",),
     {"bl.example": L, "wl.example": ("127.0.10.1",)}, NO_PTR, "250"),
    # A lookup that fails lets the client through; a failed allowlist turns a later reject into 450.
    ((f"{RCPT}, reject_rbl_client bl.example",), {"bl.example": None}, VERIFIED, "250"),
    ((f"{RCPT}, permit_dnswl_client wl.example, reject_rbl_client bl.example",),
     {"bl.example": L, "wl.example": None}, VERIFIED, "450"),
    ((f"{RCPT}, permit_dnswl_client wl.example, reject_rbl_client bl.example",),
     {"bl.example": (), "wl.example": None}, VERIFIED, "250"),
    # warn_if_reject only logs, for one restriction or a whole restriction class.
    ((f"{RCPT}, warn_if_reject reject_rbl_client bl.example",), {"bl.example": L}, VERIFIED, "250"),
    (("smtpd_client_restrictions = warn_if_reject reject_unknown_client_hostname",), {}, NO_PTR, "250"),
    (("smtpd_restriction_classes = strict", "strict = reject_rbl_client bl.example",
      f"{RCPT}, warn_if_reject strict"), {"bl.example": L}, VERIFIED, "250"),
    (("smtpd_restriction_classes = strict", "strict = reject_rbl_client bl.example", f"{RCPT}, strict"),
     {"bl.example": L}, VERIFIED, "554"),
    # mynetworks and permit_auth_destination before the list.
    (("mynetworks = 192.0.2.0/24", f"{RCPT}, reject_rbl_client bl.example"), {"bl.example": L}, VERIFIED, "250"),
    (("smtpd_recipient_restrictions = permit_auth_destination, reject_rbl_client bl.example",),
     {"bl.example": L}, VERIFIED, "250"),
    # A permit ends its own list only.
    (("smtpd_client_restrictions = permit", f"{RCPT}, reject_rbl_client bl.example"), {"bl.example": L},
     VERIFIED, "554"),
    # defer_if_reject, an unknown restriction (451), PTR failures (450).
    ((f"{RCPT}, defer_if_reject, reject_rbl_client bl.example",), {"bl.example": L}, VERIFIED, "450"),
    (("smtpd_client_restrictions = reject_nonsense",), {}, VERIFIED, "451"),
    (("smtpd_client_restrictions = reject_unknown_client_hostname",), {}, Client(IP, name_status="temp",
                                                                              reverse_status="temp"), "450"),
    (("smtpd_client_restrictions = reject_unknown_client_hostname", "unknown_client_reject_code = 550"), {},
     NO_PTR, "550"),
    # postscreen: weights, threshold, negative allowlist weights, actions.
    (POSTSCREEN, {"light.example.net": L}, VERIFIED, "250"),
    (POSTSCREEN, {"heavy.example.net": L}, VERIFIED, "550"),
    (POSTSCREEN, {"heavy.example.net": L, "allow.example.net": ("127.0.10.1",)}, VERIFIED, "250"),
    ((*POSTSCREEN[:2], "postscreen_dnsbl_action = drop"), {"heavy.example.net": L}, VERIFIED, "521"),
    (POSTSCREEN[:2], {"heavy.example.net": L}, VERIFIED, "250"),  # action ignore (the default) only logs
    ((*POSTSCREEN, "soft_bounce = yes"), {"heavy.example.net": L}, VERIFIED, "450"),  # postscreen too
])
def test_simulation(lines: tuple[str, ...], listed: Mapping[str, object], client: Client, code: str) -> None:
    assert answer(lines, listed, client) == code


@pytest.mark.parametrize(("spec", "text", "client", "code"), [
    ("cidr:/etc/postfix/c.cidr", "192.0.2.0/24 OK", VERIFIED, "250"),
    ("cidr:/etc/postfix/c.cidr", "!192.0.2.0/24 REJECT\n192.0.2.7 DUNNO", VERIFIED, "554"),
    ("cidr:/etc/postfix/c.cidr", "192.0.2.7 REJECT go away", VERIFIED, "554"),
    ("cidr:/etc/postfix/c.cidr", "192.0.2.7 451 later", VERIFIED, "451"),
    ("texthash:/etc/postfix/c", "partner.example OK", VERIFIED, "250"),  # parent domain of the name
    ("texthash:/etc/postfix/c", "192.0.2 OK", NO_PTR, "250"),  # shortened address
    ("texthash:/etc/postfix/c", "partner.example OK", NO_PTR, "554"),  # no name without a PTR
    ("regexp:/etc/postfix/c.re", "/^mail\\./ OK", VERIFIED, "250"),
    ("pcre:/etc/postfix/c.pcre", "/^MAIL\\./ OK", VERIFIED, "250"),  # case-insensitive by default
    ("pcre:/etc/postfix/c.pcre", "/^MAIL\\./i OK", VERIFIED, "554"),  # i toggles it off
])
def test_access_tables(spec: str, text: str, client: Client, code: str) -> None:
    lines = (f"smtpd_client_restrictions = check_client_access {spec}, reject_rbl_client bl.example",)
    assert answer(lines, {"bl.example": L}, client, {spec: text}) == code


@pytest.mark.parametrize(("template", "code"), [
    ("450 4.7.1 Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain", "450"),
    ("$rbl_code Service unavailable; blocked using $rbl_domain", "550"),  # maps_rbl_reject_code
    ("", "550"),  # not in the table: default_rbl_reply ($rbl_code)
])
def test_rbl_reply_maps_give_the_code(template: str, code: str) -> None:
    """Postfix looks the list up as written (``zone=filter`` included) in ``rbl_reply_maps``."""
    spec = "texthash:/etc/postfix/rbl_reply"
    arg = "bl.example=127.0.0.[2..11]"
    lines = (f"{RCPT}, reject_rbl_client {arg}", f"rbl_reply_maps = {spec}", "maps_rbl_reject_code = 550")
    text = f"{arg} {template}" if template else "other.example 421 no"
    assert answer(lines, {"bl.example": L}, VERIFIED, {spec: text}) == code


def test_inline_tables_and_unread_tables() -> None:
    inline = (f"smtpd_client_restrictions = check_client_access inline:{{ {IP}=OK }}, reject_rbl_client bl.example",)
    assert answer(inline, {"bl.example": L}) == "250"
    pol = policy("smtpd_client_restrictions = check_client_access hash:/etc/postfix/access, reject_rbl_client bl.ex")
    assert pol.unread == ("hash:/etc/postfix/access",)
    table = parse_table("cidr:/x", "if 192.0.2.0/24\n192.0.2.7 REJECT\nendif\n192.0.2.7 OK")
    assert table.find("192.0.2.7") == "REJECT" and table.find("192.0.2.8") is None


def _answers(pol: Policy, listed: Mapping[str, object], ip: str = IP) -> tuple[list, dict, dict]:  # type: ignore[type-arg]
    """Every self-test passes; ``listed`` answers (a DnsError: the lookup failed)."""
    refs = list(list_refs(pol.rbl, load_catalogue()))
    answers: dict = {}  # type: ignore[type-arg]
    for ref in refs:
        assert ref.ref is not None
        for subject, kind, must in probe_points(ref.ref.zone):
            question = ref.ref.question(label_of(subject, kind))
            codes = ("127.0.0.2",) if must else ()
            answers[question.key] = DnsAnswer(question.qname, "A", codes, 300, "lab", nxdomain=not codes)
        question = ref.ref.question(label_of(ip))
        got = listed.get(ref.name, ())
        answers[question.key] = got if isinstance(got, DnsError) else DnsAnswer(
            question.qname, "A", tuple(got), 300, "lab", nxdomain=not got)  # type: ignore[arg-type]
    return refs, {r.name: zone_health(r.ref, answers) for r in refs if r.ref is not None}, answers


def _ptr(*names: str) -> PtrFacts:
    return PtrFacts(IP, DnsAnswer("7.2.0.192.in-addr.arpa", "PTR", names, 300, "lab", nxdomain=not names),
                    tuple((n, DnsAnswer(n, "A", (IP,), 300, "lab")) for n in names))


@pytest.mark.parametrize(("lines", "listed", "verdict", "code"), [
    ((f"{RCPT}, reject_rbl_client bl.example.net",), {"bl.example.net": ["127.0.0.2"]}, Verdict.REJECTED, "554"),
    ((f"{RCPT}, reject_rbl_client bl.example.net",), {}, Verdict.ACCEPTED, ""),
    # The list does not answer: Postfix lets the client through.
    ((f"{RCPT}, reject_rbl_client bl.example.net",),
     {"bl.example.net": DnsError("x", "A", "timeout", "lab")}, Verdict.ACCEPTED, ""),
    # An answer outside 127.0.0.0/8 is a lying resolver, not a listing: could not tell.
    ((f"{RCPT}, reject_rbl_client bl.example.net",), {"bl.example.net": ["192.0.2.99"]}, Verdict.UNKNOWN, ""),
    # Spamhaus's refusal code through this resolver: an unfiltered rule rejects everyone.
    ((f"{RCPT}, reject_rbl_client zen.spamhaus.org",), {"zen.spamhaus.org": ["127.255.255.254"]},
     Verdict.REJECTED, "554"),
    # Filtered, the refusal rejects no one, but hides the real listing: could not tell.
    ((f"{RCPT}, reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]",), {"zen.spamhaus.org": ["127.255.255.254"]},
     Verdict.UNKNOWN, ""),
    # A dead list that answers for everyone rejects everyone.
    ((f"{RCPT}, reject_rbl_client dnsbl.ahbl.org",), {"dnsbl.ahbl.org": ["127.0.0.2"]}, Verdict.REJECTED, "554"),
])
def test_predict(lines: tuple[str, ...], listed: dict[str, object], verdict: Verdict, code: str) -> None:
    pol = policy(*lines)
    refs, health, answers = _answers(pol, listed)
    found = predict(pol, refs, health, answers, IP, _ptr("mail.partner.example"))
    assert (found.verdict, found.code) == (verdict, code)


def test_an_unread_table_before_the_rule_makes_it_could_not_tell() -> None:
    pol = policy("smtpd_client_restrictions = check_client_access hash:/etc/postfix/access, "
                 "reject_rbl_client bl.example.net")
    refs, health, answers = _answers(pol, {"bl.example.net": ["127.0.0.2"]})
    found = predict(pol, refs, health, answers, IP, _ptr("mail.partner.example"))
    assert found.verdict is Verdict.UNKNOWN and found.unknown_tables == ("hash:/etc/postfix/access",)


@pytest.mark.parametrize(("lines", "listed", "ip"), [
    ((f"{RCPT}, reject_unknown_client_hostname, reject_rbl_client bl.example",), {"bl.example": L}, IP),
    (("smtpd_client_restrictions = reject_rbl_client bl.example", "smtpd_relay_restrictions = reject_rbl_client "
      "bl.example, permit_mynetworks, reject_unauth_destination"), {"bl.example": L}, IP),
    ((*POSTSCREEN, f"{RCPT}, reject_rbl_client heavy.example.net"), {"heavy.example.net": L}, IP),
    ((f"{RCPT}, reject_rbl_client bl.example",), {"bl.example": L}, "2001:db8::7"),
    # defer_if_permit defers a later permit: the allowlist goes before it.
    (("smtpd_client_restrictions = defer_if_permit, permit",), {}, IP),
])
def test_every_fix_applied_as_written_is_accepted(lines: tuple[str, ...], listed: Mapping[str, object],
                                                  ip: str) -> None:
    pol = policy(*lines)
    client = Client(ip)
    world = World(client, {(z, ip): c for z, c in listed.items()}, pol.tables)  # type: ignore[misc]
    fix = fix_for(pol.params, pol.rbl, pol.tables, world)
    assert fix.accepted and fix.lines[-1] == "postfix reload"
    # Applied to the plan as written (main.cf lines, table lines), the simulation accepts.
    params, texts = apply_lines({}, {}, fix.lines)
    again = policy(*lines, *(f"{k} = {v}" for k, v in params.items()), tables=texts)
    assert simulate(again.params, again.rbl, World(client, world.dnsxl, again.tables)).accepted
    if ":" in ip:
        assert any(line.endswith(f"{ip}/128 permit_auth_destination") for line in fix.lines)
    relay = [line for line in fix.lines if line.startswith("smtpd_relay_restrictions")]
    assert not relay or "permit_auth_destination" in " ".join(fix.lines)  # never opens relaying


def test_a_dead_list_is_removed_not_allowlisted() -> None:
    pol = policy(f"{RCPT}, warn_if_reject reject_rbl_client weak.example, reject_rbl_client dead.example")
    world = World(Client(IP), {("dead.example", IP): L})
    fix = fix_for(pol.params, pol.rbl, pol.tables, world, dead={"dead.example"})
    assert fix.lines[0] == f"{RCPT}, warn_if_reject reject_rbl_client weak.example"
    assert fix.removed == ("dead.example",) and fix.accepted


@pytest.mark.parametrize(("lines", "tables", "first"), [
    # In a restriction class with another rule: the class loses the rule, the lists are untouched.
    (("smtpd_restriction_classes = strict", "strict = reject_rbl_client dead.example, reject_rbl_client bl.example",
      f"{RCPT}, strict, reject_rbl_client weak.example"), {}, "strict = reject_rbl_client bl.example"),
    # A class holding only the dead list would be empty (fatal for smtpd): it goes, with its uses.
    (("smtpd_restriction_classes = strict", "strict = reject_rbl_client dead.example",
      f"{RCPT}, warn_if_reject strict, strict, reject_rbl_client weak.example"), {}, "smtpd_restriction_classes = "),
    # Inside an access table's answer main.cf lines cannot remove it: the partner is allowlisted.
    (("smtpd_client_restrictions = check_client_access cidr:/etc/postfix/c.cidr, reject_rbl_client weak.example",),
     {"cidr:/etc/postfix/c.cidr": "0.0.0.0/0 reject_rbl_client dead.example"},
     "smtpd_client_restrictions = check_client_access cidr:/etc/postfix/partners_access.cidr, "
     "check_client_access cidr:/etc/postfix/c.cidr, reject_rbl_client weak.example"),
])
def test_a_dead_list_outside_the_list_is_removed_validly(lines: tuple[str, ...], tables: dict[str, str],
                                                         first: str) -> None:
    """The fix never leaves a list's argument behind as a restriction (Postfix: 451 for everyone)."""
    pol = policy(*lines, tables=tables)
    world = World(VERIFIED, {("dead.example", IP): L, ("weak.example", IP): ()}, pol.tables)
    fix = fix_for(pol.params, pol.rbl, pol.tables, world, dead={"dead.example"})
    assert fix.accepted and fix.lines[0] == first
    params, texts = apply_lines({}, dict(tables), fix.lines)
    again = policy(*lines, *(f"{k} = {v}" for k, v in params.items()), tables=texts)
    # Then any other client, listed nowhere, is accepted too (no unknown restriction, no empty class).
    other = World(Client("203.0.113.50"), {("dead.example", "203.0.113.50"): ()}, again.tables)
    assert simulate(again.params, again.rbl, other).accepted


def test_a_refusal_filter_goes_on_the_rule_even_inside_a_class() -> None:
    """The filter is put on the list's own argument, never on the next rule's name."""
    pol = policy("smtpd_restriction_classes = strict", "strict = reject_rbl_client zen.example",
                 f"{RCPT}, strict, reject_rbl_client weak.example")
    world = World(VERIFIED, {("zen.example", IP): ("127.255.255.254",), ("weak.example", IP): ()}, pol.tables)
    fix = fix_for(pol.params, pol.rbl, pol.tables, world, refused={"zen.example"})
    assert fix.accepted and "strict = reject_rbl_client zen.example=127.0.0.[2..254]" in fix.lines
    assert f"{RCPT}, check_client_access cidr:/etc/postfix/partners_rcpt_access.cidr, strict, " \
           "reject_rbl_client weak.example" in fix.lines
    # Applied as written, a client the list refuses (everyone, through this resolver) is accepted.
    params, texts = apply_lines({}, {}, fix.lines)
    again = policy("smtpd_restriction_classes = strict", "strict = reject_rbl_client zen.example",
                   f"{RCPT}, strict, reject_rbl_client weak.example", *(f"{k} = {v}" for k, v in params.items()),
                   tables=texts)
    other = World(Client("203.0.113.50"), {("zen.example", "203.0.113.50"): ("127.255.255.254",)}, again.tables)
    assert simulate(again.params, again.rbl, other).accepted


def test_defaults_are_those_of_the_installed_postfix() -> None:
    require(shutil.which("postconf", path="/usr/sbin:/usr/bin") is not None,
            "postconf (Postfix) is not installed")
    shipped = postfix_defaults()
    done = subprocess.run(["postconf", "-d", *shipped], capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"})
    installed = dict(line.split(" = ", 1) if " = " in line else (line.rstrip(" ="), "")
                     for line in done.stdout.splitlines())
    assert {k: installed.get(k) for k in shipped} == dict(shipped)


def test_tables_outside_the_allowlist_are_never_asked() -> None:
    from preflight.checks.partners.tables import read_tables
    from preflight.net.ssh import ConnectOptions, SshTarget

    # Given only tables the allowlist refuses (outside /etc, relative), nothing connects:
    read = read_tables(SshTarget("nobody", "127.0.0.1", 1), ConnectOptions(known_hosts="/nonexistent"),
                       ["cidr:/home/admin/x.cidr", "hash:relative/access"], ["192.0.2.7"])
    assert read.texts == {} and read.answered == {}
    assert [p.split(":")[0] for p in read.problems] == ["cidr", "hash"]
