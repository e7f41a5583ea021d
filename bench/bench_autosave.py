"""One item change → committed to disk, beside its floor, in the same run.

Usage: python bench/bench_autosave.py [N] [--dir FOLDER]   (default 500 changes, a temp folder)

The app: ``Workstation.set_response`` on the demo study in a SQLite file
(WAL, synchronous=FULL), each change its own transaction with its audit row.
The floor: bare ``sqlite3`` on a second file in the same folder (same disk),
same pragmas, doing the least a change must do — ``BEGIN IMMEDIATE; UPDATE``
one score row; ``INSERT`` one audit row; ``COMMIT``. The two alternate change by
change so both see the same disk and load. Printed: p50, p95 and max of each,
the ratios, the CPU time per change of each, and the SQL statements the app
sends per change (counted by SQLite's own trace hook).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import event

from rater.storage import open_database
from rater.study.demo import create_demo_study
from rater.study.workstation import Workstation

ITEMS = [f"asg{i}" for i in range(1, 8)]


def bare_floor(path: Path) -> tuple[sqlite3.Connection, int]:
    """A bare sqlite3 connection set up like the app's, with one score row to update."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE score (id INTEGER PRIMARY KEY, value INTEGER, updated_at TEXT)")
    conn.execute("CREATE TABLE audit (id TEXT PRIMARY KEY, at TEXT, actor TEXT, entity_id TEXT, field TEXT, "
                 "old TEXT, new TEXT)")
    conn.execute("INSERT INTO score VALUES (1, 0, '')")
    return conn, 1


def bare_change(conn: sqlite3.Connection, i: int) -> None:
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE score SET value = ?, updated_at = ? WHERE id = 1", (i % 5, now))
    conn.execute("INSERT INTO audit VALUES (?, ?, 'rater:T1-01', 'r', 'item:asg1', ?, ?)",
                 (str(uuid.uuid4()), now, str((i - 1) % 5), str(i % 5)))
    conn.execute("COMMIT")


def percentiles(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * len(ordered)) - 1], ordered[-1]


def main(n: int, folder: str | None) -> None:
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        db = open_database(Path(tmp) / "bench.sqlite")
        create_demo_study(db)
        ws = Workstation(db)
        rater = ws.raters()[0]
        aid = ws.queue(rater.id)[0].assignment_id
        ws.open(aid, rater.id)
        statements: list[str] = []
        db.engine.dispose()  # new connections traced by SQLite itself, so every statement is counted
        event.listen(db.engine, "connect", lambda conn, _rec: conn.set_trace_callback(statements.append))
        floor_conn, _ = bare_floor(Path(tmp) / "floor.sqlite")
        app, floor = [], []
        cpu = {"app": 0.0, "floor": 0.0}  # CPU time is steadier than wall time on a busy machine
        for i in range(n):
            start, cpu_start = time.perf_counter(), time.process_time()
            ws.set_response(aid, rater.id, ITEMS[i % 7], (i // 7) % 5)
            app.append((time.perf_counter() - start) * 1000)
            cpu["app"] += time.process_time() - cpu_start
            start, cpu_start = time.perf_counter(), time.process_time()
            bare_change(floor_conn, i)
            floor.append((time.perf_counter() - start) * 1000)
            cpu["floor"] += time.process_time() - cpu_start
        floor_conn.close()
        db.close()
    a50, a95, amax = percentiles(app)
    f50, f95, fmax = percentiles(floor)
    print(f"item change -> committed, n={n} each, interleaved, WAL + synchronous=FULL on one disk")
    print(f"  app   Workstation.set_response        p50 {a50:.2f} ms  p95 {a95:.2f} ms  max {amax:.2f} ms  "
          f"({sum(not q.startswith('PRAGMA') for q in statements) / n:.1f} SQL statements per change, "
          "BEGIN and COMMIT included)")
    print(f"  floor sqlite3 BEGIN IMMEDIATE; UPDATE; INSERT; COMMIT  "
          f"p50 {f50:.2f} ms  p95 {f95:.2f} ms  max {fmax:.2f} ms")
    print(f"  ratio app / floor: p50 {a50 / f50:.2f}x  p95 {a95 / f95:.2f}x  (goal: p95 <= 2x); "
          f"CPU per change {cpu['app'] / n * 1000:.2f} ms / {cpu['floor'] / n * 1000:.2f} ms = "
          f"{cpu['app'] / cpu['floor']:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=500)
    parser.add_argument("--dir", help="folder on the disk to measure (default: the temp folder)")
    args = parser.parse_args()
    main(args.n, args.dir)
