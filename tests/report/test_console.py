"""Console: progress with query counts and, past 3 s, an estimate; the summary goes to stdout."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from preflight.cli.demo import demo_config
from preflight.engine import run
from preflight.lab.environment import lab_dns
from preflight.model import FamilyOutput
from preflight.registry import FAMILIES
from preflight.report.console import ProgressText

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_names_counts_then_estimates() -> None:
    clock = Clock()
    text = ProgressText("en", clock=clock)
    text.started("blocklists")
    text.started("smtp")
    text.progress("blocklists", 412, 1265)
    # Given under 3 s: counts, no estimate
    assert text.text() == "checking: blocklists 412/1,265 queries, smtp"
    # Given 4 s for 412 of 1,265: about 8 s left
    clock.now += 4
    assert text.text() == "checking: blocklists 412/1,265 queries · about 8 s left, smtp"
    text.finished("blocklists")
    text.finished("smtp")
    assert text.text() == "done"


def test_progress_in_japanese() -> None:
    clock = Clock()
    text = ProgressText("ja", clock=clock)
    text.started("blocklists")
    text.progress("blocklists", 10, 1000)
    clock.now += 5
    assert text.text() == "確認中：blocklists 10/1,000 件の問い合わせ · 残り約 495 秒"


class Recorder:
    """An observer that keeps every progress report."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.finished: list[str] = []

    def family_started(self, name: str) -> None:
        pass

    def family_progress(self, name: str, done: int, total: int) -> None:
        self.seen.append((name, done, total))

    def family_finished(self, name: str, output: FamilyOutput) -> None:
        self.finished.append(name)


def test_the_blocklist_family_reports_its_queries() -> None:
    # Given the demo run on the lab with an observer that hears progress
    recorder = Recorder()
    with lab_dns() as dns:
        run(demo_config(dns), families=FAMILIES, observer=recorder, now=NOW)
    counts: list[Any] = [(done, total) for name, done, total in recorder.seen if name == "blocklists"]
    # Then it heard the blocklist batch count up to its total, never past it
    assert counts and all(0 <= done <= total for done, total in counts)
    assert counts[-1][0] == counts[-1][1] > 50
    assert "blocklists" in recorder.finished
