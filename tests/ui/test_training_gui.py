"""Training in the rater's window: the Training section, worked example, feedback after submit, hidden checks."""

from __future__ import annotations

from sqlalchemy import select
from training_support import gold_session, ids, rate

from rater.storage import models as m
from rater.study.training.certification import set_criterion, set_hold
from rater.study.training.practice import add_training_assignment, assign_practice
from rater.study.training.views import Criterion


def rater_named(ws, name: str):
    return next(r for r in ws.raters() if r.name == name)


RATED = [2] * 8 + [3] * 4 + [4] * 2 + [0] * 2


def test_practice_is_listed_apart_and_feedback_follows_submit(window, ws, db, players, qtbot, answered_dialogs):
    # The fake player plays nothing, so the rater is asked why the rating can stand.
    answered_dialogs.reason = "rated from the session transcript"
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2)
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    window.choose_rater(rater_named(ws, "Alex Rivera"))
    queue = window.queue_page
    assert a not in queue.assignment_ids()
    assert queue.training.isVisible() and queue.training.table.rowCount() == 1
    assert queue.training.table.item(0, 2).text() == "Practice"
    with qtbot.waitSignal(queue.open_requested):
        queue.training.table.itemActivated.emit(queue.training.table.item(0, 0))
    page = window.rating_page
    assert page is not None and page.view.assignment_id == a
    assert page.feedback_panel is None and page.tabs.tabText(0) != "Worked example (gold)"
    rate(ws, a, x["R01"], RATED, submit=False)
    window.back_to_queue()
    window.open_assignment(a)
    page = window.rating_page
    page.submit()
    panel = page.feedback_panel
    assert panel is not None and not page.form.isVisible()
    assert "exact agreement 50%" in panel.summary.text() and "within ±1 75%" in panel.summary.text()
    assert "mean absolute difference 0.75" in panel.summary.text()
    assert panel.table.rowCount() == 16
    row = next(r for r in range(16) if panel.table.item(r, 0).text().startswith("obs2"))
    assert panel.table.item(row, 1).text().startswith("4") and panel.table.item(row, 2).text().startswith("2")
    assert panel.table.item(row, 3).text() == "+2" and panel.table.item(row, 4).text() == "gold-rationale-obs2"
    panel.marks.itemClicked.emit(panel.marks.item(1))
    assert players[-1].seeks[-1] == 95_000
    # Opened again later, the submitted practice shows its feedback at once.
    window.back_to_queue()
    window.open_assignment(a)
    assert window.rating_page.feedback_panel is not None


def test_worked_example_shows_gold_in_a_tab(window, ws, db, players):
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 3, phase="worked_example")
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    window.choose_rater(rater_named(ws, "Alex Rivera"))
    window.open_assignment(a)
    page = window.rating_page
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Worked example (gold)"
    panel = page.tabs.currentWidget()
    assert panel.table.item(0, 1).text().startswith("3") and panel.table.item(0, 2).text() == "gold-rationale-rev1"
    panel.marks.itemClicked.emit(panel.marks.item(0))
    assert players[-1].seeks[-1] == 12_000


def test_hidden_check_looks_like_a_study_session_until_submitted(window, ws, db, answered_dialogs):
    answered_dialogs.reason = "rated from the session transcript"
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2, code="D07", number=2)
    with db.transaction() as s:
        check = add_training_assignment(s, session_id, x["hstbs"], x["R01"], "drift_hidden", "coordinator").id
    window.choose_rater(rater_named(ws, "Alex Rivera"))
    queue = window.queue_page
    assert not queue.training.isVisible()
    rows = {queue.table.item(r, 0).data(0x0100): [queue.table.item(r, c).text() for c in range(7)]
            for r in range(queue.table.rowCount())}
    assert rows[check][3] == next(v for k, v in rows.items() if k != check)[3] == "Homework-Specific Therapist Behavior Scales"
    window.open_assignment(check)
    page = window.rating_page
    assert page.feedback_panel is None and "Worked example (gold)" not in [page.tabs.tabText(i)
                                                                           for i in range(page.tabs.count())]
    rate(ws, check, x["R01"], 2, submit=False)
    window.back_to_queue()
    window.open_assignment(check)
    window.rating_page.submit()
    assert window.rating_page.feedback_panel is not None
    assert "exact agreement 100%" in window.rating_page.feedback_panel.summary.text()


def test_held_assignment_says_why(window, ws, db, answered_dialogs):
    x = ids(db)
    with db.reading() as s:
        study = s.scalar(select(m.Study.id))
    set_criterion(db, study, Criterion("hstbs", 0.8, 0.75, 2))
    set_hold(db, study, True)
    window.choose_rater(rater_named(ws, "Alex Rivera"))
    queue = window.queue_page
    assert queue.table.item(0, 4).text() == "Held" and "2 held until you are certified" in queue.summary.text()
    assert "0 of 2 practice recording(s)" in queue.table.item(0, 0).toolTip()
    window.open_assignment(queue.assignment_ids()[0])
    assert window.rating_page is None
    title, text = answered_dialogs.messages[-1]
    assert title == "Cannot open this session" and "Held until you are certified" in text
    assert x["R01"]


def test_open_training_button_opens_the_selected_practice(window, ws, db):
    x = ids(db)
    session_id = gold_session(db, x["hstbs"], 2)
    [a] = assign_practice(db, session_id, x["hstbs"], [x["R01"]])
    window.choose_rater(rater_named(ws, "Alex Rivera"))
    window.queue_page.training.open_button.click()
    assert window.rating_page is not None and window.rating_page.view.assignment_id == a
