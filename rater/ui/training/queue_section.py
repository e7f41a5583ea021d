"""The Training section of the rater's queue: worked examples, practice and open drift checks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from rater.storage.database import Database
from rater.study.rating.views import STATUS_LABELS
from rater.study.training.desk import TrainingDesk, TrainingEntry
from rater.study.training.drift import place_due
from rater.study.training.views import KIND_LABELS
from rater.ui.style import STATUS_COLORS

COLUMNS = ["Recording", "Instrument", "Kind", "Status"]


class TrainingSection(QGroupBox):
    """Hidden when the rater has no training; hidden drift checks are never listed here."""

    open_requested = Signal(str)

    def __init__(self, db: Database, parent=None):
        super().__init__("Training", parent)
        self.db = db
        self.desk = TrainingDesk(db)
        self.entries: list[TrainingEntry] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(180)
        self.table.itemActivated.connect(self._open)
        self.table.setToolTip("Open with Enter or a double click")
        self.open_button = QPushButton("Open training")
        self.open_button.setToolTip("Open the selected training recording (Enter or double-click)")
        self.open_button.clicked.connect(self._open_selected)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        layout.addLayout(bottom)

    def show_rater(self, rater_id: str) -> None:
        place_due(self.db, rater_id)
        self.entries = self.desk.entries(rater_id)
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            for column, text in enumerate([e.label, e.instrument_name, KIND_LABELS.get(e.kind, e.kind),
                                           STATUS_LABELS.get(e.status, e.status)]):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, e.assignment_id)
                self.table.setItem(row, column, item)
            fg, bg = STATUS_COLORS.get(e.status, STATUS_COLORS["not_started"])
            status = self.table.item(row, COLUMNS.index("Status"))
            status.setForeground(QBrush(QColor(fg)))
            status.setBackground(QBrush(QColor(bg)))
        self.setVisible(bool(self.entries))
        if self.entries:
            self.table.selectRow(next((i for i, e in enumerate(self.entries) if e.status != "submitted"), 0))

    def _open_selected(self) -> None:
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        if item is not None:
            self._open(item)

    def _open(self, item: QTableWidgetItem) -> None:
        self.open_requested.emit(item.data(Qt.ItemDataRole.UserRole))
