#!/usr/bin/env python3
"""Fails when a Rust crate's modules depend on each other in a cycle.

    scripts/module-cycles.py [--graph] SRC_DIR...

For every module, the graph of its child modules is built from the paths the
code names (`crate::a::b`, `super::x`, `self::y`, `use` groups included):
an edge A -> B when anything under child A names something under child B.
Each such graph must be acyclic, so the crate reads bottom-up at every level
(`model` below `db` below `ingest` below `indexer`, and so on). `--graph`
prints the top level's edges.

Parsing is textual (comments and string literals stripped first): enough for
this codebase's `use` style, and it errs towards reporting an edge.
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(source: str) -> str:
    """The source without comments, string and char literals."""
    source = re.sub(r"/\*.*?\*/", " ", source, flags=re.S)
    source = re.sub(r'r#*"(?:.|\n)*?"#*', '""', source)
    source = re.sub(r'"(?:\\.|[^"\\])*"', '""', source)
    source = re.sub(r"'(?:\\.|[^'\\])'", "' '", source)
    return re.sub(r"//[^\n]*", " ", source)


def module_of(src: Path, file: Path) -> list:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return parts


def expand(tail: str) -> list:
    """`a::{b, c::d}` -> [[a, b], [a, c, d]]; stops at the first non-path token."""
    out = []

    def walk(text: str, prefix: list) -> None:
        text = text.strip()
        group = re.match(rf"((?:{IDENT}\s*::\s*)*)\{{", text)
        if group:
            head = [p for p in re.split(r"\s*::\s*", group.group(1)) if p]
            body, depth, i = "", 1, group.end()
            while i < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                body += text[i] if depth else ""
                i += 1
            item, depth = "", 0
            for ch in body + ",":
                if ch == "," and depth == 0:
                    if item.strip():
                        walk(item, prefix + head)
                    item = ""
                    continue
                depth += {"{": 1, "}": -1}.get(ch, 0)
                item += ch
            return
        path = re.match(rf"{IDENT}(?:\s*::\s*{IDENT})*", text)
        if path:
            out.append(prefix + re.split(r"\s*::\s*", path.group(0)))
        else:
            out.append(prefix)

    walk(tail, [])
    return out


def references(module: list, source: str) -> list:
    """Absolute module paths (from the crate root) this file names."""
    refs = []
    pattern = rf"\b((?:crate|self|super)(?:\s*::\s*super)*)\s*::\s*"
    for m in re.finditer(pattern, source):
        anchor = re.split(r"\s*::\s*", m.group(1))
        base = [] if anchor[0] == "crate" else list(module)
        for part in anchor:
            if part == "super":
                base = base[:-1]
        for path in expand(source[m.end():m.end() + 2000]):
            refs.append(base + [p for p in path if p != "self"])
    return refs


def cycles(edges: dict) -> list:
    """Every strongly connected component with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    nodes = set(edges) | {b for targets in edges.values() for b in targets}

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def check(src: Path, show_graph: bool) -> int:
    # children[parent path] -> {child name}; edges[parent][a] -> {b}
    files = [f for f in src.rglob("*.rs") if "bin" not in f.relative_to(src).parts[:1]]
    modules = {tuple(module_of(src, f)) for f in files}
    edges = defaultdict(lambda: defaultdict(set))
    for file in files:
        module = module_of(src, file)
        for ref in references(module, strip(file.read_text())):
            # The deepest common ancestor decides which graph the edge is in.
            common = 0
            while common < min(len(module), len(ref)) and module[common] == ref[common]:
                common += 1
            if common >= len(module) or common >= len(ref):
                continue  # a reference to an ancestor or into its own subtree
            parent = tuple(module[:common])
            child = ref[common]
            if parent + (child,) in modules or any(m[: common + 1] == parent + (child,) for m in modules):
                edges[parent][module[common]].add(child)
    failed = 0
    for parent in sorted(edges):
        for component in cycles(edges[parent]):
            where = "::".join(parent) or "crate root"
            print(f"{src}: cycle among {where}'s modules: {' <-> '.join(component)}")
            for a in component:
                for b in sorted(edges[parent][a] & set(component)):
                    print(f"    {a} -> {b}")
            failed = 1
    if show_graph:
        for a in sorted(edges[()]):
            print(f"{a} -> {', '.join(sorted(edges[()][a]))}")
    return failed


def main(argv: list) -> int:
    show = "--graph" in argv
    dirs = [a for a in argv if a != "--graph"]
    if not dirs:
        print(__doc__, file=sys.stderr)
        return 2
    return max(check(Path(d), show) for d in dirs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
