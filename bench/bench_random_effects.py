"""Time the crossed random-effects (REML) fit against statsmodels' MixedLM.

Data: sessions rated by 3 raters rotating from a pool of 12, one scale score
per rating (session SD 1, rater SD 0.4, residual SD 0.7), fixed seed. For
each size: our fit (variance components and Wald CIs) and, up to
``--statsmodels-max`` sessions, statsmodels' MixedLM fitting the same model
by REML (crossed variance components in one group; its dense design makes
larger sizes impractical: about 100 s at 1,000 sessions). Printed: medians of ``--repeat`` runs, the ratio
statsmodels / ours, and the largest difference of the variance components.

Usage: ``python bench/bench_random_effects.py [--sizes 300 1000 10000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rater.stats.mixed import random_effects_icc  # noqa: E402

logger = logging.getLogger(__name__)

POOL, PER_SESSION, SEED = 12, 3, 20261201
TARGET_SECONDS = 1.0  # 10,000 sessions × 3 ratings


def make(n_sessions: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores, session codes and rater codes of one synthetic scale."""
    rng = np.random.default_rng(SEED + n_sessions)
    rater = np.argsort(rng.random((n_sessions, POOL)), axis=1)[:, :PER_SESSION].ravel()
    session = np.repeat(np.arange(n_sessions), PER_SESSION)
    score = (rng.normal(0, 1, n_sessions)[session] + rng.normal(0, 0.4, POOL)[rater]
             + rng.normal(0, 0.7, session.size))
    return score, session, rater


def median_time(function, data: tuple, repeat: int) -> tuple[float, object]:
    """Median wall time of ``function(*data)`` over ``repeat`` runs, and its result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*data)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def statsmodels_fit(score: np.ndarray, session: np.ndarray, rater: np.ndarray) -> np.ndarray:
    """REML variance components (session, rater, residual) from statsmodels MixedLM."""
    import pandas as pd
    import statsmodels.formula.api as smf

    frame = pd.DataFrame({"score": score, "session": session, "rater": rater, "one": 1})
    model = smf.mixedlm("score ~ 1", frame, groups="one", re_formula="0",
                        vc_formula={"session": "0 + C(session)", "rater": "0 + C(rater)"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True)
    names = list(model.exog_vc.names)
    vc = dict(zip(names, fit.vcomp, strict=True))
    return np.array([vc["session"], vc["rater"], fit.scale])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 10_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--statsmodels-max", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'sessions':>8} {'ratings':>8} {'ours s':>9} {'statsmodels s':>14} {'ratio':>8} "
          f"{'max |Δ var|':>12}")
    for n in args.sizes:
        data = make(n)
        score = data[0]
        ours_t, ours = median_time(random_effects_icc, data, args.repeat)
        ours_var = np.array([ours.var_session, ours.var_rater, ours.var_residual])
        theirs_cell = ratio_cell = diff_cell = "—"
        if n <= args.statsmodels_max:
            # One run: statsmodels takes minutes from about 1,000 sessions on.
            theirs_t, theirs = median_time(statsmodels_fit, data, 1)
            theirs_cell = f"{theirs_t:.3f}"
            ratio_cell = f"{theirs_t / ours_t:.0f}×"
            diff_cell = f"{np.max(np.abs(theirs - ours_var)):.1e}"
        print(f"{n:>8} {score.size:>8} {ours_t:>9.4f} {theirs_cell:>14} {ratio_cell:>8} "
              f"{diff_cell:>12}")
        if n == 10_000:
            print(f"  target for 10,000 sessions × 3 ratings: ≤ {TARGET_SECONDS:.1f} s; "
                  f"measured {ours_t:.3f} s ({ours_t / TARGET_SECONDS:.2f} of the target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
