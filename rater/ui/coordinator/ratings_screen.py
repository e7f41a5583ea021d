"""Ratings: find a submitted rating and reopen it for its rater (a reason is required and audited)."""

from __future__ import annotations

import logging
from datetime import UTC

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from rater.study.reports import overview
from rater.study.reports.overview import AssignedInfo, SessionView
from rater.study.setup import coordination
from rater.ui.coordinator import asks
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row, selected_key

log = logging.getLogger(__name__)

COLUMNS = ["Rater", "Name", "Patient", "Session", "Instrument", "Submitted"]


class RatingsScreen(Screen):
    """Submitted ratings, filterable; the selected one can be reopened with a reason."""

    title = "Ratings"
    subtitle = ("A submitted rating is locked. Reopening makes it editable for its rater again; the reason is kept "
                "in the audit trail.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.rows: list[tuple[SessionView, AssignedInfo]] = []
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Find by rater, patient or instrument…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(320)
        self.filter.textChanged.connect(self._fill)
        self.table = make_table(COLUMNS, stretch=4)
        self.table.itemActivated.connect(lambda _item: self.reopen())
        self.status = QLabel(objectName="muted")
        self.reopen_button = button("Reopen…", self.reopen, "Make the selected rating editable again (Enter)",
                                    primary=True)
        self.content.addLayout(row(self.filter, None))
        self.content.addWidget(self.table, 1)
        self.content.addLayout(row(self.status, None, self.reopen_button))

    def reload(self) -> None:
        o = overview.study_overview(self.db, self.study_id)
        self.rows = [(s, a) for s in o.sessions for a in s.assigned if a.status == "submitted"]
        self._fill()

    def _visible(self) -> list[tuple[SessionView, AssignedInfo]]:
        words = self.filter.text().lower().split()
        return [(s, a) for s, a in self.rows
                if all(w in f"{a.rater_code} {a.rater_name} {s.patient_code} {a.instrument_name} "
                             f"{a.instrument_key}".lower() for w in words)]

    def _fill(self) -> None:
        shown = self._visible()
        fill_table(self.table, [
            (a.rater_code, a.rater_name, s.patient_code, s.number, a.instrument_name,
             f"{a.submitted_at.replace(tzinfo=UTC).astimezone():%d %b %Y %H:%M}" if a.submitted_at else "")
            for s, a in shown], [a.assignment_id for _s, a in shown])
        self.reopen_button.setEnabled(bool(shown))
        self.status.setText(f"{len(shown)} of {len(self.rows)} submitted rating(s)." if self.rows else
                            "No submitted ratings yet.")

    def select(self, assignment_id: str) -> None:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == assignment_id:
                self.table.selectRow(r)

    def reopen(self) -> None:
        key = selected_key(self.table)
        found = next(((s, a) for s, a in self.rows if a.assignment_id == key), None)
        if found is None:
            return
        s, a = found
        what = f"{a.rater_code} {a.rater_name} — {s.patient_code} session {s.number}, {a.instrument_name}"
        reason = asks.reason(self, "Reopen rating", f"Reopen the rating of {what}?\n\nWhy? The reason is kept in "
                             "the audit trail.")
        if reason is None:
            return
        if attempt(self, "Rating not reopened", coordination.reopen_rating, self.db, a.assignment_id,
                   reason) is not FAILED:
            log.info("reopened %s", what)
            self.changed()
            self.status.setText(f"Reopened: {what}. The rater can change it and submit again.")
