"""The layers import downwards only: no module of qlara imports one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "qlara"


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The qlara modules ``path`` imports when it is loaded (not under TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("qlara"):
                for alias in inner.names:
                    candidate = f"{inner.module}.{alias.name}"
                    found.add(candidate if candidate in modules else str(inner.module))
            elif isinstance(inner, ast.Import):
                found.update(a.name for a in inner.names if a.name.startswith("qlara"))
    return found


def test_no_import_cycles() -> None:
    """Every module can be understood from the ones below it (the package root aside)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: {t for t in _imports(path, set(paths)) if t in paths and t not in (name, "qlara")}
        for name, path in paths.items()
    }
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_httpx_is_imported_only_by_the_pipeline_and_the_clients() -> None:
    """The HTTP library can be swapped: httpx appears in _http.py and the constructors only."""
    allowed = {"_http.py", "_client.py", "_sync.py"}
    users = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "testing" not in path.parts
        and any(
            line.strip().startswith(("import httpx", "from httpx"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    }
    assert users <= allowed, users - allowed


def test_the_simulator_shares_only_the_models_with_the_client() -> None:
    """qlara.testing must not share the client's bugs: it imports models, errors, nothing else."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    allowed = (
        "qlara.testing",
        "qlara._models",
        "qlara._errors",
        "qlara._converter",
        "qlara._redact",
    )
    used = {
        target
        for name, path in paths.items()
        if name.startswith("qlara.testing")
        for target in _imports(path, set(paths))
    }
    assert {t for t in used if not t.startswith(allowed)} == set()
