"""stackerynb: design, compile, deploy and analyse serverless AWS stacks from JupyterLab.

The public names load on first use (PEP 562), so ``import stackerynb`` and the command line
start near a bare interpreter's time; ``from stackerynb import Stack`` loads the model then.
"""
from stackerynb.tables import show_dollars_literally

__version__ = "0.1.0"
__all__ = ["Stack", "StackError", "Problem", "Node", "Wire", "__version__"]

_LAZY = {"Stack": "stackerynb.model", "Node": "stackerynb.model", "Wire": "stackerynb.model",
         "StackError": "stackerynb.errors", "Problem": "stackerynb.errors"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stackerynb' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


show_dollars_literally()  # in a notebook, `${Work.Arn}` in a table is text, not a formula
