"""What a command does between parsing and exiting: plan + flags → run config, run, outputs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from preflight.cli.options import say
from preflight.exitcodes import ExitCode

if TYPE_CHECKING:
    from preflight.config import RunConfig
    from preflight.engine import Family
    from preflight.model import Report


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
    from preflight.config import (
        RunConfig,
        Target,
        parse_hostname,
        parse_ip,
        parse_selector,
        parse_timeout,
    )
    from preflight.errors import UsageError
    from preflight.net.dns import DnsConfig, Nameserver

    target = Target(
        ips=tuple(parse_ip(i) for i in ips) if ips else tuple(plan.get("ips", ())),
        hostname=parse_hostname(hostname) if hostname is not None else plan.get("hostname"),
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
    )


def with_cutover(config: RunConfig, plan: dict[str, Any], *, old_ips: list[str], after: bool | None,
                 propagation: bool, cutover_date: str | None = None) -> RunConfig:
    """Add the cutover settings (phase, old IPs, propagation resolvers) from flags and plan."""
    import dataclasses

    from preflight.errors import UsageError
    from preflight.values import Phase, parse_date, parse_ip

    target = dataclasses.replace(
        config.target,
        old_ips=tuple(dict.fromkeys(parse_ip(i, "old IP address") for i in old_ips)) if old_ips
        else tuple(plan.get("old_ips", ())),
        phase=(Phase.AFTER if after else Phase.BEFORE) if after is not None
        else plan.get("phase", Phase.BEFORE),
        cutover_date=parse_date(cutover_date) if cutover_date is not None else plan.get("cutover_date"),
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
            markdown: str | None = None, lang: str = "en", nagios: bool = False,
            families: list[Family] | None = None, explain: bool = True) -> int:
    """Run the checks for ``config``, write the reports, print the summary; return the exit code.

    With a baseline, the report gains a comparison section: any regression exits 1, else baseline
    items the run left unchecked exit 3, else the verdict decides. With ``nagios``, stdout gets
    one Monitoring Plugins line and the exit code is the plugin's (0 OK … 3 UNKNOWN).
    ``explain`` (off with ``--quiet``) says on stderr which flags the scope rule misses; a silent
    resolver is an error and always said.
    """
    from preflight.engine import run
    from preflight.engine.compare import recheck_exit
    from preflight.model import exit_code_for
    from preflight.registry import FAMILIES
    from preflight.report import console

    observer = console.Progress(lang) if not (quiet or nagios) and sys.stderr.isatty() else None
    try:
        report = run(config, families=families if families is not None else FAMILIES, observer=observer,
                     baseline=baseline)
    finally:
        if observer:
            observer.close()
    data = write_outputs(report, html=html, json_out=json_out, quiet=quiet or nagios,
                         baseline=baseline, markdown=markdown, lang=lang)
    explain_verdict(data, lang, scope=explain)
    if nagios:
        return print_nagios(data)
    if not quiet:
        console.print_summary(data, lang)
    code = exit_code_for(report.verdict, strict=config.strict)
    if "comparison" in data:
        code = max(code, recheck_exit(data["comparison"]),
                   key=lambda c: _RECHECK_ORDER.index(c))
    return code


_RECHECK_ORDER = (ExitCode.READY, ExitCode.INCONCLUSIVE, ExitCode.NOT_READY)
"""Exit codes of ``check --baseline``, weakest first: a regression beats unchecked items."""


def explain_verdict(data: dict[str, Any], lang: str, *, scope: bool = True) -> None:
    """One line on stderr when the run could not judge: a silent resolver, or parts not given.

    ``preflight: resolver 127.0.0.1:9 did not answer (timeout)``, or the flags to add.
    """
    results = [r for r in data.get("results", []) if isinstance(r, dict)]
    for r in results:
        if r.get("check_id") == "dns.resolver":
            params = r.get("params") or {}
            say("cli_resolver_silent", lang, resolver=params.get("resolver", ""),
                reason=params.get("reason", ""))
            return
    flags = [str((r.get("params") or {}).get("flag", "")) for r in results
             if str(r.get("check_id", "")).startswith("scope.")]
    if flags and scope:
        say("cli_scope_missing", lang, flags=", ".join(flags))


def print_nagios(data: dict[str, Any]) -> int:
    """Print the Monitoring Plugins line of a report dict on stdout; return the plugin code."""
    from preflight.report.nagios import nagios_line

    line, code = nagios_line(data)
    typer.echo(line)
    return code


def write_outputs(report: Report, *, html: str | None, json_out: str | None,
                  quiet: bool = False, lang: str = "en",
                  baseline: dict[str, Any] | None = None, markdown: str | None = None) -> dict[str, Any]:
    """Write the requested report files (with a comparison when a baseline is given)."""
    from preflight.engine.compare import compare
    from preflight.report import json as report_json

    data = report_json.to_dict(report, lang)
    if baseline is not None:
        data["comparison"] = compare(baseline, data)
    render_outputs(data, html=html, json_out=json_out, quiet=quiet, lang=lang, markdown=markdown)
    return data


def render_outputs(data: dict[str, Any], *, html: str | None, json_out: str | None,
                   quiet: bool = False, lang: str = "en", markdown: str | None = None) -> None:
    """Write HTML/JSON/Markdown renderings of a report dict."""
    from preflight.report import json as report_json
    from preflight.report.output import write_all
    from preflight.textsafe import visible

    # Every text is rendered first, then all files are written or none (see report.output).
    # Control characters are made visible in HTML and Markdown whatever their source (JSON
    # escapes them itself), so no output can drive a terminal.
    outputs: list[tuple[str, str]] = []
    if html is not None:  # the renderers load only when asked for (Jinja2 on a JSON-only run: no)
        from preflight.report import html as report_html

        outputs.append((html, visible(report_html.render(data, lang))))
    if json_out is not None:
        outputs.append((json_out, report_json.dumps(data)))
    if markdown is not None:
        from preflight.report import markdown as report_markdown

        outputs.append((markdown, visible(report_markdown.render(data, lang,
                                                               html_path=html if html != "-" else None))))
    for written in write_all(outputs):
        if written and not quiet:
            say("cli_wrote", lang, path=written)
