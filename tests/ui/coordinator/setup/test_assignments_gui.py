"""Generating assignments and changing one session through the Assignments screen."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rater.paths import RESOURCES
from rater.storage import models as m
from rater.study.assign import InfeasibleDesign, generate_assignments
from rater.study.setup.studyfile import create_study, load_study_file
from rater.ui.coordinator.setup.assignments_screen import AssignmentsScreen


def assignments(db, study_id) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(m.Assignment).where(m.Assignment.study_id == study_id))


def test_generate_writes_balanced_assignments_with_the_seed(qtbot, coordinator, db):
    study_id = create_study(db, load_study_file(RESOURCES / "studies" / "homework_ct.toml"))
    coordinator.reload_studies(study_id)
    screen = coordinator.show_screen(AssignmentsScreen)
    screen.team.setCurrentIndex(screen.team.findText("All teams"))
    screen.seed.setValue(2024)
    screen.generate_button.click()
    # 66 patients: Team 1 rates sessions 1–4, Team 2 sessions 2–5 on two instruments, 3 raters each.
    assert assignments(db, study_id) == 66 * 4 * 3 + 66 * 4 * 3 * 2
    report = screen.report.toPlainText()
    assert "seed 2024" in report and "Team 1: 46–47 sessions per rater" in report
    assert screen.message.isHidden()
    assert screen.seed.value() == 2024  # shown and kept, so the run can be reproduced


def test_an_impossible_request_shows_the_exact_reason(qtbot, coordinator, db, answered_dialogs):
    screen = coordinator.show_screen(AssignmentsScreen)
    before = assignments(db, coordinator.ctx.study_id)
    screen.team.setCurrentIndex(1)  # Team 1: one rater for six sessions of two patients
    screen.generate()
    with pytest.raises(InfeasibleDesign) as expected:
        generate_assignments(db, coordinator.ctx.study_id, screen.team.currentData(), 1)
    assert screen.message.isVisible() and screen.message.text() == str(expected.value)
    assert ("These assignments are not possible", str(expected.value)) in answered_dialogs.messages
    assert assignments(db, coordinator.ctx.study_id) == before
    assert screen.report.toPlainText() == "Nothing was assigned."


def test_manual_add_refused_by_the_one_session_per_patient_rule(qtbot, coordinator, answers, answered_dialogs):
    screen = coordinator.show_screen(AssignmentsScreen)
    team2 = next(t for t in screen.overview.teams if t.name.startswith("Team 2"))
    screen.edit_team.setCurrentIndex(screen.edit_team.findData(team2.id))
    screen.session.setCurrentIndex(screen.session.findText("D01 · session 3"))
    assert screen.raters.rowCount() == 0
    answers.queue.append(0)  # Sam Chen, who already rates D01 session 2
    screen.add_rater()
    title, text = answered_dialogs.messages[-1]
    assert title == "Rater not added" and "already rates D01 session 2" in text
    assert screen.raters.rowCount() == 0


def test_manual_remove_and_swap(qtbot, coordinator, db, answers, answered_dialogs):
    from rater.study.reports import overview
    from rater.study.setup import editing

    team1 = overview.study_overview(db, coordinator.ctx.study_id).teams[0]
    editing.add_rater(db, coordinator.ctx.study_id, "R03", "Robin Park", team_id=team1.id)
    coordinator.ctx.data_changed.emit()
    screen = coordinator.show_screen(AssignmentsScreen)
    screen.edit_team.setCurrentIndex(screen.edit_team.findData(team1.id))
    screen.session.setCurrentIndex(screen.session.findText("D01 · session 1"))
    assert screen.raters.item(0, 0).text() == "R01"
    screen.raters.selectRow(0)
    answers.queue.append(0)  # the only other member: R03
    screen.swap_rater()
    assert screen.raters.item(0, 0).text() == "R03"
    screen.raters.selectRow(0)
    screen.remove_rater()
    assert screen.raters.rowCount() == 0
    assert "now has 0 of 1 raters" in screen.edit_status.text()
