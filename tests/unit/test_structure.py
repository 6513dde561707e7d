"""The shape of the package: arrows point down. No module of src/tarjama imports, directly
or through others, a module that imports it back: imports inside functions and under
``TYPE_CHECKING`` count too, since a cycle hidden there is still a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import tarjama

PACKAGE = Path(tarjama.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of the package that ``path`` imports, anywhere in it."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each a path from a module back to itself."""
    found = []
    for start in sorted(graph):
        stack = [(start, [start])]
        seen = set()
        while stack:
            module, path = stack.pop()
            for target in sorted(graph[module]):
                if target == start:
                    found.append([*path, start])
                elif target not in seen and target > start:  # each cycle once, from its smallest module
                    seen.add(target)
                    stack.append((target, [*path, target]))
    return found


def test_no_import_cycle_among_the_modules() -> None:
    graph = import_graph()
    assert len(graph) > 20 and "tarjama.translator" in graph["tarjama"]  # the graph is read
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_lower_stages_never_import_the_public_api() -> None:
    graph = import_graph()
    for module in ("tarjama.folder", "tarjama.write", "tarjama.outputs", "tarjama.batch", "tarjama.engines.ray"):
        assert "tarjama.translator" not in graph[module], module
