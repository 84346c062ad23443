"""stackerynb: design, compile, deploy and analyse serverless AWS stacks from JupyterLab."""
from stackerynb.errors import Problem, StackError
from stackerynb.model import Node, Stack, Wire
from stackerynb.tables import show_dollars_literally

__version__ = "0.1.0"
__all__ = ["Stack", "StackError", "Problem", "Node", "Wire", "__version__"]

show_dollars_literally()  # in a notebook, `${Work.Arn}` in a table is text, not a formula
