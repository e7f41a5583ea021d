"""Time the reliability analysis of a large study against pingouin.

The study: 15,000 sessions × 3 raters (rotating from a pool of 12) × 22 items
in 3 scales, about 1 M item scores with 1 % missing, fixed seed. Reported:

* ``analyse`` on an already encoded :class:`RatingTable` (what the app and the
  CSV reader hand over), and encoding plus ``analyse`` from numpy columns;
  median of ``--repeat`` runs, with tracemalloc's peak.
* pingouin's ``intraclass_corr`` (every scale and item) plus ``cronbach_alpha``
  (every scale) on the same scores. pingouin needs the wide data prepared
  first; that preparation is not timed, so its figure covers fewer steps than
  ``analyse`` (no scoring, design, Krippendorff or rater bias).

With ``--csv``: the ratings-file path of ``rater reliability --ratings`` on
30,000 sessions × 3 raters × 7 items (630,000 rows, written once to a temp
file), each side in a fresh process so that its peak RSS is its own:
``read_ratings_csv`` + ``analyse`` against pandas ``read_csv`` + pingouin
(ICC of the scale and of every item, Cronbach's alpha), the ratio, and
the bytes per CSV row above the process's RSS after its imports; then the
whole process of each side as a user waits for it (start-up and imports
included), ours being the real command ``rater reliability --ratings FILE``.

Usage: ``python bench/bench_reliability.py [--sessions N] [--repeat R] [--no-pingouin] [--csv]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rater.stats import Coded, RatingTable, analyse  # noqa: E402

logger = logging.getLogger(__name__)

N_RATERS_PER_SESSION = 3
RATER_POOL = 12
SCALES = {"Alliance": 8, "Empathy": 8, "Technique": 6}
SEED = 20240601


def make_columns(n_sessions: int, seed: int = SEED) -> dict[str, object]:
    """Long-format columns of a synthetic study (ids as integers or :class:`Coded`)."""
    rng = np.random.default_rng(seed)
    n_items = sum(SCALES.values())
    scale_of_item = np.repeat(np.arange(len(SCALES)), list(SCALES.values()))
    raters = np.argsort(rng.random((n_sessions, RATER_POOL)), axis=1)[:, :N_RATERS_PER_SESSION]
    n_ratings = n_sessions * N_RATERS_PER_SESSION
    rating_session = np.repeat(np.arange(n_sessions), N_RATERS_PER_SESSION)
    level = rng.normal(3.0, 1.0, (n_sessions, len(SCALES)))
    leniency = rng.normal(0.0, 0.3, RATER_POOL)
    rater = raters.reshape(-1)
    true = level[rating_session][:, scale_of_item] + leniency[rater][:, None]
    scores = np.clip(np.round(true + rng.normal(0.0, 0.8, (n_ratings, n_items))), 0, 6)
    scores[rng.random(scores.shape) < 0.01] = np.nan
    day = np.datetime64("2024-01-01") + rng.integers(0, 400, n_ratings).astype("timedelta64[D]")
    item = np.tile(np.arange(n_items), n_ratings)
    return {
        "session_id": np.repeat(rating_session, n_items) + 1,
        "rater_id": np.repeat(rater, n_items) + 1,
        "item": Coded(item, [f"i{j + 1:02d}" for j in range(n_items)]),
        "score": scores.reshape(-1),
        "patient_id": np.repeat(rating_session // 20, n_items),
        "session_number": np.repeat(rating_session % 20 + 1, n_items),
        "scale": Coded(scale_of_item[item], list(SCALES)),
        "submitted_at": np.repeat(day, n_items),
    }


def timed(label: str, function, repeat: int) -> None:
    """Print the median wall and CPU time over ``repeat`` runs and the
    tracemalloc peak of one more run. CPU time is printed too because wall
    time on a shared machine also measures the neighbours."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{label:<34} wall {statistics.median(wall):6.3f} s, cpu {statistics.median(cpu):6.3f} s "
          f"(median of {repeat}), peak {peak:6.1f} MiB")


def pingouin_inputs(table: RatingTable):
    """Per scale and item: a long frame of complete sessions (rater slot as the
    rater, since raters rotate) and, per scale, the ratings × items frame."""
    import pandas as pd

    matrix = np.full((table.n_ratings, table.item_labels.size), np.nan)
    matrix[table.rating, table.item] = table.score
    slot = np.arange(table.n_ratings) - np.searchsorted(table.rating_session,
                                                        table.rating_session)
    groups = [np.flatnonzero(table.item_scale == code) for code in range(len(SCALES))]
    groups += [np.array([j]) for j in range(table.item_labels.size)]
    icc_frames, alpha_frames = [], []
    for columns in groups:
        scores = matrix[:, columns].mean(axis=1)
        frame = pd.DataFrame({"session": table.rating_session, "slot": slot, "score": scores})
        complete = frame.groupby("session")["score"].transform("count") == N_RATERS_PER_SESSION
        icc_frames.append(frame[complete])
        if columns.size > 1:
            alpha_frames.append(pd.DataFrame(matrix[:, columns]))
    return icc_frames, alpha_frames


CSV_ITEMS = 7
_OURS = """
import resource, sys, time
from rater.stats import analyse, read_ratings_csv
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
table = read_ratings_csv(sys.argv[1])
read = time.perf_counter() - t
read_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
analyse(table)
print(time.perf_counter() - t, read, base, read_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      time.process_time() - c)
"""
# Allocations traced by tracemalloc (numpy's included), in a run of its own because tracing
# slows the timed runs; the RSS figures miss a peak that reuses pages freed after the imports.
_OURS_TRACED = """
import sys, tracemalloc
from rater.stats import analyse, read_ratings_csv
tracemalloc.start()
table = read_ratings_csv(sys.argv[1])
read = tracemalloc.get_traced_memory()[1]
tracemalloc.reset_peak()
analyse(table)
print(read, tracemalloc.get_traced_memory()[1])
"""
_THEIRS = """
import resource, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd, pingouin as pg
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
df = pd.read_csv(sys.argv[1])
read = time.perf_counter() - t
read_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# Raters rotate: the j-th rater of each session is column j, as pingouin needs a complete grid.
df["slot"] = df.groupby(["session_id", "item"]).cumcount()
scale = df.groupby(["session_id", "slot"], as_index=False)["score"].mean()
pg.intraclass_corr(scale, targets="session_id", raters="slot", ratings="score", nan_policy="omit")
for _, one in df.groupby("item"):
    pg.intraclass_corr(one, targets="session_id", raters="slot", ratings="score", nan_policy="omit")
pg.cronbach_alpha(df.pivot_table(index=["session_id", "rater_id"], columns="item", values="score"))
print(time.perf_counter() - t, read, base, read_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      time.process_time() - c)
"""


def write_csv(path: Path, n_sessions: int, seed: int = SEED) -> int:
    """A long-format ratings file: rotating raters, 0-4 item scores, 1 % blank; returns its rows."""
    rng = np.random.default_rng(seed)
    raters = np.argsort(rng.random((n_sessions, RATER_POOL)), axis=1)[:, :N_RATERS_PER_SESSION]
    session = np.repeat(np.arange(n_sessions), N_RATERS_PER_SESSION * CSV_ITEMS)
    rater = np.repeat(raters.ravel(), CSV_ITEMS)
    level = rng.normal(2.0, 0.8, n_sessions)[session] + rng.normal(0, 0.3, RATER_POOL)[rater]
    score = np.clip(np.round(level + rng.normal(0, 0.6, session.size)), 0, 4).astype(int)
    text = score.astype(str).astype(object)
    text[rng.random(score.size) < 0.01] = ""
    item = np.tile(np.arange(1, CSV_ITEMS + 1), n_sessions * N_RATERS_PER_SESSION)
    with path.open("w") as handle:
        handle.write("session_id,rater_id,item,score\n")
        for s, r, i, v in zip(session.tolist(), rater.tolist(), item.tolist(), text.tolist(),
                              strict=True):
            handle.write(f"S{s + 1:05d},R{r + 1:02d},i{i},{v}\n")
    return int(score.size)


def _run_process(label: str, command: list[str], root: str) -> tuple[str, float, float]:
    """Run one process; its output and its whole wall and CPU time (start-up and imports too)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, cwd=root,
                         env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise SystemExit(f"{label} failed:\n{out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out.stdout, wall, cpu


def csv_comparison(n_sessions: int, repeat: int) -> None:
    """Ours against pandas + pingouin on one ratings file, runs interleaved.

    Two figures per side: the work after the imports (timed inside the process)
    and the whole process as a user waits for it, interpreter start-up and
    imports included; for ours the whole process is the real command
    ``rater reliability --ratings FILE``, report printed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ratings.csv"
        rows = write_csv(path, n_sessions)
        print(f"ratings file: {n_sessions} sessions × {N_RATERS_PER_SESSION} raters × {CSV_ITEMS} "
              f"items = {rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        # Wall time on a shared machine also measures the neighbours: CPU time is printed too.
        runs: dict[str, list[list[float]]] = {"ours": [], "pandas + pingouin": []}
        whole: dict[str, list[tuple[float, float]]] = {"rater reliability": [],
                                                       "pandas + pingouin": []}
        root = str(Path(__file__).resolve().parents[1])
        python = sys.executable
        for _ in range(repeat):
            for label, code in (("ours", _OURS), ("pandas + pingouin", _THEIRS)):
                stdout, wall, cpu = _run_process(label, [python, "-c", code, str(path)], root)
                runs[label].append([float(x) for x in stdout.split()])
                if label != "ours":
                    whole[label].append((wall, cpu))
            _, wall, cpu = _run_process("rater reliability", [python, "-m", "rater", "reliability",
                                                              "--ratings", str(path)], root)
            whole["rater reliability"].append((wall, cpu))
        medians = {label: np.median(np.array(r), axis=0) for label, r in runs.items()}
        print("after imports (read + analysis):")
        for label, (total, read, base, read_rss, peak, cpu) in medians.items():
            print(f"  {label:<18} wall {total:6.3f} s (read {read:5.3f} s), cpu {cpu:6.3f} s, "
                  f"memory above imports: "
                  f"read {(read_rss - base) * 1024 / rows:5.0f} B/row, "
                  f"peak {(peak - base) * 1024 / rows:5.0f} B/row (median of {repeat})")
        ratio = medians["pandas + pingouin"][0] / medians["ours"][0]
        cpu_ratio = medians["pandas + pingouin"][5] / medians["ours"][5]
        print(f"  pandas + pingouin / ours: wall {ratio:.2f}×, cpu {cpu_ratio:.2f}× (goal ≥ 3×); "
              f"ours peak {(medians['ours'][4] - medians['ours'][2]) * 1024 / rows:.0f} B/row "
              f"(goal ≤ 100)")
        traced, _, _ = _run_process("ours traced", [python, "-c", _OURS_TRACED, str(path)], root)
        read_peak, analyse_peak = (float(x) / rows for x in traced.split())
        print(f"  ours, allocations traced by tracemalloc: read peak {read_peak:.0f} B/row, "
              f"analysis peak {analyse_peak:.0f} B/row, table included (goal ≤ 100)")
        print("whole process (start-up, imports, read, analysis):")
        whole_medians = {label: np.median(np.array(w), axis=0) for label, w in whole.items()}
        for label, (wall, cpu) in whole_medians.items():
            print(f"  {label:<18} wall {wall:6.3f} s, cpu {cpu:6.3f} s (median of {repeat})")
        whole_ratio = whole_medians["pandas + pingouin"] / whole_medians["rater reliability"]
        print(f"  pandas + pingouin / rater reliability: wall {whole_ratio[0]:.2f}×, "
              f"cpu {whole_ratio[1]:.2f}× (goal ≥ 3×)")
        print(json.dumps({"ratio_wall": round(float(ratio), 2),
                          "ratio_cpu": round(float(cpu_ratio), 2),
                          "whole_ratio_wall": round(float(whole_ratio[0]), 2),
                          "whole_ratio_cpu": round(float(whole_ratio[1]), 2)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pingouin", action="store_true")
    parser.add_argument("--csv", action="store_true",
                        help="compare the ratings-file path with pandas + pingouin instead")
    args = parser.parse_args()
    if args.csv:
        csv_comparison(args.sessions if args.sessions != 15_000 else 30_000, args.repeat)
        return 0

    columns = make_columns(args.sessions)
    table = RatingTable.from_columns(**columns)
    n_scores = int(np.count_nonzero(~np.isnan(table.score)))
    print(f"study: {args.sessions} sessions × {N_RATERS_PER_SESSION} raters (pool of "
          f"{RATER_POOL}) × {table.item_labels.size} items = {table.score.size:,} rows, "
          f"{n_scores:,} item scores, {len(SCALES)} scales")

    timed("analyse(RatingTable)", lambda: analyse(table), args.repeat)
    timed("from_columns + analyse", lambda: analyse(RatingTable.from_columns(**columns)),
          args.repeat)

    if not args.no_pingouin:
        import pingouin as pg

        icc_frames, alpha_frames = pingouin_inputs(table)

        def run_pingouin() -> None:
            for frame in icc_frames:
                pg.intraclass_corr(frame, targets="session", raters="slot", ratings="score")
            for frame in alpha_frames:
                pg.cronbach_alpha(frame, nan_policy="listwise")

        timed(f"pingouin ICC ×{len(icc_frames)} + alpha ×{len(alpha_frames)}", run_pingouin,
              args.repeat)
        print("  (pingouin's input preparation is not timed)")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
