"""The exam engine's layers, pinned: module-level imports inside `exams` form no circle,
and nothing imports a layer above it (reads never import writes; writes never import
pages, the API or forms; tasks import services, services reach tasks only lazily)."""

import ast
from pathlib import Path

import exams

ROOT = Path(exams.__file__).parent
LAYERS = {  # a module may import only from layers with a lower number
    "exams.models": 0,
    "exams.scoring": 0,
    "exams.messages": 0,
    "exams.audience": 1,
    "exams.access": 2,
    "exams.selectors": 3,
    "exams.services": 4,
    "exams.question_io": 5,
    "exams.exports": 5,
    "exams.tasks": 5,
    "exams.forms": 6,
    "exams.views": 7,
    "exams.api": 7,
}


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    path = ROOT.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = _name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = set()
        for node in ast.parse(path.read_text()).body:  # module level only
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    module = f"{base}.{node.module}" if node.module else base
                else:
                    module = node.module or ""
                if not module.startswith("exams"):
                    continue
                targets.add(module)
                targets |= {
                    f"{module}.{a.name}" for a in node.names if _exists(f"{module}.{a.name}")
                }
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("exams")}
        graph[name] = {t for t in targets if _exists(t) and t != name}
    return graph


def _layer(module: str) -> int | None:
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def test_no_import_circle_inside_the_exam_engine():
    graph = _graph()
    done, path = set(), []

    def visit(node):
        if node in path:
            raise AssertionError(" -> ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        path.append(node)
        for target in graph.get(node, ()):
            visit(target)
        path.pop()
        done.add(node)

    for node in graph:
        visit(node)


def test_nothing_imports_a_layer_above_it():
    upward = []
    for module, targets in _graph().items():
        own = _layer(module)
        for target in targets:
            theirs = _layer(target)
            same_package = target.startswith(module.split(".")[0] + "." + module.split(".")[1])
            if own is not None and theirs is not None and theirs > own and not same_package:
                upward.append(f"{module} -> {target}")
    assert upward == []
