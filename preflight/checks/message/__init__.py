"""The ``message.*`` family: the receiver's own verdict on a test message saved as ``.eml``.

Pure modules, each with one job: :mod:`.source` (reading the file, bounded), :mod:`.headers`
(header fields), :mod:`.received` (the Received chain and the hop of departure), :mod:`.authresults`
(Authentication-Results), :mod:`.alignment` (DMARC alignment), :mod:`.senderrules` and
:mod:`.spamsignals`; :mod:`.verify` does our own DKIM/SPF/DMARC verification (all I/O, through
preflight's DNS layer); :mod:`.evaluate` turns the facts into results. Nothing here is imported at
start-up: ``dkimpy`` and ``authres`` load only when a message is analysed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from preflight.checks.message import outcomes
from preflight.checks.message.settings import OPTIONS, MessageSettings, configure
from preflight.engine.family import Family, outcomes_in
from preflight.model import FamilyOutput

if TYPE_CHECKING:
    from preflight.engine import RunConfig, RunContext

__all__ = ["FAMILY", "MessageSettings"]


def _idle(config: RunConfig) -> bool:
    """Nothing to do: no ``--message`` (``family.run`` would return an empty output)."""
    settings = config.settings_of(MessageSettings)
    return settings is None or not settings.messages


def _run(ctx: RunContext) -> FamilyOutput:
    if _idle(ctx.config):
        return FamilyOutput()
    from preflight.checks.message import family

    return family.run(ctx)


FAMILY = Family(
    "message", _run, options=OPTIONS, settings=MessageSettings, configure=configure,
    outcomes=lambda: outcomes_in(outcomes), sections=("messages",), idle=_idle,
)
"""Received-message analysis (see :class:`preflight.engine.Family`). Its plan key ``messages`` is a
top-level key of the plan (:mod:`preflight.config`)."""
