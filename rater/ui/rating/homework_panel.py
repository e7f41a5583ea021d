"""The homework log beside the form.

Everyone sees what was assigned in the previous session. A rater whose team
keeps the log (``Team.keeps_homework_log``) also writes the log of the session
they are rating: add, edit and delete entries here, each saved and audited at
once (:mod:`rater.study.reports.homework` checks the right again).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.study.rating.views import AssignmentView, HomeworkView
from rater.study.rating.workstation import Workstation
from rater.study.reports import homework
from rater.ui import dialogs
from rater.ui.common.homework_entry import EntryDialog

log = logging.getLogger(__name__)


def empty_text(view: AssignmentView) -> str:
    if view.previous_session_number is None:
        return f"Session {view.session_number}: no previous session."
    return f"No homework log entered for session {view.previous_session_number}."


class HomeworkPanel(QScrollArea):
    def __init__(self, view: AssignmentView, workstation: Workstation | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self.ws = workstation
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        if view.previous_session_number is not None:
            layout.addWidget(QLabel(f"Homework assigned in session {view.previous_session_number}",
                                    objectName="sectionTitle"))
        self.entries: list[QLabel] = []
        for entry in view.previous_homework:
            label = QLabel(
                f"<b>{html.escape(entry.kind_label)}</b><br>{html.escape(entry.description)}"
                f"<br><span style='color:#6b7280; font-size:9pt'>{html.escape(entry.author)}</span>"
            )
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.entries.append(label)
            layout.addWidget(label)
        self.empty_label = QLabel(empty_text(view), objectName="muted")
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(not view.previous_homework)
        layout.addWidget(self.empty_label)
        self.writer: LogWriter | None = None
        if workstation is not None:
            self.writer = LogWriter.for_rater(workstation, view, self)
            if self.writer is not None:
                layout.addWidget(self.writer)
        layout.addStretch(1)
        self.setWidget(body)

    def entry_texts(self) -> list[str]:
        return [label.text() for label in self.entries]


class LogWriter(QWidget):
    """This session's log, for a rater of the team that keeps it."""

    def __init__(self, workstation: Workstation, view: AssignmentView, rater_log: homework.RaterLog,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.view, self.session_id = workstation, view, rater_log.session_id
        self.logged: list[HomeworkView] = rater_log.entries
        self.dialog: EntryDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(QLabel(f"Homework assigned in this session ({rater_log.session_number})",
                                objectName="sectionTitle"))
        hint = QLabel("Your team keeps the homework log: note what the therapist assigns. "
                      f"Whoever rates session {rater_log.session_number + 1} sees it.", objectName="muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(lambda _item: self.edit_entry())
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.add_button = self._button("Add entry…", "Add what was assigned in this session", self.add_entry)
        self.edit_button = self._button("Edit…", "Edit the selected entry (Enter)", self.edit_entry)
        self.delete_button = self._button("Delete…", "Delete the selected entry", self.delete_entry)
        for b in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.list.currentRowChanged.connect(self._update_buttons)
        self._fill()

    @classmethod
    def for_rater(cls, workstation: Workstation, view: AssignmentView, parent: QWidget) -> LogWriter | None:
        """The writer when this rater may keep the log of the session, else None."""
        try:
            rater_log = homework.rater_log(workstation.db, view.assignment_id, view.rater_id)
        except (DatabaseError, StudyError) as exc:
            log.warning("homework log not offered: %s", exc)
            return None
        return cls(workstation, view, rater_log, parent) if rater_log.editable else None

    def _button(self, text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _fill(self) -> None:
        self.list.clear()
        for entry in self.logged:
            item = QListWidgetItem(f"{entry.kind_label}: {entry.description}")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            self.list.addItem(item)
        if not self.logged:
            self.list.addItem(QListWidgetItem("Nothing logged for this session yet."))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def texts(self) -> list[str]:
        return [e.description for e in self.logged]

    def selected(self) -> HomeworkView | None:
        item = self.list.currentItem()
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return next((e for e in self.logged if e.id == key), None)

    def add_entry(self) -> None:
        self.dialog = EntryDialog(f"Homework assigned in {self.view.patient_code} session {self.view.session_number}",
                                  parent=self)
        self.dialog.accepted.connect(lambda: self._save("Entry not added", homework.add_entry, self.session_id,
                                                        self.dialog.kind.currentData(), self.dialog.text()))
        self.dialog.open()

    def edit_entry(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        self.dialog = EntryDialog("Edit homework entry", entry, self)
        self.dialog.accepted.connect(lambda: self._save("Entry not changed", homework.update_entry, entry.id,
                                                        self.dialog.kind.currentData(), self.dialog.text()))
        self.dialog.open()

    def delete_entry(self) -> None:
        entry = self.selected()
        if entry and dialogs.confirm(self, "Delete entry", f"Delete “{entry.description[:80]}”? The deletion is "
                                     "kept in the audit trail.", ok="Delete", default_ok=False):
            self._save("Entry not deleted", homework.delete_entry, entry.id)

    def _save(self, title: str, action: Callable[..., object], *args: object) -> None:
        try:
            action(self.ws.db, *args, rater_id=self.view.rater_id)
        except (DatabaseError, StudyError) as exc:
            dialogs.warn(self, title, str(exc))
            return
        self.logged = homework.entries(self.ws.db, self.session_id)
        self._fill()
