"""The engine: what a run is (RunConfig, RunContext), the Family interface, bounded pools, the runner.

Families import from here; the engine never imports a family (the list of families is
:mod:`preflight.registry`, above the checks). The Family interface (:mod:`.family`) is light and
loaded at once; the runner and the run config (which need dnspython) load on first use, so the
CLI can build its options from the registry and still start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import CliOption, Family, Setup, outcomes_in

if TYPE_CHECKING:
    from preflight.engine.runconfig import RunConfig, Target
    from preflight.engine.runner import (
        FAMILY_CRASHED,
        Observer,
        Report,
        RunContext,
        RunMemo,
        concurrent_map,
        run,
    )

__all__ = [
    "FAMILY_CRASHED", "CliOption", "Family", "Observer", "Report", "RunConfig", "RunContext", "RunMemo",
    "Setup", "Target", "concurrent_map", "outcomes_in", "run",
]

_RUNCONFIG = frozenset({"RunConfig", "Target"})
_RUNNER = frozenset({"FAMILY_CRASHED", "Observer", "Report", "RunContext", "RunMemo", "concurrent_map", "run"})


def __getattr__(name: str) -> Any:
    """The run config and the runner, imported on first use."""
    if name in _RUNCONFIG:
        from preflight.engine import runconfig

        return getattr(runconfig, name)
    if name in _RUNNER:
        from preflight.engine import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'preflight.engine' has no attribute {name!r}")
