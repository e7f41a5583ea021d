"""Drift: schedule practice recordings into raters' queues and watch each rater's agreement with gold."""

from __future__ import annotations

import logging

from PySide6.QtCharts import QChartView
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QSpinBox, QSplitter, QTableWidgetItem, QWidget

from rater.study.training import drift, material
from rater.study.training.agreement import percent
from rater.study.training.drift import RaterDrift
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.training.drift_chart import drift_chart
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row

log = logging.getLogger(__name__)

COLUMNS = ["Rater", "Checks", "Latest within ±1", "Latest MAD", "Flag"]


def _bias_color(value: float) -> QColor:
    """Red when the rater scores above gold, blue below; stronger with the size of the bias."""
    strength = min(abs(value) / 2, 1.0)
    base = (220, 38, 38) if value > 0 else (37, 99, 235)
    return QColor(*(round(255 - (255 - c) * strength * 0.55) for c in base))


class DriftScreen(Screen):
    title = "Drift"
    subtitle = ("Practice recordings slipped into raters' queues while they rate the study: hidden (looks like a "
                "study session, feedback after submitting) or open (in their Training section). Raters below the "
                "certification criterion are flagged; with the hold setting their study assignments wait until "
                "they pass again.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.drifts: list[RaterDrift] = []
        self.rater = QComboBox()
        self.sched_instrument = QComboBox()
        self.mode = QComboBox()
        self.mode.addItem("hidden", "hidden")
        self.mode.addItem("open", "open")
        self.every = QSpinBox(minimum=1, maximum=365, value=5)
        self.unit = QComboBox()
        self.unit.addItems(["study sessions submitted", "days"])
        box = QGroupBox("Schedule drift checks")
        line = QHBoxLayout(box)
        for w in (QLabel("Rater"), self.rater, QLabel("Instrument"), self.sched_instrument, self.mode,
                  QLabel("one every"), self.every, self.unit):
            line.addWidget(w)
        line.addWidget(button("Schedule", self.schedule, "Add this schedule", primary=True))
        line.addWidget(button("Place due checks now", self.place, "Put every check that has come due into queues"))
        self.instrument = QComboBox()
        self.instrument.currentIndexChanged.connect(lambda _i: self._draw())
        self.measure = QComboBox()
        self.measure.addItem("Within ±1", "within1")
        self.measure.addItem("Mean absolute difference", "mad")
        self.measure.currentIndexChanged.connect(lambda _i: self._draw())
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(340)
        self.table = make_table(COLUMNS, stretch=4)
        self.bias = make_table(["Rater"], stretch=None)
        self.status = QLabel(objectName="muted")
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.table)
        lower.addWidget(self.bias)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart_view)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.content.addWidget(box)
        self.content.addLayout(row(QLabel("Instrument"), self.instrument, QLabel("Plot"), self.measure, None,
                                   self.status))
        self.content.addWidget(split, 1)

    def reload(self) -> None:
        self.rater.clear()
        for rid, code, name in material.study_raters(self.db, self.study_id):
            self.rater.addItem(f"{code} {name}", rid)
        self.sched_instrument.clear()
        for iid, _key, name in material.study_instruments(self.db, self.study_id):
            self.sched_instrument.addItem(name, iid)
        self.drifts, self.criteria = drift.drift_view(self.db, self.study_id)
        current = self.instrument.currentText()
        keys = sorted({d.instrument_key for d in self.drifts})
        self.instrument.blockSignals(True)
        self.instrument.clear()
        self.instrument.addItems(keys)
        if current in keys:
            self.instrument.setCurrentText(current)
        self.instrument.blockSignals(False)
        self._draw()

    def shown(self) -> list[RaterDrift]:
        return [d for d in self.drifts if d.instrument_key == self.instrument.currentText()]

    def _draw(self) -> None:
        shown = self.shown()
        key = self.instrument.currentText()
        self.chart_view.setChart(drift_chart(shown, self.criteria.get(key), self.measure.currentData() or "within1"))
        # Emptied first: replacing the items of a table with a selection is many times slower.
        self.table.setRowCount(0)
        self.bias.setRowCount(0)
        fill_table(self.table, [(d.rater_code, len(d.points), percent(d.points[-1].within1),
                                 f"{d.points[-1].mad or 0:.2f}", d.reason if d.flagged else "")
                                for d in shown], [d.rater_id for d in shown])
        for r, d in enumerate(shown):
            if d.flagged:
                self.table.item(r, 0).setForeground(QBrush(QColor("#b91c1c")))
        items = sorted({i for d in shown for i in d.bias})
        self.bias.setColumnCount(1 + len(items))
        self.bias.setHorizontalHeaderLabels(["Rater", *items])
        self.bias.setRowCount(len(shown))
        for r, d in enumerate(shown):
            self.bias.setItem(r, 0, QTableWidgetItem(d.rater_code))
            for c, item in enumerate(items, start=1):
                value = d.bias.get(item)
                cell = QTableWidgetItem("" if value is None else f"{value:+.1f}")
                if value:
                    cell.setBackground(QBrush(_bias_color(value)))
                cell.setToolTip(f"{d.rater_code}, {item}: mean of rater − gold over {len(d.points)} check(s)")
                self.bias.setItem(r, c, cell)
        flagged = sum(d.flagged for d in shown)
        self.status.setText(f"{len(shown)} rater(s), {flagged} flagged" if shown else "No scored practice yet.")

    def schedule(self) -> None:
        every = self.every.value()
        by_sessions = self.unit.currentIndex() == 0
        if attempt(self, "Not scheduled", drift.schedule, self.db, self.rater.currentData(),
                   self.sched_instrument.currentData(), self.mode.currentData(),
                   every_sessions=every if by_sessions else None,
                   every_days=None if by_sessions else every) is not FAILED:
            self.status.setText(f"Scheduled for {self.rater.currentText()}.")
            self.changed()

    def place(self) -> None:
        made = attempt(self, "Checks not placed", drift.place_due, self.db, study_id=self.study_id)
        if made is not FAILED:
            self.changed()
            self.status.setText(f"{len(made)} drift check(s) placed.")
