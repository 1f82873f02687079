"""Registered domains by the public suffix list: the same answer as checkdmarc, without importing it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from preflight.data.suffixes import registered_domain

NAMES = [
    "example.com", "mail.example.com", "a.b.c.example.com", "www.example.co.uk", "co.uk",
    "example.co.uk", "mail.example.com.au", "foo.github.io", "github.io", "sub.cases.test",
    "cases.test", "test", "MAIL.Example.COM", "mail\u200b.example.com", "\ufeffexample.net",
    "xn--bcher-kva.example", "s2026._domainkey.example.com", "a.b.kawasaki.jp", "city.kawasaki.jp",
    # IDN public suffixes, in Unicode and in their xn-- form
    "shop.example.公司.cn", "shop.example.xn--55qx5d.cn", "a.b.xn--55qx5d.cn",
    "mail.example.рф", "mail.example.xn--p1ai", "www.xn--80ak6aa92e.com",
]


@pytest.mark.parametrize("name", NAMES)
def test_agrees_with_checkdmarc(name: str) -> None:
    # The oracle: checkdmarc's own get_base_domain on the same public suffix list.
    import checkdmarc  # noqa: F401 - the package first (an earlier test's preload may be importing it)
    from checkdmarc.utils import get_base_domain

    assert registered_domain(name) == str(get_base_domain(name))


@pytest.mark.parametrize(("name", "base"), [
    ("mail.example.com", "example.com"), ("www.example.co.uk", "example.co.uk"),
    ("co.uk", "co.uk"), ("mail.example.com.", "example.com"), ("MAIL.EXAMPLE.NET", "example.net"),
])
def test_registered_domain(name: str, base: str) -> None:
    assert registered_domain(name) == base


def test_plan_and_dmarc_do_not_import_checkdmarc() -> None:
    # Building the blocklist plan (registered domains of the sending domains and the HELO name)
    # is on the critical path of every check: it must not pay for checkdmarc's import (HTTP
    # clients, cryptography) nor for dnspython's DNS-over-HTTPS and DNSSEC algorithm modules.
    probe = (
        "import sys\n"
        "from preflight.checks.blocklists.plan import build_plan\n"
        "from preflight.checks.blocklists.settings import BlocklistSettings\n"
        "from preflight.checks.dmarc import organizational_domain\n"
        "import preflight.config  # every family, as a check run imports them\n"
        "from preflight.data.loader import load_catalogue\n"
        "import preflight.net.dns, dns.query, dns.dnssec\n"
        "plan = build_plan(load_catalogue(), BlocklistSettings(), ips=['192.0.2.1'],\n"
        "                  domains=['example.co.uk'], hostname='mail.example.com')\n"
        "assert [n.subject for n in plan.names] == ['example.co.uk', 'example.com'], plan.names\n"
        "assert organizational_domain('a.b.example.org') == 'example.org'\n"
        "heavy = ('checkdmarc', 'requests', 'httpx', 'httpx2', 'cryptography', 'dns.dnssecalgs')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.check_output([sys.executable, "-c", probe], text=True).strip()
    assert out == "[]"
