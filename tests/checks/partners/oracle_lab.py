"""The lab behind the real-Postfix oracle: cases, their DNS data, and one Postfix with every case.

Each :class:`Case` is a policy (``server_rbls`` lines, table contents) plus the partner's DNS
situation (listings, reverse DNS, failures). Case ``n`` gets its own partner address, so the DNS
data of every case fits in one set of zone files and every case in one Postfix instance (a service
per case, its parameters as ``-o`` overrides; behind postscreen when the case configures it).
:func:`run_oracle` starts that instance once in a private network namespace
(``tests/servers/postfix_ns.py``) and returns each case's first non-2xx reply.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.checks.partners.settings import parse_server_rbls

SERVER4 = "198.51.100.25"
SERVER6 = "2001:db8:25::25"
HELPER = Path(__file__).resolve().parents[2] / "servers" / "postfix_ns.py"
BASE_PORT = 20000
RCPT = "postmaster@new.example"
SENDER = "postmaster@partner.test"
RBL_ZONES = ("zen.lab.test", "bl.lab.test", "weak.lab.test", "wl.lab.test", "ahbl.lab.test", "dbl.lab.test",
             "silent.lab.test")

BASE_MAIN = """\
compatibility_level = 3.6
myhostname = mx.new.example
mydomain = new.example
mydestination = new.example
# The partners' addresses sit on this namespace's lo: with mynetworks_style = host they would
# all be "local". A real server's partners are not its own addresses, so say what host style
# means for a real server: loopback only.
mynetworks = 127.0.0.0/8 [::1]/128
inet_interfaces = all
inet_protocols = all
local_recipient_maps =
alias_maps =
alias_database =
default_transport = discard
local_transport = discard
relay_transport = discard
mail_owner = postfix
setgid_group = postdrop
postscreen_greet_wait = 2s
# A loaded test machine must not trip postscreen's watchdog (10s by default).
postscreen_watchdog_timeout = 60s
"""
BASE_MASTER = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
dnsblog   unix  -       -       n       -       0       dnsblog
"""


@dataclass(frozen=True)
class Case:
    """A policy and the partner's DNS situation. ``{ip}`` in lines and tables is the partner's address.

    ``listed``: zone → A answer for the partner's address, or ``servfail``/``timeout``.
    ``named``: zone → A answer for the partner's PTR name (``reject_rhsbl_*``).
    ``ptr``: ``fcrdns`` (PTR mxN.partner.test resolving back), ``none``, ``mismatch`` (the name
    resolves elsewhere), ``servfail`` or ``timeout``.
    """

    id: str
    lines: tuple[str, ...]
    listed: Mapping[str, str] = field(default_factory=dict)
    ptr: str = "fcrdns"
    tables: Mapping[str, str] = field(default_factory=dict)
    v6: bool = False
    named: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Placed:
    """A case with its number, address, and (for a fix case) the lines and tables after the fix."""

    case: Case
    n: int
    lines: tuple[str, ...]
    tables: Mapping[str, str]
    key: str

    @property
    def ip(self) -> str:
        return address(self.case, self.n)

    @property
    def ptr_name(self) -> str:
        return f"mx{self.n}.partner.test"

    @property
    def helo(self) -> str:
        return self.ptr_name if self.case.ptr in ("fcrdns", "mismatch") else "partner.test"

    @property
    def postscreen(self) -> bool:
        return any(line.strip().startswith("postscreen_") for line in self.lines)


def address(case: Case, n: int) -> str:
    return f"2001:db8:99::{n + 16:x}" if case.v6 else f"192.0.2.{n + 10}"


def render(text: str, ip: str) -> str:
    return text.replace("{ip}", ip)


def place(cases: Sequence[Case]) -> list[Placed]:
    out = []
    for n, case in enumerate(cases):
        ip = address(case, n)
        out.append(Placed(case, n, tuple(render(line, ip) for line in case.lines),
                          {k: render(v, ip) for k, v in case.tables.items()}, case.id))
    return out


# -- DNS data -------------------------------------------------------------------------------------


def _reverse(ip: str) -> str:
    return ipaddress.ip_address(ip).reverse_pointer


def _label(ip: str) -> str:
    """The DNSBL label of an address (reversed octets / nibbles)."""
    rev = ipaddress.ip_address(ip).reverse_pointer
    return rev.rsplit(".in-addr.arpa", 1)[0] if "in-addr" in rev else rev.rsplit(".ip6.arpa", 1)[0]


def write_zones(directory: Path, placed: Sequence[Placed]) -> list[dict[str, Any]]:
    """Zone files for every case (and the faults the lab applies); returns the faults."""
    directory.mkdir(parents=True, exist_ok=True)
    records: dict[str, list[str]] = {z: ["2.0.0.127 A 127.0.0.2"] for z in RBL_ZONES}
    records["ahbl.lab.test"].append("* A 127.0.0.2")  # a wildcarded (dead) list: everyone is listed
    records["dbl.lab.test"] = ["test A 127.0.1.2"]
    faults: list[dict[str, Any]] = [{"name": "silent.lab.test", "kind": "servfail", "suffix": True}]
    forward: list[str] = []
    reverse4: list[str] = []
    reverse6: list[str] = []
    seen: set[int] = set()
    for p in placed:
        ip = p.ip
        for zone, code in p.case.listed.items():
            fault = {"name": f"{_label(ip)}.{zone}", "kind": code}
            if code in ("servfail", "timeout"):
                if fault not in faults:
                    faults.append(fault)
            elif zone != "ahbl.lab.test" and f"{_label(ip)} A {code}" not in records[zone]:
                records[zone].append(f"{_label(ip)} A {code}")
        for zone, code in p.case.named.items():
            if f"{p.ptr_name} A {code}" not in records[zone]:
                records[zone].append(f"{p.ptr_name} A {code}")
        if p.n in seen:
            continue
        seen.add(p.n)
        rev = _reverse(ip) + "."
        kind = "AAAA" if p.case.v6 else "A"
        if p.case.ptr in ("fcrdns", "mismatch"):
            (reverse6 if p.case.v6 else reverse4).append(f"{rev} PTR {p.ptr_name}.")
            target = ip if p.case.ptr == "fcrdns" else ("2001:db8:ffff::1" if p.case.v6 else "203.0.113.1")
            forward.append(f"mx{p.n} {kind} {target}")
        elif p.case.ptr in ("servfail", "timeout") and {"name": rev, "kind": p.case.ptr} not in faults:
            faults.append({"name": rev, "kind": p.case.ptr})
    soa = "@ SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 60\n@ NS ns.lab.test.\n"
    for zone, lines in records.items():
        (directory / f"{zone}.zone").write_text(f"$ORIGIN {zone}.\n$TTL 60\n{soa}" + "\n".join(lines) + "\n")
    (directory / "partner.test.zone").write_text("$ORIGIN partner.test.\n$TTL 60\n" + soa + "@ A 203.0.113.2\n"
                                                 + "\n".join(forward) + "\n")
    (directory / "rev4.zone").write_text("$ORIGIN 2.0.192.in-addr.arpa.\n$TTL 60\n" + soa + "\n".join(reverse4) + "\n")
    (directory / "rev6.zone").write_text("$ORIGIN 9.9.0.0.8.b.d.0.1.0.0.2.ip6.arpa.\n$TTL 60\n" + soa
                                         + "\n".join(reverse6) + "\n")
    return faults


# -- Postfix --------------------------------------------------------------------------------------


def _options(params: Mapping[str, str], tables_dir: Path) -> list[str]:
    out = []
    for name, value in params.items():
        value = value.replace("/etc/postfix/", f"{tables_dir}/")
        out.append(f"  -o {{ {name} = {value} }}")
    return out


def master_cf(placed: Sequence[Placed], work: Path) -> tuple[str, list[dict[str, Any]]]:
    """master.cf with one service per case, the table files, and the probes."""
    lines = [BASE_MASTER]
    probes = []
    for index, p in enumerate(placed):
        port = BASE_PORT + index
        tables_dir = work / "tables" / f"c{index}"
        tables_dir.mkdir(parents=True, exist_ok=True)
        for spec, text in p.tables.items():
            path = Path(spec.partition(":")[2].replace("/etc/postfix/", f"{tables_dir}/"))
            path.write_text(text + "\n")
        params = dict(parse_server_rbls(p.lines).params)
        server = SERVER6 if p.case.v6 else SERVER4
        listen = f"[{server}]:{port}" if p.case.v6 else f"{server}:{port}"
        options = _options(params, tables_dir)
        if p.postscreen:
            lines += [f"{listen} inet n - n - 1 postscreen", *options,
                      f"  -o smtpd_service_name=smtpd{index}",
                      f"  -o postscreen_cache_map=btree:$data_directory/psc{index}",
                      f"smtpd{index} pass - - n - - smtpd", *options]
        else:
            lines += [f"{listen} inet n - n - - smtpd", *options]
        probes.append({"id": p.key, "client": p.ip, "server": server, "port": port, "helo": p.helo,
                       "sender": SENDER, "rcpt": RCPT})
    return "\n".join(lines) + "\n", probes


def prerequisites() -> str | None:
    """Why the oracle cannot run here (None: it can)."""
    if os.geteuid() != 0:
        return "the Postfix oracle needs root (unshare --net, a private Postfix)"
    for tool in ("postfix", "unshare", "ip", "mount"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"the Postfix oracle needs {tool}"
    if not any(Path(d, "postfix-pcre.so").exists() for d in ("/usr/lib/postfix", "/usr/lib64/postfix")):
        return "the Postfix oracle needs pcre: tables (apt-get install postfix-pcre)"
    try:
        import pwd

        pwd.getpwnam("postfix")
    except KeyError:
        return "the Postfix oracle needs the postfix user (apt-get install postfix)"
    probe = subprocess.run(["unshare", "--mount", "--net", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"the Postfix oracle needs private namespaces (unshare --mount --net: {probe.stderr.strip()[:100]})"
    return None


def run_oracle(placed: Sequence[Placed], work: Path) -> dict[str, dict[str, Any]]:
    """Start the namespace, Postfix and the probes once; ``{case key: reply}``."""
    zones = work / "zones"
    faults = write_zones(zones, placed)
    master, probes = master_cf(placed, work)
    addresses = sorted({SERVER4, SERVER6, *(p.ip for p in placed)})
    spec = {"work": str(work), "zones": str(zones), "faults": faults, "main": BASE_MAIN, "master": master,
            "probes": probes, "addresses": addresses}
    (work / "spec.json").write_text(json.dumps(spec))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        done = subprocess.run(["unshare", "--mount", "--net", sys.executable, str(HELPER), str(work / "spec.json")],
                              capture_output=True, text=True, timeout=600, env=env, check=False)
    except subprocess.TimeoutExpired:
        _stop_master(work)
        raise
    if done.returncode != 0:
        raise RuntimeError(f"oracle failed ({done.returncode}): {done.stderr[-3000:]} {done.stdout[-2000:]}")
    out = json.loads(done.stdout)
    (work / "maillog.txt").write_text(out["maillog"])
    return {r["id"]: r for r in out["results"]}


def _stop_master(work: Path) -> None:
    """The private Postfix's master (started by the helper we killed) must not outlive the run."""
    queue = work / "pf" / "queue"
    try:
        pid = int((queue / "pid" / "master.pid").read_text().split()[0])
        # Only that master: it runs in its queue directory (a stale pid file names another process).
        if Path(f"/proc/{pid}/cwd").resolve() == queue.resolve():
            os.kill(pid, 15)
    except (OSError, ValueError, IndexError):
        pass


__all__ = ["Case", "Placed", "place", "prerequisites", "run_oracle", "write_zones"]
