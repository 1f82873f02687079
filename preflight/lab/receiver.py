"""The lab's receiving mail server: it stamps a message as a mailbox provider's MX would.

An aiosmtpd server on loopback with STARTTLS. For each message it receives, it checks SPF
(pyspf), DKIM (dkimpy) and DMARC (alignment of the From domain, relaxed) through the lab DNS,
then adds what a receiving Postfix with a milter adds, topmost last:

* ``Received: from HELO (PTR [IP]) (using TLSv1.3 with cipher ... (256/256 bits)) by mx.receiver.example
  (Postfix) with ESMTPS id ... for <rcpt>; date`` — TLS version and cipher as really negotiated;
* ``Authentication-Results: mx.receiver.example; spf=... smtp.mailfrom=...; dkim=... header.d=...
  header.s=...; dmarc=... (p=...) header.from=...``;
* ``X-Spam-Status`` with a small lab score (documented below), and ``Return-Path`` at delivery.

The connection comes from 127.0.0.1, so the receiver is told which address it stands in for
(``client_ip``, the new server's 203.0.113.25 in the demo), as the lab's SMTP probe stands in for
the demo's IPs. This receiver is independent of preflight's own message checks (it shares no code
with ``preflight.checks.message``), so their agreement means something.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import threading
from datetime import datetime, timezone
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any

from preflight.lab.certs import make_certificates
from preflight.lab.smtpserver import ephemeral_controller
from preflight.net.dns import DnsClient, DnsError
from preflight.net.spfbridge import pyspf_resolver

SPAM_REQUIRED = 5.0
LAB_SCORES = {"SPF_FAIL": 1.0, "SPF_SOFTFAIL": 0.7, "DKIM_INVALID": 0.8, "DMARC_FAIL": 2.0,
              "DKIM_VALID": -0.1, "DMARC_PASS": -0.1, "NO_DKIM": 0.5}
"""The lab's spam score per test (SpamAssassin-like names; not SpamAssassin's weights)."""


def _org(domain: str) -> str:
    """Lab-grade organizational domain: the last two labels (the lab's names are all under .example/.com/.net)."""
    return ".".join(domain.lower().rstrip(".").split(".")[-2:])


class _Receiver:
    def __init__(self, owner: LabReceiver) -> None:
        self.owner = owner

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        loop = asyncio.get_running_loop()
        stamped = await loop.run_in_executor(None, self.owner.stamp, session, envelope)
        with self.owner.lock:
            self.owner.messages.append(stamped)
        return "250 2.0.0 Ok: queued"


class LabReceiver:
    """A receiving MX on an ephemeral loopback port. Use as a context manager."""

    def __init__(self, dns: DnsClient, *, client_ip: str, name: str = "mx.receiver.example",
                 host: str = "127.0.0.1", now: datetime | None = None) -> None:
        self.dns = dns
        self.client_ip = client_ip
        self.name = name
        self.host = host
        self.now = now
        self.certificates = make_certificates((name, host), now=now)
        self.messages: list[bytes] = []
        self.received = 0
        self.lock = threading.Lock()
        self.ca_file: str | None = None
        self._dir: Path | None = None
        self._controller: Any = None

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the receiver listens on."""
        if self._controller is None:
            raise RuntimeError("the lab receiver is not running")
        return self.host, int(self._controller.port)

    def start(self) -> None:
        """Start serving in a background thread."""
        self._dir = Path(tempfile.mkdtemp(prefix="preflight-lab-mx-"))
        ca, cert, key = self.certificates.write(self._dir)
        self.ca_file = str(ca)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        self._controller = ephemeral_controller(_Receiver(self), hostname=self.host, server_hostname=self.name,
                                                ident="ESMTP preflight-lab-receiver", tls_context=context)
        try:
            self._controller.start()
        except BaseException:
            self._controller = None
            self.stop()
            raise

    def stop(self) -> None:
        """Stop serving and remove the certificate files."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> LabReceiver:  # noqa: PYI034
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a receiver concludes ---------------------------------------------------------

    def _ptr(self, ip: str) -> str:
        answer = self.dns.ptr(ip)
        if isinstance(answer, DnsError):
            return "unknown"
        return answer.records[0] if answer.records else "unknown"

    def _spf(self, mail_from: str, helo: str) -> str:
        import spf

        with pyspf_resolver(self.dns):
            result, _, _ = spf.query(i=self.client_ip, s=mail_from or f"postmaster@{helo}", h=helo,
                                     timeout=self.dns.config.timeout * 4).check()
        return str(result)

    def _dkim(self, data: bytes) -> tuple[str, str, str]:
        import dkim

        def txt(name: bytes | str, timeout: float = 5) -> bytes | None:
            qname = name.decode() if isinstance(name, bytes) else name
            try:
                records = self.dns.query(qname.rstrip("."), "TXT").records
            except DnsError:
                return None
            return records[0].encode() if records else None

        verifier = dkim.DKIM(data)
        if not verifier.present():
            return "none", "", ""
        try:
            ok = verifier.verify(dnsfunc=txt)
        except dkim.DKIMException:
            ok = False
        domain, selector = verifier.domain or b"", verifier.selector or b""
        domain = domain.decode(errors="replace") if isinstance(domain, bytes) else str(domain)
        selector = selector.decode(errors="replace") if isinstance(selector, bytes) else str(selector)
        return ("pass" if ok else "fail"), domain, selector

    def _dmarc(self, from_domain: str, dkim: tuple[str, str, str], spf: str, mail_from: str) -> tuple[str, str]:
        try:
            records = [r for r in self.dns.query(f"_dmarc.{from_domain}", "TXT").records if r.startswith("v=DMARC1")]
            if not records and _org(from_domain) != from_domain:
                records = [r for r in self.dns.query(f"_dmarc.{_org(from_domain)}", "TXT").records
                           if r.startswith("v=DMARC1")]
        except DnsError:
            return "temperror", ""
        if not records:
            return "none", ""
        tags = dict(part.strip().partition("=")[::2] for part in records[0].split(";") if "=" in part)
        policy = tags.get("p", "none").strip().upper()
        envelope_domain = mail_from.rpartition("@")[2].lower()
        aligned = (dkim[0] == "pass" and _org(dkim[1]) == _org(from_domain)) or \
            (spf == "pass" and _org(envelope_domain) == _org(from_domain))
        return ("pass" if aligned else "fail"), policy

    def stamp(self, session: Any, envelope: Any) -> bytes:
        """The message as delivered to the mailbox: with this receiver's fields on top."""
        data: bytes = envelope.original_content or b""
        helo = str(session.host_name or "unknown")
        mail_from = str(envelope.mail_from or "")
        rcpt = str(envelope.rcpt_tos[0]) if envelope.rcpt_tos else ""
        head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", errors="replace")
        from_values = [line.split(":", 1)[1] for line in head.replace("\r\n\t", " ").replace("\r\n ", " ").split("\r\n")
                       if line.lower().startswith("from:")]
        from_domain = next((a.rpartition("@")[2].lower() for _, a in getaddresses(from_values) if "@" in a), "")
        spf = self._spf(mail_from, helo)
        dkim = self._dkim(data)
        dmarc, policy = self._dmarc(from_domain, dkim, spf, mail_from) if from_domain else ("none", "")
        tests = [t for t, hit in (("SPF_FAIL", spf == "fail"), ("SPF_SOFTFAIL", spf == "softfail"),
                                  ("DKIM_VALID", dkim[0] == "pass"), ("DKIM_INVALID", dkim[0] == "fail"),
                                  ("NO_DKIM", dkim[0] == "none"), ("DMARC_PASS", dmarc == "pass"),
                                  ("DMARC_FAIL", dmarc == "fail")) if hit]
        score = sum(LAB_SCORES[t] for t in tests)
        when = format_datetime(self.now or datetime.now(timezone.utc).replace(microsecond=0))
        cipher = session.ssl.get("cipher") if isinstance(session.ssl, dict) else None
        using = f"\r\n\t(using {cipher[1]} with cipher {cipher[0]} ({cipher[2]}/{cipher[2]} bits))" if cipher else ""
        protocol = "ESMTPS" if cipher else "ESMTP"
        with self.lock:
            self.received += 1
            queue_id = f"4RLab{self.received:06d}"
        dkim_text = f"dkim={dkim[0]} header.d={dkim[1]} header.s={dkim[2]}" if dkim[0] != "none" else "dkim=none"
        dmarc_text = f"dmarc={dmarc}" + (f" (p={policy})" if policy else "") + f" header.from={from_domain or 'unknown'}"
        spam = (f"X-Spam-Status: {'Yes' if score >= SPAM_REQUIRED else 'No'}, score={score:.1f} "
                f"required={SPAM_REQUIRED:.1f} tests={','.join(tests) or 'none'}")
        results = (f"Authentication-Results: {self.name};\r\n\tspf={spf} smtp.mailfrom={mail_from or '<>'} "
                   f"smtp.helo={helo};\r\n\t{dkim_text};\r\n\t{dmarc_text}")
        received = (f"Received: from {helo} ({self._ptr(self.client_ip)} [{self.client_ip}]){using}\r\n"
                    f"\tby {self.name} (Postfix) with {protocol} id {queue_id}\r\n\tfor <{rcpt}>; {when}")
        fields = [f"Return-Path: <{mail_from}>", spam, results, received]
        return ("\r\n".join(fields) + "\r\n").encode("utf-8") + data
