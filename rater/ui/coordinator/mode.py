"""Entering and leaving coordinator mode from the main window.

The coordinator page (and with it every coordinator screen) is created only
after the password was given, and destroyed when coordinator mode is left,
so nothing authenticated outlives it: the next entry asks again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject

from rater.storage.database import DatabaseError
from rater.study.setup import coordination
from rater.ui import dialogs

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QStackedWidget, QWidget

    from rater.study.rating.workstation import Workstation
    from rater.ui.coordinator.page import CoordinatorPage

log = logging.getLogger(__name__)


class MainWindow(Protocol):
    """What coordinator mode needs of the main window; a protocol, so that the coordinator
    screens never import the window (which imports the rater's screens)."""

    ws: Workstation | None
    rating_page: QWidget | None
    stack: QStackedWidget
    coordinator_action: QAction

    def switch_rater(self) -> None: ...

    def refresh_raters(self) -> None: ...

    def setWindowTitle(self, title: str) -> None: ...

    def activateWindow(self) -> None: ...

    def findChildren(self, kind: type) -> list: ...


class CoordinatorMode(QObject):
    """One visit to coordinator mode: password first, then the page, until :meth:`leave`."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.page: CoordinatorPage | None = None
        self.dialog = None  # the password dialog while it is open (tests fill it in)
        self.active = True  # False once given up or left (deletion itself waits for the event loop)

    def start(self) -> None:
        from rater.ui.coordinator.password import PasswordDialog, SetPasswordDialog

        db = self.window.ws.db
        try:
            first_use = not coordination.has_coordinator_password(db)
        except DatabaseError as exc:
            dialogs.error(self.window, "Coordinator mode", str(exc))
            self.active = False
            self.deleteLater()
            return
        self.dialog = SetPasswordDialog(db, self.window) if first_use else PasswordDialog(db, self.window)
        self.dialog.accepted.connect(self._open_page)
        self.dialog.rejected.connect(self._give_up)
        self.dialog.open()

    def _give_up(self) -> None:
        self.active = False
        self.dialog.deleteLater()
        self.dialog = None
        self.deleteLater()

    def _open_page(self) -> None:
        from rater.ui.coordinator.page import CoordinatorPage

        self.dialog.deleteLater()
        self.dialog = None
        self.page = CoordinatorPage(self.window.ws.db)
        self.page.leave_requested.connect(self.leave)
        self.page.ctx.raters_changed.connect(self.window.refresh_raters)
        self.window.stack.addWidget(self.page)
        self.window.stack.setCurrentWidget(self.page)
        self.window.setWindowTitle("Session Rater — Coordinator")
        self.window.coordinator_action.setEnabled(False)
        self.window.activateWindow()  # back from the password dialog, so keyboard focus lands on the page
        self.page.start()

    def leave(self) -> None:
        """Back to "Who is rating?"; the authentication is forgotten with the page."""
        page, self.page = self.page, None
        if page is not None:
            self.window.stack.removeWidget(page)
            page.deleteLater()
        self.active = False
        self.window.coordinator_action.setEnabled(True)
        self.window.switch_rater()  # shows "Who is rating?" afresh, with the rater screens' title and actions
        log.info("left coordinator mode")
        self.deleteLater()


def active_mode(window: MainWindow) -> CoordinatorMode | None:
    """The coordinator mode under way in ``window`` (asking or open), if any."""
    return next((m for m in window.findChildren(CoordinatorMode) if m.active), None)


def enter(window: MainWindow) -> CoordinatorMode | None:
    """Ask for the password and open coordinator mode; None if it cannot start now."""
    if window.ws is None or active_mode(window) is not None:
        return active_mode(window)
    window.switch_rater()  # closes an open rating first (it may ask) and forgets the rater
    if window.rating_page is not None:
        return None
    mode = CoordinatorMode(window)
    mode.start()
    return mode
