"""Parse Postfix configuration as printed by ``postconf``: main.cf parameters, master.cf services.

* :func:`parse_postconf` reads ``postconf -n`` / ``postconf`` output (or main.cf text itself).
* :func:`parse_master_cf` reads ``postconf -M`` / ``postconf -Mf`` service lines (or master.cf
  text) and ``postconf -P`` per-service overrides (``service/type/parameter = value``).
* :func:`expand` performs Postfix ``$parameter`` substitution; :func:`split_list` splits a
  parameter value the way Postfix does (commas and/or whitespace).

All functions are pure and bounded; they never raise on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from preflight.inventory._text import MAX_VALUE_CHARS, cap, lines

MAX_PARAMETERS = 5_000
MAX_SERVICES = 1_000
MAX_LIST_ITEMS = 2_000
MAX_EXPAND_DEPTH = 8

_PARAM = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})\s*=\s?(.*)")
_OVERRIDE = re.compile(
    r"([^\s/=]{1,128})/([a-z-]{1,16})/([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})\s*=\s?(.*)"
)
_NAME = re.compile(r"[A-Za-z0-9_]+")
SERVICE_TYPES = frozenset({"inet", "unix", "unix-dgram", "fifo", "pass"})


def _logical_lines(text: str | bytes | None) -> list[str]:
    """Join main.cf/master.cf continuation lines (leading whitespace) onto the logical line."""
    out: list[str] = []
    for line in lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] == " " and out:
            if len(out[-1]) < MAX_VALUE_CHARS:
                out[-1] = cap(f"{out[-1]} {stripped}")
            continue
        out.append(stripped)
    return out


def parse_postconf(text: str | bytes | None) -> dict[str, str]:
    """Parse ``name = value`` lines into a dict (later assignments win, as in main.cf).

    Values may be empty; lines starting with whitespace continue the previous value; comment,
    blank and garbage lines (e.g. ``postconf: warning: ...`` on a merged stream) are skipped.
    ``service/type/name = value`` lines of ``postconf -P`` are not parameters and are skipped.
    """
    params: dict[str, str] = {}
    for line in _logical_lines(text):
        if _OVERRIDE.match(line):
            continue
        match = _PARAM.fullmatch(line)
        if match is None:
            continue
        name, value = match.group(1), match.group(2).strip()
        if name not in params and len(params) >= MAX_PARAMETERS:
            continue
        params[name] = value
    return params


@dataclass(frozen=True)
class MasterService:
    """One master.cf service line; ``overrides`` are its ``-o name=value`` options."""

    name: str
    type: str
    private: str
    unpriv: str
    chroot: str
    wakeup: str
    maxproc: str
    command: str
    args: tuple[str, ...]
    overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key(self) -> str:
        """``name/type``, the form ``postconf -P`` and ``postconf -M`` use."""
        return f"{self.name}/{self.type}"

    @property
    def listens_on_smtp_port(self) -> bool:
        """True for an ``inet`` service on port 25 (``smtp``, ``25``, ``host:smtp``, ``[::1]:25``).

        A bracketed address without a port is not port 25.
        """
        if self.type != "inet":
            return False
        port = self.name.rsplit(":", 1)[-1] if not self.name.endswith("]") else ""
        return port in ("smtp", "25")


@dataclass(frozen=True)
class MasterConfig:
    """Services of master.cf plus per-service parameter overrides.

    ``overrides`` maps ``service/type`` to ``{parameter: value}``, merging ``-o`` options of the
    service lines with ``postconf -P`` lines (the latter win).
    """

    services: tuple[MasterService, ...]
    overrides: Mapping[str, Mapping[str, str]]

    def service(self, name: str, type_: str) -> MasterService | None:
        """The service called ``name`` of type ``type_``, or None."""
        for svc in self.services:
            if svc.name == name and svc.type == type_:
                return svc
        return None

    def overrides_for(self, key: str) -> Mapping[str, str]:
        """Overrides of service ``key`` (``name/type``); empty when there are none."""
        return self.overrides.get(key, MappingProxyType({}))


def _parse_o_options(args: list[str]) -> dict[str, str]:
    """Collect ``-o name=value`` (and ``-oname=value``) options from master.cf arguments."""
    out: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        opt = None
        if arg == "-o" and i + 1 < len(args):
            opt = args[i + 1]
            i += 1
        elif arg.startswith("-o") and len(arg) > 2:
            opt = arg[2:]
        i += 1
        if opt and "=" in opt:
            name, _, value = opt.partition("=")
            if _NAME.fullmatch(name):
                out[name] = value
    return out


def parse_master_cf(text: str | bytes | None) -> MasterConfig:
    """Parse ``postconf -M``/``-Mf``/``-P`` output or master.cf text into a :class:`MasterConfig`.

    A service line has at least eight fields (service, type, private, unpriv, chroot, wakeup,
    maxproc, command) and a known type; commented-out services (``#smtp inet ...``) are not
    services. Lines of the form ``service/type/parameter = value`` are ``postconf -P`` overrides.
    """
    services: list[MasterService] = []
    overrides: dict[str, dict[str, str]] = {}
    p_lines: list[tuple[str, str, str]] = []
    for line in _logical_lines(text):
        over = _OVERRIDE.fullmatch(line)
        if over is not None:
            key = f"{over.group(1)}/{over.group(2)}"
            if key in overrides or len(overrides) < MAX_SERVICES:
                p_lines.append((key, over.group(3), over.group(4).strip()))
                overrides.setdefault(key, {})
            continue
        fields_ = line.split()
        if len(fields_) < 8 or fields_[1] not in SERVICE_TYPES or len(services) >= MAX_SERVICES:
            continue
        args = fields_[8 : 8 + MAX_LIST_ITEMS]
        opts = _parse_o_options(args)
        svc = MasterService(
            name=fields_[0],
            type=fields_[1],
            private=fields_[2],
            unpriv=fields_[3],
            chroot=fields_[4],
            wakeup=fields_[5],
            maxproc=fields_[6],
            command=fields_[7],
            args=tuple(args),
            overrides=MappingProxyType(opts),
        )
        services.append(svc)
        overrides.setdefault(svc.key, {}).update(opts)
    for key, name, value in p_lines:
        overrides[key][name] = value
    frozen = {k: MappingProxyType(v) for k, v in overrides.items()}
    return MasterConfig(services=tuple(services), overrides=MappingProxyType(frozen))


def split_list(value: str, limit: int = MAX_LIST_ITEMS) -> list[str]:
    """Split a Postfix list value on commas and whitespace (empty items dropped).

    Postfix 3.0+ ``{ ... }`` grouping is honoured: a braced item stays one item, braces removed.
    """
    items: list[str] = []
    buf: list[str] = []
    depth = 0
    for ch in value[:MAX_VALUE_CHARS]:
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                item = "".join(buf).strip()
                if item:
                    items.append(item)
                buf = []
                continue
        if depth == 0 and (ch == "," or ch.isspace()):
            if buf:
                items.append("".join(buf))
                buf = []
        else:
            buf.append(ch)
        if len(items) >= limit:
            return items[:limit]
    tail = "".join(buf).strip()
    if tail:
        items.append(tail)
    return items[:limit]


def _matching(text: str, start: int, open_: str, close: str) -> int:
    """Index of the bracket closing the one at ``start``, or -1."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _strip_braces(text: str) -> str:
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        return text[1:-1]
    return text


MAX_EXPANSIONS = 10_000
"""Substitutions one :func:`expand` call may perform in total (guards against reference bombs)."""


def expand(value: str, params: Mapping[str, str]) -> str:
    """Expand Postfix ``$name``, ``${name}``, ``$(name)``, ``${name?x}``, ``${name:x}`` and
    ``${name?{x}:{y}}`` references from ``params`` (undefined names expand to "").

    Recursion is bounded (8 levels), so are the number of substitutions and the result length;
    ``$$`` is a literal ``$``. Forms this parser does not know (e.g. ``${{$a} == {b} ? ...}``) are
    left as written.
    """
    return _expand(value, params, 0, [MAX_EXPANSIONS])


def _expand(value: str, params: Mapping[str, str], depth: int, budget: list[int]) -> str:
    if "$" not in value or depth > MAX_EXPAND_DEPTH or budget[0] <= 0:
        return cap(value)
    out: list[str] = []
    size = 0
    i = 0
    n = len(value)
    while i < n and size < MAX_VALUE_CHARS:
        ch = value[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            size += 1
            i += 1
            continue
        nxt = value[i + 1]
        piece: str
        if nxt == "$":
            piece, i = "$", i + 2
        elif budget[0] <= 0:
            piece, i = value[i:], n
        elif nxt in "{(":
            close = _matching(value, i + 1, nxt, "}" if nxt == "{" else ")")
            if close < 0:
                piece, i = value[i:], n
            else:
                budget[0] -= 1
                piece = _expand_braced(
                    value[i + 2 : close], value[i : close + 1], params, depth, budget
                )
                i = close + 1
        else:
            match = _NAME.match(value, i + 1)
            if match is None:
                piece, i = "$", i + 1
            else:
                budget[0] -= 1
                piece = _expand(params.get(match.group(), ""), params, depth + 1, budget)
                i = match.end()
        out.append(piece)
        size += len(piece)
    return cap("".join(out))


def _expand_braced(
    inner: str, original: str, params: Mapping[str, str], depth: int, budget: list[int]
) -> str:
    match = _NAME.match(inner)
    if match is None:
        return original  # expression syntax we do not evaluate
    name, rest = match.group(), inner[match.end() :]
    current = _expand(params.get(name, ""), params, depth + 1, budget)
    if not rest:
        return current
    op, arg = rest[0], rest[1:]
    if op == "?":
        close = _matching(arg, 0, "{", "}") if arg.startswith("{") else -1
        if close >= 0 and arg[close + 1 :].lstrip().startswith(":"):
            chosen = arg[1:close] if current else _strip_braces(arg[close + 1 :].lstrip()[1:])
        else:
            chosen = _strip_braces(arg) if current else ""
        return _expand(chosen, params, depth + 1, budget)
    if op == ":":
        return "" if current else _expand(_strip_braces(arg), params, depth + 1, budget)
    return original
