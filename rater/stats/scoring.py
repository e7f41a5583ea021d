"""Scale scores per rating (one rater's rating of one session) for the statistics.

The scores come from the application's one scoring engine,
:func:`rater.instruments.scoring.score_matrix`, so the statistics score a
rating exactly as the rating form and the workbook do. Each scale carries its
missing-data rule (``min_items`` or ``min_fraction``; by default every item
that is not N/A must be scored); a scale's ``recode`` maps raw item scores
first, values it does not mention are kept.

N/A, not applicable and missing stay apart: items marked N/A are left out of
the scale, a scale outside its session range (``session_min``/``session_max``)
is not applicable, and anything else without a value is missing.
:func:`exclusions` lists the sessions a figure left out and why.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np

from rater.instruments.model import Instrument, ScoringRule
from rater.instruments.scoring import (
    ALL_NA,
    MISSING_ITEMS,
    NOT_APPLICABLE,
    SCORED,
    MatrixScores,
    score_matrix,
)
from rater.stats.cells import Cells
from rater.stats.table import RatingTable

logger = logging.getLogger(__name__)

# A rating (rater × session) that did not use the scale's instrument at all:
# not a rating of the scale, so it is in no count. Only the statistics need it.
NOT_RATED = -1

NOT_APPLICABLE_REASON = "not applicable"
TOO_FEW_RATINGS = "too few ratings"
MISSING_ITEMS_REASON = "missing items"
_SCORE_BLOCK = 8192  # ratings scored at a time


@dataclass(frozen=True)
class ScaleSpec:
    """A scale to analyse: its item ids, how they combine, an optional recode, its
    missing-data rule and the session numbers it is rated in (None = open)."""

    name: str
    items: Sequence[str]
    method: Literal["mean", "sum"] = "mean"
    recode: Mapping[int, float] | None = None
    min_items: int | None = None
    min_fraction: float | None = None
    session_min: int | None = None
    session_max: int | None = None
    # Items whose presence shows a rating used the scale's instrument (None: the
    # scale's own items); a rating with none of them did not rate the scale.
    rated_with: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if self.method not in ("mean", "sum"):
            raise ValueError(f"scale {self.name!r}: method must be 'mean' or 'sum'")
        if not self.items:
            raise ValueError(f"scale {self.name!r} has no items")
        if self.min_items is not None and self.min_fraction is not None:
            raise ValueError(f"scale {self.name!r}: give min_items or min_fraction, not both")
        if self.min_items is not None and not 1 <= self.min_items <= len(self.items):
            raise ValueError(f"scale {self.name!r}: min_items ({self.min_items}) must be between 1 and "
                             f"its {len(self.items)} items, or no rating could ever be scored")
        if self.min_fraction is not None and not 0 < self.min_fraction <= 1:
            raise ValueError(f"scale {self.name!r}: min_fraction must be in (0, 1]")

    @property
    def rule(self) -> ScoringRule:
        return ScoringRule(self.min_items, self.min_fraction)


@dataclass(frozen=True)
class ScaleScores:
    """Scores of one scale: ``scores`` per rating (NaN = not scored), the
    recoded ``items`` matrix (ratings × the scale's items) they came from, and
    per rating the engine's ``status`` code and its N/A and missing item counts."""

    scores: np.ndarray
    items: np.ndarray
    rule: str
    notes: list[str] = field(default_factory=list)
    status: np.ndarray | None = None
    n_na: np.ndarray | None = None
    n_missing: np.ndarray | None = None
    ratings: np.ndarray | None = None  # the ratings the arrays hold, in order (None: every rating)

    def counts(self) -> dict[str, int]:
        """Ratings by outcome and item scores by kind of absence; each name says which."""
        status = _status(self)
        rated = status != NOT_RATED
        applicable = rated & (status != NOT_APPLICABLE)
        return {
            "ratings": int(np.count_nonzero(rated)),
            "ratings_scored": int(np.count_nonzero(status == SCORED)),
            "ratings_missing_items": int(np.count_nonzero(status == MISSING_ITEMS)),
            "ratings_all_na": int(np.count_nonzero(status == ALL_NA)),
            "ratings_not_applicable": int(np.count_nonzero(status == NOT_APPLICABLE)),
            "item_scores_na": int(self.n_na[applicable].sum()) if self.n_na is not None else 0,
            "item_scores_missing": int(self.n_missing[applicable].sum()) if self.n_missing is not None else 0,
        }


@dataclass(frozen=True, slots=True)  # slots: a study can leave out thousands of sessions
class Exclusion:
    """A session a figure left out: ``reason`` is "not applicable", "too few
    ratings" or "missing items"; ``ratings`` and ``scored`` count its ratings."""

    session: str
    reason: str
    ratings: int
    scored: int


def item_matrix(table: RatingTable) -> np.ndarray:
    """Ratings × items matrix of raw item scores, NaN where not scored.

    For callers that want the whole matrix (the reliability figures); the
    analysis itself scores from :class:`~rater.stats.cells.Cells`. It is
    float32 when every score is exact in float32 (item scores are small
    integers): half the memory, the same values, since the scoring engine
    works in float64. Scores that float32 would round keep it float64.
    """
    score = table.score
    narrow = score.astype(np.float32)
    exact = np.array_equal(narrow, score, equal_nan=True)
    matrix = np.full((table.n_ratings, table.item_labels.size), np.nan, dtype=np.float32 if exact else np.float64)
    matrix[table.rating, table.item] = narrow if exact else score
    return matrix


def na_matrix(table: RatingTable) -> np.ndarray | None:
    """Ratings × items matrix, True where the rater marked the item N/A (None: no N/A column)."""
    na = getattr(table, "na", None)
    if na is None:
        return None
    matrix = np.zeros((table.n_ratings, table.item_labels.size), dtype=bool)
    matrix[table.rating[na], table.item[na]] = True
    return matrix


def present_matrix(table: RatingTable) -> np.ndarray:
    """Ratings × items matrix, True where the data hold a row (value, N/A or blank)."""
    matrix = np.zeros((table.n_ratings, table.item_labels.size), dtype=bool)
    matrix[table.rating, table.item] = True
    return matrix


def _status(scored: ScaleScores) -> np.ndarray:
    return scored.status if scored.status is not None else np.where(np.isnan(scored.scores), 1, 0)


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


def specs_from_instrument(instrument: Instrument, labels: Mapping[str, str] | None = None) -> list[ScaleSpec]:
    """A spec per scale of ``instrument``: items (renamed through ``labels`` when
    given), method, recode, missing-data rule and session range."""
    specs = []
    for scale in instrument.scales:
        items = [instrument.item(i) for i in scale.items]
        recode = None
        if scale.recode:
            values = range(min(it.min for it in items), max(it.max for it in items) + 1)
            recode = {v: scale.recoded(v) for v in values}
        specs.append(ScaleSpec(
            scale.name, [labels.get(i, i) if labels else i for i in scale.items],
            "sum" if scale.method == "sum" else "mean", recode, scale.rule.min_items,
            scale.rule.min_fraction, scale.applies.session_min, scale.applies.session_max,
            [labels.get(it.id, it.id) if labels else it.id for it in instrument.items]))
    return specs


def score_scale(matrix: np.ndarray, item_labels: Sequence[str], spec: ScaleSpec,
                min_items: int | None = None, na: np.ndarray | None = None,
                session_number: np.ndarray | None = None,
                present: np.ndarray | None = None) -> ScaleScores:
    """Score ``spec`` for every rating of ``matrix`` with the scoring engine.

    ``item_labels`` names the matrix's columns; ``na`` is the N/A matrix of
    :func:`na_matrix` and ``present`` that of :func:`present_matrix`. See
    :func:`scale_scores`, which this calls on the given matrices.
    """
    return scale_scores(Cells.from_matrices(item_labels, matrix, na, present), spec, min_items,
                        session_number)


def scale_scores(cells: Cells, spec: ScaleSpec, min_items: int | None = None,
                 session_number: np.ndarray | None = None, *, rated_only: bool = False) -> ScaleScores:
    """Score ``spec`` for every rating of ``cells`` with the scoring engine.

    A spec item that never occurs in the data counts as missing and is
    mentioned in ``notes``. ``min_items`` (e.g. from the command line)
    overrides the spec's own rule. ``session_number`` (per rating, NaN if
    unknown) decides where the spec's session range makes it not applicable;
    ratings with no row for any item of the scale's instrument did not rate
    it (status :data:`NOT_RATED`). Only the scale's own columns are taken
    out of the cells, and the engine runs on blocks of ratings, so the
    largest array here is the scale's item matrix (float32 when exact).

    With ``rated_only`` the arrays hold only the ratings that rated the
    scale's instrument, listed in ``ratings`` (when some did not): every
    figure leaves the others out, so a scale of one team's instrument costs
    that team's share of the ratings.
    """
    column = cells.column
    notes = [f"item {name!r} of scale {spec.name!r} has no scores in the data"
             for name in spec.items if name not in column]
    found = [j for j, name in enumerate(spec.items) if name in column]
    wanted = [column[spec.items[j]] for j in found]
    rated = cells.present_any([column[name] for name in (spec.rated_with or spec.items) if name in column])
    rows = None
    if rated_only and rated is not None and 0 < (n_rated := int(np.count_nonzero(rated))) < rated.size:
        rows = np.flatnonzero(rated).astype(np.int32 if rated.size < 2**31 else np.int64)
        if session_number is not None:
            session_number = session_number[rows]
    n_ratings = cells.n_ratings if rows is None else n_rated
    items = cells.values(wanted, rows)
    na_items = cells.na(wanted, rows)
    if len(found) < len(spec.items):  # a missing item is a column of NaN
        full = np.full((n_ratings, len(spec.items)), np.nan, dtype=items.dtype)
        full[:, found] = items
        items = full
        if na_items is not None:
            marks = np.zeros(items.shape, dtype=bool)
            marks[:, found] = na_items
            na_items = marks
    if spec.recode:
        items = _recoded(items, spec.recode)

    rule = ScoringRule(min_items, None) if min_items is not None else spec.rule
    applies = None
    if session_number is not None and (spec.session_min is not None or spec.session_max is not None):
        known = ~np.isnan(session_number)
        applies = ~known | (((spec.session_min is None) | (session_number >= (spec.session_min or 0)))
                            & ((spec.session_max is None) | (session_number <= (spec.session_max or 0))))
    result = _score_blocks(items, na_items, spec.method, rule, applies)
    status = result.status.astype(np.int8)
    if rated is not None and rows is None:
        status[~rated] = NOT_RATED
    return ScaleScores(result.scores, items, rule_text(spec, rule), notes, status, result.n_na,
                       result.n_missing, rows)


def _recoded(items: np.ndarray, recode: Mapping[int, float]) -> np.ndarray:
    """Items after the recode; float32 stays float32 when it holds every new value exactly."""
    exact = items.dtype == np.float32 and all(float(np.float32(new)) == float(new) for new in recode.values())
    out = items.copy() if exact else items.astype(np.float64)
    for old, new in recode.items():
        out[items == old] = new
    return out


def _score_blocks(items: np.ndarray, na: np.ndarray | None, method: str, rule: ScoringRule,
                  applies: np.ndarray | None) -> MatrixScores:
    """:func:`score_matrix` a block of ratings at a time: each rating is scored on its own, so
    the result is the same, without float64 temporaries the size of the whole item matrix."""
    n = items.shape[0]
    if n <= _SCORE_BLOCK:
        return score_matrix(items, na, method, rule, applies)
    out = None
    for a in range(0, n, _SCORE_BLOCK):
        part = score_matrix(items[a:a + _SCORE_BLOCK], None if na is None else na[a:a + _SCORE_BLOCK], method,
                            rule, None if applies is None else applies[a:a + _SCORE_BLOCK])
        if out is None:  # filled block by block; item counts fit in int16 (a quarter of the engine's int64)
            out = MatrixScores(*(np.empty(n, dtype=_narrow(getattr(part, f.name).dtype)) for f in fields(MatrixScores)))
        for f in fields(MatrixScores):
            getattr(out, f.name)[a:a + _SCORE_BLOCK] = getattr(part, f.name)
    return out


def _narrow(dtype: np.dtype) -> np.dtype:
    """int16 for the engine's per-rating item counts (a scale has far fewer than 32,768 items)."""
    return np.dtype(np.int16) if dtype.kind == "i" and dtype.itemsize > 2 else dtype


def rule_text(spec: ScaleSpec, rule: ScoringRule | None = None) -> str:
    """The scale's scoring rule as a sentence."""
    rule = rule or spec.rule
    n_items = len(spec.items)
    recode = " after recoding" if spec.recode else ""
    if n_items == 1:
        return f"single item{recode}"
    combine = "mean of the scored items"
    if spec.method == "sum":
        combine += f" × {n_items} (prorated sum)"
    needed = rule.needed(n_items)
    kind = "complete case" if needed == n_items else "prorated"
    return (f"{kind}: a rating is scored when {rule.describe(n_items)} (items marked N/A left out); "
            f"score = {combine}{recode}")


def exclusions(scored: ScaleScores, rating_session: np.ndarray, session_labels: np.ndarray,
               used: np.ndarray, shared: dict[tuple, Any] | None = None) -> list[Exclusion]:
    """The sessions with ratings that a figure did not use (``used``: bool per session), with why.

    "not applicable" when the scale is not rated in any of the session's
    ratings' session number; "missing items" when some of its ratings could
    not be scored for missing or N/A items; otherwise "too few ratings" (the
    figure needs more scored ratings than the session has). Exclusions are
    frozen, so equal exclusions, and equal lists of them, are made once and
    shared through ``shared`` (a dict the caller keeps for one analysis) by
    every figure that lists them: the Review scale and its items all leave
    out the same thousands of first sessions.
    """
    n_sessions = session_labels.size
    status = _status(scored)
    ratings = np.bincount(rating_session, weights=status != NOT_RATED, minlength=n_sessions).astype(int)
    n_scored = np.bincount(rating_session, weights=status == SCORED, minlength=n_sessions).astype(int)
    not_applicable = np.bincount(rating_session, weights=status == NOT_APPLICABLE, minlength=n_sessions)
    unscoreable = np.bincount(rating_session, weights=(status == MISSING_ITEMS) | (status == ALL_NA),
                              minlength=n_sessions)
    left_out = np.flatnonzero((ratings > 0) & ~np.asarray(used, dtype=bool))
    # Reasons are chosen for all sessions at once (a study can leave out thousands), as
    # codes into the three texts, so every exclusion shares one string object.
    reason = np.where(not_applicable[left_out] == ratings[left_out], 0,
                      np.where(unscoreable[left_out] > 0, 1, 2))
    texts = (NOT_APPLICABLE_REASON, MISSING_ITEMS_REASON, TOO_FEW_RATINGS)
    if shared is None:
        shared = {}
    # A figure that leaves out exactly what an earlier one did (the items of a scale often
    # do) gets that list again, found by a digest of the four columns.
    digest = hashlib.blake2b(digest_size=16)
    for column in (left_out, reason, ratings[left_out], n_scored[left_out]):
        digest.update(np.ascontiguousarray(column, dtype=np.int64).tobytes())
    whole = ("list", digest.digest())
    if whole in shared:
        return list(shared[whole])
    out = []
    for key in zip(session_labels[left_out].tolist(), reason.tolist(), ratings[left_out].tolist(),
                   n_scored[left_out].tolist(), strict=True):
        found = shared.get(key)
        if found is None:
            found = shared[key] = Exclusion(str(key[0]), texts[key[1]], key[2], key[3])
        out.append(found)
    shared[whole] = tuple(out)
    return out
