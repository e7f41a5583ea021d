"""The coordinator page: a header with the study and the way out, a navigation list, the screens."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rater.storage.database import Database, DatabaseError
from rater.study.reports import overview
from rater.ui import dialogs
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.widgets import Screen
from rater.ui.style import ACCENT, ACCENT_SOFT, BORDER, TEXT

log = logging.getLogger(__name__)

LEAVE_KEYS = "Ctrl+Shift+L"
# Ctrl+1 … Ctrl+9, Ctrl+0 jump to the first ten screens; Ctrl+PgUp/PgDown step through all of them.
SCREEN_KEYS = [f"Ctrl+{d}" for d in "1234567890"]
PAGE_STYLE = f"""
QListWidget#coordinatorNav {{ background: white; border: none; border-right: 1px solid {BORDER};
    font-size: 11.5pt; padding: 8px 6px; outline: none; }}
QListWidget#coordinatorNav::item {{ padding: 9px 12px; border-radius: 6px; color: {TEXT}; }}
QListWidget#coordinatorNav::item:selected {{ background: {ACCENT_SOFT}; color: {ACCENT}; font-weight: 600; }}
QGroupBox {{ background: white; border: 1px solid {BORDER}; border-radius: 8px; margin-top: 14px;
    padding: 14px 10px 10px 10px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {TEXT}; }}
QLabel#modeChip {{ background: #fdf0d5; color: #92400e; border-radius: 9px; padding: 2px 10px;
    font-weight: 600; }}
"""


def _screens(ctx: Context) -> list[Screen]:
    from rater.ui.coordinator.export_screen import ExportScreen
    from rater.ui.coordinator.homework_screen import HomeworkScreen
    from rater.ui.coordinator.pooling.screen import PoolingScreen
    from rater.ui.coordinator.progress_screen import ProgressScreen
    from rater.ui.coordinator.ratings_screen import RatingsScreen
    from rater.ui.coordinator.recordings.screen import RecordingsScreen
    from rater.ui.coordinator.reliability.screen import ReliabilityScreen
    from rater.ui.coordinator.setup.assignments_screen import AssignmentsScreen
    from rater.ui.coordinator.setup.patients_screen import PatientsScreen
    from rater.ui.coordinator.setup.raters_screen import RatersScreen
    from rater.ui.coordinator.setup.study_screen import StudyScreen
    from rater.ui.coordinator.training.calibration import CalibrationScreen
    from rater.ui.coordinator.training.certification import CertificationScreen
    from rater.ui.coordinator.training.consensus import ConsensusScreen
    from rater.ui.coordinator.training.drift import DriftScreen
    from rater.ui.coordinator.training.screen import TrainingScreen

    return [cls(ctx) for cls in (StudyScreen, RatersScreen, PatientsScreen, RecordingsScreen, AssignmentsScreen,
                                 HomeworkScreen, ProgressScreen, RatingsScreen, PoolingScreen, ReliabilityScreen,
                                 ExportScreen, TrainingScreen, CertificationScreen, DriftScreen, CalibrationScreen,
                                 ConsensusScreen)]


class CoordinatorPage(QWidget):
    """Everything a coordinator does, one screen at a time (Ctrl+1 … Ctrl+0, Ctrl+PgUp/PgDown switch screens)."""

    leave_requested = Signal()

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.setStyleSheet(PAGE_STYLE)
        self.ctx = Context(db, self)
        self.study_combo = QComboBox()
        self.study_combo.setMinimumWidth(320)
        self.study_combo.setToolTip("The study you are working on")
        self.study_combo.currentIndexChanged.connect(self._study_chosen)
        self.leave_button = QPushButton("Leave coordinator mode")
        self.leave_button.setToolTip(f"Back to the rater screens; the password is asked again next time "
                                     f"({LEAVE_KEYS})")
        self.leave_button.clicked.connect(self.leave_requested)
        leave = QAction("Leave coordinator mode", self)
        leave.setShortcut(QKeySequence(LEAVE_KEYS))
        leave.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        leave.triggered.connect(self.leave_requested)
        self.addAction(leave)

        header = QFrame(objectName="header")
        top = QHBoxLayout(header)
        top.setContentsMargins(16, 10, 16, 10)
        top.addWidget(QLabel("Coordinator", objectName="modeChip"))
        top.addSpacing(8)
        top.addWidget(QLabel("Study:"))
        top.addWidget(self.study_combo)
        top.addStretch(1)
        top.addWidget(self.leave_button)

        self.screens = _screens(self.ctx)
        self.nav = QListWidget(objectName="coordinatorNav")
        self.nav.setFixedWidth(210)
        self.stack = QStackedWidget()
        for row, screen in enumerate(self.screens):
            self.nav.addItem(screen.title)
            self.stack.addWidget(screen)
            if row < len(SCREEN_KEYS):
                self.nav.item(row).setToolTip(f"{screen.title} ({SCREEN_KEYS[row]})")
                self._screen_key(SCREEN_KEYS[row], lambda r=row: r)
        self._screen_key("Ctrl+PgDown", lambda: (self.nav.currentRow() + 1) % len(self.screens))
        self._screen_key("Ctrl+PgUp", lambda: (self.nav.currentRow() - 1) % len(self.screens))
        self.nav.currentRowChanged.connect(self._show_screen)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addLayout(body, 1)

        self.ctx.study_created.connect(self.reload_studies)
        self.ctx.study_changed.connect(self._mark_all_stale)
        self.ctx.data_changed.connect(self._mark_all_stale)

    def start(self, study_id: str | None = None) -> None:
        """Load the list of studies and show the Study screen."""
        self.reload_studies(study_id)
        self.nav.setCurrentRow(0)
        self._show_screen(0)
        self.nav.setFocus()

    def _screen_key(self, keys: str, row_of) -> None:
        action = QAction(self, shortcut=QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _=False: self.nav.setCurrentRow(row_of()))
        self.addAction(action)

    def reload_studies(self, select: str | None = None) -> None:
        """Fill the study chooser (after a study was created, ``select`` it)."""
        try:
            found = overview.studies(self.ctx.db)
        except DatabaseError as exc:
            dialogs.error(self, "Database problem", str(exc))
            found = []
        wanted = select or self.ctx.study_id or (found[0].id if found else None)
        self.study_combo.blockSignals(True)
        self.study_combo.clear()
        for study in found:
            self.study_combo.addItem(f"{study.code} — {study.name}", study.id)
        self.study_combo.setEnabled(bool(found))
        if not found:
            self.study_combo.addItem("No study yet")
        index = self.study_combo.findData(wanted)
        self.study_combo.setCurrentIndex(max(index, 0))
        self.study_combo.blockSignals(False)
        self.ctx.set_study(wanted if index >= 0 else None)

    def screen(self, cls: type) -> Screen:
        return next(s for s in self.screens if isinstance(s, cls))

    def show_screen(self, cls: type) -> Screen:
        screen = self.screen(cls)
        self.nav.setCurrentRow(self.screens.index(screen))
        return screen

    def _study_chosen(self, index: int) -> None:
        self.ctx.set_study(self.study_combo.itemData(index))

    def _show_screen(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        screen = self.screens[row]
        if screen.stale:
            screen.refresh()

    def _mark_all_stale(self) -> None:
        for screen in self.screens:
            screen.stale = True
        current = self.stack.currentWidget()
        if isinstance(current, Screen):
            current.refresh()
