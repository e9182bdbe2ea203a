"""The house's shape: layers that import one way, no circle, plugins on the public API alone."""

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import arena
from conftest import ROOT

PUBLIC = {"arena", "arena.errors"}
"""What a plugin may import from the arena: the package's own names and its errors."""


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    "plugin", sorted((ROOT / "plugins").rglob("*.py")), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_built_in_plugins_import_only_the_public_api(plugin):
    own = "arena.plugins." + plugin.relative_to(ROOT / "plugins").parts[0].removesuffix(".py")
    internal = [
        module
        for module in _imports(plugin)
        if module.split(".")[0] == "arena"
        and module not in PUBLIC
        and not (module == own or module.startswith(own + "."))
    ]
    assert internal == [], f"{plugin.name} imports {internal}: export what it needs from arena"


def test_every_public_name_imports():
    for name in arena.__all__:
        assert getattr(arena, name) is not None


def test_the_layer_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


def test_no_module_is_in_an_import_circle():
    graph = grimp.build_graph("arena")
    modules = sorted(m for m in graph.modules if m != "arena")
    circles = [
        (a, b)
        for a in modules
        for b in graph.find_modules_directly_imported_by(a)
        if b != "arena" and a < b and graph.chain_exists(importer=b, imported=a)
    ]
    assert circles == []
