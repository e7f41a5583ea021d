"""Short questions the coordinator screens ask, in one module so tests can answer them.

Screens call ``asks.text(...)`` etc. through the module (never a direct import
of the function), like :mod:`rater.ui.dialogs`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


def text(parent: QWidget | None, title: str, label: str, value: str = "") -> str | None:
    """A line of text, or None if cancelled."""
    answer, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, value)
    return answer if ok else None


def secret(parent: QWidget | None, title: str, label: str) -> str | None:
    """A secret (a PIN), typed hidden; None if cancelled."""
    answer, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Password)
    return answer if ok else None


def choice(parent: QWidget | None, title: str, label: str, options: Sequence[str], current: int = 0) -> int | None:
    """The index of the chosen option, or None if cancelled."""
    if not options:
        return None
    answer, ok = QInputDialog.getItem(parent, title, label, list(options), current, False)
    return list(options).index(answer) if ok else None


class ReasonDialog(QDialog):
    """A required free-text reason (kept in the audit trail): OK stays disabled until one is written."""

    def __init__(self, title: str, label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(460, 240)
        prompt = QLabel(label)
        prompt.setWordWrap(True)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("Required — why is this needed?")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.edit.textChanged.connect(lambda: ok.setEnabled(bool(self.reason())))
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.buttons)

    def reason(self) -> str:
        return self.edit.toPlainText().strip()


def reason(parent: QWidget | None, title: str, label: str) -> str | None:
    """A non-empty reason, or None if cancelled."""
    dialog = ReasonDialog(title, label, parent)
    return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None
