"""Reading the catalogue's YAML tables shipped inside the package.

The tables are parsed with libyaml's C parser when PyYAML has it (about 7x faster than the pure
Python one; the catalogue is read on every start), with the same guards as stack files: a key
given twice, or an anchor/alias, is an error naming the table and line rather than a silent
last-one-wins or a multiplied document.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogLoader(_Base):
    """Safe loading (C parser when available) that refuses duplicate keys and aliases."""

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&, *) are not allowed in the catalogue", node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_table(text: str, filename: str = "<catalogue>"):
    """The data of one catalogue table's YAML ``text``; a StackError names ``filename`` and the
    line of a duplicate key, an alias or a syntax error."""
    try:
        return yaml.load(text, Loader=CatalogLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        from stackerynb.errors import StackError
        mark = exc.problem_mark or exc.context_mark
        raise StackError(f"{filename}:{mark.line + 1 if mark else 1}: not valid YAML: {exc.problem or exc}") from None


@lru_cache(maxsize=None)
def load_table(filename: str):
    """Parse ``stackerynb/catalog/<filename>`` once per process."""
    text = resources.files("stackerynb.catalog").joinpath(filename).read_text(encoding="utf-8")
    return parse_table(text, f"stackerynb/catalog/{filename}")
