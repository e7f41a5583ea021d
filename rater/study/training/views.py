"""Plain dataclasses of training handed to the UI, the CLI and the exporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rater.instruments.model import Instrument
from rater.study.training.agreement import Agreement, GoldItem, ItemComparison, ScaleComparison

PHASES = {"worked_example": "Worked example", "practice": "Practice"}
KIND_LABELS = {"worked_example": "Worked example", "practice": "Practice", "drift_open": "Drift check",
               "drift_hidden": "Drift check (hidden)", "calibration": "Calibration",
               "expert": "Expert rating"}
# Kinds whose ratings are compared with gold for certification and drift (a worked example is not blind).
SCORED_KINDS = ("practice", "drift_open", "drift_hidden", "calibration")


@dataclass(frozen=True)
class GoldMarkView:
    position_ms: int
    text: str
    item_id: str = ""


@dataclass(frozen=True)
class GoldView:
    session_id: str
    instrument_id: str
    instrument: Instrument
    items: dict[str, GoldItem]
    marks: list[GoldMarkView]
    source: str


@dataclass(frozen=True)
class MaterialView:
    session_id: str
    patient_code: str
    session_number: int
    phase: str
    recording: str
    gold_instruments: tuple[str, ...]
    assigned: int
    submitted: int

    @property
    def label(self) -> str:
        return f"{self.patient_code} session {self.session_number}"


@dataclass(frozen=True)
class Criterion:
    instrument_key: str
    min_within1: float
    max_mad: float
    last_n: int
    validity_days: int | None = None

    def describe(self) -> str:
        valid = f", valid {self.validity_days} days" if self.validity_days else ""
        return (f"≥ {100 * self.min_within1:.0f}% of items within ±1 and mean absolute difference ≤ "
                f"{self.max_mad:g} over the last {self.last_n} practice recording(s){valid}")


@dataclass(frozen=True)
class Decision:
    """One evaluation of the criterion, made when a scored training rating was submitted."""

    at: datetime
    assignment_id: str
    label: str  # the practice recording that triggered it
    kind: str
    window: int  # practice recordings in the window
    agreement: Agreement
    passed: bool
    expires_at: datetime | None


@dataclass(frozen=True)
class CertStatus:
    rater_id: str
    rater_code: str
    instrument_key: str
    state: str  # certified | expired | not_certified | no_criterion
    since: datetime | None
    expires_at: datetime | None
    latest: Decision | None
    history: list[Decision] = field(default_factory=list)
    criterion: Criterion | None = None

    @property
    def certified(self) -> bool:
        return self.state == "certified"

    def reason(self) -> str:
        """Why a rater is (not) certified, in words for the rater and the coordinator."""
        key = self.instrument_key
        if self.state == "no_criterion":
            return f"No certification criterion is set for {key}."
        if self.state == "certified":
            until = f" until {self.expires_at:%d %b %Y}" if self.expires_at else ""
            return f"Certified on {key}{until}."
        if self.state == "expired":
            return f"Certification on {key} expired on {self.expires_at:%d %b %Y}; rate practice recordings to recertify."
        c = self.criterion
        done = self.latest.window if self.latest else 0
        if self.latest is None or done < c.last_n:
            return f"Not yet certified on {key}: {done} of {c.last_n} practice recording(s) rated."
        a = self.latest.agreement
        return (f"Not certified on {key}: within ±1 {100 * (a.within1 or 0):.0f}% (needs {100 * c.min_within1:.0f}%), "
                f"mean absolute difference {a.mad or 0:.2f} (needs ≤ {c.max_mad:g}).")


@dataclass(frozen=True)
class FeedbackView:
    """What a rater sees after submitting a practice rating."""

    assignment_id: str
    kind: str
    instrument: Instrument
    patient_code: str
    session_number: int
    comparisons: list[ItemComparison]
    summary: Agreement
    scales: list[ScaleComparison]
    marks: list[GoldMarkView]
    running: Agreement
    running_count: int
    status: CertStatus | None
