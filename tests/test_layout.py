"""The package layout stays readable: short modules with a docstring, and no import cycles.

Module-level imports between ``lidendrite`` modules form the data-flow graph (config → Case →
geometry → forms → engine → recorder → render, the CLI on top); imports inside functions or
under ``TYPE_CHECKING`` are not edges. A cycle in that graph fails the test.
"""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.serial

SRC = Path(__file__).resolve().parent.parent / "src" / "lidendrite"
MAX_LINES = 420


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _edges(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:  # module level only
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if not isinstance(node, ast.FunctionDef | ast.ClassDef) else []:
            if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                # `from pkg import submodule` depends on the submodule, not on pkg's own code
                subs = [f"{sub.module}.{a.name}" for a in sub.names]
                targets = [t for t in subs if t in known] or [sub.module]
            elif isinstance(sub, ast.Import):
                targets = [a.name for a in sub.names]
            else:
                continue
            for t in targets:
                if t in known and t != name:
                    found.add(t)
    return found


def test_modules_are_short_and_documented():
    for name, path in _modules().items():
        text = path.read_text()
        lines = text.count("\n")
        assert lines <= MAX_LINES, f"{name}: {lines} lines (keep modules under ~400)"
        if path.name != "__init__.py" or text.strip():
            assert ast.get_docstring(ast.parse(text)), f"{name}: no module docstring"


def test_no_import_cycles():
    mods = _modules()
    graph = {name: _edges(name, path, set(mods)) for name, path in mods.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                cycle = stack[stack.index(m) :] + [m]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
