"""Creating a study in coordinator mode: from a study file, from the form, and the no-study state."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog
from sqlalchemy import func, select

from rater.paths import RESOURCES
from rater.storage import models as m
from rater.storage import open_database
from rater.study.reports import overview
from rater.study.setup import coordination
from rater.study.setup.studyfile import create_study, load_study_file
from rater.ui.coordinator.setup.study_screen import StudyScreen
from rater.ui.coordinator.widgets import NO_STUDY
from tests.ui.coordinator.coordinator_helpers import PASSWORD, open_coordinator

STUDY_FILE = RESOURCES / "studies" / "homework_ct.toml"


def count(db, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_create_a_study_from_the_reference_study_file(qtbot, coordinator, db, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(STUDY_FILE), ""))
    screen = coordinator.screen(StudyScreen)
    screen.from_file_button.click()
    with db.reading() as s:
        study = s.scalar(select(m.Study).where(m.Study.code == "HWCT"))
        patients = s.scalar(select(func.count()).select_from(m.Patient).where(m.Patient.study_id == study.id))
    assert patients == 66
    assert coordinator.ctx.study_id == study.id and coordinator.study_combo.currentText().startswith("HWCT")
    assert screen.heading.text().startswith("HWCT") and "66 patient(s)" in screen.counts.text()


def test_a_bad_study_file_lists_every_problem_and_creates_nothing(qtbot, coordinator, db, monkeypatch, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(STUDY_FILE.read_text(encoding="utf-8")
                   .replace('code = "HWCT"', 'code = "HW2"')
                   .replace('team = "Team 1"', 'team = "Team 9"', 1)
                   .replace('sessions = [1, 4]', 'sessions = [4, 1]'), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    before = (count(db, m.Study), count(db, m.Patient), count(db, m.Rater))
    screen = coordinator.screen(StudyScreen)
    screen.create_from_file()
    report = screen.last_report.text()
    assert "2 problem(s)" in report and "Nothing was created" in report
    assert "unknown team 'Team 9'" in report and "first session (4) is after the last (1)" in report
    assert "line " in report  # each problem points at its line in the file
    assert (count(db, m.Study), count(db, m.Patient), count(db, m.Rater)) == before


def test_empty_database_says_how_to_start(qtbot, empty_window):
    coordination.set_coordinator_password(empty_window.ws.db, PASSWORD)
    page = open_coordinator(qtbot, empty_window)
    study = page.screen(StudyScreen)
    assert study.empty_state.isVisible() and "No study yet" in study.empty_state.text()
    assert not page.study_combo.isEnabled()
    for n in range(1, len(page.screens)):
        page.nav.setCurrentRow(n)
        assert page.screens[n].empty.isVisible() and page.screens[n].empty.text() == NO_STUDY


def fill_reference_design(dialog, qtbot) -> None:
    """Type the reference study's design into the new-study form."""
    dialog.code.setText("FORM")
    dialog.name.setText("Homework in CT (form)")
    teams = dialog.team_editor
    for name, k, keeps_log, rates in (("Team 1", 3, False, {"hstbs": (1, 4)}),
                                      ("Team 2", 3, True, {"hes_general": (2, 5), "hes_ct": (2, 5)})):
        teams.add_team()
        team_dialog = teams.dialog
        team_dialog.name.setText(name)
        team_dialog.k.setValue(k)
        team_dialog.keeps_log.setChecked(keeps_log)
        for token, check, first, last in team_dialog.rows:
            key = token.rsplit("/", 1)[-1].removesuffix(".toml")
            check.setChecked(key in rates)
            if key in rates:
                first.setValue(rates[key][0])
                last.setValue(rates[key][1])
        team_dialog.accept()
    raters = dialog.rater_editor
    for team, n, prefix in (("Team 1", 17, "T1-"), ("Team 2", 19, "T2-")):
        raters.team.setCurrentText(team)
        raters.count.setValue(n)
        raters.prefix.setText(prefix)
        raters.add_several()
    dialog.prefix.setText("P")
    dialog.first.setValue(1)
    dialog.last.setValue(66)
    dialog.first_session.setValue(1)
    dialog.last_session.setValue(5)


def shape(db, study_id):
    o = overview.study_overview(db, study_id)
    teams = [(t.name, t.raters_per_session, t.keeps_homework_log,
              [(r.key, r.session_min, r.session_max) for r in t.rates], len(t.rater_ids)) for t in o.teams]
    return teams, [(p.code, [s.number for s in p.sessions]) for p in o.patients], o.hidden_fields


def test_the_form_and_the_study_file_make_the_same_study(qtbot, coordinator, db, tmp_path):
    screen = coordinator.screen(StudyScreen)
    screen.create_with_form()
    dialog = screen.new_dialog
    fill_reference_design(dialog, qtbot)
    assert "P001 … P066: 66 patient(s) × 5 session(s) = 330 sessions" in dialog.preview.text()
    dialog.create_button.click()
    with db.reading() as s:
        form_id = s.scalar(select(m.Study.id).where(m.Study.code == "FORM"))
    assert form_id and coordinator.ctx.study_id == form_id
    other = open_database(tmp_path / "from-file.sqlite")
    file_id = create_study(other, load_study_file(STUDY_FILE))
    assert shape(db, form_id) == shape(other, file_id)
    other.close()


def test_form_problems_are_listed_and_nothing_is_created(qtbot, coordinator, db):
    screen = coordinator.screen(StudyScreen)
    screen.create_with_form()
    dialog = screen.new_dialog
    dialog.code.setText("bad code!")
    before = count(db, m.Study)
    dialog.create_button.click()
    report = dialog.last_report.text()
    assert "Study, code:" in report and "Teams: add at least one team." in report and "Nothing was created" in report
    assert count(db, m.Study) == before and dialog.isVisible()
