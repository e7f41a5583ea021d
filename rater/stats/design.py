"""From scored ratings to the complete sessions × raters matrix an ICC needs.

Rule: k is the most common number of scored ratings among sessions that have
at least two (a tie goes to the smaller k, which keeps more sessions).
Sessions with exactly k scored ratings are kept; sessions with more keep their
first k raters in ascending rater-id order; sessions with fewer are dropped.
If every kept session has the same k raters, rater identity defines the
columns ("two-way"). Otherwise raters rotate, the one-way model fits
("one-way"), and the two-way forms are still computed with column j
holding each session's j-th rater in ascending rater-id order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np

logger = logging.getLogger(__name__)

Design = Literal["one-way", "two-way"]


@dataclass(frozen=True)
class BalancedRatings:
    """The kept sessions × k matrix and an account of how it was formed;
    ``kept`` is per session, ``n_raters`` counts the raters in the matrix."""

    matrix: np.ndarray
    k: int
    design: Design
    rule: str
    n_dropped: int
    n_truncated: int
    kept: np.ndarray
    n_raters: int = 0


def balance(scores: np.ndarray, rating_session: np.ndarray, rating_rater: np.ndarray,
            rater_labels: np.ndarray, n_sessions: int) -> BalancedRatings:
    """Apply the module's rule to per-rating ``scores`` (NaN = not scored).

    Ratings must be ordered by (session, rater code) and rater codes must
    follow ascending rater-id order, as :class:`RatingTable` guarantees.
    """
    scored = ~np.isnan(scores)
    session = rating_session[scored]
    counts = np.bincount(session, minlength=n_sessions)
    multi = counts[counts >= 2]
    if multi.size == 0:
        rule = "no session has two or more scored ratings, so no ICC can be computed"
        return BalancedRatings(np.empty((0, 0)), 0, "one-way", rule, n_sessions, 0,
                               np.zeros(n_sessions, dtype=bool))
    k = int(np.argmax(np.bincount(multi)))

    kept = counts >= k
    starts = np.cumsum(counts) - counts
    rank = np.arange(session.size) - starts[session]
    take = kept[session] & (rank < k)
    matrix = scores[scored][take].reshape(-1, k)
    raters = rating_rater[scored][take].reshape(-1, k)
    n_kept = matrix.shape[0]
    n_truncated = int(np.count_nonzero(counts > k))
    fixed = bool(np.all(raters == raters[0]))
    design: Design = "two-way" if fixed else "one-way"

    parts = [f"k = {k} raters (the most common number of scored ratings per session); "
             f"{n_kept} session{'s' if n_kept != 1 else ''} kept"]
    if n_truncated:
        parts.append(f"{n_truncated} session(s) with more than {k} scored ratings kept with "
                     f"their first {k} raters in ascending rater-id order")
    parts.append(f"{n_sessions - n_kept} session(s) with fewer than {k} scored ratings dropped")
    if fixed:
        names = ", ".join(str(rater_labels[r]) for r in raters[0])
        parts.append(f"every kept session was rated by the same raters ({names}), so the "
                     "design is two-way with rater identity as columns")
    else:
        parts.append("raters rotate across sessions, so the design is one-way: ICC(1,·) fits "
                     "and the two-way forms take column j = each session's "
                     "j-th rater in ascending rater-id order")
    logger.debug("balanced design: k=%d kept=%d truncated=%d design=%s", k, n_kept,
                 n_truncated, design)
    return BalancedRatings(matrix, k, design, "; ".join(parts) + ".",
                           n_sessions - n_kept, n_truncated, kept, int(np.unique(raters).size))
