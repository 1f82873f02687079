"""The demo migration: Example Co.'s input, pointed at the embedded lab (``preflight demo``)."""

from __future__ import annotations

import dataclasses
import ipaddress
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from preflight.engine import RunConfig, Target
from preflight.net.dns import DnsConfig, Nameserver

if TYPE_CHECKING:
    from preflight.lab.dnsserver import LabDnsServer
    from preflight.lab.httpsserver import LabHttpsServer
    from preflight.lab.mailstandin import LabMailServer
    from preflight.lab.smtpserver import LabSmtpServer

__all__ = ["DEMO_LEAD_DAYS", "demo_config", "demo_cutover", "demo_target"]

DEMO_LEAD_DAYS = 21
"""The demo's cutover is three weeks after the run: long enough that every fix can still start."""


def demo_cutover(now: datetime) -> str:
    """The demo's cutover day for a run at ``now`` (``YYYY-MM-DD``)."""
    return (now + timedelta(days=DEMO_LEAD_DAYS)).date().isoformat()


def demo_target() -> Target:
    """The demo migration: Example Co.'s new server, its two sending domains, its old server."""
    return Target(
        ips=(ipaddress.ip_address("203.0.113.25"), ipaddress.ip_address("2001:db8:25::25")),
        hostname="mail.example.com",
        domains=("example.com", "example.net"),
        dkim_selectors=("s2026",),
        old_ips=(ipaddress.ip_address("198.51.100.10"),),
    )


def demo_config(server: LabDnsServer, timeout: float = 2.0,
                smtp: LabSmtpServer | None = None, message: Path | None = None,
                https: LabHttpsServer | None = None, mail: tuple[LabMailServer, ...] = (),
                cutover_date: str | None = None) -> RunConfig:
    """The run configuration of the demo, pointed at a running lab server.

    With ``smtp``, the SMTP probe targets that loopback server (never the demo's IPs) and
    trusts the lab CA. With ``message``, that saved test message is analysed too. With ``https``,
    MTA-STS policies are fetched from that server's port (the lab zone points mta-sts.example.com at
    loopback) and its lab CA is trusted. With ``mail``, the client ports probed are those loopback
    stand-ins (never the demo's IPs), users' name mail.example.com.
    """
    host, port = server.address
    config = RunConfig(
        target=dataclasses.replace(demo_target(), cutover_date=cutover_date),
        dns=DnsConfig(nameservers=(Nameserver(host, port),), timeout=timeout, retries=1),
    )
    from preflight.checks.blocklists import settings as blocklists

    # The demo's plan opts into Barracuda, as `[blocklists] zones = ["barracuda-brbl"]` would;
    # the lab's resolver is not registered with it.
    config = blocklists.with_settings(
        config, blocklists.from_options({"blocklists.zones": ["barracuda-brbl"]})
    )
    from preflight.checks.partners import settings as partners

    # Two partners and the RBL policy the new server will run, as `[partners]` in a plan would:
    # partner-a.example's mail server is on the lab's Spamhaus ZEN, partner-b.example is clean.
    config = partners.with_settings(config, partners.PartnerSettings(
        domains=("partner-a.example", "partner-b.example"), plan_policy=partners.parse_server_rbls((
            ("smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, "
             "reject_rbl_client zen.spamhaus.org"),
            "postscreen_dnsbl_sites = zen.spamhaus.org*3 bl.spamcop.net*2",
            "postscreen_dnsbl_threshold = 3",
            "postscreen_dnsbl_action = enforce",
        ))))
    if smtp is not None:
        from preflight.checks.smtp.settings import SmtpSettings, with_settings
        from preflight.net.smtp import SmtpTarget

        config = with_settings(config, SmtpSettings(
            targets=(SmtpTarget(*smtp.address),), timeout=5.0, ca_file=smtp.ca_file,
        ))
    if https is not None:
        from preflight.checks.mta_sts import settings as transport

        config = transport.with_settings(config, transport.TransportSettings(
            https_port=https.address[1], ca_file=https.ca_file, timeout=5.0))
    if mail:
        from preflight.checks.client import settings as client
        from preflight.net.mailclient import ClientTarget

        config = client.with_settings(config, client.ClientSettings(
            targets=tuple(ClientTarget(m.service, *m.address) for m in mail), names=("mail.example.com",),
            timeout=5.0, ca_file=mail[0].ca_file))
    if message is not None:
        from preflight.checks.message import settings as messages

        config = messages.with_settings(config, messages.from_options({}, [message]))
    return config
