"""The engine: what a run is (RunConfig, RunContext), the Family protocol, bounded pools, the runner.

Families import from here; the engine never imports a family (the list of families is
:mod:`preflight.registry`, above the checks).
"""

from __future__ import annotations

from preflight.engine.runconfig import RunConfig, Target
from preflight.engine.runner import FAMILY_CRASHED, Family, Observer, Report, RunContext, RunMemo, concurrent_map, run

__all__ = [
    "FAMILY_CRASHED", "Family", "Observer", "Report", "RunConfig", "RunContext", "RunMemo", "Target",
    "concurrent_map", "run",
]
