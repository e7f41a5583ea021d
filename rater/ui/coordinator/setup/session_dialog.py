"""Editing a session (number, date, metadata) or a patient's metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rater.ui.coordinator.widgets import button, make_table, row


class MetaEditor(QWidget):
    """Key/value metadata; keys the study hides from raters are marked."""

    def __init__(self, meta: dict[str, Any], hidden: Iterable[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.original = dict(meta)
        self.hidden = set(hidden)
        self.table = make_table(["Field", "Value"], stretch=1)
        self.table.setEditTriggers(self.table.EditTrigger.AllEditTriggers)
        self.table.setMinimumHeight(150)
        for key, value in meta.items():
            self.add(key, str(value))
        note = QLabel(f"Hidden from raters: {', '.join(sorted(self.hidden)) or 'nothing'} (set on the Study screen).",
                      objectName="help")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(row(button("Add field", lambda: self.add("", ""), "Add a metadata field"),
                             button("Remove field", self.remove, "Remove the selected field"), None))
        layout.addWidget(note)

    def add(self, key: str, value: str) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(key))
        self.table.setItem(r, 1, QTableWidgetItem(value))
        if key in self.hidden:
            self.table.item(r, 0).setToolTip("Hidden from raters")
        self.table.setCurrentCell(r, 0)

    def remove(self) -> None:
        if self.table.currentRow() >= 0:
            self.table.removeRow(self.table.currentRow())

    def meta(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for r in range(self.table.rowCount()):
            key = (self.table.item(r, 0).text() if self.table.item(r, 0) else "").strip()
            value = self.table.item(r, 1).text() if self.table.item(r, 1) else ""
            if key:
                # Keep numbers and booleans from a study file as they were unless their text was changed.
                old = self.original.get(key)
                out[key] = old if old is not None and str(old) == value else value
        return out


class SessionDialog(QDialog):
    """``number`` None: the number is not edited; ``with_date`` False: a patient (metadata only)."""

    def __init__(self, title: str, meta: dict[str, Any], hidden: Iterable[str], *, number: int | None = None,
                 date: dt.date | None = None, with_date: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(480, 380)
        form = QFormLayout()
        self.number = QSpinBox(minimum=1, maximum=200, value=number or 1)
        if number is not None:
            form.addRow("Session number:", self.number)
        self.date = QDateEdit(calendarPopup=True, displayFormat="dd MMM yyyy")
        self.no_date = QCheckBox("No date")
        self.no_date.toggled.connect(lambda on: self.date.setEnabled(not on))
        self.date.setDate(QDate(date) if date else QDate.currentDate())
        self.no_date.setChecked(date is None)
        if with_date:
            form.addRow("Date:", self.date)
            form.addRow("", self.no_date)
        self.meta_editor = MetaEditor(meta, hidden)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Metadata (coordinators only)", objectName="sectionTitle"))
        layout.addWidget(self.meta_editor, 1)
        layout.addWidget(buttons)

    def session_date(self) -> dt.date | None:
        return None if self.no_date.isChecked() else self.date.date().toPython()

    def meta(self) -> dict[str, Any]:
        return self.meta_editor.meta()
