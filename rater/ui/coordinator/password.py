"""The coordinator password: chosen on first use, asked for every time coordinator mode opens.

Checking runs off the GUI thread because the core deliberately slows down
repeated wrong passwords (up to 30 s); the window stays responsive and the
button is disabled while a check is under way.
"""

from __future__ import annotations

import logging
import math

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from rater.storage.database import Database, DatabaseError
from rater.study import backoff
from rater.study.errors import StudyError
from rater.study.setup import coordination
from rater.ui.common.tasks import Task

log = logging.getLogger(__name__)

MIN_LENGTH = 6


def _password_field() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMinimumWidth(260)
    return edit


class _Dialog(QDialog):
    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        intro_label = QLabel(intro)
        intro_label.setWordWrap(True)
        self.message = QLabel(objectName="reason")
        self.message.setWordWrap(True)
        # Room for two lines up front, so a message never gets clipped or makes the dialog jump.
        self.message.setMinimumHeight(2 * self.fontMetrics().lineSpacing() + 6)
        self.setMinimumWidth(440)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro_label)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _submit(self) -> None:
        raise NotImplementedError


class SetPasswordDialog(_Dialog):
    """First use: the password is typed twice and must have at least six characters."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__("Set the coordinator password",
                         "Coordinator mode has no password yet. Choose one now; it will be asked for every time "
                         "coordinator mode is opened on any desktop using this database. Raters must not know it.",
                         "Set password", parent)
        self.db = db
        self.first, self.second = _password_field(), _password_field()
        self.form.addRow("New password:", self.first)
        self.form.addRow("Type it again:", self.second)
        for edit in (self.first, self.second):
            edit.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        first, second = self.first.text(), self.second.text()
        if len(first) < MIN_LENGTH:
            hint = f"At least {MIN_LENGTH} characters ({len(first)} so far)."
        elif first != second:
            hint = "The two passwords are not the same yet."
        else:
            hint = ""
        self.message.setText(hint)
        self.ok_button.setEnabled(not hint)

    def _submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        try:
            coordination.set_coordinator_password(self.db, self.first.text())
        except (StudyError, DatabaseError) as exc:
            self.message.setText(str(exc))
            return
        log.info("coordinator password set")
        self.accept()


class PasswordDialog(_Dialog):
    """Asks for the password; accepted only when the core says it is right."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__("Coordinator mode", "Enter the coordinator password.", "Open coordinator mode", parent)
        self.db = db
        self.field = _password_field()
        self.form.addRow("Password:", self.field)
        self.task: Task | None = None

    def _submit(self) -> None:
        if self.task is not None or not self.field.text():
            return
        password = self.field.text()
        self.field.setEnabled(False)
        self.ok_button.setEnabled(False)
        wait = backoff.wait_seconds(self.db)
        # The slow-down is kept in the database, so it may come from another desktop or an earlier start.
        self.message.setText(f"Checking… (waiting {math.ceil(wait)} s after earlier wrong passwords)" if wait > 0
                             else "Checking…")
        self.task = Task(lambda _progress, _cancelled: coordination.check_coordinator_password(self.db, password))
        self.task.finished.connect(self._checked)
        self.task.failed.connect(self._failed)
        self.task.start()

    def _checked(self, ok: bool) -> None:
        self.task = None
        if not self.isVisible():  # cancelled while the check ran: the answer no longer matters
            return
        if ok:
            log.info("coordinator mode opened")
            self.accept()
            return
        log.warning("wrong coordinator password")
        self._again("Wrong password. Try again — after repeated mistakes each check takes longer.")

    def _failed(self, exc: Exception) -> None:
        self.task = None
        if self.isVisible():
            self._again(f"The password could not be checked: {exc}")

    def _again(self, message: str) -> None:
        self.message.setText(message)
        self.field.setEnabled(True)
        self.ok_button.setEnabled(True)
        self.field.clear()
        self.field.setFocus()
