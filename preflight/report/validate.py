"""A small, fast validator for the subset of JSON Schema our report schema uses.

Why not ``jsonschema``: importing it (referencing, rpds, attrs) and validating a report costs
about 0.15 s of CPU, half of the time ``render`` may take. The committed schema
(``preflight/schema/report.schema.json``) is written in this subset, and a test checks that
this validator and ``jsonschema`` agree on it (real and mutated reports).

Supported keywords: ``type`` (one name or a list), ``enum``, ``const``, ``required``,
``properties``, ``additionalProperties`` (bool or schema), ``propertyNames`` (``maxLength``),
``items``, ``minItems``, ``maxItems``, ``minimum``, ``maximum``, ``minLength``, ``maxLength``,
``pattern`` and local ``$ref`` (``#/$defs/name``). ``format``, ``description``, ``title`` and
``$comment`` are annotations. Any other keyword is refused when the schema is loaded, so the
schema cannot silently say more than is checked.

One deliberate difference: ``integer`` means a number written as an integer. JSON Schema also
counts ``0.0`` as one; preflight never writes that, and code reading a saved report relies on an
``int`` there (the fuzz test holds ``jsonschema`` to this rule when comparing).

Two walks of one meaning: :meth:`Validator.is_valid` runs the schema compiled once into small
closures (no paths, no messages: about four times faster), and only when it says no does
:meth:`Validator.validate` walk again keyword by keyword to name the first mismatch. A test
checks that both walks agree on real and mutated reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "format",
                         "examples", "default"})
KEYWORDS = frozenset({"type", "enum", "const", "required", "properties", "additionalProperties",
                      "propertyNames", "items", "minItems", "maxItems", "minimum", "maximum",
                      "minLength", "maxLength", "pattern", "$ref"})


class SchemaMismatch(ValueError):
    """Data that does not match the schema: ``where`` (a JSON path) and what was wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


def type_name(value: Any) -> str:
    """The JSON type of a parsed value, as JSON Schema names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is(value: Any, name: str) -> bool:
    actual = type_name(value)
    return actual == name or (name == "number" and actual == "integer")


def _short(value: Any) -> str:
    """A bounded, printable rendering of a scalar for a message."""
    text = repr(value) if isinstance(value, str) else str(value)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 40 else text[:39] + "…"


def _key_path(where: str, key: str) -> str:
    shown = _short(key) if not re.fullmatch(r"[A-Za-z0-9_\-]{1,60}", key) else key
    return f"{where}.{shown}" if where else shown


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Validator:
    """Validates data against one schema (with its ``$defs``); raises :class:`SchemaMismatch`."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.root = schema
        self._check_keywords(schema, "#")
        self._compiled: Check | None = None

    def _check_keywords(self, node: Any, where: str) -> None:
        if isinstance(node, bool):
            return
        if not isinstance(node, Mapping):
            raise ValueError(f"schema {where}: not a schema")
        unknown = set(node) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise ValueError(f"schema {where}: unsupported keyword(s) {sorted(unknown)}")
        for name, sub in node.get("properties", {}).items():
            self._check_keywords(sub, f"{where}/properties/{name}")
        for key in ("items", "additionalProperties", "propertyNames"):
            if key in node:
                self._check_keywords(node[key], f"{where}/{key}")
        for name, sub in node.get("$defs", {}).items():
            self._check_keywords(sub, f"{where}/$defs/{name}")
        ref = node.get("$ref")
        if ref is not None:
            self._resolve(ref)

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"schema: only local $ref is supported, not {ref}")
        found = self.root.get("$defs", {}).get(ref[len("#/$defs/"):])
        if found is None:
            raise ValueError(f"schema: unknown $ref {ref}")
        return found

    def validate(self, data: Any) -> None:
        """Raise :class:`SchemaMismatch` at the first place ``data`` does not match."""
        if not self.is_valid(data):
            self.explain(data)

    def explain(self, data: Any) -> None:
        """The keyword-by-keyword walk: raises :class:`SchemaMismatch` naming the first mismatch."""
        self._node(data, self.root, "")

    def is_valid(self, data: Any) -> bool:
        """Whether ``data`` matches, by the compiled closures (no message)."""
        if self._compiled is None:
            self._compiled = _Compiler(self).compile(self.root)
        return self._compiled(data)

    def _node(self, value: Any, schema: Any, where: str) -> None:  # noqa: C901 - one keyword each
        if schema is True:
            return
        if schema is False:
            raise SchemaMismatch(where, "not allowed here")
        ref = schema.get("$ref")
        if ref is not None:
            self._node(value, self._resolve(ref), where)
        kinds = schema.get("type")
        if kinds is not None:
            names = [kinds] if isinstance(kinds, str) else kinds
            if not any(_is(value, n) for n in names):
                raise SchemaMismatch(where, f"expected {' or '.join(names)}, got {type_name(value)}")
        if "const" in schema and not _equal(value, schema["const"]):
            raise SchemaMismatch(where, f"expected {_short(schema['const'])}, got {_short(value)}")
        if "enum" in schema and not any(_equal(value, e) for e in schema["enum"]):
            allowed = ", ".join(_short(e) for e in schema["enum"][:12])
            raise SchemaMismatch(where, f"expected one of {allowed}; got {_short(value)}")
        if isinstance(value, str):
            self._string(value, schema, where)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                raise SchemaMismatch(where, f"expected at least {schema['minimum']}, got {_short(value)}")
            if "maximum" in schema and value > schema["maximum"]:
                raise SchemaMismatch(where, f"expected at most {schema['maximum']}, got {_short(value)}")
        elif isinstance(value, list):
            self._array(value, schema, where)
        elif isinstance(value, dict):
            self._object(value, schema, where)

    def _string(self, value: str, schema: Mapping[str, Any], where: str) -> None:
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise SchemaMismatch(where, f"longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise SchemaMismatch(where, "expected a non-empty string" if schema["minLength"] == 1
                                 else f"shorter than {schema['minLength']} characters")
        if "pattern" in schema and not _regex(schema["pattern"]).search(value):
            raise SchemaMismatch(where, f"{_short(value)} is not in the expected form")

    def _array(self, value: list[Any], schema: Mapping[str, Any], where: str) -> None:
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise SchemaMismatch(where, f"more than {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise SchemaMismatch(where, f"fewer than {schema['minItems']} items")
        items = schema.get("items")
        if items is not None and items is not True:
            for i, item in enumerate(value):
                self._node(item, items, f"{where}[{i}]")

    def _object(self, value: dict[str, Any], schema: Mapping[str, Any], where: str) -> None:
        for key in schema.get("required", ()):
            if key not in value:
                raise SchemaMismatch(_key_path(where, key), "missing")
        names = schema.get("propertyNames")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if names is not None:
                self._node(key, names, _key_path(where, key))
            sub = properties.get(key)
            if sub is not None:
                self._node(item, sub, _key_path(where, key))
            elif extra is False:
                raise SchemaMismatch(_key_path(where, key), "unexpected key")
            elif extra is not True:
                self._node(item, extra, _key_path(where, key))


Check = Callable[[Any], bool]

_EXACT_TYPES = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string",
                list: "array", dict: "object"}


def _fast_type(value: Any) -> str:
    return _EXACT_TYPES.get(type(value)) or type_name(value)


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


class _Compiler:
    """Each schema node once into a closure meaning exactly what :meth:`Validator._node` checks."""

    def __init__(self, validator: Validator) -> None:
        self.validator = validator
        self.done: dict[int, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        key = id(schema)
        if key not in self.done:
            later: list[Check] = []
            self.done[key] = lambda value: later[0](value)  # a $ref back to a node being compiled
            later.append(self._node(schema))
            self.done[key] = later[0]
        return self.done[key]

    def _node(self, schema: Mapping[str, Any]) -> Check:  # noqa: C901 - one keyword each
        first: list[Check] = []
        ref = schema.get("$ref")
        if ref is not None:
            first.append(self.compile(self.validator._resolve(ref)))
        kinds = schema.get("type")
        if kinds is not None:
            allowed = {kinds} if isinstance(kinds, str) else set(kinds)
            if "number" in allowed:
                allowed.add("integer")
            first.append(lambda value: _fast_type(value) in allowed)
        if "const" in schema:
            const = schema["const"]
            first.append(lambda value: _equal(value, const))
        if "enum" in schema:
            first.append(_enum(schema["enum"]))
        text = _string_check(schema)
        number = _number_check(schema)
        array = self._array(schema)
        table = self._object(schema)

        def check(value: Any) -> bool:
            for one in first:
                if not one(value):
                    return False
            if isinstance(value, str):
                return text is None or text(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return number is None or number(value)
            if isinstance(value, list):
                return array is None or array(value)
            if isinstance(value, dict):
                return table is None or table(value)
            return True

        return check

    def _array(self, schema: Mapping[str, Any]) -> Check | None:
        most, least = schema.get("maxItems"), schema.get("minItems")
        items = schema.get("items")
        each = None if items is None or items is True else self.compile(items)
        if most is None and least is None and each is None:
            return None

        def check(value: list[Any]) -> bool:
            if most is not None and len(value) > most:
                return False
            if least is not None and len(value) < least:
                return False
            if each is not None:
                for item in value:
                    if not each(item):
                        return False
            return True

        return check

    def _object(self, schema: Mapping[str, Any]) -> Check | None:
        required = tuple(schema.get("required", ()))
        names = schema.get("propertyNames")
        name_check = None if names is None else self.compile(names)
        properties = {key: self.compile(sub) for key, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True or extra is False else self.compile(extra)
        closed = extra is False

        def check(value: dict[str, Any]) -> bool:
            for key in required:
                if key not in value:
                    return False
            for key, item in value.items():
                if name_check is not None and not name_check(key):
                    return False
                sub = properties.get(key)
                if sub is not None:
                    if not sub(item):
                        return False
                elif closed:
                    return False
                elif extra_check is not None and not extra_check(item):
                    return False
            return True

        return check


def _enum(allowed: list[Any]) -> Check:
    if all(type(e) is str for e in allowed):
        words = frozenset(allowed)
        return lambda value: value in words if type(value) is str else any(_equal(value, e) for e in allowed)
    return lambda value: any(_equal(value, e) for e in allowed)


def _string_check(schema: Mapping[str, Any]) -> Check | None:
    most, least = schema.get("maxLength"), schema.get("minLength")
    pattern = _regex(schema["pattern"]) if "pattern" in schema else None
    if most is None and least is None and pattern is None:
        return None

    def check(value: str) -> bool:
        if most is not None and len(value) > most:
            return False
        if least is not None and len(value) < least:
            return False
        return pattern is None or pattern.search(value) is not None

    return check


def _number_check(schema: Mapping[str, Any]) -> Check | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is None and high is None:
        return None
    return lambda value: (low is None or value >= low) and (high is None or value <= high)


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return type_name(a) == type_name(b) and a == b or (
        type_name(a) in ("integer", "number") and type_name(b) in ("integer", "number") and a == b)


__all__ = ["SchemaMismatch", "Validator", "type_name"]
