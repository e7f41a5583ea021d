"""Who is rating? → Your queue: names, PINs, and only one's own assignments."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from rater.storage import models as m
from rater.study.rating.pins import hash_pin


def _own_assignment_ids(db, rater_name):
    with db.reading() as s:
        return set(s.scalars(select(m.Assignment.id).join(m.Rater).where(m.Rater.name == rater_name)))


def test_rater_list_shows_every_active_rater(window):
    names = [window.rater_page.list.item(i).text() for i in range(window.rater_page.list.count())]
    assert names == ["Alex Rivera", "Sam Chen"]
    assert window.windowTitle() == "Session Rater"


def test_choosing_a_name_shows_exactly_their_queue(qtbot, window, db):
    page = window.rater_page
    sam = page.list.findItems("Sam Chen", Qt.MatchFlag.MatchExactly)[0]
    page.list.setCurrentItem(sam)
    qtbot.keyClick(page.list, Qt.Key.Key_Return)

    assert window.stack.currentWidget() is window.queue_page
    assert window.windowTitle() == "Session Rater — Sam Chen"
    shown = set(window.queue_page.assignment_ids())
    assert shown == _own_assignment_ids(db, "Sam Chen")
    assert len(shown) == 3
    assert not shown & _own_assignment_ids(db, "Alex Rivera")
    table = window.queue_page.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Patient", "Session", "Date", "Instrument", "Status", "Recording", "Last saved"]
    assert {table.item(r, 4).text() for r in range(table.rowCount())} == {"Not started"}


def test_double_click_opens_the_queue_and_switch_rater_returns(qtbot, window, db):
    page = window.rater_page
    alex = page.list.findItems("Alex Rivera", Qt.MatchFlag.MatchExactly)[0]
    rect = page.list.visualItemRect(alex)
    # A real double-click starts with a press; QTest's mouseDClick alone does not send one.
    qtbot.mouseClick(page.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert set(window.queue_page.assignment_ids()) == _own_assignment_ids(db, "Alex Rivera")

    window.queue_page.switch_button.click()
    assert window.stack.currentWidget() is window.rater_page
    assert window.windowTitle() == "Session Rater"


def test_wrong_pin_gives_no_access(window, db, answered_dialogs):
    with db.transaction() as s:
        s.scalar(select(m.Rater).where(m.Rater.name == "Alex Rivera")).pin_hash = hash_pin("4321")
    window.rater_page.refresh()
    page = window.rater_page
    page.list.setCurrentRow(0)

    answered_dialogs.pin = "1111"
    page.continue_button.click()
    assert window.stack.currentWidget() is window.rater_page
    assert answered_dialogs.messages[-1][0] == "Wrong PIN"

    answered_dialogs.pin = "4321"
    page.continue_button.click()
    assert window.stack.currentWidget() is window.queue_page


def test_opening_from_the_queue_shows_the_rating_page(qtbot, window, players):
    window.rater_page.list.setCurrentRow(0)
    window.rater_page.continue_button.click()
    qtbot.keyClick(window.queue_page.table, Qt.Key.Key_Return)
    assert window.rating_page is not None
    assert window.stack.currentWidget() is window.rating_page
    assert len(players) == 1 and players[0].loads

    window.back_action.trigger()
    assert window.rating_page is None
    assert window.stack.currentWidget() is window.queue_page
    table = window.queue_page.table
    assert "In progress" in {table.item(r, 4).text() for r in range(table.rowCount())}
    assert players[0].shut_down
