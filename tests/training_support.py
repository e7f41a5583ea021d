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
            out[key] = s.scalar(select(m.InstrumentRecord.id).where(m.InstrumentRecord.key == key))
        return out


def add_training_session(db, code: str = "T01", number: int = 2, phase: str = "practice",
                         path: str = "practice_clip.mp4") -> str:
    """A new patient ``code`` with one session and recording, marked as training material."""
    session_id = add_session(db, code, number, path)
    mark_training(db, session_id, phase)
    return session_id


def add_session(db, code: str, number: int, path: str) -> str:
    """A session (of patient ``code``, created if needed) with one recording, not yet anything else."""
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
        return sess.id


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


SESSION1_ITEMS = [f"asg{i}" for i in range(1, 8)] + [f"obs{i}" for i in range(1, 6)]  # session 1: Review does not apply


def two_raters_on_d01(db, ws):
    """R01 and a new rater R03 rate D01 session 1 on the HSTBS; they differ by 3 on asg1 and 1 on asg2."""
    x = ids(db)
    with db.transaction() as s:
        a01 = s.scalar(select(m.Assignment).where(m.Assignment.rater_id == x["R01"]).order_by(m.Assignment.queue_position))
        r03 = m.Rater(study_id=x["study"], code="R03", name="Robin Third")
        s.add(r03)
        s.flush()
        a03 = m.Assignment(study_id=x["study"], session_id=a01.session_id, rater_id=r03.id,
                           instrument_id=a01.instrument_id, team_id=a01.team_id)
        s.add(a03)
        s.flush()
        pairs = [(a01.id, x["R01"], {"asg1": 0, "asg2": 1}), (a03.id, r03.id, {"asg1": 3, "asg2": 2})]
        session_id = a01.session_id
    for assignment_id, rater_id, special in pairs:
        ws.open(assignment_id, rater_id)
        for item in SESSION1_ITEMS:
            ws.set_response(assignment_id, rater_id, item, special.get(item, 2))
        ws.set_note(assignment_id, rater_id, "asg1", f"note by {rater_id[:4]}")
        ws.add_mark(assignment_id, rater_id, 61_000, "assigns a thought record")
        ws.submit(assignment_id, rater_id)
    return x, session_id, [p[0] for p in pairs]
