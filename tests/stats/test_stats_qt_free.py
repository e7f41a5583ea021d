"""rater.stats must import and run with PySide6, vlc and SQLAlchemy unavailable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
for name in ("PySide6", "shiboken6", "vlc", "sqlalchemy"):
    sys.modules[name] = None
from rater.stats import RatingRow, analyse, report_to_json
rows = [RatingRow(f"S{s}", r, i, float((s * 7 + len(r) + i) % 5))
        for s in range(6) for r in ("R1", "R2") for i in (1, 2)]
data = report_to_json(analyse(rows))
assert data["scales"]["all"]["k_raters"] == 2
loaded = [m for m in ("PySide6", "vlc", "sqlalchemy") if sys.modules.get(m) is not None]
assert not loaded, loaded
print("ok")
"""


def test_stats_import_without_qt_vlc_or_sqlalchemy():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
