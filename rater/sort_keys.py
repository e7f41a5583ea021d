"""Sort keys shared by every layer (tables, exports, screens).

Kept at the bottom of the package, importing nothing of it, so the statistics,
the study services, the exports and the screens all order codes the same way.
"""

from __future__ import annotations

import re
from typing import Any

_DIGITS = re.compile(r"(\d+)")


def natural_key(label: Any) -> tuple:
    """Sort key that orders embedded numbers numerically ("R2" < "R10", "P2" < "P10")."""
    return tuple((0, int(part), "") if part.isdecimal() else (1, 0, part)
                 for part in _DIGITS.split(str(label)) if part)
