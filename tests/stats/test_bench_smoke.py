"""Keep bench/bench_reliability.py runnable (on a small study, without timing claims)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_on_a_small_study():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_reliability.py"), "--sessions", "300",
         "--repeat", "1", "--no-pingouin"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "analyse(RatingTable)" in result.stdout and "peak" in result.stdout
