"""Plain dataclasses describing an instrument (a rating scale) once validated."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    help: str
    min: int
    max: int
    anchors: dict[int, str]
    na_allowed: bool = False
    required: bool = True

    def values(self) -> range:
        return range(self.min, self.max + 1)


@dataclass(frozen=True)
class RecodeRule:
    """Maps every raw value in ``[low, high]`` to ``value``."""

    low: int
    high: int
    value: float


@dataclass(frozen=True)
class Applicability:
    """Session numbers a scale is rated in; ``None`` bounds are open."""

    session_min: int | None = None
    session_max: int | None = None
    reason: str = ""

    def applies(self, session_number: int | None) -> bool:
        if session_number is None:
            return True
        if self.session_min is not None and session_number < self.session_min:
            return False
        if self.session_max is not None and session_number > self.session_max:
            return False
        return True


@dataclass(frozen=True)
class ScoringRule:
    """How many items a rating needs for a scale score (the scale's missing-data rule).

    Items the rater marked N/A are left out of the scale; the rule counts the
    remaining ("applicable") items. With ``min_items`` a rating is scored when
    at least that many are scored (all of them if fewer apply); with
    ``min_fraction`` when at least that fraction is (rounded up). With neither
    (the default) every applicable item must be scored. At least one scored
    item is always needed.
    """

    min_items: int | None = None
    min_fraction: float | None = None

    def needed(self, applicable: int) -> int:
        """Scored items needed when ``applicable`` items are not N/A."""
        if self.min_items is not None:
            want = min(self.min_items, applicable)
        elif self.min_fraction is not None:
            # The tolerance keeps 0.8 × 5 at 4 despite binary floating point.
            want = math.ceil(self.min_fraction * applicable - 1e-9)
        else:
            want = applicable
        return max(1, want)

    def describe(self, n_items: int) -> str:
        """The rule as a sentence fragment, e.g. "at least 6 of 7 items scored"."""
        if self.min_items is not None and self.min_items < n_items:
            return f"at least {self.min_items} of {n_items} items scored"
        if self.min_fraction is not None and self.needed(n_items) < n_items:
            return (f"at least {self.min_fraction:.0%} of the items scored "
                    f"({self.needed(n_items)} of {n_items})")
        return f"all {n_items} items scored" if n_items > 1 else "the item scored"


@dataclass(frozen=True)
class Scale:
    id: str
    name: str
    items: tuple[str, ...]
    method: str  # "mean" or "sum"
    recode: tuple[RecodeRule, ...] = ()
    applies: Applicability = field(default_factory=Applicability)
    description: str = ""
    rule: ScoringRule = field(default_factory=ScoringRule)

    def recoded(self, value: int) -> float:
        for rule in self.recode:
            if rule.low <= value <= rule.high:
                return rule.value
        return float(value)


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    name: str
    description: str
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    instructions: str = ""

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def item_applies(self, item_id: str, session_number: int | None) -> bool:
        """An item is rated unless every scale containing it excludes the session."""
        owners = [s for s in self.scales if item_id in s.items]
        if not owners:
            return True
        return any(s.applies.applies(session_number) for s in owners)

    def not_applicable_reason(self, item_id: str, session_number: int | None) -> str:
        for scale in self.scales:
            if item_id in scale.items and not scale.applies.applies(session_number):
                return scale.applies.reason or f"{scale.name} is not rated in this session"
        return ""
