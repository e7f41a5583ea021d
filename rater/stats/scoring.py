"""Scale scores per rating (one rater's rating of one session).

Scoring rules
-------------
* complete case (default): a rating has a scale score only if every item of
  the scale was scored; the score is the mean of the items, or their sum for a
  sum scale.
* prorating (``min_items=N``): a rating with at least N of the scale's items
  scored gets the mean of the scored items; a sum scale gets that mean times
  the scale's number of items, so prorated sums stay on the scale's metric.

A scale's ``recode`` maps raw item scores before scoring; values it does not
mention are kept, as in the instrument definitions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from rater.stats.table import RatingTable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScaleSpec:
    """A scale to analyse: its item ids, how they combine, and an optional recode."""

    name: str
    items: Sequence[str]
    method: Literal["mean", "sum"] = "mean"
    recode: Mapping[int, float] | None = None

    def __post_init__(self) -> None:
        if self.method not in ("mean", "sum"):
            raise ValueError(f"scale {self.name!r}: method must be 'mean' or 'sum'")
        if not self.items:
            raise ValueError(f"scale {self.name!r} has no items")


@dataclass(frozen=True)
class ScaleScores:
    """Scores of one scale: ``scores`` per rating (NaN = not scoreable) and the
    recoded ``items`` matrix (ratings × the scale's items) they came from."""

    scores: np.ndarray
    items: np.ndarray
    rule: str
    notes: list[str] = field(default_factory=list)


def item_matrix(table: RatingTable) -> np.ndarray:
    """Ratings × items matrix of raw item scores, NaN where not scored."""
    matrix = np.full((table.n_ratings, table.item_labels.size), np.nan)
    matrix[table.rating, table.item] = table.score
    return matrix


def default_scales(table: RatingTable) -> list[ScaleSpec]:
    """One mean scale per value of the ``scale`` column, else (no column, or
    all of it blank) one mean scale "all" of every item.

    Items whose rows leave ``scale`` empty belong to no scale and are only
    analysed as single items.
    """
    labels = [str(label) for label in table.item_labels]
    if table.item_scale is None or table.scale_labels is None or table.scale_labels.size == 0:
        return [ScaleSpec("all", labels)]
    return [ScaleSpec(str(name), [labels[i] for i in np.flatnonzero(table.item_scale == code)])
            for code, name in enumerate(table.scale_labels)]


def score_scale(matrix: np.ndarray, item_labels: Sequence[str], spec: ScaleSpec,
                min_items: int | None = None) -> ScaleScores:
    """Score ``spec`` for every rating of ``matrix`` (see the module's rules).

    ``item_labels`` names the matrix's columns; a spec item that never occurs
    in the data counts as unscored and is mentioned in ``notes``.
    """
    column = {label: j for j, label in enumerate(item_labels)}
    notes = [f"item {name!r} of scale {spec.name!r} has no scores in the data"
             for name in spec.items if name not in column]
    items = np.full((matrix.shape[0], len(spec.items)), np.nan)
    for j, name in enumerate(spec.items):
        if name in column:
            items[:, j] = matrix[:, column[name]]
    if spec.recode:
        raw = items
        items = raw.copy()
        for old, new in spec.recode.items():
            items[raw == old] = new

    n_items = len(spec.items)
    scored = np.count_nonzero(~np.isnan(items), axis=1)
    needed = n_items if min_items is None else max(1, min(min_items, n_items))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(items, axis=1) / scored
    scores = np.where(scored >= needed, mean, np.nan)
    if spec.method == "sum":
        scores = scores * n_items
    return ScaleScores(scores, items, _rule_text(spec, n_items, needed, min_items), notes)


def _rule_text(spec: ScaleSpec, n_items: int, needed: int, min_items: int | None) -> str:
    combine = "sum" if spec.method == "sum" else "mean"
    recode = " after recoding" if spec.recode else ""
    if n_items == 1:
        return f"single item{recode}"
    if min_items is None or needed == n_items:
        return (f"complete case: a rating is scored only when all {n_items} items are scored; "
                f"score = {combine} of the items{recode}")
    prorated = "mean of the scored items"
    if spec.method == "sum":
        prorated += f" × {n_items} (prorated sum)"
    return (f"prorated: a rating is scored when at least {needed} of {n_items} items are "
            f"scored; score = {prorated}{recode}")
