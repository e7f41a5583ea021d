"""The queue: status badges readable on the selected row; the assignment in progress selected on start."""

from __future__ import annotations

from PySide6.QtGui import QColor

from rater.ui.main_window import MainWindow
from rater.ui.queue_page import STATUS_COLUMN
from rater.ui.style import STATUS_COLORS


def _rater(ws, name="Alex Rivera"):
    return next(r for r in ws.raters() if r.name == name)


def test_after_a_relaunch_the_assignment_in_progress_is_selected(qtbot, ws, player_factory):
    rater = _rater(ws)
    queue = ws.queue(rater.id)
    assert len(queue) > 1
    later = queue[-1]  # not the first one, so the default would differ
    ws.open(later.assignment_id, rater.id)  # started, then the app was closed
    window = MainWindow(ws, player_factory)
    qtbot.addWidget(window)
    window.show()
    window.choose_rater(rater)
    page = window.queue_page
    assert page.entries[page.table.currentRow()].assignment_id == later.assignment_id


def test_status_badge_keeps_its_colours_on_the_selected_row(qtbot, ws, player_factory):
    rater = _rater(ws)
    first = ws.queue(rater.id)[0]
    ws.open(first.assignment_id, rater.id)
    window = MainWindow(ws, player_factory)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    window.choose_rater(rater)
    table = window.queue_page.table
    row = window.queue_page.assignment_ids().index(first.assignment_id)
    table.selectRow(row)
    assert table.currentRow() == row
    rect = table.visualRect(table.model().index(row, STATUS_COLUMN))
    image = table.viewport().grab(rect).toImage()
    fg, bg = (QColor(c) for c in STATUS_COLORS["in_progress"])
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]

    def share(colour: QColor, tolerance: int) -> float:
        return sum(abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + abs(c.blue() - colour.blue())
                   < tolerance for c in pixels) / len(pixels)

    assert share(bg, 12) > 0.3  # the badge, not the selection colour, behind the text
    assert share(fg, 60) > 0.01  # and its dark text on it
