"""First page: "Who is rating?" — a big list of names, with an optional PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.study.rating.views import RaterInfo
from rater.study.rating.workstation import Workstation
from rater.ui import dialogs


class RaterPage(QWidget):
    rater_chosen = Signal(object)  # RaterInfo

    def __init__(self, workstation: Workstation, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = workstation
        title = QLabel("Who is rating?", objectName="pageTitle")
        self.subtitle = QLabel("Choose your name. You will only see your own sessions.",
                               objectName="pageSubtitle")
        self.list = QListWidget(objectName="raterList")
        self.list.setToolTip("Double-click or press Enter to continue")
        self.list.itemActivated.connect(self._activate)
        self.empty_label = QLabel("No raters yet. Ask the study coordinator to add you to the study.",
                                  objectName="muted")
        self.empty_label.hide()
        self.continue_button = QPushButton("Continue", objectName="primary")
        self.continue_button.setToolTip("Continue as the selected rater (Enter)")
        self.continue_button.clicked.connect(lambda: self._activate(self.list.currentItem()))

        column = QVBoxLayout()
        column.setSpacing(10)
        column.addWidget(title)
        column.addWidget(self.subtitle)
        column.addWidget(self.list, 1)
        column.addWidget(self.empty_label)
        column.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        box = QWidget()
        box.setMaximumWidth(560)
        box.setLayout(column)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 40, 40, 40)
        outer.addStretch(1)
        outer.addWidget(box, 3)
        outer.addStretch(1)

    def refresh(self) -> None:
        try:
            raters = self.ws.raters()
        except DatabaseError as exc:
            dialogs.error(self, "Database problem", str(exc))
            raters = []
        self.list.clear()
        for rater in raters:
            teams = f"   ·  {', '.join(rater.teams)}" if rater.teams else ""
            item = QListWidgetItem(f"{rater.name}")
            item.setToolTip(f"{rater.study_name}{teams}")
            item.setData(Qt.ItemDataRole.UserRole, rater)
            self.list.addItem(item)
        self.empty_label.setVisible(not raters)
        self.continue_button.setEnabled(bool(raters))
        if raters:
            self.list.setCurrentRow(0)
        self.list.setFocus()

    def _activate(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        rater: RaterInfo = item.data(Qt.ItemDataRole.UserRole)
        if rater.has_pin:
            pin = dialogs.ask_pin(self, rater.name)
            if pin is None:
                return
            try:
                ok = self.ws.check_pin(rater.id, pin)
            except (DatabaseError, StudyError) as exc:
                dialogs.error(self, "Cannot check the PIN", str(exc))
                return
            if not ok:
                dialogs.warn(self, "Wrong PIN", f"That is not the PIN for {rater.name}.")
                return
        self.rater_chosen.emit(rater)
