"""Keep bench/bench_reliability.py runnable (on a small study, without timing claims)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_on_a_small_study():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_reliability.py"), "--sessions", "300",
         "--repeat", "1", "--no-pingouin"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "analyse(RatingTable)" in result.stdout and "peak" in result.stdout


def test_random_effects_benchmark_runs_and_agrees_with_statsmodels():
    pytest.importorskip("statsmodels")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_random_effects.py"), "--sizes", "40",
         "--repeat", "1", "--statsmodels-max", "40"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    row = result.stdout.splitlines()[1].split()
    assert row[0] == "40" and float(row[-1]) < 1e-4  # largest variance difference


def test_csv_benchmark_runs_on_a_small_file():
    pytest.importorskip("pingouin")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_reliability.py"), "--csv", "--sessions", "60",
         "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "pandas + pingouin / ours" in result.stdout and "B/row" in result.stdout


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc/self/clear_refs")
def test_statistics_memory_benchmark_runs_on_a_small_study(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_stats_memory.py"), "--sizes", "30", "--dbdir",
         str(tmp_path), "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for label in ("memory", "strict", "time", "raters"):
        assert any(line.strip().startswith(label) and "floor" in line and "ratio" in line for line in lines), label
