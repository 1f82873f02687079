"""Message-analysis settings: a frozen value in ``RunConfig.extras["message"]``, from plan and flags.

``check --message FILE.eml`` (repeatable) or the plan's top-level ``messages = ["test.eml"]``;
``preflight message FILE.eml`` builds the same. Files are read here, when the options are checked,
so a missing, unreadable or non-regular file is a usage error (exit 2) before anything runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.checks.message.headers import parse_headers
from preflight.checks.message.source import MessageFile, read_message
from preflight.errors import UsageError

if TYPE_CHECKING:
    from preflight.engine import RunConfig

EXTRAS_KEY = "message"
PLAN_KEY = "messages"
MAX_MESSAGES = 20


@dataclass(frozen=True)
class MessageSettings:
    """The saved messages to analyse."""

    messages: tuple[MessageFile, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form (names and sizes only)."""
        return {"files": [{"name": m.name, "size": m.size, "truncated": m.truncated} for m in self.messages]}


def settings_of(config: RunConfig) -> MessageSettings | None:
    """The message settings of a run, or None."""
    found = config.extras.get(EXTRAS_KEY)
    return found if isinstance(found, MessageSettings) else None


def with_settings(config: RunConfig, settings: MessageSettings | None) -> RunConfig:
    """``config`` with ``settings`` in its extras (unchanged when None)."""
    if settings is None:
        return config
    return dataclasses.replace(config, extras={**config.extras, EXTRAS_KEY: settings})


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
