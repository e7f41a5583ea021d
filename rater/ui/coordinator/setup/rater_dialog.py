"""Adding a rater: code, name, team and an optional PIN."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from rater.study.setup.editing import CODE, MIN_PIN


class AddRaterDialog(QDialog):
    """``teams`` are (name, id) pairs; OK is enabled once code and name are filled in."""

    def __init__(self, teams: Sequence[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Add a rater")
        self.code = QLineEdit()
        self.code.setPlaceholderText("e.g. T1-18")
        self.name = QLineEdit()
        self.name.setPlaceholderText("As the rater will find it in the list of names")
        self.team = QComboBox()
        self.team.addItem("(no team yet)", None)
        for name, team_id in teams:
            self.team.addItem(name, team_id)
        self.team.setCurrentIndex(1 if teams else 0)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(f"Optional, at least {MIN_PIN} characters")
        self.message = QLabel(objectName="reason")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Code:", self.code)
        form.addRow("Name:", self.name)
        form.addRow("Team:", self.team)
        form.addRow("PIN:", self.pin)
        form.addRow(self.message)
        form.addRow(self.buttons)
        for edit in (self.code, self.name, self.pin):
            edit.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        code, pin = self.code.text().strip(), self.pin.text().strip()
        if not code or not self.name.text().strip():
            problem = "Give a code and a name."
        elif not CODE.match(code):
            problem = "A code holds only letters, digits, '_', '.' and '-'."
        elif pin and len(pin) < MIN_PIN:
            problem = f"A PIN needs at least {MIN_PIN} characters."
        else:
            problem = ""
        self.message.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def values(self) -> tuple[str, str, str | None, str | None]:
        """(code, name, team id or None, PIN or None)."""
        return (self.code.text().strip(), self.name.text().strip(), self.team.currentData(),
                self.pin.text().strip() or None)
