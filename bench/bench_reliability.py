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

Usage: ``python bench/bench_reliability.py [--sessions N] [--repeat R] [--no-pingouin]``
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pingouin", action="store_true")
    args = parser.parse_args()

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
