"""Project promises that are easy to break without noticing."""
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_binder_installs_the_same_packages_as_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [l.strip() for l in (ROOT / "binder/requirements.txt").read_text().splitlines()]
    assert sorted(l for l in lines if l and not l.startswith("#")) == sorted(declared)
    assert "pip install --no-deps -e ." in (ROOT / "binder/postBuild").read_text()


def test_core_layers_import_neither_ipywidgets_nor_boto3():
    code = ("import sys; import stackerynb, stackerynb.catalog, stackerynb.model, stackerynb.cli;"
            "import importlib.util as u;"
            "[__import__(m) for m in ('stackerynb.compile', 'stackerynb.analysis') if u.find_spec(m)];"
            "bad = [m for m in ('ipywidgets', 'ipycytoscape', 'boto3', 'botocore') if m in sys.modules];"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "make test" in (ROOT / ".ci/run").read_text()


# ------------------------------------------------------------------ layers import downward only
# DESIGN.md: catalog, cfn < store < model < compile/importing < deploy, analysis beside compile,
# widgets and cli on top. ``errors`` and ``tables`` (showing tables) are the floor everyone stands on; ``stackerynb`` itself
# re-exports the model, so importing it counts as importing the model.
LAYER_RANKS = {
    "errors": 0, "tables": 0, "cfn": 1, "catalog": 1, "store": 2, "model": 3, "stackerynb": 3,
    "compile": 4, "importing": 4, "diff": 4, "analysis": 4, "examples": 4, "patterns": 4,
    "deploy": 5, "widgets": 6, "cli": 6, "__main__": 7,
}
# Same rank, but beside each other rather than one on the other.
BESIDE = {("analysis", "compile"), ("analysis", "importing"), ("compile", "analysis"), ("importing", "analysis"),
          # the semantic diff reads templates (cfn, catalog, the importer's reader); it compiles nothing
          ("diff", "compile"), ("diff", "analysis"), ("compile", "diff"), ("analysis", "diff")}
# Function-level imports that go upward: only the model's convenience methods (Stack.compile,
# Stack.deploy, ...) may, like DataFrame.plot.
LAZY_UPWARD_ALLOWED = {"stackerynb.model.stack"}

def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "stackerynb"
    return parts[1]


def imports_of(source: str, module: str, is_package: bool):
    """(imported module, line, at module level?) for every stackerynb import in ``source``."""
    import ast

    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    found = []

    def visit(node, top: bool):
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for alias in child.names:  # `from stackerynb import patterns` imports a module
                    candidate = f"{target}.{alias.name}"
                    found.append((candidate if _is_module(candidate) else target, child.lineno, top))
            visit(child, inner)

    visit(tree, True)
    return [(name, line, top) for name, line, top in found if name.split(".")[0] == "stackerynb"]


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layering_violations(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Every import pointing up the layers in ``modules`` ({name: (source, is_package)})."""
    found = []
    for module, (source, is_package) in sorted(modules.items()):
        mine = layer_of(module)
        for target, line, top in imports_of(source, module, is_package):
            theirs = layer_of(target)
            if theirs not in LAYER_RANKS or mine not in LAYER_RANKS:
                found.append(f"{module}:{line}: {target}: layer {theirs if mine in LAYER_RANKS else mine} "
                             "is not in DESIGN.md's layers")
                continue
            upward = LAYER_RANKS[theirs] > LAYER_RANKS[mine] or (mine, theirs) in BESIDE
            if not upward:
                continue
            if top:
                found.append(f"{module}:{line}: imports {target} ({mine} may not import {theirs})")
            elif module not in LAZY_UPWARD_ALLOWED:
                found.append(f"{module}:{line}: imports {target} inside a function ({mine} may not "
                             f"import {theirs}; only {', '.join(sorted(LAZY_UPWARD_ALLOWED))} may, lazily)")
    return found


def package_modules() -> dict[str, tuple[str, bool]]:
    modules = {}
    for path in (ROOT / "stackerynb").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_package)
    return modules


def test_no_layer_imports_a_higher_one():
    assert layering_violations(package_modules()) == []


def test_the_layering_check_catches_upward_imports():
    """The checker itself, on seeded violations in a copy of the real modules."""
    modules = package_modules()
    seeded = dict(modules)
    store_source, _ = modules["stackerynb.store.gitstore"]
    seeded["stackerynb.store.gitstore"] = ("from stackerynb.model.stack import Stack\n" + store_source, False)
    seeded["stackerynb.catalog.kinds"] = (modules["stackerynb.catalog.kinds"][0] +
                                          "\nif True:\n    from ..compile import compiler\n", False)
    seeded["stackerynb.model.rules"] = (modules["stackerynb.model.rules"][0] +
                                        "\ndef later():\n    import stackerynb.deploy.engine\n", False)
    seeded["stackerynb.analysis.pricing"] = ("from stackerynb import compile\n" + modules["stackerynb.analysis.pricing"][0], False)
    seeded["stackerynb.compile.wiring"] = ("from stackerynb.widgets import canvas\n" + modules["stackerynb.compile.wiring"][0], False)
    found = layering_violations(seeded)
    assert found == [
        "stackerynb.analysis.pricing:1: imports stackerynb.compile (analysis may not import compile)",
        f"stackerynb.catalog.kinds:{modules['stackerynb.catalog.kinds'][0].count(chr(10)) + 3}: imports "
        "stackerynb.compile.compiler (catalog may not import compile)",
        "stackerynb.compile.wiring:1: imports stackerynb.widgets.canvas (compile may not import widgets)",
        f"stackerynb.model.rules:{modules['stackerynb.model.rules'][0].count(chr(10)) + 3}: imports "
        "stackerynb.deploy.engine inside a function (model may not import deploy; only "
        "stackerynb.model.stack may, lazily)",
        "stackerynb.store.gitstore:1: imports stackerynb.model.stack (store may not import model)",
    ]
    # the model's convenience methods may import upward inside a function, never at module level
    stack_source = modules["stackerynb.model.stack"][0]
    assert "from stackerynb.deploy import deploy" in stack_source and not layering_violations(
        {"stackerynb.model.stack": (stack_source, False)})
    assert layering_violations({"stackerynb.model.stack": ("import stackerynb.deploy\n", False)}) == [
        "stackerynb.model.stack:1: imports stackerynb.deploy (model may not import deploy)"]
