"""Command line: parse options, build the run config, call the runner, write outputs, exit.

typer only. Heavy modules (dnspython, Jinja2, checkdmarc, paramiko) are imported inside the
commands so ``preflight --help`` starts fast. Messages go to stderr; stdout carries only
machine output (``--json -``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional

import typer

from preflight import __version__
from preflight.cli_options import LANG_OPTION, MARKDOWN_OPTION, one_stdout, say
from preflight.cli_partners import (
    PARTNER_IP_OPTION,
    PARTNER_OPTION,
    PARTNERS_FROM_LOG_OPTION,
    PARTNERS_LOG_DAYS_OPTION,
    PARTNERS_LOG_TOP_OPTION,
    SERVER_RBL_OPTION,
    with_partners,
)
from preflight.errors import PreflightError
from preflight.exitcodes import EXIT_CODE_HELP, ExitCode

if TYPE_CHECKING:
    from preflight.config import RunConfig
    from preflight.runner import Report

app = typer.Typer(
    name="preflight",
    help=(
        "Check a mail server migration before cutover: blocklists, PTR, SPF, DKIM, DMARC, MX, "
        "TTLs, and more; write an HTML report for the change request.\n\n" + EXIT_CODE_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: no Rich import, so `--help` starts fast
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"preflight {__version__}")
        raise typer.Exit(ExitCode.READY)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """preflight: readiness checks for moving mail to a new server."""


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    typer.echo(f"preflight: error: {message}", err=True)
    raise typer.Exit(int(code))


def _guarded(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a command body: our errors become one line + exit 2, anything else exit 4."""
    try:
        return fn(*args, **kwargs)
    except typer.Exit:
        raise
    except PreflightError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted", ExitCode.INTERNAL)
    except Exception as exc:  # noqa: BLE001 - last line of defence, no traceback with secrets
        _fail(f"internal error: {type(exc).__name__}: {exc} (please report this)", ExitCode.INTERNAL)


# -- check ---------------------------------------------------------------------------------


def build_config(
    plan: dict[str, Any],
    *,
    ips: list[str],
    hostname: str | None,
    domains: list[str],
    selectors: list[str],
    nameservers: list[str],
    timeout: float | None,
    strict: bool | None,
) -> RunConfig:
    """Merge the plan with flags (flags win) and validate everything."""
    from preflight.config import RunConfig, Target, parse_hostname, parse_ip, parse_selector, parse_timeout
    from preflight.errors import UsageError
    from preflight.net.dns import DnsConfig, Nameserver

    target = Target(
        ips=tuple(parse_ip(i) for i in ips) if ips else tuple(plan.get("ips", ())),
        hostname=parse_hostname(hostname) if hostname else plan.get("hostname"),
        domains=tuple(parse_hostname(d, "domain") for d in domains) if domains
        else tuple(plan.get("domains", ())),
        dkim_selectors=tuple(parse_selector(s) for s in selectors) if selectors
        else tuple(plan.get("dkim_selectors", ())),
    )
    if not target.ips:
        raise UsageError("give at least one --ip (or 'ips' in the plan file)")
    target = Target(
        ips=tuple(dict.fromkeys(target.ips)),
        hostname=target.hostname,
        domains=tuple(dict.fromkeys(target.domains)),
        dkim_selectors=tuple(dict.fromkeys(target.dkim_selectors)),
    )
    servers = tuple(Nameserver.parse(n) for n in nameservers) if nameservers \
        else tuple(plan.get("nameservers", ()))
    seconds = parse_timeout(timeout) if timeout is not None else plan.get("timeout", 3.0)
    return RunConfig(
        target=target,
        dns=DnsConfig(nameservers=servers, timeout=seconds),
        strict=strict if strict is not None else plan.get("strict", False),
        extras={k: v for k, v in plan.items() if "." in k},
    )


def with_cutover(config: RunConfig, plan: dict[str, Any], *, old_ips: list[str], after: bool | None,
                 propagation: bool) -> RunConfig:
    """Add the cutover settings (phase, old IPs, propagation resolvers) from flags and plan."""
    import dataclasses

    from preflight.config import parse_ip
    from preflight.errors import UsageError

    target = dataclasses.replace(
        config.target,
        old_ips=tuple(dict.fromkeys(parse_ip(i, "old IP address") for i in old_ips)) if old_ips
        else tuple(plan.get("old_ips", ())),
        phase=("after" if after else "before") if after is not None else plan.get("phase", "before"),
    )
    servers = ()
    if propagation or plan.get("propagation_nameservers"):
        servers = tuple(plan.get("propagation_nameservers") or config.dns.nameservers)
        if len(servers) < 2:
            raise UsageError("--propagation needs two or more resolvers (--nameserver, or "
                             "propagation_nameservers in the plan)")
    return dataclasses.replace(config, target=target, propagation=servers)


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a saved report to compare with (one-line error when it is not one)."""
    from preflight.report import json as report_json

    return report_json.load(path)


def execute(config: RunConfig, *, html: str | None, json_out: str | None,
            quiet: bool = False, baseline: dict[str, Any] | None = None,
            markdown: str | None = None, lang: str = "en") -> ExitCode:
    """Run the checks for ``config``, write the reports, print the summary; return the exit code.

    With a baseline, the report gains a comparison section, and regressions exit 1.
    """
    from preflight.model import exit_code_for
    from preflight.report import console
    from preflight.runner import run

    observer = console.Progress(lang) if not quiet and sys.stderr.isatty() else None
    try:
        report = run(config, observer=observer, baseline=baseline)
    finally:
        if observer:
            observer.close()
    data = write_outputs(report, html=html, json_out=json_out, quiet=quiet, baseline=baseline,
                         markdown=markdown, lang=lang)
    if not quiet:
        console.print_summary(data, lang)
    code = exit_code_for(report.verdict, strict=config.strict)
    if data.get("comparison", {}).get("regressions"):
        code = ExitCode.NOT_READY
    return code


def write_outputs(report: Report, *, html: str | None, json_out: str | None,
                  quiet: bool = False, lang: str = "en",
                  baseline: dict[str, Any] | None = None, markdown: str | None = None) -> dict[str, Any]:
    """Write the requested report files (with a comparison when a baseline is given)."""
    from preflight.compare import compare
    from preflight.report import json as report_json

    data = report_json.to_dict(report, lang)
    if baseline is not None:
        data["comparison"] = compare(baseline, data)
    render_outputs(data, html=html, json_out=json_out, quiet=quiet, lang=lang, markdown=markdown)
    return data


def render_outputs(data: dict[str, Any], *, html: str | None, json_out: str | None,
                   quiet: bool = False, lang: str = "en", markdown: str | None = None) -> None:
    """Write HTML/JSON/Markdown renderings of a report dict."""
    from preflight.report import html as report_html
    from preflight.report import json as report_json
    from preflight.report import markdown as report_markdown
    from preflight.report.output import write_text

    if html:
        written = write_text(html, report_html.render(data, lang))
        if written and not quiet:
            say("cli_wrote", lang, path=written)
    if json_out:
        written = write_text(json_out, report_json.dumps(data))
        if written and not quiet:
            say("cli_wrote", lang, path=written)
    if markdown:
        written = write_text(markdown, report_markdown.render(data, lang, html_path=html if html != "-" else None))
        if written and not quiet:
            say("cli_wrote", lang, path=written)


def with_ssh(config: RunConfig, plan: dict[str, Any], *, new: str | None, old: str | None,
             key_file: str | None, known_hosts: str | None, accept_new: bool | None,
             prompt: bool) -> RunConfig:
    """Add the SSH inventory settings (``--ssh`` / ``[ssh]``); prompt for a password if asked."""
    from preflight.checks.server import settings as ssh_settings
    from preflight.errors import UsageError

    password = None
    if prompt:
        if not sys.stdin.isatty():
            raise UsageError(
                f"--ssh-password needs a terminal to prompt; set {ssh_settings.PASSWORD_ENV} instead"
            )
        password = typer.prompt("SSH password", hide_input=True, err=True)
    found = ssh_settings.from_options(plan, new=new, old=old, key_file=key_file,
                                      known_hosts=known_hosts, accept_new=accept_new, password=password)
    return ssh_settings.with_settings(config, found) if found is not None else config


@app.command(epilog=EXIT_CODE_HELP)
def check(
    ip: list[str] = typer.Option([], "--ip", help="A new IP of the server (repeat for IPv4 and IPv6)."),
    hostname: Optional[str] = typer.Option(None, "--hostname", help="The new server's HELO/EHLO name."),
    domain: list[str] = typer.Option([], "--domain", help="A domain that sends through the server (repeatable)."),
    dkim_selector: list[str] = typer.Option([], "--dkim-selector", help="DKIM selector to check (repeatable)."),
    nameserver: list[str] = typer.Option(
        [], "--nameserver", help="Resolver to query, HOST[:PORT] (repeatable; default: the system resolver)."
    ),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds to wait for each DNS answer (default 3)."),
    spamhaus_dqs_key: Optional[str] = typer.Option(
        None, "--spamhaus-dqs-key", envvar="PREFLIGHT_SPAMHAUS_DQS_KEY", show_envvar=True, show_default=False,
        help="Spamhaus DQS key: ask <key>.<zone>.dq.spamhaus.net instead of the public mirrors (never shown in reports).",
    ),
    blocklists: Optional[bool] = typer.Option(
        None, "--blocklists/--no-blocklists", help="Check DNS blocklists and reputation (default: on)."
    ),
    neighbourhood: Optional[bool] = typer.Option(
        None, "--neighbourhood/--no-neighbourhood",
        help="Also check the IPv4 /24 around each IP on the block lists (collateral risk).",
    ),
    smtp: list[str] = typer.Option(
        [], "--smtp", help="SMTP server to probe, HOST[:PORT] (repeatable; default: each --ip on port 25)."
    ),
    no_smtp: bool = typer.Option(False, "--no-smtp", help="Do not probe any SMTP server."),
    smtp_timeout: Optional[float] = typer.Option(
        None, "--smtp-timeout", help="Seconds to wait for each SMTP reply (default 10)."
    ),
    ca_file: Optional[Path] = typer.Option(
        None, "--ca-file", help="PEM file of CAs to verify the SMTP certificate against (default: system CAs)."
    ),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML migration plan; flags override it."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the HTML report here."),
    json_out: Optional[str] = typer.Option(None, "--json", help="Write the JSON report here ('-' = stdout)."),
    markdown: Optional[str] = MARKDOWN_OPTION,
    lang: Optional[str] = LANG_OPTION,
    strict: Optional[bool] = typer.Option(None, "--strict/--no-strict", help="Treat warnings as not ready (exit 1)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    baseline: Optional[Path] = typer.Option(
        None, "--baseline", help="A saved JSON report to compare with (exit 1 on regressions)."
    ),
    after_cutover: Optional[bool] = typer.Option(
        None, "--after-cutover/--before-cutover",
        help="Judge as after cutover: MX must point at the new server, old IPs should leave SPF.",
    ),
    old_ip: list[str] = typer.Option([], "--old-ip", help="An IP of the old server (repeatable)."),
    propagation: bool = typer.Option(
        False, "--propagation",
        help="Compare MX, SPF, A/AAAA and PTR across resolvers (plan: propagation_nameservers, "
             "else the --nameserver list).",
    ),
    ssh: Optional[str] = typer.Option(
        None, "--ssh", help="Inventory the new server over SSH, USER@HOST[:PORT] (read-only commands)."
    ),
    old_ssh: Optional[str] = typer.Option(
        None, "--old-ssh", help="Also inventory the old server, USER@HOST[:PORT], and compare settings."
    ),
    ssh_key: Optional[str] = typer.Option(
        None, "--ssh-key", help="Private key for SSH (default: ssh-agent, then ~/.ssh/id_*)."
    ),
    known_hosts: Optional[str] = typer.Option(
        None, "--known-hosts", help="known_hosts file to verify host keys (default ~/.ssh/known_hosts)."
    ),
    ssh_accept_new: Optional[bool] = typer.Option(
        None, "--ssh-accept-new", help="Record an unknown host key in known_hosts (never a changed one)."
    ),
    ssh_password: bool = typer.Option(
        False, "--ssh-password",
        help="Prompt for the SSH password (terminal only; or set PREFLIGHT_SSH_PASSWORD).",
    ),
    partner: list[str] = PARTNER_OPTION,
    partner_ip: list[str] = PARTNER_IP_OPTION,
    partners_from_log: Optional[bool] = PARTNERS_FROM_LOG_OPTION,
    partners_log_days: Optional[str] = PARTNERS_LOG_DAYS_OPTION,
    partners_log_top: Optional[str] = PARTNERS_LOG_TOP_OPTION,
    server_rbl: list[str] = SERVER_RBL_OPTION,
) -> None:
    """Check the new server and domains before cutover; write HTML/JSON reports."""

    def body() -> ExitCode:
        from preflight.config import load_plan
        from preflight.lang import resolve_lang

        plan = load_plan(config) if config else {}
        language = resolve_lang(lang, plan=plan)
        run_config = build_config(plan, ips=ip, hostname=hostname, domains=domain,
                                  selectors=dkim_selector, nameservers=nameserver,
                                  timeout=timeout, strict=strict)
        from preflight.checks.blocklists import settings as blocklist_settings

        run_config = blocklist_settings.with_settings(run_config, blocklist_settings.from_options(
            plan, dqs_key=spamhaus_dqs_key, neighbourhood=neighbourhood, enabled=blocklists))
        from preflight.checks.smtp.settings import from_options, with_settings

        run_config = with_settings(run_config, from_options(
            plan, ips=run_config.target.ips, domains=run_config.target.domains, targets=smtp,
            disabled=no_smtp, timeout=smtp_timeout, ca_file=str(ca_file) if ca_file else None,
        ))
        run_config = with_cutover(run_config, plan, old_ips=old_ip, after=after_cutover,
                                  propagation=propagation)
        run_config = with_ssh(run_config, plan, new=ssh, old=old_ssh, key_file=ssh_key,
                              known_hosts=known_hosts, accept_new=ssh_accept_new,
                              prompt=ssh_password)
        run_config = with_partners(run_config, plan, domains=partner, ips=partner_ip,
                                   from_log=partners_from_log, log_days=partners_log_days,
                                   log_top=partners_log_top, server_rbls=server_rbl)
        saved = load_baseline(baseline) if baseline else None
        html_path = html or plan.get("report.html")
        json_path = json_out or plan.get("report.json")
        md_path = markdown or plan.get("report.markdown")
        to_stdout = one_stdout(json=json_path, markdown=md_path)
        return execute(run_config, html=html_path, json_out=json_path,
                       quiet=quiet or to_stdout, baseline=saved, markdown=md_path, lang=language)

    raise typer.Exit(int(_guarded(body)))


# -- demo ----------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODE_HELP)
def demo(
    output_dir: Path = typer.Option(Path("preflight-demo"), "--output-dir", help="Where to write the demo reports."),
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Start the embedded lab on loopback, check its example migration, write HTML, JSON and Markdown.

    Exits 0 when the demo ran (whatever the example migration's verdict).
    """

    def body() -> ExitCode:
        from datetime import datetime, timezone

        from preflight.lab.environment import demo_config, lab_dns, lab_smtp
        from preflight.lang import resolve_lang
        from preflight.report import console
        from preflight.runner import run

        language = resolve_lang(lang)
        output_dir.mkdir(parents=True, exist_ok=True)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        with lab_dns() as server, lab_smtp(now) as smtp_server:
            say("cli_lab_dns", language, address=f"{server.address[0]}:{server.address[1]}")
            say("cli_lab_smtp", language, address=f"{smtp_server.address[0]}:{smtp_server.address[1]}")
            report = run(demo_config(server, smtp=smtp_server), now=now)
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


@app.command(epilog=EXIT_CODE_HELP)
def render(
    report: Path = typer.Argument(..., help="A JSON report written by 'preflight check --json'."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the HTML report here."),
    json_out: Optional[str] = typer.Option(None, "--json", help="Write the (re-validated) JSON here ('-' = stdout)."),
    markdown: Optional[str] = MARKDOWN_OPTION,
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Render a saved JSON report again (e.g. after an upgrade, or in another language with --lang)."""

    def body() -> ExitCode:
        from preflight.errors import UsageError
        from preflight.report import json as report_json

        from preflight.lang import resolve_lang
        from preflight.report.localize import localize

        if not html and not json_out and not markdown:
            raise UsageError("nothing to write: give --html PATH (or --json PATH, --markdown PATH)")
        to_stdout = one_stdout(json=json_out, markdown=markdown)
        data = report_json.load(report)
        language = resolve_lang(lang, saved=data.get("lang"))
        data = localize(data, language)
        render_outputs(data, html=html, json_out=json_out, quiet=to_stdout, lang=language, markdown=markdown)
        return ExitCode.READY

    raise typer.Exit(int(_guarded(body)))


# -- diff / history ---------------------------------------------------------------------------


@app.command(epilog="Exit codes: 0 no regressions, 1 regressions, 2 bad usage or input, 4 internal error.")
def diff(
    before: Path = typer.Argument(..., help="The baseline report (JSON), e.g. from before cutover."),
    after: Path = typer.Argument(..., help="A later report (JSON)."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the later report with the comparison as HTML."),
    json_out: Optional[str] = typer.Option(None, "--json", help="Write the later report with the comparison as JSON ('-' = stdout)."),
    markdown: Optional[str] = MARKDOWN_OPTION,
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Compare two saved reports: regressions first, then what was resolved. Exit 1 on regressions."""

    def body() -> ExitCode:
        from preflight.compare import compare
        from preflight.report import console
        from preflight.report import json as report_json

        from preflight.lang import resolve_lang
        from preflight.report.localize import localize

        to_stdout = one_stdout(json=json_out, markdown=markdown)
        old, new = report_json.load(before), report_json.load(after)
        language = resolve_lang(lang, saved=new.get("lang"))
        old, new = localize(old, language), localize(new, language)
        new["comparison"] = compare(old, new)
        render_outputs(new, html=html, json_out=json_out, quiet=to_stdout, lang=language, markdown=markdown)
        if not to_stdout:
            console.print_comparison(new, language)
        return ExitCode.NOT_READY if new["comparison"]["regressions"] else ExitCode.READY

    raise typer.Exit(int(_guarded(body)))


@app.command(epilog=EXIT_CODE_HELP)
def history(
    reports: list[Path] = typer.Argument(..., help="Dated JSON reports of the same migration."),
    html: str = typer.Option(..., "--html", help="Write the history view here."),
    lang: Optional[str] = LANG_OPTION,
) -> None:
    """Render a history view over several dated reports (e.g. daily rechecks after cutover)."""

    def body() -> ExitCode:
        from preflight.compare import history as build_history
        from preflight.report import json as report_json

        from preflight.lang import resolve_lang
        from preflight.report.localize import localize

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
    name="lists",
    epilog="Exit codes: 0 done (with --probe: every enabled list is usable), 2 bad usage or input, "
           "3 (--probe) an enabled list is not usable from this resolver, 4 internal error.",
)
def lists_command(
    probe: bool = typer.Option(False, "--probe", help="Self-test the lists through the resolver (RFC 5782 test entries only)."),
    nameserver: list[str] = typer.Option(
        [], "--nameserver", help="Resolver to probe through, HOST[:PORT] (repeatable; default: the system resolver)."
    ),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds to wait for each DNS answer (default 3)."),
    spamhaus_dqs_key: Optional[str] = typer.Option(
        None, "--spamhaus-dqs-key", envvar="PREFLIGHT_SPAMHAUS_DQS_KEY", show_envvar=True, show_default=False,
        help="Spamhaus DQS key: probe the DQS names of the Spamhaus zones (never printed).",
    ),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML migration plan; its [blocklists] table decides what is enabled."),
    json_out: Optional[str] = typer.Option(None, "--json", help="Write the list as JSON here ('-' = stdout)."),
) -> None:
    """Show the blocklist catalogue: id, zone, kind, subjects, enabled, status (and, with --probe, usable now)."""

    def body() -> ExitCode:
        import json

        from preflight.checks.blocklists import listing
        from preflight.checks.blocklists import settings as blocklist_settings
        from preflight.config import load_plan, parse_timeout
        from preflight.data.catalogue import load_catalogue
        from preflight.net.dns import DnsClient, DnsConfig, Nameserver
        from preflight.report.output import write_text

        plan = load_plan(config) if config else {}
        settings = blocklist_settings.from_options(plan, dqs_key=spamhaus_dqs_key)
        catalogue = load_catalogue()
        probes = None
        if probe:
            servers = tuple(Nameserver.parse(n) for n in nameserver) if nameserver \
                else tuple(plan.get("nameservers", ()))
            seconds = parse_timeout(timeout) if timeout is not None else plan.get("timeout", 3.0)
            client = DnsClient(DnsConfig(nameservers=servers, timeout=seconds))
            probes = listing.probe_zones(client, catalogue, settings)
        rows = listing.catalogue_rows(catalogue, settings, probes)
        if json_out:
            text = json.dumps({"catalogue": catalogue.curated, "zones": rows}, indent=2) + "\n"
            written = write_text(json_out, text)
            if written:
                typer.echo(f"wrote {written}", err=True)
        if json_out != "-":
            typer.echo(listing.format_table(rows), nl=False)
        bad = listing.unusable_enabled(rows)
        if bad:
            typer.echo(f"not usable from this resolver: {', '.join(bad)}", err=True)
            return ExitCode.INCONCLUSIVE
        return ExitCode.READY

    raise typer.Exit(int(_guarded(body)))


if __name__ == "__main__":  # pragma: no cover
    app()
