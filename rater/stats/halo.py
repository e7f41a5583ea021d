"""Per-rater halo indicator on one scale.

Halo is one global impression colouring every item, which shows as item
scores that barely differ within a rating. For each rating with at least
two scored items the spread is the standard deviation of its item scores
(population SD, after recoding). A rater's indicator compares their mean
spread with the mean spread of the other raters' ratings of the same
sessions: ``ratio = own / others``. A ratio well below 1 means the rater
differentiates the items less than colleagues watching the same sessions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_HALO_RATIO = 0.6
MIN_SHARED_SESSIONS = 5


@dataclass(frozen=True)
class RaterHalo:
    """One rater on one scale; None figures come with ``reason``."""

    rater_id: Any
    scale: str
    n_sessions: int
    spread: float | None
    others_spread: float | None
    ratio: float | None
    flagged: bool
    reason: str | None = None


def rater_halo(scale: str, items: np.ndarray, rating_session: np.ndarray,
               rating_rater: np.ndarray, rater_labels: np.ndarray,
               threshold: float = DEFAULT_HALO_RATIO) -> list[RaterHalo]:
    """Halo indicator of every rater of ``scale``.

    ``items`` is ratings × the scale's items (NaN = not scored), rows ordered
    as ``rating_session`` / ``rating_rater``. A rater is flagged when the ratio
    is below ``threshold`` over at least 5 shared sessions.
    """
    if items.shape[1] < 2:
        return []
    spread, counted = _spreads(items)
    usable = counted >= 2
    spread = np.where(usable, spread, np.nan)
    n_sessions = int(rating_session.max()) + 1 if rating_session.size else 0
    total = np.bincount(rating_session[usable], weights=spread[usable], minlength=n_sessions)
    count = np.bincount(rating_session[usable], minlength=n_sessions)
    with np.errstate(invalid="ignore", divide="ignore"):
        others = (total[rating_session] - spread) / (count[rating_session] - 1)
    shared = usable & (count[rating_session] >= 2)

    results = []
    for code in np.unique(rating_rater[usable]):
        mine = shared & (rating_rater == code)
        n = int(np.count_nonzero(mine))
        label = rater_labels[code]
        if n == 0:
            results.append(RaterHalo(label, scale, 0, None, None, None, False,
                                     "no session shared with another rater"))
            continue
        own, theirs = float(spread[mine].mean()), float(others[mine].mean())
        ratio = own / theirs if theirs > 0 else None
        reason = None if ratio is not None else "the other raters' item scores do not vary"
        flagged = ratio is not None and n >= MIN_SHARED_SESSIONS and ratio < threshold
        results.append(RaterHalo(label, scale, n, own, theirs, ratio, flagged, reason))
    return results


def _spreads(items: np.ndarray, block: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Per rating: the population SD of its scored items and their number.

    A block of ratings at a time in float64, so a large (float32) item matrix
    needs no float64 temporaries of its own size; each rating's figure is the same.
    """
    spread = np.empty(items.shape[0])
    counted = np.empty(items.shape[0], dtype=np.int64)
    for start in range(0, items.shape[0], block):
        x = items[start:start + block].astype(np.float64)
        present = ~np.isnan(x)
        n = present.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(present, x, 0.0).sum(axis=1) / n
            spread[start:start + block] = np.sqrt(np.where(present, (x - mean[:, None]) ** 2, 0.0).sum(axis=1) / n)
        counted[start:start + block] = n
    return spread, counted
