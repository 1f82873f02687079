"""Option values coerced without pydantic (:mod:`preflight.cli.coercion`) equal typer's own.

For every parameter of every command, the plain coercion and typer's pydantic adapter get the same
values: ordinary ones, odd ones (empty, ``1e3``, ``1_000``, full-width digits, ``-``) and generated
text; both must return the same value or raise the same error message.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, build_runtime_param
from typer._param_types import coerce_cli_path
from typer.core import _TyperParameter

from preflight.cli import app
from preflight.cli.coercion import (
    PLAIN,
    PlainCommand,
    PlainGroup,
    PlainValue,
    _eligible,
    typer_shape_ok,
)

GROUP = typer.main.get_command(app)
PARAMS = [(name, command, param) for name, command in sorted(GROUP.commands.items())  # type: ignore[attr-defined]
          for param in command.params if _eligible(param)]
VALUES = ["", " ", "0", "5", "007", "-1", "+1", "2.5", "0.125", ".5", "5.", "1e3", "1_000", "inf", "nan",
          "abc", "１２", "3.14159265358979323846", "x.json", "-", ".", "/nonexistent/report.json",
          "/etc", "mail.example.com", "203.0.113.25", "\u00e9t\u00e9", "nul\x00byte.json"]


def _outcome(coerce: Any, value: Any, param: Any, ctx: Any) -> Any:
    try:
        out = coerce(value, param=param, ctx=ctx)
        return ("ok", type(out), repr(out))  # repr: nan == nan
    except BadParameter as exc:
        return ("bad", exc.message)


def _both(command: Any, param: Any, value: Any) -> tuple[Any, Any]:
    ctx = Context(command)
    descriptor = param.type_descriptor
    typer_way = build_runtime_param(descriptor)._coerce_value
    plain_way = PlainValue(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)._coerce_value
    return _outcome(plain_way, value, param, ctx), _outcome(typer_way, value, param, ctx)


def test_every_command_uses_plain_values() -> None:
    assert isinstance(GROUP, PlainGroup)
    assert all(isinstance(c, PlainCommand) for c in GROUP.commands.values())  # type: ignore[attr-defined]
    kinds = {repr(p.type_descriptor.annotation) for _, _, p in PARAMS}
    assert {"<class 'str'>", "<class 'float'>", "<class 'int'>", "<class 'pathlib.Path'>", "list[str]",
            "list[pathlib.Path]"} <= kinds


@pytest.mark.parametrize("value", VALUES)
def test_plain_coercion_equals_typers(value: str) -> None:
    for name, command, param in PARAMS:
        listed = [value, value] if param.multiple or param.nargs == -1 else value
        plain, typers = _both(command, param, listed)
        assert plain == typers, (name, param.name, value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12) | st.from_regex(r"[0-9]{1,20}(\.[0-9]{0,20})?", fullmatch=True))
def test_plain_coercion_equals_typers_on_generated_text(value: str) -> None:
    for name, command, param in PARAMS:
        if param.type_descriptor.annotation in (int, float, str):
            plain, typers = _both(command, param, value)
            assert plain == typers, (name, param.name, value)


def test_installed_typer_has_the_shape_the_plain_path_relies_on() -> None:
    # Fails loudly when a typer upgrade changes its private coercion (the run falls back instead)
    assert PLAIN and typer_shape_ok(RuntimeParam, coerce_cli_path, _TyperParameter)


def test_shape_check_refuses_a_changed_private_api() -> None:
    @dataclasses.dataclass(frozen=True)
    class MoreFields(RuntimeParam):  # type: ignore[misc]
        origin: str

    class OtherCall(RuntimeParam):  # type: ignore[misc]
        def _coerce_value(self, value: Any, *, parameter: Any, context: Any) -> Any:  # type: ignore[override]
            return value

    def path_needing_more(value: Any, parameter_info: Any, *, path_type: Any, param: Any = None,
                          ctx: Any = None, mode: str) -> Any:
        return value

    def path_renamed(value: Any, info: Any, *, path_type: Any, param: Any = None, ctx: Any = None) -> Any:
        return value

    assert not typer_shape_ok(MoreFields, coerce_cli_path, _TyperParameter)
    assert not typer_shape_ok(OtherCall, coerce_cli_path, _TyperParameter)
    assert not typer_shape_ok(RuntimeParam, path_needing_more, _TyperParameter)
    assert not typer_shape_ok(RuntimeParam, path_renamed, _TyperParameter)
    assert not typer_shape_ok(RuntimeParam, coerce_cli_path, object)
    assert not typer_shape_ok(object, coerce_cli_path, _TyperParameter)


def test_cli_keeps_working_when_typers_private_coercion_changes_shape() -> None:
    # Given a typer whose RuntimeParam gained a field (as a later release might)
    code = textwrap.dedent("""
        import dataclasses, sys
        import typer._coercion as c

        @dataclasses.dataclass(frozen=True)
        class FutureRuntimeParam(c.RuntimeParam):
            origin: str

        c.RuntimeParam = FutureRuntimeParam
        from preflight.cli import app
        from preflight.cli import coercion
        assert coercion.PLAIN is False
        app(["check", "--domain", "example.com", "--timeout", "abc"], prog_name="preflight")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent)
    # Then the bad value is still one line and exit 2 (typer's own coercion), not a traceback
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("preflight: error: invalid value for '--timeout'"), proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
