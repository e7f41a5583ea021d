"""Scale scores from item responses: the one scoring engine of the application.

The rating form's live scores, every sheet of the exported workbook and the
reliability statistics all score scales through :func:`score_matrix`, so a
rating has the same scale score wherever it is shown.

Three kinds of absent item score are kept apart everywhere:

* **N/A** — the rater marked the item not applicable to this session. The item
  is left out of the scale: it counts neither as scored nor as missing.
* **not applicable** — the whole scale is not rated in this session number
  (e.g. Review in session 1, declared by the scale's ``applies``).
* **missing** — neither a value nor N/A (unanswered, or never stored).

Rules (also written into the export codebook): recodes are applied to each
item first; a rating gets a score when it has at least as many scored items as
the scale's rule asks of the items that are not N/A (:class:`ScoringRule`;
by default all of them), and at least one. The score is the mean of the scored
items; a sum scale is prorated (that mean × the number of items) so its range
stays comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rater.instruments.model import Instrument, Scale, ScoringRule

if TYPE_CHECKING:
    import numpy as np

SCORING_RULES = (
    "Recodes are applied to each item first. Items marked N/A are left out of the scale. A rating is "
    "scored when it has as many scored items as the scale's rule asks of the remaining items (by default "
    "all of them; a scale may declare min_items or min_fraction); the score is the mean of the scored "
    "items, and a sum scale is prorated (mean of the scored items x number of items). A scale that does "
    "not apply to the session number is 'not applicable'; an item with neither a value nor N/A is 'missing'."
)

# Per-rating status of a scale score (int8 codes in MatrixScores.status).
SCORED, MISSING_ITEMS, ALL_NA, NOT_APPLICABLE = 0, 1, 2, 3
STATUS_NAMES = {SCORED: "complete", MISSING_ITEMS: "incomplete", ALL_NA: "all N/A",
                NOT_APPLICABLE: "not applicable"}


@dataclass(frozen=True)
class MatrixScores:
    """Scale scores of many ratings at once; every array has one entry per rating."""

    scores: np.ndarray  # float64, NaN where not scored
    status: np.ndarray  # int8 status codes (SCORED, MISSING_ITEMS, ALL_NA, NOT_APPLICABLE)
    n_scored: np.ndarray  # items with a value
    n_na: np.ndarray  # items marked N/A
    n_missing: np.ndarray  # items with neither


def score_matrix(values: np.ndarray, na: np.ndarray | None, method: str, rule: ScoringRule,
                 applies: np.ndarray | None = None) -> MatrixScores:
    """Score ``values`` (ratings × the scale's items, recoded, NaN = no value).

    ``na`` marks the items rated N/A (same shape; None = none); ``applies`` says
    per rating whether the scale is rated in that session (None = always).
    """
    import numpy as np  # here, not at module level: the app starts without numpy

    values = np.asarray(values, dtype=np.float64)
    n_items = values.shape[1]
    has_value = ~np.isnan(values)
    n_scored = np.count_nonzero(has_value, axis=1)
    n_na = (np.count_nonzero(na & ~has_value, axis=1) if na is not None
            else np.zeros(values.shape[0], dtype=np.int64))
    n_missing = n_items - n_scored - n_na
    applicable = n_items - n_na
    needed = _needed(rule, applicable)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has_value, values, 0.0).sum(axis=1) / n_scored
    ok = (n_scored >= needed) & (n_scored >= 1)
    status = np.where(ok, SCORED, np.where(applicable == 0, ALL_NA, MISSING_ITEMS)).astype(np.int8)
    if applies is not None:
        status[~np.asarray(applies, dtype=bool)] = NOT_APPLICABLE
    scores = np.where(status == SCORED, mean * (n_items if method == "sum" else 1), np.nan)
    return MatrixScores(scores, status, n_scored, n_na, n_missing)


def _needed(rule: ScoringRule, applicable: np.ndarray) -> np.ndarray:
    """Vectorised :meth:`ScoringRule.needed` (one lookup per possible count)."""
    import numpy as np

    table = np.array([rule.needed(n) for n in range(int(applicable.max(initial=0)) + 1)], dtype=np.int64)
    return table[applicable]


def recode_table(scale: Scale, low: int, high: int) -> np.ndarray:
    """Recoded value of every raw value ``low..high`` (index ``value - low``)."""
    import numpy as np

    return np.array([scale.recoded(v) for v in range(low, high + 1)], dtype=np.float64)


@dataclass(frozen=True)
class Response:
    value: int | None = None
    is_na: bool = False

    @property
    def answered(self) -> bool:
        return self.is_na or self.value is not None


@dataclass(frozen=True)
class ScaleScore:
    """One rating's score on one scale, with the counts behind it."""

    scale_id: str
    name: str
    score: float | None
    answered: int  # items with a value or N/A
    total: int
    applies: bool
    status: str  # "complete", "incomplete", "not applicable", "all N/A"
    n_na: int = 0
    n_missing: int = 0
    needed: int = 0  # scored items the rule asks for, given the N/A items


def score_scale(scale: Scale, responses: dict[str, Response], session_number: int | None) -> ScaleScore:
    """The live score of one rating (the engine on a one-row matrix)."""
    import numpy as np

    got = [responses.get(i, Response()) for i in scale.items]
    values = np.array([[np.nan if r.is_na or r.value is None else scale.recoded(r.value) for r in got]])
    na = np.array([[r.is_na for r in got]])
    applies = scale.applies.applies(session_number)
    result = score_matrix(values, na, scale.method, scale.rule, np.array([applies]))
    n_na, n_missing = int(result.n_na[0]), int(result.n_missing[0])
    score = float(result.scores[0]) if result.status[0] == SCORED else None
    total = len(scale.items)
    return ScaleScore(scale.id, scale.name, score, total - n_missing, total, applies,
                      STATUS_NAMES[int(result.status[0])], n_na, n_missing, scale.rule.needed(total - n_na))


def score_all(
    instrument: Instrument, responses: dict[str, Response], session_number: int | None
) -> list[ScaleScore]:
    return [score_scale(s, responses, session_number) for s in instrument.scales]


def missing_required(
    instrument: Instrument, responses: dict[str, Response], session_number: int | None
) -> list[str]:
    """Ids of required, applicable items that have neither a value nor N/A."""
    return [
        item.id
        for item in instrument.items
        if item.required
        and instrument.item_applies(item.id, session_number)
        and not responses.get(item.id, Response()).answered
    ]
