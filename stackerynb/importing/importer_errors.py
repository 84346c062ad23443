"""How the import treats properties of a shape it does not expect."""
from __future__ import annotations

# Errors reading a property of an unexpected shape raises (a list where a name should be, a
# number where a mapping should be): the resource then stays raw with the reason, instead of
# the whole import failing. CloudFormation itself would refuse most such templates.
SHAPE_ERRORS = (TypeError, AttributeError, KeyError, ValueError, IndexError)


def unexpected_shape(exc: Exception) -> str:
    """The report's reason for a resource whose properties the import cannot read."""
    return f"its properties have a shape the import cannot read ({type(exc).__name__}: {exc})"
