"""Values every check produces and every report consumes. No I/O here."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from preflight import __version__
from preflight.exitcodes import ExitCode
from preflight.textsafe import clean


class Status(str, Enum):
    """Outcome class of one check on one subject."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    """Could not determine (timeout, SERVFAIL, refused, auth failure). Never a pass, never a fail."""
    SKIP = "skip"


class Verdict(str, Enum):
    """Readiness of the whole migration."""

    READY = "ready"
    READY_WITH_WARNINGS = "ready_with_warnings"
    NOT_READY = "not_ready"
    INCONCLUSIVE = "inconclusive"


def verdict_for(statuses: Iterable[Status]) -> Verdict:
    """Any fail → not ready; else any error → inconclusive; else any warn → warnings; else ready."""
    seen = set(statuses)
    if Status.FAIL in seen:
        return Verdict.NOT_READY
    if Status.ERROR in seen:
        return Verdict.INCONCLUSIVE
    if Status.WARN in seen:
        return Verdict.READY_WITH_WARNINGS
    return Verdict.READY


def exit_code_for(verdict: Verdict, *, strict: bool = False) -> ExitCode:
    """Map a verdict to the process exit code (``--strict`` turns warnings into not ready)."""
    if verdict is Verdict.NOT_READY:
        return ExitCode.NOT_READY
    if verdict is Verdict.INCONCLUSIVE:
        return ExitCode.INCONCLUSIVE
    if verdict is Verdict.READY_WITH_WARNINGS and strict:
        return ExitCode.NOT_READY
    return ExitCode.READY


@dataclass(frozen=True)
class Evidence:
    """One raw observation: what was seen, and where it came from."""

    label: str
    value: str
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", clean(self.label, 300))
        object.__setattr__(self, "value", clean(self.value))
        object.__setattr__(self, "source", clean(self.source, 300))

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"label": self.label, "value": self.value, "source": self.source}


@dataclass(frozen=True)
class CheckResult:
    """The result of one check on one subject (an IP, a domain, a selector, a server...)."""

    check_id: str
    subject: str
    status: Status
    outcome: str
    params: Mapping[str, str] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", clean(self.subject, 300))
        object.__setattr__(
            self, "params", {str(k): clean(v, 600) for k, v in dict(self.params).items()}
        )
        object.__setattr__(self, "evidence", tuple(self.evidence))

    def __hash__(self) -> int:
        return hash((self.check_id, self.subject, self.status, self.outcome))


@dataclass(frozen=True)
class Outcome:
    """A named outcome a check can produce: its id, status, and the parameters its text uses.

    Each check module declares its outcomes as module constants; the message catalogue holds
    the words for ``(check_id, name)`` in every language. A test walks all of them.
    """

    check_id: str
    name: str
    status: Status
    params: tuple[str, ...] = ()

    def __call__(
        self, subject: str, evidence: Iterable[Evidence] = (), **params: object
    ) -> CheckResult:
        """Build the result for ``subject``; ``params`` must be exactly the declared ones."""
        if set(params) != set(self.params):
            raise TypeError(
                f"{self.check_id}.{self.name} takes params {sorted(self.params)}, "
                f"got {sorted(params)}"
            )
        return CheckResult(
            check_id=self.check_id,
            subject=subject,
            status=self.status,
            outcome=self.name,
            params={k: "" if v is None else str(v) for k, v in params.items()},
            evidence=tuple(evidence),
        )


def template_fields(template: str) -> set[str]:
    """Names a ``str.format`` template refers to (used to check the catalogue)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class FamilyOutput:
    """What one check family returns: its results plus optional report sections (JSON data)."""

    results: tuple[CheckResult, ...] = ()
    sections: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """The outcome of a run: inputs, resolver, results and extra sections."""

    generated_at: datetime
    target: dict[str, Any]
    resolver: dict[str, Any]
    results: tuple[CheckResult, ...]
    sections: dict[str, Any] = field(default_factory=dict)
    tool_version: str = __version__

    @property
    def verdict(self) -> Verdict:
        """The readiness verdict derived from the results."""
        return verdict_for(r.status for r in self.results)
