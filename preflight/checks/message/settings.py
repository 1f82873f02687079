"""Message-analysis settings: a frozen value in ``RunConfig.settings``, from plan and flags.

``check --message FILE.eml`` (repeatable) or the plan's top-level ``messages = ["test.eml"]``;
``preflight message FILE.eml`` builds the same. Files are read here, when the options are checked,
so a missing, unreadable or non-regular file is a usage error (exit 2) before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.checks.message.headers import parse_headers
from preflight.checks.message.source import MessageFile, read_message
from preflight.engine.family import CliOption, Setup
from preflight.errors import UsageError

PLAN_KEY = "messages"
MAX_MESSAGES = 20


@dataclass(frozen=True)
class MessageSettings:
    """The saved messages to analyse."""

    messages: tuple[MessageFile, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form (names and sizes only)."""
        return {"files": [{"name": m.name, "size": m.size, "truncated": m.truncated} for m in self.messages]}


def from_options(plan: Mapping[str, Any], files: Iterable[str | Path] = (),
                 base: Path | None = None) -> MessageSettings | None:
    """Flags win over the plan; plan paths are relative to the plan file's folder (``base``)."""
    given = [str(f) for f in files]
    if not given:
        given = [str((base / p) if base is not None and not Path(p).is_absolute() else p)
                 for p in plan.get(PLAN_KEY, ())]
    if not given:
        return None
    if len(given) > MAX_MESSAGES:
        raise UsageError(f"at most {MAX_MESSAGES} messages per run")
    loaded = tuple(read_message(p) for p in dict.fromkeys(given))
    for message in loaded:
        if not parse_headers(message.data, message.truncated).fields:
            raise UsageError(f"message file {message.name} is not an email message (no header fields)")
    return MessageSettings(loaded)


# -- the command line ------------------------------------------------------------------------------

OPTIONS: tuple[CliOption, ...] = (
    CliOption("message", "--message", many=True, metavar="FILE.eml",
              help="A test message sent from the new server and saved at the receiver as .eml (repeatable; "
                   "plan: messages): the receiver's verdict next to ours."),
)
"""The options ``preflight check`` gets from this family."""


def configure(setup: Setup) -> MessageSettings | None:
    """The messages of a run (``--message`` / plan ``messages``, relative to the plan's folder)."""
    return from_options(setup.plan, setup.flags.get("message") or (), setup.plan_dir)
