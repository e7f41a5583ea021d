"""The questions asked before a rating is submitted.

Which question depends on :class:`rater.study.rating.submit_checks.SubmitCheck`:
the plain "submit now?", a notice that less than the study's share was
played, or — when nothing of the recording was played — a box where the rater
says in words why the rating can stand. The answer goes to the core, which
checks it again and stores it with the rating.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from rater.study.rating.submit_checks import MIN_REASON_WORDS, SubmitAnswer, SubmitCheck, words
from rater.ui import dialogs

LOCKED_AFTER = "After submitting it is read-only; only a coordinator can reopen it."


class ReasonDialog(QDialog):
    """Asks for a sentence; Submit is enabled only once it has enough words."""

    def __init__(self, check: SubmitCheck, player_problem: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Recording not played")
        layout = QVBoxLayout(self)
        problem = f"\n\nThe player said: {player_problem}" if player_problem else ""
        self.message = QLabel(
            f"{check.message()}{problem}\n\nA rating is normally made while listening to the session. "
            "If you still want to submit, say in a sentence why this rating can stand "
            "(e.g. \"The file would not open; I rated from the session transcript.\"). "
            "Your words are kept with the rating and shown to the coordinator.")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(f"Why can this rating be submitted? (at least {MIN_REASON_WORDS} words)")
        self.reason.setTabChangesFocus(True)
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox()
        self.submit_button = self.buttons.addButton("Submit", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._update)
        self._update()
        self.resize(460, 300)

    def _update(self) -> None:
        self.submit_button.setEnabled(words(self.reason.toPlainText()) >= MIN_REASON_WORDS)

    def text(self) -> str:
        return self.reason.toPlainText().strip()


def ask_reason(parent: QWidget | None, check: SubmitCheck, player_problem: str = "") -> str | None:
    """The rater's reason for submitting an unplayed rating, or None if they cancelled."""
    dialog = ReasonDialog(check, player_problem, parent)
    return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_to_submit(parent: QWidget | None, check: SubmitCheck, player_problem: str = "") -> SubmitAnswer | None:
    """Ask what ``check`` calls for; the answer to pass to submit, or None to stay."""
    if check.unplayed:
        reason = ask_reason(parent, check, player_problem)
        return SubmitAnswer(reason=reason) if reason is not None else None
    if check.short:
        if not dialogs.confirm(parent, "Played less than the study asks",
                               f"{check.message()}\n\nSubmit anyway? The coordinator will see that you were "
                               f"told.\n\n{LOCKED_AFTER}", ok="Submit anyway", default_ok=False):
            return None
        return SubmitAnswer(told_short=True)
    if not dialogs.confirm(parent, "Submit rating", f"Submit this rating now?\n\n{LOCKED_AFTER}", ok="Submit"):
        return None
    return SubmitAnswer()
