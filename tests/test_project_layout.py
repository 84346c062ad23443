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
