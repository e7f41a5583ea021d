"""Progress: assigned / in progress / submitted and time per team, rater and session; quality flags."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from rater.study.reports.progress import Counts, study_progress
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import Screen, button, fill_table, make_table, row

COLUMNS = ["Assigned", "Not started", "In progress", "Submitted", "Done", "Time spent"]


def _hours(ms: int) -> str:
    minutes = round(ms / 60000)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _cells(c: Counts) -> tuple:
    return (c.name, c.assigned, c.not_started, c.in_progress, c.submitted, f"{c.percent_done:.0f}%",
            _hours(c.time_spent_ms))


class ProgressScreen(Screen):
    """Progress tables per team, rater and session, and the quality flags."""

    title = "Progress"
    subtitle = ("Flags: a rating submitted after playing less of the recording than the study asks, or faster than "
                "the recording can be watched at 2×.")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.tables = {name: make_table([name[:-1].capitalize(), *COLUMNS], stretch=0)
                       for name in ("teams", "raters", "sessions")}
        self.tabs = QTabWidget()
        for name, table in self.tables.items():
            self.tabs.addTab(table, name.capitalize())
        self.flags = make_table(["Rater", "Patient", "Session", "Instrument", "Why"], stretch=4)
        self.flags_title = QLabel(objectName="sectionTitle")
        self.summary = QLabel(objectName="muted")
        self.content.addLayout(row(self.summary, None, button("Refresh", self.refresh, "Read the progress again "
                                                                                        "(F5)")))
        self.content.addWidget(self.tabs, 3)
        self.content.addWidget(self.flags_title)
        self.content.addWidget(self.flags, 2)
        refresh = QAction("Refresh", self, shortcut=QKeySequence("F5"))
        refresh.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)

    def reload(self) -> None:
        p = study_progress(self.db, self.study_id)
        for name, rows in (("teams", p.teams), ("raters", p.raters), ("sessions", p.sessions)):
            fill_table(self.tables[name], [_cells(c) for c in rows])
        total = sum(c.assigned for c in p.teams)
        done = sum(c.submitted for c in p.teams)
        self.summary.setText(f"{done} of {total} ratings submitted." if total else
                             "Nothing assigned yet: generate assignments first.")
        self.flags_title.setText(f"Quality flags ({len(p.flags)})")
        fill_table(self.flags, [(f.rater, f.patient, f.session_number, f.instrument, f.message) for f in p.flags])
