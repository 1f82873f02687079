"""The commands: check, demo, render, diff, history, lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from preflight.cli.app import app
from preflight.cli.app import guarded as _guarded
from preflight.cli.coercion import PlainCommand
from preflight.cli.families import configure_families, with_family_options
from preflight.cli.message import message_command  # noqa: F401  (registers 'preflight message')
from preflight.cli.options import (
    LANG_OPTION,
    MARKDOWN_OPTION,
    NAGIOS_OPTION,
    PanelCommand,
    no_empty,
    one_stdout,
    say,
)
from preflight.cli.session import (
    build_config,
    execute,
    load_baseline,
    print_nagios,
    render_outputs,
    with_cutover,
    write_outputs,
)
from preflight.exitcodes import CHECK_EXIT_CODE_HELP, EXIT_CODE_HELP, ExitCode
from preflight.registry import OPTIONS as FAMILY_OPTIONS

CHECK_EXAMPLES = """Examples:

\b
  # before cutover: the new server, its domains, the day of the switch
  preflight check --ip 203.0.113.25 --hostname mail.example.com --domain example.com \\
      --cutover-date 2026-12-28 --html report.html --json report.json
\b
  # everything from a migration plan; the JSON report to a pipe
  preflight check --config plan.toml --json - | jq .verdict
\b
  # after cutover: compare with the report attached to the change request
  preflight check --config plan.toml --after-cutover --baseline before.json --html after.html

"""


@app.command(cls=PanelCommand, epilog=CHECK_EXAMPLES + CHECK_EXIT_CODE_HELP)
@with_family_options(FAMILY_OPTIONS)
def check(
    ip: list[str] = typer.Option([], "--ip", rich_help_panel="Target", metavar="IP", help="A new IP of the server (repeat for IPv4 and IPv6)."),
    hostname: Optional[str] = typer.Option(None, "--hostname", rich_help_panel="Target", metavar="NAME", help="The new server's HELO/EHLO name."),
    domain: list[str] = typer.Option([], "--domain", rich_help_panel="Target", metavar="DOMAIN", help="A domain that sends through the server (repeatable)."),
    dkim_selector: list[str] = typer.Option([], "--dkim-selector", rich_help_panel="Target", metavar="SELECTOR", help="DKIM selector to check (repeatable)."),
    nameserver: list[str] = typer.Option(
        [], "--nameserver", rich_help_panel="DNS", metavar="HOST[:PORT]", help="Resolver to query, HOST[:PORT] (repeatable; default: the system resolver)."
    ),
    timeout: Optional[float] = typer.Option(None, "--timeout", rich_help_panel="DNS", metavar="SECONDS", help="Seconds to wait for each DNS answer (default 3)."),
    config: Optional[Path] = typer.Option(None, "--config", rich_help_panel="Target", metavar="PLAN.toml", help="TOML migration plan; flags override it."),
    html: Optional[str] = typer.Option(None, "--html", rich_help_panel="Output", metavar="PATH", help="Write the HTML report here."),
    json_out: Optional[str] = typer.Option(None, "--json", rich_help_panel="Output", metavar="PATH|-", help="Write the JSON report here ('-' = stdout)."),
    markdown: Optional[str] = MARKDOWN_OPTION,
    lang: Optional[str] = LANG_OPTION,
    strict: Optional[bool] = typer.Option(None, "--strict/--no-strict", rich_help_panel="Output", help="Treat warnings as not ready (exit 1)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", rich_help_panel="Output", help="Print nothing but errors."),
    baseline: Optional[Path] = typer.Option(
        None, "--baseline", rich_help_panel="Recheck", metavar="REPORT.json", help="A saved JSON report to compare with (exit 1 on regressions)."
    ),
    after_cutover: Optional[bool] = typer.Option(
        None, "--after-cutover/--before-cutover", rich_help_panel="Recheck",
        help="Judge as after cutover: MX must point at the new server, old IPs should leave SPF.",
    ),
    old_ip: list[str] = typer.Option([], "--old-ip", rich_help_panel="Recheck", metavar="IP", help="An IP of the old server (repeatable)."),
    cutover_date: Optional[str] = typer.Option(
        None, "--cutover-date", rich_help_panel="Target", metavar="YYYY-MM-DD",
        help="The planned cutover day: the report gives each fix a start-by date (plan: cutover_date).",
    ),
    propagation: bool = typer.Option(
        False, "--propagation", rich_help_panel="Recheck",
        help="Compare MX, SPF, A/AAAA and PTR across resolvers (plan: propagation_nameservers, "
             "else the --nameserver list).",
    ),
    nagios: bool = NAGIOS_OPTION,
    **family_flags: Any,
) -> None:
    """Check the new server and domains before cutover; write HTML/JSON reports."""

    def body() -> int:
        from preflight.config import load_plan
        from preflight.i18n.lang import resolve_lang
        from preflight.registry import FAMILIES

        no_empty(ip=ip, hostname=hostname, domain=domain, dkim_selector=dkim_selector,
                 nameserver=nameserver, html=html, json=json_out, markdown=markdown, lang=lang,
                 old_ip=old_ip, **{o.name: family_flags.get(o.name) for o in FAMILY_OPTIONS if o.kind is str})
        plan = load_plan(config) if config is not None else {}
        # Every output path is checked before any work (and any network traffic).
        html_path = html if html is not None else plan.get("report.html")
        json_path = json_out if json_out is not None else plan.get("report.json")
        md_path = markdown if markdown is not None else plan.get("report.markdown")
        to_stdout = one_stdout(html=html_path, json=json_path, markdown=md_path,
                               nagios="-" if nagios else None, prints=not quiet)
        language = resolve_lang(lang, plan=plan)
        run_config = build_config(plan, ips=ip, hostname=hostname, domains=domain,
                                  selectors=dkim_selector, nameservers=nameserver,
                                  timeout=timeout, strict=strict)
        run_config = with_cutover(run_config, plan, old_ips=old_ip, after=after_cutover,
                                  propagation=propagation, cutover_date=cutover_date)
        run_config = configure_families(run_config, plan, family_flags, FAMILIES, language,
                                        plan_dir=config.parent if config else None)
        saved = load_baseline(baseline) if baseline is not None else None
        return execute(run_config, html=html_path, json_out=json_path,
                       quiet=quiet or to_stdout, baseline=saved, markdown=md_path, lang=language,
                       nagios=nagios, explain=not quiet)

    raise typer.Exit(int(_guarded(body)))


# -- demo ----------------------------------------------------------------------------------


@app.command(cls=PlainCommand, epilog=EXIT_CODE_HELP)
def demo(
    output_dir: Path = typer.Option(Path("preflight-demo"), "--output-dir", metavar="DIR", help="Where to write the demo reports."),
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Start the embedded lab on loopback, check its example migration, write HTML, JSON and Markdown.

    Exits 0 when the demo ran (whatever the example migration's verdict).
    """

    def body() -> ExitCode:
        from datetime import datetime, timezone

        from preflight.cli.demo import demo_config, demo_cutover, demo_target
        from preflight.engine import run
        from preflight.i18n.lang import resolve_lang
        from preflight.lab.environment import (
            lab_dns,
            lab_https,
            lab_mail,
            lab_smtp,
            lab_test_message,
        )
        from preflight.registry import FAMILIES
        from preflight.report import console
        from preflight.report.output import check_output_dir

        language = resolve_lang(lang)
        check_output_dir(output_dir)
        one_stdout(html=str(output_dir / "report.html"), json=str(output_dir / "report.json"),
                   markdown=str(output_dir / "report.md"), prints=True)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        with lab_dns() as server, lab_smtp(now) as smtp_server, lab_https(now) as https_server, \
                lab_mail(now) as mail_servers:
            say("cli_lab_dns", language, address=f"{server.address[0]}:{server.address[1]}")
            say("cli_lab_smtp", language, address=f"{smtp_server.address[0]}:{smtp_server.address[1]}")
            say("cli_lab_https", language, address=f"{https_server.address[0]}:{https_server.address[1]}")
            say("cli_lab_client", language, addresses=", ".join(f"{m.service.value} {m.address[0]}:{m.address[1]}"
                                                                for m in mail_servers))
            eml_path = output_dir / "message.eml"
            eml_path.write_bytes(lab_test_message(server, smtp_server, now, client_ip=str(demo_target().ips[0])))
            say("cli_lab_message", language, path=eml_path.resolve())
            report = run(demo_config(server, smtp=smtp_server, message=eml_path, https=https_server,
                                     mail=mail_servers, cutover_date=demo_cutover(now)),
                         families=FAMILIES, now=now)
        html_path, json_path = output_dir / "report.html", output_dir / "report.json"
        md_path = output_dir / "report.md"
        data = write_outputs(report, html=str(html_path), json_out=str(json_path), markdown=str(md_path),
                             lang=language)
        console.print_summary(data, language)
        say("cli_html_report", language, path=html_path.resolve())
        say("cli_json_report", language, path=json_path.resolve())
        return ExitCode.READY

    raise typer.Exit(int(_guarded(body)))


# -- render --------------------------------------------------------------------------------


@app.command(cls=PlainCommand, epilog=EXIT_CODE_HELP)
def render(
    report: Path = typer.Argument(..., help="A JSON report written by 'preflight check --json'."),
    html: Optional[str] = typer.Option(None, "--html", metavar="PATH", help="Write the HTML report here."),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="PATH|-", help="Write the (re-validated) JSON here ('-' = stdout)."),
    markdown: Optional[str] = MARKDOWN_OPTION,
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Render a saved JSON report again: after an upgrade, or in another language (--lang)."""

    def body() -> ExitCode:
        from preflight.errors import UsageError
        from preflight.i18n.lang import resolve_lang
        from preflight.i18n.localize import localize
        from preflight.report import json as report_json

        if html is None and json_out is None and markdown is None:
            raise UsageError("nothing to write: give --html PATH (or --json PATH, --markdown PATH)")
        to_stdout = one_stdout(html=html, json=json_out, markdown=markdown)
        data = report_json.load(report)
        language = resolve_lang(lang, saved=data.get("lang"))
        data = localize(data, language)
        render_outputs(data, html=html, json_out=json_out, quiet=to_stdout, lang=language, markdown=markdown)
        return ExitCode.READY

    raise typer.Exit(int(_guarded(body)))


# -- diff / history ---------------------------------------------------------------------------


@app.command(cls=PlainCommand, epilog="Exit codes: 0 no regressions and every baseline item rechecked, 1 regressions, "
                    "2 bad usage or input, 3 the later report left baseline items unchecked, "
                    "4 internal error, 130 interrupted (Ctrl-C), 141 stdout's reader stopped early, "
                    "143 terminated (SIGTERM). With --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
def diff(
    before: Path = typer.Argument(..., help="The baseline report (JSON), e.g. from before cutover."),
    after: Path = typer.Argument(..., help="A later report (JSON)."),
    html: Optional[str] = typer.Option(None, "--html", metavar="PATH", help="Write the later report with the comparison as HTML."),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="PATH|-", help="Write the later report with the comparison as JSON ('-' = stdout)."),
    markdown: Optional[str] = MARKDOWN_OPTION,
    lang: Optional[str] = LANG_OPTION,
    nagios: bool = NAGIOS_OPTION,
) -> None:
    """Compare two saved reports: regressions first, then what was resolved. Exit 1 on regressions."""

    def body() -> int:
        from preflight.engine.compare import compare, recheck_exit
        from preflight.i18n.lang import resolve_lang
        from preflight.i18n.localize import localize
        from preflight.report import console
        from preflight.report import json as report_json

        to_stdout = one_stdout(html=html, json=json_out, markdown=markdown,
                               nagios="-" if nagios else None, prints=True)
        old, new = report_json.load(before), report_json.load(after)
        language = resolve_lang(lang, saved=new.get("lang"))
        old, new = localize(old, language), localize(new, language)
        new["comparison"] = compare(old, new)
        render_outputs(new, html=html, json_out=json_out, quiet=to_stdout or nagios, lang=language,
                       markdown=markdown)
        if nagios:
            return print_nagios(new)
        if not to_stdout:
            console.print_comparison(new, language)
        return recheck_exit(new["comparison"])

    raise typer.Exit(int(_guarded(body)))


@app.command(cls=PlainCommand, epilog=EXIT_CODE_HELP)
def history(
    reports: list[Path] = typer.Argument(..., help="Dated JSON reports of the same migration."),
    html: str = typer.Option(..., "--html", metavar="PATH", help="Write the history view here."),
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Render a history view over several dated reports, such as daily rechecks after cutover."""

    def body() -> ExitCode:
        from preflight.engine.compare import history as build_history
        from preflight.i18n.lang import resolve_lang
        from preflight.i18n.localize import localize
        from preflight.report import json as report_json

        one_stdout(html=html)
        loaded = [report_json.load(p) for p in reports]
        latest = max(loaded, key=lambda d: str(d.get("generated_at", "")))
        language = resolve_lang(lang, saved=latest.get("lang"))
        latest = localize(latest, language)
        latest["history"] = build_history(loaded)
        render_outputs(latest, html=html, json_out=None, lang=language)
        return ExitCode.READY

    raise typer.Exit(int(_guarded(body)))


# -- lists ---------------------------------------------------------------------------------


@app.command(
    cls=PlainCommand,
    name="lists",
    epilog="Exit codes: 0 done (with --probe: every enabled list is usable), 2 bad usage or input, "
           "3 (--probe) an enabled list is not usable from this resolver, 4 internal error, "
           "130 interrupted (Ctrl-C), 141 stdout's reader stopped early, 143 terminated (SIGTERM).",
)
def lists_command(
    probe: bool = typer.Option(False, "--probe", help="Self-test the lists through the resolver (RFC 5782 test entries only)."),
    nameserver: list[str] = typer.Option(
        [], "--nameserver", metavar="HOST[:PORT]", help="Resolver to probe through, HOST[:PORT] (repeatable; default: the system resolver)."
    ),
    timeout: Optional[float] = typer.Option(None, "--timeout", metavar="SECONDS", help="Seconds to wait for each DNS answer (default 3)."),
    spamhaus_dqs_key: Optional[str] = typer.Option(
        None, "--spamhaus-dqs-key", metavar="KEY", envvar="PREFLIGHT_SPAMHAUS_DQS_KEY", show_envvar=True, show_default=False,
        help="Spamhaus DQS key: probe the DQS names of the Spamhaus zones (never printed).",
    ),
    config: Optional[Path] = typer.Option(None, "--config", metavar="PLAN.toml", help="TOML migration plan; its [blocklists] table decides what is enabled."),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="PATH|-", help="Write the list as JSON here ('-' = stdout)."),
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Show the blocklist catalogue: id, zone, kind, subjects, enabled, status, why it is (not) on by default (and, with --probe, usable now)."""

    def body() -> ExitCode:
        import json

        from preflight.checks.blocklists import listing
        from preflight.checks.blocklists import settings as blocklist_settings
        from preflight.config import load_plan, parse_timeout
        from preflight.data.loader import load_catalogue
        from preflight.i18n.lang import resolve_lang
        from preflight.net.dns import DnsClient, DnsConfig, Nameserver
        from preflight.report.output import write_text

        no_empty(nameserver=nameserver, spamhaus_dqs_key=spamhaus_dqs_key, json=json_out, lang=lang)
        one_stdout(json=json_out, prints=True)
        plan = load_plan(config) if config is not None else {}
        language = resolve_lang(lang, plan=plan)
        settings = blocklist_settings.from_options(plan, dqs_key=spamhaus_dqs_key)
        catalogue = load_catalogue()
        probes = None
        if probe:
            servers = tuple(Nameserver.parse(n) for n in nameserver) if nameserver \
                else tuple(plan.get("nameservers", ()))
            seconds = parse_timeout(timeout) if timeout is not None else plan.get("timeout", 3.0)
            client = DnsClient(DnsConfig(nameservers=servers, timeout=seconds))
            probes = listing.probe_zones(client, catalogue, settings)
        rows = listing.catalogue_rows(catalogue, settings, probes, language)
        if json_out:
            text = json.dumps({"catalogue": catalogue.curated, "zones": rows}, indent=2, allow_nan=False) + "\n"
            written = write_text(json_out, text)
            if written:
                say("cli_wrote", language, path=written)
        if json_out != "-":
            typer.echo(listing.format_table(rows, language), nl=False)
        bad = listing.unusable_enabled(rows)
        if bad:
            say("cli_lists_unusable", language, lists=", ".join(bad))
            return ExitCode.INCONCLUSIVE
        return ExitCode.READY

    raise typer.Exit(int(_guarded(body)))

