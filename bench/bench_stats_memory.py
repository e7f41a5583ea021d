"""Memory and time of a study's reliability statistics once the study is read.

    python bench/bench_stats_memory.py [--sizes 157,15700] [--dbdir DIR] [--repeat 3]

The studies are the export benchmark's (``bench/bench_export.py``: 157
sessions = 10 k item scores, 15,700 = 1 M), reused from --dbdir or generated
there (only read here). Each size runs in a fresh process that loads the
study as the export does (``load_study``), then runs what the export runs
next: ``study_reliability`` (``reliability_data()`` + ``analyse()``).

Printed per size:

* memory: the peak RSS the statistics add over the resident size of the
  loaded process (``ru_maxrss`` after minus VmRSS before), as the export
  sees it, beside the floor: the bytes of the study reader's own arrays
  (``StudyScores``), which the statistics read; ratio = added / floor.
  Goal: <= 10 MB at 1 M item scores. "strict" repeats it after returning
  the freed heap to the system and resetting the peak, so that no memory
  the reading left free hides what the statistics allocate.
* time: ``study_reliability`` (median of --repeat after the measured run),
  wall and CPU, and ``reliability_data()`` (the encoding) within it; the
  floor is one grouped numpy pass over the item scores
  (``np.add.reduceat(value, starts[:-1])``), the least any statistic of
  every score must do.
* the Raters sheet: ``raters_table`` beside its floor, the bare sqlite3
  aggregate over the assignment table it runs, and the former join over
  assignments and ratings it replaced.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

_AGGREGATE = ("SELECT rater_id, status, count(*) FROM assignment WHERE study_id = ? AND purpose = 'study' "
              "GROUP BY rater_id, status")
_FORMER_JOIN = ("SELECT a.rater_id, a.status, count(*), min(r.submitted_at), max(r.submitted_at) FROM assignment a "
                "LEFT OUTER JOIN rating r ON r.assignment_id = a.id WHERE a.study_id = ? AND a.purpose = 'study' "
                "GROUP BY a.rater_id, a.status")


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn()`` over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def child(db_path: str, repeat: int) -> dict:
    """Load the study, then measure the statistics (this process only)."""
    import gc

    import bench_export
    import numpy as np

    from rater.export.dataset import load_study
    from rater.export.exporter import study_reliability
    from rater.export.record_tables import raters_table
    from rater.storage import open_database

    db = open_database(db_path, migrate=False)
    study_id = bench_export.db_study(db)
    data = load_study(db, study_id)
    gc.collect()
    sc = data.scores
    # Coded scores' values and N/A flags read the same bytes: count each array once.
    held = {id(a): a for a in (getattr(v, "codes", v) for v in vars(sc).values()) if isinstance(a, np.ndarray)}
    floor = sum(a.nbytes for a in held.values()) / 2**20
    before, peak_before = _resident_mb(), _peak_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    result = study_reliability(data)
    first = (time.perf_counter() - wall, time.process_time() - cpu)
    peak_after = _peak_mb()
    assert result.report is not None, result.problems
    del result
    gc.collect()
    # Strict: heap memory the reading freed stays resident and is reused by the statistics,
    # hiding what they need. Return it to the system, reset the peak to the resident size
    # (Linux: clear_refs 5) and run again: the new peak is all the statistics' own.
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")
    trimmed = _resident_mb()
    study_reliability(data)
    strict = _peak_mb() - trimmed
    stats = _timed(lambda: study_reliability(data), repeat)
    encode = _timed(data.reliability_data, repeat)
    values = getattr(sc.value, "codes", sc.value)  # the bytes held (coded scores: one per score)
    one_pass = _timed(lambda: np.add.reduceat(values, sc.starts[:-1]), repeat)
    raters = _timed(lambda: raters_table(data, []), repeat)
    db.close()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    aggregate = _timed(lambda: conn.execute(_AGGREGATE, (study_id,)).fetchall(), repeat)
    former = _timed(lambda: conn.execute(_FORMER_JOIN, (study_id,)).fetchall(), repeat)
    conn.close()
    return {"item_scores": sc.n_scores, "ratings": sc.n_ratings, "floor_mb": floor, "resident_mb": before,
            "peak_before_mb": peak_before, "peak_after_mb": peak_after, "strict_mb": strict, "trimmed_mb": trimmed,
            "first": first, "stats": stats,
            "encode": encode, "one_pass": one_pass, "raters": raters, "aggregate": aggregate, "former": former}


def report(sessions: int, r: dict) -> None:
    added = r["peak_after_mb"] - r["resident_mb"]
    print(f"== {sessions:,} sessions: {r['item_scores']:,} item scores, {r['ratings']:,} ratings; loaded study "
          f"resident {r['resident_mb']:.1f} MB (peak so far {r['peak_before_mb']:.1f} MB)")
    print(f"  memory  reliability_data()+analyse() add {added:6.1f} MB peak | floor StudyScores arrays "
          f"{r['floor_mb']:6.1f} MB | ratio {added / r['floor_mb']:.2f}   (goal <= 10 MB)")
    print(f"  strict  the same from a trimmed heap ({r['trimmed_mb']:.1f} MB resident) {r['strict_mb']:6.1f} MB peak | "
          f"floor {r['floor_mb']:6.1f} MB | ratio {r['strict_mb'] / r['floor_mb']:.2f}")
    (sw, sc), (ew, _), (pw, pc) = r["stats"], r["encode"], r["one_pass"]
    print(f"  time    study_reliability {sw:6.3f} s wall {sc:6.3f} s CPU (encoding {ew:.3f} s, first run "
          f"{r['first'][0]:.3f} s) | floor one numpy pass {pw:6.3f} s wall {pc:6.3f} s CPU | ratio "
          f"{sc / max(pc, 1e-9):.0f} CPU")
    (rw, rc), (aw, ac), (fw, _) = r["raters"], r["aggregate"], r["former"]
    print(f"  raters  raters_table {rw:6.3f} s wall {rc:6.3f} s CPU | floor sqlite3 assignment aggregate "
          f"{aw:6.3f} s wall {ac:6.3f} s CPU | ratio {rw / max(aw, 1e-9):.2f} wall   "
          f"(former join over ratings: {fw:.3f} s wall)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="157,15700", help="sessions per study, comma-separated")
    parser.add_argument("--dbdir", type=Path, help="reuse (or create) the benchmark databases here")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the measured one")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return 0
    import bench_export

    dbdir = args.dbdir or Path(tempfile.mkdtemp(prefix="bench-stats-memory-"))
    dbdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for sessions in (int(s) for s in args.sizes.split(",")):
        db_path = dbdir / f"bench-{sessions}.sqlite"
        if not db_path.exists():
            bench_export.generate(db_path, sessions)
            print(f"generated {sessions:,} sessions -> {db_path}")
        done = subprocess.run([sys.executable, __file__, "--child", str(db_path), str(args.repeat)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"measuring {db_path} failed:\n{done.stderr}")
        results[sessions] = json.loads(done.stdout.strip().splitlines()[-1])
        report(sessions, results[sessions])
    if len(results) > 1:
        lo, hi = (results[k] for k in (min(results), max(results)))
        print(f"== growth {lo['item_scores']:,} -> {hi['item_scores']:,} item scores: statistics' added peak "
              f"{lo['peak_after_mb'] - lo['resident_mb']:.1f} -> {hi['peak_after_mb'] - hi['resident_mb']:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
