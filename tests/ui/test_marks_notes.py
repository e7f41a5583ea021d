"""Per-item notes and timestamped marks."""

from __future__ import annotations

from PySide6.QtCore import Qt


def _view(ws, page):
    return ws.open(page.view.assignment_id, page.view.rater_id)


def test_note_is_saved_when_editing_finishes(qtbot, ws, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    row = page.form.rows["rev2"]
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_Return)  # Enter opens the note
    assert row.note_edit.isVisible() and row.note_edit.hasFocus()
    qtbot.keyClicks(row.note_edit, "patient read the log aloud")
    qtbot.keyClick(row.note_edit, Qt.Key.Key_Return)
    assert _view(ws, page).notes == {"rev2": "patient read the log aloud"}
    assert row.hasFocus()  # back on the item, ready for a number key


def test_note_is_saved_after_a_pause_in_typing(qtbot, ws, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    row = page.form.rows["asg3"]
    row.open_note()
    row._note_timer.setInterval(10)
    qtbot.keyClicks(row.note_edit, "role play")
    qtbot.waitUntil(lambda: _view(ws, page).notes.get("asg3") == "role play")


def test_adding_a_mark_stores_the_player_position(qtbot, ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    player = players[-1]
    player.tick(61_500)
    page.form.rows["rev1"].setFocus()

    page.mark_action.trigger()  # Ctrl+M
    panel = page.marks_panel
    assert panel.add_box.isVisible() and panel.add_label.text() == "Mark at 01:01:"
    qtbot.keyClicks(panel.add_edit, "therapist assigns thought record")
    qtbot.keyClick(panel.add_edit, Qt.Key.Key_Return)

    marks = _view(ws, page).marks
    assert [(mk.position_ms, mk.text) for mk in marks] == [(61_500, "therapist assigns thought record")]
    assert panel.tree.topLevelItemCount() == 1
    assert panel.tree.topLevelItem(0).text(0) == "01:01"
    assert page.form.rows["rev1"].hasFocus()  # focus returns to the form


def test_escape_cancels_a_mark(qtbot, ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    page.begin_mark()
    qtbot.keyClicks(page.marks_panel.add_edit, "oops")
    qtbot.keyClick(page.marks_panel.add_edit, Qt.Key.Key_Escape)
    assert not page.marks_panel.add_box.isVisible()
    assert _view(ws, page).marks == []


def test_clicking_a_mark_seeks_the_player(qtbot, ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    page.session.add_mark(42_000, "praise")
    page.session.add_mark(7_000, "agenda")
    tree = page.marks_panel.tree
    assert [tree.topLevelItem(i).text(1) for i in range(2)] == ["agenda", "praise"]

    item = tree.topLevelItem(1)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    assert players[-1].seeks == [42_000]

    tree.setCurrentItem(tree.topLevelItem(0))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert players[-1].seeks == [42_000, 7_000]


def test_editing_and_deleting_a_mark(qtbot, ws, open_rating, answered_dialogs):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    page.session.add_mark(5_000, "first")
    tree = page.marks_panel.tree
    item = tree.topLevelItem(0)
    item.setText(1, "first homework mention")  # what the inline editor does on commit
    assert [mk.text for mk in _view(ws, page).marks] == ["first homework mention"]

    tree.setCurrentItem(tree.topLevelItem(0))
    answered_dialogs.confirm_answer = False
    page.marks_panel.delete_button.click()
    assert len(_view(ws, page).marks) == 1

    answered_dialogs.confirm_answer = True
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert answered_dialogs.confirms[-1] == "Delete mark"
    assert _view(ws, page).marks == []
    assert tree.topLevelItemCount() == 0


def test_leaving_saves_a_note_and_a_mark_still_being_typed(qtbot, window, ws, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assignment, rater = page.view.assignment_id, page.view.rater_id
    row = page.form.rows["obs2"]
    row.open_note()
    qtbot.keyClicks(row.note_edit, "half a tho")
    page.begin_mark()
    qtbot.keyClicks(page.marks_panel.add_edit, "unfinished")
    window.back_to_queue()
    view = ws.open(assignment, rater)
    assert view.notes == {"obs2": "half a tho"}
    assert [mk.text for mk in view.marks] == ["unfinished"]
