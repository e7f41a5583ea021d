"""Questions the training screens ask (one module, so tests can answer them)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


def open_csv(parent: QWidget | None, title: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", "CSV files (*.csv);;All files (*)")
    return path or None


def several(parent: QWidget | None, title: str, label: str, options: Sequence[str]) -> list[int] | None:
    """Indexes of the ticked options, or None if cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    listing = QListWidget()
    for text in options:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        listing.addItem(item)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(label))
    layout.addWidget(listing, 1)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return [i for i in range(listing.count()) if listing.item(i).checkState() == Qt.CheckState.Checked]
