"""Consensus view (coordinator only): where raters of a study session disagree, and consensus scores.

Consensus scores live in ``consensus_score``; the raters' ratings are never
read for writing here, so recording a consensus cannot change them. Nothing
rater-facing reads this module's table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from rater.storage import audit
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.instruments import instrument_of
from rater.study.rating.views import MarkView, RecordingView
from rater.study.recordings import media_paths

log = logging.getLogger(__name__)

RULES = {"range": "range of the raters' scores ≥", "from_mean": "a rater this far from the others' mean ≥"}


@dataclass(frozen=True)
class RaterScore:
    rater_code: str
    value: int | None
    is_na: bool
    note: str
    marks: tuple[MarkView, ...]


@dataclass(frozen=True)
class Disagreement:
    session_id: str
    patient_code: str
    session_number: int
    instrument_id: str
    instrument_name: str
    instrument_key: str
    item_id: str
    item_text: str
    spread: float
    scores: tuple[RaterScore, ...]
    consensus: int | None
    consensus_note: str

    @property
    def mean(self) -> float | None:
        values = [x.value for x in self.scores if x.value is not None and not x.is_na]
        return sum(values) / len(values) if values else None


def _spread(values: list[int], rule: str) -> float:
    if len(values) < 2:
        return 0.0
    if rule == "range":
        return float(max(values) - min(values))
    # Each rater against the mean of the others: flags one rater far from an agreeing group.
    total = sum(values)
    return max(abs(v - (total - v) / (len(values) - 1)) for v in values)


def disagreements(db: Database, study_id: str, threshold: float = 2, rule: str = "range",
                  instrument_id: str | None = None) -> list[Disagreement]:
    """Items of submitted study ratings where the raters disagree by ``threshold`` or more under ``rule``."""
    if rule not in RULES:
        raise InvalidValue(f"Unknown rule {rule!r}: choose {' or '.join(RULES)}.")
    if not threshold > 0:
        raise InvalidValue(f"The threshold must be above 0 (got {threshold:g}).")
    with db.reading() as s:
        q = (select(m.Assignment, m.Rating, m.Rater.code)
             .join(m.Rating, m.Rating.assignment_id == m.Assignment.id)
             .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
             .where(m.Assignment.study_id == study_id, m.Assignment.purpose == "study",
                    m.Assignment.status == "submitted"))
        if instrument_id:
            q = q.where(m.Assignment.instrument_id == instrument_id)
        groups: dict[tuple[str, str], list[tuple[m.Assignment, m.Rating, str]]] = {}
        for a, rating, code in s.execute(q.order_by(m.Rater.code)):
            groups.setdefault((a.session_id, a.instrument_id), []).append((a, rating, code))
        consensus = {(c.session_id, c.instrument_id, c.item_id): c for c in s.scalars(select(t.ConsensusScore))}
        out = []
        for (session_id, inst_id), rows in groups.items():
            if len(rows) < 2:
                continue
            a0 = rows[0][0]
            instrument = instrument_of(a0.instrument)
            sess = a0.session
            for item in instrument.items:
                scores = []
                for _a, rating, code in rows:
                    sc = next((x for x in rating.scores if x.item_id == item.id), None)
                    scores.append(RaterScore(code, None if sc is None else sc.value, bool(sc and sc.is_na),
                                             "" if sc is None else sc.note,
                                             tuple(MarkView(mk.id, mk.position_ms, mk.text) for mk in rating.marks)))
                values = [x.value for x in scores if x.value is not None and not x.is_na]
                spread = _spread(values, rule)
                if spread + 1e-9 < threshold:
                    continue
                c = consensus.get((session_id, inst_id, item.id))
                out.append(Disagreement(session_id, sess.patient.code, sess.number, inst_id, a0.instrument.name,
                                        a0.instrument.key, item.id, item.text, spread, tuple(scores),
                                        None if c is None else c.value, "" if c is None else c.note))
        out.sort(key=lambda d: (d.patient_code, d.session_number, d.instrument_name, d.item_id))
        return out


def set_consensus(db: Database, session_id: str, instrument_id: str, item_id: str, value: int | None,
                  note: str = "", actor: str = "coordinator") -> None:
    """Record (or with ``value=None`` remove) the consensus score of one study session and item."""
    with db.transaction() as s:
        sess = s.get(m.Session, session_id)
        inst = s.get(m.InstrumentRecord, instrument_id)
        if sess is None or inst is None:
            raise NotFound("This session or instrument no longer exists.")
        if sess.is_practice:
            raise InvalidValue("Consensus scores are for study sessions; training recordings have gold instead.")
        try:
            item = instrument_of(inst).item(item_id)
        except KeyError:
            raise InvalidValue(f"{inst.name} has no item {item_id!r}.") from None
        if value is not None and not item.min <= value <= item.max:
            raise InvalidValue(f"{value} is outside {item.min}–{item.max} for item {item_id}.")
        row = s.scalar(select(t.ConsensusScore).where(t.ConsensusScore.session_id == session_id,
                                                      t.ConsensusScore.instrument_id == instrument_id,
                                                      t.ConsensusScore.item_id == item_id))
        old = None if row is None else row.value
        if value is None:
            if row is not None:
                s.delete(row)
        else:
            if row is None:
                row = t.ConsensusScore(session_id=session_id, instrument_id=instrument_id, item_id=item_id)
                s.add(row)
            row.value, row.note, row.created_by, row.created_at = value, note, actor, m.utcnow()
        s.flush()
        audit.record(s, actor=actor, action="update" if old is not None else "create", entity="consensus_score",
                     entity_id=session_id, field=f"{inst.key}:{item_id}", old=old, new=value,
                     reason=note, study_id=sess.patient.study_id)


def promote_to_gold(db: Database, session_id: str, instrument_id: str, training_code: str,
                    actor: str = "coordinator") -> str:
    """A training copy of a study session whose gold is the consensus; returns the new session's id.

    The study session stays study data (a session is never both); the copy
    points at the same recording files under the patient code ``training_code``.
    Items without a consensus take the raters' score where they all agree;
    any other item is reported and nothing is created.
    """
    from rater.study.training.agreement import GoldItem
    from rater.study.training.gold import store_gold

    with db.transaction() as s:
        sess = s.get(m.Session, session_id)
        inst = s.get(m.InstrumentRecord, instrument_id)
        if sess is None or inst is None:
            raise NotFound("This session or instrument no longer exists.")
        if not training_code.strip():
            raise InvalidValue("Give the training copy a patient code.")
        study_id = sess.patient.study_id
        if s.scalar(select(m.Patient.id).where(m.Patient.study_id == study_id, m.Patient.code == training_code)):
            raise InvalidValue(f"Patient code {training_code!r} is already used in this study.")
        agreed: dict[str, set[int]] = {}
        for sc in s.scalars(select(m.ItemScore).join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
                            .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
                            .where(m.Assignment.session_id == session_id, m.Assignment.instrument_id == instrument_id,
                                   m.Assignment.purpose == "study", m.Assignment.status == "submitted")):
            if sc.value is not None and not sc.is_na:
                agreed.setdefault(sc.item_id, set()).add(sc.value)
        consensus = {c.item_id: c for c in s.scalars(select(t.ConsensusScore).where(
            t.ConsensusScore.session_id == session_id, t.ConsensusScore.instrument_id == instrument_id))}
        items = {}
        for item in instrument_of(inst).items:
            if item.id in consensus:
                items[item.id] = GoldItem(consensus[item.id].value, False, consensus[item.id].note)
            elif len(agreed.get(item.id, ())) == 1:
                items[item.id] = GoldItem(next(iter(agreed[item.id])), False, "all raters agreed")
        patient = m.Patient(study_id=study_id, code=training_code)
        s.add(patient)
        s.flush()
        copy = m.Session(patient_id=patient.id, number=sess.number, is_practice=True)
        for rec in sess.recordings:
            copy.recordings.append(m.Recording(path=rec.path, kind=rec.kind, priority=rec.priority, size=rec.size,
                                               checksum=rec.checksum, duration_ms=rec.duration_ms))
        s.add(copy)
        s.flush()
        s.add(t.TrainingMaterial(session_id=copy.id, study_id=study_id, phase="practice"))
        s.flush()
        audit.record(s, actor=actor, action="create", entity="training_material", entity_id=copy.id,
                     field="from_consensus", new=f"{sess.patient.code} session {sess.number}", study_id=study_id)
        # store_gold refuses (and so rolls everything back) when an item has neither consensus nor agreement.
        store_gold(s, copy.id, inst, items, [], "consensus", actor)
        return copy.id


def recordings_of(db: Database, session_id: str) -> list[RecordingView]:
    """The session's recordings, resolved against the study's media root (for playing a rater's mark)."""
    with db.reading() as s:
        sess = s.get(m.Session, session_id)
        if sess is None:
            raise NotFound("This session no longer exists.")
        study = s.get(m.Study, sess.patient.study_id)
        out = []
        for rec in sess.recordings:
            path = media_paths.resolve(s, study, rec.path)
            out.append(RecordingView(rec.id, str(path), rec.kind, rec.duration_ms, Path(path).is_file()))
        return out
