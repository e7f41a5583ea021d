"""Small modal questions and messages, in one place so tests can answer them.

Widgets call ``dialogs.confirm(...)`` etc. through the module, never with a
direct import of the function, so a test can monkeypatch the answer.
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget


def confirm(parent: QWidget | None, title: str, text: str, ok: str = "OK", default_ok: bool = True) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes = box.addButton(ok, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes if default_ok else no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def warn(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def ask_pin(parent: QWidget | None, rater_name: str) -> str | None:
    """The rater's PIN, or ``None`` if they cancelled."""
    text, ok = QInputDialog.getText(
        parent, "PIN", f"PIN for {rater_name}:", QLineEdit.EchoMode.Password
    )
    return text if ok else None
