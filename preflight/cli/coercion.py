"""Plain option values without pydantic: typer's coercion for ``str``, ``int``, ``float``, ``bool``,
``Path`` and lists of them, when the value is an ordinary one.

typer (0.29 and later) converts every value of the invoked command — even an option left out,
even a ``str`` — through a pydantic ``TypeAdapter`` it builds on first use: importing pydantic and
building the adapters costs about 60 ms on every run (more than the rest of typer), for values that
are already strings. :class:`PlainGroup` and :class:`PlainCommand` give each parameter of the
command being run a :class:`PlainValue` instead, which returns exactly what typer's adapter returns for an ordinary
value (a string as it is; ``"5"`` → ``5``; ``"2.5"`` → ``2.5``; ``"x.json"`` → ``Path("x.json")``
with typer's own path checks) and hands anything else — an empty string, ``"1e3"``, ``"abc"`` for a
number — to typer's pydantic path unchanged, so its result and its error message stay typer's
(``tests/test_cli_coercion.py`` compares the two on a table and on generated values).

Parameters with a parser, choices, bounds, a custom path type, files or dates keep typer's own
coercion. So does a typer whose private coercion is not shaped as this module expects (before
0.29 it does not exist; a later release may change it): :func:`typer_shape_ok` is checked once,
and a value our plain path cannot take (a NUL in a path) goes to typer's path too — a typer
upgrade costs speed, never a traceback. The tests fail instead when the shape changes.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args, get_origin

from typer.core import TyperCommand, TyperGroup

try:  # typer >= 0.29: values are coerced by runtime params built from type descriptors
    from typer._click.exceptions import ClickException
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - older typer converts with click types, without pydantic
    RuntimeParam = None  # type: ignore[assignment,misc]

_INT = re.compile(r"(?:0|[1-9][0-9]{0,17})\Z")
_FLOAT = re.compile(r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?\Z")
_SIMPLE = (str, int, float, bool, Path)
_NOT_PLAIN = object()


def _plain(annotation: Any, value: Any, path: Callable[[Any], Any]) -> Any:
    """``value`` as typer's adapter would return it for ``annotation``, or :data:`_NOT_PLAIN`
    when that takes more than the obvious (typer decides then). ``path`` checks a path."""
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        values = value if isinstance(value, (list, tuple)) else [value]
        out = [_plain(item, v, path) for v in values]
        return _NOT_PLAIN if any(v is _NOT_PLAIN for v in out) else out
    if annotation is str and isinstance(value, str):
        return value
    if annotation is bool and isinstance(value, bool):
        return value
    if annotation is int and isinstance(value, str) and _INT.match(value):
        return int(value)
    if annotation is float and isinstance(value, str) and _FLOAT.match(value):
        return float(value)
    if annotation in (int, float) and type(value) is annotation:
        return value
    if annotation is Path and (isinstance(value, Path) or (isinstance(value, str) and value.strip())):
        return path(value)
    return _NOT_PLAIN


def typer_shape_ok(runtime_param: Any, coerce_path: Any, parameter: Any) -> bool:
    """Whether typer's private coercion is shaped as in typer 0.29, which this module subclasses and
    calls: ``RuntimeParam`` a dataclass of exactly ``parameter_info`` and ``annotation`` whose
    ``_coerce_value`` takes ``(value, param, ctx)``; ``coerce_cli_path(value, parameter_info, *,
    path_type, param, ctx)``; typer's parameters keeping theirs in ``_runtime_param``."""
    try:
        fields = [f.name for f in dataclasses.fields(runtime_param)]
        coerce = list(inspect.signature(runtime_param._coerce_value).parameters)
        path = inspect.signature(coerce_path).parameters
        kept = "_runtime_param" in getattr(parameter, "__annotations__", {})
    except (TypeError, ValueError, AttributeError):
        return False
    return (fields == ["parameter_info", "annotation"] and coerce == ["self", "value", "param", "ctx"]
            and list(path)[:2] == ["value", "parameter_info"] and kept
            and all(path.get(k) is not None and path[k].kind is inspect.Parameter.KEYWORD_ONLY
                    for k in ("path_type", "param", "ctx"))
            and all(p.default is not inspect.Parameter.empty for p in list(path.values())[2:]
                    if p.name != "path_type"))


PLAIN = RuntimeParam is not None and typer_shape_ok(RuntimeParam, coerce_cli_path, _TyperParameter)
"""Whether this typer gets plain values (else typer's own coercion throughout)."""


def _eligible(param: Any) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    if not PLAIN or descriptor is None or getattr(param, "_runtime_param", True) is not None:
        return False
    try:
        info = descriptor.parameter_info
        annotation = descriptor.annotation
        args = get_args(annotation)
        leaf = args[0] if get_origin(annotation) is list and len(args) == 1 else annotation
        return bool(leaf in _SIMPLE and info.parser is None and getattr(info, "click_type", None) is None
                    and info.path_type is None and info.min is None and info.max is None and not info.clamp
                    and not info.allow_dash and descriptor.file_annotation is None
                    and not descriptor.is_choice)
    except AttributeError:  # a typer whose parameter info reads otherwise: typer decides
        return False


if PLAIN:

    class PlainValue(RuntimeParam):
        """Coercion of ordinary values without pydantic; typer's own for anything else."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            def path(given: Any) -> Any:
                # typer's own checks (exists, dir_okay, readable, resolve_path, ...); a str goes
                # in as typer's adapter would see it, only the conversion to Path is ours.
                if isinstance(given, Path):
                    return coerce_cli_path(given, self.parameter_info, path_type=Path, param=param, ctx=ctx)
                return Path(coerce_cli_path(given, self.parameter_info, path_type=None, param=param,
                                            ctx=ctx))  # type: ignore[arg-type]  # str in, str out

            try:
                out = _plain(self.annotation, value, path)
            except ClickException:  # typer's own path check refused it: typer's message
                raise
            except Exception:  # noqa: BLE001 - e.g. a NUL in a path (os.stat): typer's path decides
                out = _NOT_PLAIN
            if out is _NOT_PLAIN:
                return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)
            return out


def plain_values(command: Any, ctx: Any) -> None:
    """Give each eligible parameter of ``command`` (its help option too) a :class:`PlainValue`."""
    for param in command.get_params(ctx):
        if _eligible(param):
            descriptor = param.type_descriptor
            param._runtime_param = PlainValue(parameter_info=descriptor.parameter_info,
                                              annotation=descriptor.annotation)


class PlainGroup(TyperGroup):
    """The app's group: its options get :func:`plain_values` before they are parsed."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        plain_values(self, ctx)
        return super().parse_args(ctx, args)


class PlainCommand(TyperCommand):
    """A command whose options get :func:`plain_values` before they are parsed (every command of
    the app: ``tests/test_cli_coercion.py``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        plain_values(self, ctx)
        return super().parse_args(ctx, args)


__all__ = ["PLAIN", "PlainCommand", "PlainGroup", "plain_values", "typer_shape_ok"]
