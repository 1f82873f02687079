"""All DNS of the blocklist family, through the run's DnsClient, concurrently and bounded.

Stage 1 is one batch (:meth:`DnsClient.agather`): self-tests, lookups and Team Cymru origins
go out together, so one IP against the whole catalogue costs about one round trip; the PTR
lookups run alongside through the client's memo, which the rdns family shares. Stage 2 asks
what stage 1 revealed (TXT reasons, AS names, PTR names, the neighbourhood); a third, small
batch is needed only when a PTR name turns out to be listed. A dead list costs one timeout in
parallel with everything else, never a stall.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from preflight.checks.blocklists.health import Health, zone_health
from preflight.checks.blocklists.plan import Plan, SubjectRef, domain_subjects, ptr_names
from preflight.checks.blocklists.queries import Question, ZoneRef
from preflight.checks.blocklists.reputation import asn_question, origin_question, origins
from preflight.checks.blocklists.settings import DqsKey
from preflight.data.catalogue import Catalogue
from preflight.net.dns import DnsAnswer, DnsClient, DnsError

MAX_PTR_NAMES = 4
"""PTR names per IP looked up on the domain lists (as the rdns family does)."""

BATCH_LIMIT = 256
"""Queries in flight at once in a blocklist batch (at least the client's own bound): one IP on
every list, self-tests included, fits in one wave. A recursive resolver (unbound's default is
1024 queries per thread) takes that in its stride."""


@dataclass(frozen=True)
class Facts:
    """What DNS said: every answer by ``(qname, rdtype)``, the domain subjects, the PTRs."""

    answers: Mapping[tuple[str, str], DnsAnswer | DnsError]
    names: tuple[SubjectRef, ...]
    ptrs: Mapping[str, DnsAnswer | DnsError]


class Tally:
    """Queries asked and answered so far, for a progress display (``progress(done, total)``)."""

    def __init__(self, progress: Callable[[int, int], None] | None = None) -> None:
        self.progress = progress
        self.total = 0
        self.done = 0

    def asked(self, count: int) -> None:
        self.total += count
        self._tell()

    def answered(self) -> None:
        self.done += 1
        self._tell()

    def _tell(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)


async def _ask(dns: DnsClient, questions: Iterable[Question],
               answers: Mapping[tuple[str, str], DnsAnswer | DnsError], tally: Tally | None = None,
               ) -> dict[tuple[str, str], DnsAnswer | DnsError]:
    todo = list(dict.fromkeys(q.key for q in questions if q.key not in answers))
    limit = max(BATCH_LIMIT, dns.config.concurrency)
    if tally is not None:
        tally.asked(len(todo))
    got = await dns.agather(todo, limit=limit, on_answer=tally.answered if tally else None) if todo else []
    return {**answers, **dict(zip(todo, got))}


def _ptr(dns: DnsClient, ip: str) -> DnsAnswer | DnsError:
    return dns.ptr(ip)


async def acollect(dns: DnsClient, plan: Plan, catalogue: Catalogue,
                   progress: Callable[[int, int], None] | None = None) -> Facts:
    """Ask everything the plan needs (see the module docstring for the stages).

    ``progress(done, total)`` hears of every answered query (the total grows stage by stage)."""
    tally = Tally(progress)
    loop = asyncio.get_running_loop()
    public = [ip.subject for ip in plan.ips if ip.public]
    # The PTRs go through the client's memo (shared with rdns), on threads: one per IP up to the
    # client's concurrency, not the event loop's default executor (6 threads on 2 CPUs).
    workers = max(1, min(len(public), dns.config.concurrency))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        ptr_jobs = asyncio.gather(*(loop.run_in_executor(pool, _ptr, dns, ip) for ip in public))
        first = [*plan.probes(), *(q for _, _, q in plan.lookups((*plan.ips, *plan.names))),
                 *(origin_question(catalogue, ip) for ip in public)]
        answers = await _ask(dns, first, {}, tally)
        ptrs = dict(zip(public, await ptr_jobs))
    named = [*plan.named, *((name, ("ptr", name, ip))
                            for ip, answer in ptrs.items() for name in ptr_names(answer)[:MAX_PTR_NAMES])]
    names = domain_subjects(named)
    health = plan.health(answers)
    found = origins(catalogue, plan.ips, answers)
    second = [*plan.listings((*plan.ips, *plan.names), answers, health),
              *(q for _, _, q in plan.lookups(names)),
              *(asn_question(catalogue, asn) for asn in
                dict.fromkeys(origin.asns[0] for origin in found.values())),
              *plan.neighbourhood_questions(health)]
    answers = await _ask(dns, second, answers, tally)
    answers = await _ask(dns, plan.listings(names, answers, health), answers, tally)
    return Facts(answers, names, ptrs)


def collect(dns: DnsClient, plan: Plan, catalogue: Catalogue,
            progress: Callable[[int, int], None] | None = None) -> Facts:
    """Sync entry to :func:`acollect` (runs its own event loop: call from a worker thread)."""
    return asyncio.run(acollect(dns, plan, catalogue, progress))


def probe(dns: DnsClient, refs: Sequence[ZoneRef], key: DqsKey | None = None) -> dict[str, Health]:
    """Self-test every zone in one concurrent batch (``preflight lists --probe``)."""
    plan = Plan(refs=tuple(refs), ips=(), names=(), dqs_key=key)

    async def ask() -> dict[tuple[str, str], DnsAnswer | DnsError]:
        return await _ask(dns, plan.probes(), {})

    answers = asyncio.run(ask())
    return {ref.zone.id: zone_health(ref, answers, key, plan.nonce) for ref in refs}
