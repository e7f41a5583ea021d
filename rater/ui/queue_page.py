"""Second page: the rater's own queue of assignments."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rater.storage.database import DatabaseError
from rater.study.rating.views import QueueEntry, RaterInfo
from rater.study.rating.workstation import Workstation
from rater.ui import dialogs
from rater.ui.style import STATUS_COLORS
from rater.ui.training.queue_section import TrainingSection

COLUMNS = ["Patient", "Session", "Date", "Instrument", "Status", "Recording", "Last saved"]
STATUS_COLUMN = COLUMNS.index("Status")


def _last_saved(entry: QueueEntry) -> str:
    if entry.updated_at is None:
        return "—"
    return f"{entry.updated_at.replace(tzinfo=UTC).astimezone():%d %b %Y %H:%M}"


def default_row(entries: list[QueueEntry]) -> int:
    """The row to select: the assignment being rated (latest saved), else the next not started."""
    in_progress = [(e.updated_at is not None, e.updated_at, -i) for i, e in enumerate(entries)
                   if e.status == "in_progress"]
    if in_progress:
        return -max(in_progress, key=lambda k: (k[0], k[1] or 0, k[2]))[2]
    return next((i for i, e in enumerate(entries) if e.status != "submitted"), 0)


class StatusDelegate(QStyledItemDelegate):
    """Draws the status as a coloured badge that stays readable on a selected row.

    With plain item colours, the selection highlight replaces the status
    background but keeps its light text colour, which cannot be read.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:  # noqa: D102
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        opt.backgroundBrush = QBrush()  # the colour goes on the badge, not the whole cell
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        fg, bg = index.data(Qt.ItemDataRole.ForegroundRole), index.data(Qt.ItemDataRole.BackgroundRole)
        badge = QRectF(opt.rect.adjusted(6, 6, -6, -6))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg.color() if isinstance(bg, QBrush) else QColor("#eef2f7"))
        painter.drawRoundedRect(badge, 6, 6)
        painter.setPen(fg.color() if isinstance(fg, QBrush) else QColor("#1f2933"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index):  # noqa: N802 (Qt naming)
        hint = super().sizeHint(option, index)
        hint.setWidth(hint.width() + 24)  # room for the badge's inset
        return hint


class QueuePage(QWidget):
    open_requested = Signal(str)  # assignment id
    switch_rater_requested = Signal()

    def __init__(self, workstation: Workstation, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = workstation
        self.rater: RaterInfo | None = None
        self.entries: list[QueueEntry] = []
        self.title = QLabel("Your queue", objectName="pageTitle")
        self.summary = QLabel(objectName="pageSubtitle")
        self.switch_button = QPushButton("Switch rater")
        self.switch_button.setToolTip("Go back to the list of names (Ctrl+Shift+R)")
        self.switch_button.clicked.connect(self.switch_rater_requested)
        self.open_button = QPushButton("Open", objectName="primary")
        self.open_button.setToolTip("Open the selected session (Enter or double-click)")
        self.open_button.clicked.connect(self._open_current)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Instrument"), QHeaderView.ResizeMode.Stretch)
        self.table.itemActivated.connect(lambda _item: self._open_current())
        self.status_delegate = StatusDelegate(self.table)
        self.table.setItemDelegateForColumn(STATUS_COLUMN, self.status_delegate)
        self.empty_label = QLabel("Nothing to rate yet: no sessions have been assigned to you.",
                                  objectName="muted")

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.summary)
        top.addLayout(titles, 1)
        top.addWidget(self.switch_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom = QHBoxLayout()
        bottom.addWidget(self.empty_label)
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        # Training recordings are listed apart from the study sessions (hidden drift checks excepted).
        self.training = TrainingSection(workstation.db)
        self.training.open_requested.connect(self.open_requested)
        layout.addWidget(self.training)
        layout.addLayout(bottom)

    def show_rater(self, rater: RaterInfo) -> None:
        self.rater = rater
        self.title.setText(f"Your queue — {rater.name}")
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        if self.rater is None:
            return
        try:
            self.training.show_rater(self.rater.id)  # first: it places drift checks that have come due
            self.entries = [e for e in self.ws.queue(self.rater.id) if e.purpose == "study"]
        except DatabaseError as exc:
            dialogs.error(self, "Database problem", str(exc))
            self.entries = []
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            instrument = entry.instrument_name
            cells = [
                entry.patient_code,
                str(entry.session_number),
                f"{entry.session_date:%d %b %Y}" if entry.session_date else "—",
                instrument,
                entry.status_label,
                (entry.recording_kind or "none").capitalize(),
                _last_saved(entry),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, entry.assignment_id)
                item.setToolTip(entry.held)  # why a held assignment cannot be opened yet
                self.table.setItem(row, column, item)
            fg, bg = STATUS_COLORS.get("not_started" if entry.held else entry.status, STATUS_COLORS["not_started"])
            status = self.table.item(row, STATUS_COLUMN)
            status.setForeground(QBrush(QColor(fg)))
            status.setBackground(QBrush(QColor(bg)))
            status.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        counts = {s: sum(1 for e in self.entries if e.status == s) for s in STATUS_COLORS}
        held = sum(1 for e in self.entries if e.held)
        self.summary.setText(f"{len(self.entries)} sessions · {counts['not_started']} not started · "
                             f"{counts['in_progress']} in progress · {counts['submitted']} submitted"
                             + (f" · {held} held until you are certified (point at one to see why)" if held else ""))
        self.empty_label.setVisible(not self.entries)
        self.open_button.setEnabled(bool(self.entries))
        if self.entries:
            ids = [e.assignment_id for e in self.entries]
            row = ids.index(select) if select in ids else default_row(self.entries)
            self.table.selectRow(row)
        self.table.setFocus()

    def assignment_ids(self) -> list[str]:
        return [e.assignment_id for e in self.entries]

    def _open_current(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.entries):
            self.open_requested.emit(self.entries[row].assignment_id)
