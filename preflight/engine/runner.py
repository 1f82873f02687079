"""Runs the check families concurrently and assembles the report.

Each family is one function ``run(ctx) -> FamilyOutput``. Families run side by side on a
bounded thread pool; inside a family, independent lookups run concurrently too. An
unexpected exception in a family becomes an ``error`` result, never a crash and never a pass.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

from preflight.engine.family import Family
from preflight.engine.runconfig import RunConfig
from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Report, Status
from preflight.net.dns import DnsClient, DnsError, reverse_name
from preflight.net.memo import Memo
from preflight.net.pool import concurrent_map

T = TypeVar("T")

__all__ = ["FAMILY_CRASHED", "Family", "Observer", "Report", "RunContext", "RunMemo", "concurrent_map", "run"]

FAMILY_CRASHED = Outcome("internal.family", "crashed", Status.ERROR, ("family", "error"))
RESOLVER_SILENT = Outcome("dns.resolver", "no_answer", Status.ERROR, ("resolver", "reason"))
"""The one result of a run whose resolver answered none of the first questions."""


class RunMemo(Memo):
    """Work several families need, done once per run: the first caller computes, later callers
    wait for its value (the new server's inventory feeds both the server and partners families).
    The primitive is :class:`preflight.net.memo.Memo`."""


class ProbeGate:
    """Whether the run's resolver answered the probe, for families started beside it.

    Open and alive unless the runner closes it: a context built outside a run never waits.
    """

    def __init__(self, *, closed: bool = False) -> None:
        self._heard = threading.Event()
        self._alive = True
        if not closed:
            self._heard.set()

    def open(self, alive: bool) -> None:
        """The probe is done: ``alive`` when some server answered."""
        self._alive = alive
        self._heard.set()

    def wait(self) -> bool:
        """Wait for the probe; True when the resolver answered."""
        self._heard.wait()
        return self._alive


@dataclass(frozen=True)
class RunContext:
    """What a family gets: the config, the run's one DNS client, and the run's clock."""

    config: RunConfig
    dns: DnsClient
    now: datetime
    baseline: dict[str, Any] | None = None
    """The saved report this run is compared with (``--baseline``), if any."""
    memo: RunMemo = field(default_factory=RunMemo, compare=False, repr=False)
    """Shared work of this run (see :class:`RunMemo`)."""
    observer: Observer | None = field(default=None, compare=False, repr=False)
    """Who watches the run (a progress display), if anyone."""
    probe: ProbeGate = field(default_factory=ProbeGate, compare=False, repr=False)
    """The resolver probe's verdict, for early families (see :meth:`resolver_answered`)."""

    def resolver_answered(self) -> bool:
        """Wait until the resolver probe is done; True when the resolver answered.

        An early family (:attr:`Family.early`) calls this before any I/O other than DNS (an SMTP
        probe, an HTTPS fetch) and skips that I/O when it returns False.
        """
        return self.probe.wait()

    def progress(self, family: str, done: int, total: int) -> None:
        """Tell the observer how far a family's queries got (``done`` of ``total``)."""
        hook = getattr(self.observer, "family_progress", None)
        if hook is not None:
            hook(family, done, total)


class Observer(Protocol):
    """Watches a run (progress display). The core never prints."""

    def family_started(self, name: str) -> None: ...

    def family_finished(self, name: str, output: FamilyOutput) -> None: ...

    # Optional: ``family_progress(name, done, total)`` hears how many of a family's queries are
    # answered (see :meth:`RunContext.progress`).


def _load(family: Family, config: RunConfig) -> None:
    """Import a family's checks before the threads start: a family package loads its checks on
    first use, and two threads importing modules that import each other can deadlock in importlib.
    An idle family (:attr:`Family.idle`) loads nothing: its ``run`` returns at once."""
    if family.idle is not None and family.idle(config):
        return
    module = getattr(family.run, "__module__", "") or ""
    if module.startswith("preflight.checks.") and module.count(".") == 2:
        importlib.import_module(module + ".family")


def _run_family(family: Family, ctx: RunContext) -> FamilyOutput:
    try:
        return family.run(ctx)
    except Exception as exc:  # noqa: BLE001 - turned into a visible error result
        where = traceback.extract_tb(exc.__traceback__)[-1]
        detail = f"{type(exc).__name__} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}"
        return FamilyOutput(
            results=(
                FAMILY_CRASHED(
                    family.name,
                    [Evidence("exception", detail, "preflight")],
                    family=family.name,
                    error=type(exc).__name__,
                ),
            )
        )


def _forget_library_caches() -> None:
    """checkdmarc caches DNS answers process-wide, keyed by name only, whatever resolver asked.

    A run must see its own resolver's answers, never an earlier run's (tests, the demo, or a
    long-lived process checking with another resolver).
    """
    import sys

    # A module still being imported (the checkdmarc preload of an earlier run in this process)
    # has no cache yet, so nothing from another run to forget.
    cache = getattr(sys.modules.get("checkdmarc.utils"), "DNS_CACHE", None)
    if cache is not None:
        cache.clear()


def probe_questions(config: RunConfig) -> list[tuple[str, str]]:
    """``. NS`` (every recursive resolver answers it) and up to three questions the run asks
    anyway (their answers stay cached for the families)."""
    target = config.target
    questions = [(".", "NS")]
    if target.hostname:
        questions.append((target.hostname, "A"))
    if target.domains:
        questions.append((target.domains[0], "MX"))
    if target.ips:
        questions.append((reverse_name(str(target.ips[0])), "PTR"))
    return questions


def silent_resolver(dns: DnsClient, questions: list[tuple[str, str]]) -> CheckResult | None:
    """The ``dns.resolver`` result when no server answered any of ``questions``, else None.

    One name timing out (a lame reverse zone) is that name's problem; every question timing
    out, refused or unreadable is the resolver's. An answer, NXDOMAIN, NODATA or a SERVFAIL for
    one name (a broken zone) shows the resolver is alive. The questions go out together: this costs at most about one ``--timeout`` per server.
    """
    if not questions:
        return None
    found = dns.gather(questions)
    errors = [f for f in found if isinstance(f, DnsError) and f.silent]
    if len(errors) < len(found):
        return None
    resolver = ", ".join(str(ns) for ns in dns.nameservers)
    return RESOLVER_SILENT(resolver, [e.evidence() for e in errors],
                           resolver=resolver, reason=errors[0].reason)


def run(
    config: RunConfig,
    *,
    families: Sequence[Family],
    observer: Observer | None = None,
    now: datetime | None = None,
    baseline: dict[str, Any] | None = None,
) -> Report:
    """Run ``families`` (all of them: :data:`preflight.registry.FAMILIES`) against ``config``
    and return the report."""
    _forget_library_caches()
    dns_client = DnsClient(config.dns)
    chosen = list(families)
    gate = ProbeGate(closed=bool(chosen))
    ctx = RunContext(config, dns_client, now or datetime.now(timezone.utc).replace(microsecond=0),
                     baseline, observer=observer, probe=gate)
    for family in chosen:
        _load(family, config)
    outputs: dict[str, FamilyOutput] = {}
    # Every family gets a thread of its own: none waits for another's to free up. Early families
    # (DNS only) start beside the resolver probe, whose questions are theirs too; the others
    # start once the probe heard the resolver.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(chosen))) as pool:
        futures: dict[concurrent.futures.Future[FamilyOutput], Family] = {}

        def start(group: list[Family]) -> None:
            for family in group:
                if observer:
                    observer.family_started(family.name)
                futures[pool.submit(_run_family, family, ctx)] = family

        start([f for f in chosen if f.early])
        try:
            silent = silent_resolver(dns_client, probe_questions(config)) if chosen else None
        except BaseException:  # interrupted: the early families stop asking too
            dns_client.silence(DnsError(".", "NS", "interrupted", "-"))
            gate.open(alive=False)
            raise
        if silent is not None:
            dns_client.silence(DnsError(".", "NS", "the resolver did not answer", "-"))
        gate.open(alive=silent is None)
        if silent is not None:  # one clear result instead of one "could not check" per question
            concurrent.futures.wait(futures)  # early families: their questions now fail at once
            return Report(generated_at=ctx.now, target=config.target.to_dict(),
                          resolver=dns_client.describe(), results=(silent,))
        start([f for f in chosen if not f.early])
        for done in concurrent.futures.as_completed(futures):
            family = futures[done]
            outputs[family.name] = done.result()
            if observer:
                observer.family_finished(family.name, outputs[family.name])
    results: list[CheckResult] = []
    sections: dict[str, Any] = {}
    for family in chosen:
        results.extend(outputs[family.name].results)
        sections.update(outputs[family.name].sections)
    return Report(
        generated_at=ctx.now,
        target=config.target.to_dict(),
        resolver=dns_client.describe(),
        results=tuple(results),
        sections=sections,
    )
