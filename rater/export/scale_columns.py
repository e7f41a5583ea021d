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
    """One scale (instrument key, scale id) over all ratings: ``scores`` (NaN where
    not scored or not a rating of that instrument) and the engine's ``status``;
    ``version_mask[v]`` says whether version ``v`` has the scale."""

    scores: np.ndarray
    status: np.ndarray
    version_mask: np.ndarray


def scale_columns(catalog: InstrumentCatalog, scores: StudyScores,
                  session_numbers: np.ndarray) -> dict[tuple[str, str], ScaleColumn]:
    """(key, scale id) -> its :class:`ScaleColumn`, in study order."""
    n = scores.n_ratings
    score_rating = scores.rating_of
    position = {item_id: i for i, item_id in enumerate(scores.item_ids)}
    out: dict[tuple[str, str], ScaleColumn] = {}
    for v, version in enumerate(catalog.versions):
        ratings = np.flatnonzero(scores.version == v)
        for scale in version.model.scales:
            pair = (version.key, scale.id)
            column = out.get(pair)
            if column is None:
                column = out[pair] = ScaleColumn(np.full(n, np.nan), np.zeros(n, np.int8),
                                                 np.zeros(len(catalog.versions), bool))
            column.version_mask[v] = True
            if ratings.size == 0:
                continue
            values, na = _matrix(scores, score_rating, ratings, position, version.model, scale)
            applies = np.array([scale.applies.applies(int(x)) for x in session_numbers], dtype=bool)
            result = score_matrix(values, na, scale.method, scale.rule, applies[scores.session[ratings]])
            column.scores[ratings] = result.scores
            column.status[ratings] = result.status
    return out


_SLICE = 1 << 16  # item scores placed at a time: the lookups' temporaries stay small


def _matrix(scores: StudyScores, score_rating: np.ndarray, ratings: np.ndarray, position: dict[str, int],
            model, scale) -> tuple[np.ndarray, np.ndarray]:
    """Recoded values and N/A flags, ratings × the scale's items."""
    column_of = np.full(len(scores.item_ids) + 1, -1, dtype=np.int32)
    for j, item_id in enumerate(scale.items):
        if item_id in position:
            column_of[position[item_id]] = j
    row_of = np.full(scores.n_ratings, -1, dtype=np.int32)
    row_of[ratings] = np.arange(ratings.size, dtype=np.int32)
    table = low = high = None
    if scale.recode:
        items = [model.item(i) for i in scale.items]
        low, high = min(it.min for it in items), max(it.max for it in items)
        table = recode_table(scale, low, high)
    values = np.full((ratings.size, len(scale.items)), np.nan)
    na = np.zeros(values.shape, dtype=bool)
    for start in range(0, scores.n_scores, _SLICE):
        part = slice(start, start + _SLICE)
        rows, cols = row_of[score_rating[part]], column_of[scores.item[part]]
        keep = (rows >= 0) & (cols >= 0)
        if not keep.any():
            continue
        raw = scores.value[part][keep].astype(np.float64)
        if table is not None:
            inside = ~np.isnan(raw) & (raw >= low) & (raw <= high)
            # Values outside the declared range keep their value, as Scale.recoded does.
            raw[inside] = table[(raw[inside] - low).astype(np.int64)]
        values[rows[keep], cols[keep]] = raw
        na[rows[keep], cols[keep]] = scores.na[part][keep]
    return values, na
