"""Per-rater bias and drift on one scale.

A rater's difference on a session is their scale score minus the mean of the
other raters' scores of that session (sessions with at least two scored
ratings). Bias is the mean difference. Drift is how the difference changes
with submission time: the least-squares slope per day with its p-value, and
the mean difference in the first and second half of the rater's ratings in
submission order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import stdtr

logger = logging.getLogger(__name__)

DEFAULT_BIAS_THRESHOLD = 0.5
DEFAULT_DRIFT_ALPHA = 0.05


@dataclass(frozen=True)
class RaterBias:
    """One rater on one scale; drift fields are None with ``reason`` when unknown."""

    rater_id: Any
    scale: str
    n_sessions: int
    bias: float | None
    bias_first_half: float | None
    bias_second_half: float | None
    drift_slope_per_day: float | None
    drift_p: float | None
    flagged: bool
    flags: tuple[str, ...] = ()
    reason: str | None = None


def rater_bias(scale: str, scores: np.ndarray, rating_session: np.ndarray,
               rating_rater: np.ndarray, rater_labels: np.ndarray,
               rating_days: np.ndarray | None = None,
               threshold: float = DEFAULT_BIAS_THRESHOLD,
               drift_alpha: float = DEFAULT_DRIFT_ALPHA) -> list[RaterBias]:
    """Bias and drift of every rater with scored ratings of ``scale``.

    Arrays are per rating (``scores`` NaN = not scored). A rater is flagged
    when ``|bias| > threshold`` or the drift slope's p-value is below
    ``drift_alpha``.
    """
    scored = ~np.isnan(scores)
    diff, shared = session_differences(scores[scored], rating_session[scored])
    rater = rating_rater[scored][shared]
    diff = diff[shared]
    days = rating_days[scored][shared] if rating_days is not None else None

    results = []
    for code in np.unique(rating_rater[scored]):
        mine = rater == code
        results.append(_one_rater(scale, rater_labels[code], diff[mine],
                                  days[mine] if days is not None else None,
                                  threshold, drift_alpha))
    return results


def session_differences(scores: np.ndarray, sessions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each scored rating's difference from the mean of its session's other ratings.

    ``scores`` holds scored ratings only (no NaN), ``sessions`` their session
    codes. Returns the differences and a mask of the ratings whose session has
    at least two scored ratings (elsewhere the difference is undefined).
    """
    n_sessions = int(sessions.max()) + 1 if sessions.size else 0
    count = np.bincount(sessions, minlength=n_sessions)
    total = np.bincount(sessions, weights=scores, minlength=n_sessions)
    shared = count[sessions] >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = scores - (total[sessions] - scores) / (count[sessions] - 1)
    return diff, shared


def _one_rater(scale: str, rater_id: Any, diff: np.ndarray, days: np.ndarray | None,
               threshold: float, drift_alpha: float) -> RaterBias:
    n = diff.size
    if n == 0:
        return RaterBias(rater_id, scale, 0, None, None, None, None, None, False,
                         reason="no session shared with another rater")
    bias = float(diff.mean())
    flags = []
    if abs(bias) > threshold:
        flags.append(f"|bias| {abs(bias):.2f} > {threshold:g}")
    slope = p = first = second = None
    reason = None
    timed = ~np.isnan(days) if days is not None else np.zeros(n, dtype=bool)
    if not timed.any():
        reason = "no submission times: drift not assessed"
    else:
        t, d = days[timed], diff[timed]
        order = np.argsort(t, kind="stable")
        t, d = t[order], d[order]
        if d.size >= 2:
            half = d.size // 2
            first, second = float(d[:half].mean()), float(d[half:].mean())
        if d.size >= 3 and np.ptp(t) > 0:
            slope, p = _slope_test(t, d)
            if p is not None and p < drift_alpha:
                flags.append(f"drift {slope:+.3g}/day (p = {p:.3g} < {drift_alpha:g})")
        else:
            reason = "fewer than 3 timed sessions or all at one time: drift slope not assessed"
    if flags:
        logger.info("rater %s on %s flagged: %s", rater_id, scale, "; ".join(flags))
    return RaterBias(rater_id, scale, n, bias, first, second, slope, p, bool(flags),
                     tuple(flags), reason)


def _slope_test(t: np.ndarray, d: np.ndarray) -> tuple[float, float | None]:
    """Least-squares slope of d on t and the two-sided p-value of the t test of
    slope = 0 (as scipy.stats.linregress, without its per-call overhead)."""
    t = t - t.mean()
    dc = d - d.mean()
    sxx, sxy, syy = np.dot(t, t), np.dot(t, dc), np.dot(dc, dc)
    slope = sxy / sxx
    residual = max(syy - slope * sxy, 0.0)
    if syy == 0:
        return float(slope), None
    if residual == 0:
        return float(slope), 0.0
    df = d.size - 2
    t_stat = slope / np.sqrt(residual / df / sxx)
    return float(slope), float(2 * stdtr(df, -abs(t_stat)))
