"""The import graph of the project's apps, read from the source with `ast` (nothing is
imported or run).

Two rules:
- no import circle between the project's modules. Imports made at module load count;
  an import inside a function counts too, except the one sanctioned late import: a
  service enqueueing its app's background task (`from .tasks import x_task` inside
  `transaction.on_commit`), because tasks import services at the top;
- no import from a higher layer, at load or late. Layers, lowest first (an app imports
  from lower layers and, without a circle, from the other app of its own layer):

      0 core
      1 audit
      2 accounts
      3 organisation
      4 notices
      5 roster, exams
      6 certificates
      7 training

Every app has a layer and is checked, one parametrized case per app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS = {
    "core": 0,
    "audit": 1,
    "accounts": 2,
    "organisation": 3,
    "notices": 4,
    "roster": 5,
    "exams": 5,
    "certificates": 6,
    "training": 7,
}
APPS = tuple(LAYERS)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _app_files() -> dict[str, Path]:
    files = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            files[_module_name(path)] = path
    return files


FILES = _app_files()
MODULES = set(FILES)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """Project modules a `from ... import ...` statement loads."""
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    found = []
    if target in MODULES:
        found.append(target)
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        if sub in MODULES:
            found.append(sub)
    return found


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool):
        self.module = module
        self.is_package = is_package
        self.depth = 0
        self.edges: list[tuple[str, bool]] = []  # (target, at module load)

    def _nested(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _nested

    def visit_If(self, node):
        # `if TYPE_CHECKING:` imports never run.
        test = node.test
        name = getattr(test, "id", None) or getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            parts = alias.name.split(".")
            for i in range(len(parts), 0, -1):
                name = ".".join(parts[:i])
                if name in MODULES:
                    self.edges.append((name, self.depth == 0))
                    break

    def visit_ImportFrom(self, node):
        for target in _resolve(self.module, self.is_package, node):
            self.edges.append((target, self.depth == 0))


def _graph() -> dict[str, list[tuple[str, bool]]]:
    graph = {}
    for module, path in FILES.items():
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        graph[module] = [(t, top) for t, top in visitor.edges if t != module]
    return graph


GRAPH = _graph()


def _app(module: str) -> str:
    return module.split(".")[0]


def _is_task_enqueue(source: str, target: str, at_load: bool) -> bool:
    """The sanctioned late import: a module of an app loading its own `tasks` module
    inside a function."""
    return (
        not at_load
        and _app(source) == _app(target)
        and target.split(".")[-1] == "tasks"
        and source.split(".")[-1] != "tasks"
    )


def _cycles(graph: dict[str, list[tuple[str, bool]]], modules) -> list[list[str]]:
    """Elementary circles through `modules`, found with a depth-first search (Tarjan's
    strongly connected components, each reported with one circle through it)."""
    edges = {
        m: sorted({t for t, top in targets if not _is_task_enqueue(m, t, top)})
        for m, targets in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    return [c for c in components if any(_app(m) in modules for m in c)]


@pytest.mark.parametrize("app", APPS)
def test_no_import_circle(app):
    assert _cycles(GRAPH, {app}) == []


@pytest.mark.parametrize("app", APPS)
def test_no_import_from_a_higher_layer(app):
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in GRAPH.items()
        if _app(source) == app
        for target, _ in targets
        if LAYERS[_app(target)] > LAYERS[app]
    )
    assert upward == []


def test_the_graph_sees_imports():
    """The reader itself works: known edges of every kind are found."""
    assert ("organisation.access", True) in GRAPH["roster.access"]  # absolute, at load
    assert ("roster.models", True) in GRAPH["roster.access"]  # relative, at load
    assert any(_app(t) == "audit" for t, _ in GRAPH["organisation.access"])


def test_the_circle_finder_finds_circles():
    graph = {"roster.a": [("roster.b", True)], "roster.b": [("roster.a", False)]}
    assert _cycles(graph, {"roster"}) == [["roster.a", "roster.b"]]
    enqueue = {"roster.a": [("roster.tasks", False)], "roster.tasks": [("roster.a", True)]}
    assert _cycles(enqueue, {"roster"}) == []
