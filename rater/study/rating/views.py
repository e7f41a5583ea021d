"""Plain dataclasses handed to the UI and exporters (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from rater.instruments.model import Instrument
from rater.instruments.scoring import Response

STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "submitted": "Submitted"}

HOMEWORK_KINDS = {
    "cognitive": "Cognitive / thought record",
    "self_monitoring": "Self-monitoring / activity log",
    "behavioural": "Behavioural",
    "other": "Other",
}


@dataclass(frozen=True)
class RaterInfo:
    id: str
    code: str
    name: str
    study_name: str
    has_pin: bool
    teams: tuple[str, ...] = ()
    study_id: str = ""
    study_code: str = ""


@dataclass(frozen=True)
class QueueEntry:
    assignment_id: str
    position: int
    patient_code: str
    session_number: int
    session_date: date | None
    instrument_name: str
    status: str
    recording_kind: str | None
    updated_at: datetime | None
    purpose: str = "study"
    held: str = ""  # why the assignment is held (certification), empty when it can be rated

    @property
    def status_label(self) -> str:
        return "Held" if self.held else STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class MarkView:
    id: str
    position_ms: int
    text: str
    item_id: str | None = None  # evidence for this item …
    polarity: str = ""  # … "+" for, "-" against, "" untagged


@dataclass(frozen=True)
class HomeworkView:
    id: str
    kind: str
    description: str
    author: str
    created_at: datetime

    @property
    def kind_label(self) -> str:
        return HOMEWORK_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class RecordingView:
    id: str
    path: str  # resolved, absolute
    kind: str  # "video" | "audio"
    duration_ms: int | None
    exists: bool
    checksum: str | None = None  # SHA-256 when imported (keys the waveform cache)


@dataclass
class AssignmentView:
    """Everything the rating window needs for one assignment."""

    assignment_id: str
    rating_id: str
    rater_id: str
    rater_name: str
    study_name: str
    patient_code: str
    session_number: int
    session_date: date | None
    instrument: Instrument
    instrument_version: str
    recordings: list[RecordingView]
    responses: dict[str, Response]
    notes: dict[str, str]
    marks: list[MarkView]
    last_position_ms: int
    time_spent_ms: int
    played_intervals: list[list[int]]
    status: str
    submitted_at: datetime | None
    previous_session_number: int | None
    previous_homework: list[HomeworkView]
    session_info: dict[str, str] = field(default_factory=dict)
    revision: int = 0
    recording_id: str | None = None  # the recording last played for this rating
    no_anchor: dict[str, str] = field(default_factory=dict)  # item id → note, items where no anchor fits
    segment: tuple[int, int | None] | None = None  # the stretch to rate (ms); None = the whole recording

    @property
    def read_only(self) -> bool:
        return self.status == "submitted"


@dataclass(frozen=True)
class SaveResult:
    """What a write committed (shown as "saved" in the window)."""

    revision: int
    saved_at: datetime
