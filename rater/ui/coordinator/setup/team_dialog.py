"""Editing one team: name, raters per session, the homework log, and which instruments on which sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

MAX_SESSION = 200


@dataclass
class TeamValues:
    """What the dialog edits; ``rates`` are (instrument token, first session, last session)."""

    name: str = ""
    description: str = ""
    raters_per_session: int = 3
    keeps_homework_log: bool = False
    rates: list[tuple[str, int, int]] = field(default_factory=list)


class TeamDialog(QDialog):
    """``instruments`` are (label, token) pairs: file paths in the new-study form, ids for a stored study."""

    def __init__(self, instruments: Sequence[tuple[str, str]], values: TeamValues | None = None,
                 title: str = "Team", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        values = values or TeamValues()
        self.name = QLineEdit(values.name)
        self.name.setPlaceholderText("e.g. Team 1")
        self.description = QLineEdit(values.description)
        self.description.setPlaceholderText("e.g. Therapist behaviour")
        self.k = QSpinBox(minimum=1, maximum=20, value=values.raters_per_session)
        self.k.setToolTip("How many raters of this team rate each session")
        self.keeps_log = QCheckBox("Raters of this team may write the homework log")
        self.keeps_log.setChecked(values.keeps_homework_log)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Description:", self.description)
        form.addRow("Raters per session:", self.k)
        form.addRow("", self.keeps_log)

        chosen = {token: (lo, hi) for token, lo, hi in values.rates}
        box = QGroupBox("Instruments this team rates")
        grid = QGridLayout(box)
        grid.addWidget(QLabel("First session", objectName="muted"), 0, 1)
        grid.addWidget(QLabel("Last session", objectName="muted"), 0, 2)
        self.rows: list[tuple[str, QCheckBox, QSpinBox, QSpinBox]] = []
        for n, (label, token) in enumerate(instruments, start=1):
            check = QCheckBox(label)
            lo, hi = chosen.get(token, (1, 5))
            first = QSpinBox(minimum=1, maximum=MAX_SESSION, value=lo)
            last = QSpinBox(minimum=1, maximum=MAX_SESSION, value=hi)
            check.setChecked(token in chosen)
            for spin in (first, last):
                spin.setEnabled(check.isChecked())
                check.toggled.connect(spin.setEnabled)
            first.valueChanged.connect(self._validate)
            last.valueChanged.connect(self._validate)
            check.toggled.connect(self._validate)
            grid.addWidget(check, n, 0)
            grid.addWidget(first, n, 1)
            grid.addWidget(last, n, 2)
            self.rows.append((token, check, first, last))
        if not instruments:
            grid.addWidget(QLabel("No instruments are available; add an instrument file first.",
                                  objectName="muted"), 1, 0, 1, 3)
        self.message = QLabel(objectName="reason")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._validate)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._validate()

    def _validate(self) -> None:
        problem = ""
        if not self.name.text().strip():
            problem = "The team needs a name."
        elif not any(check.isChecked() for _t, check, _f, _l in self.rows):
            problem = "Choose at least one instrument."
        else:
            for _token, check, first, last in self.rows:
                if check.isChecked() and first.value() > last.value():
                    problem = f"{check.text()}: the first session is after the last."
        self.message.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def values(self) -> TeamValues:
        return TeamValues(
            self.name.text().strip(), self.description.text().strip(), self.k.value(), self.keeps_log.isChecked(),
            [(token, first.value(), last.value()) for token, check, first, last in self.rows if check.isChecked()])
