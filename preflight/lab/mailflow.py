"""The lab's outgoing mail: a test message as the new server writes, signs and delivers it.

The message is what an admin sends to check the receiver's verdict: from ``info@example.com``,
with a Message-ID, a Date and one-click unsubscribe fields; the new server stamps its own
Received field (Postfix's local pickup form) and signs it with the lab DKIM key
(``preflight/lab/dkim_s2026.pem``, whose public half is ``s2026._domainkey.example.com`` in the
lab zones — a lab-only key, useless anywhere else), then delivers it over STARTTLS with smtplib.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.utils import format_datetime
from importlib import resources

SELECTOR = "s2026"
DOMAIN = "example.com"
MAIL_FROM = "bounce@example.com"
RECIPIENT = "test@receiver.example"
SIGNED_FIELDS = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
                 b"list-unsubscribe", b"list-unsubscribe-post")


def lab_dkim_key() -> bytes:
    """The lab DKIM private key (PEM, PKCS#1)."""
    return (resources.files("preflight") / "lab" / "dkim_s2026.pem").read_bytes()


def test_message(server_name: str, now: datetime) -> bytes:
    """The unsigned test message with the new server's own Received field (CRLF line ends)."""
    date = format_datetime(now)
    lines = [
        f"Received: by {server_name} (Postfix, from userid 1000)",
        f"\tid 4QLab0Test1; {date}",
        "From: Example Co. <info@example.com>",
        f"To: <{RECIPIENT}>",
        "Subject: preflight test message from the new server",
        f"Date: {date}",
        f"Message-ID: <lab-test-message.1@{server_name}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "Content-Transfer-Encoding: 7bit",
        "List-Unsubscribe: <https://example.com/unsubscribe/lab-test>, <mailto:unsubscribe@example.com>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "",
        "This is a test message sent from the new mail server (mail.example.com).",
        "Save it with 'Show original' and run: preflight message FILE.eml --ip 203.0.113.25",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def signed_test_message(server_name: str, now: datetime) -> bytes:
    """The test message with a DKIM-Signature of ``example.com`` (selector ``s2026``) on top."""
    import dkim

    message = test_message(server_name, now)
    signature = dkim.sign(message, SELECTOR.encode(), DOMAIN.encode(), lab_dkim_key(),
                          include_headers=list(SIGNED_FIELDS), canonicalize=(b"relaxed", b"relaxed"))
    return bytes(signature) + message


def deliver(message: bytes, receiver: tuple[str, int], *, helo: str, ca_file: str | None,
            timeout: float = 10.0) -> None:
    """Send ``message`` to the lab receiver over STARTTLS, verified against the lab CA (the
    receiver's certificate names its loopback address too)."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    with smtplib.SMTP(receiver[0], receiver[1], local_hostname=helo, timeout=timeout) as client:
        client.ehlo(helo)
        client.starttls(context=context)
        client.ehlo(helo)
        client.sendmail(MAIL_FROM, [RECIPIENT], message)
