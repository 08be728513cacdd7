"""The import layers of docs/architecture.md, read from the source with `ast` (imports inside functions included).

- in production code, Dagster (dagster, dagster_webserver, dagster_graphql, ...) only in pipelines/orchestration/
  (synth/bench.py, a developer tool like the tests, reads stage times from Dagster's event log);
- inventories/ and schemas/ never import pipelines/ or synth/; schemas/ never imports inventories/;
- production code (pipelines/, inventories/, schemas/) never imports synth/, except the CLI inside the functions of
  `synergy demo`/`synth`/`bench`, which load the generator lazily.
A broken layer is reported as file:line and the import, so the fix is obvious.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PACKAGES = ("pipelines", "inventories", "schemas", "synth")
PRODUCTION = ("pipelines", "inventories", "schemas")
ORCHESTRATION = "pipelines/orchestration/"
SYNTH_ALLOWED_IN = "pipelines/cli.py"  # inside functions only: `synergy demo`, `synth`, `bench`


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository, with forward slashes
    line: int
    module: str  # absolute dotted name
    function: str | None  # innermost enclosing function, None at module level


def _module_of(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, source: str | None = None) -> list[Import]:
    """Every import statement in the file (or in `source`, read as if it were that file), plus
    importlib.import_module / __import__ calls with a literal name."""
    rel = path.relative_to(REPO).as_posix()
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path).rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Import):
            found.extend(Import(rel, node.lineno, alias.name, function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(Import(rel, node.lineno, base, function))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")))):
            found.append(Import(rel, node.lineno, node.args[0].value, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    text = path.read_text(encoding="utf-8") if source is None else source
    visit(ast.parse(text, filename=rel), None)
    return found


@cache
def _all_imports() -> tuple[Import, ...]:
    """Every import of the packages, read once per session."""
    return tuple(i for package in PACKAGES for path in sorted((REPO / package).rglob("*.py")) for i in _imports(path))


def _top(module: str) -> str:
    return module.split(".")[0]


def _is_dagster(module: str) -> bool:
    return _top(module) == "dagster" or _top(module).startswith("dagster_")


def _layer_breaks(imports: Iterable[Import]) -> list[str]:
    """Every import that crosses a layer the wrong way, as 'file:line imports module (rule)'."""
    breaks = []
    for i in imports:
        top, where = _top(i.module), i.file.split("/")[0]
        if _is_dagster(i.module) and where in PRODUCTION and not i.file.startswith(ORCHESTRATION):
            breaks.append(f"{i.file}:{i.line} imports {i.module} (only {ORCHESTRATION} may import Dagster)")
        if where in ("inventories", "schemas") and top in ("pipelines", "synth"):
            breaks.append(f"{i.file}:{i.line} imports {i.module} ({where}/ never imports {top}/)")
        if where in PRODUCTION and top == "synth" and not (i.file == SYNTH_ALLOWED_IN and i.function):
            breaks.append(f"{i.file}:{i.line} imports {i.module} (production code never imports synth/; "
                          f"only {SYNTH_ALLOWED_IN} lazily, inside a command)")
        if where == "schemas" and top == "inventories":
            breaks.append(f"{i.file}:{i.line} imports {i.module} (schemas/ never imports inventories/)")
    return breaks


def test_every_import_respects_the_layers():
    imports = _all_imports()
    assert len({i.file for i in imports}) > 50  # the walk really read the packages
    assert _layer_breaks(imports) == []


@pytest.mark.parametrize("source, expected", [
    ("import dagster\n", "pipelines/read/files.py:1 imports dagster (only"),
    ("def f():\n    from dagster_webserver import app\n", "pipelines/read/files.py:2 imports dagster_webserver"),
    ("import importlib\nimportlib.import_module('dagster')\n", "pipelines/read/files.py:2 imports dagster"),
    ("from synth.demo import generate\n", "pipelines/read/files.py:1 imports synth.demo (production code"),
])
def test_a_forbidden_import_in_pipelines_read_is_caught(source, expected):
    """The checker itself, on source text read as if it were pipelines/read/files.py."""
    breaks = _layer_breaks(_imports(REPO / "pipelines" / "read" / "files.py", source))
    assert len(breaks) == 1 and breaks[0].startswith(expected), breaks


@pytest.mark.parametrize("file, source, rule", [
    ("inventories/factors.py", "from pipelines.read import units\n", "inventories/ never imports pipelines/"),
    ("schemas/tables.py", "def f():\n    import inventories.reference\n", "schemas/ never imports inventories/"),
    ("schemas/fields.py", "from synth import world\n", "schemas/ never imports synth/"),
    ("pipelines/cli.py", "from synth.demo import generate\n", "production code never imports synth/"),
    ("pipelines/cli.py", "def ui():\n    import dagster\n", "only pipelines/orchestration/ may import Dagster"),
])
def test_each_rule_catches_its_break(file, source, rule):
    assert any(rule in b for b in _layer_breaks(_imports(REPO / file, source)))


@pytest.mark.parametrize("source", [
    "from ..orchestration import build\n",  # pipelines.orchestration, from inside pipelines/
    "def demo():\n    from synth.demo import generate\n",  # the CLI loads the generator lazily, in a command
])
def test_allowed_imports_pass(source):
    file = REPO / ("pipelines/read/files.py" if source.startswith("from ..") else "pipelines/cli.py")
    assert _layer_breaks(_imports(file, source)) == []


def test_relative_imports_resolve_to_their_package():
    source = "from ..files import sha256_of\nfrom . import city\nfrom ...orchestration import jobs\n"
    imports = _imports(REPO / "pipelines" / "read" / "sources" / "permit.py", source)
    assert [i.module for i in imports] == ["pipelines.read.files", "pipelines.read.sources", "pipelines.orchestration"]
