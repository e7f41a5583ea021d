"""Drift checks: schedules and their refusals, due checks placed hidden or open, the drift figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from training_support import HSTBS_ITEMS, gold_session, ids, rate

from rater.storage import models as m
from rater.study.errors import InvalidValue
from rater.study.training.certification import set_criterion
from rater.study.training.desk import TrainingDesk
from rater.study.training.drift import drift_view, place_due, schedule
from rater.study.training.views import Criterion

SESSION1 = [f"asg{i}" for i in range(1, 8)] + [f"obs{i}" for i in range(1, 6)]


def _submit_first_study(db, ws, rater_id: str) -> str:
    with db.reading() as s:
        a = s.scalar(select(m.Assignment.id).where(m.Assignment.rater_id == rater_id, m.Assignment.purpose == "study")
                     .order_by(m.Assignment.queue_position))
    ws.open(a, rater_id)
    for item in SESSION1:
        ws.set_response(a, rater_id, item, 2)
    ws.submit(a, rater_id)
    return a


def test_bad_schedules_are_refused(sqlite_demo):
    db, _ws, study = sqlite_demo
    x = ids(db)
    with db.transaction() as s:
        idle = m.Rater(study_id=study, code="R09", name="No Assignments")
        s.add(idle)
        s.flush()
        idle_id = idle.id
    with pytest.raises(InvalidValue, match="has no study assignments"):
        schedule(db, idle_id, x["hstbs"], "hidden", every_sessions=3)
    with pytest.raises(InvalidValue, match="at least 1 .got -2"):
        schedule(db, x["R01"], x["hstbs"], "hidden", every_sessions=-2)
    with pytest.raises(InvalidValue, match="either"):
        schedule(db, x["R01"], x["hstbs"], "hidden", every_sessions=2, every_days=7)
    with pytest.raises(InvalidValue, match="Unknown mode"):
        schedule(db, x["R01"], x["hstbs"], "secret", every_days=7)


def test_hidden_check_placed_after_n_study_sessions_then_drift_view_flags(demo):
    db, ws, study = demo
    x = ids(db)
    r01 = x["R01"]
    set_criterion(db, study, Criterion("hstbs", 0.8, 0.75, 1))
    gold_session(db, x["hstbs"], 2, code="P90", number=2)
    schedule(db, r01, x["hstbs"], "hidden", every_sessions=1)
    assert place_due(db, r01) == []  # nothing submitted yet
    _submit_first_study(db, ws, r01)
    [check] = place_due(db, r01)
    assert place_due(db, r01) == []  # placed once
    queue = ws.queue(r01)
    entry = next(e for e in queue if e.assignment_id == check)
    others = [e for e in queue if e.assignment_id != check and e.status != "submitted"]
    assert entry.purpose == "study" and entry.position == min(e.position for e in others)
    assert check not in {e.assignment_id for e in TrainingDesk(db).entries(r01)}
    # Rated 1 point high on every item but obs5 two high: within ±1 15/16, MAD (15 + 2)/16 = 1.0625 > 0.75.
    rate(ws, check, r01, [3] * 15 + [4])
    [drift], crit = drift_view(db, study)
    assert drift.rater_code == "R01" and crit["hstbs"].max_mad == 0.75
    [point] = drift.points
    assert (point.kind, point.within1, point.mad) == ("drift_hidden", 15 / 16, (15 + 2) / 16)
    assert drift.bias["rev1"] == 1 and drift.bias["obs5"] == 2
    assert drift.flagged and "mean absolute difference 1.06" in drift.reason
    assert len(HSTBS_ITEMS) == len(drift.bias)


def test_open_check_every_m_days_goes_to_the_training_section(sqlite_demo):
    db, _ws, _study = sqlite_demo
    x = ids(db)
    gold_session(db, x["hstbs"], 2)
    schedule(db, x["R01"], x["hstbs"], "open", every_days=7)
    assert place_due(db, x["R01"]) == []
    [check] = place_due(db, x["R01"], now=m.utcnow() + timedelta(days=8))
    assert [(e.assignment_id, e.kind) for e in TrainingDesk(db).entries(x["R01"])] == [(check, "drift_open")]
    # No unused practice recording is left: the next due check is skipped, not invented.
    assert place_due(db, x["R01"], now=m.utcnow() + timedelta(days=30)) == []
