"""The one exception users see from stackerynb, and the problem records it carries."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a stack: which node (and setting) and what.

    ``node`` is None for stack-wide problems, ``setting`` None when the node as a whole is at
    fault. ``line`` is the line in the stack file when the stack came from a file.
    """

    node: str | None
    setting: str | None
    message: str
    code: str = "invalid"
    severity: str = "error"
    line: int | None = None

    @property
    def where(self) -> str:
        """``node.setting``, ``node`` or ``stack``: the place a person should look."""
        if self.node is None:
            return "stack"
        return f"{self.node}.{self.setting}" if self.setting else self.node

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class StackError(Exception):
    """A stack, a stack file or an operation on one is wrong; ``problems`` lists every cause."""

    def __init__(self, message: str | None = None, problems: list[Problem] | tuple = ()):
        self.problems = list(problems)
        if message is None:
            message = "\n".join(str(p) for p in self.problems) or "invalid stack"
        elif self.problems:
            message = message + "\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(message)
