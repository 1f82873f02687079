"""`preflight message` words: a hop field the message does not record reads as catalogue text in
both languages (never a bare "(?)"), and an empty trailing parameter leaves no trailing space."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ns
from typer.testing import CliRunner

from preflight.cli import app
from preflight.i18n.messages import result_text, ui
from preflight.lab.dnsserver import LabDnsServer

# A receiving hop that names no receiving host ("by" is missing) and no Authentication-Results.
UNNAMED = (b"Received: from helo.example ([203.0.113.25]) with ESMTP; Mon, 7 Dec 2026 00:00:00 +0000\r\n"
           b"From: <a@example.com>\r\nSubject: x\r\n\r\nbody")
# The receiver's own verdict: spf=fail with no reason given.
FAILED = (b"Authentication-Results: mx.receiver.example; spf=fail smtp.mailfrom=a@example.com\r\n"
          b"Received: from helo.example ([203.0.113.25]) by mx.receiver.example with ESMTP; "
          b"Mon, 7 Dec 2026 00:00:00 +0000\r\nFrom: <a@example.com>\r\nSubject: x\r\n\r\nbody")


def message(dns_server: LabDnsServer, tmp_path: Path, data: bytes, lang: str) -> list[str]:
    path = tmp_path / "m.eml"
    path.write_bytes(data)
    result = CliRunner().invoke(app, ["message", str(path), "--ip", "203.0.113.25", "--nameserver",
                                      ns(dns_server), "--timeout", "5", "--lang", lang])
    assert result.exit_code in (1, 3), result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_unnamed_receiving_host_is_named_as_such(dns_server: LabDnsServer, tmp_path: Path, lang: str) -> None:
    lines = message(dns_server, tmp_path, UNNAMED, lang)
    text = "\n".join(lines)
    unnamed = ui("value.receiver.?", lang)
    assert unnamed != "value.receiver.?" and "?" not in unnamed
    # Then no "(?)" or "? " stands for the host; the catalogue's words do, in the run's language
    assert "(?)" not in text and " ? " not in text
    receiver = next(line for line in lines if "message.receiver" in line)
    tls = next(line for line in lines if "message.tls" in line)
    assert unnamed in receiver and unnamed in tls


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_hop_field_code_has_words(lang: str) -> None:
    for name in ("receiver", "helo", "protocol", "cipher"):
        words = ui(f"value.{name}.?", lang)
        assert words != f"value.{name}.?" and "?" not in words
    path = result_text("message.path", "left_new_ip", {"ip": "203.0.113.25", "helo": "?", "receiver": "?",
                                                       "hops": "2"}, lang).summary
    assert "?" not in path and ui("value.helo.?", lang) in path


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_line_ends_in_a_space(dns_server: LabDnsServer, tmp_path: Path, lang: str) -> None:
    lines = message(dns_server, tmp_path, FAILED, lang)
    verdict = next(line for line in lines if "message.receiver" in line and "smtp.mailfrom" in line)
    assert verdict.endswith("(smtp.mailfrom=a@example.com)")
    assert all(line == line.rstrip() for line in lines), [line for line in lines if line != line.rstrip()]
