"""Tables shared by the feedback and worked-example panels: items beside gold, and gold evidence marks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
)

from rater.instruments.scoring import Response
from rater.study.training.views import GoldMarkView

# Background of a row by |rater − gold|: equal, one point off, further off.
DIFF_COLORS = {0: "#e7f6ec", 1: "#fdf6e3", 2: "#fdecec"}


def answer_text(response: Response, anchor: str) -> str:
    if response.is_na:
        return "N/A"
    if response.value is None:
        return "—"
    return f"{response.value}  {anchor}" if anchor else str(response.value)


def clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60:02d}:{seconds % 60:02d}"


def make_table(columns: list[str], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fill_row(table: QTableWidget, row: int, cells: list[str], diff: int | None = None) -> None:
    for column, text in enumerate(cells):
        item = QTableWidgetItem(text)
        item.setToolTip(text)
        if diff is not None:
            item.setBackground(QBrush(QColor(DIFF_COLORS[min(abs(diff), 2)])))
        table.setItem(row, column, item)


class GoldMarksList(QListWidget):
    """The gold rater's evidence marks; a click plays that moment."""

    seek_requested = Signal(int)

    def __init__(self, marks: list[GoldMarkView], parent=None):
        super().__init__(parent)
        self.setToolTip("Click a mark to play that moment")
        for mk in marks:
            label = f"{clock(mk.position_ms)}  {mk.text}" + (f"  [{mk.item_id}]" if mk.item_id else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, mk.position_ms)
            self.addItem(item)
        self.itemClicked.connect(lambda item: self.seek_requested.emit(int(item.data(Qt.ItemDataRole.UserRole))))
        self.itemActivated.connect(lambda item: self.seek_requested.emit(int(item.data(Qt.ItemDataRole.UserRole))))
