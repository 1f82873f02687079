"""The Family interface: everything one check family declares, in one place.

A family is a package ``preflight/checks/<name>/`` whose ``__init__`` exposes ``FAMILY``, one
:class:`Family` value naming (the ``__init__`` stays light — no dnspython, paramiko, … — so the CLI
can build its options from :mod:`preflight.registry` and still start fast; the checks themselves
load when the family runs):

* ``run`` — the entry point: ``collect()`` (all I/O, through :mod:`preflight.net`) then pure
  ``evaluate()`` functions (facts in, results out);
* ``settings`` / ``configure`` — its typed, frozen settings object and how it is built from the
  plan and the command line (:class:`Setup`); a run carries it in
  :attr:`RunConfig.settings <preflight.engine.runconfig.RunConfig.settings>`;
* ``plan`` — the ``[section]`` tables of the migration plan it reads (key → validator);
* ``options`` — the ``preflight check`` options it adds (:class:`CliOption`, no typer here);
* ``outcomes`` — every named :class:`~preflight.model.Outcome` it can produce;
* ``sections`` — the keys of the report sections it writes.

:mod:`preflight.registry` lists the families; the plan loader and the CLI are built from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from preflight.model import FamilyOutput, Outcome
from preflight.values import Validator

if TYPE_CHECKING:
    from preflight.engine.runconfig import RunConfig
    from preflight.engine.runner import RunContext


@dataclass(frozen=True)
class CliOption:
    """One option a family adds to ``preflight check`` (the CLI turns it into a typer option).

    ``name`` is the key under which :attr:`Setup.flags` carries the value. The value is a list
    when ``many`` (repeatable), else ``kind`` or ``default``. With ``secret_prompt``, the option is
    a switch: when given, the CLI asks for a secret on the terminal (hidden input) and the family
    gets that text instead (``None`` when the switch is off).
    """

    name: str
    flags: str
    """``--smtp-timeout``, or a pair such as ``--blocklists/--no-blocklists``."""
    help: str
    kind: type = str
    """``str``, ``float``, ``bool`` or ``pathlib.Path``."""
    many: bool = False
    default: Any = None
    metavar: str | None = None
    envvar: str | None = None
    secret_prompt: str | None = None
    """Catalogue key (``ui``) of the prompt for a secret asked on the terminal."""
    secret_envvar: str | None = None
    """The environment variable to use instead when there is no terminal (named in the error)."""
    panel: str | None = None
    """The group it is listed under in ``preflight check --help`` ("SMTP", "SSH", ...)."""


@dataclass(frozen=True)
class Setup:
    """What a family's ``configure`` gets: the validated plan (flat keys such as ``smtp.timeout``),
    the flag values of every family's options by :attr:`CliOption.name` (its own, and options it
    shares with others such as the smtp family's ``--ca-file``), and the run config built so far
    (target, resolver, and the settings of the families before it in the registry)."""

    plan: Mapping[str, Any]
    flags: Mapping[str, Any]
    config: RunConfig
    plan_dir: Path | None = None
    """The folder of the plan file, if one was given (plan paths are relative to it)."""


@dataclass(frozen=True)
class Family:
    """A named group of checks, and everything it declares (see the module docstring)."""

    name: str
    run: Callable[[RunContext], FamilyOutput]
    plan: Mapping[str, Mapping[str, Validator]] = field(default_factory=dict)
    """The plan-file tables this family reads: ``[section]`` name → key validators."""
    options: tuple[CliOption, ...] = ()
    settings: type | None = None
    """The type of its settings object (a frozen dataclass), if it has one."""
    configure: Callable[[Setup], object | None] | None = None
    """Build the settings object from plan + flags (``None``: the family stays off)."""
    outcomes: Callable[[], tuple[Outcome, ...]] = tuple
    """Every outcome it can produce (a function: the modules declaring them load on first use)."""
    sections: tuple[str, ...] = ()
    """Keys of the report sections it may add (``FamilyOutput.sections``)."""
    idle: Callable[[RunConfig], bool] | None = None
    """True when a run's config gives the family nothing to do (no ``--message``, no partner, no
    ``--ssh``): its ``run`` then returns an empty output without loading its checks, and the
    runner does not load them beforehand either."""
    early: bool = False
    """Its ``run`` starts beside the resolver probe instead of after it: it only asks DNS through
    ``ctx.dns``, or waits for :meth:`RunContext.resolver_answered` before any other I/O (SMTP,
    HTTPS). When the resolver turns out silent its questions fail at once and its output is
    dropped; a family that is not early starts only once the probe heard the resolver."""


def outcomes_in(*modules: ModuleType | Iterable[Outcome]) -> tuple[Outcome, ...]:
    """Every :class:`Outcome` constant of ``modules`` (or listed directly), in declaration order."""
    found: dict[tuple[str, str], Outcome] = {}
    for source in modules:
        values: Iterable[object] = vars(source).values() if isinstance(source, ModuleType) else source
        for value in values:
            if isinstance(value, Outcome):
                found.setdefault((value.check_id, value.name), value)
    return tuple(found.values())
