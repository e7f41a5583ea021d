"""A homework entry written in coordinator mode reaches the rater of the next session."""

from __future__ import annotations

from rater.ui.coordinator.homework_screen import HomeworkScreen
from rater.ui.coordinator.setup.assignments_screen import AssignmentsScreen
from rater.ui.coordinator.setup.raters_screen import RatersScreen


def test_log_entry_for_session_2_is_shown_when_rating_session_3(qtbot, coordinator, window, answers, open_rating):
    # A new Team 2 rater, added and assigned to D01 session 3 through the coordinator screens.
    raters = coordinator.show_screen(RatersScreen)
    raters.add_rater()
    raters.dialog.code.setText("R03")
    raters.dialog.name.setText("Robin Park")
    raters.dialog.team.setCurrentIndex(raters.dialog.team.findText("Team 2 (homework engagement)"))
    raters.dialog.accept()
    assert "R03 Robin Park added" in raters.status.text()
    screen = coordinator.show_screen(AssignmentsScreen)
    screen.edit_team.setCurrentIndex(screen.edit_team.findData(screen.overview.teams[1].id))
    screen.session.setCurrentIndex(screen.session.findText("D01 · session 3"))
    options = screen._members(set(screen._assigned()))
    answers.queue.append([r.code for r in options].index("R03"))
    screen.add_rater()
    assert screen.raters.rowCount() == 1 and screen.raters.item(0, 0).text() == "R03"

    # The homework log of D01 session 2.
    homework = coordinator.show_screen(HomeworkScreen)
    homework.choose("D01", 2)
    assert homework.table.rowCount() == 2  # the demo's entries
    homework.add_entry()
    homework.dialog.kind.setCurrentIndex(homework.dialog.kind.findData("behavioural"))
    qtbot.keyClicks(homework.dialog.description, "Go for a walk with a friend on Sunday")
    homework.dialog.buttons.button(homework.dialog.buttons.StandardButton.Ok).click()
    assert homework.table.rowCount() == 3
    assert homework.table.item(2, 1).text() == "Go for a walk with a friend on Sunday"
    assert homework.table.item(2, 2).text() == "coordinator"

    coordinator.leave_button.click()
    page = open_rating("Robin Park", "D01", 3, "hes_general")
    texts = page.homework_panel.entry_texts()
    assert len(texts) == 3 and "Go for a walk with a friend on Sunday" in texts[-1] and "Behavioural" in texts[-1]
    assert page.tabs.tabText(page.tabs.indexOf(page.homework_panel)) == "Homework log (session 2)"


def test_edit_and_delete_entries(qtbot, coordinator, answered_dialogs):
    homework = coordinator.show_screen(HomeworkScreen)
    homework.choose("D02", 1)
    assert homework.table.rowCount() == 1
    homework.table.selectRow(0)
    homework.edit_entry()
    homework.dialog.description.setPlainText("Activity log for five days.")
    homework.dialog.accept()
    assert homework.table.item(0, 1).text() == "Activity log for five days."
    homework.delete_entry()
    assert answered_dialogs.confirms == ["Delete entry"] and homework.table.rowCount() == 0
    assert "No homework log entered for session 1" in homework.hint.text()
    # An empty description cannot be submitted.
    homework.add_entry()
    ok = homework.dialog.buttons.button(homework.dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    homework.dialog.description.setPlainText("   ")
    assert not ok.isEnabled()
    homework.dialog.reject()

