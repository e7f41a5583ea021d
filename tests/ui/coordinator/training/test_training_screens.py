"""Coordinator training screens: material, gold CSV, giving practice, criterion and certification status."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from training_support import HSTBS_ITEMS, add_session, ids, rate

from rater.storage import models as m
from rater.storage import models_training as t
from rater.study.training.material import candidate_sessions, study_instruments
from rater.ui.coordinator.training import asks as training_asks
from rater.ui.coordinator.training.certification import CertificationScreen
from rater.ui.coordinator.training.screen import TrainingScreen


@pytest.fixture
def free_session(db):
    return add_session(db, "T01", 2, "clip_a.mp4")


def _show(page, cls):
    screen = page.screen(cls)
    page.nav.setCurrentRow(page.screens.index(screen))
    return screen


def test_training_material_from_marking_to_practice(coordinator, db, answers, answered_dialogs, free_session,
                                                    monkeypatch, tmp_path):
    screen = _show(coordinator, TrainingScreen)
    study = ids(db)["study"]
    options = candidate_sessions(db, study)
    studied = next(i for i, o in enumerate(options) if o[2] > 0)
    answers.queue = [studied, 1]
    screen.mark()
    assert answered_dialogs.messages[-1][0] == "Not marked"
    assert "cannot be both training material and study data" in answered_dialogs.messages[-1][1]
    answers.queue = [next(i for i, o in enumerate(options) if o[0] == free_session), 1]
    screen.mark()
    assert screen.table.rowCount() == 1 and screen.table.item(0, 1).text() == "Practice"

    bad = tmp_path / "bad.csv"
    bad.write_text("recording,item,gold_score\nclip_a.mp4,rev1,9\nclip_b.mp4,rev1,1\n")
    monkeypatch.setattr(training_asks, "open_csv", lambda parent, title: str(bad))
    screen.import_gold()
    title, text = answered_dialogs.messages[-1]
    assert title == "Gold not imported" and "line 2" in text and "line 3" in text
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(t.GoldRating)) == 0
    good = tmp_path / "good.csv"
    good.write_text("recording,item,gold_score\n" + "".join(f"clip_a.mp4,{k},2\n" for k in HSTBS_ITEMS))
    monkeypatch.setattr(training_asks, "open_csv", lambda parent, title: str(good))
    screen.import_gold()
    assert screen.table.item(0, 2).text() == "Homework-Specific Therapist Behavior Scales"

    monkeypatch.setattr(training_asks, "several", lambda parent, title, label, options: [0])  # R01
    answers.queue = [[key for _i, key, _n in study_instruments(db, study)].index("hstbs")]
    screen.give()
    assert screen.table.item(0, 3).text() == "0 of 1"
    screen.switch_phase()
    assert screen.table.item(0, 1).text() == "Worked example"


def test_certification_screen_saves_criterion_and_shows_status_with_history(coordinator, db, ws):
    from training_support import gold_session

    from rater.study.training.practice import assign_practice

    x = ids(db)
    screen = _show(coordinator, CertificationScreen)
    screen.instrument.setCurrentText("hstbs")
    screen.within1.setValue(80)
    screen.mad.setValue(0.5)
    screen.last_n.setValue(1)
    screen.validity.setValue(0)
    screen.save()
    screen.hold.setChecked(True)
    with db.reading() as s:
        crit = s.scalar(select(t.CertificationCriterion))
        assert (crit.min_within1, crit.max_mad, crit.last_n, crit.validity_days) == (0.8, 0.5, 1, None)
        assert s.scalar(select(m.Study.settings))["hold_until_certified"] is True
    statuses = {screen.table.item(r, 0).text(): screen.table.item(r, 2).text() for r in range(screen.table.rowCount())}
    assert statuses == {"R01": "not certified", "R02": "not certified"}
    session_id = gold_session(db, x["hstbs"], 2)
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    rate(ws, a, x["R01"], [2] * 15 + [3])
    screen.refresh()
    screen.table.selectRow(0)
    assert screen.table.item(0, 2).text() == "certified" and screen.table.item(0, 4).text() == ""
    assert "exact 94%, within ±1 100%, MAD 0.06" in screen.table.item(0, 5).text()
    assert screen.history.rowCount() == 1 and screen.history.item(0, 7).text() == "pass"
