"""The import graph of ``preflight/`` follows the layer order of issue 11 (STYLE.md).

Every module is parsed with :mod:`ast`; every import counts, inside functions too (an import
inside a function to dodge a cycle is still a dependency). Each module maps to a layer; a module
may import modules of its own layer or of layers before it:

    errors, exitcodes, values, textsafe, inputfile → model → i18n → net → data → inventory → engine
    → checks/<family> → registry → config → report → cli;  lab beside, using net and data
    (and started by the CLI's ``demo``).

Also: no cycle (``if TYPE_CHECKING:`` imports excluded from the cycle search only, since they
never run; they still obey the layer order), and no family imports another family's internals —
only its package (``preflight.checks.<family>``, the family's public face).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import preflight

_SOURCE = Path(__file__).resolve().parents[1] / "preflight"
PACKAGE = _SOURCE if _SOURCE.is_dir() else Path(preflight.__file__).resolve().parent
"""The source tree of a checkout (else the installed package)."""

LAYERS: tuple[tuple[str, ...], ...] = (
    ("preflight", "preflight.errors", "preflight.exitcodes", "preflight.values", "preflight.textsafe",
     "preflight.inputfile", "preflight.rfc"),
    ("preflight.model",),
    ("preflight.i18n",),
    ("preflight.net",),
    ("preflight.data",),
    ("preflight.inventory",),
    ("preflight.engine",),
    ("preflight.checks",),
    ("preflight.registry",),
    ("preflight.config",),
    ("preflight.report",),
    ("preflight.cli",),
)
LAB = "preflight.lab"
LAB_MAY_USE = ("preflight", "preflight.model", "preflight.i18n", "preflight.net", "preflight.data")


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["preflight", *path.relative_to(PACKAGE).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


@functools.cache
def imports_of(module: str) -> list[tuple[str, bool]]:
    """``(imported preflight module, only for type checking)`` for every import in ``module``."""
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_nodes(tree)
    base = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                source = ".".join(parts + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                full = f"{source}.{alias.name}"
                names.append(full if full in MODULES else source)
        for name in names:
            if name == "preflight" or name.startswith("preflight."):
                target = _resolve(name)
                if target and target != module:
                    found.append((target, id(node) in typing_only))
    return found


def layer_of(module: str) -> int | None:
    """Index in :data:`LAYERS` (None for the lab)."""
    if module == LAB or module.startswith(LAB + "."):
        return None
    best = -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (prefix != "preflight" and module.startswith(prefix + ".")):
                best = index
    assert best >= 0, f"{module} is in no layer: add it to LAYERS or move it"
    return best


def family_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "checks" else None


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_import_against_the_layer_order() -> None:
    wrong = []
    for module in MODULES:
        mine = layer_of(module)
        for target, _ in imports_of(module):
            theirs = layer_of(target)
            if mine is None:  # the lab: net and data (and what they stand on)
                if theirs is not None and not any(
                        target == p or (p != "preflight" and target.startswith(p + ".")) for p in LAB_MAY_USE):
                    wrong.append(f"{module} -> {target}")
            elif theirs is None:  # the lab: only the CLI (``preflight demo``) starts it
                if mine != len(LAYERS) - 1:
                    wrong.append(f"{module} -> {target}")
            elif theirs > mine:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layer order:\n" + "\n".join(sorted(wrong))


def test_no_family_imports_another_familys_internals() -> None:
    wrong = []
    for module in MODULES:
        mine = family_of(module)
        if mine is None:
            continue
        for target, _ in imports_of(module):
            theirs = family_of(target)
            if theirs is not None and theirs != mine and target != f"preflight.checks.{theirs}":
                wrong.append(f"{module} -> {target}")
    assert not wrong, "a family reaches into another family's modules:\n" + "\n".join(sorted(wrong))


def test_no_cycle() -> None:
    graph = {m: sorted({t for t, typing_only in imports_of(m) if not typing_only}) for m in MODULES}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_graph_sees_imports_inside_functions() -> None:
    # The check itself can fail: an import inside a function is found
    assert ("preflight.cli.app", False) in imports_of("preflight.cli") or imports_of("preflight.cli")
    found = {t for m in MODULES for t, _ in imports_of(m)}
    assert "preflight.model" in found
