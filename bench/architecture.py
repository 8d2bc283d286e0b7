"""Architecture figures for src/uanl: package import cycles, imports hidden in functions,
modules over 400 lines. Prints them; `--check` exits 1 when a target (0) is missed.

    .venv/bin/python bench/architecture.py [--check] [--verbose]

A "package" is the first name under `uanl` (`uanl.tickets.service` -> `tickets`; the
top-level modules `app`, `api`, `cli`, `worker`, `serving` count as packages of their own).
Every import counts for the graph, at module level or inside a function. An import inside a
function "dodges a cycle" when moving it to the module's top would close a package cycle.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
LIMIT = 400


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "uanl" or len(parts) < 2:
        return None
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, inside a function?, line) for every uanl import in the file."""
    tree = ast.parse(path.read_text(), str(path))
    me = module_name(path)
    is_pkg = path.name == "__init__.py"
    out: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                out.extend((a.name, nested, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = me.split(".")
                    base = base if is_pkg else base[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                out.append((mod, nested, child.lineno))
            visit(child, inner)

    visit(tree, False)
    return [(m, n, ln) for m, n, ln in out if m.startswith("uanl")]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            strong(v)
    return found


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        v = todo.pop()
        if v == goal:
            return True
        if v in seen:
            continue
        seen.add(v)
        todo.extend(graph.get(v, ()))
    return False


def measure(verbose: bool = False) -> dict[str, int]:
    files = [p for p in (SRC / "uanl").rglob("*.py") if "migrations" not in p.parts]
    top_graph: dict[str, set[str]] = defaultdict(set)
    all_graph: dict[str, set[str]] = defaultdict(set)
    nested: list[tuple[Path, int, str, str]] = []
    for path in files:
        src_pkg = package_of(module_name(path))
        if src_pkg is None:
            continue
        for mod, inside, line in imports_of(path):
            dst = package_of(mod)
            if dst is None or dst == src_pkg:
                if inside:
                    nested.append((path, line, src_pkg, src_pkg))
                continue
            all_graph[src_pkg].add(dst)
            if inside:
                nested.append((path, line, src_pkg, dst))
            else:
                top_graph[src_pkg].add(dst)
    loops = cycles(all_graph)
    dodging = [n for n in nested if n[2] != n[3] and reaches(top_graph, n[3], n[2])]
    core_domain = sorted(all_graph.get("core", ()))
    long_modules = sorted(
        (len(p.read_text().splitlines()), str(p.relative_to(SRC)))
        for p in files
        if len(p.read_text().splitlines()) > LIMIT
    )
    print(f"package cycles: {len(loops)}")
    for loop in loops:
        print(f"  {len(loop)} packages: {' '.join(loop)}")
    print(
        f"imports inside functions: {len(nested)} (to another package: "
        f"{sum(1 for n in nested if n[2] != n[3])}; that would close a cycle at top level: "
        f"{len(dodging)})"
    )
    if verbose:
        for path, line, a, b in dodging:
            print(f"  {path.relative_to(SRC)}:{line} {a} -> {b}")
    print(f"core imports these packages: {', '.join(core_domain) or 'none'}")
    print(f"modules over {LIMIT} lines (migrations aside): {len(long_modules)}")
    for n, name in long_modules:
        print(f"  {n:5d} {name}")
    return {
        "cycles": len(loops),
        "dodging": len(dodging),
        "core": len(core_domain),
        "long": len(long_modules),
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    figures = measure(args.verbose)
    if args.check and any(figures.values()):
        sys.exit(1)
