"""The package's shape: no import cycle among its modules' top-level imports, and lm-eval
imported only when a task or command needs it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "harness" / "xeval"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """xeval modules a module imports when it is imported (not inside functions)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("xeval"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("xeval"))
    return found


def test_no_import_cycle() -> None:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {t for t in _top_level_imports(path) if t in modules and t != name}
             for name, path in modules.items()}
    # a package's __init__ importing its own submodules is not a cycle between modules
    graph = {name: {t for t in targets if not (modules[name].name == "__init__.py" and t.startswith(name + "."))}
             for name, targets in graph.items()}
    assert sum(len(t) for t in graph.values()) > 100  # the graph is read, not empty
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_lm_eval_is_imported_only_when_needed() -> None:
    code = ("import sys, xeval.cli, xeval.run.runner, xeval.results, xeval.results.report, xeval.results.compare\n"
            "from xeval.run.runner import RunConfig, plan_tasks\n"
            "plan_tasks(RunConfig(tasks='xeval_nli_ko', limit=1))\n"
            "print('lm_eval' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def _all_imports(path: Path, name: str | None = None) -> set[str]:
    """xeval modules a module imports anywhere (top level or inside functions)."""
    name = name or _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("xeval"):
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("xeval"))
    return found


# (importing part, parts it must not import): language sits below tasks, scoring and results;
# scoring and results do not import each other; tasks do not reach up into scoring.
LAYER_RULES = [
    ("xeval.language", ("xeval.tasks", "xeval.models", "xeval.run", "xeval.scoring", "xeval.results",
                        "xeval.integrations", "xeval.cli")),
    ("xeval.scoring", ("xeval.results", "xeval.run", "xeval.tasks", "xeval.cli")),
    ("xeval.results", ("xeval.scoring", "xeval.run", "xeval.models", "xeval.cli")),
    ("xeval.tasks", ("xeval.scoring", "xeval.run", "xeval.results", "xeval.cli")),
    ("xeval.types", ("xeval.",)),
]


def _within(module: str, part: str) -> bool:
    if part.endswith("."):
        return module.startswith(part)
    return module == part or module.startswith(part + ".")


def _violations(modules: dict[str, Path]) -> list[str]:
    broken = []
    for part, forbidden in LAYER_RULES:
        for module, path in sorted(modules.items()):
            if not _within(module, part):
                continue
            for target in sorted(_all_imports(path, module)):
                if any(_within(target, f) for f in forbidden):
                    broken.append(f"{module} imports {target}")
    return broken


def test_layers() -> None:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    assert {"xeval.language.identify", "xeval.language.counting", "xeval.language.names"} <= set(modules)
    broken = _violations(modules)
    assert not broken, "layering broken:\n" + "\n".join(broken)


def test_layer_rules_read_imports_inside_functions(tmp_path: Path) -> None:
    """A function-level import that breaks a rule is caught; a relative one inside the part is not."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from xeval.results import read_records\n    from . import names\n",
                     encoding="utf-8")
    assert _violations({"xeval.language.probe": probe}) == ["xeval.language.probe imports xeval.results"]
