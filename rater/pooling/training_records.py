"""Training set-up in the study package: what a rater's desktop needs to run training.

Carried: training material, the kind of each training assignment, the gold of
recordings that are given to raters (so feedback works on a desktop that
shares nothing), criteria, calibration meetings and drift schedules.
Never carried: consensus scores (coordinator only) and the gold of recordings
nobody has been given yet. Ratings of practice travel in ratings packages like
study ratings (they are normal ratings on training assignments).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rater.pooling.records import parse_when, when
from rater.storage import models as m
from rater.storage import models_training as t

KEY = "training"


def training_payload(s: Session, study_id: str) -> dict[str, Any]:
    """The study's training set-up as plain data (empty lists when there is none)."""
    material = list(s.scalars(select(t.TrainingMaterial).where(t.TrainingMaterial.study_id == study_id)
                              .order_by(t.TrainingMaterial.session_id)))
    kinds = list(s.execute(select(t.TrainingAssignment).join(m.Assignment)
                           .where(m.Assignment.study_id == study_id)
                           .order_by(t.TrainingAssignment.assignment_id)).scalars())
    given = select(m.Assignment.session_id).join(t.TrainingAssignment).where(
        m.Assignment.study_id == study_id, t.TrainingAssignment.kind != "expert")
    gold = list(s.scalars(select(t.GoldRating).where(t.GoldRating.session_id.in_(given))
                          .order_by(t.GoldRating.session_id, t.GoldRating.instrument_id)))
    return {
        "material": [{"session_id": x.session_id, "phase": x.phase, "added_at": when(x.added_at)} for x in material],
        "meetings": [{"id": x.id, "session_id": x.session_id, "instrument_id": x.instrument_id, "title": x.title,
                      "opened_at": when(x.opened_at), "closed_at": when(x.closed_at)}
                     for x in s.scalars(select(t.CalibrationMeeting).where(t.CalibrationMeeting.study_id == study_id)
                                        .order_by(t.CalibrationMeeting.id))],
        "assignments": [{"assignment_id": x.assignment_id, "kind": x.kind, "meeting_id": x.meeting_id} for x in kinds],
        "gold": [{"id": g.id, "session_id": g.session_id, "instrument_id": g.instrument_id, "source": g.source,
                  "created_at": when(g.created_at),
                  "scores": [{"item_id": x.item_id, "value": x.value, "is_na": x.is_na, "rationale": x.rationale}
                             for x in g.scores],
                  "marks": [{"position_ms": x.position_ms, "text": x.text, "item_id": x.item_id} for x in g.marks]}
                 for g in gold],
        "criteria": [{"id": c.id, "instrument_key": c.instrument_key, "min_within1": c.min_within1,
                      "max_mad": c.max_mad, "last_n": c.last_n, "validity_days": c.validity_days}
                     for c in s.scalars(select(t.CertificationCriterion)
                                        .where(t.CertificationCriterion.study_id == study_id)
                                        .order_by(t.CertificationCriterion.id))],
        "schedules": [{"id": d.id, "rater_id": d.rater_id, "instrument_id": d.instrument_id, "mode": d.mode,
                       "every_sessions": d.every_sessions, "every_days": d.every_days,
                       "created_at": when(d.created_at)}
                      for d in s.scalars(select(t.DriftSchedule).where(t.DriftSchedule.study_id == study_id)
                                         .order_by(t.DriftSchedule.id))],
    }


def apply_training(s: Session, study_id: str, data: dict[str, Any], instruments: dict[str, str]) -> int:
    """Make this desktop's training set-up the package's (inside the import's transaction); rows written."""
    if not data:
        return 0
    written = 0
    for x in data["material"]:
        row = s.get(t.TrainingMaterial, x["session_id"])
        if row is None:
            s.add(t.TrainingMaterial(session_id=x["session_id"], study_id=study_id, phase=x["phase"],
                                     added_at=parse_when(x["added_at"])))
            written += 1
        elif row.phase != x["phase"]:
            row.phase = x["phase"]
            written += 1
    s.flush()
    for x in data["meetings"]:
        row = s.get(t.CalibrationMeeting, x["id"])
        closed = parse_when(x["closed_at"])
        if row is None:
            s.add(t.CalibrationMeeting(id=x["id"], study_id=study_id, session_id=x["session_id"],
                                       instrument_id=instruments[x["instrument_id"]], title=x["title"],
                                       opened_at=parse_when(x["opened_at"]), closed_at=closed))
            written += 1
        elif row.closed_at != closed:
            row.closed_at = closed
            written += 1
    s.flush()
    for x in data["assignments"]:
        if s.get(t.TrainingAssignment, x["assignment_id"]) is None:
            s.add(t.TrainingAssignment(**x))
            written += 1
    for g in data["gold"]:
        # Gold is the coordinator's: the package's version replaces whatever this desktop had.
        s.execute(delete(t.GoldRating).where(t.GoldRating.session_id == g["session_id"],
                                             t.GoldRating.instrument_id == instruments[g["instrument_id"]]))
        s.flush()
        row = t.GoldRating(id=g["id"], session_id=g["session_id"], instrument_id=instruments[g["instrument_id"]],
                           source=g["source"], created_at=parse_when(g["created_at"]))
        row.scores = [t.GoldScore(**x) for x in g["scores"]]
        row.marks = [t.GoldMark(**x) for x in g["marks"]]
        s.add(row)
        written += 1
    for c in data["criteria"]:
        s.execute(delete(t.CertificationCriterion).where(t.CertificationCriterion.study_id == study_id,
                                                         t.CertificationCriterion.instrument_key == c["instrument_key"]))
        s.flush()
        s.add(t.CertificationCriterion(study_id=study_id, **c))
        written += 1
    for d in data["schedules"]:
        if s.get(t.DriftSchedule, d["id"]) is None:
            s.add(t.DriftSchedule(study_id=study_id, **{**d, "instrument_id": instruments[d["instrument_id"]],
                                                        "created_at": parse_when(d["created_at"])}))
            written += 1
    s.flush()
    return written
