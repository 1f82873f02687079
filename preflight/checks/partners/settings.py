"""Partner-impact settings: a frozen value in ``RunConfig.settings``, from plan and flags.

Who the partners are (``--partner``, ``--partner-ip``, ``--partners-from-log`` or the plan's
``[partners]`` table) and which policy predicts their fate: the new server's own, read over SSH
(``--ssh``), or ``server_rbls`` — literal main.cf lines, or bare restrictions, fed to the same
Postfix parser the SSH inventory uses (:func:`parse_server_rbls`).

Plan syntax::

    [partners]
    domains = ["partner-a.example"]          # --partner
    ips = ["203.0.113.7"]                    # --partner-ip
    from_log = true                          # --partners-from-log (needs --old-ssh)
    log_days = 30                            # --partners-log-days
    log_top = 20                             # --partners-log-top
    server_tables = {                        # contents of access tables the policy names (plan only)
      "cidr:/etc/postfix/client_access.cidr" = ["192.0.2.0/24 OK"],
    }
    server_rbls = [                          # --server-rbl (used when there is no --ssh)
      "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, reject_rbl_client zen.spamhaus.org",
      "postscreen_dnsbl_sites = zen.spamhaus.org*3 bl.spamcop.net*2",
      "postscreen_dnsbl_threshold = 3",
      "postscreen_dnsbl_action = enforce",
      "reject_unknown_client_hostname",      # a bare restriction joins smtpd_recipient_restrictions
    ]
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from preflight.checks.server import SshSettings
from preflight.engine.family import CliOption, Setup
from preflight.errors import UsageError
from preflight.values import (
    Validator,
    as_any,
    as_bool,
    as_str_list,
    checked,
    parse_count,
    parse_hostname,
    parse_ip,
)

if TYPE_CHECKING:
    from preflight.inventory.rbl import RblPolicy

DEFAULT_LOG_DAYS = 30
DEFAULT_LOG_TOP = 20
MAX_LOG_DAYS = 365
MAX_LOG_TOP = 200
MAX_DOMAINS = 50
MAX_IPS = 200
MAX_RBL_LINES = 100
BARE_PARAMETER = "smtpd_recipient_restrictions"
"""Where bare restrictions of ``server_rbls`` go (after any value a line gives that parameter)."""

_KEYED = re.compile(r"(?<![\w.-])[A-Za-z0-9]+\.(?=[A-Za-z0-9-]+\.(?:dq\.spamhaus\.net|mail\.abusix\.zone)\b)",
                    re.IGNORECASE)
_PARAMETER_LINE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\s*=")


@functools.cache
def _bare_names() -> frozenset[str]:
    """The restrictions a bare ``server_rbls`` line may name. The Postfix tables load on first use
    (not when the CLI starts: every ``preflight`` command imports the families' settings)."""
    from preflight.checks.partners.smtpd import ASSUMED, WITH_ARGUMENT
    from preflight.inventory.rbl import RblKind

    return frozenset({k.value for k in RblKind} | {
        "reject_unknown_client_hostname", "reject_unknown_client", "reject_unknown_reverse_client_hostname",
        "warn_if_reject", "permit_mynetworks", "reject_unauth_destination", "permit_sasl_authenticated",
        "permit", "reject", "defer", "defer_if_permit", "defer_if_reject", "permit_auth_destination",
        *WITH_ARGUMENT, *ASSUMED,
    })


MAX_TABLES = 50
MAX_TABLE_LINES = 2_000


@dataclass(frozen=True)
class PlanPolicy:
    """The policy ``server_rbls`` describes: the lines as written, the parameters, the parsed policy."""

    lines: tuple[str, ...]
    """As written, access keys shown as ``<key>`` (for reports)."""
    params: Mapping[str, str]
    policy: RblPolicy


@dataclass(frozen=True)
class PartnerSettings:
    """Who the partners are, and what to predict with."""

    domains: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    from_log: bool = False
    log_days: int = DEFAULT_LOG_DAYS
    log_top: int = DEFAULT_LOG_TOP
    plan_policy: PlanPolicy | None = None
    tables: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    """``type:name`` → the table's text, as the plan's ``server_tables`` gives it."""
    use_ssh: bool = False
    """Predict with the new server's own policy, read by the SSH inventory (``--ssh``)."""

    @property
    def requested(self) -> bool:
        """True when there is at least one partner source."""
        return bool(self.domains or self.ips or self.from_log)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the report."""
        return {
            "domains": list(self.domains), "ips": list(self.ips), "from_log": self.from_log,
            "log_days": self.log_days, "log_top": self.log_top, "use_ssh": self.use_ssh,
            "server_rbls": list(self.plan_policy.lines) if self.plan_policy else [],
            "server_tables": sorted(self.tables),
        }


# -- server_rbls ----------------------------------------------------------------------------------


def redact_keys(text: str) -> str:
    """``text`` with access keys in DNSBL names (Spamhaus DQS, Abusix) shown as ``<key>``."""
    return _KEYED.sub("<key>.", text)


def parse_server_rbls(lines: Iterable[str], what: str = "plan: partners.server_rbls") -> PlanPolicy:
    """Read ``server_rbls``: main.cf lines (``name = value``) and bare restrictions.

    Bare restrictions (``reject_rbl_client zen.spamhaus.org``, ``reject_unknown_client_hostname``)
    are appended to ``smtpd_recipient_restrictions``. The parameters go through the inventory's
    Postfix parser (``$name`` expansion, restriction classes, ``warn_if_reject``, postscreen
    weights); anything Postfix would refuse is a :class:`UsageError` naming the line.
    """
    from preflight.inventory.postfix import parse_postconf
    from preflight.inventory.rblconfig import parse_rbl_config

    given = [str(line).strip() for line in lines]
    given = [line for line in given if line and not line.startswith("#")]
    if len(given) > MAX_RBL_LINES:
        raise UsageError(f"{what}: at most {MAX_RBL_LINES} lines")
    settings: list[str] = []
    bare: list[str] = []
    for line in given:
        if _PARAMETER_LINE.match(line):
            settings.append(line)
            continue
        name = line.split()[0].lower()
        if name not in _bare_names():
            raise UsageError(f"{what}: {redact_keys(line)[:80]!r} is neither a main.cf line (name = value) nor a "
                             "restriction such as 'reject_rbl_client zen.spamhaus.org'")
        bare.append(line)
    params = parse_postconf("\n".join(settings))
    if bare:
        before = params.get(BARE_PARAMETER, "").strip().rstrip(",")
        params[BARE_PARAMETER] = ", ".join(([before] if before else []) + bare)
    policy = parse_rbl_config(params)
    if policy.problems:
        raise UsageError(f"{what}: {policy.problems[0]}")
    if not any(name.startswith(("smtpd_", "postscreen_")) and name.endswith(("_restrictions", "_sites", "_list"))
               for name in params):
        raise UsageError(f"{what}: no smtpd_*_restrictions, postscreen_dnsbl_sites or postscreen_access_list "
                         "and no bare restriction: nothing to predict with")
    return PlanPolicy(tuple(redact_keys(line) for line in given), MappingProxyType(dict(params)), policy)


# -- plan validators (preflight.config.PLAN_SECTIONS["partners"]) ---------------------------------


def _rbls(value: Any, key: str) -> PlanPolicy:
    return parse_server_rbls(as_str_list(value, key), f"plan: {key}")


_TABLE_SPEC = re.compile(r"(cidr|texthash|hash|lmdb|btree|regexp|pcre):/[A-Za-z0-9._+@=,%/-]{1,500}\Z")


def _tables(value: Any, key: str) -> dict[str, str]:
    """``server_tables``: ``{"cidr:/etc/postfix/x.cidr" = ["line", ...] or "text"}``."""
    if not isinstance(value, dict) or len(value) > MAX_TABLES:
        raise UsageError(f"plan: {key} must be a table of at most {MAX_TABLES} 'type:/path' = [lines]")
    out: dict[str, str] = {}
    for spec, text in value.items():
        if not isinstance(spec, str) or not _TABLE_SPEC.match(spec):
            raise UsageError(f"plan: {key}: {str(spec)[:80]!r} is not a lookup table such as "
                             "'cidr:/etc/postfix/client_access.cidr'")
        lines = as_str_list(text, f"{key}.{spec}")
        if len(lines) > MAX_TABLE_LINES:
            raise UsageError(f"plan: {key}.{spec}: at most {MAX_TABLE_LINES} lines")
        out[spec] = "\n".join(lines)
    return out


PLAN_TABLE: dict[str, Validator] = {
    "domains": checked(lambda v: parse_hostname(v, "partner domain"), as_str_list),
    "ips": checked(lambda v: str(parse_ip(v, "partner IP address")), as_str_list),
    "from_log": as_bool,
    "log_days": checked(lambda v: parse_count(v, "number of log days", MAX_LOG_DAYS), as_any),
    "log_top": checked(lambda v: parse_count(v, "number of log partners", MAX_LOG_TOP), as_any),
    "server_rbls": _rbls,
    "server_tables": _tables,
}
"""Keys of the plan's ``[partners]`` table and how each is checked."""


# -- merging plan and flags -----------------------------------------------------------------------


def from_options(
    plan: Mapping[str, Any],
    *,
    domains: Iterable[str] = (),
    ips: Iterable[str] = (),
    from_log: bool | None = None,
    log_days: int | str | None = None,
    log_top: int | str | None = None,
    server_rbls: Iterable[str] = (),
    ssh: SshSettings | None = None,
) -> PartnerSettings | None:
    """Merge ``[partners]`` of the plan with the flags (flags win); None when no partner is named."""
    chosen_domains = [parse_hostname(d, "partner domain") for d in domains] or \
        list(plan.get("partners.domains", ()))
    chosen_ips = [str(parse_ip(i, "partner IP address")) for i in ips] or list(plan.get("partners.ips", ()))
    log = bool(from_log) if from_log is not None else bool(plan.get("partners.from_log", False))
    rbls = list(server_rbls)
    policy = parse_server_rbls(rbls, "--server-rbl") if rbls else plan.get("partners.server_rbls")
    settings = PartnerSettings(
        domains=tuple(dict.fromkeys(chosen_domains)),
        ips=tuple(dict.fromkeys(chosen_ips)),
        from_log=log,
        log_days=parse_count(log_days, "--partners-log-days", MAX_LOG_DAYS) if log_days is not None
        else int(plan.get("partners.log_days", DEFAULT_LOG_DAYS)),
        log_top=parse_count(log_top, "--partners-log-top", MAX_LOG_TOP) if log_top is not None
        else int(plan.get("partners.log_top", DEFAULT_LOG_TOP)),
        plan_policy=policy,
        tables=MappingProxyType(dict(plan.get("partners.server_tables", {}))),
        use_ssh=ssh is not None and ssh.new is not None,
    )
    if not settings.requested:
        return None
    if len(settings.domains) > MAX_DOMAINS or len(settings.ips) > MAX_IPS:
        raise UsageError(f"at most {MAX_DOMAINS} partner domains and {MAX_IPS} partner IPs")
    if not settings.use_ssh and settings.plan_policy is None:
        raise UsageError("predicting partners needs the new server's RBL policy: give --ssh USER@NEW-SERVER, "
                         "or server_rbls in the plan's [partners] table (or --server-rbl LINE)")
    if settings.from_log and (ssh is None or ssh.old is None):
        raise UsageError("--partners-from-log reads the old server's mail log: give --old-ssh USER@OLD-SERVER")
    return settings


__all__ = [
    "DEFAULT_LOG_DAYS", "DEFAULT_LOG_TOP", "OPTIONS", "PLAN_TABLE", "PartnerSettings", "PlanPolicy",
    "configure", "from_options", "parse_count", "parse_server_rbls",
]


# -- the command line ------------------------------------------------------------------------------

OPTIONS: tuple[CliOption, ...] = (
    CliOption("partner", "--partner", panel="Partners", many=True, metavar="DOMAIN",
              help="A partner domain whose mail must keep arriving (repeatable): its MX and SPF addresses are "
                   "checked against the new server's RBL policy."),
    CliOption("partner_ip", "--partner-ip", panel="Partners", many=True, metavar="IP",
              help="A partner's sending address (repeatable)."),
    CliOption("partners_from_log", "--partners-from-log/--no-partners-from-log", panel="Partners", kind=bool,
              help="Also check the client IPs that delivered most often to the old server (its mail log, "
                   "read over --old-ssh)."),
    CliOption("partners_log_days", "--partners-log-days", panel="Partners", metavar="DAYS",
              help="Days of the old server's log to count (default 30)."),
    CliOption("partners_log_top", "--partners-log-top", panel="Partners", metavar="N",
              help="How many of the busiest log clients to check (default 20)."),
    CliOption("server_rbl", "--server-rbl", panel="Partners", many=True, metavar="LINE",
              help="The new server's RBL policy without --ssh, as main.cf lines or restrictions (repeatable), "
                   "e.g. 'reject_rbl_client zen.spamhaus.org' (plan: [partners] server_rbls)."),
)
"""The options ``preflight check`` gets from this family."""


def configure(setup: Setup) -> PartnerSettings | None:
    """The partner settings of a run (flags and ``[partners]``), or None when no partner is named.

    Reads the SSH settings, so the server family comes before this one in the registry.
    """
    flags = setup.flags
    return from_options(
        setup.plan, domains=flags.get("partner") or (), ips=flags.get("partner_ip") or (),
        from_log=flags.get("partners_from_log"), log_days=flags.get("partners_log_days"),
        log_top=flags.get("partners_log_top"), server_rbls=flags.get("server_rbl") or (),
        ssh=setup.config.settings_of(SshSettings),
    )
