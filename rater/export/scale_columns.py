"""Scale scores of every exported rating at once, by the one scoring engine.

Each rating is scored with the scales of the instrument version it was made
with, by :func:`rater.instruments.scoring.score_matrix` — the function that
scores the rating form live and the statistics — so a wide-sheet cell equals
the form's score and the score behind every reliability figure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from rater.instruments.scoring import recode_table, score_matrix
from rater.study.reports.reliability_data import InstrumentCatalog
from rater.study.reports.scores_read import StudyScores

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ScaleColumn:
    """One scale (instrument key, scale id) over the ratings of versions that have it:
    ``ratings`` (their numbers, ascending), each one's ``scores`` (NaN where not scored)
    and the engine's ``status``. Other ratings hold nothing: a scale of one instrument
    costs nothing for the ratings of the others."""

    ratings: np.ndarray
    scores: np.ndarray
    status: np.ndarray

    def block(self, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The scale's ratings among ``r0:r1`` (as offsets from ``r0``), their scores and statuses."""
        a, b = np.searchsorted(self.ratings, np.array((r0, r1), dtype=self.ratings.dtype))  # no copy of ratings
        return self.ratings[a:b] - r0, self.scores[a:b], self.status[a:b]


BLOCK_RATINGS = 4_096  # ratings scored at a time: the matrices and the engine's temporaries stay below 1 MB


def scale_columns(catalog: InstrumentCatalog, scores: StudyScores,
                  session_numbers: np.ndarray) -> dict[tuple[str, str], ScaleColumn]:
    """(key, scale id) -> its :class:`ScaleColumn`, in study order.

    Ratings are scored a block at a time; a block's scores are one slice of the
    columns (they are in rating order), so each block reads only its own.
    """
    n = scores.n_ratings
    position = {item_id: i for i, item_id in enumerate(scores.item_ids)}
    has_scale: dict[tuple[str, str], np.ndarray] = {}
    for v, version in enumerate(catalog.versions):
        for scale in version.model.scales:
            has_scale.setdefault((version.key, scale.id), np.zeros(len(catalog.versions), bool))[v] = True
    out: dict[tuple[str, str], ScaleColumn] = {}
    for pair, mask in has_scale.items():
        ratings = np.flatnonzero(mask[scores.version]).astype(np.int32)
        out[pair] = ScaleColumn(ratings, np.full(ratings.size, np.nan), np.zeros(ratings.size, np.int8))
    for v, version in enumerate(catalog.versions):
        scales = []
        for scale in version.model.scales:
            applies = np.array([scale.applies.applies(int(x)) for x in session_numbers], dtype=bool)
            scales.append((scale, out[(version.key, scale.id)], applies, _columns_of(scores, position, scale)))
        for r0 in range(0, n, BLOCK_RATINGS):
            r1 = min(n, r0 + BLOCK_RATINGS)
            ratings = r0 + np.flatnonzero(scores.version[r0:r1] == v)
            if ratings.size == 0:
                continue
            for scale, column, applies, column_of in scales:
                values, na = _matrix(scores, r0, r1, ratings, column_of, version.model, scale)
                result = score_matrix(values, na, scale.method, scale.rule, applies[scores.session[ratings]])
                at = np.searchsorted(column.ratings, ratings.astype(column.ratings.dtype))
                column.scores[at] = result.scores
                column.status[at] = result.status
    return out


def _columns_of(scores: StudyScores, position: dict[str, int], scale) -> np.ndarray:
    """Item number -> the item's column in the scale's matrix (-1: not the scale's)."""
    column_of = np.full(len(scores.item_ids) + 1, -1, dtype=np.int32)
    for j, item_id in enumerate(scale.items):
        if item_id in position:
            column_of[position[item_id]] = j
    return column_of


def _matrix(scores: StudyScores, r0: int, r1: int, ratings: np.ndarray, column_of: np.ndarray,
            model, scale) -> tuple[np.ndarray, np.ndarray]:
    """Recoded values and N/A flags, ``ratings`` (all in ``r0:r1``) × the scale's items."""
    row_of = np.full(r1 - r0, -1, dtype=np.int32)
    row_of[ratings - r0] = np.arange(ratings.size, dtype=np.int32)
    lo, hi = int(scores.starts[r0]), int(scores.starts[r1])
    rows, cols = row_of[scores.rating_of(lo, hi) - r0], column_of[scores.item[lo:hi]]
    keep = (rows >= 0) & (cols >= 0)
    raw = scores.value[lo:hi][keep].astype(np.float64)
    if scale.recode:
        items = [model.item(i) for i in scale.items]
        low, high = min(it.min for it in items), max(it.max for it in items)
        table = recode_table(scale, low, high)
        inside = ~np.isnan(raw) & (raw >= low) & (raw <= high)
        # Values outside the declared range keep their value, as Scale.recoded does.
        raw[inside] = table[(raw[inside] - low).astype(np.int64)]
    values = np.full((ratings.size, len(scale.items)), np.nan)
    na = np.zeros(values.shape, dtype=bool)
    values[rows[keep], cols[keep]] = raw
    na[rows[keep], cols[keep]] = scores.na[lo:hi][keep]
    return values, na
