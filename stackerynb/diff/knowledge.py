"""The diff's facts about CloudFormation (``semantics.yaml``), read once."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def facts() -> dict:
    """``semantics.yaml`` as data."""
    with open(HERE / "semantics.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
