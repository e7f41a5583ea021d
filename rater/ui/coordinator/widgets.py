"""Building blocks shared by the coordinator screens: the screen frame, tables, refusals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.ui import dialogs
from rater.ui.coordinator.context import Context
from rater.ui.style import STATUS_COLORS
from rater.validation import ValidationError

log = logging.getLogger(__name__)

NO_STUDY = ("No study yet — create one from a study file or with the form on the Study screen.")
FAILED: Any = type("Failed", (), {"__repr__": lambda self: "FAILED", "__bool__": lambda self: False})()


def attempt(parent: QWidget | None, title: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; a refusal or database problem is shown under ``title`` and FAILED returned."""
    try:
        return fn(*args, **kwargs)
    except (StudyError, DatabaseError, ValidationError) as exc:
        log.info("%s: %s", title, exc)
        dialogs.warn(parent, title, str(exc))
        return FAILED


def button(text: str, slot: Callable[[], Any], tip: str = "", primary: bool = False) -> QPushButton:
    """A push button wired to ``slot``; ``primary`` gives it the accent colour."""
    widget = QPushButton(text, objectName="primary" if primary else "")
    widget.setToolTip(tip)
    widget.clicked.connect(slot)
    return widget


def row(*widgets: QWidget | None, stretch_at: int | None = None) -> QHBoxLayout:
    """Widgets side by side; ``None`` is a stretch."""
    layout = QHBoxLayout()
    layout.setSpacing(8)
    for w in widgets:
        if w is None:
            layout.addStretch(1)
        else:
            layout.addWidget(w)
    return layout


def make_table(columns: Sequence[str], stretch: int | None = None) -> QTableWidget:
    """A read-only, row-selecting table in the rater screens' style."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(32)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[Any]], keys: Sequence[Any] | None = None,
               status_column: int | None = None, statuses: Sequence[str] | None = None) -> None:
    """Replace the table's rows; ``keys[i]`` is kept as row i's user data, the selection is kept by key."""
    current = selected_key(table)
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem("" if value is None else str(value))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if keys is not None:
                item.setData(Qt.ItemDataRole.UserRole, keys[r])
            table.setItem(r, c, item)
        if status_column is not None and statuses is not None:
            fg, bg = STATUS_COLORS.get(statuses[r], STATUS_COLORS["not_started"])
            item = table.item(r, status_column)
            item.setForeground(QBrush(QColor(fg)))
            item.setBackground(QBrush(QColor(bg)))
    if keys is not None and current in keys:
        table.selectRow(list(keys).index(current))
    elif rows:
        table.selectRow(0)


def selected_key(table: QTableWidget) -> Any:
    """The user data of the table's current row (None without a selection)."""
    item = table.item(table.currentRow(), 0) if table.currentRow() >= 0 else None
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


class Screen(QWidget):
    """One coordinator screen: a title, a subtitle and a body, or the no-study state.

    Subclasses build their widgets into ``self.content`` and load data in
    :meth:`reload`, which runs whenever the screen is shown after a change.
    """

    title = ""
    subtitle = ""
    needs_study = True

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.stale = True
        self.body = QWidget()
        column = QVBoxLayout(self.body)
        column.setContentsMargins(28, 20, 28, 20)
        column.setSpacing(10)
        column.addWidget(QLabel(self.title, objectName="pageTitle"))
        self.subtitle_label = QLabel(self.subtitle, objectName="pageSubtitle")
        self.subtitle_label.setWordWrap(True)
        column.addWidget(self.subtitle_label)
        self.content = QVBoxLayout()
        self.content.setSpacing(10)
        column.addLayout(self.content, 1)
        self.empty = QLabel(NO_STUDY, objectName="pageSubtitle")
        self.empty.setWordWrap(True)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.body)
        if self.needs_study:
            # Shown instead of the body; screens that work without a study place it themselves.
            self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._stack.addWidget(self.empty)

    @property
    def db(self):
        return self.ctx.db

    @property
    def study_id(self) -> str | None:
        return self.ctx.study_id

    def refresh(self) -> None:
        """Show the no-study state or reload the body from the database."""
        self.stale = False
        if self.needs_study and self.ctx.study_id is None:
            self._stack.setCurrentWidget(self.empty)
            return
        self._stack.setCurrentWidget(self.body)
        try:
            self.reload()
        except DatabaseError as exc:
            dialogs.error(self, "Database problem", str(exc))

    def reload(self) -> None:
        raise NotImplementedError

    def changed(self) -> None:
        """Tell every screen that the study changed (this one reloads at once)."""
        self.ctx.data_changed.emit()
