"""The allowlist: the only commands preflight runs on a server, and how their results are read.

Each :class:`CommandTemplate` is a fixed argv; its few ``{kind}`` placeholders (a path, a host,
a port, seconds) are validated and shell-quoted by :func:`build_command`. None of the commands
changes the server. Every command line starts with :data:`ENV_PREFIX`: no inherited
environment, the system PATH (sbin included, where postconf lives), C-locale messages (so
"Permission denied" can be recognised). :class:`CommandResult` classifies what happened.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from preflight.errors import InputError

ENV_PREFIX = ("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C")
"""Every command starts with this: no inherited environment, the system PATH, C-locale messages."""

POSTFIX_PARAMETERS = (
    "myhostname", "mydomain", "myorigin", "mydestination", "smtp_helo_name", "smtp_bind_address",
    "smtp_bind_address6", "inet_interfaces", "inet_protocols", "mynetworks", "mynetworks_style",
    "relayhost", "smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_eccert_file",
    "smtpd_tls_eckey_file", "smtpd_tls_chain_files", "smtpd_tls_security_level", "smtpd_use_tls",
    "smtpd_enforce_tls", "smtp_tls_security_level", "smtp_use_tls", "smtp_enforce_tls",
    "smtpd_milters", "non_smtpd_milters", "message_size_limit", "smtputf8_enable",
    "compatibility_level",
)
"""Postfix parameters read with ``postconf -x`` (effective values, defaults included, $names expanded)."""

SMTPD_DEFAULT_PARAMETERS = (
    "compatibility_level", "smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
    "smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_data_restrictions",
    "smtpd_end_of_data_restrictions", "smtpd_restriction_classes", "smtpd_delay_reject", "mynetworks_style",
    "parent_domain_matches_subdomains", "maps_rbl_reject_code", "unknown_client_reject_code",
    "access_map_reject_code", "access_map_defer_code", "reject_code", "defer_code", "soft_bounce",
    "postscreen_access_list", "postscreen_dnsbl_sites", "postscreen_dnsbl_action", "postscreen_dnsbl_threshold",
    "postscreen_dnsbl_allowlist_threshold", "postscreen_dnsbl_whitelist_threshold", "postscreen_denylist_action",
    "postscreen_blacklist_action",
)
"""Parameters whose built-in defaults (``postconf -d``) the partner prediction reads; the same
names as ``preflight/data/postfix_defaults.toml`` (a test keeps the two in step)."""

PORT25_SCRIPT = (
    'exec 3<>"/dev/tcp/$0/$1" || exit 3; IFS= read -r -t "$2" line <&3; '
    'printf "connected\\n%s\\n" "$line"'
)
"""Opens a TCP connection from the server (bash's /dev/tcp), reads the greeting, closes. Sends nothing."""

_MAIL_LOG_AWK_ITEMS = (
    ('BEGIN{split(d,a," ");for(i in a){F[a[i]]=1;S[substr(a[i],5)]=1};'
     'split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",m," ");'
     'for(i=1;i<=12;i++)M[m[i]]=sprintf("%02d",i)}'),
    '{k=""}',
    ('$1~/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/'
     '{k=substr($1,1,4) substr($1,6,2) substr($1,9,2);if(!(k in F))next}'),
    '$1 in M{k=M[$1] sprintf("%02d",$2);if(!(k in S))next}',
    'k==""{next}',
    ('/ postfix(-[-A-Za-z0-9_]*)?\\/smtpd\\[[0-9]+\\]: connect from [^ ]*\\[[0-9A-Fa-f:.]+\\]$/'
     '{match($0,/\\[[0-9A-Fa-f:.]+\\]$/);C["s " substr($0,RSTART+1,RLENGTH-2)]++;next}'),
    ('/ postfix(-[-A-Za-z0-9_]*)?\\/postscreen\\[[0-9]+\\]: CONNECT from \\[[0-9A-Fa-f:.]+\\]:[0-9]+ /'
     '{x=substr($0,index($0,"CONNECT from [")+14);C["p " substr(x,1,index(x,"]")-1)]++}'),
    'END{for(k in C)print C[k],k}',
)
MAIL_LOG_AWK = ";".join(_MAIL_LOG_AWK_ITEMS)
"""Counts, per client IP, the Postfix ``smtpd`` ``connect from host[IP]`` lines (``s``) and the
postscreen ``CONNECT from [IP]:port`` lines (``p``) dated on one of the days in ``d`` (YYYYMMDD;
syslog dates without a year match on month and day). ``postfix/submission/smtpd`` (users, not
partners) does not match."""

MAIL_LOG_SCRIPT = (
    "set -f; s=$0 d=$1 n=$2; f=$(find /var/log -maxdepth 2 -type f \\( -name 'mail.log*' -o -name "
    "'maillog*' \\) -newermt \"$s\" 2>/dev/null | sort); "
    "if [ -n \"$f\" ]; then for x in $f; do if [ -r \"$x\" ]; then echo \"#file $x\" >&2; "
    "zcat -f -- \"$x\"; else echo \"#denied $x\" >&2; fi; done; "
    "elif command -v journalctl >/dev/null; then echo '#journal' >&2; journalctl -q --no-pager "
    "-o short-iso --since \"$s\" -t postfix/smtpd -t postfix/postscreen; "
    "else echo '#none' >&2; fi | awk -v d=\"$d\" '" + MAIL_LOG_AWK + "' | sort -rn | head -n \"$n\""
)
"""Reads the mail log of the last days on the server and prints only ``COUNT KIND IP`` lines, most
connections first (at most ``$2`` lines): the log files modified since ``$0`` (/var/log/mail.log*,
/var/log/maillog*, gzip-compressed rotations too), else the systemd journal of Postfix's smtpd and
postscreen since ``$0``. Which files were read, or could not be, goes to stderr (``#file``,
``#denied``, ``#journal``, ``#none``). Nothing is written anywhere."""


class Arg(str, Enum):
    """Kinds of argument a command template takes; each has its validator."""

    ETC_PATH = "etc_path"
    FILE_PATH = "file_path"
    HOST = "host"
    PORT = "port"
    SECONDS = "seconds"
    DATE = "date"
    LOOKUP_KEY = "lookup_key"
    TABLE = "table"
    DAYS = "days"
    COUNT = "count"


@dataclass(frozen=True)
class CommandTemplate:
    """One allowlisted command: a name and its argv, with ``{kind}`` placeholders for arguments."""

    name: str
    argv: tuple[str, ...]
    purpose: str

    @property
    def placeholders(self) -> tuple[Arg, ...]:
        """The argument kinds this template takes, in order."""
        return tuple(Arg(a[1:-1]) for a in self.argv if a.startswith("{") and a.endswith("}"))

    def display(self) -> str:
        """The command as the server's shell sees it (placeholders shown as ``<kind>``)."""
        shown = [f"<{a[1:-1]}>" if a.startswith("{") and a.endswith("}") else a for a in self.argv]
        return " ".join([*ENV_PREFIX, *(shlex.quote(a) if not a.startswith("<") else a for a in shown)])


COMMANDS: tuple[CommandTemplate, ...] = (
    CommandTemplate("read_file", ("cat", "--", "{etc_path}"),
                    "read a configuration file under /etc or /usr/local/etc (os-release, resolv.conf, "
                    "opendkim.conf, KeyTable, SigningTable, rspamd dkim_signing.conf)"),
    CommandTemplate("postfix_version", ("postconf", "mail_version"), "detect Postfix and its version"),
    CommandTemplate("exim_version", ("exim", "-bV"), "detect Exim and its version"),
    CommandTemplate("sendmail_version", ("sendmail", "-d0.1", "-bt"),
                    "detect Sendmail and its version (stdin is closed, so it exits at once)"),
    CommandTemplate("postconf_n", ("postconf", "-n"), "main.cf settings that differ from the defaults"),
    CommandTemplate("postconf_M", ("postconf", "-M"), "master.cf services"),
    CommandTemplate("postconf_P", ("postconf", "-P"), "master.cf per-service overrides"),
    CommandTemplate("postconf_x", ("postconf", "-x", *POSTFIX_PARAMETERS),
                    "effective values of the parameters preflight judges"),
    CommandTemplate("postconf_d", ("postconf", "-d", *SMTPD_DEFAULT_PARAMETERS),
                    "Postfix's built-in defaults of the restriction and postscreen parameters (partner prediction)"),
    CommandTemplate("postmap_q", ("postmap", "-q", "{lookup_key}", "{table}"),
                    "look one client address or host name up in an indexed access table (hash:, lmdb:, btree:) "
                    "named by the restriction lists (read-only; partner prediction)"),
    CommandTemplate("addresses", ("ip", "-o", "addr", "show"), "addresses configured on the server"),
    CommandTemplate("route_v4", ("ip", "-4", "route", "get", "192.0.2.1"),
                    "source address the kernel picks for outgoing IPv4 (a route lookup; nothing is sent)"),
    CommandTemplate("route_v6", ("ip", "-6", "route", "get", "2001:db8::1"),
                    "source address the kernel picks for outgoing IPv6 (a route lookup; nothing is sent)"),
    CommandTemplate("dkim_public_key",
                    ("openssl", "pkey", "-in", "{file_path}", "-pubout", "-passin", "pass:"),
                    "derive the PUBLIC half of a DKIM key on the server (the private key never leaves it)"),
    CommandTemplate("certificate", ("openssl", "x509", "-in", "{file_path}", "-outform", "PEM"),
                    "the first certificate of a TLS certificate file (never a key)"),
    CommandTemplate("file_status", ("stat", "-L", "-c", "%F %U:%G %a", "--", "{file_path}"),
                    "whether a TLS key file exists (type, owner, mode; not its content)"),
    CommandTemplate("port25", ("timeout", "{seconds}", "bash", "-c", PORT25_SCRIPT, "{host}", "{port}",
                               "{seconds}"),
                    "outbound TCP connection to HOST:PORT from the server; reads the greeting, sends nothing"),
    CommandTemplate("mail_log_clients",
                    ("timeout", "{seconds}", "nice", "-n", "10", "bash", "-c", MAIL_LOG_SCRIPT, "{date}",
                     "{days}", "{count}"),
                    "the client IPs that connected most often in the mail log of the last days "
                    "(/var/log/mail.log*, /var/log/maillog*, else journalctl), counted on the server: "
                    "only 'COUNT smtpd|postscreen IP' lines come back (--partners-from-log)"),
)
"""The allowlist: the only commands preflight ever runs on a server."""

_BY_NAME = {c.name: c for c in COMMANDS}
_PATH = re.compile(r"^/[A-Za-z0-9._+@=,:%/-]{0,4094}\Z")  # \Z: "$" would let a final "\n" in
_ETC_ROOTS = ("/etc/", "/usr/local/etc/")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\Z")


def _valid_path(value: str, *, etc_only: bool) -> str:
    if not _PATH.match(value) or "/../" in f"{value}/" or "/./" in f"{value}/":
        raise InputError(f"refusing path {value[:80]!r}: not a plain absolute path")
    if etc_only and not value.startswith(_ETC_ROOTS):
        raise InputError(f"refusing to read {value[:80]!r}: only files under /etc and /usr/local/etc")
    return value


MAX_LOG_DAYS = 400
MAX_COUNT = 10_000
_DATE = {"%Y-%m-%d": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"), "%Y%m%d": re.compile(r"^[0-9]{8}\Z")}


def _valid_date(text: str, form: str) -> str:
    from datetime import datetime

    try:
        if not _DATE[form].match(text):
            raise ValueError(text)
        datetime.strptime(text, form)
    except ValueError:
        raise InputError(f"invalid date {text[:20]!r}") from None
    return text


_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,252}\Z")


def _valid_key(value: str) -> str:
    """An access-table key smtpd would use: an address (or a shortened one) or a host name."""
    if not _KEY.match(value):
        raise InputError(f"invalid lookup key {value[:80]!r}")
    return value.lower()


def valid_host(value: str) -> str:
    """A host name (letters, digits, hyphens, dots) or an IP address literal."""
    text = value.strip().rstrip(".")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    labels = text.split(".")
    if not text or len(text) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InputError(f"invalid host {value[:80]!r}")
    return text.lower()


def _validate(kind: Arg, value: object) -> str:
    text = str(value)
    if kind is Arg.ETC_PATH:
        return _valid_path(text, etc_only=True)
    if kind is Arg.FILE_PATH:
        return _valid_path(text, etc_only=False)
    if kind is Arg.HOST:
        return valid_host(text)
    if kind is Arg.LOOKUP_KEY:
        return _valid_key(text)
    if kind is Arg.TABLE:
        kind_text, sep, path = text.partition(":")
        if not sep or kind_text not in ("hash", "lmdb", "btree"):
            raise InputError(f"refusing table {text[:80]!r}: only hash:, lmdb: and btree: tables are asked")
        return f"{kind_text}:{_valid_path(path, etc_only=False)}"
    if kind is Arg.PORT:
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise InputError(f"invalid port {text[:20]!r}")
        return str(int(text))
    if kind is Arg.DATE:
        return _valid_date(text, "%Y-%m-%d")
    if kind is Arg.DAYS:
        days = text.split(" ")
        if not 0 < len(days) <= MAX_LOG_DAYS:
            raise InputError(f"invalid day list: 1 to {MAX_LOG_DAYS} days")
        return " ".join(_valid_date(day, "%Y%m%d") for day in days)
    if kind is Arg.COUNT:
        if not text.isdigit() or not 0 < int(text) <= MAX_COUNT:
            raise InputError(f"invalid count {text[:20]!r}")
        return str(int(text))
    if not text.isdigit() or not 0 < int(text) <= 120:
        raise InputError(f"invalid seconds {text[:20]!r}")
    return str(int(text))


def build_command(name: str, *args: object) -> str:
    """The exact command line for allowlisted command ``name`` with validated, quoted ``args``.

    Raises :class:`KeyError` for a command that is not in :data:`COMMANDS` and
    :class:`~preflight.errors.InputError` for an argument that does not validate.
    """
    template = _BY_NAME[name]
    kinds = list(template.placeholders)
    if len(args) != len(kinds):
        raise TypeError(f"{name} takes {len(kinds)} arguments, got {len(args)}")
    values = iter(_validate(k, a) for k, a in zip(kinds, args))
    argv = [next(values) if a.startswith("{") and a.endswith("}") else a for a in template.argv]
    return shlex.join([*ENV_PREFIX, *argv])


class Access(str, Enum):
    """How a command went, as far as judging goes."""

    OK = "ok"
    DENIED = "denied"  # permission denied: the SSH user may not read it
    MISSING = "missing"  # the file does not exist
    NOT_INSTALLED = "not_installed"  # the program is not there
    FAILED = "failed"  # ran and failed for another reason
    TIMEOUT = "timeout"
    LOST = "lost"  # the channel closed, or the exit status never came: could not check


@dataclass(frozen=True)
class CommandResult:
    """What one command did: its exact command line, exit status, output (capped), time taken."""

    name: str
    command: str
    exit_status: int | None
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False
    truncated: bool = False

    @property
    def access(self) -> Access:
        """Classify the outcome (messages are in the C locale: see :data:`ENV_PREFIX`)."""
        if self.timed_out:
            return Access.TIMEOUT
        if self.exit_status is None or self.exit_status < 0:  # output may be partial: never judged
            return Access.LOST
        if self.exit_status == 0:
            return Access.OK
        err = self.stderr
        if self.exit_status == 127 or "command not found" in err or (
            err.startswith("env:") and "No such file or directory" in err
        ):
            return Access.NOT_INSTALLED
        if "Permission denied" in err or "permission denied" in err:
            return Access.DENIED
        if "No such file or directory" in err or "No such file" in err:
            return Access.MISSING
        return Access.FAILED

    @property
    def reason(self) -> str:
        """One line saying why it did not work (first line of stderr, or the exit status)."""
        if self.timed_out:
            return f"timed out after {self.duration:.0f} s"
        if self.exit_status is None or self.exit_status < 0:
            return "the SSH channel closed before the command's exit status arrived"
        first = next((line.strip() for line in self.stderr.splitlines() if line.strip()), "")
        return first[:300] or f"exit status {self.exit_status}"

    def to_dict(self) -> dict[str, Any]:
        """The command log entry of the report (no output: that is judged, not dumped)."""
        return {
            "name": self.name,
            "command": self.command,
            "exit_status": self.exit_status,
            "duration_ms": round(self.duration * 1000),
            "timed_out": self.timed_out,
            "truncated": self.truncated,
        }


def allowlist_table(commands: Iterable[CommandTemplate] = COMMANDS) -> list[Mapping[str, str]]:
    """The allowlist as rows (name, command, purpose): for the README and the report."""
    return [{"name": c.name, "command": c.display(), "purpose": c.purpose} for c in commands]
