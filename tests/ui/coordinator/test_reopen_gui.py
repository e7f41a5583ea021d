"""Reopening a submitted rating from the Ratings screen: a reason is required and audited."""

from __future__ import annotations

from sqlalchemy import select

from rater.storage import models as m
from rater.ui.coordinator.asks import ReasonDialog
from rater.ui.coordinator.ratings_screen import RatingsScreen


def submit_sams_rating(ws) -> str:
    sam = next(r for r in ws.raters() if r.name == "Sam Chen")
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name)
    ws.open(entry.assignment_id, sam.id)
    for item in ("time", "frequency", "effort"):
        ws.set_response(entry.assignment_id, sam.id, item, 3)
    ws.submit(entry.assignment_id, sam.id)
    return entry.assignment_id


def reopen_events(db) -> list[m.AuditEvent]:
    with db.reading() as s:
        return list(s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "reopen")))


def test_reopen_needs_a_reason_and_audits_it(qtbot, coordinator, ws, db, answers, answered_dialogs):
    assignment_id = submit_sams_rating(ws)
    screen = coordinator.show_screen(RatingsScreen)
    assert screen.table.rowCount() == 1 and screen.table.item(0, 0).text() == "R02"
    screen.filter.setText("d02")
    assert screen.table.rowCount() == 0 and not screen.reopen_button.isEnabled()
    screen.filter.setText("sam d01")
    assert screen.table.rowCount() == 1

    answers.queue.append(None)  # cancelled
    screen.reopen_button.click()
    answers.queue.append("   ")  # no reason: the core refuses
    screen.reopen_button.click()
    assert answered_dialogs.messages[-1][0] == "Rating not reopened"
    assert "Give a reason" in answered_dialogs.messages[-1][1]
    assert reopen_events(db) == []

    answers.queue.append("Rated the wrong recording (audio instead of video)")
    screen.reopen_button.click()
    events = reopen_events(db)
    assert len(events) == 1 and events[0].reason == "Rated the wrong recording (audio instead of video)"
    assert events[0].actor == "coordinator"
    with db.reading() as s:
        assert s.get(m.Assignment, assignment_id).status == "in_progress"
    assert screen.table.rowCount() == 0 and screen.status.text().startswith("Reopened")


def test_reason_dialog_cannot_be_accepted_empty(qtbot):
    dialog = ReasonDialog("Reopen rating", "Why?")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.edit, "  ")
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.edit, "typo in item 3")
    assert ok.isEnabled() and dialog.reason() == "typo in item 3"
