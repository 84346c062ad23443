"""stackerynb: design, compile, deploy and analyse serverless AWS stacks from JupyterLab."""
from stackerynb.errors import Problem, StackError
from stackerynb.model import Node, Stack, Wire

__version__ = "0.1.0"
__all__ = ["Stack", "StackError", "Problem", "Node", "Wire", "__version__"]
