"""The homework log of the previous session, which tells the rater what was assigned."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from rater.study.views import AssignmentView


def empty_text(view: AssignmentView) -> str:
    if view.previous_session_number is None:
        return f"Session {view.session_number}: no previous session."
    return f"No homework log entered for session {view.previous_session_number}."


class HomeworkPanel(QScrollArea):
    def __init__(self, view: AssignmentView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        if view.previous_session_number is not None:
            layout.addWidget(QLabel(f"Homework assigned in session {view.previous_session_number}",
                                    objectName="sectionTitle"))
        self.entries: list[QLabel] = []
        for entry in view.previous_homework:
            label = QLabel(
                f"<b>{html.escape(entry.kind_label)}</b><br>{html.escape(entry.description)}"
                f"<br><span style='color:#6b7280; font-size:9pt'>{html.escape(entry.author)}</span>"
            )
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.entries.append(label)
            layout.addWidget(label)
        self.empty_label = QLabel(empty_text(view), objectName="muted")
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(not view.previous_homework)
        layout.addWidget(self.empty_label)
        layout.addStretch(1)
        self.setWidget(body)

    def entry_texts(self) -> list[str]:
        return [label.text() for label in self.entries]
