"""The package's shape: imports only go downward, no cycles, small files and functions, no test code inside."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "medqa"
# What each stage may import (besides itself). Top-level modules (export, entrypoints) may import any.
ALLOWED = {
    "core": set(),
    "tiny": {"core"},  # the offline tiny model, which `--model tiny` builds for the demo
    "vocab": {"core"},
    "feedback": {"core"},
    "data": {"core", "vocab"},
    "train": {"core", "data"},
    "serve": {"core"},
    "eval": {"core", "vocab", "data", "serve"},
    "app": {"core", "tiny", "vocab", "data", "serve", "eval", "feedback"},
    "study": {"core", "tiny", "vocab", "data", "serve", "eval", "feedback", "app"},
}
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(path: Path, name: str) -> set[str]:
    """medqa modules imported anywhere in the file, TYPE_CHECKING blocks and function bodies included."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("medqa")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
            if base.startswith("medqa"):
                known = modules()
                for alias in node.names:  # `from medqa.serve import grounding` imports a module
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports(path, name) if m in known and m != name} for name, path in known.items()}


def stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else None


def test_every_stage_is_known():
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert stages <= set(ALLOWED), "a new stage needs its place in ALLOWED"


def test_imports_only_go_downward():
    upward = []
    for name, targets in graph().items():
        here = stage(name)
        if here is None or here not in ALLOWED:
            continue
        for target in targets:
            there = stage(target)
            if there is None or (there != here and there not in ALLOWED[here]):
                upward.append(f"{name} -> {target}")
    assert not upward, "imports against the stage order:\n" + "\n".join(upward)


def test_no_import_cycles():
    edges, cycles, state = graph(), [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_checker_sees_a_cycle_and_an_upward_import(monkeypatch):
    fake = {"medqa.core.a": {"medqa.app.x"}, "medqa.app.x": {"medqa.core.a"}}
    monkeypatch.setattr(sys.modules[__name__], "graph", lambda: fake)
    with pytest.raises(AssertionError, match="medqa.core.a -> medqa.app.x"):
        test_imports_only_go_downward()
    with pytest.raises(AssertionError, match="import cycles"):
        test_no_import_cycles()


@pytest.mark.parametrize("name", sorted(modules()))
def test_files_and_functions_stay_small(name):
    path = modules()[name]
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_FILE_LINES, f"{path}: {text.count(chr(10))} lines > {MAX_FILE_LINES}"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path}:{node.lineno} {node.name} has {length} lines"


def test_no_test_code_in_the_package():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in imported if m.split(".")[0] in ("tests", "pytest")}, path
