"""Reading a study for export: time and peak memory from 10 k to 1 M item scores.

The export reads the study once (``load_study``: the metadata and every item
score streamed into numpy columns, scale scores by the scoring engine), then
computes the reliability from the same columns and streams the tables. This
benchmark runs, for each size, in its own process so ``ru_maxrss`` is that
step's peak:

* read: ``load_study`` + ``study_reliability`` + every table's rows produced
  and dropped (what an export does besides encoding cells);
* floor: the bare sqlite3 cursor walking the same item-score join, holding
  nothing (time), and the process with the same modules imported (memory).

It prints each figure beside its floor and the ratio, and the memory growth
per item score, which should be near zero (the goal: peak flat within ±30 MB
from 10 k to 1 M item scores).

Studies come from ``bench_export.generate`` (3 raters per team per session).
Usage: python bench/bench_study_read.py [--sessions 150 1500 15000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import db_study, generate  # noqa: E402

from rater.storage import open_database  # noqa: E402

JOIN = ("SELECT s.rating_id, s.item_id, s.value, s.is_na, s.note FROM item_score s "
        "JOIN rating r ON r.id = s.rating_id JOIN assignment a ON a.id = r.assignment_id "
        "WHERE a.purpose = 'study' AND r.submitted_at IS NOT NULL")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _imports() -> None:
    import numpy  # noqa: F401

    import rater.export.exporter  # noqa: F401
    import rater.stats  # noqa: F401


def child_read(db_path: str) -> dict:
    _imports()
    from rater.export.dataset import load_study
    from rater.export.exporter import build_sheets, study_reliability

    db = open_database(db_path, migrate=False)
    study_id = db_study(db)
    started = time.perf_counter()
    data = load_study(db, study_id)
    read = time.perf_counter() - started
    after_read = _peak_mb()
    reliability = study_reliability(data)
    stats = time.perf_counter() - started - read
    rows = 0
    for sheet in build_sheets(data, data.counts(), reliability, datetime(2024, 1, 1)):
        for table in sheet.tables:
            for _row in table.iter_rows():
                rows += 1
    return {"seconds": time.perf_counter() - started, "read_s": read, "stats_s": stats,
            "read_peak_mb": after_read, "peak_mb": _peak_mb(), "item_scores": data.scores.n_scores, "rows": rows}


def child_floor(db_path: str) -> dict:
    _imports()
    baseline = _peak_mb()
    conn = sqlite3.connect(db_path)
    started = time.perf_counter()
    n = 0
    for _row in conn.execute(JOIN):
        n += 1
    return {"seconds": time.perf_counter() - started, "peak_mb": max(baseline, _peak_mb()), "item_scores": n}


def run_child(kind: str, db_path: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", kind, str(db_path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step {kind} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, nargs="+", default=[150, 1_500, 15_000])
    parser.add_argument("--dir", type=Path, help="keep (and reuse) the generated databases here")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, db_path = args.child
        print(json.dumps(child_read(db_path) if kind == "read" else child_floor(db_path)))
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-read-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sessions:
        path = folder / f"study-{n}.sqlite"
        if not path.exists():
            generate(path, n)
        read, floor = run_child("read", path), run_child("floor", path)
        results.append((read, floor))
        print(f"{read['item_scores']:>9,} item scores: read + reliability + table rows {read['seconds']:6.2f} s "
              f"(read {read['read_s']:.2f} s, reliability {read['stats_s']:.2f} s), peak {read['peak_mb']:6.0f} MB "
              f"(after reading {read['read_peak_mb']:.0f} MB) | floor: bare sqlite3 cursor {floor['seconds']:.2f} s, "
              f"imports only {floor['peak_mb']:.0f} MB | ratio time {read['read_s'] / floor['seconds']:.1f}x "
              f"(read only), memory {read['peak_mb'] / floor['peak_mb']:.2f}x")
    if len(results) > 1:
        (small, _), (large, _) = results[0], results[-1]
        grown = large["peak_mb"] - small["peak_mb"]
        per_score = grown * 1024 * 1024 / max(1, large["item_scores"] - small["item_scores"])
        print(f"peak memory growth {small['item_scores']:,} -> {large['item_scores']:,} item scores: "
              f"{grown:+.0f} MB ({per_score:.0f} bytes per item score; goal: within ±30 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
