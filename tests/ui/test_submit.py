"""Session-1 HSTBS: Review does not apply; submit only when complete; read-only afterwards."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from rater.storage import models as m

APPLICABLE = [f"asg{i}" for i in range(1, 8)] + [f"obs{i}" for i in range(1, 6)]


def play(players, until_ms: int = 120_000) -> None:
    """Play the (fake) recording from 0 to ``until_ms`` in one-second steps."""
    player = players[-1]
    player.play()
    for ms in range(0, until_ms + 1, 1000):
        player.tick(ms)
    player.pause()


def _status(db, page):
    with db.reading() as s:
        return s.get(m.Assignment, page.view.assignment_id).status


def test_review_items_are_disabled_with_the_reason(open_rating):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")
    for item_id in ("rev1", "rev2", "rev3", "rev4"):
        row = page.form.rows[item_id]
        assert not row.isEnabled()
        assert row.reason_label.text().startswith("Review is not rated in session 1:")
        assert not row.reason_label.isHidden()
    assert page.form.scores_bar.labels["review"].text() == "Review: not applicable"
    assert page.form.rows["asg1"].isEnabled()
    assert page.form.left_label.text() == "12 items left"


def test_first_focus_skips_items_that_do_not_apply(qtbot, open_rating):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")
    qtbot.waitUntil(lambda: page.form.current_item() == "asg1")


def test_submit_only_when_complete_then_read_only(qtbot, db, open_rating, answered_dialogs, players):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")
    play(players)
    form = page.form
    assert not form.submit_button.isEnabled()

    form.rows["asg1"].setFocus()
    for key in "2" * (len(APPLICABLE) - 1):
        assert QApplication.focusWidget() is not None  # QTest aborts on a None target
        qtbot.keyClick(QApplication.focusWidget(), key)
    assert not form.submit_button.isEnabled()
    assert form.left_label.text() == "1 item left"

    # Trying to submit early highlights what is missing and goes there.
    page.submit_action.trigger()
    assert _status(db, page) == "in_progress"
    assert form.rows["obs5"].property("missing") is True
    assert not form.rows["obs5"].required_tag.isHidden()
    qtbot.waitUntil(lambda: form.current_item() == "obs5")

    qtbot.keyClick(form.rows["obs5"], Qt.Key.Key_1)
    assert form.rows["obs5"].property("missing") is False
    assert form.submit_button.isEnabled()
    assert form.left_label.text() == "All items rated"

    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    assert answered_dialogs.confirms[-1] == "Submit rating"
    assert _status(db, page) == "submitted"
    assert not form.locked_banner.isHidden()
    assert "read-only. A coordinator can reopen it." in form.locked_banner.text()
    assert form.locked_banner.text().startswith("Submitted on ")
    assert page.header.status_chip.text() == "Submitted"
    assert form.submit_button.isHidden()

    # Keys and clicks no longer change anything.
    row = form.rows["asg1"]
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_4)
    assert not row.buttons[4].isEnabled()
    with db.reading() as s:
        stored = s.scalar(select(m.ItemScore).join(m.Rating).where(
            m.Rating.assignment_id == page.view.assignment_id, m.ItemScore.item_id == "asg1"))
    assert stored.value == 2
    assert not page.marks_panel.add_button.isEnabled()


def test_declining_the_confirmation_keeps_it_open(qtbot, db, open_rating, answered_dialogs, players):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")
    play(players)
    for item_id in APPLICABLE:
        page.session.set_response(item_id, 1)
    answered_dialogs.confirm_answer = False
    page.form.submit_button.click()
    assert _status(db, page) == "in_progress"
    assert not page.session.state.read_only


def test_a_submitted_rating_opens_read_only(qtbot, window, ws, db, open_rating, players):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")
    play(players)
    for item_id in APPLICABLE:
        page.session.set_response(item_id, 3)
    page.form.submit_button.click()
    window.back_to_queue()
    window.open_assignment(page.view.assignment_id)
    reopened = window.rating_page
    assert reopened.session.state.read_only
    assert not reopened.form.locked_banner.isHidden()
    assert reopened.form.rows["asg1"].buttons[3].isChecked()
