"""Scale scores from item responses.

Rules (also written into the export codebook):
* a scale that does not apply to the session number gets no score;
* recodes are applied to each item before scoring;
* items marked N/A are left out: a mean scale is the mean of the remaining
  items; a sum scale is prorated (mean of remaining items × number of items) so
  its range stays comparable;
* a scale with an unanswered item, or with every item N/A, has no score yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from rater.instruments.model import Instrument, Scale

SCORING_RULES = (
    "Recodes are applied to each item first. N/A items are left out: a mean scale is "
    "the mean of the remaining items; a sum scale is prorated (mean of remaining items "
    "x number of items). A scale with an unanswered item, or only N/A items, has no score."
)


@dataclass(frozen=True)
class Response:
    value: int | None = None
    is_na: bool = False

    @property
    def answered(self) -> bool:
        return self.is_na or self.value is not None


@dataclass(frozen=True)
class ScaleScore:
    scale_id: str
    name: str
    score: float | None
    answered: int
    total: int
    applies: bool
    status: str  # "complete", "incomplete", "not applicable", "all N/A"


def score_scale(scale: Scale, responses: dict[str, Response], session_number: int | None) -> ScaleScore:
    total = len(scale.items)
    answered = sum(1 for i in scale.items if responses.get(i, Response()).answered)
    if not scale.applies.applies(session_number):
        return ScaleScore(scale.id, scale.name, None, answered, total, False, "not applicable")
    if answered < total:
        return ScaleScore(scale.id, scale.name, None, answered, total, True, "incomplete")
    values = [
        scale.recoded(r.value)
        for r in (responses[i] for i in scale.items)
        if not r.is_na and r.value is not None
    ]
    if not values:
        return ScaleScore(scale.id, scale.name, None, answered, total, True, "all N/A")
    mean = sum(values) / len(values)
    score = mean if scale.method == "mean" else mean * total
    return ScaleScore(scale.id, scale.name, score, answered, total, True, "complete")


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
