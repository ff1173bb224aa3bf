"""The dependency rule (docs/architecture.md), checked on the import graph of the code.

1. `shared/` imports neither `services/` nor `cli/`; the API and the worker never import
   each other.
2. The infrastructure packages of `shared/` (`db`, `jobs`, `outbox`, `idempotency`) import
   no domain, except `shared/db/models.py`, the registry that gathers every table.
3. Any domain may import another's declarations: its `models`, `schemas`, `events` and
   `jobs`. Beyond those (services, rules, pure modules...), domain packages form no cycle.
4. A domain never imports another domain's `service`: work that crosses domains goes
   through a declared job or an outbox event.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INFRASTRUCTURE = frozenset({"db", "jobs", "outbox", "idempotency"})
#: Seeds every domain through its services, as a client would: it composes the domains,
#: and nothing in `shared/` imports it.
COMPOSERS = frozenset({"demo"})
#: What a domain declares for the others to use: importing these makes no dependency cycle.
DECLARATIONS = frozenset({"models", "schemas", "events", "jobs"})
#: Gathers every model so that the metadata knows every table (migrations, the agreement
#: test): it imports every domain by design.
REGISTRY = Path("shared/db/models.py")


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def _python_files(top: str) -> list[Path]:
    return sorted(p.relative_to(ROOT) for p in (ROOT / top).rglob("*.py"))


def _packages() -> set[str]:
    return {p.name for p in (ROOT / "shared").iterdir() if (p / "__init__.py").exists()}


def _domain_of(module: str, packages: set[str]) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "shared" and parts[1] in packages else None


def test_shared_imports_no_adapter_and_the_adapters_not_each_other() -> None:
    found = []
    for path in _python_files("shared"):
        found += [
            f"{path}: {m}" for m in _imports(ROOT / path) if m.split(".")[0] in {"services", "cli"}
        ]
    for path in _python_files("services/api"):
        found += [f"{path}: {m}" for m in _imports(ROOT / path) if m.startswith("services.worker")]
    for path in _python_files("services/worker"):
        found += [f"{path}: {m}" for m in _imports(ROOT / path) if m.startswith("services.api")]
    assert found == []


def _domain_graph() -> tuple[dict[str, set[str]], list[str], list[str]]:
    """Edges between domain packages, infrastructure imports of domains, and imports of a
    sibling's service."""
    packages = _packages()
    edges: dict[str, set[str]] = defaultdict(set)
    infrastructure, services = [], []
    for path in _python_files("shared"):
        if len(path.parts) < 3 or path == REGISTRY:
            continue
        own = path.parts[1]
        if own in COMPOSERS:
            continue
        for module in _imports(ROOT / path):
            other = _domain_of(module, packages)
            if other in COMPOSERS:
                services.append(f"{path}: {module} (a composer)")
            if other is None or other == own or other in COMPOSERS:
                continue
            if own in INFRASTRUCTURE and other not in INFRASTRUCTURE:
                infrastructure.append(f"{path}: {module}")
            if other in INFRASTRUCTURE:
                continue
            if (
                own not in INFRASTRUCTURE
                and module.split(".")[2:3] != []
                and (module.split(".")[2] not in DECLARATIONS)
            ):
                edges[own].add(other)
            if module.split(".")[2:3] == ["service"]:
                services.append(f"{path}: {module}")
    return edges, infrastructure, services


def _cycles(edges: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Each strongly connected group of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(tuple(sorted(group)))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_infrastructure_imports_no_domain() -> None:
    assert _domain_graph()[1] == []


def test_domain_packages_form_no_cycle() -> None:
    assert _cycles(_domain_graph()[0]) == []


def test_no_domain_imports_another_domain_s_service() -> None:
    assert _domain_graph()[2] == []


def test_the_cycle_finder_finds_cycles() -> None:
    """Guards the check itself: a graph with a cycle is reported, one without is not."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]
    assert _cycles({"a": {"b"}, "b": {"c"}}) == []
    edges, _, _ = _domain_graph()
    assert "kpis" in edges["workspaces"]  # the walk finds imports (the KPI ranges)
