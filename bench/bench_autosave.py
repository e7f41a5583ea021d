"""One item change → committed to disk (WAL, synchronous=FULL): p50 and p95 latency.

Usage: python bench/bench_autosave.py [N]   (default 500 changes)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from rater.storage import open_database
from rater.study.demo import create_demo_study
from rater.study.workstation import Workstation


def main(n: int = 500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.sqlite")
        create_demo_study(db)
        ws = Workstation(db)
        rater = ws.raters()[0]
        aid = ws.queue(rater.id)[0].assignment_id
        ws.open(aid, rater.id)
        items = [f"asg{i}" for i in range(1, 8)]
        times = []
        for i in range(n):
            start = time.perf_counter()
            ws.set_response(aid, rater.id, items[i % 7], (i // 7) % 5)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[int(0.95 * len(times)) - 1]
        print(f"item change -> committed (n={n}): p50 {statistics.median(times):.2f} ms, "
              f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms")
        db.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
