"""Calibration meetings: open one on a practice recording, follow who has submitted, then the side-by-side board."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QSplitter, QTableWidgetItem, QWidget

from rater.study.training import calibration, material
from rater.study.training.calibration import Meeting
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.training import asks as training_asks
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row, selected_key
from rater.ui.training.gold_tables import DIFF_COLORS

log = logging.getLogger(__name__)

COLUMNS = ["Opened", "Title", "Recording", "Instrument", "Submitted", "Board"]


class CalibrationScreen(Screen):
    title = "Calibration"
    subtitle = ("A group rates one practice recording blind, each under their own name. When all have submitted "
                "(or you close the meeting) everyone's scores are shown side by side with the gold, for the "
                "discussion. Meetings are kept with their date.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.rows: list[Meeting] = []
        self.table = make_table(COLUMNS, stretch=1)
        self.table.currentCellChanged.connect(lambda *_: self._show_board())
        self.board = make_table(["Item", "Gold"], stretch=None)
        self.note = QLabel(objectName="muted")
        self.note.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.board)
        split.setStretchFactor(1, 3)
        self.content.addLayout(row(button("Open calibration…", self.open_meeting, "Start a group calibration",
                                          primary=True),
                                   button("Close", self.close_meeting, "Show the board now, without waiting"), None))
        self.content.addWidget(split, 1)
        self.content.addWidget(self.note)

    def reload(self) -> None:
        self.rows = calibration.meetings(self.db, self.study_id)
        fill_table(self.table, [
            (f"{x.opened_at:%d %b %Y %H:%M}", x.title, x.label, x.instrument_name,
             f"{sum(x.attendees.values())} of {len(x.attendees)}", "shown" if x.revealed else "waiting")
            for x in self.rows], [x.id for x in self.rows])
        self._show_board()

    def selected(self) -> Meeting | None:
        key = selected_key(self.table)
        return next((x for x in self.rows if x.id == key), None)

    def _show_board(self) -> None:
        x = self.selected()
        raters = list(x.attendees) if x else []
        self.board.setColumnCount(2 + len(raters))
        self.board.setHorizontalHeaderLabels(["Item", "Gold", *raters])
        rows = x.rows if x else []
        self.board.setRowCount(len(rows))
        for r, b in enumerate(rows):
            self.board.setItem(r, 0, QTableWidgetItem(f"{b.item_id}  {b.text}"))
            self.board.setItem(r, 1, QTableWidgetItem("" if b.gold is None else str(b.gold)))
            for c, code in enumerate(raters, start=2):
                value = b.scores.get(code)
                cell = QTableWidgetItem("—" if value is None else str(value))
                if value is not None and b.gold is not None:
                    cell.setBackground(QBrush(QColor(DIFF_COLORS[min(abs(value - b.gold), 2)])))
                self.board.setItem(r, c, cell)
        if x is None:
            self.note.setText("No calibration yet.")
        elif not x.revealed:
            waiting = ", ".join(code for code, done in x.attendees.items() if not done)
            self.note.setText(f"Waiting for: {waiting}. The board is shown when all have submitted or you close it.")
        else:
            self.note.setText("Closed " + f"{x.closed_at:%d %b %Y %H:%M}." if x.closed_at else "Everyone submitted.")

    def open_meeting(self) -> None:
        mats = [v for v in material.list_material(self.db, self.study_id) if v.gold_instruments]
        which = asks.choice(self, "Open calibration", "Practice recording:", [v.label for v in mats])
        if which is None:
            return
        instruments = material.study_instruments(self.db, self.study_id)
        inst = asks.choice(self, "Open calibration", "Instrument:", [name for _i, _k, name in instruments])
        if inst is None:
            return
        raters = material.study_raters(self.db, self.study_id)
        picked = training_asks.several(self, "Open calibration", "Attending raters:",
                                       [f"{code} {name}" for _r, code, name in raters])
        if not picked:
            return
        title = asks.text(self, "Open calibration", "Title (e.g. the date or week):", "") or ""
        if attempt(self, "Calibration not opened", calibration.open_meeting, self.db, mats[which].session_id,
                   instruments[inst][0], [raters[i][0] for i in picked], title) is not FAILED:
            self.changed()

    def close_meeting(self) -> None:
        x = self.selected()
        if x is not None and attempt(self, "Not closed", calibration.close_meeting, self.db, x.id) is not FAILED:
            self.changed()
