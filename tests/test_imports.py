"""The import graph: data flows one way, lexicon (data) -> match / tokenizer (stages) -> classify (predict)
<- train (fit, above it); no stage module takes part in an import cycle, lazy imports inside functions
included."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
LAYERED = ["lexicon", "match", "tokenizer", "classify", "train", "kwic", "discover", "segment", "stream", "tagger"]
# Cycles left inside one layer: the lexicon data layer (the loader, its file formats, its compiled cache) and
# the writers (a table's schema and the writer). A cycle must lie inside one of these; no stage takes part.
LAYERS = [{"lexicon", "lexicon_formats", "lexicon_cache"}, {"schema", "write"}]


def import_graph() -> dict[str, set[str]]:
    """module -> modules of the package it imports (relative imports, at any depth of the file)."""
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                deps.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
        graph[path.stem] = deps & modules - {path.stem}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_new_import_cycles() -> None:
    found = cycles(import_graph())
    assert [c for c in found if not any(c <= layer for layer in LAYERS)] == []


def test_data_flows_one_way() -> None:
    graph = import_graph()
    assert not graph["lexicon"] & {"match", "tokenizer", "classify", "train", "kwic", "discover"}
    assert not graph["match"] & {"tokenizer", "classify", "train", "kwic", "discover"}
    assert not graph["tokenizer"] & {"match", "classify", "train", "discover"}
    assert "train" not in graph["classify"]  # predicting never needs the code that fits
    assert "classify" in graph["train"]


def test_a_cycle_is_found() -> None:
    """The check itself: a graph with a loop is reported."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


@pytest.mark.parametrize("module", LAYERED)
def test_each_module_imports_alone(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import policytag.{module}"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
