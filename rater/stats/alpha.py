"""Cronbach's alpha, over ratings and the way the reference study reports it.

The reference study computes alpha per session number across patients, using
for each session the raters' mean score of every item, and reports the median
over session numbers. :func:`cronbach_alpha_by_session_number` does that;
:func:`cronbach_alpha` is the plain version over whatever rows it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
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
    """Cronbach's alpha of a rows × items matrix after listwise deletion of NaN rows.

    The matrix may be float32 (a scale's item scores): the complete rows are
    taken in float64 a block at a time (:func:`_blocks`), so no float64 copy
    of the whole matrix is made.
    """
    x = np.asarray(matrix)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    n_items = x.shape[1]
    if n_items < 2:
        return AlphaResult(None, x.shape[0], n_items, "alpha needs at least 2 items")
    complete = np.flatnonzero(~np.isnan(x).any(axis=1))
    n_rows = int(complete.size)
    if n_rows < 2:
        return AlphaResult(None, n_rows, n_items,
                           f"alpha needs at least 2 complete rows (have {n_rows})")
    total = np.concatenate([rows.sum(axis=1) for rows in _blocks(x, complete)])
    # np.var(x, axis=0) of the complete rows, in the same order of operations: the mean,
    # then the sum of squared deviations, each accumulated row after row.
    mean = _running_sum(_blocks(x, complete)) / n_rows
    item_var = (_running_sum(np.square(rows - mean) for rows in _blocks(x, complete)) / (n_rows - 1)).sum()
    total_var = np.var(total, ddof=1)
    if not total_var > 0:
        return AlphaResult(None, n_rows, n_items, "the total score has zero variance")
    value = n_items / (n_items - 1) * (1 - item_var / total_var)
    return AlphaResult(float(value), n_rows, n_items)


def _blocks(x: np.ndarray, rows: np.ndarray, size: int = 8192) -> Iterator[np.ndarray]:
    """The given rows of ``x`` as float64, a block at a time."""
    for start in range(0, rows.size, size):
        yield x[rows[start:start + size]].astype(np.float64)


def _running_sum(blocks: Iterable[np.ndarray]) -> np.ndarray:
    """Column sums of the stacked blocks, added row after row as numpy sums a whole matrix's
    columns (each block's reduction starts from the sum so far), so the result is the same
    to the last bit."""
    total = None
    for block in blocks:
        total = np.add.reduce(block if total is None else np.vstack([total, block]), axis=0)
    return total


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
    # Column by column in float64: the items may be a large float32 matrix.
    sums = np.empty((starts.size, items.shape[1]))
    counts = np.empty((starts.size, items.shape[1]), dtype=np.int64)
    for j in range(items.shape[1]):
        column = items[:, j].astype(np.float64)
        present = ~np.isnan(column)
        sums[:, j] = np.add.reduceat(np.where(present, column, 0.0), starts)
        counts[:, j] = np.add.reduceat(present.astype(np.int64), starts)
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
