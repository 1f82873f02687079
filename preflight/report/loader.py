"""Saved reports read back: bounded reading, strict parsing, the committed schema, then use.

A saved report is input like any other (``render``, ``diff``, ``history``, ``check
--baseline``): it may be truncated, hand-edited or crafted. Before anything reads a field,
:func:`load` makes sure that

- the file is a regular file of at most :data:`MAX_REPORT_BYTES` (read, not ``stat``-ed);
- it is strict JSON: no ``NaN``/``Infinity``, no key twice in one object (Python's ``json``
  would keep the last silently, so a crafted file could show one value and mean another), no integer longer than :data:`MAX_INT_DIGITS`
  digits, nesting at most :data:`MAX_DEPTH` deep (a deeper file never reaches a recursive
  reader);
- its ``schema_version`` is one this preflight reads (1.x; a newer major gets "upgrade");
- it matches ``preflight/schema/report.schema.json`` in full.

Any problem is one :class:`UsageError` naming the file and the field:
``report.json: counts: expected object, got null``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from preflight.errors import UsageError
from preflight.inputfile import read_text
from preflight.report.validate import SchemaMismatch, Validator

SCHEMA_MAJOR = 1
MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
"""Deepest nesting of arrays/objects accepted (our reports need about 10)."""
MAX_INT_DIGITS = 40
"""Longest integer accepted, in digits (Python refuses more than 4,300 with a ValueError)."""


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The committed report schema (shipped in the wheel)."""
    text = (resources.files("preflight") / "schema" / "report.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def validator() -> Validator:
    """The validator of the committed schema."""
    return Validator(schema())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + 1:
        raise ValueError(f"an integer of {len(text.lstrip('-'))} digits is too long")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > 400:
        raise ValueError("a number written with more than 400 characters is too long")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range for a JSON number")
    return value


class DuplicateKey(ValueError):
    """A JSON object names one key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return obj


def depth_of(data: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of parsed JSON (iterative; stops counting past ``limit``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse(text: str, where: str) -> Any:
    """Strict JSON with bounded numbers and depth; UsageError naming ``where`` otherwise."""
    try:
        data = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise UsageError(f"{where}: nested too deeply (more than {MAX_DEPTH} levels)") from None
    except DuplicateKey as exc:
        key = str(exc.args[0])
        shown = key if len(key) <= 80 else f"{key[:80]}…"
        raise UsageError(f"{where} is not strict JSON: the key {shown!r} appears twice in one object") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where} is not a preflight JSON report (invalid JSON at line {exc.lineno})") from None
    except ValueError as exc:
        raise UsageError(f"{where} is not a preflight JSON report ({exc})") from None
    if depth_of(data) > MAX_DEPTH:
        raise UsageError(f"{where}: nested too deeply (more than {MAX_DEPTH} levels)")
    return data


def check_version(data: Any, where: str) -> str:
    """The report's schema version, if this preflight can read it; UsageError otherwise."""
    if not isinstance(data, dict) or "schema_version" not in data or "results" not in data:
        raise UsageError(f"{where} is not a preflight JSON report (no schema_version/results)")
    version = data["schema_version"]
    if not isinstance(version, str):
        raise UsageError(f"{where}: schema_version: expected string, got {type(version).__name__}")
    head = version.split(".")[0]
    if not head.isdigit() or len(head) > 6 or version.count(".") != 2:
        raise UsageError(f"{where}: schema_version {version[:20]!r} is not a version (x.y.z)")
    if int(head) > SCHEMA_MAJOR:
        raise UsageError(
            f"{where} uses report schema {version[:20]}, written by a newer preflight; this preflight "
            f"reads {SCHEMA_MAJOR}.x: upgrade preflight to read it"
        )
    if int(head) < SCHEMA_MAJOR:
        raise UsageError(f"{where} uses report schema {version[:20]}, which this preflight no longer "
                         f"reads (it reads {SCHEMA_MAJOR}.x)")
    return version


def validate(data: Any, where: str, *, depth_checked: bool = False) -> dict[str, Any]:
    """Version, depth and full schema check of parsed report data (UsageError naming the field).

    ``depth_checked``: the data came from :func:`parse`, which has bounded its depth already.
    """
    if not depth_checked and depth_of(data) > MAX_DEPTH:
        raise UsageError(f"{where}: nested too deeply (more than {MAX_DEPTH} levels)")
    check_version(data, where)
    try:
        validator().validate(data)
    except SchemaMismatch as exc:
        raise UsageError(f"{where}: {exc}") from None
    except RecursionError:
        raise UsageError(f"{where}: nested too deeply (more than {MAX_DEPTH} levels)") from None
    return data  # type: ignore[no-any-return]


def load(path: Path | str) -> dict[str, Any]:
    """Read, parse and validate a saved report."""
    where = str(path)
    text = read_text(path, "report", MAX_REPORT_BYTES)
    return validate(parse(text, where), where, depth_checked=True)


__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "MAX_REPORT_BYTES", "load", "parse", "schema", "validate"]
