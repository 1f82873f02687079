"""CLI glue of the received-message analysis: ``check --message`` and ``preflight message``.

Kept apart from the commands; importing it is cheap (typer only, the checks load when used).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from preflight.cli.app import app
from preflight.cli.app import guarded as _guarded
from preflight.cli.coercion import PlainCommand
from preflight.cli.options import LANG_OPTION, MARKDOWN_OPTION, NAGIOS_OPTION, no_empty, one_stdout
from preflight.exitcodes import EXIT_CODE_HELP

if TYPE_CHECKING:
    from preflight.engine import RunConfig

def with_message(config: RunConfig, plan: dict[str, Any], files: list[str], base: Path | None) -> RunConfig:
    """Add the message settings (``--message`` / plan ``messages``); reads the files (exit 2 when unreadable)."""
    from preflight.checks.message import settings as message_settings

    found = message_settings.from_options(plan, files, base)
    return config.with_settings(found) if found is not None else config


@app.command(name="message", cls=PlainCommand, epilog=EXIT_CODE_HELP)
def message_command(
    files: list[Path] = typer.Argument(..., metavar="FILE.eml", show_default=False, help="Saved test messages (.eml, 'Show original')."),
    ip: list[str] = typer.Option([], "--ip", metavar="IP", help="A new IP of the server: finds the hop where the message left it (repeatable)."),
    domain: list[str] = typer.Option([], "--domain", metavar="DOMAIN", help="A domain that sends through the server (repeatable)."),
    dkim_selector: list[str] = typer.Option([], "--dkim-selector", metavar="SELECTOR", help="DKIM selector the server signs with (repeatable)."),
    nameserver: list[str] = typer.Option(
        [], "--nameserver", metavar="HOST[:PORT]", help="Resolver to query, HOST[:PORT] (repeatable; default: the system resolver)."
    ),
    timeout: float | None = typer.Option(None, "--timeout", metavar="SECONDS", help="Seconds to wait for each DNS answer (default 3)."),
    config: Path | None = typer.Option(None, "--config", metavar="PLAN.toml", help="TOML migration plan (ips, domains, nameservers); flags override it."),
    html: str | None = typer.Option(None, "--html", metavar="PATH", help="Write the HTML report here."),
    json_out: str | None = typer.Option(None, "--json", metavar="PATH|-", help="Write the JSON report here ('-' = stdout)."),
    markdown: str | None = MARKDOWN_OPTION,
    lang: str | None = LANG_OPTION,
    strict: bool | None = typer.Option(None, "--strict/--no-strict", help="Treat warnings as not ready (exit 1)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    nagios: bool = NAGIOS_OPTION,
) -> None:
    """Analyse test messages received from the new server: path, TLS, the receiver's verdict, ours."""

    def body() -> int:
        from preflight.cli.session import execute
        from preflight.config import (
            RunConfig,
            Target,
            load_plan,
            parse_hostname,
            parse_ip,
            parse_selector,
            parse_timeout,
        )
        from preflight.i18n.lang import resolve_lang
        from preflight.net.dns import DnsConfig, Nameserver
        from preflight.registry import FAMILIES

        no_empty(ip=ip, domain=domain, dkim_selector=dkim_selector, nameserver=nameserver, html=html,
                 json=json_out, markdown=markdown, lang=lang)
        plan = load_plan(config) if config is not None else {}
        language = resolve_lang(lang, plan=plan)
        target = Target(
            ips=tuple(dict.fromkeys(parse_ip(i) for i in ip)) if ip else tuple(plan.get("ips", ())),
            hostname=plan.get("hostname"),
            domains=tuple(dict.fromkeys(parse_hostname(d, "domain") for d in domain)) if domain
            else tuple(plan.get("domains", ())),
            dkim_selectors=tuple(dict.fromkeys(parse_selector(s) for s in dkim_selector)) if dkim_selector
            else tuple(plan.get("dkim_selectors", ())),
        )
        servers = tuple(Nameserver.parse(n) for n in nameserver) if nameserver else tuple(plan.get("nameservers", ()))
        seconds = parse_timeout(timeout) if timeout is not None else plan.get("timeout", 3.0)
        run_config = RunConfig(target=target, dns=DnsConfig(nameservers=servers, timeout=seconds),
                               strict=strict if strict is not None else plan.get("strict", False))
        run_config = with_message(run_config, {}, [str(f) for f in files], None)
        html_path = html if html is not None else plan.get("report.html")
        json_path = json_out if json_out is not None else plan.get("report.json")
        md_path = markdown if markdown is not None else plan.get("report.markdown")
        to_stdout = one_stdout(html=html_path, json=json_path, markdown=md_path,
                               nagios="-" if nagios else None, prints=not quiet)
        return execute(run_config, html=html_path, json_out=json_path, quiet=quiet or to_stdout,
                       markdown=md_path, lang=language, nagios=nagios, families=[f for f in FAMILIES if f.name == "message"])

    raise typer.Exit(int(_guarded(body)))
