"""Reading a study while another process holds SQLite's write lock: open + progress report, p50/p95.

Another process keeps a write transaction open (as a rater's autosave does for
a moment, or a long import for longer) for the whole run. The figure is the
time to open the database for reading and compute the progress report that
``rater status`` prints; the floor is the bare sqlite3 work of the same kind
beside the same writer: connect and read every assignment and rating row.

Usage: python bench/bench_read_beside_writer.py [N]   (default 30 runs)
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rater.storage import open_database
from rater.storage.database import BUSY_TIMEOUT_MS
from rater.study.reports.progress import study_progress
from rater.study.setup.demo import create_demo_study

WRITER = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE rater SET name = name")
print("holding", flush=True)
time.sleep(3600)
"""


def _p(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)]


def _rater_read(path: Path, study_id: str) -> None:
    db = open_database(path, reading_only=True)
    try:
        study_progress(db, study_id)
    finally:
        db.close()


def _floor_read(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute("SELECT * FROM assignment").fetchall()
        con.execute("SELECT * FROM rating").fetchall()
    finally:
        con.close()


def main(n: int = 30) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        db = open_database(path)
        study_id = create_demo_study(db)
        db.close()
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout.readline().strip() == "holding"
            ours, floor = [], []
            for _ in range(n):  # interleaved, so both see the same machine load
                start = time.perf_counter()
                _rater_read(path, study_id)
                ours.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                _floor_read(path)
                floor.append((time.perf_counter() - start) * 1000)
        finally:
            writer.kill()
            writer.wait()
    (o50, o95), (f50, f95) = _p(ours), _p(floor)
    print(f"open + progress beside a writer (n={n}): p50 {o50:.1f} ms, p95 {o95:.1f} ms")
    print(f"floor, sqlite3 connect + read beside the writer: p50 {f50:.2f} ms, p95 {f95:.2f} ms")
    print(f"ratio p50 {o50 / f50:.0f}x (before reads stopped taking the write lock: refused as locked "
          f"after the {BUSY_TIMEOUT_MS / 1000:.0f} s busy timeout)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
