"""Top of the rating page: what is being rated, its status and whether it is saved."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from rater.study.rating.views import STATUS_LABELS, AssignmentView
from rater.ui.style import set_state, status_chip_style


class RatingHeader(QFrame):
    def __init__(self, view: AssignmentView, parent: QWidget | None = None):
        super().__init__(parent, objectName="header")
        self.back_button = QPushButton("‹ Back to queue")
        self.back_button.setToolTip("Save the playback position and go back to your queue (Alt+Left)")
        date = f" · {view.session_date:%d %b %Y}" if view.session_date else ""
        title = QLabel(f"Patient {view.patient_code} · Session {view.session_number}{date}",
                       objectName="pageTitle")
        subtitle = QLabel(f"{view.instrument.name} · version {view.instrument_version}",
                          objectName="pageSubtitle")
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(title)
        text.addWidget(subtitle)
        self.status_chip = QLabel(objectName="statusChip")
        self.save_label = QLabel("Opened — nothing changed yet", objectName="saveState")
        self.save_label.setToolTip("Every change is saved at once")
        right = QVBoxLayout()
        right.addWidget(self.status_chip)
        right.addWidget(self.save_label)

        top = QHBoxLayout()
        top.setContentsMargins(14, 10, 14, 10)
        top.setSpacing(16)
        top.addWidget(self.back_button)
        top.addLayout(text, 1)
        top.addLayout(right)

        self.banner = QLabel(objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        banner_box = QHBoxLayout()
        banner_box.setContentsMargins(14, 0, 14, 10)
        banner_box.addWidget(self.banner)
        layout.addLayout(banner_box)
        self.set_status(view.status)

    def set_status(self, status: str) -> None:
        self.status_chip.setText(STATUS_LABELS.get(status, status))
        self.status_chip.setStyleSheet(status_chip_style(status))

    def show_saved(self, when: datetime) -> None:
        self.save_label.setText(f"Saved {when:%H:%M:%S}")
        set_state(self.save_label, "state", "ok")
        self.banner.hide()

    def show_not_saved(self, message: str) -> None:
        self.save_label.setText("Not saved")
        set_state(self.save_label, "state", "error")
        text = message.strip()
        if not text.endswith((".", "!", "?")):
            text += "."
        self.banner.setText(f"Not saved — {text} Your changes are kept and retried every few seconds.")
        self.banner.show()
