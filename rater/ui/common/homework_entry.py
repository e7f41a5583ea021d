"""The dialog for one homework entry, used by the coordinator's homework log and the rater's homework panel."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QPlainTextEdit, QWidget

from rater.study.rating.views import HOMEWORK_KINDS, HomeworkView


class EntryDialog(QDialog):
    """One homework entry: its type and what was assigned."""

    def __init__(self, title: str, entry: HomeworkView | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(480, 260)
        self.kind = QComboBox()
        for key, label in HOMEWORK_KINDS.items():
            self.kind.addItem(label, key)
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText("e.g. Two thought records this week, with the alternative response")
        if entry is not None:
            self.kind.setCurrentIndex(max(self.kind.findData(entry.kind), 0))
            self.description.setPlainText(entry.description)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.description.textChanged.connect(lambda: ok.setEnabled(bool(self.text())))
        ok.setEnabled(bool(self.text()))
        form = QFormLayout(self)
        form.addRow("Type:", self.kind)
        form.addRow("Description:", self.description)
        form.addRow(self.buttons)

    def text(self) -> str:
        return self.description.toPlainText().strip()
