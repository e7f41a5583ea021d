"""The homework log of the previous session beside the form."""

from __future__ import annotations


def test_session_two_shows_the_session_one_log(open_rating):
    page = open_rating("Sam Chen", "D01", 2, "hes_general")
    panel = page.homework_panel
    texts = panel.entry_texts()
    assert len(texts) == 2
    assert "Daily activity log" in texts[0] and "Self-monitoring / activity log" in texts[0]
    assert "Notice moments when mood drops" in texts[1] and "Cognitive / thought record" in texts[1]
    assert panel.empty_label.isHidden()
    assert page.tabs.tabText(page.tabs.indexOf(panel)) == "Homework log (session 1)"


def test_session_one_has_no_previous_session(open_rating):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")
    assert page.homework_panel.entry_texts() == []
    assert page.homework_panel.empty_label.text() == "Session 1: no previous session."
    assert not page.homework_panel.empty_label.isHidden()


def test_missing_log_is_said_plainly(open_rating):
    page = open_rating("Sam Chen", "D02", 3, "hes_general")
    assert page.homework_panel.empty_label.text() == "No homework log entered for session 2."


def _log_rows(db, session_id):
    from sqlalchemy import select

    from rater.storage import models as m

    with db.reading() as s:
        return [(h.kind, h.description, h.author) for h in s.scalars(
            select(m.HomeworkEntry).where(m.HomeworkEntry.session_id == session_id)
            .order_by(m.HomeworkEntry.created_at))]


def _homework_audit(db):
    from sqlalchemy import select

    from rater.storage import models as m

    with db.reading() as s:
        return [(e.actor, e.action) for e in s.scalars(
            select(m.AuditEvent).where(m.AuditEvent.entity == "homework").order_by(m.AuditEvent.at))]


def test_a_rater_of_the_log_keeping_team_writes_this_sessions_log(qtbot, db, open_rating, answered_dialogs):
    page = open_rating("Sam Chen", "D02", 3, "hes_general")  # team 2 keeps the log
    writer = page.homework_panel.writer
    assert writer is not None and writer.isVisibleTo(page.homework_panel)
    assert writer.texts() == [] and not writer.edit_button.isEnabled()
    # The previous session's log stays beside it, read-only.
    assert page.homework_panel.empty_label.text() == "No homework log entered for session 2."

    writer.add_button.click()
    dialog = writer.dialog
    assert dialog.windowTitle() == "Homework assigned in D02 session 3"
    dialog.kind.setCurrentIndex(dialog.kind.findData("behavioural"))
    qtbot.keyClicks(dialog.description, "Call a friend twice before next session")
    dialog.accept()
    assert writer.texts() == ["Call a friend twice before next session"]
    session_id = writer.session_id
    assert _log_rows(db, session_id) == [("behavioural", "Call a friend twice before next session", "rater:R02")]

    writer.list.setCurrentRow(0)
    assert writer.edit_button.isEnabled()
    writer.edit_button.click()
    writer.dialog.description.setPlainText("Call a friend three times")
    writer.dialog.accept()
    assert _log_rows(db, session_id) == [("behavioural", "Call a friend three times", "rater:R02")]

    writer.list.setCurrentRow(0)
    writer.delete_button.click()
    assert answered_dialogs.confirms[-1] == "Delete entry"
    assert _log_rows(db, session_id) == [] and writer.texts() == []
    assert _homework_audit(db) == [("rater:R02", "create"), ("rater:R02", "update"), ("rater:R02", "delete")]


def test_a_rater_of_another_team_gets_no_log_to_write(open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")  # team 1 does not keep the log
    assert page.homework_panel.writer is None


def test_a_right_withdrawn_meanwhile_is_refused_with_a_message(db, open_rating, answered_dialogs):
    from sqlalchemy import update

    from rater.storage import models as m

    page = open_rating("Sam Chen", "D02", 3, "hes_general")
    writer = page.homework_panel.writer
    with db.transaction() as s:
        s.execute(update(m.Team).values(keeps_homework_log=False))
    writer.add_button.click()
    writer.dialog.description.setPlainText("Thought record")
    writer.dialog.accept()
    assert answered_dialogs.messages[-1] == (
        "Entry not added", "Only coordinators and raters of the team that keeps the homework log can edit it.")
    assert _log_rows(db, writer.session_id) == [] and writer.texts() == []
