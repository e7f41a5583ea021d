"""Helpers shared by the coordinator-mode tests (imported by name; conftest modules are not)."""

from __future__ import annotations

from rater.ui.coordinator.mode import active_mode
from rater.ui.coordinator.page import CoordinatorPage
from rater.ui.coordinator.password import PasswordDialog

PASSWORD = "lab-secret"


def open_coordinator(qtbot, window, password: str = PASSWORD) -> CoordinatorPage:
    """Trigger "Coordinator…", type the password and wait for the page."""
    window.coordinator_action.trigger()
    mode = active_mode(window)
    assert isinstance(mode.dialog, PasswordDialog)
    mode.dialog.field.setText(password)
    mode.dialog.ok_button.click()
    qtbot.waitUntil(lambda: mode.page is not None, timeout=10_000)
    return mode.page
