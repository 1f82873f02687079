"""Console output: a transient progress line on stderr while checking, then the summary on stdout.

An observer of the run: the core never prints. The verdict and summary go to stdout (so
``preflight check … > log.txt`` keeps them) unless stdout carries a machine output (``--json -``,
``--markdown -``): then the caller passes ``quiet`` and nothing but that output reaches stdout.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui
from preflight.model import FamilyOutput

_STYLE = {"fail": "bold red", "error": "bold magenta", "warn": "yellow", "pass": "green", "skip": "dim"}
_VERDICT_STYLE = {"ready": "bold green", "ready_with_warnings": "bold yellow",
                  "not_ready": "bold red", "inconclusive": "bold magenta"}


def _console(stderr: bool = True) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


ESTIMATE_AFTER = 3.0
"""Seconds a family runs before the progress line adds an estimate of the time left."""
UPDATE_EVERY = 0.1
"""Seconds between two redraws of the progress line (a batch answers thousands of queries)."""


def number(value: int, lang: str = DEFAULT_LANG) -> str:
    """``1265`` → ``1,265`` (both languages group thousands with a comma)."""
    return f"{value:,}"


class ProgressText:
    """The words of the progress line: running families, query counts, and an estimate past 3 s.

    Pure state (the clock is passed in), so it is tested without a terminal.
    """

    def __init__(self, lang: str = DEFAULT_LANG, clock: Callable[[], float] = time.monotonic) -> None:
        self.lang = lang
        self.clock = clock
        self.running: dict[str, float] = {}
        self.counts: dict[str, tuple[int, int]] = {}

    def started(self, name: str) -> None:
        self.running[name] = self.clock()

    def finished(self, name: str) -> None:
        self.running.pop(name, None)
        self.counts.pop(name, None)

    def progress(self, name: str, done: int, total: int) -> None:
        self.counts[name] = (done, total)

    def _family(self, name: str) -> str:
        if name not in self.counts:
            return name
        done, total = self.counts[name]
        text = ui("cli_progress_queries", self.lang, family=name, done=number(done, self.lang),
                  total=number(total, self.lang))
        elapsed = self.clock() - self.running.get(name, self.clock())
        if elapsed >= ESTIMATE_AFTER and 0 < done < total:
            left = max(1, round(elapsed * (total - done) / done))
            text += " · " + ui("cli_progress_left", self.lang, seconds=left)
        return text

    def text(self) -> str:
        if not self.running:
            return ui("cli_done", self.lang)
        return ui("cli_checking_families", self.lang, families=", ".join(self._family(n) for n in self.running))


class Progress:
    """A transient spinner on stderr naming the check families still running, with query counts."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self._text = ProgressText(lang)
        self._console = _console()
        self._lock = threading.Lock()
        self._drawn = 0.0
        self._status = self._console.status(ui("cli_checking", lang))
        self._status.start()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._drawn >= UPDATE_EVERY:
            self._drawn = now
            self._status.update(self._text.text())

    def family_started(self, name: str) -> None:
        with self._lock:
            self._text.started(name)
            self._draw(force=True)

    def family_progress(self, name: str, done: int, total: int) -> None:
        with self._lock:
            self._text.progress(name, done, total)
            self._draw()

    def family_finished(self, name: str, output: FamilyOutput) -> None:
        with self._lock:
            self._text.finished(name)
            self._draw(force=True)

    def close(self) -> None:
        self._status.stop()


def print_summary(data: dict[str, Any], lang: str = DEFAULT_LANG, limit: int = 40) -> None:
    """Verdict, counts, and the findings (fail, error, warn) as one line each."""
    from preflight.report.html import view_model

    view = view_model(data, lang)
    lines = [(f"{ui('cli_verdict', lang, verdict=view['verdict_text'])}", _VERDICT_STYLE[data["verdict"]]),
             (view["counts_text"], "")]
    if view["comparison"]:
        lines.append((view["comparison"]["summary"], "bold"))
    for item in view["findings"][:limit]:
        lines.append((f"  {_right(item['status_label'], 15)}  {item['check_id']}  {item['summary']}",
                      _STYLE[item["status"]]))
    if len(view["findings"]) > limit:
        lines.append((f"  {ui('cli_more', lang, count=len(view['findings']) - limit)}", "dim"))
    _emit(lines)


def _right(text: str, width: int) -> str:
    """Right-align in terminal cells (a Japanese character takes two)."""
    from rich.cells import cell_len

    return " " * max(0, width - cell_len(text)) + text


def _emit(lines: list[tuple[str, str]]) -> None:
    """The summary on stdout (colours on a terminal only)."""
    from rich.markup import escape

    from preflight.textsafe import visible

    con = _console(stderr=False) if sys.stdout.isatty() else None
    for raw, style in lines:
        text = visible(raw)  # a saved report (diff) can carry ANSI/OSC sequences: shown, never obeyed
        if con is not None:
            con.print(f"[{style}]{escape(text)}[/]" if style else escape(text))
        else:
            sys.stdout.write(text + "\n")
    sys.stdout.flush()


def print_comparison(data: dict[str, Any], lang: str = DEFAULT_LANG, limit: int = 40) -> None:
    """The comparison of two reports: summary line, then the changes, regressions first."""
    from preflight.report.html import state_labels, view_model

    view = view_model(data, lang)["comparison"]
    if not view:
        return
    states = state_labels(lang)
    lines = [(view["summary"], "bold")]
    shown = [c for c in view["changes"] if c["change"] != "changed"]
    for c in shown[:limit]:
        style = {"regression": "bold red", "new_problem": "bold red", "resolved": "green",
                 "unverified": "magenta"}.get(c["change"], "yellow")
        before, after = (states.get(x, x) if x else "—" for x in (c["before"], c["after"]))
        lines.append((f"  {_right(c['change_label'], 18)}  {c['label']}  {before} → {after}", style))
    if len(shown) > limit:
        lines.append((f"  {ui('cli_more', lang, count=len(shown) - limit)}", "dim"))
    _emit(lines)
