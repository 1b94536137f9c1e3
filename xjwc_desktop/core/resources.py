"""Access to the shipped data files in ``resources/``."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

RESOURCES_DIR = Path(
    os.environ.get("XJWC_RESOURCES_DIR") or Path(__file__).resolve().parents[2] / "resources"
)


@functools.cache
def load_json(relative: str) -> Any:
    """Parse ``resources/<relative>`` (UTF-8 JSON); cached, callers must not mutate it."""
    with (RESOURCES_DIR / relative).open(encoding="utf-8") as fh:
        return json.load(fh)
