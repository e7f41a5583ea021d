"""Practice feedback: figures against hand-computed values, gold sealed until submission, hidden checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from training_support import HSTBS_ITEMS, gold_session, ids, rate

from rater.storage import models as m
from rater.study.errors import AccessDenied
from rater.study.training.desk import GoldSealed, TrainingDesk
from rater.study.training.practice import add_training_assignment, assign_practice

# Gold is 2 everywhere; the rater: eight 2s, four 3s, two 4s, two 0s →
# differences 0×8, 1×4, 2×2, −2×2: exact 8/16, within ±1 12/16, mean |d| = (4 + 4 + 4)/16 = 0.75.
RATED = [2] * 8 + [3] * 4 + [4] * 2 + [0] * 2


def test_feedback_figures_match_hand_computed_values(demo):
    db, ws, _study = demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2)
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    rate(ws, a, x["R01"], RATED)
    fb = TrainingDesk(db).feedback(a, x["R01"])
    assert (fb.summary.n, fb.summary.exact, fb.summary.within1, fb.summary.mad) == (16, 0.5, 0.75, 0.75)
    row = next(c for c in fb.comparisons if c.item_id == "obs2")
    assert (row.rater.value, row.gold.value, row.difference) == (4, 2, 2)
    assert row.rater_anchor and row.gold_anchor and row.rater_anchor != row.gold_anchor
    assert row.rationale == "gold-rationale-obs2"
    assert [mk.position_ms for mk in fb.marks] == [12_000, 95_000]
    # Scale scores come from the one scoring engine: Review = mean(2, 2, 2, 2), Obstacles = mean(3, 4, 4, 0, 0).
    scales = {sc.scale_id: (sc.rater, sc.gold) for sc in fb.scales}
    assert scales["review"] == (2.0, 2.0) and scales["obstacles"] == (pytest.approx(2.2), 2.0)
    assert (fb.running.n, fb.running_count) == (16, 1)


def test_running_agreement_pools_every_practice_so_far(sqlite_demo):
    db, ws, _study = sqlite_demo
    x = ids(db)
    first = gold_session(db, x["hstbs"], 2, code="T01")
    second = gold_session(db, x["hstbs"], 1, code="T02")
    [a] = assign_practice(db, first, x["hstbs"], [x["R01"]])
    [b] = assign_practice(db, second, x["hstbs"], [x["R01"]])
    rate(ws, a, x["R01"], RATED)
    rate(ws, b, x["R01"], 1)  # all 16 exact
    fb = TrainingDesk(db).feedback(b, x["R01"])
    assert (fb.summary.exact, fb.summary.mad) == (1.0, 0.0)
    # Pooled: 32 items, 24 exact, 28 within ±1, |d| sum 12.
    assert (fb.running.n, fb.running.exact, fb.running.within1, fb.running.mad) == (32, 0.75, 0.875, 0.375)


def test_gold_is_sealed_before_submission_and_for_other_raters(demo):
    db, ws, _study = demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"])
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    desk = TrainingDesk(db)
    rate(ws, a, x["R01"], 2, submit=False)
    with pytest.raises(GoldSealed):
        desk.feedback(a, x["R01"])
    with pytest.raises(GoldSealed):
        desk.worked_example(a, x["R01"])
    view = ws.open(a, x["R01"])
    assert "gold-rationale" not in repr(view) and view.marks == []  # the rating view carries nothing of the gold
    ws.submit(a, x["R01"])
    with pytest.raises(AccessDenied):
        desk.feedback(a, x["R02"])
    assert desk.feedback(a, x["R01"]).summary.n == 16


def test_worked_example_shows_gold_while_playing(sqlite_demo):
    db, ws, _study = sqlite_demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 3, phase="worked_example")
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    ws.open(a, x["R01"])
    gold = TrainingDesk(db).worked_example(a, x["R01"])
    assert gold.items["obs2"].value == 3 and gold.marks[0].text == "reviews the thought record"
    assert TrainingDesk(db).kind(a, x["R01"]) == "worked_example"


def test_hidden_check_looks_like_a_study_session_until_submitted(sqlite_demo):
    db, ws, _study = sqlite_demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2, code="P77", number=3)
    with db.transaction() as s:
        check = add_training_assignment(s, session_id, x["hstbs"], x["R01"], "drift_hidden", "coordinator").id
    desk = TrainingDesk(db)
    queue = {e.assignment_id: e for e in ws.queue(x["R01"])}
    study_entry = next(e for e in queue.values() if e.assignment_id != check)
    hidden = queue[check]
    assert hidden.purpose == study_entry.purpose == "study"
    assert set(vars(hidden)) == set(vars(study_entry)) and hidden.held == "" and hidden.status == "not_started"
    assert check not in {e.assignment_id for e in desk.entries(x["R01"])}
    assert desk.kind(check, x["R01"]) is None and desk.kind(study_entry.assignment_id, x["R01"]) is None
    # The refusals read the same for the hidden check and a real study session.
    messages = []
    for assignment_id in (check, study_entry.assignment_id):
        with pytest.raises(GoldSealed) as err:
            desk.feedback(assignment_id, x["R01"])
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    rate(ws, check, x["R01"], 2)
    assert desk.kind(check, x["R01"]) == "drift_hidden"
    assert desk.feedback(check, x["R01"]).summary.exact == 1.0


def test_hidden_checks_stay_out_of_study_tables(sqlite_demo):
    db, ws, _study = sqlite_demo
    x = ids(db)
    session_id = gold_session(db, x["hstbs"])
    with db.transaction() as s:
        check = add_training_assignment(s, session_id, x["hstbs"], x["R01"], "drift_hidden", "coordinator").id
    rate(ws, check, x["R01"], 2)
    with db.reading() as s:
        assert s.get(m.Assignment, check).purpose != "study"
        assert check not in s.scalars(select(m.Assignment.id).where(m.Assignment.purpose == "study")).all()
    assert len(HSTBS_ITEMS) == 16
