"""No import cycle between the modules of the hdsgraph package.

The imports are read from the source with ``ast``, nothing is imported. An edge A -> B is an
import of B that runs when A is imported: a statement at module level, including inside a
module-level ``if``/``try``/``with``, but not under ``if TYPE_CHECKING:`` (never run) and not
inside a function or method. An import inside a function runs when it is called, after
every module has loaded, so it cannot take part in a cycle at import time; the CLI's lazy
commands and the lazy API of ``hdsgraph/__init__.py`` rely on that on purpose. (Those
function-level imports are still read, to check that each names a module that exists, and a
stricter test counting them too marks the one cycle they make today.)

``from hdsgraph.x import y`` is an edge to ``hdsgraph.x.y`` when ``y`` is a submodule and to
``hdsgraph.x`` otherwise; relative imports are resolved the same way. Importing a submodule
also runs its packages' ``__init__``, which is not counted: an ``__init__`` that imports its
own submodules would otherwise make every submodule look circular.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hdsgraph

PACKAGE = Path(hdsgraph.__file__).resolve().parent


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


MODULES = module_names()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(body: list[ast.stmt], top: bool):
    """(import node, at module level?) for every import in ``body``, walking nested blocks."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, top
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _imports(node.body, False)
        elif isinstance(node, ast.ClassDef):
            yield from _imports(node.body, top)  # a class body runs at import time
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.body, False)
            yield from _imports(node.orelse, top)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, field, []) or []:
                    yield from _imports(
                        child.body if isinstance(child, (ast.ExceptHandler, ast.match_case)) else [child], top
                    )


def targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The hdsgraph modules an import statement loads (empty for other packages)."""
    if isinstance(node, ast.Import):
        found = []
        for alias in node.names:
            name = alias.name
            while name and name not in MODULES and name.startswith("hdsgraph"):
                name = name.rpartition(".")[0]
            if name.startswith("hdsgraph"):
                found.append(alias.name if alias.name in MODULES else name)
        return found
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    if base != "hdsgraph" and not base.startswith("hdsgraph."):
        return []
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]


def import_graph(inside_functions: bool = False) -> tuple[dict[str, set[str]], list[str]]:
    """The edges between hdsgraph modules (module-level imports; with ``inside_functions``, every
    import), and the imports naming no module that exists."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    unknown = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, top in _imports(tree.body, True):
            for target in targets(module, node):
                if target not in MODULES:
                    unknown.append(f"{module} (line {node.lineno}): {target}")
                elif (top or inside_functions) and target != module:
                    edges[module].add(target)
    return edges, unknown


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle (its modules in import order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_walk_sees_the_package():
    edges, _ = import_graph()
    assert {"hdsgraph.cli", "hdsgraph.rdf.terms", "hdsgraph.pipeline.build", "hdsgraph.api"} <= set(edges)
    assert "hdsgraph.rdf.terms" in edges["hdsgraph.pipeline.mapping"]


def test_every_hdsgraph_import_names_a_module_that_exists():
    _, unknown = import_graph()
    assert unknown == []


def test_no_import_cycle_between_modules():
    cycle = find_cycle(import_graph()[0])
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_cycle_even_counting_the_imports_inside_functions():
    cycle = find_cycle(import_graph(inside_functions=True)[0])
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle_and_names_it():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"b"}}) is None


def test_relative_and_submodule_imports_are_resolved():
    module = "hdsgraph.rdf.terms"
    parse = lambda source: ast.parse(source).body[0]  # noqa: E731
    assert targets(module, parse("from hdsgraph.rdf import namespaces")) == ["hdsgraph.rdf.namespaces"]
    assert targets(module, parse("from . import namespaces")) == ["hdsgraph.rdf.namespaces"]
    assert targets(module, parse("from .namespaces import XSD")) == ["hdsgraph.rdf.namespaces"]
    assert targets(module, parse("from ..errors import InputError")) == ["hdsgraph.errors"]
    assert targets(module, parse("import hdsgraph.rdf.store as store")) == ["hdsgraph.rdf.store"]
    assert targets(module, parse("from hdsgraph import errors, api")) == ["hdsgraph.errors", "hdsgraph.api"]
    assert targets(module, parse("import pandas")) == []
