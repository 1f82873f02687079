"""The inventory section (pure): what the server said is bounded and printable in the report dict."""

from __future__ import annotations

from datetime import date

from preflight.checks.server.facts import (
    CertProbe,
    DkimSigner,
    KeyFileStatus,
    KeyProbe,
    ServerFacts,
)
from preflight.checks.server.section import server_to_dict
from preflight.inventory.parse import DkimKey
from preflight.net.ssh import Access, SshTarget

ESC = "\x1b]8;;http://evil.example/\x07x\x1b[2J"


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_paths_and_names_from_server_config_are_cleaned() -> None:
    # Given a KeyTable and main.cf whose names and paths carry terminal escape sequences
    key = DkimKey("ex" + ESC + ".com", "s" + ESC, "/etc/k" + ESC, False, "opendkim:KeyTable")
    facts = ServerFacts(
        role="new", target=SshTarget("u", "mail.example.com"),
        signers=(DkimSigner("opendkim", "/etc/opendkim.conf", (KeyProbe(key, Access.DENIED, None, "x"),)),),
        certs=(CertProbe("smtpd_tls_cert_file", "/etc/c" + ESC + "x" * 5000, Access.MISSING, "", "x"),),
        key_files=(KeyFileStatus("smtpd_tls_key_file", "/etc/k" + ESC, Access.MISSING, "x"),),
    )
    # When the inventory section is built
    data = server_to_dict(facts, date(2025, 1, 1))
    # Then no control byte survives and every string is bounded
    for text in _strings(data):
        assert "\x1b" not in text and "\x07" not in text, text
        assert len(text) < 1100
