"""Cronbach's alpha, over ratings and the way the reference study reports it.

The reference study computes alpha per session number across patients, using
for each session the raters' mean score of every item, and reports the median
over session numbers. :func:`cronbach_alpha_by_session_number` does that;
:func:`cronbach_alpha` is the plain version over whatever rows it is given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha; ``value`` is None when undefined and ``reason`` says why."""

    value: float | None
    n_rows: int
    n_items: int
    reason: str | None = None


@dataclass(frozen=True)
class SessionAlpha:
    """Alpha per session number and their median (None with ``reason`` if undefined)."""

    median: float | None
    by_session_number: dict[int, AlphaResult] = field(default_factory=dict)
    reason: str | None = None


def cronbach_alpha(matrix: np.ndarray) -> AlphaResult:
    """Cronbach's alpha of a rows × items matrix after listwise deletion of NaN rows."""
    x = np.asarray(matrix, dtype=np.float64)
    n_items = x.shape[1]
    if n_items < 2:
        return AlphaResult(None, x.shape[0], n_items, "alpha needs at least 2 items")
    x = x[~np.isnan(x).any(axis=1)]
    n_rows = x.shape[0]
    if n_rows < 2:
        return AlphaResult(None, n_rows, n_items,
                           f"alpha needs at least 2 complete rows (have {n_rows})")
    total_var = np.var(x.sum(axis=1), ddof=1)
    if not total_var > 0:
        return AlphaResult(None, n_rows, n_items, "the total score has zero variance")
    item_var = np.var(x, axis=0, ddof=1).sum()
    value = n_items / (n_items - 1) * (1 - item_var / total_var)
    return AlphaResult(float(value), n_rows, n_items)


def cronbach_alpha_by_session_number(items: np.ndarray, rating_session: np.ndarray,
                                     session_number: np.ndarray | None) -> SessionAlpha:
    """Median over session numbers of alpha across the sessions with that number.

    ``items`` is ratings × items, ratings ordered by session as in
    :class:`RatingTable`; each session contributes the raters' mean of each
    item. ``session_number`` is per session (NaN if unknown).
    """
    if items.shape[1] < 2:
        return SessionAlpha(None, reason="alpha needs at least 2 items")
    if session_number is None or np.isnan(session_number).all():
        return SessionAlpha(None, reason="the ratings carry no session numbers")
    if rating_session.size == 0:
        return SessionAlpha(None, reason="there are no ratings")
    starts = np.flatnonzero(np.r_[True, np.diff(rating_session) != 0])
    present = ~np.isnan(items)
    sums = np.add.reduceat(np.where(present, items, 0.0), starts, axis=0)
    counts = np.add.reduceat(present.astype(np.int64), starts, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    numbers = session_number[rating_session[starts]]

    per_number: dict[int, AlphaResult] = {}
    for number in np.unique(numbers[~np.isnan(numbers)]):
        per_number[int(number)] = cronbach_alpha(means[numbers == number])
    values = [r.value for r in per_number.values() if r.value is not None]
    if not values:
        return SessionAlpha(None, per_number,
                            "alpha is undefined for every session number (too few patients "
                            "per session number or no variance)")
    return SessionAlpha(float(np.median(values)), per_number)
