"""Raters & teams, Patients & sessions and the study settings, driven through their screens."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate

from rater.study.reports import overview
from rater.ui.coordinator.setup.patients_screen import PatientsScreen, parse_numbers
from rater.ui.coordinator.setup.raters_screen import RatersScreen
from rater.ui.coordinator.setup.study_screen import StudyScreen


def select_rater(screen: RatersScreen, code: str) -> None:
    row = next(r for r in range(screen.raters.rowCount()) if screen.raters.item(r, 0).text() == code)
    screen.raters.selectRow(row)


def rater(db, study_id, code):
    return next(r for r in overview.study_overview(db, study_id).raters if r.code == code)


def test_removing_a_rater_with_ratings_is_refused_and_deactivation_offered(qtbot, coordinator, ws, db,
                                                                            answered_dialogs):
    sam = next(r for r in ws.raters() if r.name == "Sam Chen")
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name)
    ws.open(entry.assignment_id, sam.id)
    ws.set_response(entry.assignment_id, sam.id, "time", 2)
    screen = coordinator.show_screen(RatersScreen)
    select_rater(screen, "R02")
    answered_dialogs.confirm_answer = True  # "Remove?" yes, then "Deactivate now?" yes
    screen.remove()
    assert answered_dialogs.confirms == ["Remove rater", "Rater not removed"]
    study_id = coordinator.ctx.study_id
    sam_now = rater(db, study_id, "R02")
    assert not sam_now.active and sam_now.assigned == 3  # kept, with every assignment
    select_rater(screen, "R02")
    assert screen.raters.item(screen.raters.currentRow(), 3).text() == "inactive"
    assert screen.toggle_button.text() == "Reactivate"


def test_rename_pin_move_and_remove_a_rater(qtbot, coordinator, db, answers, answered_dialogs):
    study_id = coordinator.ctx.study_id
    screen = coordinator.show_screen(RatersScreen)
    select_rater(screen, "R01")
    answers.queue += ["Alex R.", "2468"]
    screen.rename()
    select_rater(screen, "R01")
    screen.set_pin()
    alex = rater(db, study_id, "R01")
    assert (alex.name, alex.has_pin) == ("Alex R.", True)
    select_rater(screen, "R01")
    answers.queue.append(0)  # the only other team
    screen.move()
    alex = rater(db, study_id, "R01")
    assert alex.team_names == ("Team 2 (homework engagement)",) and alex.assigned == 0
    assert "2 not-started assignment(s) taken away" in screen.status.text()
    select_rater(screen, "R01")
    screen.remove()
    assert all(r.code != "R01" for r in overview.study_overview(db, study_id).raters)


def test_patients_tree_edit_session_and_add_patient(qtbot, coordinator, ws, db, answers, answered_dialogs):
    study_id = coordinator.ctx.study_id
    screen = coordinator.show_screen(PatientsScreen)
    top = screen.tree.topLevelItem(0)
    assert top.text(0) == "D01" and "condition=A (hidden)" in top.text(4)
    assert top.child(1).text(0) == "Session 2" and "HES-CT + HES-GENERAL: R02" in top.child(1).text(5)
    screen.tree.setCurrentItem(top.child(2))
    screen.edit()
    screen.dialog.no_date.setChecked(False)
    screen.dialog.date.setDate(QDate(2026, 9, 30))
    screen.dialog.meta_editor.add("therapist", "T7")
    screen.dialog.accept()
    d01 = overview.study_overview(db, study_id).patients[0]
    assert (d01.sessions[2].date, d01.sessions[2].meta) == (dt.date(2026, 9, 30), {"therapist": "T7"})

    answers.queue += ["D03", "1-3"]
    screen.add_patient()
    codes = [p.code for p in overview.study_overview(db, study_id).patients]
    assert codes == ["D01", "D02", "D03"] and "D03 added with 3 session(s)" in screen.status.text()
    # Nobody has opened D01 session 1: it goes (after a confirmation); session 2 is being rated: it stays.
    screen.tree.setCurrentItem(screen.tree.topLevelItem(0).child(0))
    screen.remove_session()
    assert answered_dialogs.confirms == ["Remove session"] and answered_dialogs.messages == []
    assert [s.number for s in overview.study_overview(db, study_id).patients[0].sessions] == [2, 3]
    sam = next(r for r in ws.raters() if r.name == "Sam Chen")
    ws.open(next(e for e in ws.queue(sam.id) if e.patient_code == "D01").assignment_id, sam.id)
    screen.tree.setCurrentItem(screen.tree.topLevelItem(0).child(0))
    screen.remove_session()
    title, text = answered_dialogs.messages[-1]
    assert title == "Session not removed" and "D01 session 2 cannot be removed: 1 rating(s)" in text


def test_parse_session_numbers():
    assert parse_numbers("1-5") == [1, 2, 3, 4, 5]
    assert parse_numbers("1, 2; 4") == [1, 2, 4]


def test_study_settings_are_saved(qtbot, coordinator, db, tmp_path):
    screen = coordinator.screen(StudyScreen)
    screen.min_played.setValue(90)
    screen.hidden.setText("condition, site")
    screen.media_root.setText(str(tmp_path))
    screen.save_settings()
    o = overview.study_overview(db, coordinator.ctx.study_id)
    assert (o.min_played_fraction, o.hidden_fields, o.media_root) == (0.9, ("condition", "site"), str(tmp_path))
    assert screen.saved.text() == "Saved."
