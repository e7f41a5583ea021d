"""Training material on the demo study, shared by the core, CLI and widget tests of training."""

from __future__ import annotations

from sqlalchemy import select

from rater.storage import models as m
from rater.study.training.agreement import GoldItem
from rater.study.training.gold import set_gold
from rater.study.training.material import mark_training
from rater.study.training.views import GoldMarkView

HSTBS_ITEMS = [f"rev{i}" for i in range(1, 5)] + [f"asg{i}" for i in range(1, 8)] + [f"obs{i}" for i in range(1, 6)]


def ids(db) -> dict[str, str]:
    """Ids of the demo study, raters R01/R02 and the HSTBS and HES-General instruments."""
    with db.reading() as s:
        out = {"study": s.scalar(select(m.Study.id))}
        for code in ("R01", "R02"):
            out[code] = s.scalar(select(m.Rater.id).where(m.Rater.code == code))
        for key in ("hstbs", "hes_general", "hes_ct"):
            out[key] = s.scalar(select(m.Instrument.id).where(m.Instrument.key == key))
        return out


def add_training_session(db, code: str = "T01", number: int = 2, phase: str = "practice",
                         path: str = "practice_clip.mp4") -> str:
    """A new patient ``code`` with one session and recording, marked as training material."""
    with db.transaction() as s:
        study_id = s.scalar(select(m.Study.id))
        patient = s.scalar(select(m.Patient).where(m.Patient.code == code))
        if patient is None:
            patient = m.Patient(study_id=study_id, code=code)
            s.add(patient)
            s.flush()
        sess = m.Session(patient_id=patient.id, number=number)
        sess.recordings.append(m.Recording(path=path, kind="video"))
        s.add(sess)
        s.flush()
        session_id = sess.id
    mark_training(db, session_id, phase)
    return session_id


def hstbs_gold(values: list[int] | int = 2, rationale: str = "") -> dict[str, GoldItem]:
    vals = values if isinstance(values, list) else [values] * len(HSTBS_ITEMS)
    return {k: GoldItem(v, False, rationale or f"gold-rationale-{k}") for k, v in zip(HSTBS_ITEMS, vals, strict=True)}


def gold_session(db, instrument_id: str, values: list[int] | int = 2, **kw) -> str:
    """A training session with HSTBS gold and two evidence marks."""
    session_id = add_training_session(db, **kw)
    set_gold(db, session_id, instrument_id, hstbs_gold(values),
             [GoldMarkView(12_000, "reviews the thought record", "rev1"), GoldMarkView(95_000, "sets homework")])
    return session_id


def rate(ws, assignment_id: str, rater_id: str, values: list[int] | int, submit: bool = True) -> None:
    """Open, rate every HSTBS item and (by default) submit, through the rater's workstation."""
    vals = values if isinstance(values, list) else [values] * len(HSTBS_ITEMS)
    ws.open(assignment_id, rater_id)
    for item, value in zip(HSTBS_ITEMS, vals, strict=True):
        ws.set_response(assignment_id, rater_id, item, value)
    if submit:
        ws.submit(assignment_id, rater_id)
