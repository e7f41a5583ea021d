"""The keyboard shortcuts dialog (F1)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

Section = tuple[str, list[tuple[str, str]]]


class HelpDialog(QDialog):
    def __init__(self, sections: list[Section], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(700, 620)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        bold = QFont(self.font())
        bold.setBold(True)
        for title, rows in sections:
            heading = QTableWidgetItem(title)
            heading.setFont(bold)
            self._append(heading, QTableWidgetItem(""))
            for action, keys in rows:
                key_item = QTableWidgetItem(keys)
                key_item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                self._append(QTableWidgetItem("    " + action), key_item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _append(self, first: QTableWidgetItem, second: QTableWidgetItem) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, first)
        self.table.setItem(row, 1, second)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text().strip(), self.table.item(r, 1).text())
                for r in range(self.table.rowCount())]
