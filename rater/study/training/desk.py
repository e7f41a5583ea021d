"""The rater's side of training: their training queue, worked examples, feedback after submission.

This is the only rater-facing way to gold. Every call names the rater and
checks the assignment is theirs; practice gold is released only once their
rating is submitted. A hidden drift check answers exactly like a study
assignment until it is submitted, so no call tells a rater it is a check.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from rater.instruments.scoring import Response
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import AccessDenied, NotFound
from rater.study.instruments import instrument_of
from rater.study.training import calibration, certification, gold_store
from rater.study.training.agreement import NO_AGREEMENT, GoldItem, compare, compare_scales, summarize
from rater.study.training.views import FeedbackView, GoldMarkView, GoldView


class GoldSealed(AccessDenied):
    """Gold asked for before the rater may see it."""


SEALED = "Feedback is shown only after you submit a practice rating."
CALIBRATION_SEALED = "The gold of a calibration is shown when everyone has submitted."


@dataclass(frozen=True)
class TrainingEntry:
    assignment_id: str
    kind: str
    label: str
    instrument_name: str
    status: str


class TrainingDesk:
    """Rater-facing training services; one database unit of work per call."""

    def __init__(self, db: Database):
        self.db = db

    def kind(self, assignment_id: str, rater_id: str) -> str | None:
        """The training kind the rater may know of (``None`` for study sessions and unsubmitted hidden checks)."""
        with self.db.reading() as s:
            a, ta = self._own(s, assignment_id, rater_id)
            if ta is None or (ta.kind == "drift_hidden" and a.status != "submitted"):
                return None
            return ta.kind

    def entries(self, rater_id: str) -> list[TrainingEntry]:
        """The rater's training assignments (hidden checks stay in the study queue)."""
        with self.db.reading() as s:
            rows = s.execute(select(m.Assignment, t.TrainingAssignment.kind, m.Patient.code, m.Session.number,
                                    m.InstrumentRecord.name)
                             .join(t.TrainingAssignment, t.TrainingAssignment.assignment_id == m.Assignment.id)
                             .join(m.Session, m.Session.id == m.Assignment.session_id)
                             .join(m.Patient, m.Patient.id == m.Session.patient_id)
                             .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
                             .where(m.Assignment.rater_id == rater_id, t.TrainingAssignment.kind != "drift_hidden")
                             .order_by(m.Assignment.queue_position, m.Assignment.id)).all()
            return [TrainingEntry(a.id, kind, f"{code} session {n}", name, a.status)
                    for a, kind, code, n, name in rows]

    def worked_example(self, assignment_id: str, rater_id: str) -> GoldView:
        """Gold of a worked example, shown while playing; any other assignment is sealed."""
        with self.db.reading() as s:
            a, ta = self._own(s, assignment_id, rater_id)
            if ta is None or ta.kind != "worked_example":
                raise GoldSealed(SEALED)
            return self._gold(s, a)

    def feedback(self, assignment_id: str, rater_id: str) -> FeedbackView:
        """Item-by-item comparison with gold and the running agreement, after submission only."""
        with self.db.reading() as s:
            a, ta = self._own(s, assignment_id, rater_id)
            if ta is None or ta.kind == "expert" or a.status != "submitted":
                raise GoldSealed(SEALED)
            if ta.kind == "calibration" and not calibration.is_revealed(s, ta.meeting_id):
                raise GoldSealed(CALIBRATION_SEALED)
            # Column queries rather than lazy loads: this runs between "Submit" and the feedback appearing.
            number, patient, inst_row, rater_code = s.execute(
                select(m.Session.number, m.Patient.code, m.InstrumentRecord, m.Rater.code)
                .join(m.Patient, m.Patient.id == m.Session.patient_id)
                .join(m.InstrumentRecord, m.InstrumentRecord.id == a.instrument_id)
                .join(m.Rater, m.Rater.id == a.rater_id)
                .where(m.Session.id == a.session_id)).one()
            instrument = instrument_of(inst_row)
            try:
                gold = self._gold_items(s, a)
            except NotFound:
                # On a rater's own PostgreSQL login the others' submissions are out of sight, so the
                # calibration looks revealed here while the server still withholds its gold.
                if ta.kind == "calibration":
                    raise GoldSealed(CALIBRATION_SEALED) from None
                raise
            responses = {item: Response(value, is_na) for item, value, is_na in s.execute(
                select(m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.is_na)
                .join(m.Rating, m.Rating.id == m.ItemScore.rating_id).where(m.Rating.assignment_id == a.id))}
            marks = [GoldMarkView(ms, text, item) for ms, text, item in s.execute(
                select(t.GoldMark.position_ms, t.GoldMark.text, t.GoldMark.item_id)
                .join(t.GoldRating, t.GoldRating.id == t.GoldMark.gold_rating_id)
                .where(t.GoldRating.session_id == a.session_id, t.GoldRating.instrument_id == a.instrument_id)
                .order_by(t.GoldMark.position_ms))]
            comparisons = compare(instrument, responses, gold, number)
            key = inst_row.key
            scored = [x for x in certification.scored_ratings(s, a.study_id, [rater_id]) if x.instrument_key == key]
            running = sum((x.agreement for x in scored), NO_AGREEMENT)
            crit = certification.criteria(s, a.study_id).get(key)
            status = certification.status_from(rater_id, rater_code, key, crit, scored, m.utcnow())
            return FeedbackView(a.id, ta.kind, instrument, patient, number, comparisons, summarize(comparisons),
                                compare_scales(instrument, responses, gold, number), marks, running, len(scored),
                                status)

    @staticmethod
    def _gold_items(s, a: m.Assignment) -> dict[str, GoldItem]:
        rows = s.execute(select(t.GoldScore.item_id, t.GoldScore.value, t.GoldScore.is_na, t.GoldScore.rationale)
                         .join(t.GoldRating, t.GoldRating.id == t.GoldScore.gold_rating_id)
                         .where(t.GoldRating.session_id == a.session_id,
                                t.GoldRating.instrument_id == a.instrument_id)).all()
        if not rows:
            raise NotFound("This training recording has no gold rating yet.")
        return {item: GoldItem(value, is_na, why) for item, value, is_na, why in rows}

    @staticmethod
    def _own(s, assignment_id: str, rater_id: str) -> tuple[m.Assignment, t.TrainingAssignment | None]:
        a = s.get(m.Assignment, assignment_id)
        if a is None:
            raise NotFound("This assignment no longer exists.")
        if a.rater_id != rater_id:
            raise AccessDenied("This assignment belongs to another rater.")
        return a, s.get(t.TrainingAssignment, assignment_id)

    @staticmethod
    def _gold(s, a: m.Assignment) -> GoldView:
        row = gold_store.gold_row(s, a.session_id, a.instrument_id)
        if row is None:
            raise NotFound("This training recording has no gold rating yet.")
        return GoldView(a.session_id, a.instrument_id, instrument_of(a.instrument), gold_store.gold_items(row),
                        gold_store.gold_marks(row), row.source)
