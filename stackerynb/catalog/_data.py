"""Reading the catalogue's YAML tables shipped inside the package."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=None)
def load_table(filename: str):
    """Parse ``stackerynb/catalog/<filename>`` once per process."""
    text = resources.files("stackerynb.catalog").joinpath(filename).read_text(encoding="utf-8")
    return yaml.safe_load(text)
