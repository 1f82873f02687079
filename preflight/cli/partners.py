"""CLI glue of the partner-impact prediction: its options and how they join the run config.

Kept apart from the commands; importing it is cheap (typer only, the checks load when used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from preflight.config import RunConfig

PARTNER_OPTION: Any = typer.Option(
    [], "--partner", rich_help_panel="Partners", metavar="DOMAIN",
    help="A partner domain whose mail must keep arriving (repeatable): its MX and SPF addresses are "
         "checked against the new server's RBL policy.",
)
PARTNER_IP_OPTION: Any = typer.Option(
    [], "--partner-ip", rich_help_panel="Partners", metavar="IP", help="A partner's sending address (repeatable).",
)
PARTNERS_FROM_LOG_OPTION: Any = typer.Option(
    None, "--partners-from-log/--no-partners-from-log", rich_help_panel="Partners",
    help="Also check the client IPs that delivered most often to the old server (its mail log, "
         "read over --old-ssh).",
)
PARTNERS_LOG_DAYS_OPTION: Any = typer.Option(
    None, "--partners-log-days", rich_help_panel="Partners", metavar="DAYS", help="Days of the old server's log to count (default 30).",
)
PARTNERS_LOG_TOP_OPTION: Any = typer.Option(
    None, "--partners-log-top", rich_help_panel="Partners", metavar="N", help="How many of the busiest log clients to check (default 20).",
)
SERVER_RBL_OPTION: Any = typer.Option(
    [], "--server-rbl", rich_help_panel="Partners", metavar="LINE",
    help="The new server's RBL policy without --ssh, as main.cf lines or restrictions (repeatable), "
         "e.g. 'reject_rbl_client zen.spamhaus.org' (plan: [partners] server_rbls).",
)


def with_partners(config: RunConfig, plan: dict[str, Any], *, domains: list[str], ips: list[str],
                  from_log: bool | None, log_days: str | None, log_top: str | None,
                  server_rbls: list[str]) -> RunConfig:
    """Add the partner settings (flags and ``[partners]``); call after the SSH settings are in."""
    from preflight.checks.partners import settings as partner_settings
    from preflight.checks.server.settings import settings_of as ssh_settings_of

    found = partner_settings.from_options(
        plan, domains=domains, ips=ips, from_log=from_log,
        log_days=log_days, log_top=log_top,
        server_rbls=server_rbls, ssh=ssh_settings_of(config),
    )
    return partner_settings.with_settings(config, found) if found is not None else config
