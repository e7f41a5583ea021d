"""The main window: Who is rating? → Your queue → Rating, in one stacked widget.

The window can be shown before the database is open (``attach`` comes
later): this module imports only Qt, so the window appears at once while
the storage layer loads.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QWidget

from rater.ui import dialogs

if TYPE_CHECKING:
    from rater.study.rating.views import RaterInfo
    from rater.study.rating.workstation import Workstation
    from rater.ui.common.player_area import PlayerWidgetFactory
    from rater.ui.rating.rating_page import RatingPage

log = logging.getLogger(__name__)

APP_TITLE = "Session Rater"


class MainWindow(QMainWindow):
    def __init__(self, workstation: Workstation | None = None, player_factory: PlayerWidgetFactory | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ws: Workstation | None = None
        self.player_factory = player_factory
        self.rater: RaterInfo | None = None
        self.rating_page: RatingPage | None = None
        self.setWindowTitle(APP_TITLE)
        self.resize(1360, 860)

        self.stack = QStackedWidget()
        self.loading = QLabel("Opening the database…", objectName="pageSubtitle")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.loading)
        self.setCentralWidget(self.stack)

        self.back_action = self._action("Back to queue", "Alt+Left", self.back_to_queue)
        self.switch_action = self._action("Switch rater", "Ctrl+Shift+R", self.switch_rater)
        self.export_action = self._action("Export my ratings…", "Ctrl+Shift+E", self.export_my_ratings)
        self.coordinator_action = self._action("Coordinator…", "Ctrl+Shift+C", self.open_coordinator)
        self.help_action = self._action("Keyboard shortcuts", "F1", self.show_help)
        self.quit_action = self._action("Quit", "Ctrl+Q", self.close)
        menus = self.menuBar()
        session_menu = menus.addMenu("&Session")
        for action in (self.back_action, self.switch_action, self.export_action, self.coordinator_action):
            session_menu.addAction(action)
        session_menu.addSeparator()
        session_menu.addAction(self.quit_action)
        menus.addMenu("&Help").addAction(self.help_action)
        self._update_actions()
        if workstation is not None:
            self.attach(workstation)

    def attach(self, workstation: Workstation) -> None:
        """Show the study in ``workstation``'s database, starting with Who is rating?"""
        from rater.ui.queue_page import QueuePage
        from rater.ui.rater_page import RaterPage

        self.ws = workstation
        self.rater_page = RaterPage(workstation)
        self.queue_page = QueuePage(workstation)
        self.stack.addWidget(self.rater_page)
        self.stack.addWidget(self.queue_page)
        self.stack.setCurrentWidget(self.rater_page)
        self.rater_page.rater_chosen.connect(self.choose_rater)
        self.queue_page.open_requested.connect(self.open_assignment)
        self.queue_page.switch_rater_requested.connect(self.switch_rater)
        self.rater_page.refresh()
        self._update_actions()

    def _action(self, text: str, keys: str, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(f"{text} ({QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _update_actions(self) -> None:
        page = self.stack.currentWidget()
        self.back_action.setEnabled(page is self.rating_page and page is not None)
        self.switch_action.setEnabled(self.rater is not None)
        self.export_action.setEnabled(self.rater is not None)
        self.setWindowTitle(f"{APP_TITLE} — {self.rater.name}" if self.rater else APP_TITLE)

    # --- navigation ---------------------------------------------------------------
    def choose_rater(self, rater: RaterInfo) -> None:
        self.rater = rater
        self.queue_page.show_rater(rater)
        self.stack.setCurrentWidget(self.queue_page)
        self._update_actions()

    def switch_rater(self) -> None:
        if self.ws is None or not self._close_rating_page():
            return
        self.rater = None
        self.rater_page.refresh()
        self.stack.setCurrentWidget(self.rater_page)
        self._update_actions()

    def refresh_raters(self) -> None:
        """Read the names on "Who is rating?" again (a study package may have brought new raters)."""
        if self.ws is not None:
            self.rater_page.refresh()

    def open_assignment(self, assignment_id: str) -> None:
        from rater.storage.database import DatabaseError
        from rater.study.errors import StudyError
        from rater.ui.rating.rating_page import RatingPage

        if self.rater is None or not self._close_rating_page():
            return
        try:
            view = self.ws.open(assignment_id, self.rater.id)
        except (DatabaseError, StudyError) as exc:
            dialogs.error(self, "Cannot open this session", str(exc))
            self.queue_page.refresh()
            return
        page = RatingPage(self.ws, view, self.player_factory)
        page.back_requested.connect(self.back_to_queue)
        from rater.ui.training.attach import attach_training

        attach_training(page, self.ws.db)
        self.rating_page = page
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self._update_actions()

    def export_my_ratings(self) -> None:
        """The chosen rater's own ratings (never anyone else's) to a package for the coordinator."""
        from rater.ui.common.export_ratings import start_export

        if self.ws is not None and self.rater is not None:
            start_export(self, self.rater)

    def open_coordinator(self) -> None:
        """Coordinator mode, behind the coordinator password (the only way to reach it)."""
        from rater.ui.coordinator.mode import enter

        enter(self)

    def back_to_queue(self) -> None:
        if self.rating_page is None:
            return
        current = self.rating_page.view.assignment_id
        if self._close_rating_page():
            self.queue_page.refresh(select=current)
            self.stack.setCurrentWidget(self.queue_page)
            self._update_actions()

    def _close_rating_page(self) -> bool:
        page = self.rating_page
        if page is None:
            return True
        if not page.leave():
            return False
        self.rating_page = None
        self.stack.setCurrentWidget(self.queue_page)
        self.stack.removeWidget(page)
        page.deleteLater()
        return True

    # --- help and closing ---------------------------------------------------------------
    def shortcut_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        window = [(a.text(), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                  for a in (self.help_action, self.back_action, self.switch_action, self.export_action,
                            self.coordinator_action)]
        if self.rating_page is not None:
            return [("Window", window), *self.rating_page.shortcut_sections()]
        from rater.ui.keys import FORM_SHORTCUTS, MARK_SHORTCUTS
        from rater.ui.player.shortcuts import shortcut_help

        return [("Window", window), ("Rating form", FORM_SHORTCUTS), ("Marks", MARK_SHORTCUTS),
                ("Player", shortcut_help())]

    def show_help(self) -> None:
        from rater.ui.help_dialog import HelpDialog

        HelpDialog(self.shortcut_sections(), self).exec()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._close_rating_page():
            event.ignore()
            return
        event.accept()
