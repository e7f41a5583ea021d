"""Drift and calibration screens: scheduling, the drift plot and bias table, the calibration board."""

from __future__ import annotations

from sqlalchemy import select
from training_support import gold_session, ids, rate

from rater.storage import models as m
from rater.storage import models_training as t
from rater.study.training.certification import set_criterion
from rater.study.training.material import list_material, study_raters
from rater.study.training.practice import assign_practice
from rater.study.training.views import Criterion
from rater.ui.coordinator.training import asks as training_asks
from rater.ui.coordinator.training.calibration import CalibrationScreen
from rater.ui.coordinator.training.drift import DriftScreen


def _show(page, cls):
    screen = page.screen(cls)
    page.nav.setCurrentRow(page.screens.index(screen))
    return screen


def test_drift_screen_schedules_and_plots_with_flags(coordinator, db, ws, answered_dialogs):
    x = ids(db)
    set_criterion(db, x["study"], Criterion("hstbs", 0.8, 0.75, 1))
    screen = _show(coordinator, DriftScreen)
    assert screen.status.text() == "No scored practice yet."
    screen.rater.setCurrentIndex(screen.rater.findData(x["R01"]))
    screen.sched_instrument.setCurrentIndex(screen.sched_instrument.findData(x["hstbs"]))
    screen.every.setValue(3)
    screen.schedule()
    with db.reading() as s:
        sch = s.scalar(select(t.DriftSchedule))
        assert (sch.mode, sch.every_sessions, sch.every_days) == ("hidden", 3, None)
    good = gold_session(db, x["hstbs"], 2, code="T01")
    bad = gold_session(db, x["hstbs"], 2, code="T02")
    [a] = assign_practice(db, good, x["hstbs"], [x["R01"]])
    [b] = assign_practice(db, bad, x["hstbs"], [x["R01"]])
    rate(ws, a, x["R01"], 2)
    rate(ws, b, x["R01"], 4)
    screen.refresh()
    assert screen.status.text() == "1 rater(s), 1 flagged"
    assert screen.table.item(0, 1).text() == "2" and screen.table.item(0, 2).text() == "0%"
    assert "within ±1 0%" in screen.table.item(0, 4).text()
    names = [s.name() for s in screen.chart_view.chart().series()]
    assert names == ["R01 (flagged)", "Criterion ≥ 80"]
    assert screen.chart_view.chart().series()[0].count() == 2
    assert screen.bias.horizontalHeaderItem(1).text() == "asg1" and screen.bias.item(0, 1).text() == "+1.0"


def test_calibration_board_is_shown_when_all_submitted(coordinator, db, ws, answers, monkeypatch):
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2)
    screen = _show(coordinator, CalibrationScreen)
    monkeypatch.setattr(training_asks, "several", lambda parent, title, label, options: [0, 1])
    mats = [v.label for v in list_material(db, x["study"]) if v.gold_instruments]
    assert mats == ["T01 session 2"] and len(study_raters(db, x["study"])) == 2
    answers.queue = [0, 2, "Week 3"]  # recording, instrument (hes_ct, hes_general, hstbs), title
    screen.open_meeting()
    assert screen.table.rowCount() == 1 and screen.table.item(0, 4).text() == "0 of 2"
    assert screen.board.rowCount() == 0 and "Waiting for: R01, R02" in screen.note.text()
    with db.reading() as s:
        ids_ = dict(s.execute(select(m.Assignment.rater_id, m.Assignment.id)
                              .where(m.Assignment.session_id == session_id)).all())
    rate(ws, ids_[x["R01"]], x["R01"], 3)
    rate(ws, ids_[x["R02"]], x["R02"], 2)
    screen.refresh()
    assert screen.table.item(0, 5).text() == "shown" and screen.board.rowCount() == 16
    assert [screen.board.item(0, c).text() for c in (1, 2, 3)] == ["2", "3", "2"]
