"""Console output on stderr: a transient progress line while checking, then the summary.

An observer of the run: the core never prints.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui
from preflight.model import FamilyOutput

_STYLE = {"fail": "bold red", "error": "bold magenta", "warn": "yellow", "pass": "green", "skip": "dim"}
_VERDICT_STYLE = {"ready": "bold green", "ready_with_warnings": "bold yellow",
                  "not_ready": "bold red", "inconclusive": "bold magenta"}


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class Progress:
    """A transient spinner naming the check families still running."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self._lang = lang
        self._console = _console()
        self._running: list[str] = []
        self._lock = threading.Lock()
        self._status = self._console.status(ui("cli_checking", lang))
        self._status.start()

    def family_started(self, name: str) -> None:
        with self._lock:
            self._running.append(name)
            self._status.update(ui("cli_checking_families", self._lang, families=", ".join(self._running)))

    def family_finished(self, name: str, output: FamilyOutput) -> None:
        with self._lock:
            if name in self._running:
                self._running.remove(name)
            families = ", ".join(self._running) or ui("cli_done", self._lang)
            self._status.update(ui("cli_checking_families", self._lang, families=families))

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
    from rich.markup import escape

    from preflight.textsafe import visible

    con = _console() if sys.stderr.isatty() else None
    for raw, style in lines:
        text = visible(raw)  # a saved report (diff) can carry ANSI/OSC sequences: shown, never obeyed
        if con is not None:
            con.print(f"[{style}]{escape(text)}[/]" if style else escape(text))
        else:
            sys.stderr.write(text + "\n")


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
