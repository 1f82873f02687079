"""checkdmarc's submodules loaded lightly (:mod:`preflight.net.checkdmarc_import`) give the same
results as the whole package, and leave its heavy parts (bimi: requests, cryptography, xmltodict)
unloaded. Each side runs in its own interpreter: a module, once imported, stays for the process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from preflight.lab.dnsserver import LabDnsServer

# Run in a child: parse a table of records with checkdmarc's parsers (SPF ones resolve through the
# lab), print the results (or the exception) as JSON, and which heavy modules were loaded.
PROBE = textwrap.dedent("""
    import json, re, sys
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "full":
        import checkdmarc  # the whole package first: the light loader must use it as it is
    from preflight.net.checkdmarc_import import checkdmarc_module
    from preflight.net.dns import DnsClient, DnsConfig, Nameserver

    spf, dmarc = checkdmarc_module("spf"), checkdmarc_module("dmarc")
    sts, tlsrpt = checkdmarc_module("mta_sts"), checkdmarc_module("smtp_tls_reporting")
    utils = checkdmarc_module("utils")
    resolver = DnsClient(DnsConfig(nameservers=(Nameserver(host, port),), timeout=5)).resolver()

    def expected(match):
        # pyleri lists the tokens it expected in set order, which follows string hashes and
        # differs from process to process whatever loaded it (PYTHONHASHSEED): sorted here
        return "Expected " + ", ".join(sorted(re.split(r", | or ", match.group(1)))) + " at position"

    def run(fn, *args, **kwargs):
        try:
            return ["ok", fn(*args, **kwargs)]
        except Exception as exc:
            return ["raised", type(exc).__name__, re.sub(r"Expected (.+?) at position", expected, str(exc))]

    out = {
        "spf": [run(spf.parse_spf_record, record, domain, resolver=resolver) for record, domain in (
            ("v=spf1 mx ip4:198.51.100.10 include:_spf.mailhost.example -all", "example.com"),
            ("v=spf1 ip4:203.0.113.25 ip6:2001:db8:25::25 ip4:198.51.100.10 -all", "example.net"),
            ("v=spf1 ip4:300.1.1.1 -all", "example.net"),
            ("v=spf1 include:nowhere.invalid -all", "example.net"),
            ("v=spf1 redirect=example.com", "example.net"),
        )],
        "dmarc": [run(dmarc.parse_dmarc_record, record, domain, resolver=resolver) for record, domain in (
            ("v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com; fo=1", "example.com"),
            ("v=DMARC1; p=quarantine; pct=50; rua=mailto:r@example.net", "example.com"),
            ("v=DMARC1; p=bogus", "example.com"),
        )],
        "sts_record": [run(sts.parse_mta_sts_record, r) for r in ("v=STSv1; id=20250301", "v=STSv1; id=")],
        "sts_policy": [run(sts.parse_mta_sts_policy, p) for p in (
            "version: STSv1\\nmode: enforce\\nmx: mail.example.com\\nmx: *.example.net\\nmax_age: 86400\\n",
            "version: STSv1\\nmode: sometimes\\nmax_age: 1\\n",
        )],
        "sts_mx": [sts.mx_in_mta_sts_patterns(mx, ["mail.example.com", "*.example.net"])
                   for mx in ("mail.example.com", "a.example.net", "b.a.example.net")],
        "tlsrpt": [run(tlsrpt.parse_smtp_tls_reporting_record, r) for r in (
            "v=TLSRPTv1; rua=mailto:tls-reports@example.com", "v=TLSRPTv1; rua=ftp://x")],
        "base": [utils.get_base_domain(n) for n in ("mail.example.co.uk", "a.b.example.com", "co.uk")],
        "same_utils": spf.__dict__.get("get_base_domain") in (None, utils.get_base_domain),
    }
    heavy = ("checkdmarc.bimi", "requests", "cryptography", "xmltodict", "urllib3", "httpx", "httpcore")
    print(json.dumps({"results": out, "loaded": [m for m in heavy if m in sys.modules]}, default=repr))
""")

HERE = Path(__file__).resolve().parent
"""Where the children run: not the checkout root, so they import the installed package."""


def _probe(mode: str, server: LabDnsServer) -> dict:
    host, port = server.address
    proc = subprocess.run([sys.executable, "-c", PROBE, mode, host, str(port)],
                          capture_output=True, text=True, cwd=HERE, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_light_submodules_give_the_whole_packages_results(dns_server: LabDnsServer) -> None:
    # Given the same records, the same resolver (the lab)
    light, full = _probe("light", dns_server), _probe("full", dns_server)
    # Then checkdmarc's answers are equal, whichever way it was loaded
    assert light["results"] == full["results"]
    assert light["results"]["spf"][0][0] == "ok" and light["results"]["dmarc"][2][0] == "raised"
    # and only the whole package paid for bimi's HTTP clients and cryptography
    assert light["loaded"] == []
    assert "checkdmarc.bimi" in full["loaded"] and "requests" in full["loaded"]


def test_light_package_becomes_whole_on_first_use_of_its_own_names() -> None:
    # A name only the package __init__ defines runs that __init__, on the same module object.
    code = textwrap.dedent("""
        import sys
        from preflight.net.checkdmarc_import import checkdmarc_module
        spf = checkdmarc_module("spf")
        import checkdmarc
        assert "checkdmarc.bimi" not in sys.modules
        assert checkdmarc.spf is spf                      # a submodule: no __init__ needed
        assert callable(checkdmarc.check_domains)         # the package's own name: __init__ ran
        assert "checkdmarc.bimi" in sys.modules and sys.modules["checkdmarc"] is checkdmarc
        from checkdmarc import check_spf, __version__
        assert checkdmarc.spf is spf and check_spf is spf.check_spf and __version__
        assert "__getattr__" not in vars(checkdmarc)
        try:
            checkdmarc.no_such_name
        except AttributeError:
            pass
        else:
            raise AssertionError("no_such_name")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_a_thread_reading_a_package_name_while_another_runs_init_waits_for_it() -> None:
    # While one thread completes the light package (its __init__ runs), another thread reading a
    # name __init__ defines must get it, not an AttributeError (as with a normal import, which
    # waits on the module lock). The hook makes the other read happen inside that __init__.
    code = textwrap.dedent("""
        import sys, threading
        from preflight.net.checkdmarc_import import checkdmarc_module
        checkdmarc_module("spf")
        import checkdmarc
        got = {}

        def reader():
            try:
                got["value"] = callable(checkdmarc.check_domains)
            except Exception as exc:
                got["value"] = repr(exc)

        def waiting_in_hook(thread):
            frame = sys._current_frames().get(thread.ident)
            while frame is not None:
                if frame.f_code.co_name == "__getattr__" and "checkdmarc_import" in frame.f_code.co_filename:
                    return True
                frame = frame.f_back
            return False

        class Hook:  # runs inside the package __init__ (it imports checkdmarc.soa)
            def find_spec(self, name, path=None, target=None):
                if name == "checkdmarc.soa" and "thread" not in got:
                    got["thread"] = thread = threading.Thread(target=reader)
                    thread.start()
                    # until the read has ended (it did not wait) or waits in the package's hook
                    for _ in range(3000):
                        if not thread.is_alive() or waiting_in_hook(thread):
                            break
                        thread.join(0.01)
                return None

        sys.meta_path.insert(0, Hook())
        assert checkdmarc.__version__
        got["thread"].join()
        print(got["value"])
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, timeout=120)
    assert out.stdout.strip() == "True", out.stderr or out.stdout


def test_a_checkdmarc_whose_submodule_needs_the_package_init_is_imported_whole(tmp_path: Path) -> None:
    # Given a checkdmarc laid out otherwise: its spf module reads a name the package __init__
    # defines (the light import cannot work: __init__ then imports the half-loaded spf)
    package = tmp_path / "checkdmarc"
    package.mkdir()
    (package / "__init__.py").write_text("HELPER = 'from init'\nfrom checkdmarc.spf import VALUE\n")
    (package / "spf.py").write_text("from checkdmarc import HELPER\nVALUE = HELPER.upper()\n")
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from preflight.net.checkdmarc_import import checkdmarc_module
        spf = checkdmarc_module("spf")
        import checkdmarc
        assert checkdmarc.spf is spf and "__getattr__" not in vars(checkdmarc)
        print(spf.VALUE)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, timeout=120)
    # Then the parsers still load: the whole package, as `import checkdmarc` would
    assert out.stdout.strip() == "FROM INIT", out.stderr


def test_deferred_requests_loads_on_first_use() -> None:
    # checkdmarc.mta_sts's own HTTP fetch still finds requests: the stand-in imports it then.
    code = textwrap.dedent("""
        import sys
        from preflight.net.checkdmarc_import import Deferred, checkdmarc_module
        sts = checkdmarc_module("mta_sts")
        assert isinstance(sts.requests, Deferred) and "requests" not in sys.modules
        session_type = sts.requests.Session
        import requests
        assert session_type is requests.Session and sys.modules["requests"] is requests
        assert issubclass(requests.RequestException, Exception)
        assert sts.requests.RequestException is requests.RequestException
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_deferred_httpx_serves_the_real_http_error_and_loads_on_first_other_use() -> None:
    # checkdmarc.utils reads httpx.HTTPError at import (its transport errors): the same class as
    # the real package's, from the submodule that defines it; any other name loads httpx itself.
    code = textwrap.dedent("""
        import sys
        from preflight.net.checkdmarc_import import Deferred, checkdmarc_module
        utils = checkdmarc_module("utils")
        assert isinstance(utils.httpx, Deferred) and "httpx" not in sys.modules
        client = utils.httpx.Client              # first other name: the real package loads
        import httpx
        assert client is httpx.Client and utils._TRANSPORT_ERRORS[-1] is httpx.HTTPError
        assert issubclass(httpx.ConnectError, utils._TRANSPORT_ERRORS[-1])
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_deferred_served_name_comes_from_the_real_package_when_its_module_moved() -> None:
    # A later httpx may move HTTPError out of httpx._exceptions: checkdmarc.utils must still load
    # (else SPF, DMARC, MTA-STS and TLS-RPT all crash), with the real class.
    code = textwrap.dedent("""
        import sys
        from preflight.net.checkdmarc_import import Deferred
        moved = Deferred("httpx", {"HTTPError": "httpx._no_such_module"})
        renamed = Deferred("httpx", {"HTTPError": "httpx._models"})   # a module without the name
        sys.modules["httpx"] = moved
        error = moved.HTTPError
        import httpx
        assert error is httpx.HTTPError and renamed.HTTPError is httpx.HTTPError
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.parametrize("name", ["spf", "dmarc", "mta_sts", "smtp_tls_reporting", "utils"])
def test_whole_package_binds_each_used_submodule_under_its_own_name(name: str) -> None:
    # The light loader relies on it: the package __init__ never rebinds a submodule's name.
    code = (f"import checkdmarc, sys; print(getattr(checkdmarc, {name!r}) is "
            f"sys.modules['checkdmarc.{name}'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, timeout=120)
    assert out.stdout.strip() == "True", out.stderr
