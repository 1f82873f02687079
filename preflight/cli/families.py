"""The families' part of ``preflight check``: their options (from the registry) and their settings.

A family declares its options as :class:`~preflight.engine.CliOption` values (no typer there);
:func:`with_family_options` turns them into typer options of a command taking ``**family_flags``,
and :func:`configure_families` hands each family its flag values, the plan and the run config so
far, and adds the settings object it returns to the run config.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, TypeVar

import typer

from preflight.engine.family import CliOption, Family, Setup

if TYPE_CHECKING:
    from preflight.engine import RunConfig

F = TypeVar("F", bound=Callable[..., Any])


def _annotation(option: CliOption) -> Any:
    if option.many:
        return list[option.kind]  # type: ignore[name-defined]
    if option.default is None:
        return Optional[option.kind]  # noqa: UP045 - typer reads the annotation at run time
    return option.kind


def _typer_option(option: CliOption) -> Any:
    extra: dict[str, Any] = {}
    if option.envvar:
        extra.update(envvar=option.envvar, show_envvar=True, show_default=False)
    if option.metavar:
        extra["metavar"] = option.metavar
    if option.panel:
        extra["rich_help_panel"] = option.panel
    default = [] if option.many else option.default
    return typer.Option(default, *option.flags.split(" "), help=option.help, **extra)


def with_family_options(options: Sequence[CliOption]) -> Callable[[F], F]:
    """Give a command taking ``**family_flags`` one typer option per family option."""

    def decorate(command: F) -> F:
        signature = inspect.signature(command)
        hints = typing.get_type_hints(command)
        params = [p.replace(annotation=hints.get(p.name, p.annotation))
                  for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        taken = {p.name for p in params}
        for option in options:
            if option.name in taken:
                raise ValueError(f"two options named {option.name!r}")
            taken.add(option.name)
            params.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY,
                                            default=_typer_option(option), annotation=_annotation(option)))
        command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params} | {"return": hints.get("return")}
        return command

    return decorate


def _flag_value(option: CliOption, value: Any, lang: str) -> Any:
    """The value a family gets: a secret switch becomes the secret typed on the terminal."""
    if option.secret_prompt is None:
        return value
    if not value:
        return None
    from preflight.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(f"{option.flags} needs a terminal to prompt; set {option.secret_envvar} instead")
    from preflight.i18n.messages import ui

    try:
        return typer.prompt(ui(option.secret_prompt, lang), hide_input=True, err=True)
    except typer.Abort:  # Ctrl-D (end of input) at the prompt: bad input, not an internal error
        raise UsageError(f"{option.flags}: no password typed (end of input)") from None


def configure_families(config: RunConfig, plan: Mapping[str, Any], flags: Mapping[str, Any],
                       families: Sequence[Family], lang: str, *, plan_dir: Path | None = None) -> RunConfig:
    """Add each family's settings (from the plan and its flags) to ``config``, in registry order."""
    values = {o.name: _flag_value(o, flags.get(o.name, [] if o.many else o.default), lang)
              for family in families for o in family.options}
    for family in families:
        if family.configure is None:
            continue
        settings = family.configure(Setup(plan=plan, flags=values, config=config, plan_dir=plan_dir))
        if settings is not None:
            config = config.with_settings(settings)
    return config
