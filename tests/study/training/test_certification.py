"""Certification: criterion checks, decisions against hand-computed figures, holding study assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from training_support import gold_session, ids, rate

from rater.storage import models as m
from rater.study.errors import AccessDenied, InvalidValue
from rater.study.training.certification import parse_share, rater_statuses, set_criterion, set_hold
from rater.study.training.practice import add_training_assignment, assign_practice
from rater.study.training.views import Criterion

RATED = [2] * 8 + [3] * 4 + [4] * 2 + [0] * 2  # against gold 2: within ±1 12/16, |d| sum 12
CRITERION = Criterion("hstbs", 0.8, 0.75, 2, 365)


@pytest.mark.parametrize(("text", "share"), [("80%", 0.8), ("80", 0.8), ("0.8", 0.8), ("100%", 1.0)])
def test_share_accepts_percent_or_fraction(text, share):
    assert parse_share(text) == pytest.approx(share)


def test_thresholds_out_of_range_are_refused(sqlite_demo):
    db, _ws, study = sqlite_demo
    with pytest.raises(InvalidValue, match="outside 0–100%"):
        parse_share("120%")
    with pytest.raises(InvalidValue, match="N .* at least 1 .*got -3"):
        set_criterion(db, study, Criterion("hstbs", 0.8, 0.75, -3))
    with pytest.raises(InvalidValue, match="cannot be negative"):
        set_criterion(db, study, Criterion("hstbs", 0.8, -0.1, 3))
    with pytest.raises(InvalidValue, match="0–100%"):
        set_criterion(db, study, Criterion("hstbs", 1.2, 0.75, 3))
    assert rater_statuses(db, study) == []


def _hstbs_study_assignment(db, rater_id: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.Assignment.id).where(m.Assignment.rater_id == rater_id,
                                                      m.Assignment.purpose == "study")
                        .order_by(m.Assignment.queue_position))


def test_certification_decisions_and_gating(demo):
    db, ws, study = demo
    x = ids(db)
    r01 = x["R01"]
    set_criterion(db, study, CRITERION)
    set_hold(db, study, True)
    study_a = _hstbs_study_assignment(db, r01)
    held = next(e for e in ws.queue(r01) if e.assignment_id == study_a)
    assert held.status_label == "Held" and "0 of 2 practice recording(s)" in held.held
    with pytest.raises(AccessDenied, match="Held until you are certified"):
        ws.open(study_a, r01)

    t1 = gold_session(db, x["hstbs"], 2, code="T01")
    t2 = gold_session(db, x["hstbs"], 1, code="T02")
    [a1] = assign_practice(db, t1, x["hstbs"], [r01])
    [a2] = assign_practice(db, t2, x["hstbs"], [r01])
    rate(ws, a1, r01, RATED)
    [status] = [st for st in rater_statuses(db, study) if st.rater_code == "R01"]
    assert status.state == "not_certified" and "1 of 2" in status.reason()
    rate(ws, a2, r01, 1)
    [status] = [st for st in rater_statuses(db, study) if st.rater_code == "R01"]
    # Window of the last 2: 32 items, 28 within ±1 (87.5%), |d| sum 12 → 0.375: passes 80% / 0.75.
    assert status.state == "certified"
    assert [(d.window, d.passed) for d in status.history] == [(1, False), (2, True)]
    latest = status.latest.agreement
    assert (latest.n, latest.within1, latest.mad) == (32, 0.875, 0.375)
    assert status.expires_at == status.latest.at + timedelta(days=365)
    released = next(e for e in ws.queue(r01) if e.assignment_id == study_a)
    assert released.held == "" and released.status_label == "Not started"
    ws.open(study_a, r01)

    # A hidden drift check far off gold (all 0 against 2) drops the window to 50% within ±1: held again.
    t3 = gold_session(db, x["hstbs"], 2, code="T03")
    with db.transaction() as s:
        check = add_training_assignment(s, t3, x["hstbs"], r01, "drift_hidden", "coordinator").id
    rate(ws, check, r01, 0)
    [status] = [st for st in rater_statuses(db, study) if st.rater_code == "R01"]
    assert status.state == "not_certified" and status.latest.agreement.within1 == 0.5
    with pytest.raises(AccessDenied, match="within ±1 50% \\(needs 80%\\)"):
        ws.open(study_a, r01)


def test_certification_expires_after_the_validity_period(sqlite_demo):
    db, ws, study = sqlite_demo
    x = ids(db)
    r01 = x["R01"]
    set_criterion(db, study, Criterion("hstbs", 0.8, 0.75, 1, 30))
    set_hold(db, study, True)
    t1 = gold_session(db, x["hstbs"], 2)
    [a1] = assign_practice(db, t1, x["hstbs"], [r01])
    rate(ws, a1, r01, 2)
    study_a = _hstbs_study_assignment(db, r01)
    assert next(e for e in ws.queue(r01) if e.assignment_id == study_a).held == ""
    with db.transaction() as s:
        s.execute(update(m.Rating).where(m.Rating.assignment_id == a1)
                  .values(submitted_at=m.utcnow() - timedelta(days=31)))
    [status] = [st for st in rater_statuses(db, study) if st.rater_code == "R01"]
    assert status.state == "expired" and "expired on" in status.reason()
    assert "expired" in next(e for e in ws.queue(r01) if e.assignment_id == study_a).held


def test_without_hold_setting_nothing_is_held(sqlite_demo):
    db, ws, study = sqlite_demo
    x = ids(db)
    set_criterion(db, study, CRITERION)
    assert all(e.held == "" for e in ws.queue(x["R01"]))
    set_hold(db, study, True)
    assert any(e.held for e in ws.queue(x["R01"]))
    # R02's team rates the HES, which has no criterion: not held.
    assert all(e.held == "" for e in ws.queue(x["R02"]))
    with db.reading() as s:
        fields = s.scalars(select(m.AuditEvent.field).where(m.AuditEvent.study_id == study)
                           .order_by(m.AuditEvent.at)).all()
    assert "hstbs" in fields and "hold_until_certified" in fields
