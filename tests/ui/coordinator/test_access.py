"""Coordinator mode is behind the password: first use, wrong password, leaving, and raters."""

from __future__ import annotations

from sqlalchemy import select

from rater.storage import models as m
from rater.study.setup import coordination
from rater.ui.coordinator.mode import active_mode
from rater.ui.coordinator.page import CoordinatorPage
from rater.ui.coordinator.password import PasswordDialog, SetPasswordDialog
from rater.ui.coordinator.widgets import Screen
from tests.ui.coordinator.coordinator_helpers import PASSWORD, open_coordinator


def no_coordinator_screens(window) -> bool:
    return not window.findChildren(CoordinatorPage) and not window.findChildren(Screen)


def test_first_use_sets_the_password_and_opens(qtbot, window, db):
    assert not coordination.has_coordinator_password(db)
    window.coordinator_action.trigger()
    dialog = active_mode(window).dialog
    assert isinstance(dialog, SetPasswordDialog)
    dialog.first.setText("short")
    dialog.second.setText("short")
    assert not dialog.ok_button.isEnabled() and "At least 6" in dialog.message.text()
    dialog.first.setText(PASSWORD)
    dialog.second.setText(PASSWORD + "x")
    assert not dialog.ok_button.isEnabled() and "not the same" in dialog.message.text()
    assert no_coordinator_screens(window)
    dialog.second.setText(PASSWORD)
    dialog.ok_button.click()
    page = active_mode(window).page
    assert page is not None and window.stack.currentWidget() is page
    assert coordination.has_coordinator_password(db)
    with db.reading() as s:
        stored = s.get(m.Setting, coordination.PASSWORD_KEY).value
    assert stored.startswith("scrypt$") and PASSWORD not in stored


def test_wrong_password_gives_no_access_and_the_right_one_opens(qtbot, window, db):
    coordination.set_coordinator_password(db, PASSWORD)
    window.coordinator_action.trigger()
    dialog = active_mode(window).dialog
    assert isinstance(dialog, PasswordDialog)
    dialog.field.setText("guess-1")
    dialog.ok_button.click()
    # Checked off the GUI thread: the dialog stays responsive but cannot be submitted twice.
    assert not dialog.ok_button.isEnabled() and not dialog.field.isEnabled()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=10_000)
    assert "Wrong password" in dialog.message.text() and dialog.isVisible()
    assert no_coordinator_screens(window) and window.stack.currentWidget() is window.rater_page
    dialog.field.setText(PASSWORD)
    dialog.ok_button.click()  # the core waits a second after a failure; the GUI does not freeze
    qtbot.waitUntil(lambda: active_mode(window).page is not None, timeout=10_000)
    assert window.stack.currentWidget() is active_mode(window).page


def test_cancelling_the_password_leaves_the_rater_screens(qtbot, window, db):
    coordination.set_coordinator_password(db, PASSWORD)
    window.coordinator_action.trigger()
    active_mode(window).dialog.reject()
    assert active_mode(window) is None and no_coordinator_screens(window)
    assert window.stack.currentWidget() is window.rater_page


def test_a_rater_cannot_reach_coordinator_screens(qtbot, window, ws, db, open_rating):
    coordination.set_coordinator_password(db, PASSWORD)
    # Rating screens never build a coordinator screen ...
    page = open_rating("Sam Chen", "D01", 2, "hes_general")
    assert no_coordinator_screens(window)
    # ... and the one way in, the Coordinator action, first closes the rating and asks for the password.
    window.coordinator_action.trigger()
    assert window.rating_page is None and page is not None
    assert isinstance(active_mode(window).dialog, PasswordDialog) and no_coordinator_screens(window)
    active_mode(window).dialog.reject()
    assert window.rater is None and no_coordinator_screens(window)
    # Nothing else in the window's menus leads there.
    texts = [a.text() for menu in window.menuBar().actions() for a in menu.menu().actions()]
    assert [t for t in texts if "oordinator" in t] == ["Coordinator…"]


def test_leaving_forgets_the_authentication(qtbot, window, db):
    coordination.set_coordinator_password(db, PASSWORD)
    page = open_coordinator(qtbot, window)
    assert window.windowTitle().endswith("Coordinator")
    page.leave_button.click()
    qtbot.waitUntil(lambda: not window.findChildren(CoordinatorPage))
    assert window.stack.currentWidget() is window.rater_page and active_mode(window) is None
    window.coordinator_action.trigger()
    assert isinstance(active_mode(window).dialog, PasswordDialog)  # asked again


def test_screens_are_reachable_by_keyboard(qtbot, coordinator):
    from PySide6.QtCore import Qt

    qtbot.waitUntil(coordinator.window().isActiveWindow)
    assert coordinator.nav.hasFocus()
    qtbot.keyClick(coordinator.nav, Qt.Key.Key_Down)
    assert coordinator.stack.currentWidget().title == "Raters & teams"
    qtbot.keyClick(coordinator, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert coordinator.stack.currentWidget().title == "Ratings"


def test_password_is_never_stored_in_the_audit_trail(qtbot, window, db):
    window.coordinator_action.trigger()
    dialog = active_mode(window).dialog
    dialog.first.setText(PASSWORD)
    dialog.second.setText(PASSWORD)
    dialog.ok_button.click()
    with db.reading() as s:
        texts = [f"{e.old} {e.new}" for e in s.scalars(select(m.AuditEvent))]
    assert not any(PASSWORD in t for t in texts)


def test_cancelling_during_a_check_opens_nothing(qtbot, window, db):
    from PySide6.QtCore import QThreadPool

    coordination.set_coordinator_password(db, PASSWORD)
    window.coordinator_action.trigger()
    dialog = active_mode(window).dialog
    dialog.field.setText(PASSWORD)
    dialog.ok_button.click()
    dialog.reject()  # the check is still running in the worker
    QThreadPool.globalInstance().waitForDone(10_000)
    qtbot.wait(50)  # let the queued answer arrive
    assert active_mode(window) is None and no_coordinator_screens(window)
