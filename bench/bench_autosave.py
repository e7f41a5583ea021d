"""One item change → committed to disk, beside its floor, in the same run.

Usage: python bench/bench_autosave.py [N] [--dir FOLDER] [--pg URL]   (default 500 changes, SQLite in a temp folder)

The app: ``Workstation.set_response`` on the demo study, each change its own
transaction with its audit row. SQLite runs in WAL mode with synchronous=FULL.
The floor: the bare driver doing the least a change must do — ``BEGIN``
(SQLite: ``BEGIN IMMEDIATE``); ``UPDATE`` one score row; ``INSERT`` one audit
row; ``COMMIT`` — on a second SQLite file in the same folder (same disk, same
pragmas), or with psycopg on the same PostgreSQL server (``--pg``, which
creates and drops a database of its own). The two alternate change by change
so both see the same disk and load. Printed: p50, p95 and max of each, the
ratios, the CPU time per change of each, and (SQLite) the SQL statements the
app sends per change, counted by SQLite's own trace hook.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from rater.storage import open_database
from rater.storage.database import Database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study

ITEMS = [f"asg{i}" for i in range(1, 8)]
FLOOR_TABLES = ("CREATE TABLE floor_score (id INTEGER PRIMARY KEY, value INTEGER, updated_at TEXT)",
                "CREATE TABLE floor_audit (id TEXT PRIMARY KEY, at TEXT, actor TEXT, entity_id TEXT, field TEXT, "
                "old TEXT, new TEXT)",
                "INSERT INTO floor_score VALUES (1, 0, '')")


def sqlite_floor(path: Path) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A bare sqlite3 connection set up like the app's: (one change, close)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    for sql in FLOOR_TABLES:
        conn.execute(sql)

    def change(i: int) -> None:
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE floor_score SET value = ?, updated_at = ? WHERE id = 1", (i % 5, now))
        conn.execute("INSERT INTO floor_audit VALUES (?, ?, 'rater:T1-01', 'r', 'item:asg1', ?, ?)",
                     (str(uuid.uuid4()), now, str((i - 1) % 5), str(i % 5)))
        conn.execute("COMMIT")

    return change, conn.close


def pg_floor(url: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A bare psycopg connection to the same database: (one change, close)."""
    import psycopg

    conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    for sql in FLOOR_TABLES:
        conn.execute(sql)
    conn.commit()

    def change(i: int) -> None:
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        conn.execute("UPDATE floor_score SET value = %s, updated_at = %s WHERE id = 1", (i % 5, now))
        conn.execute("INSERT INTO floor_audit VALUES (%s, %s, 'rater:T1-01', 'r', 'item:asg1', %s, %s)",
                     (str(uuid.uuid4()), now, str((i - 1) % 5), str(i % 5)))
        conn.commit()

    return change, conn.close


@contextlib.contextmanager
def pg_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards."""
    name = f"bench_autosave_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def percentiles(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * len(ordered)) - 1], ordered[-1]


def measure(db: Database, floor_change: Callable[[int], None], n: int) -> dict:
    create_demo_study(db)
    ws = Workstation(db)
    rater = ws.raters()[0]
    aid = ws.queue(rater.id)[0].assignment_id
    ws.open(aid, rater.id)
    statements: list[str] = []
    if db.is_sqlite:
        db.engine.dispose()  # new connections traced by SQLite itself, so every statement is counted
        event.listen(db.engine, "connect", lambda conn, _rec: conn.set_trace_callback(statements.append))
    times: dict[str, list[float]] = {"app": [], "floor": []}
    cpu = {"app": 0.0, "floor": 0.0}  # CPU time is steadier than wall time on a busy machine
    for i in range(n):
        for name, change in (("app", lambda i: ws.set_response(aid, rater.id, ITEMS[i % 7], (i // 7) % 5)),
                             ("floor", floor_change)):
            start, cpu_start = time.perf_counter(), time.process_time()
            change(i)
            times[name].append((time.perf_counter() - start) * 1000)
            cpu[name] += time.process_time() - cpu_start
    count = sum(not q.startswith("PRAGMA") for q in statements) / n if statements else None
    return {"times": times, "cpu": cpu, "statements": count}


def main(n: int, folder: str | None, pg: str | None) -> None:
    with contextlib.ExitStack() as stack:
        if pg:
            url = stack.enter_context(pg_database(pg))
            where = "PostgreSQL, same server"
            floor_change, floor_close = pg_floor(url)
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=folder)))
            url = str(tmp / "bench.sqlite")
            where = "SQLite, WAL + synchronous=FULL, one disk"
            floor_change, floor_close = sqlite_floor(tmp / "floor.sqlite")
        db = open_database(url)
        try:
            result = measure(db, floor_change, n)
        finally:
            floor_close()
            db.close()
    a50, a95, amax = percentiles(result["times"]["app"])
    f50, f95, fmax = percentiles(result["times"]["floor"])
    cpu = result["cpu"]
    count = result["statements"]
    begin = "BEGIN" if pg else "BEGIN IMMEDIATE"
    print(f"item change -> committed, n={n} each, interleaved, {where}")
    print(f"  app   Workstation.set_response               p50 {a50:.2f} ms  p95 {a95:.2f} ms  max {amax:.2f} ms"
          + (f"  ({count:.1f} SQL statements per change, BEGIN and COMMIT included)" if count else ""))
    print(f"  floor {begin}; UPDATE; INSERT; COMMIT  p50 {f50:.2f} ms  p95 {f95:.2f} ms  max {fmax:.2f} ms")
    print(f"  ratio app / floor: p50 {a50 / f50:.2f}x  p95 {a95 / f95:.2f}x  (goal: p95 <= 2x); "
          f"CPU per change {cpu['app'] / n * 1000:.2f} ms / {cpu['floor'] / n * 1000:.2f} ms = "
          f"{cpu['app'] / cpu['floor']:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=500)
    parser.add_argument("--dir", help="folder on the disk to measure (default: the temp folder)")
    parser.add_argument("--pg", metavar="URL", help="measure on this PostgreSQL server instead of SQLite")
    args = parser.parse_args()
    main(args.n, args.dir, args.pg)
