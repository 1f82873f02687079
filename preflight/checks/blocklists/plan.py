"""What one blocklist run asks (pure): zones, subjects, and the questions for each stage.

Stage 1 (one round trip): every self-test, every IP on every zone that takes its kind, every
sending domain and HELO name on the domain zones, Team Cymru's origin of each IP.
Stage 2: the TXT reason of each listing, AS names, the domain zones for PTR names, and (when
asked) the /24 neighbourhood on the block lists that passed their self-test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from preflight.checks.blocklists.health import Answers, Health, read, zone_health
from preflight.checks.blocklists.queries import (
    Question,
    ZoneRef,
    is_public,
    kind_of,
    label_of,
    neighbours,
    new_nonce,
    probe_points,
    zone_refs,
)
from preflight.checks.blocklists.settings import BlocklistSettings, DqsKey
from preflight.data import suffixes
from preflight.data.catalogue import Catalogue, ListState, Subject, Zone, ZoneKind
from preflight.data.probes import needs_plausibility
from preflight.i18n.messages import Piece, encode, piece, render_coded, text_piece
from preflight.net.dns import DnsAnswer

LISTINGS = (ListState.LISTED, ListState.POLICY)
"""States whose TXT reason is read."""

NEIGHBOURHOOD_KINDS = (ZoneKind.BLOCK, ZoneKind.POLICY, ZoneKind.COLLATERAL)


Role = tuple[str, ...]
"""Why a subject is checked, as a code and its arguments: ``("new_ip",)``, ``("sending",)``,
``("helo", name)``, ``("ptr", name, ip)``. The words are ``ui.blocklist_role_<code>``."""

ROLE_PARAMS: dict[str, tuple[str, ...]] = {
    "new_ip": (), "sending": (), "helo": ("name",), "ptr": ("name", "ip")}


def role_piece(role: Role) -> Piece:
    """A role as coded text (unknown codes keep their arguments as words)."""
    code, *args = role
    names = ROLE_PARAMS.get(code)
    if names is None or len(names) != len(args):
        return text_piece(en=" ".join(role))
    return piece(f"blocklist_role_{code}", **dict(zip(names, args)))


def roles_text(roles: Iterable[Role], lang: str = "en") -> str:
    """Roles in words, joined (``""`` when there are none)."""
    return render_coded([role_piece(r) for r in roles], lang)


def roles_code(roles: Iterable[Role]) -> str:
    """Roles as stored coded text (``ROLES_i18n`` params)."""
    return encode([role_piece(r) for r in roles])


@dataclass(frozen=True)
class SubjectRef:
    """One thing looked up: an IP or a (registered) domain, and why it is checked."""

    subject: str
    kind: Subject
    roles: tuple[Role, ...] = ()
    public: bool = True


@dataclass(frozen=True)
class Plan:
    """Everything the run will ask, derived from the target and the settings."""

    refs: tuple[ZoneRef, ...]
    ips: tuple[SubjectRef, ...]
    names: tuple[SubjectRef, ...]
    """Domain subjects known before any lookup (sending domains, the HELO name)."""
    named: tuple[tuple[str, Role], ...] = ()
    """The ``(name, role)`` pairs ``names`` came from."""
    dead: tuple[Zone, ...] = ()
    neighbourhood: bool = False
    dqs_key: DqsKey | None = None
    nonce: str = field(default_factory=new_nonce)
    """This run's random label for the plausibility probe of zones without a negative test entry."""

    def lookups(self, subjects: Iterable[SubjectRef]) -> list[tuple[ZoneRef, SubjectRef, Question]]:
        """Every (zone, subject) pair to ask, with its question."""
        out = []
        for subject in subjects:
            if not subject.public:
                continue
            label = label_of(subject.subject, subject.kind)
            for ref in self.refs:
                if ref.zone.supports(subject.kind):
                    out.append((ref, subject, ref.question(label)))
        return out

    def probes(self) -> list[Question]:
        """Every self-test question."""
        out = [ref.question(label_of(point, kind))
               for ref in self.refs for point, kind, _ in probe_points(ref.zone)]
        out += [ref.question(self.nonce) for ref in self.refs if needs_plausibility(ref.zone)]
        return out

    def health(self, answers: Answers) -> dict[str, Health]:
        """Self-test result of each zone, by zone id."""
        return {ref.zone.id: zone_health(ref, answers, self.dqs_key, self.nonce) for ref in self.refs}

    def listings(self, subjects: Iterable[SubjectRef], answers: Answers,
                 health: Mapping[str, Health]) -> list[Question]:
        """TXT questions for every listing among ``subjects`` (one per listed entry)."""
        out = []
        for ref, subject, question in self.lookups(subjects):
            reading = read(ref, health[ref.zone.id], answers.get(question.key))
            if reading.state in LISTINGS:
                out.append(ref.question(label_of(subject.subject, subject.kind), "TXT"))
        return out

    def neighbour_refs(self, health: Mapping[str, Health]) -> list[ZoneRef]:
        """Block lists usable for the neighbourhood (self-test passed or not testable)."""
        return [ref for ref in self.refs
                if ref.zone.kind in NEIGHBOURHOOD_KINDS and ref.zone.supports(Subject.IPV4)
                and health[ref.zone.id].usable]

    def neighbourhood_questions(self, health: Mapping[str, Health]) -> list[Question]:
        """The /24 around each public IPv4 address, on the usable block lists."""
        if not self.neighbourhood:
            return []
        refs = self.neighbour_refs(health)
        out: list[Question] = []
        for ip in self.ips:
            if ip.public and ip.kind is Subject.IPV4:
                for other in neighbours(ip.subject):
                    label = label_of(other, Subject.IPV4)
                    out.extend(ref.question(label) for ref in refs)
        return out


def registered_domain(name: str) -> str:
    """The registered (organizational) domain of a host name, by the public suffix list."""
    return suffixes.registered_domain(name) or name


def domain_subjects(named: Iterable[tuple[str, Role]]) -> tuple[SubjectRef, ...]:
    """Domain subjects from ``(name, role)`` pairs: registered domains, roles merged, in order.

    Domain lists (SURBL, URIBL) list registered domains; DBL answers for any name under one.
    """
    roles: dict[str, list[Role]] = {}
    for name, role in named:
        clean = name.strip().rstrip(".").lower()
        if not clean or kind_of(clean) is not Subject.DOMAIN or "." not in clean:
            continue
        base = registered_domain(clean)
        bucket = roles.setdefault(base, [])
        if role not in bucket:
            bucket.append(role)
    return tuple(SubjectRef(d, Subject.DOMAIN, tuple(r)) for d, r in roles.items())


def ptr_names(answer: object) -> list[str]:
    """PTR names of an answer (empty for errors and absence)."""
    return list(answer.records) if isinstance(answer, DnsAnswer) else []


def build_plan(
    catalogue: Catalogue,
    settings: BlocklistSettings,
    *,
    ips: Iterable[str],
    domains: Iterable[str] = (),
    hostname: str | None = None,
) -> Plan:
    """The plan for one run (pure apart from the public-suffix lookup)."""
    subjects = tuple(
        SubjectRef(ip, kind_of(ip), (("new_ip",),), is_public(ip)) for ip in dict.fromkeys(ips)
    )
    named: list[tuple[str, Role]] = [(d, ("sending",)) for d in domains]
    if hostname:
        named.append((hostname, ("helo", hostname)))
    return Plan(
        refs=zone_refs(settings.chosen(catalogue), settings.dqs_key),
        ips=subjects,
        names=domain_subjects(named),
        named=tuple(named),
        dead=settings.dead,
        neighbourhood=settings.neighbourhood,
        dqs_key=settings.dqs_key,
    )
