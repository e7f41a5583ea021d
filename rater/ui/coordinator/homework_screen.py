"""The homework log: what was assigned in each session, shown to whoever rates the next one."""

from __future__ import annotations

import logging
from datetime import UTC

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from rater.study.rating.views import HomeworkView
from rater.study.reports import homework, overview
from rater.study.reports.overview import StudyOverview
from rater.ui import dialogs
from rater.ui.common.homework_entry import EntryDialog
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import FAILED, Screen, attempt, button, fill_table, make_table, row, selected_key

log = logging.getLogger(__name__)


class HomeworkScreen(Screen):
    """Pick a patient and session; list, add, edit and delete its homework entries."""

    title = "Homework log"
    subtitle = "Whoever rates session n of a patient sees the log of session n − 1 beside the form."

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.overview: StudyOverview | None = None
        self.entries: list[HomeworkView] = []
        self.dialog: EntryDialog | None = None
        self.patient = QComboBox()
        self.patient.setMinimumWidth(120)
        self.session = QComboBox()
        self.session.setMinimumWidth(120)
        self.patient.currentIndexChanged.connect(self._fill_sessions)
        self.session.currentIndexChanged.connect(self._fill_entries)
        self.table = make_table(["Type", "Description", "Entered by", "Added"], stretch=1)
        self.table.itemActivated.connect(lambda _item: self.edit_entry())
        self.hint = QLabel(objectName="muted")
        self.content.addLayout(row(QLabel("Patient:"), self.patient, QLabel("Session:"), self.session, None))
        self.content.addWidget(self.table, 1)
        self.content.addWidget(self.hint)
        self.content.addLayout(row(
            button("Add entry…", self.add_entry, "Add what was assigned in this session", primary=True),
            button("Edit…", self.edit_entry, "Edit the selected entry (Enter)"),
            button("Delete…", self.delete_entry, "Delete the selected entry"), None))

    def reload(self) -> None:
        self.overview = overview.study_overview(self.db, self.study_id)
        current = self.patient.currentData()
        self.patient.blockSignals(True)
        self.patient.clear()
        for p in self.overview.patients:
            self.patient.addItem(p.code, p.id)
        self.patient.setCurrentIndex(max(self.patient.findData(current), 0))
        self.patient.blockSignals(False)
        self._fill_sessions()

    def choose(self, patient_code: str, number: int) -> None:
        """Show the log of one session (used by tests and by other screens)."""
        self.patient.setCurrentIndex(self.patient.findText(patient_code))
        self.session.setCurrentIndex(self.session.findData(self._session_id(number)))

    def _session_id(self, number: int) -> str | None:
        patient = next((p for p in self.overview.patients if p.id == self.patient.currentData()), None)
        return next((s.id for s in patient.sessions if s.number == number), None) if patient else None

    def _fill_sessions(self) -> None:
        patient = next((p for p in self.overview.patients if p.id == self.patient.currentData()), None)
        current = self.session.currentData()
        self.session.blockSignals(True)
        self.session.clear()
        for s in patient.sessions if patient else []:
            self.session.addItem(f"Session {s.number}", s.id)
        self.session.setCurrentIndex(max(self.session.findData(current), 0))
        self.session.blockSignals(False)
        self._fill_entries()

    def _fill_entries(self) -> None:
        sid = self.session.currentData()
        self.entries = homework.entries(self.db, sid) if sid else []
        fill_table(self.table, [(e.kind_label, e.description, e.author,
                                 f"{e.created_at.replace(tzinfo=UTC).astimezone():%d %b %Y %H:%M}")
                                for e in self.entries], [e.id for e in self.entries])
        label = self.session.currentText().lower()
        if sid is None:
            self.hint.setText("Choose a patient and a session." if self.overview.patients else "No patients yet.")
        elif not self.entries:
            self.hint.setText(f"No homework log entered for {label} yet.")
        else:
            self.hint.setText(f"{len(self.entries)} entr{'y' if len(self.entries) == 1 else 'ies'} for {label}.")

    def _selected(self) -> HomeworkView | None:
        key = selected_key(self.table)
        return next((e for e in self.entries if e.id == key), None)

    def add_entry(self) -> None:
        sid = self.session.currentData()
        if sid is None:
            return
        self.dialog = EntryDialog(f"Homework assigned in {self.patient.currentText()} "
                                  f"{self.session.currentText().lower()}", parent=self)
        self.dialog.accepted.connect(lambda: self._saved(attempt(
            self, "Entry not added", homework.add_entry, self.db, sid, self.dialog.kind.currentData(),
            self.dialog.text())))
        self.dialog.open()

    def edit_entry(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        self.dialog = EntryDialog("Edit homework entry", entry, self)
        self.dialog.accepted.connect(lambda: self._saved(attempt(
            self, "Entry not changed", homework.update_entry, self.db, entry.id, self.dialog.kind.currentData(),
            self.dialog.text())))
        self.dialog.open()

    def delete_entry(self) -> None:
        entry = self._selected()
        if entry and dialogs.confirm(self, "Delete entry", f"Delete “{entry.description[:80]}”? The deletion is "
                                     "kept in the audit trail.", ok="Delete", default_ok=False):
            self._saved(attempt(self, "Entry not deleted", homework.delete_entry, self.db, entry.id))

    def _saved(self, result) -> None:
        if result is not FAILED:
            self._fill_entries()
            self.changed()
