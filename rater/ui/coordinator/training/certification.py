"""Certification: the criterion per instrument, holding study assignments, each rater's status and history."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

from rater.study.training import certification, material
from rater.study.training.agreement import percent
from rater.study.training.report import STATE_LABELS, figures
from rater.study.training.views import KIND_LABELS, CertStatus, Criterion
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row

log = logging.getLogger(__name__)

STATUS_COLUMNS = ["Rater", "Instrument", "Status", "Since", "Expires", "Latest window"]
HISTORY_COLUMNS = ["When", "Recording", "Kind", "Window", "Exact", "Within ±1", "MAD", "Decision"]
STATE_COLORS = {"certified": "submitted", "expired": "in_progress", "not_certified": "not_started",
                "no_criterion": "not_started"}


def _day(when) -> str:
    return "" if when is None else f"{when:%d %b %Y}"


class CertificationScreen(Screen):
    title = "Certification"
    subtitle = ("A rater is certified on an instrument when their last N practice recordings meet the criterion. "
                "Every submitted practice or drift check is a decision; a drift check below the criterion takes "
                "the certification away until the rater passes again.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.statuses: list[CertStatus] = []
        self.criteria: dict[str, Criterion] = {}
        self.instrument = QComboBox()
        self.instrument.currentIndexChanged.connect(self._show_criterion)
        self.within1 = QSpinBox(minimum=0, maximum=100, suffix=" %", value=80)
        self.mad = QDoubleSpinBox(minimum=0, maximum=10, singleStep=0.05, decimals=2, value=0.75)
        self.last_n = QSpinBox(minimum=1, maximum=100, value=3)
        self.validity = QSpinBox(minimum=0, maximum=3650, value=365, suffix=" days", specialValueText="no expiry")
        self.save_button = button("Save criterion", self.save, "Store the criterion of this instrument", primary=True)
        box = QGroupBox("Criterion")
        form = QFormLayout(box)
        form.addRow("Instrument", self.instrument)
        form.addRow("Items within ±1 of gold at least", self.within1)
        form.addRow("Mean absolute difference at most", self.mad)
        form.addRow("Over the last N practice recordings", self.last_n)
        form.addRow("Valid for", self.validity)
        form.addRow("", self.save_button)
        self.hold = QCheckBox("Hold study assignments until the rater is certified on the instruments their team "
                              "rates (the rater sees why)")
        self.hold.toggled.connect(self._hold_toggled)
        self.table = make_table(STATUS_COLUMNS, stretch=5)
        self.table.currentCellChanged.connect(lambda *_: self._show_history())
        self.history = make_table(HISTORY_COLUMNS, stretch=1)
        self.note = QLabel(objectName="muted")
        self.note.setWordWrap(True)
        self.content.addLayout(row(box, None))
        self.content.addWidget(self.hold)
        self.content.addWidget(self.table, 2)
        self.content.addWidget(self.note)
        self.content.addWidget(self.history, 1)

    def reload(self) -> None:
        self.criteria, hold = certification.read_criteria(self.db, self.study_id)
        self.hold.blockSignals(True)
        self.hold.setChecked(hold)
        self.hold.blockSignals(False)
        keys = [key for _id, key, _name in material.study_instruments(self.db, self.study_id)]
        current = self.instrument.currentText()
        self.instrument.blockSignals(True)
        self.instrument.clear()
        self.instrument.addItems(keys)
        # Keep the instrument being edited; otherwise start on one that has a criterion.
        start = current if current in keys else next((k for k in keys if k in self.criteria), "")
        if start:
            self.instrument.setCurrentText(start)
        self.instrument.blockSignals(False)
        self._show_criterion()
        self.statuses = certification.rater_statuses(self.db, self.study_id)
        fill_table(self.table, [(st.rater_code, st.instrument_key, STATE_LABELS[st.state], _day(st.since),
                                 _day(st.expires_at), figures(st)) for st in self.statuses],
                   list(range(len(self.statuses))), status_column=2,
                   statuses=[STATE_COLORS[st.state] for st in self.statuses])
        self._show_history()

    def _show_criterion(self) -> None:
        c = self.criteria.get(self.instrument.currentText())
        if c is not None:
            self.within1.setValue(round(100 * c.min_within1))
            self.mad.setValue(c.max_mad)
            self.last_n.setValue(c.last_n)
            self.validity.setValue(c.validity_days or 0)

    def _show_history(self) -> None:
        r = self.table.currentRow()
        st = self.statuses[r] if 0 <= r < len(self.statuses) else None
        self.note.setText("" if st is None else st.reason())
        rows = [] if st is None else [
            (f"{d.at:%d %b %Y %H:%M}", d.label, KIND_LABELS.get(d.kind, d.kind), d.window, percent(d.agreement.exact),
             percent(d.agreement.within1), f"{d.agreement.mad or 0:.2f}", "pass" if d.passed else "not met")
            for d in reversed(st.history)]
        fill_table(self.history, rows)

    def save(self) -> None:
        key = self.instrument.currentText()
        if not key:
            return
        c = Criterion(key, self.within1.value() / 100, self.mad.value(), self.last_n.value(),
                      self.validity.value() or None)
        if attempt(self, "Criterion not saved", certification.set_criterion, self.db, self.study_id, c) is not FAILED:
            self.changed()

    def _hold_toggled(self, on: bool) -> None:
        if attempt(self, "Setting not saved", certification.set_hold, self.db, self.study_id, on) is not FAILED:
            self.changed()
