"""Timestamped marks ("12:41 therapist assigns thought record"); a mark seeks the player."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rater.ui import dialogs
from rater.ui.binding import signals_blocked

KEY_ROLE = Qt.ItemDataRole.UserRole
POSITION_ROLE = Qt.ItemDataRole.UserRole + 1
TEXT_COLUMN = 1
ITEM_COLUMN, SIGN_COLUMN = 2, 3


def format_ms(ms: int) -> str:
    seconds = max(0, int(ms)) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@dataclass
class MarkEntry:
    """A mark as the page knows it; ``db_id`` is None until the database has it."""

    key: str
    position_ms: int
    text: str
    db_id: str | None = None
    item_id: str | None = None  # evidence for this item …
    polarity: str = ""  # … "+" for, "-" against


class MarksPanel(QWidget):
    seek_requested = Signal(int)
    add_requested = Signal(int, str)  # position ms, text
    edit_requested = Signal(str, str)  # key, new text
    delete_requested = Signal(str)  # key
    evidence_requested = Signal(str, object, str)  # key, item id or None, polarity

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._read_only = False
        self._pending_position: int | None = None
        self._return_focus: QWidget | None = None
        self._items: list[tuple[str, str]] = []  # (item id, label) for the evidence chooser

        self.add_box = QWidget()
        self.add_label = QLabel()
        self.add_edit = QLineEdit(placeholderText="What happens here? End with +item or −item to make it "
                                  "evidence for an item. Enter saves, Esc cancels")
        add_line = QHBoxLayout(self.add_box)
        add_line.setContentsMargins(0, 0, 0, 0)
        add_line.addWidget(self.add_label)
        add_line.addWidget(self.add_edit, 1)
        self.add_box.hide()
        self.add_edit.returnPressed.connect(self._finish_add)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.add_edit, self.cancel_add,
                  context=Qt.ShortcutContext.WidgetShortcut)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Time", "Mark", "Item", "\u00b1"])
        self.tree.setRootIsDecorated(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TEXT_COLUMN, header.ResizeMode.Stretch)
        self.tree.setUniformRowHeights(True)
        # Only the text column is editable, and only through editItem(item, 1).
        self.tree.setEditTriggers(QTreeWidget.EditTrigger.NoEditTriggers)
        self.tree.setToolTip("Click or Enter: go to this moment · F2 or double-click: edit · Delete: remove")
        self.tree.itemClicked.connect(self._seek_to)
        self.tree.itemActivated.connect(self._seek_to)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self.edit_selected())
        self.tree.itemChanged.connect(self._item_changed)
        QShortcut(QKeySequence(Qt.Key.Key_F2), self.tree, self.edit_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree, self.delete_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)

        self.empty_label = QLabel("No marks yet. Press Ctrl+M while listening to mark a moment.",
                                  objectName="muted")
        self.empty_label.setWordWrap(True)
        self.add_button = QPushButton("Add mark", toolTip="Mark the current moment (Ctrl+M)")
        self.edit_button = QPushButton("Edit", toolTip="Edit the selected mark's text (F2)")
        self.delete_button = QPushButton("Delete", toolTip="Delete the selected mark (Delete)")
        self.evidence_button = QPushButton("Evidence\u2026", toolTip="Tie the selected mark to an item, "
                                           "as evidence for (+) or against (\u2212)")
        self.evidence_button.clicked.connect(self.edit_evidence)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.evidence_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.add_box)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    # --- showing ----------------------------------------------------------------
    def set_marks(self, marks: list[MarkEntry]) -> None:
        selected = self.selected_key()
        with signals_blocked([self.tree]):
            self.tree.clear()
            for mark in sorted(marks, key=lambda mk: (mk.position_ms, mk.key)):
                sign = {"+": "+", "-": "\u2212"}.get(mark.polarity, "")
                item = QTreeWidgetItem([format_ms(mark.position_ms), mark.text, mark.item_id or "", sign])
                item.setData(0, KEY_ROLE, mark.key)
                item.setData(0, POSITION_ROLE, mark.position_ms)
                item.setData(ITEM_COLUMN, KEY_ROLE, mark.item_id)
                item.setData(SIGN_COLUMN, KEY_ROLE, mark.polarity)
                item.setData(TEXT_COLUMN, KEY_ROLE, mark.text)  # the saved text, restored if an edit empties it
                if not self._read_only:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                if mark.db_id is None:
                    item.setToolTip(TEXT_COLUMN, "Not saved yet — retrying")
                self.tree.addTopLevelItem(item)
                if mark.key == selected:
                    self.tree.setCurrentItem(item)
        for column in (0, ITEM_COLUMN, SIGN_COLUMN):
            self.tree.resizeColumnToContents(column)
        self.empty_label.setVisible(not marks)
        self._update_buttons()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.add_button.setEnabled(not read_only)
        self.add_box.hide()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            flags = item.flags() & ~Qt.ItemFlag.ItemIsEditable
            with signals_blocked([self.tree]):
                item.setFlags(flags if read_only else flags | Qt.ItemFlag.ItemIsEditable)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_marks = self.tree.topLevelItemCount() > 0
        self.edit_button.setEnabled(has_marks and not self._read_only)
        self.delete_button.setEnabled(has_marks and not self._read_only)
        self.evidence_button.setEnabled(has_marks and not self._read_only and bool(self._items))

    def set_items(self, items: list[tuple[str, str]]) -> None:
        """The items a mark can be evidence for: (id, label)."""
        self._items = list(items)
        self._update_buttons()

    def selected_key(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, KEY_ROLE) if item else None

    # --- adding -----------------------------------------------------------------
    def begin_add(self, position_ms: int) -> None:
        """Ask for the text of a mark at ``position_ms`` in an inline line edit."""
        if self._read_only:
            return
        self._return_focus = QApplication.focusWidget()
        self._pending_position = position_ms
        self.add_label.setText(f"Mark at {format_ms(position_ms)}:")
        self.add_edit.clear()
        self.add_box.show()
        self.add_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def commit_pending(self) -> None:
        """Save a mark whose text is being typed (the page is about to close)."""
        if self._pending_position is not None and self.add_edit.text().strip():
            self._finish_add()

    def _finish_add(self) -> None:
        text = self.add_edit.text().strip()
        position = self._pending_position
        self.cancel_add()
        if position is not None and text:
            self.add_requested.emit(position, text)

    def cancel_add(self) -> None:
        self._pending_position = None
        self.add_box.hide()
        if self._return_focus is not None:
            self._return_focus.setFocus(Qt.FocusReason.OtherFocusReason)
            self._return_focus = None

    # --- acting on a mark ---------------------------------------------------------
    def _seek_to(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.seek_requested.emit(int(item.data(0, POSITION_ROLE)))

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == TEXT_COLUMN and not self._read_only:
            text = item.text(TEXT_COLUMN).strip()
            if not text:
                with signals_blocked([self.tree]):
                    item.setText(TEXT_COLUMN, item.data(TEXT_COLUMN, KEY_ROLE))
            elif text != item.data(TEXT_COLUMN, KEY_ROLE):
                with signals_blocked([self.tree]):
                    item.setData(TEXT_COLUMN, KEY_ROLE, text)
                self.edit_requested.emit(item.data(0, KEY_ROLE), text)

    def edit_selected(self) -> None:
        item = self.tree.currentItem()
        if item is not None and not self._read_only:
            self.tree.editItem(item, TEXT_COLUMN)

    def edit_evidence(self) -> None:
        """Ask which item the selected mark is evidence for, and whether for or against."""
        item = self.tree.currentItem()
        if item is None or self._read_only or not self._items:
            return
        from rater.ui.rating.evidence_dialog import EvidenceDialog

        dialog = EvidenceDialog(self._items, item.data(ITEM_COLUMN, KEY_ROLE), item.data(SIGN_COLUMN, KEY_ROLE) or "",
                                f"{item.text(0)} “{item.text(TEXT_COLUMN)}”", self)
        if dialog.exec() == EvidenceDialog.DialogCode.Accepted:
            self.evidence_requested.emit(item.data(0, KEY_ROLE), dialog.item_id(), dialog.polarity())

    def delete_selected(self) -> None:
        item = self.tree.currentItem()
        if item is None or self._read_only:
            return
        if dialogs.confirm(self, "Delete mark", f"Delete the mark at {item.text(0)} “{item.text(TEXT_COLUMN)}”?",
                           ok="Delete", default_ok=False):
            self.delete_requested.emit(item.data(0, KEY_ROLE))
