"""Agreement of one rating with its gold rating, item by item, and pooled over many ratings.

Rules (also printed beside the figures): an item counts when it applies to the
session and both the rater and the gold gave it a value; N/A on either side
leaves the item out. Differences are in raw item points (before recodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rater.instruments.model import Instrument
from rater.instruments.scoring import Response, score_all

AGREEMENT_RULE = ("Items count when they apply to the session and both the rater and the gold gave a value "
                  "(N/A on either side leaves the item out); differences are raw item points.")


@dataclass(frozen=True)
class GoldItem:
    """The gold answer to one item."""

    value: int | None
    is_na: bool = False
    rationale: str = ""

    @property
    def response(self) -> Response:
        return Response(self.value, self.is_na)


@dataclass(frozen=True)
class ItemComparison:
    item_id: str
    text: str
    rater: Response
    gold: Response
    rater_anchor: str
    gold_anchor: str
    rationale: str
    applies: bool

    @property
    def difference(self) -> int | None:
        """Rater minus gold, when both are values on an item that applies."""
        if not self.applies or self.rater.value is None or self.gold.value is None:
            return None
        if self.rater.is_na or self.gold.is_na:
            return None
        return self.rater.value - self.gold.value


@dataclass(frozen=True)
class Agreement:
    """Pooled figures; ``n`` items compared (shares are ``None`` when nothing was compared)."""

    n: int
    exact_count: int
    within1_count: int
    abs_sum: int

    @property
    def exact(self) -> float | None:
        return self.exact_count / self.n if self.n else None

    @property
    def within1(self) -> float | None:
        return self.within1_count / self.n if self.n else None

    @property
    def mad(self) -> float | None:
        return self.abs_sum / self.n if self.n else None

    def __add__(self, other: Agreement) -> Agreement:
        return Agreement(self.n + other.n, self.exact_count + other.exact_count,
                         self.within1_count + other.within1_count, self.abs_sum + other.abs_sum)


NO_AGREEMENT = Agreement(0, 0, 0, 0)


@dataclass(frozen=True)
class ScaleComparison:
    scale_id: str
    name: str
    rater: float | None
    gold: float | None


def _anchor(instrument: Instrument, item_id: str, response: Response) -> str:
    if response.is_na:
        return "N/A"
    if response.value is None:
        return ""
    return instrument.item(item_id).anchors.get(response.value, "")


def compare(instrument: Instrument, responses: Mapping[str, Response], gold: Mapping[str, GoldItem],
            session_number: int | None) -> list[ItemComparison]:
    """Every item of the instrument, in form order, with the rater's and the gold answer."""
    rows = []
    for item in instrument.items:
        mine = responses.get(item.id, Response())
        g = gold.get(item.id, GoldItem(None))
        rows.append(ItemComparison(item.id, item.text, mine, g.response, _anchor(instrument, item.id, mine),
                                   _anchor(instrument, item.id, g.response), g.rationale,
                                   instrument.item_applies(item.id, session_number)))
    return rows


def summarize(comparisons: Iterable[ItemComparison]) -> Agreement:
    diffs = [c.difference for c in comparisons if c.difference is not None]
    return Agreement(len(diffs), sum(1 for d in diffs if d == 0), sum(1 for d in diffs if abs(d) <= 1),
                     sum(abs(d) for d in diffs))


def differences(applicable: Iterable[str], responses: Mapping[str, tuple[int | None, bool]],
                gold: Mapping[str, tuple[int | None, bool]]) -> dict[str, int]:
    """Rater − gold per applicable item where both gave a value: the fast path for many ratings."""
    out = {}
    for item in applicable:
        mine, theirs = responses.get(item), gold.get(item)
        if mine and theirs and mine[0] is not None and theirs[0] is not None and not mine[1] and not theirs[1]:
            out[item] = mine[0] - theirs[0]
    return out


def agreement_of(diffs: Iterable[int]) -> Agreement:
    values = list(diffs)
    return Agreement(len(values), sum(1 for d in values if d == 0), sum(1 for d in values if -1 <= d <= 1),
                     sum(abs(d) for d in values))


def compare_scales(instrument: Instrument, responses: Mapping[str, Response], gold: Mapping[str, GoldItem],
                   session_number: int | None) -> list[ScaleComparison]:
    """Scale scores of the rating and of the gold, with the one scoring engine of the product."""
    mine = score_all(instrument, dict(responses), session_number)
    theirs = score_all(instrument, {k: g.response for k, g in gold.items()}, session_number)
    return [ScaleComparison(a.scale_id, a.name, a.score, b.score) for a, b in zip(mine, theirs, strict=True)
            if a.applies]


def percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.0f}%"
